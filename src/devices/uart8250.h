/* SPDX-License-Identifier: Apache-2.0 */
/*
 * uart8250.h - a 16550A UART (8250 family), as on a PC's COM1.
 *
 * Eight byte-wide registers on the port-I/O bus, one interrupt line. The
 * guest's transmitted bytes go to a sink (stdout unless told otherwise);
 * bytes from the host enter the receive FIFO through uart8250__receive(),
 * which applies back-pressure instead of overrunning: what does not fit is
 * refused and the host is told when room appears. Thread-safe: vCPU threads
 * and a console thread may call in at the same time.
 */
#ifndef STRATA_DEVICES_UART8250_H
#define STRATA_DEVICES_UART8250_H

#include <stddef.h>
#include <stdint.h>

#include "machine/bus.h"
#include "util/err.h"

struct machine;
struct uart8250;

#define UART8250_NR_REGS       8
#define UART8250_FIFO_SIZE     16
#define UART8250_STATE_VERSION 1

/* The guest-visible state, as saved in a snapshot: plain data, no pointers. */
struct uart8250_state {
    uint32_t version;
    uint8_t ier;          /* interrupt enable, low 4 bits */
    uint8_t fcr;          /* FIFO control as last written: enable, DMA mode, trigger level */
    uint8_t lcr;          /* line control; bit 7 is DLAB */
    uint8_t mcr;          /* modem control, low 5 bits; bit 4 is loopback */
    uint8_t lsr_errors;   /* sticky line-status error bits (overrun), cleared by reading LSR */
    uint8_t msr;          /* modem status: line states (high nibble) and deltas (low nibble) */
    uint8_t scr;          /* scratch */
    uint8_t dll, dlm;     /* divisor latch */
    uint8_t rbr;          /* last byte read from the receiver, read again while it is empty */
    uint8_t thre_pending; /* THR-empty interrupt pending (cleared by IIR read or THR write) */
    uint8_t rx_count;
    uint8_t rx_fifo[UART8250_FIFO_SIZE]; /* rx_fifo[0] is the oldest byte */
};

/* Where transmitted bytes go. Called with the UART's lock held: must not call back into it. */
typedef void uart8250_tx_fn(void *opaque, uint8_t byte);
/*
 * Told that the receive FIFO has room again after uart8250__receive refused
 * bytes. Called with the UART's lock held: must only signal, never call back.
 */
typedef void uart8250_rx_ready_fn(void *opaque);

/* A UART in its reset state raising `gsi` on m's interrupt controllers; its sink is stdout. */
struct uart8250 *uart8250__create(struct machine *m, unsigned gsi, struct err *err);
void uart8250__destroy(struct uart8250 *uart);

void uart8250__set_tx(struct uart8250 *uart, uart8250_tx_fn *fn, void *opaque);
void uart8250__set_rx_ready(struct uart8250 *uart, uart8250_rx_ready_fn *fn, void *opaque);

/*
 * Offers n bytes from the host to the receiver; returns how many it took
 * (fewer when the FIFO is full or the UART is in loopback). When it takes
 * fewer than n, the rx_ready callback runs once room appears.
 */
size_t uart8250__receive(struct uart8250 *uart, const uint8_t *bytes, size_t n);

void uart8250__save(struct uart8250 *uart, struct uart8250_state *state);
/* Replaces the state (checking it: it may come from a file) and sets the irq line to match. */
int uart8250__load(struct uart8250 *uart, const struct uart8250_state *state, struct err *err);

/* Register access for the port-I/O bus (opaque: struct uart8250 *), base = the UART's first port.
 */
extern const struct bus_ops uart8250_bus_ops;

#endif
