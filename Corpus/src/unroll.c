/*
 * unroll.c - loops with a small constant trip count.
 *
 * Expected effect on the generated code:
 *   - -O3, annotated build: the constant loops are unrolled completely:
 *     one source line, one macro use, several sites (4 debug registers,
 *     3 TLS descriptors, 8 pages, 2 x 3 APIC reads), as many records with
 *     the same (file, line, op) key;
 *   - -O3, plain build: the same loops stay rolled, one site each: gcc's
 *     complete unroller refuses ("Not unrolling loop: contains call and
 *     code would grow", -fdump-tree-cunroll-details), and only the plain
 *     build has a call there - the annotated site is an asm statement.
 *     So the annotation changes the optimisation, not only the site;
 *   - -O0/-O1/-O2/-Os: the loops stay rolled in both builds;
 *   - #pragma GCC unroll 4 unrolls the unknown-count loop at -O1 and up in
 *     both builds (4 copies plus a remainder: 7 sites on one line), but not
 *     at -Os, where the annotated build keeps __flush_tlb_single out of
 *     line.
 */
#include "paravirt.h"

void clear_debug_registers(void)
{
	int i;

	for (i = 0; i < 4; i++)
		set_debugreg(0, i);
}

void load_tls_descs(struct desc_struct *gdt, const struct thread_struct *t)
{
	int i;

	for (i = 0; i < GDT_ENTRY_TLS_ENTRIES; i++)
		write_gdt_entry(gdt, GDT_ENTRY_TLS_MIN + i, &t->tls_array[i], 0);
}

void flush_8_pages(unsigned long addr)
{
	int i;

	for (i = 0; i < 8; i++)
		__flush_tlb_single(addr + i * PAGE_SIZE);
}

void flush_pages_unrolled(unsigned long addr, unsigned int n)
{
	unsigned int i;

#pragma GCC unroll 4
	for (i = 0; i < n; i++)
		__flush_tlb_single(addr + i * PAGE_SIZE);
}

/* Nested: 2 x 3 constant loops around two different ops. */
unsigned long probe_apic_regs(void)
{
	static const u32 regs[3] = { APIC_ID, APIC_TASKPRI, APIC_SPIV };
	unsigned long sum = 0;
	int pass, i;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < 3; i++)
			sum += apic_read(regs[i]);
		slow_down_io();
	}
	return sum;
}
