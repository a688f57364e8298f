/*
 * apic_time.c - APIC register access, clocks and port I/O delays.
 *
 * Expected effect on the generated code:
 *   - apic_write(reg, v) with two 32-bit arguments (%edi, %esi), often
 *     constants: "mov $0xb0,%edi; xor %esi,%esi; call *..."; the EOI write
 *     at the end of a handler is a tail jump at -O2 (plain);
 *   - apic_read results masked and compared (u32 return in %eax);
 *   - sched_clock/read_tsc 64-bit results subtracted: two sites, the first
 *     result kept in a callee-saved register;
 *   - outb_p-style helpers: a port write in inline asm followed by the
 *     io_delay site, in a loop over a buffer (io_delay may be patched to
 *     nothing: a site whose call is the whole body of the loop's tail).
 */
#include "paravirt.h"

static inline void outb(u8 v, u16 port)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outb_p(u8 v, u16 port)
{
	outb(v, port);
	slow_down_io();
}

void ack_APIC_irq(void)
{
	apic_write(APIC_EOI, 0);
}

u32 read_apic_id(void)
{
	return apic_read(APIC_ID) >> 24;
}

void lapic_timer_setup(u32 count, bool periodic)
{
	u32 lvtt = apic_read(APIC_LVTT) & ~0x30000U;

	apic_write(APIC_LVTT, lvtt | (periodic ? 0x20000U : 0));
	apic_write(APIC_TMICT, count);
}

u64 measure_cycles(void (*fn)(void))
{
	u64 t0 = sched_clock();

	fn();
	return sched_clock() - t0;
}

void pic_write_mask(const u8 *mask, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		outb_p(mask[i], 0x21);
}

unsigned long calibrate_delay_loops(void)
{
	unsigned long khz = calibrate_cpu_khz();
	unsigned long now = get_wallclock();

	return khz * 1000 / (now ? now : 1);
}
