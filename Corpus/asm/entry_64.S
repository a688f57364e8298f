/*
 * entry_64.S - system call and interrupt entry/exit, as in Linux 2.6.2x
 * arch/x86/kernel/entry_64.S, with its paravirt sites.
 *
 * Expected effect on the generated code: none from the compiler - this is
 * hand-written, every instruction is exactly as written in both modes.
 * What it exercises:
 *   - sites whose record declares fewer clobbers than the C ABI:
 *     SWAPGS and INTERRUPT_RETURN (CLBR_NONE), GET_CR2_INTO_RAX (CLBR_RAX);
 *     a reloc scan must assume CLBR_ANY here, which is wrong for entry code;
 *   - tail jumps through the table (INTERRUPT_RETURN, USERGS_SYSRET64):
 *     jmp *paravirt_ops+off(%rip), never followed by a return;
 *   - ENABLE/DISABLE_INTERRUPTS(CLBR_NONE): push %rax; call; pop %rax in
 *     one site, so the annotated length (8) is larger than the call (6);
 *   - an indirect call through another table (sys_call_table) that is not
 *     a paravirt site.
 * All addressing is %rip-relative so the file links into a PIE as well.
 */
#include "pvops_asm.h"

#define NR_syscalls	64
#define TI_flags	0
#define _TIF_WORK_MASK	0x0000ffff

	.text

/* syscall: user %rsp in %rcx is not used here; a flat, simplified frame. */
ENTRY(system_call)
	SWAPGS
	movq	%rsp, %gs:0x10
	movq	%gs:0x18, %rsp
	ENABLE_INTERRUPTS(CLBR_NONE)
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%r10
	cmpq	$NR_syscalls, %rax
	jae	badsys
	movq	%r10, %rcx
	leaq	sys_call_table(%rip), %r11
	call	*(%r11,%rax,8)
	jmp	ret_from_sys_call
badsys:
	movq	$-38, %rax
ret_from_sys_call:
	DISABLE_INTERRUPTS(CLBR_NONE)
	testl	$_TIF_WORK_MASK, thread_info_flags(%rip)
	jnz	sysret_careful
	popq	%r10
	popq	%rdx
	popq	%rsi
	popq	%rdi
	movq	%gs:0x10, %rsp
	SWAPGS
	USERGS_SYSRET64
sysret_careful:
	ENABLE_INTERRUPTS(CLBR_NONE)
	call	schedule
	jmp	ret_from_sys_call
END(system_call)

/* Common exit path of interrupts and exceptions. */
ENTRY(retint_restore_args)
	DISABLE_INTERRUPTS(CLBR_ANY)
	testl	$3, 8(%rsp)
	je	1f
	SWAPGS
1:
	INTERRUPT_RETURN
END(retint_restore_args)

/* Page fault: read %cr2 before anything can fault again. */
ENTRY(page_fault)
	pushq	%rdi
	pushq	%rsi
	GET_CR2_INTO_RAX
	movq	%rax, %rsi
	movq	%rsp, %rdi
	call	do_page_fault
	popq	%rsi
	popq	%rdi
	jmp	retint_restore_args
END(page_fault)

	.section .note.GNU-stack, "", @progbits
