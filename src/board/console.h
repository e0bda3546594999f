/* SPDX-License-Identifier: Apache-2.0 */
/*
 * console.h - the host terminal as the guest's console.
 *
 * Guest console output goes to stdout. When stdin is a terminal it is put in
 * raw mode (restored on every exit path, signals included) and a thread feeds
 * its bytes to the console device (COM1, or virtio-console with
 * --console virtio); Ctrl-A X quits the VM, Ctrl-A Ctrl-A sends
 * a literal Ctrl-A, as in QEMU.
 *
 * console__serve also offers the console on a Unix socket (the VM's
 * console.sock, `strata console NAME`): each client first gets the last
 * CONSOLE_HISTORY bytes of output, then all new output; what it sends is
 * input, as from the terminal but without escapes (the client handles its
 * own keys, and leaving detaches only it). A client that does not read is
 * skipped, never waited for: output to stdout alone is back-pressured.
 */
#ifndef STRATA_BOARD_CONSOLE_H
#define STRATA_BOARD_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/uart8250.h"
#include "machine/machine.h"

/* Where the terminal's input goes: COM1 unless console__init_input names another device. */
struct console_input {
    /* Offers n bytes; returns how many the device took. */
    size_t (*receive)(void *dev, const uint8_t *bytes, size_t n);
    /* Registers the call the device makes when it can take input it refused. */
    void (*set_rx_ready)(void *dev, void (*ready)(void *opaque), void *opaque);
    void *dev;
};

struct console;

/*
 * Attaches the host terminal: output is the devices' own (stdout); input
 * goes to `input`, or to the UART com1 when input is NULL. Ctrl-A X stops m.
 */
struct console *console__create(struct machine *m, struct uart8250 *com1,
                                const struct console_input *input, struct err *err);
#define CONSOLE_HISTORY 16384

struct virtio_console;

/*
 * Serves the console on a Unix socket at path (mode 0600) as well; the
 * devices' output (com1's, and vc's when not NULL) goes to the clients and,
 * unless quiet, to stdout.
 */
int console__serve(struct console *c, const char *path, struct uart8250 *com1,
                   struct virtio_console *vc, bool quiet, struct err *err);

/* Stops the reader thread and gives the terminal back; NULL is fine. */
void console__destroy(struct console *c);

#endif
