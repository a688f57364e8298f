/*
 * msr.c - MSR reads and writes, 64-bit values split in two 32-bit halves.
 *
 * Expected effect on the generated code:
 *   - wrmsrl(msr, val) passes (u32)val in %esi and val >> 32 in %edx: a
 *     "shr $32" and a 32-bit move before the call, as native_write_msr's
 *     callers did; rdmsr joins/splits the u64 result in %rax;
 *   - read_msr takes a pointer to a local error flag: the local must live
 *     in memory (stack slot) across the call, "lea off(%rsp),%rsi";
 *   - read-modify-write sequences: the result of one site is the argument
 *     of the next, so gcc cannot reorder them;
 *   - the same MSR update macro-expanded for several MSRs gives sites on
 *     different lines of this file but the same header line (innermost).
 */
#include "paravirt.h"

#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_IA32_APICBASE	0x0000001b
#define MSR_IA32_MISC_ENABLE	0x000001a0
#define EFER_SCE		(1UL << 0)
#define EFER_NX			(1UL << 11)

extern char system_call[];

void syscall_init(void)
{
	wrmsr(MSR_STAR, 0, (0x23U << 16) | 0x10);
	wrmsrl(MSR_LSTAR, (unsigned long)system_call);
	wrmsrl(MSR_CSTAR, 0);
	wrmsrl(MSR_SYSCALL_MASK, X86_EFLAGS_IF | 0x100 | 0x400 | 0x40000);
}

void efer_set_bits(u64 mask)
{
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if ((efer & mask) != mask)
		wrmsrl(MSR_EFER, efer | mask);
}

/* The split form: rdmsr into two halves, modify the high one, write back. */
void misc_enable_set_high(u32 bits)
{
	u32 lo, hi;

	rdmsr(MSR_IA32_MISC_ENABLE, lo, hi);
	hi |= bits;
	wrmsr(MSR_IA32_MISC_ENABLE, lo, hi);
}

u64 read_fs_base(void)
{
	u64 v;

	rdmsrl(MSR_FS_BASE, v);
	return v;
}

/* 64-bit value from a struct, split at the call. */
void restore_segment_bases(const struct thread_struct *t)
{
	wrmsrl(MSR_FS_BASE, t->fs);
	wrmsrl(MSR_KERNEL_GS_BASE, t->gs);
}

/* The _safe variants: the error result feeds a branch. */
int probe_apicbase(u64 *base)
{
	if (rdmsrl_safe(MSR_IA32_APICBASE, base))
		return -1;
	if (!(*base & (1UL << 11)))
		return wrmsr_safe(MSR_IA32_APICBASE, (u32)(*base | (1UL << 11)), (u32)(*base >> 32));
	return 0;
}

u64 read_tsc_delta(void)
{
	u64 t0 = rdtscll();
	u64 t1 = rdtscll();

	return t1 - t0;
}

u64 read_counter(int n)
{
	return rdpmc(n);
}
