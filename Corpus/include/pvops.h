/*
 * pvops.h - the paravirt_ops table and the PVOP_* call macros.
 *
 * Modelled on Linux 2.6.20-2.6.24 (include/asm-i386/paravirt.h, one flat
 * struct paravirt_ops) with the x86-64 calling conventions of 2.6.25 and
 * later (arch/x86/include/asm/paravirt_types.h).
 *
 * Every call through the table in the corpus is written as one of
 *
 *   PVOP_VCALL0..4(op, args...)         void op
 *   PVOP_CALL0..4(type, op, args...)    op returning type
 *   PVOP_VCALLEE0..1(op, args...)       callee-save op (irq flags), void
 *   PVOP_CALLEE0..1(type, op, args...)  callee-save op returning type
 *   PVOP_VCALL0..2_VIA(ops, op, ...)    as PVOP_VCALLn, but the plain build
 *   PVOP_CALL0..1_VIA(ops, type, op, .) calls through the table pointer ops
 *   PVOP_VCALL0..1_FN(fn, op, ...)      as PVOP_VCALLn, but the plain build
 *                                       calls fn, a copy of the op's pointer
 *
 * each on ONE source line.  What a macro expands to depends on the mode:
 *
 *   plain (default)      the ordinary C call (ops)->op(args): what a kernel
 *                        without annotations would contain, and what the
 *                        relocation scan has to find.
 *   -DPVOPS_ANNOTATE     inline asm "call *paravirt_ops+off(%rip)" whose
 *                        constraints say exactly which registers the call
 *                        clobbers, plus a 16-byte record in
 *                        .parainstructions (see PV_SITE below).  _VIA
 *                        and _FN macros evaluate ops/fn only for their
 *                        side effects and call through the global table:
 *                        at run time ops is &paravirt_ops (fn is its op),
 *                        and the global is what a patcher patches.
 *   -DPVOPS_ANNOTATE -DPVOPS_ABS
 *                        as above with the absolute form
 *                        "call *paravirt_ops+off" (ff 14 25 + abs32,
 *                        7 bytes, R_X86_64_32S), as Linux before 5.18.
 *   -DPVOPS_DIRECT       the ordinary C call pv_tramp_<op>(args): a direct
 *                        call (e8 rel32, or a tail jmp e9 rel32) to a
 *                        per-op trampoline declared below with the op's
 *                        own prototype, as Linux's static_call (5.10+)
 *                        calls __SCT__<name>.  Each trampoline is one
 *                        "jmp *paravirt_ops+off(%rip)" in
 *                        stubs/trampolines.S, which only the direct link
 *                        adds.  The table is not named at the call: _VIA
 *                        and _FN evaluate ops/fn for side effects only,
 *                        as in annotated mode.
 *
 * Independently, -DPVOPS_RO declares the table const (PVOPS_CONST), which
 * licenses gcc to keep a loaded op in a register across other calls.
 *
 * The modes are switched inside the macro definitions only, never around
 * functions: sites are matched across an annotated and a plain build by
 * the file and line of the macro use, so every wrapper and every call must
 * sit on the same line in both.
 */
#ifndef PVOPS_H
#define PVOPS_H

#include "kernel.h"
#include "pvops_defs.h"

#ifdef PVOPS_RO
#define PVOPS_CONST const
#else
#define PVOPS_CONST
#endif

typedef u64 pteval_t;
typedef u64 pmdval_t;
typedef struct { pteval_t pte; } pte_t;
typedef struct { pmdval_t pmd; } pmd_t;

struct paravirt_ops {
	/* data: read by C code, never called (offsets 0x00-0x17) */
	const char *name;
	unsigned int kernel_rpl;
	int paravirt_enabled;
	int shared_kernel_pmd;

	/* init: called once at boot */
	void (*banner)(void);
	void (*arch_setup)(void);
	const char *(*memory_setup)(void);
	void (*init_IRQ)(void);
	void (*time_init)(void);

	/* time */
	unsigned long (*get_wallclock)(void);
	int (*set_wallclock)(unsigned long now);
	u64 (*sched_clock)(void);
	unsigned long (*get_cpu_khz)(void);

