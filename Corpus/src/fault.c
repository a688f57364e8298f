/*
 * fault.c - the page-fault path: read %cr2 first, then decide.
 *
 * Expected effect on the generated code:
 *   - read_cr2 is the first call of do_page_fault and its result is kept
 *     in a callee-saved register across the rest of the function;
 *   - irq_enable is called conditionally on the saved flags of the
 *     interrupted context (a site under a branch on regs->flags);
 *   - the vmalloc-fault helper chains read_cr3 -> set_pmd ->
 *     flush_tlb_single with a 64-bit value passed whole in a register;
 *   - no_context is noreturn: its last site (irq_disable) is followed by
 *     "call panic" and nothing else, no epilogue;
 *   - the unlikely() paths are laid out at the end of do_page_fault (gcc 12
 *     does not split this function into a .cold part: nothing on those
 *     paths is known to be cold).
 */
#include "paravirt.h"

#define PF_PROT		0x1
#define PF_WRITE	0x2
#define PF_USER		0x4

#define VMALLOC_START	0xffffc90000000000UL
#define VMALLOC_END	0xffffe8ffffffffffUL

extern pmd_t reference_pmd[512];

/* Copy the reference kernel pmd into the faulting page table. */
int vmalloc_fault(unsigned long address)
{
	unsigned long cr3 = read_cr3();
	pmd_t *pmd = (pmd_t *)(cr3 & PAGE_MASK) + ((address >> 21) & 511);
	pmd_t ref = reference_pmd[(address >> 21) & 511];

	if (!ref.pmd)
		return -1;
	set_pmd(pmd, ref);
	__flush_tlb_single(address);
	return 0;
}

void do_page_fault(struct pt_regs *regs, unsigned long error_code)
{
	struct task_struct *tsk = current_task;
	unsigned long address = read_cr2();

	if (unlikely(address >= VMALLOC_START && address <= VMALLOC_END)) {
		if (!(error_code & (PF_USER | PF_PROT)) && vmalloc_fault(address) >= 0)
			return;
	}

	if (regs->flags & X86_EFLAGS_IF)
		local_irq_enable();

	if (unlikely(!tsk->mm)) {
		bad_area(regs, address);
		return;
	}

	tsk->thread.cr2 = address;
	tsk->thread.error_code = error_code;
	handle_mm_fault(tsk->mm, address, error_code);
}

/* Oops on a kernel fault: report cr2/cr3 and die. */
void __noreturn no_context(struct pt_regs *regs, unsigned long error_code)
{
	unsigned long cr2 = read_cr2();
	unsigned long cr3 = read_cr3();

	printk("BUG: unable to handle kernel paging request at %016lx\n", cr2);
	printk("PGD %lx error %lx ip %lx\n", cr3, error_code, regs->ip);
	local_irq_disable();
	panic("Fatal exception");
}
