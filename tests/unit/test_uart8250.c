// SPDX-License-Identifier: Apache-2.0
/* test_uart8250.c - unit tests for the 16550A UART model (src/devices/uart8250.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "devices/uart8250.h"
#include "fake_machine.h"

#define GSI 4

enum {
    RBR = 0,
    THR = 0,
    DLL = 0,
    IER = 1,
    DLM = 1,
    IIR = 2,
    FCR = 2,
    LCR = 3,
    MCR = 4,
    LSR = 5,
    MSR = 6,
    SCR = 7
};

struct fixture {
    struct machine m;
    struct uart8250 *uart;
    uint8_t sent[64];
    size_t nsent;
    unsigned rx_ready_calls;
};

static void capture_tx(void *opaque, uint8_t byte)
{
    struct fixture *f = opaque;
    if (f->nsent < sizeof(f->sent))
        f->sent[f->nsent++] = byte;
}

static void count_rx_ready(void *opaque)
{
    struct fixture *f = opaque;
    f->rx_ready_calls++;
}

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof(f));
    fake_machine__init(&f.m, 16 << 20);
    struct err err;
    f.uart = uart8250__create(&f.m, GSI, &err);
    assert_non_null(f.uart);
    uart8250__set_tx(f.uart, capture_tx, &f);
    uart8250__set_rx_ready(f.uart, count_rx_ready, &f);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    uart8250__destroy(f->uart);
    fake_machine__destroy(&f->m);
    return 0;
}

static uint8_t rd(struct fixture *f, unsigned reg)
{
    return (uint8_t)uart8250_bus_ops.read(f->uart, reg, 1);
}

static void wr(struct fixture *f, unsigned reg, uint8_t value)
{
    uart8250_bus_ops.write(f->uart, reg, 1, value);
}

static bool irq_level(void)
{
    return fake_irqs[GSI].level;
}

static void reset_values(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(rd(f, IER), 0);
    assert_int_equal(rd(f, IIR), 0x01); /* no interrupt, FIFOs off */
    assert_int_equal(rd(f, LCR), 0);
    assert_int_equal(rd(f, MCR), 0);
    assert_int_equal(rd(f, LSR), 0x60); /* THRE | TEMT */
    assert_int_equal(rd(f, MSR), 0xb0); /* DCD | DSR | CTS, no deltas */
    assert_false(irq_level());
    assert_int_equal(fake_irqs[GSI].calls, 0);
}

static void scratch_and_masks(void **state)
{
    struct fixture *f = *state;
    wr(f, SCR, 0xa5);
    assert_int_equal(rd(f, SCR), 0xa5);
    wr(f, IER, 0xff); /* only the low nibble exists (Linux tells XScale UARTs by bit 6) */
    assert_int_equal(rd(f, IER), 0x0f);
    wr(f, MCR, 0xff);
    assert_int_equal(rd(f, MCR), 0x1f);
    /* A 16-bit read reaches the low byte; upper lanes float high. */
    assert_int_equal(uart8250_bus_ops.read(f->uart, SCR, 2), 0xffa5);
}

static void divisor_latch(void **state)
{
    struct fixture *f = *state;
    wr(f, IER, 0x05);
    wr(f, LCR, 0x83); /* DLAB, 8N1 */
    wr(f, DLL, 0x01);
    wr(f, DLM, 0x02);
    assert_int_equal(rd(f, DLL), 0x01);
    assert_int_equal(rd(f, DLM), 0x02);
    assert_int_equal(f->nsent, 0); /* DLL writes are not transmitted */
    wr(f, LCR, 0x03);
    assert_int_equal(rd(f, IER), 0x05); /* untouched by the DLM write */
    wr(f, THR, 'x');
    assert_int_equal(f->nsent, 1);
    assert_int_equal(f->sent[0], 'x');
    wr(f, LCR, 0x83);
    assert_int_equal(rd(f, DLL), 0x01);
}

static void transmit_goes_to_sink(void **state)
{
    struct fixture *f = *state;
    const char *msg = "hello\r\n";
    for (const char *p = msg; *p; p++) {
        assert_true(rd(f, LSR) & 0x20);
        wr(f, THR, (uint8_t)*p);
    }
    assert_int_equal(f->nsent, strlen(msg));
    assert_memory_equal(f->sent, msg, strlen(msg));
    assert_int_equal(rd(f, LSR), 0x60);
}

/* The check Linux's 8250 autoconfig does before believing a UART is there. */
static void loopback_probe(void **state)
{
    struct fixture *f = *state;
    wr(f, MCR, 0x10 | 0x0a);                   /* LOOP | RTS | OUT2 */
    assert_int_equal(rd(f, MSR) & 0xf0, 0x90); /* CTS | DCD */
    wr(f, MCR, 0x10 | 0x05);                   /* LOOP | DTR | OUT1 */
    assert_int_equal(rd(f, MSR) & 0xf0, 0x60); /* DSR | RI */
}

