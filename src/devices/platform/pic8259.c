// SPDX-License-Identifier: Apache-2.0
/*
 * pic8259.c - the cascaded 8259A pair (Intel 8259A datasheet: "Interrupt
 * Sequence", "Initialization Command Words", "Operation Command Words",
 * "The Fully Nested Mode", "Rotation", "Special Mask Mode", "Poll Command";
 * see pic8259.h for what is modelled).
 *
 * Priorities rotate: priority_add is the IRQ that currently has the highest
 * priority. An edge-triggered IRQ latches in the IRR on a rising edge; a
 * level-triggered one (ELCR) follows its line. The slave's INT output is the
 * master's IRQ 2 request as a level: a slave request that goes away before
 * the acknowledge withdraws the cascade request too, rather than leaving a
 * spurious IRQ 7 behind.
 */
#include "devices/platform/pic8259.h"

#include "devices/isa.h"
#include "util/log.h"

#define MASTER      0
#define SLAVE       1
#define CASCADE_IRQ 2
#define NO_IRQ      8 /* "no priority level" from priority_of() */

/* Rank (0 = highest) of the best IRQ in mask given the rotation, or NO_IRQ. */
static int priority_of(const struct pic8259_chip *c, uint8_t mask)
{
    if (!mask)
        return NO_IRQ;
    int p = 0;
    while (!(mask & (1u << ((p + c->priority_add) & 7))))
        p++;
    return p;
}

/* The IRQ this chip requests the CPU for (its INT output), or -1. */
static int chip_irq(const struct pic8259_chip *c, bool master)
{
    int p = priority_of(c, c->irr & ~c->imr);
    if (p == NO_IRQ)
        return -1;
    uint8_t in_service = c->isr;
    if (c->special_mask)
        in_service &= ~c->imr;
    if (master && c->special_fully_nested)
        in_service &= ~(1u << CASCADE_IRQ); /* the slave may nest over its own IRQ 2 */
    return p < priority_of(c, in_service) ? (p + c->priority_add) & 7 : -1;
}

static void chip_set_line(struct pic8259_chip *c, unsigned irq, bool level)
{
    const uint8_t bit = (uint8_t)(1u << irq);
    if (c->elcr & bit) {
        if (level)
            c->irr |= bit;
        else
            c->irr &= (uint8_t)~bit;
    } else if (level && !(c->lines & bit)) {
        c->irr |= bit;
    }
    if (level)
        c->lines |= bit;
    else
        c->lines &= (uint8_t)~bit;
}

static void chip_intack(struct pic8259_chip *c, unsigned irq)
{
    const uint8_t bit = (uint8_t)(1u << irq);
    if (!(c->elcr & bit))
        c->irr &= (uint8_t)~bit; /* a level request stays until its line drops */
    if (!c->auto_eoi)
        c->isr |= bit;
    else if (c->rotate_on_auto_eoi)
        c->priority_add = (irq + 1) & 7;
}

/* Recomputes the cascade and the INTR output; tells the hook when INTR changes. */
static void update(struct pic8259 *pic)
{
    struct pic8259_chip *master = &pic->s.chip[MASTER];
    if (chip_irq(&pic->s.chip[SLAVE], false) >= 0)
        master->irr |= 1u << CASCADE_IRQ;
    else
        master->irr &= (uint8_t) ~(1u << CASCADE_IRQ);
    const bool intr = chip_irq(master, true) >= 0;
    if (intr != pic->s.intr) {
        pic->s.intr = intr;
        pic->hooks->intr(pic->opaque, intr);
    }
}

static void chip_power_on(struct pic8259_chip *c, uint8_t elcr_mask)
{
    *c = (struct pic8259_chip){.imr = 0xff, .elcr_mask = elcr_mask};
}

void pic8259__init(struct pic8259 *pic, const struct pic8259_hooks *hooks, void *opaque)
{
    pthread_mutex_init(&pic->lock, NULL);
    pic->hooks = hooks;
    pic->opaque = opaque;
    pic->s = (struct pic8259_state){.version = PIC8259_STATE_VERSION};
    /* IRQs 0, 1, 2 (master) and 8, 13 (slave) are always edge-triggered on a PC */
    chip_power_on(&pic->s.chip[MASTER], 0xf8);
    chip_power_on(&pic->s.chip[SLAVE], 0xde);
}

