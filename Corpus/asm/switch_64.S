/*
 * switch_64.S - hand-written helpers that call through the table with the
 * C ABI: an idle loop, a CR3 switch ending in a tail jump, and a site that
 * preserves every caller-saved register around a C-ABI op.
 *
 * Expected effect on the generated code: none from the compiler.  What it
 * exercises:
 *   - asm_write_cr3_flush: two sites in a row, the second a tail jump
 *     (jmp *paravirt_ops+PV_flush_tlb_kernel), record CLBR_ANY;
 *   - asm_idle_loop: sites in a loop written by hand (irq_disable with
 *     CLBR_RAX, safe_halt with CLBR_ANY), same addresses every iteration;
 *   - asm_load_cr3_preserve: PV_CALL_SAVE of a C-ABI op (write_cr3) with
 *     CLBR_NONE: nine pushes (13 bytes), the call (6), nine pops (13) in one
 *     32-byte site; the reloc scan sees only the 6-byte call;
 *   - asm_read_tsc_pair: two results of the same op kept in registers
 *     by hand, the record claiming only %rax and %rdx are clobbered.
 */
#include "pvops_asm.h"

	.text

/* void asm_write_cr3_flush(unsigned long cr3) */
ENTRY(asm_write_cr3_flush)
	PV_CALL PV_write_cr3, CLBR_ANY
	PV_JMP PV_flush_tlb_kernel, CLBR_ANY
END(asm_write_cr3_flush)

/* void asm_idle_loop(void): halt until need_resched_flag is set */
ENTRY(asm_idle_loop)
	pushq	%rbx
1:
	PV_CALL PV_irq_disable, CLBR_RAX
	movl	need_resched_flag(%rip), %ebx
	testl	%ebx, %ebx
	jnz	2f
	PV_CALL PV_safe_halt, CLBR_ANY
	jmp	1b
2:
	PV_CALL PV_irq_enable, CLBR_RAX
	popq	%rbx
	ret
END(asm_idle_loop)

/* void asm_load_cr3_preserve(unsigned long cr3): clobbers nothing */
ENTRY(asm_load_cr3_preserve)
	PV_CALL_SAVE PV_write_cr3, CLBR_NONE, CLBR_ANY
	ret
END(asm_load_cr3_preserve)

/* u64 asm_read_tsc_pair(void): second tsc read minus the first */
ENTRY(asm_read_tsc_pair)
	pushq	%rbx
	PV_CALL PV_read_tsc, CLBR_RAX | CLBR_RDX
	movq	%rax, %rbx
	PV_CALL PV_read_tsc, CLBR_RAX | CLBR_RDX
	subq	%rbx, %rax
	popq	%rbx
	ret
END(asm_read_tsc_pair)

	.section .note.GNU-stack, "", @progbits
