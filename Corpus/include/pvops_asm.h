/*
 * pvops_asm.h - paravirt call sites in hand-written assembly (.S files).
 *
 * The assembler's side of pvops.h: the same table offsets and clobber bits
 * (pvops_defs.h), the same 16-byte record, the same modes.
 *
 *   PV_CALL off, clobbers        call *paravirt_ops+off(%rip)
 *   PV_JMP  off, clobbers        jmp  *paravirt_ops+off(%rip)  (a tail jump)
 *   PV_CALL_SAVE off, clobbers, may
 *                                the call, with every register in
 *                                "may & ~clobbers" pushed before it and
 *                                popped after it, inside the site (as
 *                                Linux's PV_SAVE_REGS/PV_RESTORE_REGS):
 *                                the site clobbers only "clobbers" although
 *                                the op may clobber "may".
 *
 * off is a PV_* offset from pvops_defs.h, clobbers and may are CLBR_* sets.
 * In annotated mode (-DPVOPS_ANNOTATE) each site also gets a record in
 * .parainstructions whose clobbers field is the given set, which for entry
 * code is narrower than the C ABI's: hand-written asm relies on registers
 * the C ABI would let the op clobber.  In plain mode the same instructions
 * are emitted with no record; with -DPVOPS_ABS the absolute form
 * "call *paravirt_ops+off" is used instead of the %rip-relative one.
 *
 * gas gives every instruction of a macro expansion the line of the macro
 * use, so with -g a site's line is the line of its PV_* use in the .S file
 * in both modes.
 *
 * Also: ENTRY/END for function symbols with type and size, and the Linux
 * 2.6.2x names for the entry-code sites (DISABLE_INTERRUPTS, SWAPGS, ...).
 */
#ifndef PVOPS_ASM_H
#define PVOPS_ASM_H

#ifndef __ASSEMBLER__
#error "pvops_asm.h is for .S files; C code includes pvops.h"
#endif

#include "pvops_defs.h"

#define ENTRY(name)	.globl name; .type name, @function; .p2align 4; name:
#define END(name)	.size name, . - name

/* The indirect branch itself, in the mode's addressing form. */
.macro PV_BRANCH insn:req, off:req
#ifdef PVOPS_ABS
	\insn *paravirt_ops+\off
#else
	\insn *paravirt_ops+\off(%rip)
#endif
.endm

/* The record for the site between local labels 771 and 772. */
.macro PV_RECORD off:req, clobbers:req
#ifdef PVOPS_ANNOTATE
	.pushsection .parainstructions, "a"
	.balign 8
	.quad 771b
	.byte PV_TYPE(\off)
	.byte 772b - 771b
	.short \clobbers
	.balign 8
	.popsection
#endif
.endm

.macro PV_CALL off:req, clobbers:req
771:
	PV_BRANCH call, \off
772:
	PV_RECORD \off, \clobbers
.endm

.macro PV_JMP off:req, clobbers:req
771:
	PV_BRANCH jmp, \off
772:
	PV_RECORD \off, \clobbers
.endm

/* Push (and later pop, in reverse) the registers of a CLBR_* set. */
.macro PV_SAVE_REGS set:req
	.if (\set) & CLBR_RAX
	push %rax
	.endif
	.if (\set) & CLBR_RCX
	push %rcx
	.endif
	.if (\set) & CLBR_RDX
	push %rdx
	.endif
	.if (\set) & CLBR_RSI
	push %rsi
	.endif
	.if (\set) & CLBR_RDI
	push %rdi
	.endif
	.if (\set) & CLBR_R8
	push %r8
	.endif
	.if (\set) & CLBR_R9
	push %r9
	.endif
	.if (\set) & CLBR_R10
	push %r10
	.endif
	.if (\set) & CLBR_R11
	push %r11
	.endif
.endm

.macro PV_RESTORE_REGS set:req
	.if (\set) & CLBR_R11
	pop %r11
	.endif
	.if (\set) & CLBR_R10
	pop %r10
	.endif
	.if (\set) & CLBR_R9
	pop %r9
	.endif
	.if (\set) & CLBR_R8
	pop %r8
	.endif
	.if (\set) & CLBR_RDI
	pop %rdi
	.endif
	.if (\set) & CLBR_RSI
	pop %rsi
	.endif
	.if (\set) & CLBR_RDX
	pop %rdx
	.endif
	.if (\set) & CLBR_RCX
	pop %rcx
	.endif
	.if (\set) & CLBR_RAX
	pop %rax
	.endif
.endm

.macro PV_CALL_SAVE off:req, clobbers:req, may:req
771:
	PV_SAVE_REGS ((\may) & ~(\clobbers))
	PV_BRANCH call, \off
	PV_RESTORE_REGS ((\may) & ~(\clobbers))
772:
	PV_RECORD \off, \clobbers
.endm

/*
 * Linux 2.6.2x's entry-code names.  The irq ops are callee-save (they may
 * clobber only %rax), swapgs/iret/sysret preserve everything, read_cr2 is
 * assumed to clobber only %rax, as GET_CR2_INTO_RAX did.
 */
#define DISABLE_INTERRUPTS(clobbers)	PV_CALL_SAVE PV_irq_disable, clobbers, CLBR_RET_REG
#define ENABLE_INTERRUPTS(clobbers)	PV_CALL_SAVE PV_irq_enable, clobbers, CLBR_RET_REG
#define SWAPGS				PV_CALL PV_swapgs, CLBR_NONE
#define INTERRUPT_RETURN		PV_JMP PV_iret, CLBR_NONE
#define USERGS_SYSRET64			PV_JMP PV_usergs_sysret64, CLBR_NONE
#define GET_CR2_INTO_RAX		PV_CALL PV_read_cr2, CLBR_RAX

#endif /* PVOPS_ASM_H */
