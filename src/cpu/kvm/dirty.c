// SPDX-License-Identifier: Apache-2.0
/*
 * dirty.c - the kvm engine's part of the dirty page log
 * (engine_ops.dirty_log, machine/dirty.h): every RAM slot registered again
 * with KVM_MEM_LOG_DIRTY_PAGES to start, KVM_GET_DIRTY_LOG per slot to
 * sync (it returns the pages written since the last call and write-protects
 * them again), the flag dropped to stop (Documentation/virt/kvm/api.rst
 * 4.8 KVM_GET_DIRTY_LOG, 4.35 KVM_SET_USER_MEMORY_REGION).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "cpu/kvm/kvm.h"
#include "machine/dirty.h"

static int set_logging(struct kvm_vm *vm, const struct guest_memory *mem, bool on, struct err *err)
{
    for (unsigned i = 0; i < mem->nslots; i++) {
        const struct mem_slot *s = &mem->slots[i];
        struct kvm_userspace_memory_region region = {
            .slot = i,
            .flags = on ? KVM_MEM_LOG_DIRTY_PAGES : 0,
            .guest_phys_addr = s->gpa,
            .memory_size = s->size,
            .userspace_addr = (uintptr_t)s->hva,
        };
        if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
            return err__set_errno(err, errno, "kvm: cannot %s dirty logging of the ram at %#llx",
                                  on ? "start" : "stop", (unsigned long long)s->gpa);
    }
    return 0;
}

/* KVM_GET_DIRTY_LOG of every slot into the machine's log. */
static int sync_log(struct kvm_vm *vm, const struct guest_memory *mem, struct err *err)
{
    for (unsigned i = 0; i < mem->nslots; i++) {
        const struct mem_slot *s = &mem->slots[i];
        uint64_t pages = s->size / GUEST_DIRTY_PAGE;
        uint64_t *bits = calloc((pages + 63) / 64, sizeof(uint64_t));
        if (!bits)
            return err__set(err, "out of memory for the dirty page log");
        struct kvm_dirty_log log = {.slot = i, .dirty_bitmap = bits};
        if (ioctl(vm->vm_fd, KVM_GET_DIRTY_LOG, &log) < 0) {
            free(bits);
            return err__set_errno(err, errno, "kvm: cannot read the dirty log");
        }
        for (uint64_t w = 0; w < (pages + 63) / 64; w++)
            for (uint64_t v = bits[w]; v; v &= v - 1)
                guest_dirty__mark(
                    mem, s->gpa + (w * 64 + (uint64_t)__builtin_ctzll(v)) * GUEST_DIRTY_PAGE,
                    GUEST_DIRTY_PAGE);
        free(bits);
    }
    return 0;
}

int kvm_dirty__log(struct machine *m, enum engine_dirty_op op, struct err *err)
{
    struct kvm_vm *vm = m->engine_data;
    switch (op) {
    case ENGINE_DIRTY_START: return set_logging(vm, &m->mem, true, err);
    case ENGINE_DIRTY_SYNC: return sync_log(vm, &m->mem, err);
    case ENGINE_DIRTY_STOP: return set_logging(vm, &m->mem, false, err);
    }
    return err__set(err, "kvm: unknown dirty log step");
}