	/* cpu */
	void (*cpuid)(unsigned int *eax, unsigned int *ebx, unsigned int *ecx, unsigned int *edx);
	unsigned long (*get_debugreg)(int regno);
	void (*set_debugreg)(int regno, unsigned long value);
	void (*clts)(void);
	unsigned long (*read_cr0)(void);
	void (*write_cr0)(unsigned long cr0);
	unsigned long (*read_cr4)(void);
	void (*write_cr4)(unsigned long cr4);
	u64 (*read_msr)(unsigned int msr, int *err);
	int (*write_msr)(unsigned int msr, unsigned int low, unsigned int high);
	u64 (*read_tsc)(void);
	u64 (*read_pmc)(int counter);
	void (*load_sp0)(struct tss_struct *tss, struct thread_struct *thread);
	void (*load_tls)(struct thread_struct *t, unsigned int cpu);
	void (*load_gs_index)(unsigned int sel);
	void (*write_gdt_entry)(struct desc_struct *dt, int entry, const void *desc, int type);
	void (*write_idt_entry)(gate_desc *dt, int entry, const gate_desc *g);
	void (*set_iopl_mask)(unsigned int mask);
	void (*wbinvd)(void);
	void (*io_delay)(void);
	void (*swapgs)(void);		/* asm only: register-preserving */
	void (*iret)(void);		/* asm only: jumped to, not called */
	void (*usergs_sysret64)(void);	/* asm only: jumped to, not called */

	/* irq: callee-save (clobber only %rax), see PVOP_CALLEE* */
	unsigned long (*save_fl)(void);
	void (*restore_fl)(unsigned long flags);
	void (*irq_disable)(void);
	void (*irq_enable)(void);
	void (*safe_halt)(void);
	void (*halt)(void);

	/* apic */
	void (*apic_write)(u32 reg, u32 v);
	u32 (*apic_read)(u32 reg);
	void (*setup_boot_clock)(void);
	void (*setup_secondary_clock)(void);
	void (*startup_ipi_hook)(int phys_apicid, unsigned long start_ip, unsigned long start_sp);

	/* mmu */
	unsigned long (*read_cr2)(void);
	void (*write_cr2)(unsigned long cr2);
	unsigned long (*read_cr3)(void);
	void (*write_cr3)(unsigned long cr3);
	void (*flush_tlb_user)(void);
	void (*flush_tlb_kernel)(void);
	void (*flush_tlb_single)(unsigned long addr);
	void (*set_pte)(pteval_t *ptep, pteval_t pte);
	void (*set_pte_at)(struct mm_struct *mm, unsigned long addr, pteval_t *ptep, pteval_t pte);
	void (*set_pmd)(pmdval_t *pmdp, pmdval_t pmd);
	void (*pte_update)(struct mm_struct *mm, unsigned long addr, pteval_t *ptep);
	pteval_t (*make_pte)(pteval_t val);
	pteval_t (*pte_val)(pteval_t pte);
	void (*activate_mm)(struct mm_struct *prev, struct mm_struct *next);
	void (*exit_mmap)(struct mm_struct *mm);

	/* lazy mode */
	void (*enter_lazy_mmu)(void);
	void (*leave_lazy_mmu)(void);
	void (*start_context_switch)(struct task_struct *prev);
	void (*end_context_switch)(struct task_struct *next);
};

extern PVOPS_CONST struct paravirt_ops paravirt_ops;

/*
 * A writable view of the table, for the setup code that fills it in.  With
 * PVOPS_RO the table is declared const (as __ro_after_init data is, to the
 * code that runs after init); the setup code casts the qualifier away.
 */
#define pv_ops_writable() ((struct paravirt_ops *)&paravirt_ops)

