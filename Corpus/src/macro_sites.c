/*
 * macro_sites.c - sites inside C macros expanded many times.
 *
 * Expected effect on the generated code:
 *   - SAVE_MSR(n) is expanded eight times, each on its own line: eight
 *     sites whose innermost position is the same header line
 *     (paravirt_read_msr in paravirt.h) and whose outer position is the
 *     line of each expansion in this file;
 *   - IRQ_PROTECTED(stmt) wraps a statement in irq_disable/irq_enable; two
 *     expansions on one source line give four sites with identical keys
 *     (file, line, op): keys are compared as multisets;
 *   - FOR_EACH_GATE expands a site inside a loop inside a macro; at -O3
 *     the annotated build unrolls it (4 records on one line), the plain
 *     build does not (see unroll.c).
 */
#include "paravirt.h"

#define NMSRS 8
struct msr_save { u64 val[NMSRS]; };

#define SAVE_MSR(s, i, msr)	rdmsrl(msr, (s)->val[i])
#define RESTORE_MSR(s, i, msr)	wrmsrl(msr, (s)->val[i])

void save_processor_msrs(struct msr_save *s)
{
	SAVE_MSR(s, 0, 0xc0000080);
	SAVE_MSR(s, 1, 0xc0000081);
	SAVE_MSR(s, 2, 0xc0000082);
	SAVE_MSR(s, 3, 0xc0000083);
	SAVE_MSR(s, 4, 0xc0000084);
	SAVE_MSR(s, 5, 0xc0000100);
	SAVE_MSR(s, 6, 0xc0000101);
	SAVE_MSR(s, 7, 0xc0000102);
}

void restore_processor_msrs(const struct msr_save *s)
{
	RESTORE_MSR(s, 0, 0xc0000080);
	RESTORE_MSR(s, 1, 0xc0000081);
	RESTORE_MSR(s, 2, 0xc0000082);
	RESTORE_MSR(s, 3, 0xc0000083);
	RESTORE_MSR(s, 4, 0xc0000084);
	RESTORE_MSR(s, 5, 0xc0000100);
	RESTORE_MSR(s, 6, 0xc0000101);
	RESTORE_MSR(s, 7, 0xc0000102);
}

#define IRQ_PROTECTED(stmt) do { local_irq_disable(); stmt; local_irq_enable(); } while (0)

unsigned long counter_a, counter_b;

void bump_both(void)
{
	IRQ_PROTECTED(counter_a++); IRQ_PROTECTED(counter_b++);
}

#define NR_GATES 4
gate_desc idt_table[256];
extern const gate_desc default_gates[NR_GATES];

#define FOR_EACH_GATE(i) for ((i) = 0; (i) < NR_GATES; (i)++)

void install_default_gates(unsigned int base)
{
	unsigned int i;

	FOR_EACH_GATE(i) write_idt_entry(idt_table, base + i, &default_gates[i]);
}
