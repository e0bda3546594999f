// SPDX-License-Identifier: Apache-2.0
/*
 * uart8250.c - 16550A UART register model (see uart8250.h).
 *
 * Follows the National Semiconductor PC16550D datasheet: registers and DLAB
 * (table II), interrupt identification and priorities (table IV), FIFO
 * control, loopback (section 8.6). Transmission is instantaneous, so THR
 * and the transmitter are always empty (LSR.THRE and TEMT read 1) and the
 * THRE interrupt becomes pending again after every THR write. A receive
 * FIFO holding fewer bytes than the trigger level reports the character
 * timeout at once: the four character times a real chip waits are not worth
 * a timer to a guest. Modem lines from the host side are always up (DCD,
 * DSR, CTS), as with QEMU's and Firecracker's UARTs.
 *
 * The interrupt line follows level semantics: it is set to "an interrupt is
 * pending" after every access, and the engine is told only of changes.
 */
#include "devices/uart8250.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/isa.h"
#include "machine/irq.h"
#include "util/log.h"

/* Register offsets */
enum {
    REG_RBR_THR_DLL = 0,
    REG_IER_DLM = 1,
    REG_IIR_FCR = 2,
    REG_LCR = 3,
    REG_MCR = 4,
    REG_LSR = 5,
    REG_MSR = 6,
    REG_SCR = 7,
};

#define IER_RDI  0x01 /* received data available */
#define IER_THRI 0x02 /* transmitter holding register empty */
#define IER_RLSI 0x04 /* receiver line status */
#define IER_MSI  0x08 /* modem status */
#define IER_MASK 0x0f

#define IIR_NO_INT     0x01
#define IIR_MSI        0x00
#define IIR_THRI       0x02
#define IIR_RDI        0x04
#define IIR_RLSI       0x06
#define IIR_RX_TIMEOUT 0x0c
#define IIR_FIFO_BITS  0xc0

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define FCR_DMA      0x08
#define FCR_TRIGGER  0xc0
#define FCR_KEPT     (FCR_ENABLE | FCR_DMA | FCR_TRIGGER)

#define LCR_DLAB 0x80

#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f

#define LSR_DR     0x01
#define LSR_OE     0x02
#define LSR_PE     0x04
#define LSR_FE     0x08
#define LSR_BI     0x10
#define LSR_THRE   0x20
#define LSR_TEMT   0x40
#define LSR_ERRORS (LSR_OE | LSR_PE | LSR_FE | LSR_BI)

#define MSR_DCTS   0x01
#define MSR_DDSR   0x02
#define MSR_TERI   0x04
#define MSR_DDCD   0x08
#define MSR_DELTAS 0x0f
#define MSR_CTS    0x10
#define MSR_DSR    0x20
#define MSR_RI     0x40
#define MSR_DCD    0x80
#define MSR_LINES  0xf0

/* Line states the host side presents outside loopback: a cable with a ready peer. */
#define HOST_MODEM_LINES (MSR_DCD | MSR_DSR | MSR_CTS)

/* Saved state has no implicit padding: its bytes are all defined. */
_Static_assert(sizeof(struct uart8250_state) == 32, "uart8250_state layout");

struct uart8250 {
    pthread_mutex_t lock;
    struct uart8250_state s;
    struct irq_line irq;
    bool irq_level;  /* level last given to the engine */
    bool rx_refused; /* receive() turned bytes away; tell rx_ready when room appears */
    uart8250_tx_fn *tx;
    void *tx_opaque;
    uart8250_rx_ready_fn *rx_ready;
    void *rx_ready_opaque;
};

static void tx_to_stdout(void *opaque, uint8_t byte)
{
    (void)opaque;
    ssize_t n;
    do
        n = write(STDOUT_FILENO, &byte, 1);
    while (n < 0 && errno == EINTR);
}

static void reset_state(struct uart8250_state *s)
{
    memset(s, 0, sizeof(*s));
    s->version = UART8250_STATE_VERSION;
    s->msr = HOST_MODEM_LINES;
    s->dll = 0x0c; /* 9600 baud, the usual power-on divisor */
}

struct uart8250 *uart8250__create(struct machine *m, unsigned gsi, struct err *err)
{
    struct uart8250 *uart = calloc(1, sizeof(*uart));
    if (!uart) {
        err__set(err, "uart8250: out of memory");
        return NULL;
    }
    pthread_mutex_init(&uart->lock, NULL);
    reset_state(&uart->s);
    irq_line__init(&uart->irq, m, gsi);
    uart->tx = tx_to_stdout;
    return uart;
}

void uart8250__destroy(struct uart8250 *uart)
{
    if (!uart)
        return;
    pthread_mutex_destroy(&uart->lock);
    free(uart);
}

void uart8250__set_tx(struct uart8250 *uart, uart8250_tx_fn *fn, void *opaque)
{
    pthread_mutex_lock(&uart->lock);
    uart->tx = fn;
    uart->tx_opaque = opaque;
    pthread_mutex_unlock(&uart->lock);
}

