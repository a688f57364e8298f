/*
 * trampolines.S - the direct form's per-op trampolines (-DPVOPS_DIRECT).
 *
 * One function per field of PV_FUNCTION_OPS (pvops_defs.h), generated from
 * that list so that the trampolines, the C declarations in pvops.h and the
 * table cannot drift apart:
 *
 *   pv_tramp_<op>:  jmp *paravirt_ops+PV_<op>(%rip)     ff 25 + PC32, 6 bytes
 *
 * In direct mode every PVOP_* use is a plain C call (or tail jmp) to
 * pv_tramp_<op>, so the code holds a direct e8/e9 rel32 per site and no
 * reference to the table; the only code that reaches through the table is
 * here (and in the hand-written asm sources, which keep their plain form).
 * This is the shape of Linux's static_call (5.10+): __SCT__<name> is a
 * 5-byte "jmp func" that static_call_update() rewrites, and objtool lists
 * the call sites by their relocations against the __SCT__ symbols in
 * .static_call_sites.  Here a patcher would rewrite either each call site
 * (to call the op directly) or the trampoline.
 *
 * Not a corpus source: configs.json names it under "trampolines", and the
 * builder assembles it once per configuration and links it into the direct
 * image only.  8-byte aligned (the 6-byte jmp and 2 bytes of int3), 62 of
 * them: 496 bytes of text in every direct image.
 */
#include "pvops_defs.h"

#define PV_TRAMPOLINE(op)						\
	.globl pv_tramp_##op; .type pv_tramp_##op, @function;		\
	.p2align 3, 0xcc; pv_tramp_##op: jmp *paravirt_ops+PV_##op(%rip);	\
	.size pv_tramp_##op, . - pv_tramp_##op;

	.text
PV_FUNCTION_OPS(PV_TRAMPOLINE)

	/* No executable stack (ld warns about an object without the note). */
	.section .note.GNU-stack, "", @progbits
