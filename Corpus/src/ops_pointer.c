/*
 * ops_pointer.c - calls through a copy of the table or a pointer to it.
 *
 * Expected effect on the generated code:
 *   - pv_call_via(): the table arrives as a pointer argument; the plain
 *     build calls "call *0x128(%rdi)" (base register plus displacement,
 *     the base being the argument) and at -O2 ends in
 *     "mov 0x130(%rbx),%rax; jmp *%rax": no relocation against
 *     paravirt_ops at any of its calls.  noinline keeps it so: inlined,
 *     gcc would fold &paravirt_ops back in.  The caller passes
 *     &paravirt_ops, a reference of kind "address of the table"
 *     ("mov $paravirt_ops,%rdi", R_X86_64_32S);
 *   - pv_call_local_copy(): at -O0 the table is copied to the stack
 *     ("mov $paravirt_ops,%rsi; rep movsq", 65 quadwords) and the op is
 *     loaded from the copy; at -O1 and up gcc forwards the one field it
 *     needs and loads it straight from the table
 *     ("mov paravirt_ops+0x170(%rip),%rax; call/jmp *%rax"): whether the
 *     load has a relocation against the table depends on the opt level;
 *   - pv_fnptr_cached(): one op read into a local function pointer and
 *     called several times: "mov paravirt_ops+0x1a0(%rip),%rbx; call *%rbx"
 *     at every level from -O1: the load has a relocation, the calls do not;
 *   - pv_ops_registered: the table's address stored in a global, calls via
 *     that pointer load the pointer first (no relocation against the
 *     table in the function at all).
 *   The annotated build records every one of these sites as a call through
 *   the global table (the _VIA macros), so the plain build's misses show.
 */
#include "paravirt.h"

noinline void pv_call_via(const struct paravirt_ops *ops, unsigned long addr)
{
	PVOP_VCALL0_VIA(ops, irq_disable);
	PVOP_VCALL1_VIA(ops, flush_tlb_single, addr);
	PVOP_VCALL0_VIA(ops, irq_enable);
}

void pv_flush_one(unsigned long addr)
{
	pv_call_via(&paravirt_ops, addr);
}

unsigned long pv_call_local_copy(void)
{
	struct paravirt_ops local = paravirt_ops;

	barrier();
	return PVOP_CALL0_VIA(&local, unsigned long, read_cr2);
}

void pv_fnptr_cached(unsigned long start, unsigned int n)
{
	void (*flush)(unsigned long) = paravirt_ops.flush_tlb_single;
	unsigned int i;

	for (i = 0; i < n; i++)
		PVOP_VCALL1_FN(flush, flush_tlb_single, start + i * PAGE_SIZE);
}

const struct paravirt_ops *pv_ops_registered = &paravirt_ops;

u64 pv_clock_registered(void)
{
	return PVOP_CALL0_VIA(pv_ops_registered, u64, sched_clock);
}

void pv_halt_registered(void)
{
	PVOP_VCALL0_VIA(pv_ops_registered, halt);
}
