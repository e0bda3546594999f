// SPDX-License-Identifier: Apache-2.0
/*
 * irq.c - interrupt lines into the kvm engine's in-kernel PIC and IOAPIC.
 *
 * GSIs 0-15 are the ISA IRQs, wired to the 8259 pair and to the IOAPIC pin
 * of the same number, except IRQ 0, whose IOAPIC pin is 2, and IRQ 2 (the
 * 8259 cascade), which goes nowhere: the routing of a PC, which the MP table
 * describes (mptable.c) and QEMU sets up the same way (kvm_pc_setup_irq_routing).
 * KVM's own default would send the in-kernel PIT (GSI 0) to IOAPIC pin 0.
 * GSIs 16-23 are the remaining IOAPIC pins (api.rst 4.52 KVM_SET_GSI_ROUTING).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "cpu/kvm/kvm.h"
#include "util/log.h"

#define ISA_IRQS           16
#define ISA_CASCADE_IRQ    2
#define ISA_PIT_IOAPIC_PIN 2
#define IOAPIC_PINS        24
#define PIC_PINS           8

static void add_route(struct kvm_irq_routing *r, unsigned gsi, unsigned chip, unsigned pin)
{
    r->entries[r->nr++] = (struct kvm_irq_routing_entry){
        .gsi = gsi,
        .type = KVM_IRQ_ROUTING_IRQCHIP,
        .u.irqchip = {.irqchip = chip, .pin = pin},
    };
}

int kvm_irq__set_routing(struct kvm_vm *vm, struct err *err)
{
    struct kvm_irq_routing *r =
        calloc(1, sizeof(*r) + (ISA_IRQS + IOAPIC_PINS) * sizeof(r->entries[0]));
    if (!r)
        return err__set(err, "out of memory");
    for (unsigned gsi = 0; gsi < IOAPIC_PINS; gsi++) {
        if (gsi == ISA_CASCADE_IRQ)
            continue;
        if (gsi < ISA_IRQS)
            add_route(r, gsi, gsi < PIC_PINS ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
                      gsi % PIC_PINS);
        add_route(r, gsi, KVM_IRQCHIP_IOAPIC, gsi == 0 ? ISA_PIT_IOAPIC_PIN : gsi);
    }
    int rc = ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, r);
    int e = errno;
    free(r);
    if (rc < 0)
        return err__set_errno(err, e, "kvm: KVM_SET_GSI_ROUTING");
    return 0;
}

void kvm_irq__set_level(struct machine *m, unsigned gsi, bool level)
{
    struct kvm_vm *vm = m->engine_data;
    struct kvm_irq_level irq = {.irq = gsi, .level = level};
    if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq) < 0)
        log_ratelimited("kvm: cannot set gsi %u to %d: %m", gsi, level);
}
