/* SPDX-License-Identifier: Apache-2.0 */
/*
 * console.h - the host terminal as the guest's console.
 *
 * Guest console output goes to stdout. When stdin is a terminal it is put in
 * raw mode (restored on every exit path, signals included) and a thread feeds
 * its bytes to the console device; Ctrl-A X quits the VM, Ctrl-A Ctrl-A sends
 * a literal Ctrl-A, as in QEMU.
 */
#ifndef STRATA_MACHINE_CONSOLE_H
#define STRATA_MACHINE_CONSOLE_H

#include "machine/machine.h"

int console__init(struct machine *m, struct err *err);
void console__destroy(struct machine *m);

#endif
