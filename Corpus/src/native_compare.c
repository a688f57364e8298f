/*
 * native_compare.c - the table read as data: compares and data fields.
 *
 * Expected effect on the generated code:
 *   - "paravirt_ops.irq_disable == native_irq_disable": a compare of a
 *     table field against a function address, kernel model
 *     "cmpq $native_irq_disable, paravirt_ops+0x128(%rip)" (two
 *     relocations in one instruction: R_X86_64_32S for the immediate and
 *     R_X86_64_PC32 for the field); -fPIC loads both addresses from the
 *     GOT and compares registers;
 *     a naive reloc scan counts this compare as a call site (spurious);
 *   - reads of data fields (paravirt_enabled at 0x0c, kernel_rpl at 0x08,
 *     name at 0x00): "mov paravirt_ops+0xc(%rip),%eax" etc.: references
 *     at offsets that are not function pointers at all;
 *   - fast_irq_disable: the compare result selects between the op and a
 *     native "cli"; at -O1 and up gcc loads the field once and uses it for
 *     both, "mov paravirt_ops+0x128(%rip),%rax; cmp $native_irq_disable,
 *     %rax; ...; jmp *%rax": the site is a jump through a register whose
 *     load is shared with a compare;
 *   - pv_irq_enable_slot: the address of one field,
 *     "mov $paravirt_ops+0x130,%rax" (R_X86_64_32S, addend 0x130).
 */
#include "paravirt.h"

bool pv_irq_ops_are_native(void)
{
	return paravirt_ops.irq_disable == native_irq_disable && paravirt_ops.irq_enable == native_irq_enable && paravirt_ops.save_fl == native_save_fl;
}

bool pv_is_native_tlb_flush(void)
{
	return paravirt_ops.flush_tlb_single == native_flush_tlb_single;
}

/* Use the native instruction when the op is native, else call the op. */
void fast_irq_disable(void)
{
	if (paravirt_ops.irq_disable == native_irq_disable)
		asm volatile("cli" ::: "memory");
	else
		local_irq_disable();
}

int running_on_bare_metal(void)
{
	return !paravirt_enabled();
}

unsigned int user_segment_rpl(unsigned int sel)
{
	return (sel & ~3U) | get_kernel_rpl() | 3U;
}

const char *pv_backend_name(void)
{
	return paravirt_ops.name;
}

int pv_uses_shared_pmd(void)
{
	return paravirt_ops.shared_kernel_pmd && paravirt_enabled();
}

/* Take the address of one field (not a call, not a load of it). */
void (**pv_irq_enable_slot(void))(void)
{
	return &pv_ops_writable()->irq_enable;
}