/* The offsets in pvops_defs.h (used by the .S files) must be the real ones. */
#define PV_CHECK(f) _Static_assert(offsetof(struct paravirt_ops, f) == PV_##f, "PV_" #f " in pvops_defs.h is not offsetof(struct paravirt_ops, " #f ")")
PV_CHECK(name); PV_CHECK(kernel_rpl); PV_CHECK(paravirt_enabled); PV_CHECK(shared_kernel_pmd);
PV_CHECK(banner); PV_CHECK(arch_setup); PV_CHECK(memory_setup); PV_CHECK(init_IRQ); PV_CHECK(time_init);
PV_CHECK(get_wallclock); PV_CHECK(set_wallclock); PV_CHECK(sched_clock); PV_CHECK(get_cpu_khz);
PV_CHECK(cpuid); PV_CHECK(get_debugreg); PV_CHECK(set_debugreg); PV_CHECK(clts);
PV_CHECK(read_cr0); PV_CHECK(write_cr0); PV_CHECK(read_cr4); PV_CHECK(write_cr4);
PV_CHECK(read_msr); PV_CHECK(write_msr); PV_CHECK(read_tsc); PV_CHECK(read_pmc);
PV_CHECK(load_sp0); PV_CHECK(load_tls); PV_CHECK(load_gs_index); PV_CHECK(write_gdt_entry);
PV_CHECK(write_idt_entry); PV_CHECK(set_iopl_mask); PV_CHECK(wbinvd); PV_CHECK(io_delay);
PV_CHECK(swapgs); PV_CHECK(iret); PV_CHECK(usergs_sysret64);
PV_CHECK(save_fl); PV_CHECK(restore_fl); PV_CHECK(irq_disable); PV_CHECK(irq_enable);
PV_CHECK(safe_halt); PV_CHECK(halt);
PV_CHECK(apic_write); PV_CHECK(apic_read); PV_CHECK(setup_boot_clock); PV_CHECK(setup_secondary_clock);
PV_CHECK(startup_ipi_hook);
PV_CHECK(read_cr2); PV_CHECK(write_cr2); PV_CHECK(read_cr3); PV_CHECK(write_cr3);
PV_CHECK(flush_tlb_user); PV_CHECK(flush_tlb_kernel); PV_CHECK(flush_tlb_single);
PV_CHECK(set_pte); PV_CHECK(set_pte_at); PV_CHECK(set_pmd); PV_CHECK(pte_update);
PV_CHECK(make_pte); PV_CHECK(pte_val); PV_CHECK(activate_mm); PV_CHECK(exit_mmap);
PV_CHECK(enter_lazy_mmu); PV_CHECK(leave_lazy_mmu); PV_CHECK(start_context_switch);
PV_CHECK(end_context_switch);
/* PV_FUNCTION_OPS (pvops_defs.h) lists every function field, each once. */
#define PV_CHECK_OP(f) PV_CHECK(f);
PV_FUNCTION_OPS(PV_CHECK_OP)
#define PV_COUNT_OP(f) + 1
_Static_assert(PV_banner + 8 * (0 PV_FUNCTION_OPS(PV_COUNT_OP)) == PV_SIZE, "PV_FUNCTION_OPS in pvops_defs.h does not list every function field of struct paravirt_ops");
_Static_assert(sizeof(struct paravirt_ops) == PV_SIZE, "PV_SIZE in pvops_defs.h is not sizeof(struct paravirt_ops): a field was added or removed");

/*
 * The native implementations the table starts out with (stubs/stubs.c).
 * The irq ones are written in asm and touch only %rax, as the callee-save
 * convention requires.
 */
unsigned long native_save_fl(void);
void native_restore_fl(unsigned long flags);
void native_irq_disable(void);
void native_irq_enable(void);
void native_safe_halt(void);
void native_halt(void);
unsigned long native_read_cr2(void);
unsigned long native_read_cr3(void);
void native_write_cr3(unsigned long cr3);
void native_flush_tlb(void);
void native_flush_tlb_single(unsigned long addr);
void native_set_pte(pteval_t *ptep, pteval_t pte);
u64 native_read_msr(unsigned int msr, int *err);
int native_write_msr(unsigned int msr, unsigned int low, unsigned int high);
void native_io_delay(void);
u64 native_sched_clock(void);
void paravirt_nop(void);

/*
 * The trampolines of the direct form, one per function field, each with
 * the op's own prototype (the field's pointed-to type): pv_tramp_irq_disable
 * is a void (void) function.  Defined in stubs/trampolines.S from the same
 * PV_FUNCTION_OPS list; declared in every mode (a declaration nobody calls
 * emits nothing).
 */
#define PV_TRAMP_DECL(op) extern __typeof__(*((struct paravirt_ops *)0)->op) pv_tramp_##op;
PV_FUNCTION_OPS(PV_TRAMP_DECL)

