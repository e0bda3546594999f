// SPDX-License-Identifier: Apache-2.0
/*
 * test_emu_ram_written.c - a device's write into guest RAM (engine_ops
 * .ram_written, as virtio devices report their DMA) makes the emu engine
 * drop the code it decoded there: without the call the old decode runs
 * again, with it the new bytes do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "emu_fixture.h"

/* loop: mov eax, 1; jmp loop. Each run retires both: the mov runs once more. */
static const uint8_t loop[] = {0xb8, 1, 0, 0, 0, 0xeb, 0xf9};
static const uint8_t mov_eax_2[] = {0xb8, 2, 0, 0, 0};
#define NOWHERE 0 /* a stop address never reached */

/* Runs on from where the vCPU stopped, without set_state (which would drop decoded code). */
static uint64_t run_on(struct emu_fixture *f)
{
    struct emu_stop_info info;
    struct err err;
    assert_int_equal(emu__run_until(&f->m.vcpus[0], NOWHERE, 2, &info, &err), 0);
    assert_int_equal(info.reason, EMU_STOP_LIMIT);
    struct cpu_state st;
    assert_int_equal(emu_engine_ops.get_state(&f->m.vcpus[0], &st, &err), 0);
    assert_int_equal(st.rip, FIX_CODE);
    return st.gpr[CPU_RAX];
}

static void device_writes_drop_decoded_code(void **state)
{
    (void)state;
    static struct emu_fixture f;
    fix_init(&f);
    assert_non_null(emu_engine_ops.ram_written);
    fix_code(&f, FIX_CODE, loop, sizeof(loop));
    fix_enter(&f, FIX_CODE, false);
    assert_int_equal(fix_run(&f, NOWHERE, 2).reason, EMU_STOP_LIMIT);
    assert_int_equal(f.st.gpr[CPU_RAX], 1);
    f.st.gpr[CPU_RAX] = 0;
    struct err err;
    assert_int_equal(emu_engine_ops.set_state(&f.m.vcpus[0], &f.st, &err), 0);
    assert_int_equal(run_on(&f), 1);

    /* A device's store does not go through the vCPU's TLB: the old decode still runs... */
    memcpy(fix_mem(&f, FIX_CODE), mov_eax_2, sizeof(mov_eax_2));
    assert_int_equal(run_on(&f), 1);
    /* ...until the device says it wrote there. */
    emu_engine_ops.ram_written(&f.m, FIX_CODE + 1, 1);
    assert_int_equal(run_on(&f), 2);

    /* A write elsewhere, or one that wraps around, leaves the code alone. */
    memcpy(fix_mem(&f, FIX_CODE), loop, 5);
    emu_engine_ops.ram_written(&f.m, FIX_DATA, 4096);
    emu_engine_ops.ram_written(&f.m, UINT64_MAX - 10, 100);
    assert_int_equal(run_on(&f), 2);
    fix_destroy(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(device_writes_drop_decoded_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
