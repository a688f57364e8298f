/*
 * tlbflush.c - TLB flush loops, as flush_tlb_range / flush_tlb_all.
 *
 * Expected effect on the generated code:
 *   - the per-page loop calls flush_tlb_single once per iteration with the
 *     address in %rdi: kernel plain -O2 "call *paravirt_ops+0x1a0(%rip)"
 *     in the loop body, reloaded every time; ro-ops -O2 hoists the load
 *     into a callee-saved register and calls "call *%rbx";
 *   - the range flush chooses between the loop and a full flush: the full
 *     flush becomes a tail jump at -O2;
 *   - __flush_tlb_all: read_cr4 / write_cr4 twice with the PGE bit
 *     toggled, inside an irqsave section: six sites in a row, the results
 *     feeding the next call's argument;
 *   - flush_tlb_current: write_cr3(read_cr3()), the result of one site is
 *     the argument of the next, which is a tail jump at -O2.
 */
#include "paravirt.h"

#define FLUSH_ALL_THRESHOLD 33

void flush_tlb_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	unsigned long addr;

	if (mm != current_task->active_mm)
		return;
	if ((end - start) >> PAGE_SHIFT > FLUSH_ALL_THRESHOLD) {
		__flush_tlb();
		return;
	}
	for (addr = start & PAGE_MASK; addr < end; addr += PAGE_SIZE)
		__flush_tlb_single(addr);
}

void flush_tlb_pages(const unsigned long *addrs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		__flush_tlb_single(addrs[i]);
}

void __flush_tlb_all(void)
{
	unsigned long flags, cr4;

	local_irq_save(flags);
	cr4 = read_cr4();
	write_cr4(cr4 & ~X86_CR4_PGE);
	write_cr4(cr4);
	local_irq_restore(flags);
}

/* Reload cr3 to flush the non-global entries. */
void flush_tlb_current(void)
{
	write_cr3(read_cr3());
}

/* Flush a range of kernel mappings, with the lazy-mmu batching hooks. */
void flush_kernel_range_lazy(unsigned long start, unsigned long end)
{
	unsigned long addr;

	arch_enter_lazy_mmu_mode();
	for (addr = start; addr < end; addr += PAGE_SIZE)
		__flush_tlb_single(addr);
	arch_leave_lazy_mmu_mode();
}
