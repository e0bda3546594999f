// SPDX-License-Identifier: Apache-2.0
/*
 * cpuid.c - the CPUID a kvm vCPU sees: what the host KVM supports
 * (KVM_GET_SUPPORTED_CPUID), with the hypervisor bit set and the topology
 * rewritten to one package of ncpus single-thread cores whose APIC ids are
 * the vCPU indexes.
 *
 * Leaves follow the Intel SDM vol. 2A (CPUID: leaves 1, 4, 0xb, 0x1f) and the
 * AMD APM vol. 3 appendix E (0x80000001, 0x80000008, 0x8000001d, 0x8000001e),
 * as Firecracker's and QEMU's CPUID normalization do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cpu/kvm/kvm.h"

#define CPUID_MAX_ENTRIES 4096

#define LEAF1_ECX_HYPERVISOR (1u << 31)
#define LEAF1_EDX_HTT        (1u << 28)
#define EXT1_ECX_CMP_LEGACY  (1u << 1)
#define TOPOLOGY_LEVEL_SMT   1
#define TOPOLOGY_LEVEL_CORE  2
#define TOPOLOGY_SUBLEAVES   3 /* SMT, core, and the invalid level that ends the list */

struct kvm_cpuid2 *kvm_cpuid__supported(int kvm_fd, struct err *err)
{
    for (unsigned n = 128; n <= CPUID_MAX_ENTRIES; n *= 2) {
        struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
        if (!c) {
            err__set(err, "out of memory");
            return NULL;
        }
        c->nent = n;
        if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
            return c;
        int e = errno;
        free(c);
        if (e != E2BIG) {
            err__set_errno(err, e, "kvm: KVM_GET_SUPPORTED_CPUID");
            return NULL;
        }
    }
    err__set(err, "kvm: KVM_GET_SUPPORTED_CPUID: more than %d entries", CPUID_MAX_ENTRIES);
    return NULL;
}

/* Bits of an APIC id that number the cores of the package. */
static unsigned core_id_bits(unsigned ncpus)
{
    unsigned bits = 0;
    while ((1u << bits) < ncpus)
        bits++;
    return bits;
}

static bool has_leaf(const struct kvm_cpuid2 *c, uint32_t function)
{
    for (uint32_t i = 0; i < c->nent; i++)
        if (c->entries[i].function == function)
            return true;
    return false;
}

/* Leaf 0xb or 0x1f: extended topology enumeration, one entry per level. */
static void add_topology_leaf(struct kvm_cpuid2 *c, uint32_t function, unsigned apic_id,
                              unsigned ncpus)
{
    for (uint32_t level = 0; level < TOPOLOGY_SUBLEAVES; level++) {
        struct kvm_cpuid_entry2 *e = &c->entries[c->nent++];
        *e = (struct kvm_cpuid_entry2){
            .function = function,
            .index = level,
            .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
            .edx = apic_id,
        };
        if (level == 0) { /* one thread per core */
            e->eax = 0;
            e->ebx = 1;
            e->ecx = TOPOLOGY_LEVEL_SMT << 8 | level;
        } else if (level == 1) {
            e->eax = core_id_bits(ncpus);
            e->ebx = ncpus;
            e->ecx = TOPOLOGY_LEVEL_CORE << 8 | level;
        } else {
            e->ecx = level;
        }
    }
}

/* Threads sharing a cache, minus one: the whole package for L3, one core below. */
static uint32_t cache_sharing(uint32_t eax, unsigned ncpus)
{
    unsigned level = (eax >> 5) & 7;
    return level >= 3 ? (1u << core_id_bits(ncpus)) - 1 : 0;
}

static void fix_entry(struct kvm_cpuid_entry2 *e, unsigned apic_id, unsigned ncpus)
{
    unsigned bits = core_id_bits(ncpus);
    switch (e->function) {
    case 1:
        e->ebx = (e->ebx & 0x0000ffff) | (1u << bits) << 16 | apic_id << 24;
        e->ecx |= LEAF1_ECX_HYPERVISOR;
        if (ncpus > 1)
            e->edx |= LEAF1_EDX_HTT;
        else
            e->edx &= ~LEAF1_EDX_HTT;
        break;
    case 4: /* Intel deterministic cache parameters */
        if (e->eax & 0x1f)
            e->eax =
                (e->eax & 0x3fff) | cache_sharing(e->eax, ncpus) << 14 | ((1u << bits) - 1) << 26;
        break;
    case 0x80000001:
        if (ncpus > 1)
            e->ecx |= EXT1_ECX_CMP_LEGACY;
        else
            e->ecx &= ~EXT1_ECX_CMP_LEGACY;
        break;
    case 0x80000008: /* AMD: NC and ApicIdSize */
        e->ecx = (e->ecx & ~0xf0ffu) | bits << 12 | (ncpus - 1);
        break;
    case 0x8000001d: /* AMD cache topology */
        if (e->eax & 0x1f)
            e->eax = (e->eax & ~(0xfffu << 14)) | cache_sharing(e->eax, ncpus) << 14;
        break;
    case 0x8000001e: /* AMD extended APIC id: core id = APIC id, one node */
        e->eax = apic_id;
        e->ebx = apic_id & 0xff;
        e->ecx = 0;
        break;
    }
}

struct kvm_cpuid2 *kvm_cpuid__for_vcpu(const struct kvm_cpuid2 *supported, unsigned apic_id,
                                       unsigned ncpus)
{
    uint32_t room = supported->nent + 2 * TOPOLOGY_SUBLEAVES;
    struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + room * sizeof(c->entries[0]));
    if (!c)
        return NULL;
    for (uint32_t i = 0; i < supported->nent; i++) {
        const struct kvm_cpuid_entry2 *e = &supported->entries[i];
        if (e->function == 0xb || e->function == 0x1f)
            continue;
        c->entries[c->nent] = *e;
        fix_entry(&c->entries[c->nent++], apic_id, ncpus);
    }
    if (has_leaf(supported, 0xb))
        add_topology_leaf(c, 0xb, apic_id, ncpus);
    if (has_leaf(supported, 0x1f))
        add_topology_leaf(c, 0x1f, apic_id, ncpus);
    return c;
}
