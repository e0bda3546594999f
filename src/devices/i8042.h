/* SPDX-License-Identifier: Apache-2.0 */
/*
 * i8042.h - the PC keyboard controller, as much of it as an OS needs.
 *
 * Data port 0x60 and status/command port 0x64; the controller command byte,
 * self tests, the output port, a PS/2 keyboard that answers its commands
 * (nothing is ever typed on it: the console is the UART) and an aux (mouse)
 * port with no mouse attached. Its one job that matters: the CPU reset line.
 * Pulsing it (command 0xFE) stops the machine as a reset.
 */
#ifndef STRATA_DEVICES_I8042_H
#define STRATA_DEVICES_I8042_H

#include <stdint.h>

#include "machine/bus.h"
#include "util/err.h"

struct machine;
struct i8042;

#define I8042_DATA_PORT    0x60
#define I8042_COMMAND_PORT 0x64 /* status register on reads */
#define I8042_KBD_GSI      1
#define I8042_AUX_GSI      12

#define I8042_QUEUE_SIZE    16
#define I8042_STATE_VERSION 1

/* The guest-visible state, as saved in a snapshot: plain data, no pointers. */
struct i8042_state {
    uint32_t version;
    uint8_t ctr;              /* controller command byte */
    uint8_t outport;          /* output port: bit 0 = reset line (active low), bit 1 = A20 */
    uint8_t last_was_command; /* status bit 3: last write went to the command port */
    uint8_t pending_cmd;      /* controller command waiting for its data byte, 0 if none */
    uint8_t kbd_pending_cmd;  /* keyboard command waiting for its parameter, 0 if none */
    uint8_t last_read;        /* what the data port reads when the output buffer is empty */
    uint8_t count;            /* bytes queued for the output buffer */
    uint8_t reserved;         /* zero; keeps the layout free of padding */
    uint8_t data[I8042_QUEUE_SIZE];
    uint8_t origin[I8042_QUEUE_SIZE]; /* per queued byte: I8042_FROM_* flags */
};

#define I8042_FROM_AUX     0x01 /* the byte comes from the aux port (status AUXDATA) */
#define I8042_FROM_TIMEOUT 0x02 /* the device did not answer (status TIMEOUT) */

/* The controller of machine m, in its power-on state; keyboard IRQ 1, aux IRQ 12. */
struct i8042 *i8042__create(struct machine *m, struct err *err);
void i8042__destroy(struct i8042 *kbc);

void i8042__save(struct i8042 *kbc, struct i8042_state *state);
/* Replaces the state (checking it: it may come from a file) and sets the irq lines to match. */
int i8042__load(struct i8042 *kbc, const struct i8042_state *state, struct err *err);

/* Port handlers for the port-I/O bus (opaque: struct i8042 *), one range of one port each. */
extern const struct bus_ops i8042_data_bus_ops;
extern const struct bus_ops i8042_command_bus_ops;

#endif
