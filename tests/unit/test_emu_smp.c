// SPDX-License-Identifier: Apache-2.0
/*
 * test_emu_smp.c - decoded code across vCPUs (src/cpu/emu/codeshare.h;
 * SDM vol. 3A, 8.1.3 "Handling Self- and Cross-Modifying Code"): a store
 * by one vCPU to code another vCPU has decoded and cached must reach it.
 * vCPU 1 calls a function (so its block is cached), waits for a flag,
 * serializes with CPUID and calls it again; vCPU 0 patches the function's
 * immediate and sets the flag. Run one after the other, then on two host
 * threads at once.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "emu_fixture.h"

#define FUNC      FIX_CODE            /* mov eax, 1; ret */
#define WAITER    (FIX_CODE + 0x1000) /* vCPU 1 */
#define WAIT_LOOP (WAITER + 5)
#define WAIT_DONE (WAITER + 0x18)
#define PATCHER   (FIX_CODE + 0x2000) /* vCPU 0 */
#define PATCH     (PATCHER + 7)
#define PATCHED   (PATCHER + 0xf)
#define PATCH_END (PATCHER + 0x1a)
#define FLAG      FIX_DATA

static const uint8_t func[] = {0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3};
static const uint8_t waiter[] = {
    0xe8, 0xfb, 0xef, 0xff, 0xff,                   /* call FUNC */
    0xf3, 0x90,                                     /* 1: pause */
    0x83, 0x3c, 0x25, 0x00, 0x00, 0x12, 0x00, 0x00, /* cmp dword [FLAG], 0 */
    0x74, 0xf4,                                     /* je 1b */
    0x0f, 0xa2,                                     /* cpuid: serializes */
    0xe8, 0xe8, 0xef, 0xff, 0xff,                   /* call FUNC */
    0xf4,                                           /* hlt */
};
static const uint8_t patcher[] = {
    0xb9, 0x10, 0x27, 0x00, 0x00,                                     /* mov ecx, 10000 */
    0xe2, 0xfe,                                                       /* loop $ */
    0xc6, 0x04, 0x25, 0x01, 0x00, 0x10, 0x00, 0x02,                   /* mov byte [FUNC + 1], 2 */
    0xc7, 0x04, 0x25, 0x00, 0x00, 0x12, 0x00, 0x01, 0x00, 0x00, 0x00, /* mov dword [FLAG], 1 */
    0xf4,                                                             /* hlt */
};

static int setup(void **state)
{
    static struct emu_fixture f;
    fix_init_cpus(&f, 2);
    fix_code(&f, FUNC, func, sizeof(func));
    fix_code(&f, WAITER, waiter, sizeof(waiter));
    fix_code(&f, PATCHER, patcher, sizeof(patcher));
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fix_destroy(*state);
    return 0;
}

static void set_vcpu(struct emu_fixture *f, unsigned index, uint64_t rip, uint64_t rsp)
{
    struct err err;
    struct cpu_state st = f->st;
    st.rip = rip;
    st.gpr[CPU_RSP] = rsp;
    assert_int_equal(emu_engine_ops.set_state(&f->m.vcpus[index], &st, &err), 0);
}

static uint64_t run_vcpu(struct emu_fixture *f, unsigned index, uint64_t stop)
{
    struct err err;
    struct emu_stop_info info;
    struct cpu_state st;
    assert_int_equal(emu__run_until(&f->m.vcpus[index], stop, 10000000, &info, &err), 0);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_int_equal(emu_engine_ops.get_state(&f->m.vcpus[index], &st, &err), 0);
    return st.gpr[CPU_RAX];
}

static void store_reaches_cached_code_of_another_vcpu(void **state)
{
    struct emu_fixture *f = *state;
    set_vcpu(f, 1, WAITER, FIX_STACK);
    set_vcpu(f, 0, PATCH, FIX_STACK - 0x1000);
    assert_int_equal(run_vcpu(f, 1, WAIT_LOOP), 1); /* FUNC decoded and cached by vCPU 1 */
    run_vcpu(f, 0, PATCHED);                        /* vCPU 0 patches it */
    uint32_t one = 1;
    memcpy(fix_mem(f, FLAG), &one, 4);
    assert_int_equal(run_vcpu(f, 1, WAIT_DONE), 2);
}

struct runner {
    struct emu_fixture *f;
    unsigned index;
    uint64_t stop, rax;
};

static void *run_thread(void *arg)
{
    struct runner *r = arg;
    struct err err;
    struct emu_stop_info info;
    struct cpu_state st;
    if (!emu__run_until(&r->f->m.vcpus[r->index], r->stop, 100000000, &info, &err) &&
        info.reason == EMU_STOP_RIP &&
        !emu_engine_ops.get_state(&r->f->m.vcpus[r->index], &st, &err))
        r->rax = st.gpr[CPU_RAX];
    return NULL;
}

static void cross_modifying_code_on_two_threads(void **state)
{
    struct emu_fixture *f = *state;
    set_vcpu(f, 1, WAITER, FIX_STACK);
    set_vcpu(f, 0, PATCHER, FIX_STACK - 0x1000);
    struct runner r[2] = {{f, 0, PATCH_END, 0}, {f, 1, WAIT_DONE, 0}};
    pthread_t t[2];
    for (unsigned k = 0; k < 2; k++)
        assert_int_equal(pthread_create(&t[k], NULL, run_thread, &r[k]), 0);
    for (unsigned k = 0; k < 2; k++)
        pthread_join(t[k], NULL);
    assert_int_equal(r[1].rax, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(store_reaches_cached_code_of_another_vcpu, setup, teardown),
        cmocka_unit_test_setup_teardown(cross_modifying_code_on_two_threads, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
