// SPDX-License-Identifier: Apache-2.0
/*
 * platform.c - wires the emu platform's models together as on a PC (see
 * platform.h): the APIC bus (destination matching and lowest-priority
 * arbitration for ICR and IOAPIC messages, Intel SDM vol. 3A, APIC chapter:
 * "Determining IPI Destination"), the EOI broadcast to the IOAPIC, the
 * 8259's INTR to every LAPIC's LINT0, the PIT's channel 0 to ISA IRQ 0, and
 * the GSI routing of the MP table (ISA IRQ 0 on IOAPIC pin 2).
 */
#include "devices/platform/platform.h"

#include <stdlib.h>

#include "machine/layout.h"
#include "util/log.h"

#define ISA_CASCADE_IRQ 2
#define NO_SOURCE_VCPU  UINT32_MAX /* the IOAPIC is not a vCPU: shorthands never match it */

/* Delivers msg to its destinations; src is the sending vCPU (for the shorthands). */
static void apic_bus_send(struct platform *p, unsigned src, const struct apic_msg *msg)
{
    if (msg->delivery == APIC_DM_LOWEST) {
        /* the destination with the lowest processor priority; ties go to the lowest index */
        struct lapic *target = NULL;
        uint8_t target_ppr = 0;
        for (unsigned i = 0; i < p->ncpus; i++) {
            struct lapic *l = &p->lapics[i];
            if (!lapic__matches(l, msg, src))
                continue;
            uint8_t ppr = lapic__ppr(l);
            if (!target || ppr < target_ppr) {
                target = l;
                target_ppr = ppr;
            }
        }
        if (target)
            lapic__accept(target, msg);
        return;
    }
    for (unsigned i = 0; i < p->ncpus; i++)
        if (lapic__matches(&p->lapics[i], msg, src))
            lapic__accept(&p->lapics[i], msg);
}

static void lapic_send(void *opaque, unsigned src, const struct apic_msg *msg)
{
    apic_bus_send(opaque, src, msg);
}

static void lapic_eoi(void *opaque, uint8_t vector)
{
    struct platform *p = opaque;
    ioapic__eoi(&p->ioapic, vector);
}

static void lapic_kick(void *opaque, unsigned index)
{
    struct platform *p = opaque;
    p->ops.kick(p->ops.opaque, index);
}

static uint64_t lapic_tsc_to_ns(void *opaque, unsigned index, uint64_t tsc)
{
    struct platform *p = opaque;
    return p->ops.tsc_to_ns(p->ops.opaque, index, tsc);
}

static const struct lapic_hooks lapic_hooks = {
    .send = lapic_send,
    .eoi = lapic_eoi,
    .kick = lapic_kick,
    .tsc_to_ns = lapic_tsc_to_ns,
};

static void ioapic_deliver(void *opaque, const struct apic_msg *msg)
{
    apic_bus_send(opaque, NO_SOURCE_VCPU, msg);
}

static const struct ioapic_hooks ioapic_hooks = {.deliver = ioapic_deliver};

static void pic_intr(void *opaque, bool level)
{
    struct platform *p = opaque;
    for (unsigned i = 0; i < p->ncpus; i++)
        lapic__set_lint0(&p->lapics[i], level);
}

static const struct pic8259_hooks pic_hooks = {.intr = pic_intr};

static void pit_irq0(void *opaque)
{
    platform__set_irq(opaque, 0, true);
    platform__set_irq(opaque, 0, false);
}

static const struct pit8254_hooks pit_hooks = {.irq0 = pit_irq0};

int platform__init(struct platform *p, unsigned ncpus, const struct platform_ops *ops,
                   const struct platform_clock *clock, struct err *err)
{
    if (ncpus == 0)
        return err__set(err, "platform: no vcpus");
    p->lapics = calloc(ncpus, sizeof(*p->lapics));
    if (!p->lapics)
        return err__set(err, "platform: out of memory");
    p->ncpus = ncpus;
    p->ops = *ops;
    for (unsigned i = 0; i < ncpus; i++)
        lapic__init(&p->lapics[i], i, i == 0, &lapic_hooks, p, clock);
    ioapic__init(&p->ioapic, ncpus, &ioapic_hooks, p);
    pic8259__init(&p->pic, &pic_hooks, p);
    pit8254__init(&p->pit, &pit_hooks, p, clock);
    return 0;
}

int platform__register(struct platform *p, struct bus *pio, struct bus *mmio, struct err *err)
{
    if (ioapic__register(&p->ioapic, mmio, LAYOUT_IOAPIC_BASE, err) ||
        pic8259__register(&p->pic, pio, err) || pit8254__register(&p->pit, pio, err))
        return -1;
    return 0;
}

void platform__destroy(struct platform *p)
{
    if (!p->lapics)
        return;
    pit8254__destroy(&p->pit);
    pic8259__destroy(&p->pic);
    ioapic__destroy(&p->ioapic);
    for (unsigned i = 0; i < p->ncpus; i++)
        lapic__destroy(&p->lapics[i]);
    free(p->lapics);
    p->lapics = NULL;
}

void platform__set_irq(struct platform *p, unsigned gsi, bool level)
{
    if (gsi == ISA_CASCADE_IRQ || gsi >= IOAPIC_PINS) {
        log_ratelimited("platform: gsi %u is not a device line", gsi);
        return;
    }
    if (gsi < PIC_IRQS)
        pic8259__set_irq(&p->pic, gsi, level);
    ioapic__set_irq(&p->ioapic, gsi == 0 ? IOAPIC_ISA_IRQ0_PIN : gsi, level);
}

int platform__ack_interrupt(struct platform *p, unsigned vcpu)
{
    struct lapic *l = &p->lapics[vcpu];
    if (lapic__extint_pending(l))
        return pic8259__intack(&p->pic);
    int vector = lapic__get_interrupt(l);
    if (vector >= 0)
        lapic__ack(l, (uint8_t)vector);
    return vector;
}

uint64_t platform__next_deadline_ns(struct platform *p, unsigned vcpu)
{
    uint64_t lapic = lapic__next_deadline_ns(&p->lapics[vcpu]);
    uint64_t pit = pit8254__next_deadline_ns(&p->pit);
    return lapic < pit ? lapic : pit;
}

void platform__poll_timers(struct platform *p, unsigned vcpu, uint64_t now_ns)
{
    struct lapic *l = &p->lapics[vcpu];
    if (now_ns >= lapic__next_deadline_ns(l))
        lapic__poll_timer(l, now_ns);
    pit8254__poll(&p->pit, now_ns);
}

void platform__save(struct platform *p, struct platform_state *st)
{
    ioapic__save(&p->ioapic, &st->ioapic);
    pic8259__save(&p->pic, &st->pic);
    pit8254__save(&p->pit, &st->pit);
}

int platform__load(struct platform *p, const struct platform_state *st, struct err *err)
{
    if (ioapic__load(&p->ioapic, &st->ioapic, err) || pic8259__load(&p->pic, &st->pic, err) ||
        pit8254__load(&p->pit, &st->pit, err))
        return -1;
    return 0;
}
