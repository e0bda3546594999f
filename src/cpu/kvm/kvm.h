/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kvm.h - private types of the kvm engine, shared by its files.
 *
 * The engine drives /dev/kvm (Documentation/virt/kvm/api.rst): one VM with
 * the in-kernel LAPIC/IOAPIC/PIC and PIT, the machine's RAM slots as user
 * memory regions, and one kernel vCPU per struct vcpu, run on the vCPU's own
 * thread with KVM_RUN. Port I/O and MMIO that the kernel does not handle
 * come back as exits and go to the machine's buses.
 */
#ifndef STRATA_CPU_KVM_KVM_H
#define STRATA_CPU_KVM_KVM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "machine/machine.h"
#include "machine/vcpu.h"
#include "util/err.h"

#define KVM_MAX_SAVED_MSRS 32

/* Per-VM data (machine->engine_data). */
struct kvm_vm {
    int kvm_fd;
    int vm_fd;
    int run_size;                 /* bytes of each vCPU's kvm_run mapping */
    bool has_xcrs;                /* KVM_GET/SET_XCRS */
    struct kvm_cpuid2 *supported; /* KVM_GET_SUPPORTED_CPUID, the base of every vCPU's CPUID */
    uint32_t saved_msrs[KVM_MAX_SAVED_MSRS]; /* MSRs get_state reads (msr.c), probed once */
    unsigned nsaved_msrs;
    bool msrs_probed;
};

/* Per-vCPU data (vcpu->engine). */
struct kvm_cpu {
    int fd;
    struct kvm_run *run;
    /* The thread inside vcpu_run, for kick; guarded by lock. */
    pthread_mutex_t lock;
    pthread_t thread;
    bool thread_running;
};

/* vcpu.c: the vCPU's life on its thread. */
int kvm_vcpu__create(struct vcpu *v, struct err *err);
void kvm_vcpu__destroy(struct vcpu *v);
void kvm_vcpu__run(struct vcpu *v);
void kvm_vcpu__kick(struct vcpu *v);

/* irq.c: GSI routing of the in-kernel PIC and IOAPIC, and interrupt line levels. */
int kvm_irq__set_routing(struct kvm_vm *vm, struct err *err);
void kvm_irq__set_level(struct machine *m, unsigned gsi, bool level);

/* cpuid.c: KVM_GET_SUPPORTED_CPUID, and one vCPU's CPUID built from it. */
struct kvm_cpuid2 *kvm_cpuid__supported(int kvm_fd, struct err *err);
struct kvm_cpuid2 *kvm_cpuid__for_vcpu(const struct kvm_cpuid2 *supported, unsigned apic_id,
                                       unsigned ncpus);

/* msr.c: the MSRs a vCPU starts with and the MSRs its state holds. */
int kvm_msr__set_boot_values(int vcpu_fd, struct err *err);
void kvm_msr__probe_saved(struct kvm_vm *vm, int vcpu_fd);

/* state.c: struct cpu_state <-> the KVM_GET/SET_* ioctls. */
int kvm_state__get(struct vcpu *v, struct cpu_state *st, struct err *err);
int kvm_state__set(struct vcpu *v, const struct cpu_state *st, struct err *err);

/* eventfd.c: engine_ops.add_ioeventfd and add_irqfd. */
int kvm_eventfd__add_ioeventfd(struct machine *m, uint64_t gpa, unsigned len, uint64_t value,
                               int fd, struct err *err);
int kvm_eventfd__add_irqfd(struct machine *m, unsigned gsi, int fd, struct err *err);

/* dirty.c: engine_ops.dirty_log (KVM_MEM_LOG_DIRTY_PAGES, KVM_GET_DIRTY_LOG). */
int kvm_dirty__log(struct machine *m, enum engine_dirty_op op, struct err *err);

/* exit.c: handles one KVM_RUN exit; false when the vCPU must stop running. */
bool kvm_exit__handle(struct vcpu *v);

static inline struct kvm_vm *kvm_vm_of(const struct vcpu *v)
{
    return v->machine->engine_data;
}

static inline struct kvm_cpu *kvm_cpu_of(const struct vcpu *v)
{
    return v->engine;
}

#endif
