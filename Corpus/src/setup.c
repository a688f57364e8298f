/*
 * setup.c - boot-time code in .init.text, and writes to the table.
 *
 * Expected effect on the generated code:
 *   - every function is in section .init.text (__init), so sites and
 *     relocations are in a section other than .text; __init also implies
 *     cold, so gcc optimises these functions for size and at -Os keeps
 *     wrappers such as apic_write out of line in the annotated build;
 *   - xen_setup_ops stores function addresses into the table:
 *     "movq $xen_irq_disable, paravirt_ops+0x128(%rip)" (kernel: imm32
 *     sign-extended, R_X86_64_32S for the value and PC32 for the field, two
 *     relocations in one instruction), references to the table that are
 *     stores, not calls; at -O1 and up the two 32-bit stores to kernel_rpl
 *     and paravirt_enabled are merged into one 64-bit store at +0x8;
 *   - setup_arch ends in a tail jump through the table (plain, -O2) from
 *     .init.text;
 *   - with the table const (ro-ops) the stores go through
 *     pv_ops_writable() and gcc may still reuse values it loaded before
 *     the stores (it is allowed to assume a const object never changes);
 *   - setup_arch calls init-time ops in sequence, reads the name field
 *     (offset 0: a reference to the table with addend 0 that is data) and
 *     passes it to printk.
 */
#include "paravirt.h"

/* The "hypervisor" backend's ops, defined in stubs/stubs.c. */
unsigned long xen_save_fl(void);
void xen_restore_fl(unsigned long flags);
void xen_irq_disable(void);
void xen_irq_enable(void);
void xen_write_cr3(unsigned long cr3);
void xen_flush_tlb_single(unsigned long addr);
void xen_set_pte(pteval_t *ptep, pteval_t pte);
u64 xen_sched_clock(void);
void xen_banner(void);

int xen_start_info_present;

void __init xen_setup_ops(void)
{
	struct paravirt_ops *ops = pv_ops_writable();

	ops->name = "Xen";
	ops->paravirt_enabled = 1;
	ops->kernel_rpl = 1;
	ops->banner = xen_banner;
	ops->save_fl = xen_save_fl;
	ops->restore_fl = xen_restore_fl;
	ops->irq_disable = xen_irq_disable;
	ops->irq_enable = xen_irq_enable;
	ops->write_cr3 = xen_write_cr3;
	ops->flush_tlb_single = xen_flush_tlb_single;
	ops->set_pte = xen_set_pte;
	ops->sched_clock = xen_sched_clock;
	ops->io_delay = paravirt_nop;
}

const char *__init setup_memory_map(void)
{
	const char *who = PVOP_CALL0(const char *, memory_setup);

	printk("BIOS-provided physical RAM map: %s\n", who);
	return who;
}

void __init setup_arch(void)
{
	if (xen_start_info_present)
		xen_setup_ops();

	PVOP_VCALL0(banner);
	printk("Booting paravirtualized kernel on %s\n", paravirt_ops.name);
	PVOP_VCALL0(arch_setup);
	setup_memory_map();
	PVOP_VCALL0(init_IRQ);
	PVOP_VCALL0(time_init);
	setup_boot_clock();
}

/* Secondary CPU bring-up: the startup IPI hook with three arguments. */
void __init smp_boot_one_cpu(int apicid, unsigned long start_ip, unsigned long stack)
{
	startup_ipi_hook(apicid, start_ip, stack);
	apic_write(APIC_ICR2, (u32)apicid << 24);
	apic_write(APIC_ICR, 0x4600 | (start_ip >> 12));
}

void __init start_secondary_clock(void)
{
	setup_secondary_clock();
	local_irq_enable();
}
