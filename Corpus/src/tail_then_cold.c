/*
 * tail_then_cold.c - a function whose last op is a tail call, followed in
 * the code by an out-of-line block that calls another op through the same
 * register, as xen_mc_flush's BUG_ON(preemptible()) path after its
 * local_irq_restore() (arch/x86/xen/multicalls.c).
 *
 * Expected effect on the generated code:
 *   - annotated: one asm call per op use, 4 records at -O1 and up;
 *   - plain, retpoline, gcc -O2/-O3: save_fl is loaded at the entry
 *     ("mov paravirt_ops+0x118(%rip),%rax"), the unlikely test branches to
 *     a block placed after the function's end; the end is
 *     "mov paravirt_ops+0x120(%rip),%rax; jmp __x86_indirect_thunk_rax"
 *     (restore_fl as a tail call), and the block right after it is
 *     "call __x86_indirect_thunk_rax" (save_fl). In the object the tail
 *     jump's displacement is a relocation, so its unrelocated bytes point
 *     at the next instruction: a walk that follows them reaches the
 *     block with restore_fl in %rax and takes save_fl's call for one that
 *     two ops reach (merged). The jump leaves the function; only the
 *     branch from the entry reaches the block. (Linux 6.1 gcc -O2 with
 *     retpolines has the same with "jmp __x86_return_thunk".)
 *   - plain, kernel: the ops are called through memory, nothing to follow.
 */
#include "paravirt.h"

struct batch { unsigned int n; unsigned long args[16]; };
int preempt_count_value;
unsigned long flushed;

void batch_flush(struct batch *b)
{
	unsigned long flags;
	unsigned int i;

	BUG_ON(preempt_count_value == 0 && !arch_irqs_disabled_flags(arch_local_save_flags()));
	local_irq_save(flags);
	for (i = 0; i < b->n; i++)
		flushed += b->args[i];
	b->n = 0;
	local_irq_restore(flags);
}
