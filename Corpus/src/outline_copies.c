/*
 * outline_copies.c - a static inline wrapper kept out of line in one build.
 *
 * Linux's __pgd() is a static inline wrapper around one PVOP macro.  gcc
 * sizes inline asm by its lines, and the annotated macro's asm (the call
 * plus the record's directives) looks big, while the plain build's
 * indirect call looks small.  A wrapper with several sites, called from
 * several functions, crosses gcc's limit in the annotated build only.
 *
 * Expected effect on the generated code:
 *   - gcc 12 and 11 at -O1 and -O2: the annotated build keeps one
 *     out-of-line copy of mk_pgd (a local function, 7 sites), the plain
 *     build has no mk_pgd and inlines its 7 calls into each of the 4 call
 *     sites (28 calls); in the linked image too;
 *   - the annotated copy's sites are matched by op and innermost line (the
 *     builds inlined differently), the plain build's other 21 calls are
 *     copies (copies-differ);
 *   - gcc at -O3 inlines mk_pgd in both builds, at -Os keeps it out of
 *     line in both; clang 14 inlines it in both at every level but -O0.
 */
#include "paravirt.h"

static inline unsigned long mk_pgd(unsigned long val)
{
	unsigned long a = PVOP_CALL1(unsigned long, make_pte, val);
	unsigned long b = PVOP_CALL1(unsigned long, pte_val, a | 0x67);
	unsigned long c = PVOP_CALL1(unsigned long, make_pte, b ^ val);
	unsigned long d = PVOP_CALL1(unsigned long, pte_val, c + a);
	unsigned long e = PVOP_CALL1(unsigned long, make_pte, d - b);
	unsigned long f = PVOP_CALL1(unsigned long, pte_val, e | c);
	return PVOP_CALL1(unsigned long, make_pte, f ^ d);
}

void pgd_fill(unsigned long *pgd, unsigned long base)
{
	pgd[0] = mk_pgd(base);
	pgd[1] = mk_pgd(base + 4096);
}

void pgd_clone(unsigned long *dst, const unsigned long *src)
{
	*dst = mk_pgd(*src);
}

unsigned long pgd_probe(unsigned long v)
{
	return mk_pgd(v) & 0xfff;
}
