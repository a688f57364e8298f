/*
 * pvops_defs.h - the ABI of the paravirt_ops table, shared by C and asm.
 *
 * Included by include/pvops.h (C) and include/pvops_asm.h (.S files), so
 * hand-written asm and C code use the same field offsets and clobber bits.
 * The offsets are written by hand; include/pvops.h checks every one of them
 * against offsetof() with _Static_assert, and the table's size against
 * PV_SIZE, so the two cannot drift: every C file of the corpus (and the
 * stubs) fails to compile if they do.
 *
 * Nothing here may be C-only: this file is also read by the assembler.
 */
#ifndef PVOPS_DEFS_H
#define PVOPS_DEFS_H

/*
 * Clobber bits of a site record, Linux's x86-64 numbering
 * (arch/x86/include/asm/paravirt_types.h, 2.6.29 .. 5.x; 2.6.25-2.6.28 had
 * RSI as bit 3 and RDI as bit 4, later kernels moved RDI to bit 3 to share
 * it with i386's CLBR_EDI):
 *
 *   bit 0 rax   bit 1 rcx   bit 2 rdx   bit 3 rdi   bit 4 rsi
 *   bit 5 r8    bit 6 r9    bit 7 r10   bit 8 r11
 *
 * CLBR_ANY is every caller-saved register of the C ABI: what a plain C call
 * may clobber, and what a reloc scan has to assume.  The callee-save ops
 * (irq flags) clobber only the return register.
 */
#define CLBR_NONE	0
#define CLBR_RAX	(1 << 0)
#define CLBR_RCX	(1 << 1)
#define CLBR_RDX	(1 << 2)
#define CLBR_RDI	(1 << 3)
#define CLBR_RSI	(1 << 4)
#define CLBR_R8		(1 << 5)
#define CLBR_R9		(1 << 6)
#define CLBR_R10	(1 << 7)
#define CLBR_R11	(1 << 8)
#define CLBR_ANY	((1 << 9) - 1)

#define CLBR_ARG_REGS	(CLBR_RDI | CLBR_RSI | CLBR_RDX | CLBR_RCX | CLBR_R8 | CLBR_R9)
#define CLBR_RET_REG	(CLBR_RAX)
#define CLBR_SCRATCH	(CLBR_R10 | CLBR_R11)
#define CLBR_CALLEE_SAVE ((CLBR_ARG_REGS | CLBR_SCRATCH) & ~CLBR_RET_REG)

/*
 * Byte offsets of the fields of struct paravirt_ops (include/pvops.h).
 * A site record's type is the offset of its op divided by 8 (PV_TYPE).
 */
/* data */
#define PV_name			0x000
#define PV_kernel_rpl		0x008
#define PV_paravirt_enabled	0x00c
#define PV_shared_kernel_pmd	0x010
/* init */
#define PV_banner		0x018
#define PV_arch_setup		0x020
#define PV_memory_setup		0x028
#define PV_init_IRQ		0x030
#define PV_time_init		0x038
/* time */
#define PV_get_wallclock	0x040
#define PV_set_wallclock	0x048
#define PV_sched_clock		0x050
#define PV_get_cpu_khz		0x058
/* cpu */
#define PV_cpuid		0x060
#define PV_get_debugreg		0x068
#define PV_set_debugreg		0x070
#define PV_clts			0x078
#define PV_read_cr0		0x080
#define PV_write_cr0		0x088
#define PV_read_cr4		0x090
#define PV_write_cr4		0x098
#define PV_read_msr		0x0a0
#define PV_write_msr		0x0a8
#define PV_read_tsc		0x0b0
#define PV_read_pmc		0x0b8
#define PV_load_sp0		0x0c0
#define PV_load_tls		0x0c8
#define PV_load_gs_index	0x0d0
#define PV_write_gdt_entry	0x0d8
#define PV_write_idt_entry	0x0e0
#define PV_set_iopl_mask	0x0e8
#define PV_wbinvd		0x0f0
#define PV_io_delay		0x0f8
#define PV_swapgs		0x100
#define PV_iret			0x108
#define PV_usergs_sysret64	0x110
/* irq (callee-save: clobber only %rax) */
#define PV_save_fl		0x118
#define PV_restore_fl		0x120
#define PV_irq_disable		0x128
#define PV_irq_enable		0x130
#define PV_safe_halt		0x138
#define PV_halt			0x140
/* apic */
#define PV_apic_write		0x148
#define PV_apic_read		0x150
#define PV_setup_boot_clock	0x158
#define PV_setup_secondary_clock 0x160
#define PV_startup_ipi_hook	0x168
/* mmu */
#define PV_read_cr2		0x170
#define PV_write_cr2		0x178
#define PV_read_cr3		0x180
#define PV_write_cr3		0x188
#define PV_flush_tlb_user	0x190
#define PV_flush_tlb_kernel	0x198
#define PV_flush_tlb_single	0x1a0
#define PV_set_pte		0x1a8
#define PV_set_pte_at		0x1b0
#define PV_set_pmd		0x1b8
#define PV_pte_update		0x1c0
#define PV_make_pte		0x1c8
#define PV_pte_val		0x1d0
#define PV_activate_mm		0x1d8
#define PV_exit_mmap		0x1e0
/* lazy mode */
#define PV_enter_lazy_mmu	0x1e8
#define PV_leave_lazy_mmu	0x1f0
#define PV_start_context_switch	0x1f8
#define PV_end_context_switch	0x200

/*
 * The function fields of the table, in table order, as an X-macro: one
 * X(op) per field from PV_banner to PV_end_context_switch.  It is the one
 * list the direct form is generated from: include/pvops.h declares a
 * trampoline pv_tramp_<op> per entry with the op's own C prototype (and
 * checks the entries against the struct: every offset, and that they fill
 * the table), and stubs/trampolines.S defines the same trampolines, one
 * "jmp *paravirt_ops+PV_<op>(%rip)" each.  Adding a field means adding it
 * here and above; pvops.h refuses to compile if either is forgotten.
 */
#define PV_FUNCTION_OPS(X) \
	X(banner) X(arch_setup) X(memory_setup) X(init_IRQ) X(time_init) \
	X(get_wallclock) X(set_wallclock) X(sched_clock) X(get_cpu_khz) \
	X(cpuid) X(get_debugreg) X(set_debugreg) X(clts) X(read_cr0) \
	X(write_cr0) X(read_cr4) X(write_cr4) X(read_msr) X(write_msr) \
	X(read_tsc) X(read_pmc) X(load_sp0) X(load_tls) X(load_gs_index) \
	X(write_gdt_entry) X(write_idt_entry) X(set_iopl_mask) X(wbinvd) \
	X(io_delay) X(swapgs) X(iret) X(usergs_sysret64) X(save_fl) \
	X(restore_fl) X(irq_disable) X(irq_enable) X(safe_halt) X(halt) \
	X(apic_write) X(apic_read) X(setup_boot_clock) \
	X(setup_secondary_clock) X(startup_ipi_hook) X(read_cr2) \
	X(write_cr2) X(read_cr3) X(write_cr3) X(flush_tlb_user) \
	X(flush_tlb_kernel) X(flush_tlb_single) X(set_pte) X(set_pte_at) \
	X(set_pmd) X(pte_update) X(make_pte) X(pte_val) X(activate_mm) \
	X(exit_mmap) X(enter_lazy_mmu) X(leave_lazy_mmu) \
	X(start_context_switch) X(end_context_switch)

#define PV_SIZE			0x208

/* The type byte of a record: the op's slot number in the table. */
#define PV_TYPE(off)		((off) / 8)

#endif /* PVOPS_DEFS_H */
