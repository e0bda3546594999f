/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pic8259.h - the two cascaded 8259A programmable interrupt controllers of a
 * PC (Intel 8259A datasheet; ELCR as in the PIIX/ICH datasheets): master at
 * ports 0x20/0x21, slave at 0xa0/0xa1 on the master's IRQ 2, edge/level
 * control registers at 0x4d0/0x4d1.
 *
 * Modelled: ICW1-ICW4 (ICW3 is taken as the PC's fixed cascade; single mode
 * and the 8080 call mode are not), OCW1 (IMR), OCW2 (non-specific, specific
 * and rotating EOI, set priority, rotate in auto-EOI), OCW3 (IRR/ISR read,
 * poll, special mask), auto-EOI and special fully nested mode. The INTR
 * output goes to the local APICs' LINT0 through hooks->intr; the CPU's
 * interrupt-acknowledge cycle is pic8259__intack.
 *
 * At power-on every IRQ is masked (IMR 0xff), as a BIOS leaves it: a guest
 * that never programs the PIC never sees its interrupts.
 */
#ifndef STRATA_DEVICES_PLATFORM_PIC8259_H
#define STRATA_DEVICES_PLATFORM_PIC8259_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "machine/bus.h"
#include "util/err.h"

#define PIC_IRQS        16
#define PIC_MASTER_PORT 0x20
#define PIC_SLAVE_PORT  0xa0
#define PIC_ELCR_PORT   0x4d0

struct pic8259_hooks {
    /* The INTR output changed (called with the PIC's lock held). */
    void (*intr)(void *opaque, bool level);
};

/* One 8259A. */
struct pic8259_chip {
    uint8_t irr, imr, isr;
    uint8_t lines; /* input levels, for edge detection */
    uint8_t elcr, elcr_mask;
    uint8_t priority_add; /* the IRQ with the highest priority, after rotation */
    uint8_t irq_base;     /* ICW2: vector of IRQ 0 */
    uint8_t init_state;   /* 0: ready, 1-3: expecting ICW2-ICW4 */
    uint8_t init4;        /* ICW1 says an ICW4 follows */
    uint8_t read_isr;     /* OCW3: reads at the command port return ISR, not IRR */
    uint8_t poll;
    uint8_t special_mask;
    uint8_t auto_eoi;
    uint8_t rotate_on_auto_eoi;
    uint8_t special_fully_nested;
};

#define PIC8259_STATE_VERSION 1

struct pic8259_state {
    uint32_t version;
    struct pic8259_chip chip[2]; /* master, slave */
    uint8_t intr;                /* the INTR output */
};

struct pic8259 {
    pthread_mutex_t lock;
    const struct pic8259_hooks *hooks;
    void *opaque;
    struct pic8259_state s;
};

void pic8259__init(struct pic8259 *pic, const struct pic8259_hooks *hooks, void *opaque);
void pic8259__destroy(struct pic8259 *pic);
/* Puts the two chips and the ELCR on the port-I/O bus. */
int pic8259__register(struct pic8259 *pic, struct bus *pio, struct err *err);

/* The level of ISA IRQ 0-15 (any thread); IRQ 2 is the cascade and is not a device line. */
void pic8259__set_irq(struct pic8259 *pic, unsigned irq, bool level);
/* Interrupt acknowledge: the vector of the highest-priority request (IRR -> ISR), or a spurious
 * IRQ 7. */
uint8_t pic8259__intack(struct pic8259 *pic);

void pic8259__save(struct pic8259 *pic, struct pic8259_state *out);
int pic8259__load(struct pic8259 *pic, const struct pic8259_state *in, struct err *err);

#endif
