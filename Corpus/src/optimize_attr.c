/*
 * optimize_attr.c - a function compiled at -O0 inside an optimised
 * object, with __attribute__((optimize("O0"))), as kernel code that must
 * keep a timing loop exactly as written.
 *
 * gcc honours the attribute; clang ignores it and says so
 * (-Wunknown-attributes, "unknown attribute 'optimize' ignored"; left on
 * on purpose: corpus builds count and list warnings), so the same
 * source gives the two compilers' builds different code:
 *
 *   - gcc, plain, -O1 and up: calibrate_delay_tsc has the -O0 shape
 *     inside an optimised object: a frame pointer, locals in stack slots,
 *     the direct macro use as "mov paravirt_ops+0xb0(%rip),%rax;
 *     call *%rax", and the wrappers (rdtscll, slow_down_io) not inlined:
 *     "call rdtscll", a direct call to an out-of-line static copy whose
 *     body is the site ("jmp *paravirt_ops+0xb0(%rip)" from -O2,
 *     "call *...; ret" at -O1).  delay_tsc, without the attribute,
 *     inlines rdtscll at -O1/-O2/-O3 (at -Os it calls the out-of-line
 *     copy that exists anyway): the same wrapper line has inlined sites
 *     and the out-of-line one;
 *   - gcc, annotated: the same -O0 body with the asm site in it, and the
 *     out-of-line wrappers with theirs ("call *...; ret");
 *   - clang-14: the attribute is ignored: calibrate_delay_tsc is compiled
 *     at the file's level, wrappers inlined, "call *paravirt_ops+off(%rip)"
 *     in a rewritten loop, no out-of-line copies.
 */
#include "paravirt.h"

#define __optimize_O0	__attribute__((optimize("O0")))

unsigned long loops_per_jiffy;

__optimize_O0 unsigned long calibrate_delay_tsc(unsigned int rounds)
{
	u64 start, end;
	unsigned long loops = 0;
	unsigned int i;

	start = rdtscll();
	for (i = 0; i < rounds; i++) {
		slow_down_io();
		loops++;
	}
	end = PVOP_CALL0(u64, read_tsc);
	loops_per_jiffy = loops;
	return end - start;
}

void delay_tsc(u64 cycles)
{
	u64 start = rdtscll();

	while (rdtscll() - start < cycles)
		cpu_relax();
}
