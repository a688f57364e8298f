/*
 * spinlock.c - spin_lock_irqsave / spin_unlock_irqrestore paths.
 *
 * Expected effect on the generated code:
 *   - every lock operation inlines save_fl + irq_disable before the lock
 *     and restore_fl after the unlock: three sites per critical section;
 *   - plain -O2: the lock pointer and the flags live in callee-saved
 *     registers (three pushes); annotated -O2: the irq ops are callee-save,
 *     so _spin_lock_irqsave keeps everything in %rdx/%rdi/%rsi/%rcx and
 *     has no stack frame at all - same sites, different code around them;
 *   - the contended path (spin with irqs re-enabled, as
 *     __raw_spin_lock_flags did) puts restore_fl and irq_disable inside
 *     the retry loop: irq_disable twice in one function, once before the
 *     loop and once in it;
 *   - at -O2 the final restore_fl of an unlock becomes a tail jump
 *     "jmp *paravirt_ops+0x120(%rip)" in the plain build;
 *   - trylock: the irq sites sit on both sides of a branch on the result
 *     of an atomic exchange.
 */
#include "paravirt.h"

static inline bool __raw_spin_trylock(raw_spinlock_t *lock)
{
	return __atomic_exchange_n(&lock->slock, 1, __ATOMIC_ACQUIRE) == 0;
}

static inline void __raw_spin_unlock(raw_spinlock_t *lock)
{
	__atomic_store_n(&lock->slock, 0, __ATOMIC_RELEASE);
}

/* Wait for the lock with interrupts enabled if the caller had them on. */
static inline void __raw_spin_lock_flags(raw_spinlock_t *lock, unsigned long flags)
{
	while (!__raw_spin_trylock(lock)) {
		if (!arch_irqs_disabled_flags(flags)) {
			local_irq_restore(flags);
			while (READ_ONCE(lock->slock))
				cpu_relax();
			local_irq_disable();
		} else {
			while (READ_ONCE(lock->slock))
				cpu_relax();
		}
	}
}

unsigned long _spin_lock_irqsave(raw_spinlock_t *lock)
{
	unsigned long flags;

	local_irq_save(flags);
	__raw_spin_lock_flags(lock, flags);
	return flags;
}

void _spin_unlock_irqrestore(raw_spinlock_t *lock, unsigned long flags)
{
	__raw_spin_unlock(lock);
	local_irq_restore(flags);
}

int _spin_trylock_irqsave(raw_spinlock_t *lock, unsigned long *flags)
{
	local_irq_save(*flags);
	if (__raw_spin_trylock(lock))
		return 1;
	local_irq_restore(*flags);
	return 0;
}

void _spin_lock_irq(raw_spinlock_t *lock)
{
	local_irq_disable();
	while (!__raw_spin_trylock(lock))
		cpu_relax();
}

void _spin_unlock_irq(raw_spinlock_t *lock)
{
	__raw_spin_unlock(lock);
	local_irq_enable();
}

/* A whole critical section: counter update under an irqsave lock. */
raw_spinlock_t stats_lock;
unsigned long stats_events;

void stats_add(unsigned long n)
{
	unsigned long flags = _spin_lock_irqsave(&stats_lock);

	stats_events += n;
	_spin_unlock_irqrestore(&stats_lock, flags);
}
