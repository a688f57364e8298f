/*
 * merged_arms.c - one op called on both arms of an if, then common code,
 * as do_user_addr_fault enabling interrupts for a user fault, or for a
 * kernel fault when the saved flags had them on (arch/x86/mm/fault.c:
 * "if (user_mode(regs)) { local_irq_enable(); flags |= FAULT_FLAG_USER; }
 * else if (regs->flags & X86_EFLAGS_IF) local_irq_enable();").
 *
 * Expected effect on the generated code:
 *   - annotated: two asm calls, two records, in every configuration (at
 *     gcc -O0 and -Os one, in the out-of-line arch_local_irq_enable);
 *   - plain, gcc, -O1 and up: two calls of irq_enable, one per arm
 *     ("call *paravirt_ops+0x130(%rip)" twice; retpoline: two thunk
 *     calls): one per record;
 *   - plain, clang-14, -O1 and up, every variant: SimplifyCFG turns
 *     "flags |= FAULT_FLAG_USER" into a select and folds the two arms'
 *     identical calls into one, reached from both tests:
 *     "testb $0x2,0x91(%rdi); je 1f; call *paravirt_ops+0x130(%rip)"
 *     (on Linux 6.1 built by clang, do_user_addr_fault's one
 *     "mov pv_ops+0xfc(%rip),%r11; call __x86_indirect_thunk_r11").
 *     The scan finds that call; the second record has no call left to
 *     find: the plain build made fewer copies (copies-differ), not a
 *     miss of the scan.
 */
#include "paravirt.h"

#define FAULT_FLAG_WRITE	0x01
#define FAULT_FLAG_USER		0x40

unsigned int fault_flags_seen;

void user_addr_fault(struct pt_regs *regs, unsigned long error_code, unsigned long address)
{
	unsigned int flags = FAULT_FLAG_WRITE;

	if ((regs->cs & 3) == 3) {
		local_irq_enable();
		flags |= FAULT_FLAG_USER;
	} else {
		if (regs->flags & X86_EFLAGS_IF)
			local_irq_enable();
	}
	if (error_code & 2)
		flags |= 0x100;
	fault_flags_seen = flags;
	handle_mm_fault(current_task->mm, address, flags);
}