void pic8259__destroy(struct pic8259 *pic)
{
    pthread_mutex_destroy(&pic->lock);
}

void pic8259__set_irq(struct pic8259 *pic, unsigned irq, bool level)
{
    if (irq >= PIC_IRQS || irq == CASCADE_IRQ) {
        log_ratelimited("pic: irq %u is not a device line", irq);
        return;
    }
    pthread_mutex_lock(&pic->lock);
    chip_set_line(&pic->s.chip[irq >> 3], irq & 7, level);
    update(pic);
    pthread_mutex_unlock(&pic->lock);
}

uint8_t pic8259__intack(struct pic8259 *pic)
{
    pthread_mutex_lock(&pic->lock);
    struct pic8259_chip *master = &pic->s.chip[MASTER], *slave = &pic->s.chip[SLAVE];
    uint8_t vector;
    int irq = chip_irq(master, true);
    if (irq < 0) {
        vector = master->irq_base + 7; /* spurious: the request went away */
    } else {
        chip_intack(master, (unsigned)irq);
        if (irq == CASCADE_IRQ) {
            int irq2 = chip_irq(slave, false);
            if (irq2 >= 0)
                chip_intack(slave, (unsigned)irq2);
            else
                irq2 = 7;
            vector = slave->irq_base + (uint8_t)irq2;
        } else {
            vector = master->irq_base + (uint8_t)irq;
        }
    }
    update(pic);
    pthread_mutex_unlock(&pic->lock);
    return vector;
}

static void write_icw1(struct pic8259_chip *c, uint8_t value)
{
    if (value & 0x02)
        log_ratelimited("pic: single mode (ICW1 %#x) not supported, cascade kept", value);
    if (value & 0x08)
        log_ratelimited("pic: level-triggered mode (ICW1 %#x) not supported, use the ELCR", value);
    const uint8_t elcr = c->elcr, elcr_mask = c->elcr_mask;
    const uint8_t level_irr = c->irr & elcr;
    *c = (struct pic8259_chip){
        .irr = level_irr,
        .elcr = elcr,
        .elcr_mask = elcr_mask,
        .init_state = 1,
        .init4 = value & 1,
    };
}

static void write_ocw2(struct pic8259_chip *c, uint8_t value)
{
    const unsigned irq = value & 7;
    switch (value >> 5) {
    case 0: c->rotate_on_auto_eoi = 0; break;
    case 4: c->rotate_on_auto_eoi = 1; break;
    case 1: /* non-specific EOI */
    case 5: /* rotate on non-specific EOI */ {
        int p = priority_of(c, c->isr);
        if (p == NO_IRQ)
            break;
        unsigned highest = (p + c->priority_add) & 7;
        c->isr &= (uint8_t) ~(1u << highest);
        if (value >> 5 == 5)
            c->priority_add = (highest + 1) & 7;
        break;
    }
    case 3: c->isr &= (uint8_t) ~(1u << irq); break; /* specific EOI */
    case 7:                                          /* rotate on specific EOI */
        c->isr &= (uint8_t) ~(1u << irq);
        c->priority_add = (irq + 1) & 7;
        break;
    case 6: c->priority_add = (irq + 1) & 7; break; /* set priority: irq becomes the lowest */
    default: break;                                 /* 2: no operation */
    }
}

static void write_data(struct pic8259_chip *c, uint8_t value)
{
    switch (c->init_state) {
    case 0: c->imr = value; break; /* OCW1 */
    case 1:                        /* ICW2 */
        c->irq_base = value & 0xf8;
        c->init_state = 2;
        break;
    case 2: /* ICW3: the PC's cascade wiring is fixed */ c->init_state = c->init4 ? 3 : 0; break;
    default: /* ICW4 */
        if (!(value & 1))
            log_ratelimited("pic: 8080 mode (ICW4 %#x) not supported", value);
        c->auto_eoi = (value >> 1) & 1;
        c->special_fully_nested = (value >> 4) & 1;
        c->init_state = 0;
        break;
    }
}