static void loopback_data_stays_inside(void **state)
{
    struct fixture *f = *state;
    wr(f, MCR, 0x10);
    wr(f, THR, 'A');
    assert_int_equal(f->nsent, 0);
    assert_int_equal(rd(f, LSR) & 0x01, 0x01);
    assert_int_equal(rd(f, RBR), 'A');
    assert_int_equal(rd(f, LSR) & 0x01, 0);
    /* Host input waits while in loopback. */
    assert_int_equal(uart8250__receive(f->uart, (const uint8_t *)"h", 1), 0);
    wr(f, MCR, 0x00);
    assert_int_equal(f->rx_ready_calls, 1);
    assert_int_equal(uart8250__receive(f->uart, (const uint8_t *)"h", 1), 1);
    wr(f, THR, 'B');
    assert_int_equal(f->nsent, 1);
    assert_int_equal(f->sent[0], 'B');
}

static void modem_status_deltas(void **state)
{
    struct fixture *f = *state;
    wr(f, IER, 0x08); /* modem status interrupt */
    assert_false(irq_level());
    wr(f, MCR, 0x10);                   /* loopback with all outputs off: DCD, DSR, CTS drop */
    assert_int_equal(rd(f, IIR), 0x00); /* modem status interrupt pending */
    assert_true(irq_level());
    assert_int_equal(rd(f, MSR), 0x0b); /* DDCD | DDSR | DCTS, lines low */
    assert_false(irq_level());
    assert_int_equal(rd(f, MSR), 0x00);
    wr(f, MCR, 0x14); /* RI rises: no delta (trailing edge only) */
    assert_int_equal(rd(f, MSR), 0x40);
    wr(f, MCR, 0x10); /* RI falls */
    assert_int_equal(rd(f, MSR), 0x04);
}

static void thre_interrupt(void **state)
{
    struct fixture *f = *state;
    wr(f, IER, 0x02); /* enabling it with THR empty raises it at once */
    assert_true(irq_level());
    assert_int_equal(rd(f, IIR), 0x02);
    assert_false(irq_level()); /* reading IIR acknowledged it */
    assert_int_equal(rd(f, IIR), 0x01);
    wr(f, THR, 'a'); /* THR empties at once: pending again */
    assert_true(irq_level());
    wr(f, IER, 0x00);
    assert_false(irq_level());
    assert_int_equal(rd(f, IIR), 0x01);
    assert_int_equal(fake_irqs[GSI].rises, 2);
}

static void receive_without_fifo(void **state)
{
    struct fixture *f = *state;
    const uint8_t in[] = {'1', '2'};
    wr(f, IER, 0x01);
    assert_int_equal(uart8250__receive(f->uart, in, 2), 1); /* one holding register */
    assert_true(irq_level());
    assert_int_equal(rd(f, IIR), 0x04);
    assert_int_equal(rd(f, LSR), 0x61);
    assert_int_equal(f->rx_ready_calls, 0);
    assert_int_equal(rd(f, RBR), '1');
    assert_false(irq_level());
    assert_int_equal(f->rx_ready_calls, 1);
    assert_int_equal(uart8250__receive(f->uart, in + 1, 1), 1);
    assert_int_equal(rd(f, RBR), '2');
    assert_int_equal(rd(f, RBR), '2'); /* empty: the last byte again */
    assert_int_equal(rd(f, LSR) & 0x01, 0);
}

static void fifo_and_trigger_levels(void **state)
{
    struct fixture *f = *state;
    uint8_t in[20];
    for (unsigned i = 0; i < sizeof(in); i++)
        in[i] = (uint8_t)('a' + i);

    wr(f, FCR, 0x41); /* FIFO on, trigger at 4 bytes */
    wr(f, IER, 0x01);
    assert_int_equal(rd(f, IIR), 0xc1);
    assert_int_equal(uart8250__receive(f->uart, in, 2), 2);
    assert_int_equal(rd(f, IIR), 0xcc); /* below trigger: character timeout */
    assert_int_equal(uart8250__receive(f->uart, in + 2, 2), 2);
    assert_int_equal(rd(f, IIR), 0xc4);                           /* at trigger: data available */
    assert_int_equal(uart8250__receive(f->uart, in + 4, 16), 12); /* 16 bytes deep */
    assert_int_equal(f->rx_ready_calls, 0);
    for (unsigned i = 0; i < 16; i++) {
        assert_true(irq_level());
        assert_int_equal(rd(f, RBR), in[i]);
        assert_int_equal(f->rx_ready_calls, 1); /* told once, on the first room */
    }
    assert_false(irq_level());
    assert_int_equal(rd(f, IIR), 0xc1);

    assert_int_equal(uart8250__receive(f->uart, in, 3), 3);
    wr(f, FCR, 0x43); /* clear the receive FIFO */
    assert_int_equal(rd(f, LSR) & 0x01, 0);
    assert_false(irq_level());
    assert_int_equal(uart8250__receive(f->uart, in, 3), 3);
    wr(f, FCR, 0x00); /* FIFOs off: emptied too */
    assert_int_equal(rd(f, LSR) & 0x01, 0);
    assert_int_equal(rd(f, IIR), 0x01);
}

