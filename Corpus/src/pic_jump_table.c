/*
 * pic_jump_table.c - a dense switch, one op per case, as lguest's do_hcall
 * forwarding the guest's hypercalls to the paravirt ops.
 *
 * Expected effect on the generated code:
 *   - the switch has 8 consecutive cases: gcc builds a jump table
 *     ("jmp *%rax" after "movslq (%rdx,%rax,4),%rax; add %rdx,%rax" under
 *     -fPIC), which is not a paravirt site;
 *   - plain, pic, -O2/-O3/-Os: the table's address is loaded from the GOT
 *     once, before the dispatch, into a callee-saved register
 *     ("mov paravirt_ops@GOTPCREL(%rip),%rbp", R_X86_64_REX_GOTPCRELX,
 *     relaxed to "lea" in the static-pie image) and every case calls
 *     through it, "call *0x80(%rbp)", "call *0x190(%rbp)", ... (nine
 *     calls, eight ops): the load and the calls are in different blocks,
 *     the calls reached only through the jump table.  -O2 and -O3 do it
 *     because the paravirt_enabled check before the switch already needs
 *     the address (CSE); -O1 loads it again in each case;
 *   - plain, kernel: "call *paravirt_ops+off(%rip)" in each case, no base
 *     register;
 *   - clang-14 pic, -O1 and up: the same shape with %r14 as the base;
 *   - annotated: one record per call, as always.
 */
#include "paravirt.h"

enum {
	HCALL_FLUSH_ASYNC,
	HCALL_LOAD_TLS,
	HCALL_SET_PTE,
	HCALL_SET_PMD,
	HCALL_NEW_PGTABLE,
	HCALL_FLUSH_ONE,
	HCALL_TS,
	HCALL_HALT,
};

#define ENOSYS	38

struct hcall_args {
	unsigned long arg0, arg1, arg2, arg3;
	long ret;
};

unsigned long hcall_count;

void do_hcall(struct hcall_args *args)
{
	if (!paravirt_enabled()) {
		args->ret = -ENOSYS;
		return;
	}
	switch (args->arg0) {
	case HCALL_FLUSH_ASYNC:
		__flush_tlb();
		break;
	case HCALL_LOAD_TLS:
		load_TLS((struct thread_struct *)args->arg1, args->arg2);
		break;
	case HCALL_SET_PTE:
		set_pte((pte_t *)args->arg1, (pte_t){ args->arg2 });
		break;
	case HCALL_SET_PMD:
		set_pmd((pmd_t *)args->arg1, (pmd_t){ args->arg2 });
		break;
	case HCALL_NEW_PGTABLE:
		write_cr3(args->arg1);
		break;
	case HCALL_FLUSH_ONE:
		__flush_tlb_single(args->arg1);
		break;
	case HCALL_TS:
		write_cr0(read_cr0() | (args->arg1 ? X86_CR0_TS : 0));
		break;
	case HCALL_HALT:
		raw_safe_halt();
		break;
	default:
		args->ret = -ENOSYS;
		return;
	}
	args->ret = 0;
	hcall_count++;
}
