/*
 * tail_calls.c - wrappers whose last action is the paravirt call.
 *
 * Expected effect on the generated code:
 *   - plain, -O2/-O3/-Os: the call becomes a tail jump,
 *     "jmp *paravirt_ops+off(%rip)" (sibling call optimisation), also for
 *     ops with arguments and ops returning a value; with retpoline
 *     "mov paravirt_ops+off(%rip),%rax; jmp __x86_indirect_thunk_rax";
 *     with -fPIC "mov paravirt_ops@GOTPCREL(%rip),%rax; jmp *off(%rax)"
 *     (relaxed to "lea" in the static-pie image).
 *   - plain, -O0/-O1: no sibling calls (-foptimize-sibling-calls is an -O2
 *     flag): "call" followed by "ret".
 *   - annotated: the inline asm is always a "call" followed by "ret", so
 *     the annotated site is a call where the plain one is a jmp
 *     (kind-mismatched, same length).
 */
#include "paravirt.h"

void set_cr2_tail(unsigned long address)
{
	write_cr2(address);
}

unsigned long get_cr3_tail(void)
{
	return read_cr3();
}

void flush_one_tail(unsigned long addr)
{
	__flush_tlb_single(addr & PAGE_MASK);
}

void irq_enable_tail(void)
{
	local_irq_enable();
}

u64 clock_tail(void)
{
	return sched_clock();
}

/* Four arguments, still a tail call: everything fits in registers. */
void install_gdt_tail(struct desc_struct *gdt, int entry, const struct desc_struct *d)
{
	write_gdt_entry(gdt, entry, d, 0);
}

/* A tail call after other work: only the last call can be a jmp. */
void flush_then_enable(unsigned long addr)
{
	__flush_tlb_single(addr);
	local_irq_enable();
}

/* Tail call in one branch only. */
int maybe_set_wallclock(unsigned long now, bool force)
{
	if (!force && now < jiffies)
		return -1;
	return set_wallclock(now);
}