void uart8250__set_rx_ready(struct uart8250 *uart, uart8250_rx_ready_fn *fn, void *opaque)
{
    pthread_mutex_lock(&uart->lock);
    uart->rx_ready = fn;
    uart->rx_ready_opaque = opaque;
    pthread_mutex_unlock(&uart->lock);
}

static bool fifo_enabled(const struct uart8250_state *s)
{
    return s->fcr & FCR_ENABLE;
}

static bool loopback(const struct uart8250_state *s)
{
    return s->mcr & MCR_LOOP;
}

/* Bytes the receiver holds: the FIFO, or just the holding register in 16450 mode. */
static unsigned rx_capacity(const struct uart8250_state *s)
{
    return fifo_enabled(s) ? UART8250_FIFO_SIZE : 1;
}

static unsigned rx_trigger_level(const struct uart8250_state *s)
{
    static const uint8_t levels[4] = {1, 4, 8, 14};
    return levels[(s->fcr & FCR_TRIGGER) >> 6];
}

/* The highest-priority pending interrupt, as IIR bits 0-3 (datasheet table IV). */
static uint8_t pending_interrupt(const struct uart8250_state *s)
{
    if ((s->ier & IER_RLSI) && (s->lsr_errors & LSR_ERRORS))
        return IIR_RLSI;
    if ((s->ier & IER_RDI) && s->rx_count) {
        if (!fifo_enabled(s) || s->rx_count >= rx_trigger_level(s))
            return IIR_RDI;
        return IIR_RX_TIMEOUT;
    }
    if ((s->ier & IER_THRI) && s->thre_pending)
        return IIR_THRI;
    if ((s->ier & IER_MSI) && (s->msr & MSR_DELTAS))
        return IIR_MSI;
    return IIR_NO_INT;
}

static void update_irq(struct uart8250 *uart)
{
    bool level = pending_interrupt(&uart->s) != IIR_NO_INT;
    if (level != uart->irq_level) {
        uart->irq_level = level;
        irq_line__set(&uart->irq, level);
    }
}

static void rx_clear(struct uart8250_state *s)
{
    s->rx_count = 0;
}

/* A byte arriving at the receiver from the loopback path; the FIFO may overrun. */
static void rx_loopback(struct uart8250_state *s, uint8_t byte)
{
    if (s->rx_count < rx_capacity(s)) {
        s->rx_fifo[s->rx_count++] = byte;
        return;
    }
    s->lsr_errors |= LSR_OE;
    if (!fifo_enabled(s))
        s->rx_fifo[0] = byte; /* 16450: the new byte overwrites the unread one */
}

static uint8_t rx_pop(struct uart8250_state *s)
{
    if (s->rx_count) {
        s->rbr = s->rx_fifo[0];
        s->rx_count--;
        memmove(&s->rx_fifo[0], &s->rx_fifo[1], s->rx_count);
    }
    return s->rbr;
}

/* Modem status lines as the UART sees them: its own outputs in loopback (section 8.6). */
static uint8_t modem_lines(const struct uart8250_state *s)
{
    if (!loopback(s))
        return HOST_MODEM_LINES;
    uint8_t lines = 0;
    if (s->mcr & MCR_RTS)
        lines |= MSR_CTS;
    if (s->mcr & MCR_DTR)
        lines |= MSR_DSR;
    if (s->mcr & MCR_OUT1)
        lines |= MSR_RI;
    if (s->mcr & MCR_OUT2)
        lines |= MSR_DCD;
    return lines;
}

static void update_modem_status(struct uart8250_state *s)
{
    uint8_t old = s->msr & MSR_LINES, now = modem_lines(s);
    uint8_t deltas = s->msr & MSR_DELTAS;
    if ((old ^ now) & MSR_CTS)
        deltas |= MSR_DCTS;
    if ((old ^ now) & MSR_DSR)
        deltas |= MSR_DDSR;
    if ((old & MSR_RI) && !(now & MSR_RI))
        deltas |= MSR_TERI; /* trailing edge only */
    if ((old ^ now) & MSR_DCD)
        deltas |= MSR_DDCD;
    s->msr = now | deltas;
}

static void write_fcr(struct uart8250_state *s, uint8_t value)
{
    /* Toggling the FIFO enable empties both FIFOs. */
    if ((value ^ s->fcr) & FCR_ENABLE)
        rx_clear(s);
    /* The other bits are only programmed together with the enable bit. */
    if (!(value & FCR_ENABLE)) {
        s->fcr = 0;
        return;
    }
    if (value & FCR_CLEAR_RX)
        rx_clear(s);
    /* FCR_CLEAR_TX: the transmitter is always empty already. */
    s->fcr = value & FCR_KEPT;
}

