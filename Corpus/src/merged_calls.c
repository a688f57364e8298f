/*
 * merged_calls.c - if/else calling one of two ops with the same argument
 * shape, then common code, as flush_tlb_mm_range choosing between a full
 * flush (write_cr3) and a single-page one (flush_tlb_single), or a clock
 * read choosing between read_tsc and sched_clock.
 *
 * Expected effect on the generated code:
 *   - annotated: two asm calls, two records, in every configuration;
 *   - plain, kernel, every level: two calls through memory,
 *     "call *paravirt_ops+0x188(%rip)" and "call *paravirt_ops+0x1a0(%rip)"
 *     (at -Os with a "jmp" over the second): nothing to merge;
 *   - plain, retpoline, -Os: cross-jumping merges the two arms' identical
 *     tails; each arm keeps only "mov paravirt_ops+off(%rip),%rax" and
 *     both reach one "call __x86_indirect_thunk_rax": one call, two ops.
 *     At -O2 the arms stay apart (two thunk calls);
 *   - plain, pic: "call *0x188(%rax)" and "call *0x1a0(%rax)" through the
 *     GOT-loaded base, not merged;
 *   - clang-14, -O1 and up, every variant: the call is sunk below the
 *     if/else and the arms select the field's address: kernel
 *     "mov $paravirt_ops+0x188,%rax; mov $paravirt_ops+0x1a0,%rcx;
 *     cmovne %rax,%rcx; call *(%rcx)" (R_X86_64_32S), pic
 *     "mov $0x188,%eax; add paravirt_ops@GOTPCREL(%rip),%rax; ...
 *     call *(%rax)": one call through a register holding the address of
 *     one of two fields.
 */
#include "paravirt.h"

unsigned long tlb_flush_count;

void flush_tlb_mm_one(struct mm_struct *mm, unsigned long addr, bool full)
{
	if (full)
		write_cr3(mm->pgd);
	else
		__flush_tlb_single(addr);
	tlb_flush_count++;
	mm->nr_ptes--;
}

void flush_cr3_or_page(unsigned long val, bool whole_mm)
{
	if (whole_mm)
		PVOP_VCALL1(write_cr3, val);
	else
		PVOP_VCALL1(flush_tlb_single, val);
	tlb_flush_count++;
}

u64 clock_now(bool use_tsc)
{
	u64 t;

	if (use_tsc)
		t = rdtscll();
	else
		t = sched_clock();
	return t * 3;
}

unsigned long read_paging_cr(bool cr3)
{
	unsigned long v;

	if (cr3)
		v = read_cr3();
	else
		v = read_cr4();
	tlb_flush_count += v;
	return v;
}
