/*
 * func_sections.c - every function in its own section.
 *
 * pvsites-cflags: -ffunction-sections -fdata-sections
 *
 * Expected effect on the generated code:
 *   - each function is in .text.<name> (and __cold ones at -O2 and up in
 *     .text.unlikely.<name>), so a site's relocation offset is relative to
 *     the start of its function's section, and records in
 *     .parainstructions point into many different sections
 *     (R_X86_64_64 against .text.<name>+off);
 *   - in the linked image all those sections are merged into .text, and
 *     record addresses and relocation offsets become virtual addresses;
 *   - the small wrappers end in tail jumps at -O2, as in tail_calls.c,
 *     here each alone in its section.
 */
#include "paravirt.h"

unsigned long fs_read_cr0(void)
{
	return read_cr0();
}

void fs_write_cr0(unsigned long v)
{
	write_cr0(v);
}

void fs_wbinvd_irqsafe(void)
{
	unsigned long flags;

	local_irq_save(flags);
	wbinvd();
	local_irq_restore(flags);
}

void __cold fs_cold_flush(void)
{
	__flush_tlb_global();
}

unsigned long fs_counter;

void fs_io_delays(int n)
{
	while (n-- > 0) {
		slow_down_io();
		fs_counter++;
	}
}