static void overrun_and_priorities(void **state)
{
    struct fixture *f = *state;
    wr(f, FCR, 0xc1); /* FIFO on, trigger at 14 */
    wr(f, MCR, 0x10);
    for (unsigned i = 0; i < 17; i++)
        wr(f, THR, (uint8_t)i);
    wr(f, IER, 0x0f);
    assert_int_equal(rd(f, IIR), 0xc6); /* line status first */
    assert_int_equal(rd(f, LSR), 0x63); /* OE | DR | THRE | TEMT */
    assert_int_equal(rd(f, LSR), 0x61); /* OE cleared by the read */
    assert_int_equal(rd(f, IIR), 0xc4); /* then received data */
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(rd(f, RBR), i);       /* the 17th byte was lost */
    assert_int_equal(rd(f, IIR) & 0x0f, 0x02); /* then THRE */
    assert_int_equal(rd(f, IIR) & 0x0f, 0x00); /* then modem status (loopback changed lines) */
    rd(f, MSR);
    assert_int_equal(rd(f, IIR), 0xc1);
    assert_false(irq_level());
}

static void engine_told_only_of_changes(void **state)
{
    struct fixture *f = *state;
    wr(f, IER, 0x01);
    for (unsigned i = 0; i < 5; i++)
        wr(f, SCR, (uint8_t)i);
    assert_int_equal(fake_irqs[GSI].calls, 0);
    uart8250__receive(f->uart, (const uint8_t *)"z", 1);
    rd(f, LSR);
    rd(f, IIR);
    assert_int_equal(fake_irqs[GSI].calls, 1);
    rd(f, RBR);
    assert_int_equal(fake_irqs[GSI].calls, 2);
    assert_false(irq_level());
}

static void save_and_load(void **state)
{
    struct fixture *f = *state;
    struct uart8250_state saved, copy;
    struct err err;
    wr(f, FCR, 0x81);
    wr(f, LCR, 0x83);
    wr(f, DLL, 0x01);
    wr(f, LCR, 0x03);
    wr(f, SCR, 0x5a);
    wr(f, IER, 0x01);
    uart8250__receive(f->uart, (const uint8_t *)"abc", 3);
    uart8250__save(f->uart, &saved);
    assert_int_equal(saved.version, UART8250_STATE_VERSION);

    struct uart8250 *other = uart8250__create(&f->m, 5, &err);
    assert_non_null(other);
    assert_int_equal(uart8250__load(other, &saved, &err), 0);
    assert_true(fake_irqs[5].level); /* the line follows the loaded state */
    uart8250__save(other, &copy);
    assert_memory_equal(&saved, &copy, sizeof(saved));
    assert_int_equal(uart8250_bus_ops.read(other, SCR, 1), 0x5a);
    assert_int_equal(uart8250_bus_ops.read(other, RBR, 1), 'a');

    struct uart8250_state bad = saved;
    bad.version = 99;
    assert_int_equal(uart8250__load(other, &bad, &err), -1);
    bad = saved;
    bad.rx_count = 17;
    assert_int_equal(uart8250__load(other, &bad, &err), -1);
    bad.fcr = 0; /* 16450 mode holds one byte */
    bad.rx_count = 2;
    assert_int_equal(uart8250__load(other, &bad, &err), -1);
    uart8250__destroy(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(reset_values, setup, teardown),
        cmocka_unit_test_setup_teardown(scratch_and_masks, setup, teardown),
        cmocka_unit_test_setup_teardown(divisor_latch, setup, teardown),
        cmocka_unit_test_setup_teardown(transmit_goes_to_sink, setup, teardown),
        cmocka_unit_test_setup_teardown(loopback_probe, setup, teardown),
        cmocka_unit_test_setup_teardown(loopback_data_stays_inside, setup, teardown),
        cmocka_unit_test_setup_teardown(modem_status_deltas, setup, teardown),
        cmocka_unit_test_setup_teardown(thre_interrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(receive_without_fifo, setup, teardown),
        cmocka_unit_test_setup_teardown(fifo_and_trigger_levels, setup, teardown),
        cmocka_unit_test_setup_teardown(overrun_and_priorities, setup, teardown),
        cmocka_unit_test_setup_teardown(engine_told_only_of_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(save_and_load, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
