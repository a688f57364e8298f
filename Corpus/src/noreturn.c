/*
 * noreturn.c - sites on paths that never return.
 *
 * Expected effect on the generated code:
 *   - halt loops: "for (;;) halt();" is an infinite loop of one site, with
 *     a backward jump right after the call and no epilogue; in the plain
 *     build gcc can never turn it into a tail call;
 *   - machine_halt ends with BUG() (__builtin_trap, "ud2") after a site;
 *   - a call to panic() (noreturn) right after a site: the site is the
 *     last call before a "call panic" that is the last instruction of the
 *     function (no ret), and at -O2 the block may be moved out of line;
 *   - __builtin_unreachable() after a site: gcc may end the function with
 *     the call itself, so the return address points past the function.
 */
#include "paravirt.h"

void __noreturn stop_this_cpu(void)
{
	local_irq_disable();
	for (;;)
		halt();
}

void __noreturn machine_halt(void)
{
	local_irq_disable();
	wbinvd();
	halt();
	BUG();
}

void __noreturn emergency_restart(unsigned long code)
{
	write_cr3(code & PAGE_MASK);
	__flush_tlb_global();
	panic("restart failed: %lx", code);
}

/* The hypervisor's shutdown op never returns; the compiler is told so. */
void __noreturn pv_shutdown(void)
{
	local_irq_disable();
	halt();
	__builtin_unreachable();
}

/* Idle: safe_halt with a need_resched check, forever. */
void __noreturn cpu_idle(void)
{
	for (;;) {
		while (!need_resched()) {
			local_irq_disable();
			if (need_resched())
				local_irq_enable();
			else
				raw_safe_halt();
		}
		schedule();
	}
}