static void write_register(struct uart8250 *uart, unsigned reg, uint8_t value)
{
    struct uart8250_state *s = &uart->s;
    bool dlab = s->lcr & LCR_DLAB;

    switch (reg) {
    case REG_RBR_THR_DLL:
        if (dlab) {
            s->dll = value;
            break;
        }
        if (loopback(s))
            rx_loopback(s, value);
        else
            uart->tx(uart->tx_opaque, value);
        s->thre_pending = 1;
        break;
    case REG_IER_DLM:
        if (dlab) {
            s->dlm = value;
            break;
        }
        /* Enabling the THRE interrupt while THR is empty raises it at once. */
        if (!(s->ier & IER_THRI) && (value & IER_THRI))
            s->thre_pending = 1;
        s->ier = value & IER_MASK;
        break;
    case REG_IIR_FCR: write_fcr(s, value); break;
    case REG_LCR: s->lcr = value; break;
    case REG_MCR:
        s->mcr = value & MCR_MASK;
        update_modem_status(s);
        break;
    case REG_LSR:
    case REG_MSR: break; /* read-only (factory test on real parts) */
    case REG_SCR: s->scr = value; break;
    }
}

static uint8_t read_register(struct uart8250 *uart, unsigned reg)
{
    struct uart8250_state *s = &uart->s;
    bool dlab = s->lcr & LCR_DLAB;
    uint8_t value = 0;

    switch (reg) {
    case REG_RBR_THR_DLL: value = dlab ? s->dll : rx_pop(s); break;
    case REG_IER_DLM: value = dlab ? s->dlm : s->ier; break;
    case REG_IIR_FCR: {
        uint8_t id = pending_interrupt(s);
        if (id == IIR_THRI)
            s->thre_pending = 0; /* reading IIR is what acknowledges THRE */
        value = id | (fifo_enabled(s) ? IIR_FIFO_BITS : 0);
        break;
    }
    case REG_LCR: value = s->lcr; break;
    case REG_MCR: value = s->mcr; break;
    case REG_LSR:
        value = s->lsr_errors | LSR_THRE | LSR_TEMT | (s->rx_count ? LSR_DR : 0);
        s->lsr_errors = 0;
        break;
    case REG_MSR:
        value = s->msr;
        s->msr &= ~MSR_DELTAS;
        break;
    case REG_SCR: value = s->scr; break;
    }
    return value;
}

/*
 * Ends an access: brings the irq line up to date, tells the host if it was
 * turned away and there is room now, and drops the lock. The callback runs
 * under the lock so that once uart8250__set_rx_ready() has replaced it, the
 * old one is never called again.
 */
static void finish_access(struct uart8250 *uart)
{
    update_irq(uart);
    if (uart->rx_refused && !loopback(&uart->s) && uart->s.rx_count < rx_capacity(&uart->s)) {
        uart->rx_refused = false;
        if (uart->rx_ready)
            uart->rx_ready(uart->rx_ready_opaque);
    }
    pthread_mutex_unlock(&uart->lock);
}

static uint64_t bus_read(void *opaque, uint64_t offset, unsigned size)
{
    struct uart8250 *uart = opaque;
    pthread_mutex_lock(&uart->lock);
    uint8_t value = read_register(uart, (unsigned)offset % UART8250_NR_REGS);
    finish_access(uart);
    return isa__widen_read(value, size);
}

static void bus_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    struct uart8250 *uart = opaque;
    (void)size;
    pthread_mutex_lock(&uart->lock);
    write_register(uart, (unsigned)offset % UART8250_NR_REGS, (uint8_t)value);
    finish_access(uart);
}

const struct bus_ops uart8250_bus_ops = {.read = bus_read, .write = bus_write};

size_t uart8250__receive(struct uart8250 *uart, const uint8_t *bytes, size_t n)
{
    pthread_mutex_lock(&uart->lock);
    struct uart8250_state *s = &uart->s;
    size_t taken = 0;
    /* In loopback the serial input is disconnected: the host waits. */
    if (!loopback(s))
        while (taken < n && s->rx_count < rx_capacity(s))
            s->rx_fifo[s->rx_count++] = bytes[taken++];
    if (taken < n)
        uart->rx_refused = true;
    update_irq(uart);
    pthread_mutex_unlock(&uart->lock);
    return taken;
}

void uart8250__save(struct uart8250 *uart, struct uart8250_state *state)
{
    pthread_mutex_lock(&uart->lock);
    *state = uart->s;
    pthread_mutex_unlock(&uart->lock);
}

int uart8250__load(struct uart8250 *uart, const struct uart8250_state *state, struct err *err)
{
    if (state->version != UART8250_STATE_VERSION)
        return err__set(err, "uart8250: unsupported state version %u", state->version);
    struct uart8250_state s = *state;
    s.ier &= IER_MASK;
    s.fcr &= FCR_KEPT;
    s.mcr &= MCR_MASK;
    s.lsr_errors &= LSR_ERRORS;
    s.thre_pending = !!s.thre_pending;
    if (s.rx_count > rx_capacity(&s))
        return err__set(err, "uart8250: bad state: %u bytes in a %u-byte receiver", s.rx_count,
                        rx_capacity(&s));

    pthread_mutex_lock(&uart->lock);
    uart->s = s;
    uart->irq_level = pending_interrupt(&s) != IIR_NO_INT;
    irq_line__set(&uart->irq, uart->irq_level);
    finish_access(uart);
    return 0;
}
