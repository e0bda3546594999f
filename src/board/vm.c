// SPDX-License-Identifier: Apache-2.0
/* vm.c - a VM's life: create in a fixed order, run, pause, resume, destroy (see vm.h). */
#include "board/vm.h"

#include <stdlib.h>
#include <string.h>

#include "board/console.h"
#include "board/memwatch.h"
#include "util/log.h"

static int attach_console(struct vm *vm, const struct vm_config *cfg, struct err *err)
{
    struct console_input virtio_input;
    const struct console_input *input = NULL;
    if (cfg->virtio.console) {
        virtio_devices__console_input(&vm->virtio, &virtio_input);
        input = &virtio_input;
    }
    vm->console = console__create(&vm->machine, vm->legacy.com1, input, err);
    return vm->console ? 0 : -1;
}

/* Loads the guest and gives the boot CPU its entry state (the APs wait for INIT/SIPI). */
static int boot(struct vm *vm, const struct vm_config *cfg, struct err *err)
{
    if (!(vm->cmdline = board_slots__cmdline(&vm->slots, cfg->boot.cmdline, err)))
        return -1;
    struct boot_config boot = cfg->boot;
    boot.cmdline = vm->cmdline;
    boot.slots = &vm->slots;
    struct cpu_state *bsp = malloc(sizeof(*bsp));
    if (!bsp)
        return err__set(err, "out of memory");
    cpu_state__reset(bsp, 0, true);
    int rc = boot__load(&vm->machine, &boot, bsp, err);
    if (!rc)
        rc = machine__create_vcpus(&vm->machine, err);
    if (!rc)
        rc = vm->machine.engine->set_state(&vm->machine.vcpus[0], bsp, err);
    free(bsp);
    return rc;
}

struct vm *vm__create(const struct vm_config *cfg, struct err *err)
{
    if (cfg->ncpus == 0 || cfg->ncpus > VM_MAX_CPUS) {
        err__set(err, "a vm has 1 to %d cpus, not %u", VM_MAX_CPUS, cfg->ncpus);
        return NULL;
    }
    struct vm *vm = calloc(1, sizeof(*vm));
    if (!vm) {
        err__set(err, "out of memory");
        return NULL;
    }
    const struct machine_config mc = {
        .ram_size = cfg->ram_size, .mem = cfg->mem, .ncpus = cfg->ncpus, .engine = cfg->engine};
    if (machine__init(&vm->machine, &mc, err)) {
        free(vm);
        return NULL;
    }
    board_slots__init(&vm->slots);
    virtio_devices__init(&vm->virtio, &vm->machine, &vm->slots);
    if (board__create_legacy(&vm->legacy, &vm->machine, &vm->slots, err))
        goto fail;
    vm->legacy_created = true;
    if (virtio_devices__create(&vm->virtio, &vm->machine, &vm->slots, &cfg->virtio, err) ||
        (cfg->restore ? machine__create_vcpus(&vm->machine, err) : boot(vm, cfg, err)) ||
        (cfg->attach_console && attach_console(vm, cfg, err)))
        goto fail;
    return vm;

fail:
    vm__destroy(vm);
    return NULL;
}

int vm__run(struct vm *vm, double timeout_s)
{
    struct memwatch *w = memwatch__start(vm); /* host memory pressure gets a log line */
    int status = machine__run(&vm->machine, timeout_s);
    memwatch__stop(w);
    return status;
}

void vm__pause(struct vm *vm)
{
    machine__pause(&vm->machine);
}

void vm__resume(struct vm *vm)
{
    machine__resume(&vm->machine);
}

void vm__destroy(struct vm *vm)
{
    if (!vm)
        return;
    console__destroy(vm->console); /* its reader thread feeds a device */
    virtio_devices__destroy(&vm->virtio);
    if (vm->legacy_created)
        board__destroy_legacy(&vm->legacy);
    machine__destroy(&vm->machine);
    free(vm->cmdline);
    free(vm);
}

int vm__power_button(struct vm *vm, struct err *err)
{
    const struct board_slot *ged = board_slots__find(&vm->slots, SLOT_GED);
    if (!ged)
        return err__set(err, "the board has no power button");
    /* An edge on the GED's interrupt (dsdt.c): the guest's _EVT notifies the button. */
    vm->machine.engine->set_irq(&vm->machine, (unsigned)ged->gsi, true);
    vm->machine.engine->set_irq(&vm->machine, (unsigned)ged->gsi, false);
    return 0;
}
