/*
 * pgtable.c - page-table updates passing 64-bit values.
 *
 * Expected effect on the generated code:
 *   - set_pte/set_pte_at/set_pmd pass a 64-bit pteval_t whole in one
 *     register (%rsi or %rcx) next to a pointer: four arguments for
 *     set_pte_at (%rdi, %rsi, %rdx, %rcx);
 *   - make_pte/pte_val return 64-bit values that feed the next call
 *     (__pte(val) -> set_pte) or a mask and branch;
 *   - a loop over ptes in a lazy-mmu section: enter_lazy_mmu, N x
 *     (make_pte + set_pte_at), leave_lazy_mmu; ro-ops -O2 hoists only
 *     set_pte_at into a callee-saved register ("call *%r15"): the loop
 *     already uses the other five, so make_pte stays
 *     "call *paravirt_ops+0x1c8(%rip)".
 */
#include "paravirt.h"

#define _PAGE_PRESENT	0x001UL
#define _PAGE_RW	0x002UL
#define _PAGE_ACCESSED	0x020UL
#define _PAGE_DIRTY	0x040UL
#define _PAGE_NX	(1UL << 63)

void set_pte_present(pte_t *ptep, u64 pfn, u64 prot)
{
	set_pte(ptep, __pte((pfn << PAGE_SHIFT) | prot | _PAGE_PRESENT));
}

int ptep_test_and_clear_young(struct mm_struct *mm, unsigned long addr, pte_t *ptep)
{
	pteval_t v = pte_val(*ptep);

	if (!(v & _PAGE_ACCESSED))
		return 0;
	set_pte_at(mm, addr, ptep, __pte(v & ~_PAGE_ACCESSED));
	pte_update(mm, addr, ptep);
	return 1;
}

void remap_range(struct mm_struct *mm, unsigned long addr, pte_t *ptep, u64 pfn, unsigned int n)
{
	unsigned int i;

	arch_enter_lazy_mmu_mode();
	for (i = 0; i < n; i++, addr += PAGE_SIZE, pfn++)
		set_pte_at(mm, addr, ptep + i, __pte((pfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW | _PAGE_NX));
	arch_leave_lazy_mmu_mode();
}

void set_pmd_table(pmd_t *pmdp, u64 table_phys)
{
	set_pmd(pmdp, (pmd_t){ table_phys | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY });
}

void exit_mm_tables(struct mm_struct *mm)
{
	arch_exit_mmap(mm);
	mm->nr_ptes = 0;
}
