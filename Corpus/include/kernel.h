/*
 * kernel.h - the little of <linux/kernel.h> and friends the corpus needs.
 *
 * Freestanding: only the headers -ffreestanding guarantees.  Types and
 * attributes are spelled as in Linux so the corpus reads like kernel code.
 * Everything declared extern here is defined in stubs/stubs.c, so that all
 * objects of one configuration link into one image.
 */
#ifndef CORPUS_KERNEL_H
#define CORPUS_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

#define __init		__attribute__((section(".init.text"), cold))
#define __initdata	__attribute__((section(".init.data")))
#define __cold		__attribute__((cold))
#define __noreturn	__attribute__((noreturn))
#define noinline	__attribute__((noinline))
#define __always_inline	inline __attribute__((always_inline))
#define __used		__attribute__((used))
#define __aligned(x)	__attribute__((aligned(x)))

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define barrier()	__asm__ __volatile__("" ::: "memory")
#define cpu_relax()	__asm__ __volatile__("pause" ::: "memory")
#define READ_ONCE(x)	(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define BUG()		__builtin_trap()
#define BUG_ON(c)	do { if (unlikely(c)) BUG(); } while (0)

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))

#define X86_EFLAGS_IF	0x200UL
#define X86_CR0_TS	0x8UL
#define X86_CR4_PGE	0x80UL
#define X86_CR4_TSD	0x4UL

#define NR_CPUS		8
#define GDT_ENTRY_TLS_MIN 12
#define GDT_ENTRY_TLS_ENTRIES 3

struct desc_struct { u32 a, b; };
typedef struct { u64 a, b; } gate_desc;

struct tss_struct {
	u32 reserved1;
	u64 sp0, sp1, sp2;
	u16 io_bitmap_base;
} __attribute__((packed));

struct thread_struct {
	struct desc_struct tls_array[GDT_ENTRY_TLS_ENTRIES];
	unsigned long sp0, sp, usersp;
	unsigned short es, ds, fsindex, gsindex;
	unsigned long fs, gs;
	unsigned long debugreg[8];
	unsigned long cr2, trap_no, error_code;
	unsigned int iopl;
	u64 *io_bitmap_ptr;
};

struct mm_struct {
	unsigned long pgd;		/* physical address of the top level */
	int context_id;
	unsigned long nr_ptes;
};

struct task_struct {
	volatile long state;
	unsigned int flags;
	int cpu;
	struct mm_struct *mm, *active_mm;
	struct thread_struct thread;
};

struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx;
	unsigned long r11, r10, r9, r8, ax, cx, dx, si, di;
	unsigned long orig_ax, ip, cs, flags, sp, ss;
};

typedef struct { volatile unsigned int slock; } raw_spinlock_t;

/* Defined in stubs/stubs.c: the rest of the "kernel". */
extern struct task_struct *current_task;
extern struct tss_struct init_tss[NR_CPUS];
extern unsigned long jiffies;
extern int smp_processor_id_value;
#define smp_processor_id() (smp_processor_id_value)

int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void __noreturn panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void schedule(void);
bool need_resched(void);
void handle_mm_fault(struct mm_struct *mm, unsigned long address, unsigned long error_code);
void bad_area(struct pt_regs *regs, unsigned long address);
void do_softirq(void);
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

#endif /* CORPUS_KERNEL_H */
