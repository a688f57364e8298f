/*
 * switch_tail_merge.c - switches whose cases end in tail calls of
 * different ops with the same arguments, as a trap handler emulating
 * "mov %reg, %crN" / "mov %crN, %reg" for a paravirtualised guest
 * (lguest's emulate_insn, Xen's emulate_privileged_op) would have.
 *
 * Expected effect on the generated code:
 *   - annotated: one asm call per case followed by "ret"; the asm
 *     statements differ (their offset operand), so nothing is merged:
 *     one record per case;
 *   - plain, -O2/-O3 kernel: each case is its own tail jump
 *     "jmp *paravirt_ops+off(%rip)", one per case;
 *   - plain, -Os, pic and retpoline: cross-jumping merges the identical
 *     tails of the cases.  Each case keeps only its load of the op and
 *     jumps to one shared indirect tail jump: several loads of different
 *     fields reach one instruction.  pic: "mov paravirt_ops@GOTPCREL(%rip),
 *     %rax; mov 0x88(%rax),%rax" ... then one "jmp *%rax"; retpoline:
 *     "mov paravirt_ops+0x88(%rip),%rax" ... then one
 *     "jmp __x86_indirect_thunk_rax".  That site has no single op.  In
 *     do_flush_request the loads are also moved above the tests that
 *     guard them: on the FLUSH_USER path "mov paravirt_ops+0x198" is
 *     overwritten by "mov paravirt_ops+0x190" before the jump.  The
 *     kernel variant has nothing to merge: its tail jumps go through
 *     memory operands that differ;
 *   - clang-14, -O1 and up, every variant: SimplifyCFG turns each switch
 *     into a lookup table of field addresses (.rodata entries
 *     R_X86_64_64 paravirt_ops+0x88, +0x178, ...; .data.rel.ro under pic)
 *     and one call through it: "mov table(,%rax,8),%rax; jmp *(%rax)"
 *     ("call *(%rax); ret" at -O1; retpoline: "mov (%rax),%r11;
 *     jmp __x86_indirect_thunk_r11").  The ops of that site are in data,
 *     not in the code.
 */
#include "paravirt.h"

/* mov %reg, %crN: the value goes to the op unchanged. */
void emulate_write_cr(int cr, unsigned long val)
{
	switch (cr) {
	case 0:
		write_cr0(val);
		return;
	case 2:
		write_cr2(val);
		return;
	case 3:
		write_cr3(val);
		return;
	case 4:
		write_cr4(val);
		return;
	}
}

/* mov %crN, %reg: the op's result is the function's. */
unsigned long emulate_read_cr(int cr)
{
	switch (cr) {
	case 0:
		return read_cr0();
	case 2:
		return read_cr2();
	case 3:
		return read_cr3();
	case 4:
		return read_cr4();
	}
	return 0;
}

/* Flush requests queued by other CPUs: four argument-less ops. */
enum flush_kind { FLUSH_USER, FLUSH_ALL, FLUSH_CACHES, FLUSH_FPU };

void do_flush_request(enum flush_kind kind)
{
	switch (kind) {
	case FLUSH_USER:
		PVOP_VCALL0(flush_tlb_user);
		break;
	case FLUSH_ALL:
		PVOP_VCALL0(flush_tlb_kernel);
		break;
	case FLUSH_CACHES:
		PVOP_VCALL0(wbinvd);
		break;
	case FLUSH_FPU:
		PVOP_VCALL0(clts);
		break;
	}
}
