/*
 * irq_loops.c - irq disable/enable inside loops.
 *
 * Expected effect on the generated code:
 *   - kernel, plain, -O1 and up: every iteration reloads the op from the
 *     table, "call *paravirt_ops+off(%rip)": the call through the table
 *     may have changed the table (it is not const), so gcc cannot hoist.
 *   - ro-ops (table declared const), plain, -O2: gcc hoists the loads
 *     of irq_disable/irq_enable out of the loop into callee-saved
 *     registers and calls "call *%rbx" / "call *%rbp" in the loop body:
 *     the calls have no relocation at all (objection 4).
 *   - ro-ops, plain, -O1: a mix: "mov $paravirt_ops,%r13" (the table's
 *     address in a register, R_X86_64_32S) then "call *0x130(%r13)" (base
 *     register plus displacement) for one op, and the other op hoisted as
 *     above.
 *   - -Os (both builds): gcc keeps arch_local_irq_disable/enable out of
 *     line; the loops call the local wrappers, whose whole body is a tail
 *     jump through the table in the plain build.
 *   - -O0: "mov paravirt_ops+off(%rip),%rax; call *%rax" everywhere.
 *   - annotated: one record per use, same instruction every time.
 */
#include "paravirt.h"

struct irq_desc {
	unsigned int status;
	unsigned int depth;
	unsigned long count;
};

#define NR_IRQS 16
struct irq_desc irq_desc[NR_IRQS];

/* Count a tick on every irq with interrupts off around each update. */
void account_irqs(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n && i < NR_IRQS; i++) {
		local_irq_disable();
		irq_desc[i].count++;
		local_irq_enable();
	}
}

/* Poll until an event arrives, opening an irq window every iteration. */
void poll_with_irq_window(volatile unsigned long *event)
{
	while (!*event) {
		local_irq_enable();
		cpu_relax();
		local_irq_disable();
	}
}

/* Drain softirqs, calling out of line between the irq ops. */
void drain_softirqs(int rounds)
{
	while (rounds-- > 0) {
		local_irq_disable();
		do_softirq();
		local_irq_enable();
	}
}

/* Save/restore pairs inside a loop over a list. */
struct work { struct work *next; unsigned long data; };

unsigned long sum_work_irqsafe(struct work *w)
{
	unsigned long flags, sum = 0;

	for (; w; w = w->next) {
		local_irq_save(flags);
		sum += w->data;
		local_irq_restore(flags);
	}
	return sum;
}
