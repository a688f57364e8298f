/*
 * branch_results.c - results of paravirt calls that feed a branch.
 *
 * Expected effect on the generated code:
 *   - the returned value is tested right after the call
 *     ("call *paravirt_ops+off(%rip); test/and/cmp %rax..."), so gcc cannot
 *     move the call, and with -O2 it lays out the unlikely side out of line;
 *   - the callee-save op save_fl (annotated: clobbers only %rax) lets gcc
 *     keep live values in %rdi/%rsi/%rdx across the annotated call, while
 *     in the plain build the same values move to callee-saved registers:
 *     different register allocation around the same site;
 *   - a condition combining two paravirt results (&&) gives two sites on
 *     one source line, the second conditional.
 */
#include "paravirt.h"

bool irqs_disabled_now(void)
{
	return irqs_disabled();
}

/* Warn if called with interrupts on; value feeds the branch directly. */
int might_sleep_check(const char *file, int line)
{
	if (!irqs_disabled())
		return 0;
	printk("BUG: sleeping function called from invalid context at %s:%d\n", file, line);
	return 1;
}

/* Lazy FPU: only clear TS when it is set. */
void math_state_restore_prep(void)
{
	if (read_cr0() & X86_CR0_TS)
		clts();
}

/* Spin until the clock passes a deadline, comparing 64-bit results. */
bool wait_until(u64 deadline, unsigned long max_loops)
{
	while (max_loops--) {
		if (sched_clock() >= deadline)
			return true;
		cpu_relax();
	}
	return false;
}

/* Two results on one line, the second call conditional. */
bool apic_is_bsp_and_enabled(u32 bsp_id)
{
	return (apic_read(APIC_ID) >> 24) == bsp_id && (apic_read(APIC_SPIV) & 0x100);
}

/* Result used as a loop condition and as an argument. */
unsigned int wait_icr_idle(void)
{
	unsigned int timeout = 0;

	while (apic_read(APIC_ICR) & APIC_ICR_BUSY) {
		cpu_relax();
		if (++timeout > 1000)
			break;
	}
	return timeout;
}

/* Enable the global-pages bit only when the CPU does not have it yet. */
void enable_pge(void)
{
	unsigned long cr4 = read_cr4();

	if (!(cr4 & X86_CR4_PGE))
		write_cr4(cr4 | X86_CR4_PGE);
}