/*
 * ---- annotated mode --------------------------------------------------
 *
 * PV_SITE emits the call and its record.  The record, 16 bytes, 8-aligned:
 *
 *   struct paravirt_patch_site {
 *           void *instr;    .quad 771b          R_X86_64_64 to the site
 *           u8 type;        .byte off / 8       PV_TYPE(offset of the op)
 *           u8 len;         .byte 772b-771b     computed by the assembler
 *           u16 clobbers;   .short CLBR_*       registers the site may clobber
 *   };                      (4 bytes of padding)
 *
 * The call takes its arguments in %rdi, %rsi, %rdx, %rcx (register
 * constraints tied to outputs, because the callee may clobber them) and
 * returns in %rax.  A normal op may clobber every caller-saved register:
 * those not bound to an operand (%r8-%r11) are listed as clobbers, and so
 * are "memory" (the op may read or write anything, including the table)
 * and "cc".  The callee-save ops clobber only %rax; their argument, if any,
 * is an input only.
 */
#ifdef PVOPS_ABS
#define PV_INSN(insn)	insn " *paravirt_ops+%c[pv_off]"
#else
#define PV_INSN(insn)	insn " *paravirt_ops+%c[pv_off](%%rip)"
#endif

#define PV_SITE(insn)						\
	"771:\n\t"						\
	PV_INSN(insn) "\n"					\
	"772:\n\t"						\
	".pushsection .parainstructions,\"a\"\n\t"		\
	".balign 8\n\t"						\
	".quad 771b\n\t"					\
	".byte %c[pv_type]\n\t"					\
	".byte 772b-771b\n\t"					\
	".short %c[pv_clbr]\n\t"				\
	".balign 8\n\t"						\
	".popsection\n"

#define PV_SITE_OPERANDS(op, clbr)				\
	[pv_off] "i" (offsetof(struct paravirt_ops, op)),	\
	[pv_type] "i" (PV_TYPE(offsetof(struct paravirt_ops, op))), \
	[pv_clbr] "i" (clbr)

/* Argument inputs, tied to the outputs of __PVOP_ASM (1=rdi ... 4=rcx). */
#define PV_IN1(a)	, "1" ((unsigned long)(a))
#define PV_IN2(a)	, "2" ((unsigned long)(a))
#define PV_IN3(a)	, "3" ((unsigned long)(a))
#define PV_IN4(a)	, "4" ((unsigned long)(a))

#define __PVOP_ASM(op, ...)					\
	unsigned long __rax, __rdi, __rsi, __rdx, __rcx;	\
	asm volatile(PV_SITE("call")				\
		     : "=a" (__rax), "=D" (__rdi), "=S" (__rsi),\
		       "=d" (__rdx), "=c" (__rcx)		\
		     : PV_SITE_OPERANDS(op, CLBR_ANY) __VA_ARGS__ \
		     : "memory", "cc", "r8", "r9", "r10", "r11"); \
	(void)__rdi; (void)__rsi; (void)__rdx; (void)__rcx

#define __PVOP_CALLEE_ASM(op, ...)				\
	unsigned long __rax;					\
	asm volatile(PV_SITE("call")				\
		     : "=a" (__rax)				\
		     : PV_SITE_OPERANDS(op, CLBR_RET_REG) __VA_ARGS__ \
		     : "memory", "cc")

#define PV_CALLEE_IN1(a) , "D" ((unsigned long)(a))

/*
 * The shapes.  plain_args is the parenthesised C argument list, inputs
 * the asm inputs for the same arguments; ops is the table (a pointer).
 */
#ifdef PVOPS_ANNOTATE
#define __PVOP_VCALL(ops, op, plain_args, inputs)		\
	({ (void)(ops); __PVOP_ASM(op, inputs); (void)__rax; })
#define __PVOP_CALL(ops, type, op, plain_args, inputs)		\
	({ (void)(ops); __PVOP_ASM(op, inputs); (type)__rax; })
#define __PVOP_VCALLEE(op, plain_args, inputs)			\
	({ __PVOP_CALLEE_ASM(op, inputs); (void)__rax; })
#define __PVOP_CALLEE(type, op, plain_args, inputs)		\
	({ __PVOP_CALLEE_ASM(op, inputs); (type)__rax; })
#define __PVOP_VCALL_FN(fn, op, plain_args, inputs)		\
	({ (void)(fn); __PVOP_ASM(op, inputs); (void)__rax; })
