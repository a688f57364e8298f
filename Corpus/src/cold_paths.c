/*
 * cold_paths.c - sites in cold functions and on unlikely paths.
 *
 * Expected effect on the generated code:
 *   - __cold functions: at -O2/-O3/-Os gcc puts them in .text.unlikely
 *     (-freorder-functions); at -O0/-O1 they stay in .text.  Their bodies
 *     are optimised for size;
 *   - checked_read_cr0: at -O2/-O3 gcc splits the function
 *     (-freorder-blocks-and-partition) and moves the unlikely block, with
 *     its read_cr0 site, into "checked_read_cr0.cold" in .text.unlikely;
 *     the plain build's site there is a tail jump
 *     "jmp *paravirt_ops+0x80(%rip)".  The fragment has a symbol (FUNC,
 *     LOCAL) but no frame of its own: the site belongs to the hot
 *     function's source and inline chain;
 *   - handle_spurious_irq and check_stack: their rare blocks (which call
 *     __cold / noreturn functions) stay in .text with gcc 12, laid out at
 *     the end of the function; in the annotated build at -O2 gcc calls an
 *     out-of-line copy of arch_local_irq_disable from the rare block;
 *   - the site before a call to a noreturn function is a plain call with
 *     nothing after the noreturn call (no tail jump possible).
 */
#include "paravirt.h"

void __cold report_bad_cr0(unsigned long cr0)
{
	printk("bad cr0 %lx, resetting TS\n", cr0);
	write_cr0(cr0 | X86_CR0_TS);
}

void __cold __noreturn die_hard(const char *why)
{
	local_irq_disable();
	printk("die: %s (cr2 %lx)\n", why, read_cr2());
	panic("%s", why);
}

/* Hot function with a cold block in the middle. */
unsigned long checked_read_cr0(void)
{
	unsigned long cr0 = read_cr0();

	if (unlikely(!(cr0 & 1))) {
		report_bad_cr0(cr0);
		cr0 = read_cr0();
	}
	return cr0;
}

void __cold ack_bad_irq(unsigned int vector)
{
	printk("unexpected IRQ trap at vector %02x\n", vector);
}

/* A rare block with its own sites, ending in a call to a cold function. */
int handle_spurious_irq(unsigned int vector, unsigned long *count)
{
	if (unlikely(vector < 32)) {
		unsigned long flags;

		local_irq_save(flags);
		(*count)++;
		apic_write(APIC_EOI, 0);
		local_irq_restore(flags);
		ack_bad_irq(vector);
		return -1;
	}
	apic_write(APIC_EOI, 0);
	return 0;
}

/* A path that ends in die_hard is cold by inference. */
void check_stack(unsigned long sp, unsigned long limit)
{
	if (sp < limit) {
		write_cr2(sp);
		die_hard("stack overflow");
	}
	__flush_tlb_single(sp & PAGE_MASK);
}
