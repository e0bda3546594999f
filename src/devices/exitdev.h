/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exitdev.h - the exit device: a guest ends the VM with an exit status.
 *
 * One write-only port (0x501, as QEMU's isa-debug-exit). The low byte of
 * a write of any width becomes strata's exit status. It has no state of
 * its own, so nothing to save: its opaque pointer is the machine itself.
 */
#ifndef STRATA_DEVICES_EXITDEV_H
#define STRATA_DEVICES_EXITDEV_H

#include "machine/bus.h"

#define EXITDEV_PORT 0x501

/* Port handler for the port-I/O bus (opaque: struct machine *). */
extern const struct bus_ops exitdev_bus_ops;

#endif
