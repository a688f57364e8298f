/*
 * stubs.c - everything the corpus references but does not define, so that
 * all objects of one configuration link into one image.
 *
 * Compiled like a corpus source of the same configuration (same compiler,
 * opt level, variant and mode flags) and linked after them.  It contains
 * no paravirt call sites: it never calls through the table.  The table's
 * initialiser refers to the native functions, which gives relocations in
 * data (R_X86_64_64 in .data / .data.rel / .rodata), not in code.
 *
 * The native irq-flag ops and the ops that hand-written asm calls with a
 * narrow clobber set (swapgs, iret, sysret, read_cr2, read_tsc) are
 * written in assembly so they really clobber only what their sites say.
 * The __x86_indirect_thunk_* are the retpoline thunks that
 * -mindirect-branch=thunk-extern calls.
 */
#include "pvops.h"

/* ---- native ops with the callee-save or narrower convention ---- */

#define ASM_FUNC(name, body)				\
	asm(".pushsection .text\n\t"			\
	    ".globl " #name "\n\t"			\
	    ".type " #name ", @function\n\t"		\
	    ".p2align 4\n"				\
	    #name ":\n\t"				\
	    body "\n\t"					\
	    ".size " #name ", . - " #name "\n\t"	\
	    ".popsection")

ASM_FUNC(native_save_fl, "pushfq\n\tpopq %rax\n\tret");
ASM_FUNC(native_restore_fl, "pushq %rdi\n\tpopfq\n\tret");
ASM_FUNC(native_irq_disable, "cli\n\tret");
ASM_FUNC(native_irq_enable, "sti\n\tret");
ASM_FUNC(native_read_cr2, "movq %cr2, %rax\n\tret");
ASM_FUNC(native_read_tsc, "rdtsc\n\tshlq $32, %rdx\n\torq %rdx, %rax\n\tret");
ASM_FUNC(native_swapgs, "swapgs\n\tret");
ASM_FUNC(native_iret, "iretq");
ASM_FUNC(native_usergs_sysret64, "swapgs\n\tsysretq");
ASM_FUNC(paravirt_nop, "ret");

/* The "hypervisor" backend installed by src/setup.c: same conventions. */
ASM_FUNC(xen_save_fl, "movzbl xen_vcpu_mask(%rip), %eax\n\txorl $1, %eax\n\tshll $9, %eax\n\tret");
ASM_FUNC(xen_restore_fl, "pushq %rdi\n\tshrq $9, %rdi\n\tnotl %edi\n\tandl $1, %edi\n\tmovb %dil, xen_vcpu_mask(%rip)\n\tpopq %rdi\n\tret");
ASM_FUNC(xen_irq_disable, "movb $1, xen_vcpu_mask(%rip)\n\tret");
ASM_FUNC(xen_irq_enable, "movb $0, xen_vcpu_mask(%rip)\n\tret");

