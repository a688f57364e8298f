/*
 * hoisted_site.c - one op called on both arms of a branch, the annotated
 * and the plain build given different lines for it.
 *
 * The _VIA form calls through a table pointer in the plain build and
 * through the global table in the annotated one.  Here one arm passes
 * &paravirt_ops and the other a pointer loaded from memory.
 *
 * Expected effect on the generated code (clang 14, -O1 and up):
 *   - annotated: both arms hold the same asm, so clang hoists it above
 *     the branch as one site; the merged code has no source line (line 0
 *     in the line table);
 *   - plain: the arms differ (call *paravirt_ops+off(%rip) on line 29,
 *     call *off(%reg) on line 32), nothing is hoisted: the first arm's
 *     call keeps line 29, the second is a call with no relocation;
 *   - so the one annotated site and the plain call of the same op in the
 *     same function sit on different lines (0 and 29): matched by the
 *     third pass, by op and function (lines_differ);
 *   - gcc 12 hoists neither: both builds keep both arms, matched by line.
 */
#include "paravirt.h"

/* A second table (a hypervisor's), set up elsewhere at run time. */
struct paravirt_ops *alt_ops;

void hoisted_cr3(int which, unsigned long v)
{
	if (which) {
		unsigned long cr3 = PVOP_CALL0_VIA(&paravirt_ops, unsigned long, read_cr3);
		printk("cr3 %lx\n", cr3);
	} else {
		unsigned long cr3 = PVOP_CALL0_VIA(alt_ops, unsigned long, read_cr3);
		printk("cr3 %lx v %lx\n", cr3, v);
	}
}
