/*
 * store_then_call.c - an op set and then called in the same function, as
 * paravirt set-up code installs an op and uses it at once.
 *
 *   - annotated: the store to paravirt_ops.io_delay, then the recorded
 *     asm call (the asm's "memory" clobber keeps both);
 *   - plain, -O0: the store, then "mov paravirt_ops+0x..(%rip),%rax;
 *     call *%rax" (pointer-in-register);
 *   - plain, -O1 and up: gcc forwards the stored pointer to the call: a
 *     direct "call native_io_delay" (or "jmp" as a tail call), and the
 *     only reference to the table in the function is the store.  Cause:
 *     non-call-reference.  The site is gone from the plain build, not
 *     hidden: patching it is moot, but a scan that counts stores as
 *     sites would be wrong, and one that ignores them loses the site.
 *   - ro-ops: the store goes through pv_ops_writable() (the table is
 *     const), and gcc may call the value it assumes the const table holds.
 */
#include "paravirt.h"

void install_native_io_delay(void)
{
	pv_ops_writable()->io_delay = native_io_delay;
	slow_down_io();
}

void install_native_flush_tlb(void)
{
	pv_ops_writable()->flush_tlb_user = native_flush_tlb;
	__flush_tlb();
}
