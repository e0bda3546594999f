// SPDX-License-Identifier: Apache-2.0
/*
 * vm_state.c - save and load of a whole VM (see vm.h): every vCPU through
 * the engine's get_state/set_state, then every device's own state
 * functions, always in this order: vCPUs by index, COM1, the i8042, the
 * CMOS, the emu platform's IOAPIC, 8259 pair and PIT (on emu; the LAPICs
 * travel in each cpu_state), the disks by slot, the virtio console, the
 * virtio rng, the virtio balloon, the NICs by slot. A state that does not fit the VM (other vCPU
 * count or devices) is refused before anything changes (the emu platform excepted: see vm__load); a
 * device that refuses its part ends the load with its error.
 */
#include <string.h>

#include "board/vm.h"
#include "cpu/emu/emu.h"
#include "util/log.h"

int vm__save(struct vm *vm, struct vm_state *st, struct err *err)
{
    struct machine *m = &vm->machine;
    memset(st, 0, sizeof(*st));
    st->ncpus = m->ncpus;
    for (unsigned i = 0; i < m->ncpus; i++)
        if (m->engine->get_state(&m->vcpus[i], &st->cpus[i], err))
            return -1;
    uart8250__save(vm->legacy.com1, &st->com1);
    i8042__save(vm->legacy.i8042, &st->i8042);
    cmos__save(vm->legacy.cmos, &st->cmos);
    struct platform *p = emu__platform(m);
    if ((st->has_platform = p != NULL))
        platform__save(p, &st->platform);
    st->ndisks = vm->virtio.ndisks;
    for (unsigned i = 0; i < vm->virtio.ndisks; i++)
        virtio_blk__save(vm->virtio.disks[i], &st->disks[i]);
    if ((st->has_console = vm->virtio.console != NULL))
        virtio_console__save(vm->virtio.console, &st->console);
    if ((st->has_rng = vm->virtio.rng != NULL))
        virtio_rng__save(vm->virtio.rng, &st->rng);
    if ((st->has_balloon = vm->virtio.balloon != NULL))
        virtio_balloon__save(vm->virtio.balloon, &st->balloon);
    st->nnics = vm->virtio.nnics;
    for (unsigned i = 0; i < vm->virtio.nnics; i++)
        virtio_net__save(vm->virtio.nics[i], &st->nics[i]);
    return 0;
}

int vm__load(struct vm *vm, const struct vm_state *st, struct err *err)
{
    struct machine *m = &vm->machine;
    struct platform *p = emu__platform(m);
    if (st->ncpus != m->ncpus || st->ndisks != vm->virtio.ndisks ||
        st->has_console != (vm->virtio.console != NULL) ||
        st->has_rng != (vm->virtio.rng != NULL) ||
        st->has_balloon != (vm->virtio.balloon != NULL) || st->nnics != vm->virtio.nnics)
        return err__set(err, "vm state: saved from a vm with other cpus or devices");
    for (unsigned i = 0; i < m->ncpus; i++)
        if (m->engine->set_state(&m->vcpus[i], &st->cpus[i], err))
            return -1;
    if (uart8250__load(vm->legacy.com1, &st->com1, err) ||
        i8042__load(vm->legacy.i8042, &st->i8042, err) ||
        cmos__load(vm->legacy.cmos, &st->cmos, err) ||
        (p && st->has_platform && platform__load(p, &st->platform, err)))
        return -1;
    /*
     * Across engines: the kvm engine keeps its interrupt controllers and
     * timer in the host kernel and does not save them, so a state from kvm
     * leaves emu's platform as it was (from reset), and emu's platform state
     * has no place on kvm. The vCPUs' LAPICs travel either way.
     */
    if (p && !st->has_platform)
        log__msg("vm state from the kvm engine: the IOAPIC, 8259s and PIT start from reset");
    else if (!p && st->has_platform)
        log__msg("vm state from the emu engine: its IOAPIC, 8259 and PIT state is dropped on kvm");
    for (unsigned i = 0; i < vm->virtio.ndisks; i++)
        if (virtio_blk__load(vm->virtio.disks[i], &st->disks[i], err))
            return -1;
    if ((vm->virtio.console && virtio_console__load(vm->virtio.console, &st->console, err)) ||
        (vm->virtio.rng && virtio_rng__load(vm->virtio.rng, &st->rng, err)) ||
        (vm->virtio.balloon && virtio_balloon__load(vm->virtio.balloon, &st->balloon, err)))
        return -1;
    for (unsigned i = 0; i < vm->virtio.nnics; i++)
        if (virtio_net__load(vm->virtio.nics[i], &st->nics[i], err))
            return -1;
    return 0;
}
