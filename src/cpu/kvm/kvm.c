// SPDX-License-Identifier: Apache-2.0
/*
 * kvm.c - the kvm engine's VM: /dev/kvm, the in-kernel irqchip and PIT, guest
 * RAM as user memory regions, and the engine_ops table.
 *
 * Follows Documentation/virt/kvm/api.rst (4.1 KVM_GET_API_VERSION, 4.2
 * KVM_CREATE_VM, 4.24 KVM_CREATE_IRQCHIP, 4.35 KVM_SET_USER_MEMORY_REGION,
 * 4.40 KVM_SET_TSS_ADDR, 4.71 KVM_CREATE_PIT2). Interrupt lines are in irq.c.
 */
#include "cpu/kvm/kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

/*
 * VT-x needs three pages for a real-mode TSS and one for an identity page
 * table, somewhere in guest-physical space that is neither RAM nor MMIO. They
 * go in the MMIO hole just below the BIOS area, where QEMU puts them.
 */
#define KVM_IDENTITY_MAP_ADDR 0xfffbc000ull
#define KVM_TSS_ADDR          0xfffbd000ull

static const struct {
    int cap;
    const char *name;
} required_caps[] = {
    {KVM_CAP_USER_MEMORY, "user memory"},
    {KVM_CAP_IRQCHIP, "in-kernel irqchip"},
    {KVM_CAP_PIT2, "in-kernel pit"},
    {KVM_CAP_EXT_CPUID, "KVM_SET_CPUID2"},
    {KVM_CAP_MP_STATE, "KVM_GET/SET_MP_STATE"},
    {KVM_CAP_VCPU_EVENTS, "KVM_GET/SET_VCPU_EVENTS"},
    {KVM_CAP_DEBUGREGS, "KVM_GET/SET_DEBUGREGS"},
};

static int check_kvm(int kvm_fd, struct err *err)
{
    int version = ioctl(kvm_fd, KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION)
        return err__set(err, "/dev/kvm has api version %d, strata needs %d", version,
                        KVM_API_VERSION);
    for (size_t i = 0; i < sizeof(required_caps) / sizeof(required_caps[0]); i++)
        if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, required_caps[i].cap) <= 0)
            return err__set(err, "/dev/kvm lacks %s", required_caps[i].name);
    return 0;
}

static int create_vm_fd(int kvm_fd, struct err *err)
{
    int fd;
    do
        fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return err__set_errno(err, errno, "cannot create a kvm vm");
    return fd;
}

/* The addresses VT-x needs for real mode; other hosts say they do not support them. */
static int set_real_mode_areas(struct kvm_vm *vm, struct err *err)
{
    if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0) {
        uint64_t addr = KVM_IDENTITY_MAP_ADDR;
        if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &addr) < 0)
            return err__set_errno(err, errno, "kvm: KVM_SET_IDENTITY_MAP_ADDR");
    }
    if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_TSS_ADDR) > 0 &&
        ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0)
        return err__set_errno(err, errno, "kvm: KVM_SET_TSS_ADDR");
    return 0;
}

static int create_irqchip_and_pit(struct kvm_vm *vm, struct err *err)
{
    if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
        return err__set_errno(err, errno, "kvm: cannot create the in-kernel irqchip");
    if (kvm_irq__set_routing(vm, err))
        return -1;
    /* SPEAKER_DUMMY: port 0x61 (PIT channel 2 gate and output) is handled in the kernel too. */
    struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
    if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
        return err__set_errno(err, errno, "kvm: cannot create the in-kernel pit");
    return 0;
}

static int register_memory(struct kvm_vm *vm, const struct guest_memory *mem, struct err *err)
{
    for (unsigned i = 0; i < mem->nslots; i++) {
        const struct mem_slot *s = &mem->slots[i];
        struct kvm_userspace_memory_region region = {
            .slot = i,
            .guest_phys_addr = s->gpa,
            .memory_size = s->size,
            .userspace_addr = (uintptr_t)s->hva,
        };
        if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
            return err__set_errno(err, errno, "kvm: cannot map guest ram at %#llx",
                                  (unsigned long long)s->gpa);
    }
    return 0;
}

static void kvm_vm_destroy(struct machine *m)
{
    struct kvm_vm *vm = m->engine_data;
    if (!vm)
        return;
    free(vm->supported);
    if (vm->vm_fd >= 0)
        close(vm->vm_fd);
    if (vm->kvm_fd >= 0)
        close(vm->kvm_fd);
    free(vm);
    m->engine_data = NULL;
}

static int kvm_vm_create(struct machine *m, struct err *err)
{
    struct kvm_vm *vm = calloc(1, sizeof(*vm));
    if (!vm)
        return err__set(err, "out of memory");
    vm->kvm_fd = vm->vm_fd = -1;
    m->engine_data = vm;

    vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (vm->kvm_fd < 0) {
        err__set_errno(err, errno, "cannot open /dev/kvm");
        goto fail;
    }
    if (check_kvm(vm->kvm_fd, err))
        goto fail;
    vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (vm->run_size < (int)sizeof(struct kvm_run)) {
        err__set(err, "kvm: bad vcpu mmap size %d", vm->run_size);
        goto fail;
    }
    vm->has_xcrs = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XCRS) > 0;
    vm->supported = kvm_cpuid__supported(vm->kvm_fd, err);
    if (!vm->supported)
        goto fail;

    vm->vm_fd = create_vm_fd(vm->kvm_fd, err);
    if (vm->vm_fd < 0 || set_real_mode_areas(vm, err) || create_irqchip_and_pit(vm, err) ||
        register_memory(vm, &m->mem, err))
        goto fail;
    return 0;

fail:
    kvm_vm_destroy(m);
    return -1;
}

const struct engine_ops kvm_engine_ops = {
    .name = "kvm",
    .vm_create = kvm_vm_create,
    .vm_destroy = kvm_vm_destroy,
    .vcpu_create = kvm_vcpu__create,
    .vcpu_destroy = kvm_vcpu__destroy,
    .vcpu_run = kvm_vcpu__run,
    .get_state = kvm_state__get,
    .set_state = kvm_state__set,
    .set_irq = kvm_irq__set_level,
    .kick = kvm_vcpu__kick,
    .add_ioeventfd = kvm_eventfd__add_ioeventfd,
    .add_irqfd = kvm_eventfd__add_irqfd,
    .dirty_log = kvm_dirty__log,
};
