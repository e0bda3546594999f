// SPDX-License-Identifier: Apache-2.0
/*
 * ioapic.c - I/O APIC model (Intel 82093AA datasheet, sections "Register
 * Description" and "I/O Redirection Table Registers"; see ioapic.h).
 *
 * An edge-triggered pin sends its message on each rising edge while
 * unmasked (an edge that arrives masked is lost, as on the chip). A
 * level-triggered pin sends while asserted, unmasked and with remote IRR
 * clear, and sets remote IRR; the local APIC's EOI of its vector clears it
 * and, if the line is still asserted, the message is sent again.
 */
#include "devices/platform/ioapic.h"

#include "util/log.h"

#define IOREGSEL 0x00
#define IOWIN    0x10

#define REG_ID    0x00
#define REG_VER   0x01
#define REG_ARB   0x02
#define REG_REDIR 0x10 /* 0x10 + 2 * pin: low dword, + 1: high dword */

#define RTE_LOGICAL     (1ull << 11)
#define RTE_REMOTE_IRR  (1ull << 14)
#define RTE_LEVEL       (1ull << 15)
#define RTE_MASKED      (1ull << 16)
#define RTE_WRITABLE_LO 0x1afffull    /* all of 16:0 but delivery status and remote IRR */
#define RTE_WRITABLE_HI 0xff000000ull /* destination, bits 63:56 */

static void send(struct ioapic *io, unsigned pin)
{
    uint64_t *rte = &io->s.redirection[pin];
    if (*rte & RTE_MASKED)
        return;
    if (*rte & RTE_LEVEL)
        *rte |= RTE_REMOTE_IRR;
    struct apic_msg msg = {
        .dest = (uint32_t)(*rte >> 56),
        .vector = (uint8_t)*rte,
        .delivery = (*rte >> 8) & 7,
        .shorthand = APIC_DEST_FIELD,
        .logical = *rte & RTE_LOGICAL,
        .level = *rte & RTE_LEVEL,
        .assert = true,
    };
    io->hooks->deliver(io->opaque, &msg);
}

void ioapic__init(struct ioapic *io, uint32_t id, const struct ioapic_hooks *hooks, void *opaque)
{
    pthread_mutex_init(&io->lock, NULL);
    io->hooks = hooks;
    io->opaque = opaque;
    io->s = (struct ioapic_state){.version = IOAPIC_STATE_VERSION, .id = id & 0xf};
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
        io->s.redirection[pin] = RTE_MASKED;
}

void ioapic__destroy(struct ioapic *io)
{
    pthread_mutex_destroy(&io->lock);
}

void ioapic__set_irq(struct ioapic *io, unsigned pin, bool level)
{
    if (pin >= IOAPIC_PINS) {
        log_ratelimited("ioapic: no pin %u", pin);
        return;
    }
    pthread_mutex_lock(&io->lock);
    const uint32_t bit = 1u << pin;
    const bool was = io->s.lines & bit;
    const uint64_t rte = io->s.redirection[pin];
    if (level) {
        io->s.lines |= bit;
        if ((rte & RTE_LEVEL) ? !(rte & RTE_REMOTE_IRR) : !was)
            send(io, pin);
    } else {
        io->s.lines &= ~bit;
    }
    pthread_mutex_unlock(&io->lock);
}

void ioapic__eoi(struct ioapic *io, uint8_t vector)
{
    pthread_mutex_lock(&io->lock);
    for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
        uint64_t *rte = &io->s.redirection[pin];
        if ((*rte & (RTE_LEVEL | RTE_REMOTE_IRR)) != (RTE_LEVEL | RTE_REMOTE_IRR) ||
            (uint8_t)*rte != vector)
            continue;
        *rte &= ~RTE_REMOTE_IRR;
        if (io->s.lines & (1u << pin))
            send(io, pin);
    }
    pthread_mutex_unlock(&io->lock);
}

static uint32_t read_reg(const struct ioapic *io, uint32_t reg)
{
    if (reg >= REG_REDIR && reg < REG_REDIR + 2 * IOAPIC_PINS) {
        uint64_t rte = io->s.redirection[(reg - REG_REDIR) / 2];
        return (reg & 1) ? (uint32_t)(rte >> 32) : (uint32_t)rte;
    }
    switch (reg) {
    case REG_ID:
    case REG_ARB: return io->s.id << 24;
    case REG_VER: return IOAPIC_VERSION | ((IOAPIC_PINS - 1) << 16);
    default: log_ratelimited("ioapic: read of register %#x", reg); return 0;
    }
}

static void write_reg(struct ioapic *io, uint32_t reg, uint32_t value)
{
    if (reg >= REG_REDIR && reg < REG_REDIR + 2 * IOAPIC_PINS) {
        const unsigned pin = (reg - REG_REDIR) / 2;
        uint64_t *rte = &io->s.redirection[pin];
        if (reg & 1) {
            *rte = (*rte & 0xffffffffull) | ((uint64_t)(value & RTE_WRITABLE_HI) << 32);
            return;
        }
        *rte = (*rte & ~RTE_WRITABLE_LO) | (value & RTE_WRITABLE_LO);
        if (!(*rte & RTE_LEVEL))
            *rte &= ~RTE_REMOTE_IRR;
        /* unmasking a level line that is held sends it now */
        else if ((io->s.lines & (1u << pin)) && !(*rte & RTE_REMOTE_IRR))
            send(io, pin);
        return;
    }
    switch (reg) {
    case REG_ID: io->s.id = (value >> 24) & 0xf; break;
    default: log_ratelimited("ioapic: write of %#x to register %#x ignored", value, reg); break;
    }
}

static uint64_t mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    struct ioapic *io = opaque;
    if (size > 4 || (offset != IOREGSEL && offset != IOWIN)) {
        log_ratelimited("ioapic: read of %u bytes at offset %#llx", size,
                        (unsigned long long)offset);
        return 0;
    }
    pthread_mutex_lock(&io->lock);
    uint32_t value = offset == IOREGSEL ? io->s.regsel : read_reg(io, io->s.regsel);
    pthread_mutex_unlock(&io->lock);
    return size == 4 ? value : value & ((1u << (size * 8)) - 1);
}

static void mmio_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    struct ioapic *io = opaque;
    if (size != 4 || (offset != IOREGSEL && offset != IOWIN)) {
        log_ratelimited("ioapic: write of %u bytes at offset %#llx ignored", size,
                        (unsigned long long)offset);
        return;
    }
    pthread_mutex_lock(&io->lock);
    if (offset == IOREGSEL)
        io->s.regsel = (uint32_t)value & 0xff;
    else
        write_reg(io, io->s.regsel, (uint32_t)value);
    pthread_mutex_unlock(&io->lock);
}

static const struct bus_ops ioapic_ops = {.read = mmio_read, .write = mmio_write};

int ioapic__register(struct ioapic *io, struct bus *mmio, uint64_t base, struct err *err)
{
    return bus__register(mmio, base, IOAPIC_MMIO_SIZE, &ioapic_ops, io, "ioapic", err);
}

void ioapic__save(struct ioapic *io, struct ioapic_state *out)
{
    pthread_mutex_lock(&io->lock);
    *out = io->s;
    pthread_mutex_unlock(&io->lock);
}

int ioapic__load(struct ioapic *io, const struct ioapic_state *in, struct err *err)
{
    if (in->version != IOAPIC_STATE_VERSION)
        return err__set(err, "ioapic: state version %u, expected %u", in->version,
                        IOAPIC_STATE_VERSION);
    pthread_mutex_lock(&io->lock);
    io->s = *in;
    pthread_mutex_unlock(&io->lock);
    return 0;
}
