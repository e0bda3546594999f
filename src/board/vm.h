/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vm.h - the virtual machine: one object that owns every device, backend
 * and vCPU of a PC, built from a plain configuration.
 *
 * vm__create does the whole setup in a fixed order: the machine (RAM,
 * buses), the slot list (slots.h), the legacy devices, the virtio devices
 * (each at a new slot; backends opened here), the guest (kernel, initrd,
 * command line with the virtio slots, boot_params, MP and ACPI tables),
 * the engine's VM and vCPUs with the boot CPU's entry state, and the host
 * terminal as console. vm__run runs it to the end; vm__pause parks the
 * vCPUs so that vm__save and vm__load can walk every device's state
 * functions in one fixed order (vm_state.c); vm__resume lets them go on.
 * vm__destroy undoes whatever create did, in reverse.
 */
#ifndef STRATA_BOARD_VM_H
#define STRATA_BOARD_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "board/board.h"
#include "board/boot/boot.h"
#include "board/slots.h"
#include "board/virtio_devices.h"
#include "devices/platform/platform.h"
#include "machine/machine.h"

#define VM_MAX_CPUS 32 /* the MP table in the EBDA holds at most 40 */

/* What a VM is made of: filled by the CLI (or, later, the control API). */
struct vm_config {
    const struct engine_ops *engine;
    uint64_t ram_size;
    struct guest_memory_options mem; /* how RAM is backed: prealloc, merge, huge pages */
    unsigned ncpus;
    struct boot_config boot; /* cmdline without the virtio slots, which the VM adds */
    struct virtio_options virtio;
    bool attach_console; /* the host terminal on COM1 (or virtio-console with virtio.console) */
    bool restore;        /* no guest is loaded: the state comes from a snapshot (snapshot.h) */
};

struct console;

struct vm {
    struct machine machine;
    struct board_slots slots;
    struct board_legacy legacy;
    bool legacy_created;
    struct virtio_devices virtio;
    struct console *console;
    char *cmdline; /* the full kernel command line */
};

/* The state of a VM as save/load walk it: plain data. */
struct vm_state {
    uint32_t ncpus;
    struct cpu_state cpus[VM_MAX_CPUS];
    struct uart8250_state com1;
    struct i8042_state i8042;
    struct cmos_state cmos;
    bool has_platform; /* emu: its interrupt controllers and timer */
    struct platform_state platform;
    uint32_t ndisks;
    struct virtio_blk_state disks[VIRTIO_MAX_DEVICES];
    bool has_console;
    struct virtio_console_state console;
    bool has_rng;
    struct virtio_rng_state rng;
    bool has_balloon;
    struct virtio_balloon_state balloon;
    uint32_t nnics;
    struct virtio_net_state nics[VIRTIO_MAX_DEVICES];
};

/* Builds the whole VM; on failure *err says what and nothing is left behind. */
struct vm *vm__create(const struct vm_config *cfg, struct err *err);
/*
 * Runs every vCPU until the VM stops or timeout_s seconds pass (0: no
 * timeout); returns the exit status (docs/cli.md).
 */
int vm__run(struct vm *vm, double timeout_s);
/* Parks every vCPU (from another thread than the vCPUs'; before vm__run it only records it). */
void vm__pause(struct vm *vm);
void vm__resume(struct vm *vm);
void vm__destroy(struct vm *vm);
/* Presses the ACPI power button (the guest decides what to do); -1 if the board has none. */
int vm__power_button(struct vm *vm, struct err *err);

/* With the VM paused (or not yet run): copies every vCPU's and device's state. */
int vm__save(struct vm *vm, struct vm_state *st, struct err *err);
/* With the VM paused: replaces every vCPU's and device's state (checked: it may come from a file).
 */
int vm__load(struct vm *vm, const struct vm_state *st, struct err *err);

#endif
