/*
 * exercise.c -- what the boot test's init runs once the kernel is up: the
 * paths the pv_ops serve (page tables: mmu.*; interrupts: irq.*; context
 * switches and TLB flushes: cpu.*, mmu.flush_tlb_*), each checked, so a
 * kernel whose patched call sites are wrong fails here rather than later.
 * Static (no loader in the initramfs); prints one line per step and
 * "pvsites-exercise: ok" at the end, or the step that failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failed;

static void check(int ok, const char *step)
{
	printf("pvsites-exercise: %s %s\n", step, ok ? "ok" : "FAILED");
	if (!ok)
		failed = 1;
}

/* Page faults on fresh anonymous memory, mprotect both ways, munmap. */
static int memory(void)
{
	size_t len = 64 << 20;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long sum = 0, want = 0;

	if (p == MAP_FAILED)
		return 0;
	for (size_t i = 0; i < len; i += 4096) {
		p[i] = (unsigned char)(i >> 12);
		want += (unsigned char)(i >> 12);
	}
	if (mprotect(p, len, PROT_READ) != 0)
		return 0;
	for (size_t i = 0; i < len; i += 4096)
		sum += p[i];
	if (mprotect(p, len, PROT_READ | PROT_WRITE) != 0)
		return 0;
	p[len - 1] = 1;
	if (munmap(p, len) != 0)
		return 0;
	return sum == want; /* every page kept what was written to it */
}

/* fork + exec + wait, many times: page-table copies, COW faults, TLB flushes. */
static int processes(const char *self)
{
	for (int i = 0; i < 50; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return 0;
		if (pid == 0) {
			execl(self, self, "--child", (char *)NULL);
			_exit(127);
		}
		int status;
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 42)
			return 0;
	}
	return 1;
}

/* A few sleeps: the timer interrupt, idle (irq.safe_halt / halt). */
static int sleeps(void)
{
	struct timespec a, b, d = { 0, 50 * 1000 * 1000 };
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 5; i++)
		nanosleep(&d, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	return ms >= 250;
}

/* /proc: seq_file paths, and the kernel's own view of this process. */
static int proc(void)
{
	char buf[4096];
	int fd = open("/proc/self/maps", O_RDONLY), n;
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	fd = open("/proc/cpuinfo", O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	return n > 0 && strstr(buf, "processor") != NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--child") == 0) {
		volatile char stack[64 * 1024];
		stack[0] = stack[sizeof stack - 1] = 1; /* stack page faults */
		return 42;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	check(memory(), "mmap/fault/mprotect/munmap");
	check(processes(argv[0]), "fork/exec/wait x50");
	check(sleeps(), "nanosleep x5");
	check(proc(), "read /proc");
	printf("pvsites-exercise: %s\n", failed ? "FAILED" : "ok");
	return failed;
}
