// SPDX-License-Identifier: Apache-2.0
/*
 * test_kvm_cpuid.c - the kvm engine's per-vCPU CPUID (src/cpu/kvm/cpuid.c):
 * APIC ids, the hypervisor bit and the package topology rewritten over a
 * made-up KVM_GET_SUPPORTED_CPUID list. Needs no /dev/kvm.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "cpu/kvm/kvm.h"

static struct kvm_cpuid2 *supported_list(void)
{
    static const struct kvm_cpuid_entry2 entries[] = {
        {.function = 0, .eax = 0xd, .ebx = 0x68747541}, /* "Auth"enticAMD */
        {.function = 1, .eax = 0xa10f11, .ebx = 0x01020800, .ecx = 0x00202000, .edx = 0x078bfbff},
        {.function = 0xb, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .edx = 1},
        {.function = 0xd, .eax = 7},
        {.function = 0x80000001, .ecx = 0x00400393},
        {.function = 0x80000008, .eax = 0x3030, .ecx = 0x7001},
        {.function = 0x8000001d,
         .index = 0,
         .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
         .eax = 0x121}, /* L1 data */
        {.function = 0x8000001d,
         .index = 3,
         .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
         .eax = 0x4163}, /* L3 unified, 32 sharing */
        {.function = 0x8000001e, .eax = 9, .ebx = 0x100, .ecx = 0x300},
    };
    size_t n = sizeof(entries) / sizeof(entries[0]);
    struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(entries[0]));
    assert_non_null(c);
    c->nent = (uint32_t)n;
    for (size_t i = 0; i < n; i++)
        c->entries[i] = entries[i];
    return c;
}

static const struct kvm_cpuid_entry2 *find(const struct kvm_cpuid2 *c, uint32_t function,
                                           uint32_t index)
{
    for (uint32_t i = 0; i < c->nent; i++)
        if (c->entries[i].function == function && c->entries[i].index == index)
            return &c->entries[i];
    fail_msg("no cpuid leaf %#x.%u", function, index);
    return NULL;
}

static void six_cpus_vcpu_five(void **state)
{
    (void)state;
    struct kvm_cpuid2 *supported = supported_list();
    struct kvm_cpuid2 *c = kvm_cpuid__for_vcpu(supported, 5, 6);
    assert_non_null(c);

    const struct kvm_cpuid_entry2 *leaf1 = find(c, 1, 0);
    assert_int_equal(leaf1->ebx >> 24, 5);          /* initial APIC id */
    assert_int_equal((leaf1->ebx >> 16) & 0xff, 8); /* addressable ids: 6 rounded up */
    assert_int_equal(leaf1->ebx & 0xffff, 0x0800);  /* CLFLUSH size kept */
    assert_true(leaf1->ecx & (1u << 31));           /* hypervisor */
    assert_true(leaf1->edx & (1u << 28));           /* HTT */
    assert_int_equal(leaf1->eax, 0xa10f11);

    const struct kvm_cpuid_entry2 *smt = find(c, 0xb, 0), *core = find(c, 0xb, 1),
                                  *end = find(c, 0xb, 2);
    assert_int_equal(smt->ebx, 1);
    assert_int_equal(smt->ecx, 0x100);
    assert_int_equal(core->eax, 3);
    assert_int_equal(core->ebx, 6);
    assert_int_equal(core->ecx, 0x201);
    assert_int_equal(end->ebx, 0);
    assert_int_equal(end->ecx, 2);
    assert_int_equal(smt->edx, 5);
    assert_int_equal(core->edx, 5);
    assert_int_equal(end->edx, 5);

    assert_true(find(c, 0x80000001, 0)->ecx & (1u << 1)); /* CmpLegacy */
    const struct kvm_cpuid_entry2 *amd8 = find(c, 0x80000008, 0);
    assert_int_equal(amd8->ecx & 0xff, 5);        /* NC = cores - 1 */
    assert_int_equal((amd8->ecx >> 12) & 0xf, 3); /* ApicIdSize */
    assert_int_equal((find(c, 0x8000001d, 0)->eax >> 14) & 0xfff, 0);
    assert_int_equal((find(c, 0x8000001d, 3)->eax >> 14) & 0xfff, 7);
    assert_int_equal(find(c, 0x8000001e, 0)->eax, 5);
    assert_int_equal(find(c, 0x8000001e, 0)->ebx, 5);
    assert_int_equal(find(c, 0x8000001e, 0)->ecx, 0);
    assert_int_equal(find(c, 0xd, 0)->eax, 7); /* others untouched */
    free(c);
    free(supported);
}

static void one_cpu_has_no_htt(void **state)
{
    (void)state;
    struct kvm_cpuid2 *supported = supported_list();
    struct kvm_cpuid2 *c = kvm_cpuid__for_vcpu(supported, 0, 1);
    assert_non_null(c);
    const struct kvm_cpuid_entry2 *leaf1 = find(c, 1, 0);
    assert_int_equal(leaf1->ebx >> 24, 0);
    assert_int_equal((leaf1->ebx >> 16) & 0xff, 1);
    assert_false(leaf1->edx & (1u << 28));
    assert_false(find(c, 0x80000001, 0)->ecx & (1u << 1));
    assert_int_equal(find(c, 0xb, 1)->eax, 0);
    assert_int_equal(find(c, 0xb, 1)->ebx, 1);
    assert_int_equal(find(c, 0x80000008, 0)->ecx & 0xf0ff, 0);
    free(c);
    free(supported);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(six_cpus_vcpu_five),
        cmocka_unit_test(one_cpu_has_no_htt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
