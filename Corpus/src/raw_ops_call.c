/*
 * raw_ops_call.c - a call through the table written as plain C in both
 * builds, with no macro: Linux 6.1's vmlinux has 16 of these, through
 * pv_ops.mmu.set_fixmap (called as pv_ops.mmu.set_fixmap(...) in
 * arch/x86/mm/, not through a PVOP_* macro).
 *
 * Both builds: "call *paravirt_ops+off(%rip)" (or "jmp" as a tail call,
 * or a thunk call under retpolines) with no record.  The scan of the
 * plain build finds a call with no annotated partner: spurious, cause
 * unannotated-call.  The scan of the annotated build (the control) finds
 * it too: a site the annotations miss, which a relocation scan catches.
 */
#include "paravirt.h"

void raw_halt_then_count(int *count)
{
	paravirt_ops.halt();
	(*count)++;
}

/*
 * The annotated neighbour: the same op through its wrapper.  Its body is
 * not the same as the one above on purpose: at -O2 gcc's identical code
 * folding would give both functions one body and one set of source lines.
 */
void halt_then_count_twice(int *count)
{
	halt();
	*count += 2;
}