#elif defined(PVOPS_DIRECT)
#define __PVOP_VCALL(ops, op, plain_args, inputs)	((void)(ops), pv_tramp_##op plain_args)
#define __PVOP_CALL(ops, type, op, plain_args, inputs)	((type)((void)(ops), pv_tramp_##op plain_args))
#define __PVOP_VCALLEE(op, plain_args, inputs)		(pv_tramp_##op plain_args)
#define __PVOP_CALLEE(type, op, plain_args, inputs)	((type)pv_tramp_##op plain_args)
#define __PVOP_VCALL_FN(fn, op, plain_args, inputs)	((void)(fn), pv_tramp_##op plain_args)
#else
#define __PVOP_VCALL(ops, op, plain_args, inputs)	((ops)->op plain_args)
#define __PVOP_CALL(ops, type, op, plain_args, inputs)	((type)(ops)->op plain_args)
#define __PVOP_VCALLEE(op, plain_args, inputs)		(paravirt_ops.op plain_args)
#define __PVOP_CALLEE(type, op, plain_args, inputs)	((type)paravirt_ops.op plain_args)
#define __PVOP_VCALL_FN(fn, op, plain_args, inputs)	((fn) plain_args)
#endif

#define PVOP_VCALL0(op)			__PVOP_VCALL(&paravirt_ops, op, (), )
#define PVOP_VCALL1(op, a1)		__PVOP_VCALL(&paravirt_ops, op, (a1), PV_IN1(a1))
#define PVOP_VCALL2(op, a1, a2)		__PVOP_VCALL(&paravirt_ops, op, (a1, a2), PV_IN1(a1) PV_IN2(a2))
#define PVOP_VCALL3(op, a1, a2, a3)	__PVOP_VCALL(&paravirt_ops, op, (a1, a2, a3), PV_IN1(a1) PV_IN2(a2) PV_IN3(a3))
#define PVOP_VCALL4(op, a1, a2, a3, a4)	__PVOP_VCALL(&paravirt_ops, op, (a1, a2, a3, a4), PV_IN1(a1) PV_IN2(a2) PV_IN3(a3) PV_IN4(a4))

#define PVOP_CALL0(t, op)		__PVOP_CALL(&paravirt_ops, t, op, (), )
#define PVOP_CALL1(t, op, a1)		__PVOP_CALL(&paravirt_ops, t, op, (a1), PV_IN1(a1))
#define PVOP_CALL2(t, op, a1, a2)	__PVOP_CALL(&paravirt_ops, t, op, (a1, a2), PV_IN1(a1) PV_IN2(a2))
#define PVOP_CALL3(t, op, a1, a2, a3)	__PVOP_CALL(&paravirt_ops, t, op, (a1, a2, a3), PV_IN1(a1) PV_IN2(a2) PV_IN3(a3))
#define PVOP_CALL4(t, op, a1, a2, a3, a4) __PVOP_CALL(&paravirt_ops, t, op, (a1, a2, a3, a4), PV_IN1(a1) PV_IN2(a2) PV_IN3(a3) PV_IN4(a4))

#define PVOP_VCALLEE0(op)		__PVOP_VCALLEE(op, (), )
#define PVOP_VCALLEE1(op, a1)		__PVOP_VCALLEE(op, (a1), PV_CALLEE_IN1(a1))
#define PVOP_CALLEE0(t, op)		__PVOP_CALLEE(t, op, (), )
#define PVOP_CALLEE1(t, op, a1)		__PVOP_CALLEE(t, op, (a1), PV_CALLEE_IN1(a1))

#define PVOP_VCALL0_VIA(ops, op)		__PVOP_VCALL(ops, op, (), )
#define PVOP_VCALL1_VIA(ops, op, a1)		__PVOP_VCALL(ops, op, (a1), PV_IN1(a1))
#define PVOP_VCALL2_VIA(ops, op, a1, a2)	__PVOP_VCALL(ops, op, (a1, a2), PV_IN1(a1) PV_IN2(a2))
#define PVOP_CALL0_VIA(ops, t, op)		__PVOP_CALL(ops, t, op, (), )
#define PVOP_CALL1_VIA(ops, t, op, a1)		__PVOP_CALL(ops, t, op, (a1), PV_IN1(a1))

#define PVOP_VCALL0_FN(fn, op)			__PVOP_VCALL_FN(fn, op, (), )
#define PVOP_VCALL1_FN(fn, op, a1)		__PVOP_VCALL_FN(fn, op, (a1), PV_IN1(a1))

#endif /* PVOPS_H */
