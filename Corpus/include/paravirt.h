/*
 * paravirt.h - the kernel's static inline wrappers around the table.
 *
 * As in Linux 2.6.2x (asm/paravirt.h, asm/irqflags.h, asm/msr.h,
 * asm/tlbflush.h): small static inline functions, each with its PVOP_*
 * macro use on one line.  They are "static inline", not always_inline, as
 * in the kernel: at -O0 each object gets out-of-line copies, and at -Os gcc
 * may keep one out of line when it thinks the body is big.
 *
 * The mode (plain or annotated) lives in the PVOP_* macros (pvops.h); no
 * function here is under #ifdef, so both builds have the same lines.
 */
#ifndef PARAVIRT_H
#define PARAVIRT_H

#include "pvops.h"

/* ---- data fields: plain loads from the table, no call ---- */

static inline int paravirt_enabled(void)
{
	return paravirt_ops.paravirt_enabled;
}

static inline unsigned int get_kernel_rpl(void)
{
	return paravirt_ops.kernel_rpl;
}

/* ---- irq flags (callee-save ops) ---- */

static inline unsigned long arch_local_save_flags(void)
{
	return PVOP_CALLEE0(unsigned long, save_fl);
}

static inline void arch_local_irq_restore(unsigned long flags)
{
	PVOP_VCALLEE1(restore_fl, flags);
}

static inline void arch_local_irq_disable(void)
{
	PVOP_VCALLEE0(irq_disable);
}

static inline void arch_local_irq_enable(void)
{
	PVOP_VCALLEE0(irq_enable);
}

static inline unsigned long arch_local_irq_save(void)
{
	unsigned long flags = arch_local_save_flags();

	arch_local_irq_disable();
	return flags;
}

static inline bool arch_irqs_disabled_flags(unsigned long flags)
{
	return !(flags & X86_EFLAGS_IF);
}

static inline bool arch_irqs_disabled(void)
{
	return arch_irqs_disabled_flags(arch_local_save_flags());
}

#define local_irq_save(flags)	do { (flags) = arch_local_irq_save(); } while (0)
#define local_irq_restore(flags) arch_local_irq_restore(flags)
#define local_irq_disable()	arch_local_irq_disable()
#define local_irq_enable()	arch_local_irq_enable()
#define local_save_flags(flags)	do { (flags) = arch_local_save_flags(); } while (0)
#define irqs_disabled()		arch_irqs_disabled()

static inline void raw_safe_halt(void)
{
	PVOP_VCALL0(safe_halt);
}

static inline void halt(void)
{
	PVOP_VCALL0(halt);
}

/* ---- control registers ---- */

static inline unsigned long read_cr0(void)
{
	return PVOP_CALL0(unsigned long, read_cr0);
}

static inline void write_cr0(unsigned long x)
{
	PVOP_VCALL1(write_cr0, x);
}

static inline unsigned long read_cr2(void)
{
	return PVOP_CALL0(unsigned long, read_cr2);
}

static inline void write_cr2(unsigned long x)
{
	PVOP_VCALL1(write_cr2, x);
}

static inline unsigned long read_cr3(void)
{
	return PVOP_CALL0(unsigned long, read_cr3);
}

static inline void write_cr3(unsigned long x)
{
	PVOP_VCALL1(write_cr3, x);
}

static inline unsigned long read_cr4(void)
{
	return PVOP_CALL0(unsigned long, read_cr4);
}

static inline void write_cr4(unsigned long x)
{
	PVOP_VCALL1(write_cr4, x);
}

static inline void clts(void)
{
	PVOP_VCALL0(clts);
}

static inline void wbinvd(void)
{
	PVOP_VCALL0(wbinvd);
}

static inline unsigned long get_debugreg(int reg)
{
	return PVOP_CALL1(unsigned long, get_debugreg, reg);
}

static inline void set_debugreg(unsigned long val, int reg)
{
	PVOP_VCALL2(set_debugreg, reg, val);
}

static inline void cpuid(unsigned int op, unsigned int *eax, unsigned int *ebx, unsigned int *ecx, unsigned int *edx)
{
	*eax = op;
	*ecx = 0;
	PVOP_VCALL4(cpuid, eax, ebx, ecx, edx);
}

/* ---- TLB ---- */

static inline void __flush_tlb(void)
{
	PVOP_VCALL0(flush_tlb_user);
}

static inline void __flush_tlb_global(void)
{
	PVOP_VCALL0(flush_tlb_kernel);
}

static inline void __flush_tlb_single(unsigned long addr)
{
	PVOP_VCALL1(flush_tlb_single, addr);
}

/* ---- MSRs: 64-bit values split into two 32-bit halves, as native_write_msr ---- */

static inline u64 paravirt_read_msr(unsigned int msr, int *err)
{
	return PVOP_CALL2(u64, read_msr, msr, err);
}

static inline int paravirt_write_msr(unsigned int msr, unsigned int low, unsigned int high)
{
	return PVOP_CALL3(int, write_msr, msr, low, high);
}

#define rdmsr(msr, val1, val2)						\
	do {								\
		int _err;						\
		u64 _l = paravirt_read_msr(msr, &_err);			\
		(val1) = (u32)_l;					\
		(val2) = _l >> 32;					\
	} while (0)