static void chip_write(struct pic8259 *pic, unsigned chip, uint64_t port, uint64_t value)
{
    pthread_mutex_lock(&pic->lock);
    struct pic8259_chip *c = &pic->s.chip[chip];
    const uint8_t v = (uint8_t)value;
    if (port == 1)
        write_data(c, v);
    else if (v & 0x10)
        write_icw1(c, v);
    else if (v & 0x08) { /* OCW3 */
        if (v & 0x04)
            c->poll = 1;
        if (v & 0x02)
            c->read_isr = v & 1;
        if (v & 0x40)
            c->special_mask = (v >> 5) & 1;
    } else {
        write_ocw2(c, v);
    }
    update(pic);
    pthread_mutex_unlock(&pic->lock);
}

static uint8_t chip_read(struct pic8259 *pic, unsigned chip, uint64_t port)
{
    pthread_mutex_lock(&pic->lock);
    struct pic8259_chip *c = &pic->s.chip[chip];
    uint8_t value;
    if (c->poll) { /* the read is the acknowledge: bit 7 = request, bits 2:0 = its IRQ */
        c->poll = 0;
        int irq = chip_irq(c, chip == MASTER);
        if (irq >= 0)
            chip_intack(c, (unsigned)irq);
        value = irq >= 0 ? (uint8_t)(0x80 | irq) : 0;
        update(pic);
    } else if (port == 0) {
        value = c->read_isr ? c->isr : c->irr;
    } else {
        value = c->imr;
    }
    pthread_mutex_unlock(&pic->lock);
    return value;
}

static uint64_t master_read(void *opaque, uint64_t port, unsigned size)
{
    return isa__widen_read(chip_read(opaque, MASTER, port), size);
}

static void master_write(void *opaque, uint64_t port, unsigned size, uint64_t value)
{
    (void)size;
    chip_write(opaque, MASTER, port, value);
}

static uint64_t slave_read(void *opaque, uint64_t port, unsigned size)
{
    return isa__widen_read(chip_read(opaque, SLAVE, port), size);
}

static void slave_write(void *opaque, uint64_t port, unsigned size, uint64_t value)
{
    (void)size;
    chip_write(opaque, SLAVE, port, value);
}

/*
 * ELCR: port 0x4d0 for IRQs 0-7, 0x4d1 for 8-15; bit set = level-triggered.
 * Like every legacy port here, a wider access reaches the addressed byte (isa.h).
 */
static uint64_t elcr_read(void *opaque, uint64_t port, unsigned size)
{
    struct pic8259 *pic = opaque;
    pthread_mutex_lock(&pic->lock);
    uint8_t value = pic->s.chip[port].elcr;
    pthread_mutex_unlock(&pic->lock);
    return isa__widen_read(value, size);
}

static void elcr_write(void *opaque, uint64_t port, unsigned size, uint64_t value)
{
    (void)size;
    struct pic8259 *pic = opaque;
    pthread_mutex_lock(&pic->lock);
    struct pic8259_chip *c = &pic->s.chip[port];
    c->elcr = (uint8_t)value & c->elcr_mask;
    pthread_mutex_unlock(&pic->lock);
}

static const struct bus_ops master_ops = {.read = master_read, .write = master_write};
static const struct bus_ops slave_ops = {.read = slave_read, .write = slave_write};
static const struct bus_ops elcr_ops = {.read = elcr_read, .write = elcr_write};

int pic8259__register(struct pic8259 *pic, struct bus *pio, struct err *err)
{
    if (bus__register(pio, PIC_MASTER_PORT, 2, &master_ops, pic, "pic-master", err) ||
        bus__register(pio, PIC_SLAVE_PORT, 2, &slave_ops, pic, "pic-slave", err) ||
        bus__register(pio, PIC_ELCR_PORT, 2, &elcr_ops, pic, "pic-elcr", err))
        return -1;
    return 0;
}

void pic8259__save(struct pic8259 *pic, struct pic8259_state *out)
{
    pthread_mutex_lock(&pic->lock);
    *out = pic->s;
    pthread_mutex_unlock(&pic->lock);
}

int pic8259__load(struct pic8259 *pic, const struct pic8259_state *in, struct err *err)
{
    if (in->version != PIC8259_STATE_VERSION)
        return err__set(err, "pic: state version %u, expected %u", in->version,
                        PIC8259_STATE_VERSION);
    pthread_mutex_lock(&pic->lock);
    pic->s = *in;
    pthread_mutex_unlock(&pic->lock);
    return 0;
}
