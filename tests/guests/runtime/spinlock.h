/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spinlock.h - a test-and-test-and-set spinlock on XCHG (which is locked
 * implicitly, Intel SDM vol. 3A, 9.1.2.1), for short critical sections
 * shared by several CPUs.
 */
#ifndef GUEST_SPINLOCK_H
#define GUEST_SPINLOCK_H

#include <stdint.h>

#include "x86.h"

struct spinlock {
    uint32_t locked;
};

static inline void spin_lock(struct spinlock *lock)
{
    while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&lock->locked, __ATOMIC_RELAXED))
            cpu_relax();
}

static inline void spin_unlock(struct spinlock *lock)
{
    __atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
}

#endif