#define wrmsr(msr, val1, val2)	((void)paravirt_write_msr(msr, val1, val2))

#define rdmsrl(msr, val)						\
	do {								\
		int _err;						\
		(val) = paravirt_read_msr(msr, &_err);			\
	} while (0)

#define wrmsrl(msr, val)	wrmsr(msr, (u32)((u64)(val)), ((u64)(val)) >> 32)
#define wrmsr_safe(msr, a, b)	paravirt_write_msr(msr, a, b)

static inline int rdmsrl_safe(unsigned int msr, u64 *p)
{
	int err;

	*p = paravirt_read_msr(msr, &err);
	return err;
}

static inline u64 rdtscll(void)
{
	return PVOP_CALL0(u64, read_tsc);
}

static inline u64 rdpmc(int counter)
{
	return PVOP_CALL1(u64, read_pmc, counter);
}

/* ---- descriptors, TSS, segments ---- */

static inline void load_sp0(struct tss_struct *tss, struct thread_struct *thread)
{
	PVOP_VCALL2(load_sp0, tss, thread);
}

static inline void load_TLS(struct thread_struct *t, unsigned int cpu)
{
	PVOP_VCALL2(load_tls, t, cpu);
}

static inline void load_gs_index(unsigned int gs)
{
	PVOP_VCALL1(load_gs_index, gs);
}

static inline void write_gdt_entry(struct desc_struct *dt, int entry, const void *desc, int type)
{
	PVOP_VCALL4(write_gdt_entry, dt, entry, desc, type);
}

static inline void write_idt_entry(gate_desc *dt, int entry, const gate_desc *g)
{
	PVOP_VCALL3(write_idt_entry, dt, entry, g);
}

static inline void set_iopl_mask(unsigned int mask)
{
	PVOP_VCALL1(set_iopl_mask, mask);
}

/* ---- port I/O delay ---- */

static inline void slow_down_io(void)
{
	PVOP_VCALL0(io_delay);
}

/* ---- page tables: pteval_t is 64 bits, passed whole in one register ---- */

static inline pte_t __pte(pteval_t val)
{
	pteval_t ret = PVOP_CALL1(pteval_t, make_pte, val);

	return (pte_t){ ret };
}

static inline pteval_t pte_val(pte_t pte)
{
	return PVOP_CALL1(pteval_t, pte_val, pte.pte);
}

static inline void set_pte(pte_t *ptep, pte_t pte)
{
	PVOP_VCALL2(set_pte, &ptep->pte, pte.pte);
}

static inline void set_pte_at(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t pte)
{
	PVOP_VCALL4(set_pte_at, mm, addr, &ptep->pte, pte.pte);
}

static inline void set_pmd(pmd_t *pmdp, pmd_t pmd)
{
	PVOP_VCALL2(set_pmd, &pmdp->pmd, pmd.pmd);
}

static inline void pte_update(struct mm_struct *mm, unsigned long addr, pte_t *ptep)
{
	PVOP_VCALL3(pte_update, mm, addr, &ptep->pte);
}

static inline void paravirt_activate_mm(struct mm_struct *prev, struct mm_struct *next)
{
	PVOP_VCALL2(activate_mm, prev, next);
}

static inline void arch_exit_mmap(struct mm_struct *mm)
{
	PVOP_VCALL1(exit_mmap, mm);
}

static inline void arch_enter_lazy_mmu_mode(void)
{
	PVOP_VCALL0(enter_lazy_mmu);
}

static inline void arch_leave_lazy_mmu_mode(void)
{
	PVOP_VCALL0(leave_lazy_mmu);
}

static inline void arch_start_context_switch(struct task_struct *prev)
{
	PVOP_VCALL1(start_context_switch, prev);
}

static inline void arch_end_context_switch(struct task_struct *next)
{
	PVOP_VCALL1(end_context_switch, next);
}

/* ---- APIC ---- */

#define APIC_ID		0x20
#define APIC_TASKPRI	0x80
#define APIC_EOI	0xb0
#define APIC_SPIV	0xf0
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define APIC_LVTT	0x320
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_ICR_BUSY	0x1000

static inline void apic_write(u32 reg, u32 v)
{
	PVOP_VCALL2(apic_write, reg, v);
}

static inline u32 apic_read(u32 reg)
{
	return PVOP_CALL1(u32, apic_read, reg);
}

static inline void setup_boot_clock(void)
{
	PVOP_VCALL0(setup_boot_clock);
}

static inline void setup_secondary_clock(void)
{
	PVOP_VCALL0(setup_secondary_clock);
}

static inline void startup_ipi_hook(int phys_apicid, unsigned long start_ip, unsigned long start_sp)
{
	PVOP_VCALL3(startup_ipi_hook, phys_apicid, start_ip, start_sp);
}

/* ---- time ---- */

static inline u64 sched_clock(void)
{
	return PVOP_CALL0(u64, sched_clock);
}

static inline unsigned long get_wallclock(void)
{
	return PVOP_CALL0(unsigned long, get_wallclock);
}

static inline int set_wallclock(unsigned long now)
{
	return PVOP_CALL1(int, set_wallclock, now);
}

static inline unsigned long calibrate_cpu_khz(void)
{
	return PVOP_CALL0(unsigned long, get_cpu_khz);
}

#endif /* PARAVIRT_H */
