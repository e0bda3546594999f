// SPDX-License-Identifier: Apache-2.0
/*
 * eventfd.c - the kvm engine's device fast paths (engine_ops.add_ioeventfd
 * and add_irqfd, src/machine/vcpu.h): KVM_IOEVENTFD binds a guest MMIO write of
 * one value to an eventfd, KVM_IRQFD turns each eventfd signal into an edge
 * on a GSI of the in-kernel irqchip (Documentation/virt/kvm/api.rst 4.59
 * and 4.75).
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "cpu/kvm/kvm.h"

int kvm_eventfd__add_ioeventfd(struct machine *m, uint64_t gpa, unsigned len, uint64_t value,
                               int fd, struct err *err)
{
    struct kvm_vm *vm = m->engine_data;
    if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD) <= 0)
        return err__set(err, "kvm: no ioeventfd support");
    struct kvm_ioeventfd io = {
        .datamatch = value,
        .addr = gpa,
        .len = len,
        .fd = fd,
        .flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
    };
    if (ioctl(vm->vm_fd, KVM_IOEVENTFD, &io) < 0)
        return err__set_errno(err, errno, "kvm: KVM_IOEVENTFD at %#llx", (unsigned long long)gpa);
    return 0;
}

int kvm_eventfd__add_irqfd(struct machine *m, unsigned gsi, int fd, struct err *err)
{
    struct kvm_vm *vm = m->engine_data;
    if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD) <= 0)
        return err__set(err, "kvm: no irqfd support");
    struct kvm_irqfd irqfd = {.fd = (uint32_t)fd, .gsi = gsi};
    if (ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0)
        return err__set_errno(err, errno, "kvm: KVM_IRQFD for gsi %u", gsi);
    return 0;
}
