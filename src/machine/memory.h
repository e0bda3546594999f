/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memory.h - guest RAM: anonymous host mappings in slots, GPA -> HVA.
 *
 * The RAM size is split around the MMIO hole (see layout.h): one slot below
 * 3 GiB and, for larger guests, one above 4 GiB. Both engines use the same
 * host memory: kvm registers the slots with KVM_SET_USER_MEMORY_REGION, emu
 * caches the host addresses in its TLB.
 */
#ifndef STRATA_MACHINE_MEMORY_H
#define STRATA_MACHINE_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define GUEST_MEMORY_MAX_SLOTS 4

struct mem_slot {
    uint64_t gpa;
    uint64_t size;
    uint8_t *hva;
};

struct guest_memory {
    struct mem_slot slots[GUEST_MEMORY_MAX_SLOTS];
    unsigned nslots;
    uint64_t ram_size;
};

/* Maps ram_size bytes of zeroed RAM. ram_size must be a non-zero multiple of 4 KiB. */
int guest_memory__init(struct guest_memory *mem, uint64_t ram_size, struct err *err);
void guest_memory__destroy(struct guest_memory *mem);

/*
 * Host address of [gpa, gpa+len) if the whole range is RAM within one slot,
 * otherwise NULL. Never trusts the guest: overflow-safe.
 */
void *guest_memory__hva(const struct guest_memory *mem, uint64_t gpa, uint64_t len);

/* Copies to/from guest RAM; -1 if any part of the range is not RAM. */
int guest_memory__write(const struct guest_memory *mem, uint64_t gpa, const void *src, size_t len);
int guest_memory__read(const struct guest_memory *mem, uint64_t gpa, void *dst, size_t len);

/* Highest GPA + 1 of RAM below the MMIO hole. */
uint64_t guest_memory__low_end(const struct guest_memory *mem);

#endif