/* Retpoline thunks, one per register gcc may call through. */
#define RETPOLINE_THUNK(reg)						\
	ASM_FUNC(__x86_indirect_thunk_##reg,				\
		 "call 1f\n"						\
		 "2:\n\tpause\n\tlfence\n\tjmp 2b\n"			\
		 "1:\n\tmovq %" #reg ", (%rsp)\n\tret")
RETPOLINE_THUNK(rax); RETPOLINE_THUNK(rbx); RETPOLINE_THUNK(rcx); RETPOLINE_THUNK(rdx);
RETPOLINE_THUNK(rsi); RETPOLINE_THUNK(rdi); RETPOLINE_THUNK(rbp);
RETPOLINE_THUNK(r8); RETPOLINE_THUNK(r9); RETPOLINE_THUNK(r10); RETPOLINE_THUNK(r11);
RETPOLINE_THUNK(r12); RETPOLINE_THUNK(r13); RETPOLINE_THUNK(r14); RETPOLINE_THUNK(r15);

/* Declared here only: defined by the asm above. */
unsigned long native_read_tsc(void);
void native_swapgs(void);
void native_iret(void);
void native_usergs_sysret64(void);
unsigned long xen_save_fl(void);
void xen_restore_fl(unsigned long flags);
void xen_irq_disable(void);
void xen_irq_enable(void);

/* ---- native ops with the C ABI ---- */

void native_halt(void) { asm volatile("hlt" ::: "memory"); }
void native_safe_halt(void) { asm volatile("sti; hlt" ::: "memory"); }
void native_io_delay(void) { asm volatile("outb %%al, $0x80" ::: "memory"); }
void native_wbinvd(void) { asm volatile("wbinvd" ::: "memory"); }
void native_clts(void) { asm volatile("clts"); }

#define NATIVE_READ_CR(n)						\
	unsigned long native_read_cr##n(void)				\
	{ unsigned long v; asm volatile("movq %%cr" #n ", %0" : "=r"(v)); return v; }
#define NATIVE_WRITE_CR(n)						\
	void native_write_cr##n(unsigned long v)			\
	{ asm volatile("movq %0, %%cr" #n : : "r"(v) : "memory"); }
NATIVE_READ_CR(0)
NATIVE_READ_CR(3)
NATIVE_READ_CR(4)
NATIVE_WRITE_CR(0)
NATIVE_WRITE_CR(2)
NATIVE_WRITE_CR(3)
NATIVE_WRITE_CR(4)

void native_flush_tlb(void) { native_write_cr3(native_read_cr3()); }
void native_flush_tlb_global(void)
{
	unsigned long cr4 = native_read_cr4();

	native_write_cr4(cr4 & ~X86_CR4_PGE);
	native_write_cr4(cr4);
}
void native_flush_tlb_single(unsigned long addr) { asm volatile("invlpg (%0)" : : "r"(addr) : "memory"); }

u64 native_read_msr(unsigned int msr, int *err)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	*err = 0;
	return ((u64)hi << 32) | lo;
}

int native_write_msr(unsigned int msr, unsigned int low, unsigned int high)
{
	asm volatile("wrmsr" : : "c"(msr), "a"(low), "d"(high) : "memory");
	return 0;
}

u64 native_read_pmc(int counter)
{
	u32 lo, hi;

	asm volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(counter));
	return ((u64)hi << 32) | lo;
}

void native_cpuid(unsigned int *eax, unsigned int *ebx, unsigned int *ecx, unsigned int *edx)
{
	asm volatile("cpuid" : "+a"(*eax), "=b"(*ebx), "+c"(*ecx), "=d"(*edx));
}

unsigned long native_get_debugreg(int regno)
{
	unsigned long v = 0;

	if (regno == 7)
		asm volatile("movq %%db7, %0" : "=r"(v));
	return v;
}

void native_set_debugreg(int regno, unsigned long value)
{
	if (regno == 7)
		asm volatile("movq %0, %%db7" : : "r"(value));
}

void native_load_sp0(struct tss_struct *tss, struct thread_struct *thread) { tss->sp0 = thread->sp0; }
void native_load_tls(struct thread_struct *t, unsigned int cpu) { (void)t; (void)cpu; }
void native_load_gs_index(unsigned int sel) { asm volatile("movl %0, %%gs" : : "r"(sel)); }
void native_write_gdt_entry(struct desc_struct *dt, int entry, const void *desc, int type)
{
	(void)type;
	dt[entry] = *(const struct desc_struct *)desc;
}
void native_write_idt_entry(gate_desc *dt, int entry, const gate_desc *g) { dt[entry] = *g; }
void native_set_iopl_mask(unsigned int mask) { (void)mask; }

void native_apic_write(u32 reg, u32 v) { *(volatile u32 *)(0xfffffffffee00000UL + reg) = v; }
u32 native_apic_read(u32 reg) { return *(volatile u32 *)(0xfffffffffee00000UL + reg); }
void native_startup_ipi_hook(int phys_apicid, unsigned long start_ip, unsigned long start_sp)
{
	(void)phys_apicid; (void)start_ip; (void)start_sp;
}

void native_set_pte(pteval_t *ptep, pteval_t pte) { *ptep = pte; }
void native_set_pte_at(struct mm_struct *mm, unsigned long addr, pteval_t *ptep, pteval_t pte)
{
	(void)mm; (void)addr;
	*ptep = pte;
}
void native_set_pmd(pmdval_t *pmdp, pmdval_t pmd) { *pmdp = pmd; }
void native_pte_update(struct mm_struct *mm, unsigned long addr, pteval_t *ptep) { (void)mm; (void)addr; (void)ptep; }
pteval_t native_make_pte(pteval_t val) { return val; }
pteval_t native_pte_val(pteval_t pte) { return pte; }
void native_activate_mm(struct mm_struct *prev, struct mm_struct *next) { (void)prev; (void)next; }
void native_exit_mmap(struct mm_struct *mm) { (void)mm; }
void native_start_context_switch(struct task_struct *prev) { (void)prev; }
void native_end_context_switch(struct task_struct *next) { (void)next; }

void native_banner(void) { printk("Booting paravirtualized kernel on bare hardware\n"); }
const char *native_memory_setup(void) { return "BIOS-e820"; }
unsigned long native_get_wallclock(void) { return jiffies; }
int native_set_wallclock(unsigned long now) { jiffies = now; return 0; }
u64 native_sched_clock(void) { return jiffies * 4000000ULL; }
unsigned long native_get_cpu_khz(void) { return 2000000; }

/* The backend's C-ABI ops. */
unsigned char xen_vcpu_mask;
void xen_write_cr3(unsigned long cr3) { native_write_cr3(cr3); }
void xen_flush_tlb_single(unsigned long addr) { native_flush_tlb_single(addr); }
void xen_set_pte(pteval_t *ptep, pteval_t pte) { *ptep = pte; }
u64 xen_sched_clock(void) { return jiffies; }
void xen_banner(void) { printk("Booting paravirtualized kernel on Xen\n"); }

/* ---- the table ---- */

PVOPS_CONST struct paravirt_ops paravirt_ops = {
	.name = "bare hardware",
	.kernel_rpl = 0,
	.paravirt_enabled = 0,
	.shared_kernel_pmd = 1,

	.banner = native_banner,
	.arch_setup = paravirt_nop,
	.memory_setup = native_memory_setup,
	.init_IRQ = paravirt_nop,
	.time_init = paravirt_nop,

	.get_wallclock = native_get_wallclock,
	.set_wallclock = native_set_wallclock,
	.sched_clock = native_sched_clock,
	.get_cpu_khz = native_get_cpu_khz,

	.cpuid = native_cpuid,
	.get_debugreg = native_get_debugreg,
	.set_debugreg = native_set_debugreg,
	.clts = native_clts,
	.read_cr0 = native_read_cr0,
	.write_cr0 = native_write_cr0,
	.read_cr4 = native_read_cr4,
	.write_cr4 = native_write_cr4,
	.read_msr = native_read_msr,
	.write_msr = native_write_msr,
	.read_tsc = native_read_tsc,
	.read_pmc = native_read_pmc,
	.load_sp0 = native_load_sp0,
	.load_tls = native_load_tls,
	.load_gs_index = native_load_gs_index,
	.write_gdt_entry = native_write_gdt_entry,
	.write_idt_entry = native_write_idt_entry,
	.set_iopl_mask = native_set_iopl_mask,
	.wbinvd = native_wbinvd,
	.io_delay = native_io_delay,
	.swapgs = native_swapgs,
	.iret = native_iret,
	.usergs_sysret64 = native_usergs_sysret64,

	.save_fl = native_save_fl,
	.restore_fl = native_restore_fl,
	.irq_disable = native_irq_disable,
	.irq_enable = native_irq_enable,
	.safe_halt = native_safe_halt,
	.halt = native_halt,

	.apic_write = native_apic_write,
	.apic_read = native_apic_read,
	.setup_boot_clock = paravirt_nop,
	.setup_secondary_clock = paravirt_nop,
	.startup_ipi_hook = native_startup_ipi_hook,

	.read_cr2 = native_read_cr2,
	.write_cr2 = native_write_cr2,
	.read_cr3 = native_read_cr3,
	.write_cr3 = native_write_cr3,
	.flush_tlb_user = native_flush_tlb,
	.flush_tlb_kernel = native_flush_tlb_global,
	.flush_tlb_single = native_flush_tlb_single,
	.set_pte = native_set_pte,
	.set_pte_at = native_set_pte_at,
	.set_pmd = native_set_pmd,
	.pte_update = native_pte_update,
	.make_pte = native_make_pte,
	.pte_val = native_pte_val,
	.activate_mm = native_activate_mm,
	.exit_mmap = native_exit_mmap,

	.enter_lazy_mmu = paravirt_nop,
	.leave_lazy_mmu = paravirt_nop,
	.start_context_switch = native_start_context_switch,
	.end_context_switch = native_end_context_switch,
};

/* ---- the rest of the kernel ---- */

struct task_struct init_task;
struct task_struct *current_task = &init_task;
struct tss_struct init_tss[NR_CPUS];
unsigned long jiffies;
int smp_processor_id_value;
unsigned int thread_info_flags;
int need_resched_flag;
pmd_t reference_pmd[512];
const gate_desc default_gates[4];
long (*const sys_call_table[64])(long, long, long, long);

int printk(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

void __noreturn panic(const char *fmt, ...)
{
	(void)fmt;
	for (;;)
		asm volatile("cli; hlt");
}

void schedule(void) { need_resched_flag = 0; }
bool need_resched(void) { return READ_ONCE(need_resched_flag) != 0; }
void do_softirq(void) { barrier(); }
void handle_mm_fault(struct mm_struct *mm, unsigned long address, unsigned long error_code)
{
	(void)mm; (void)address; (void)error_code;
}
void bad_area(struct pt_regs *regs, unsigned long address) { regs->ax = address; }

void *memcpy(void *dst, const void *src, size_t n)
{
	void *ret = dst;

	asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
	return ret;
}

void *memset(void *dst, int c, size_t n)
{
	void *ret = dst;

	asm volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(c) : "memory");
	return ret;
}
