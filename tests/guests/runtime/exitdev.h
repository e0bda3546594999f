/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exitdev.h - the Strata exit device: a byte written to port 0x501 ends the
 * VM with that byte as its exit status (the port QEMU's isa-debug-exit uses,
 * without QEMU's (value << 1) | 1 transformation).
 */
#ifndef GUEST_EXITDEV_H
#define GUEST_EXITDEV_H

#include <stdint.h>

#define EXIT_OK      0
#define EXIT_FAILURE 1

/* Ends the VM with the given status; never returns. */
__attribute__((noreturn)) void exitdev__exit(uint8_t status);

#endif
