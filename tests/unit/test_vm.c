// SPDX-License-Identifier: Apache-2.0
/*
 * test_vm.c - unit tests for the VM object (src/board/vm.c, vm_state.c): a
 * VM built from a configuration on the emu engine runs a counting loop, is
 * paused, saved, changed through load, resumed and stopped; a state of
 * another shape is refused; a bad configuration fails cleanly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <unistd.h>

#include "board/vm.h"
#include "boot_fixtures.h"
#include "cpu/emu/emu.h"
#include "machine/layout.h"

#define ENTRY MIB(16)

struct fixture {
    char kernel[64];
    struct vm *vm;
    struct vm_state *st;
    pthread_t runner;
    bool started;
    int status;
};

static void *run(void *arg)
{
    struct fixture *f = arg;
    f->status = vm__run(f->vm, 30);
    return NULL;
}

/*
 * Lets the VM run until its counter (RAX of vCPU 0) passes `above` (up to
 * 10 s, the host may be busy), then leaves it paused with its state in *st.
 */
static void run_past(struct fixture *f, struct vm_state *st, uint64_t above)
{
    struct err err;
    for (int i = 0; i < 1000; i++) {
        usleep(10000);
        vm__pause(f->vm);
        assert_int_equal(vm__save(f->vm, st, &err), 0);
        if (st->cpus[0].gpr[CPU_RAX] > above)
            return;
        vm__resume(f->vm);
    }
    fail_msg("the counter stayed at %llu", (unsigned long long)st->cpus[0].gpr[CPU_RAX]);
}

static struct vm *create(struct fixture *f, unsigned ncpus, bool rng, struct err *err)
{
    const struct vm_config cfg = {
        .engine = &emu_engine_ops,
        .ram_size = MIB(64),
        .ncpus = ncpus,
        .boot = {.kernel_path = f->kernel, .cmdline = "quiet"},
        .virtio = {.rng = rng},
    };
    return vm__create(&cfg, err);
}

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof(f));
    const struct fixture_segment seg = {
        .vaddr = ENTRY, .paddr = ENTRY, .filesz = 0x1000, .memsz = 0x1000};
    size_t len;
    uint8_t *elf = fixture_elf(&seg, 1, ENTRY, &len);
    fixture_write_file(elf, len, f.kernel);
    free(elf);
    f.st = calloc(1, sizeof(*f.st));
    assert_non_null(f.st);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (f->started) { /* a failed check left the VM running */
        machine__stop(&f->vm->machine, MACHINE_STOP_FAILURE, 1);
        pthread_join(f->runner, NULL);
    }
    vm__destroy(f->vm);
    unlink(f->kernel);
    free(f->st);
    return 0;
}

static void pause_save_load_resume(void **state)
{
    struct fixture *f = *state;
    struct err err;
    f->vm = create(f, 2, true, &err);
    assert_non_null(f->vm);
    /* the slot list gave the rng its window, and the command line names it */
    assert_string_equal(f->vm->cmdline, "quiet virtio_mmio.device=4K@0xd0000000:5");
    static const uint8_t loop[] = {0x48, 0xff, 0xc0, 0xeb, 0xfb}; /* 1: inc rax; jmp 1b */
    assert_int_equal(guest_memory__write(&f->vm->machine.mem, ENTRY, loop, sizeof(loop)), 0);

    assert_int_equal(pthread_create(&f->runner, NULL, run, f), 0);
    f->started = true;
    run_past(f, f->st, 0);
    assert_int_equal(f->st->ncpus, 2);
    assert_true(f->st->has_platform);
    assert_true(f->st->has_rng);
    assert_int_equal(f->st->cpus[1].mp_state, CPU_MP_WAIT_FOR_SIPI);
    uint64_t rip = f->st->cpus[0].rip;
    assert_true(rip == ENTRY || rip == ENTRY + 3);
    assert_true(f->st->cpus[0].gpr[CPU_RAX] > 0);

    /* paused: the counter stands still */
    usleep(20000);
    struct vm_state *again = calloc(1, sizeof(*again));
    assert_int_equal(vm__save(f->vm, again, &err), 0);
    assert_int_equal(again->cpus[0].gpr[CPU_RAX], f->st->cpus[0].gpr[CPU_RAX]);

    /* a load replaces the state: the counter restarts from 42 */
    f->st->cpus[0].gpr[CPU_RAX] = 42;
    f->st->cpus[0].rip = ENTRY;
    assert_int_equal(vm__load(f->vm, f->st, &err), 0);
    assert_int_equal(vm__save(f->vm, again, &err), 0);
    assert_int_equal(again->cpus[0].gpr[CPU_RAX], 42);
    assert_memory_equal(&again->com1, &f->st->com1, sizeof(again->com1));
    assert_memory_equal(&again->rng, &f->st->rng, sizeof(again->rng));

    /* a state of another shape is refused */
    again->ncpus = 1;
    assert_int_equal(vm__load(f->vm, again, &err), -1);
    assert_string_equal(err.msg, "vm state: saved from a vm with other cpus or devices");

    vm__resume(f->vm);
    run_past(f, again, 42);
    free(again);

    /* a stop ends a paused VM */
    machine__stop(&f->vm->machine, MACHINE_STOP_EXIT, 7);
    pthread_join(f->runner, NULL);
    f->started = false;
    assert_int_equal(f->status, 7);
}

static void bad_configurations_fail_cleanly(void **state)
{
    struct fixture *f = *state;
    struct err err;
    assert_null(create(f, 0, false, &err));
    assert_string_equal(err.msg, "a vm has 1 to 32 cpus, not 0");
    char missing[] = "/nonexistent/kernel";
    const struct vm_config cfg = {
        .engine = &emu_engine_ops,
        .ram_size = MIB(64),
        .ncpus = 1,
        .boot = {.kernel_path = missing},
    };
    assert_null(vm__create(&cfg, &err));
    assert_non_null(strstr(err.msg, "cannot open kernel '/nonexistent/kernel'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(pause_save_load_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_configurations_fail_cleanly, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
