/*
 * literal_pool.c - the address of a table slot kept as data inside the
 * code, as hand-tuned code keeps constants in a literal pool next to the
 * function that uses them.
 *
 * The mode lives in POOL_VCALL0 (one line, like the PVOP_* macros):
 *
 *   - annotated: PVOP_VCALL0, a recorded "call *paravirt_ops+off(%rip)";
 *   - plain: inline asm adds to the literal's own address an 8-byte
 *     literal ".quad paravirt_ops+off-." placed in .text (jumped over),
 *     which gives the slot's address in any code model, and the C calls
 *     through it ("call *(%rax)", no relocation).  The only relocation
 *     against the table is R_X86_64_PC64 in the middle of the function,
 *     on bytes that no instruction holds: objection 1's "a bit of
 *     disassembly" meets data in code.  Cause: undecodable, at every opt
 *     level, under every policy.
 */
#include "paravirt.h"

#ifdef PVOPS_ANNOTATE
#define POOL_VCALL0(op)	PVOP_VCALL0(op)
#else
#define POOL_VCALL0(op)	do { void (**slot_)(void); asm volatile("leaq 1f(%%rip), %0\n\taddq 1f(%%rip), %0\n\tjmp 2f\n\t.p2align 3\n1:\t.quad paravirt_ops+%c1-1b\n2:" : "=r" (slot_) : "i" (offsetof(struct paravirt_ops, op))); (*slot_)(); } while (0)
#endif

void pool_io_delay(void)
{
	POOL_VCALL0(io_delay);
}

void pool_wbinvd(void)
{
	POOL_VCALL0(wbinvd);
}
