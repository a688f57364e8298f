/*
 * context_switch.c - __switch_to and switch_mm: many ops in sequence.
 *
 * Expected effect on the generated code:
 *   - a long straight run of sites (start_context_switch, load_sp0,
 *     load_tls, load_gs_index, set_debugreg x4, set_iopl_mask, write_cr3,
 *     end_context_switch) whose arguments come from fields of prev/next:
 *     prev and next live in callee-saved registers across all of them;
 *   - in the annotated build the asm outputs clobber %rdi/%rsi/%rdx/%rcx
 *     as a call does, so both builds set the arguments up from
 *     callee-saved registers before every site (the instructions before a
 *     site are "mov %r13,%rdi"-style moves and address computations);
 *   - the debug-register block is guarded by an unlikely() test on
 *     next's flags and laid out after the function's return at -O2;
 *   - switch_mm ends in activate_mm -> write_cr3 with a tail call at -O2
 *     in the plain build.
 */
#include "paravirt.h"

#define TIF_DEBUG	0x1
#define TIF_IO_BITMAP	0x2

void switch_mm(struct mm_struct *prev, struct mm_struct *next, struct task_struct *tsk)
{
	if (prev == next)
		return;
	tsk->active_mm = next;
	paravirt_activate_mm(prev, next);
	write_cr3(next->pgd);
}

struct task_struct *__switch_to(struct task_struct *prev_p, struct task_struct *next_p)
{
	struct thread_struct *prev = &prev_p->thread;
	struct thread_struct *next = &next_p->thread;
	int cpu = smp_processor_id();
	struct tss_struct *tss = &init_tss[cpu];

	arch_start_context_switch(prev_p);
	load_sp0(tss, next);
	load_TLS(next, cpu);
	if (prev->gsindex || next->gsindex)
		load_gs_index(next->gsindex);

	if (unlikely(next_p->flags & TIF_DEBUG)) {
		set_debugreg(next->debugreg[0], 0);
		set_debugreg(next->debugreg[1], 1);
		set_debugreg(next->debugreg[2], 2);
		set_debugreg(next->debugreg[3], 3);
		set_debugreg(next->debugreg[7], 7);
	}
	if (prev->iopl != next->iopl)
		set_iopl_mask(next->iopl);

	arch_end_context_switch(next_p);
	current_task = next_p;
	return prev_p;
}

/* The scheduler's view: switch mm, then registers, then lazy-mode end. */
struct task_struct *context_switch(struct task_struct *prev, struct task_struct *next)
{
	struct mm_struct *mm = next->mm, *oldmm = prev->active_mm;

	if (!mm)
		next->active_mm = oldmm;
	else
		switch_mm(oldmm, mm, next);
	return __switch_to(prev, next);
}

/* Save the outgoing task's debug registers: results into memory. */
void save_debug_registers(struct thread_struct *t)
{
	t->debugreg[0] = get_debugreg(0);
	t->debugreg[1] = get_debugreg(1);
	t->debugreg[2] = get_debugreg(2);
	t->debugreg[3] = get_debugreg(3);
	t->debugreg[6] = get_debugreg(6);
	t->debugreg[7] = get_debugreg(7);
}
