/*
 * switch_dispatch.c - a switch that picks one paravirt op per case.
 *
 * Expected effect on the generated code:
 *   - control_reg_op: gcc builds a jump table, "jmp *.L4(,%rax,8)" with
 *     the table in .rodata (kernel: R_X86_64_32S to .rodata, R_X86_64_64
 *     entries back into .text; -fPIC: 32-bit relative entries and
 *     "lea; movslq; add; jmp *%rax"): an indirect jump that is not a
 *     paravirt site.  With retpoline gcc 12 uses a compare chain instead
 *     (no jump table at all);
 *   - each case ends in a tail jump through the table at -O2 in the plain
 *     build ("jmp *paravirt_ops+off(%rip)"), several in one function;
 *   - debugreg_access: the two set_debugreg calls (different lines) and
 *     the two get_debugreg calls are merged by cross-jumping into one
 *     instruction each, in both builds: one site for two macro uses, its
 *     line that of one of them;
 *   - retpoline, -Os: the thunk calls of several cases become one shared
 *     "call __x86_indirect_thunk_rax" reached from several loads of
 *     different ops: a single call instruction with no single op.
 */
#include "paravirt.h"

enum cr_op { CR_READ0, CR_READ2, CR_READ3, CR_READ4, CR_WRITE0, CR_WRITE2, CR_WRITE3, CR_WRITE4, CR_CLTS };

unsigned long control_reg_op(enum cr_op op, unsigned long val)
{
	switch (op) {
	case CR_READ0:
		return read_cr0();
	case CR_READ2:
		return read_cr2();
	case CR_READ3:
		return read_cr3();
	case CR_READ4:
		return read_cr4();
	case CR_WRITE0:
		write_cr0(val);
		break;
	case CR_WRITE2:
		write_cr2(val);
		break;
	case CR_WRITE3:
		write_cr3(val);
		break;
	case CR_WRITE4:
		write_cr4(val);
		break;
	case CR_CLTS:
		clts();
		break;
	}
	return 0;
}

/* set_debugreg's own switch on the register number, as native code had. */
unsigned long debugreg_access(int regno, unsigned long value, bool write)
{
	switch (regno) {
	case 0: case 1: case 2: case 3:
		if (write) {
			set_debugreg(value, regno);
			return 0;
		}
		return get_debugreg(regno);
	case 6:
		return get_debugreg(6);
	case 7:
		if (write)
			set_debugreg(value & ~0x2000UL, 7);
		return 0;
	default:
		return (unsigned long)-1;
	}
}

/* A timer-interrupt style dispatcher on a small state machine. */
enum clk_evt { EVT_SHUTDOWN, EVT_ONESHOT, EVT_PERIODIC, EVT_RESUME, EVT_TICK };

void clock_event_set(enum clk_evt evt, u32 delta)
{
	switch (evt) {
	case EVT_SHUTDOWN:
		apic_write(APIC_LVTT, 0x10000);
		break;
	case EVT_ONESHOT:
		apic_write(APIC_TMICT, delta);
		break;
	case EVT_PERIODIC:
		apic_write(APIC_LVTT, 0x20000 | 0xef);
		apic_write(APIC_TMICT, delta);
		break;
	case EVT_RESUME:
		setup_secondary_clock();
		break;
	case EVT_TICK:
		apic_write(APIC_EOI, 0);
		break;
	}
}
