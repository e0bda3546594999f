/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vcpu.h - the engine interface: what a CPU engine (kvm, emu) provides.
 *
 * An engine is a table of operations in the style of the Linux kernel's
 * file_operations. The machine creates the VM and one vCPU per --cpus, sets
 * each vCPU's architectural state, then runs every vCPU on its own thread
 * until the machine stops. struct cpu_state is engine-neutral: it is what a
 * snapshot or a migration serializes, so a VM saved on one engine resumes on
 * the other. Field meanings follow the Intel SDM vol. 3A (chapters 2-3).
 */
#ifndef STRATA_MACHINE_VCPU_H
#define STRATA_MACHINE_VCPU_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util/err.h"

struct machine;

enum cpu_gpr {
    CPU_RAX,
    CPU_RCX,
    CPU_RDX,
    CPU_RBX,
    CPU_RSP,
    CPU_RBP,
    CPU_RSI,
    CPU_RDI,
    CPU_R8,
    CPU_R9,
    CPU_R10,
    CPU_R11,
    CPU_R12,
    CPU_R13,
    CPU_R14,
    CPU_R15,
    CPU_NR_GPRS
};

/* A segment register with its hidden descriptor cache, unpacked. */
struct cpu_segment {
    uint64_t base;
    uint32_t limit; /* byte granular, already scaled by G */
    uint16_t selector;
    uint8_t type; /* descriptor type field, 4 bits */
    uint8_t s;    /* 1 = code/data, 0 = system */
    uint8_t dpl;
    uint8_t present;
    uint8_t avl;
    uint8_t l;  /* 64-bit code */
    uint8_t db; /* default operand size / big */
    uint8_t g;
    uint8_t unusable;
};

struct cpu_dtable {
    uint64_t base;
    uint16_t limit;
};

/* Activity state of a vCPU (KVM_MP_STATE_* in meaning). */
enum cpu_mp_state {
    CPU_MP_RUNNABLE,
    CPU_MP_HALTED,       /* in HLT, waiting for an interrupt */
    CPU_MP_WAIT_FOR_SIPI /* an AP after INIT, before its startup IPI */
};

#define CPU_MAX_MSRS 64

struct cpu_msr {
    uint32_t index;
    uint64_t value;
};

struct cpu_state {
    uint64_t gpr[CPU_NR_GPRS];
    uint64_t rip;
    uint64_t rflags;

    struct cpu_segment es, cs, ss, ds, fs, gs, ldt, tr;
    struct cpu_dtable gdt, idt;

    uint64_t cr0, cr2, cr3, cr4, cr8;
    uint64_t efer;
    uint64_t apic_base;
    uint64_t dr[8]; /* DR0-DR3, DR6 in dr[6], DR7 in dr[7] */
    uint64_t xcr0;

    /* Other MSRs (SYSCALL, SYSENTER, KERNEL_GS_BASE, PAT, TSC, ...) */
    uint32_t nmsrs;
    struct cpu_msr msrs[CPU_MAX_MSRS];

    /* x87/MMX/SSE state in the FXSAVE layout (SDM vol. 1, 10.5.1) */
    uint8_t fxsave[512] __attribute__((aligned(16)));

    /* Local APIC registers as a 4 KiB xAPIC page image, first 1 KiB (KVM_GET_LAPIC layout) */
    uint8_t lapic[1024];

    enum cpu_mp_state mp_state;
    bool interrupt_shadow; /* STI / MOV SS shadow active */
    bool nmi_pending;
};

struct vcpu {
    struct machine *machine;
    unsigned index; /* also the APIC id */
    pthread_t thread;
    void *engine; /* engine-private per-vCPU data */
};

/* engine_ops.dirty_log's steps. */
enum engine_dirty_op { ENGINE_DIRTY_START, ENGINE_DIRTY_SYNC, ENGINE_DIRTY_STOP };

struct engine_ops {
    const char *name;
    /* Creates the VM: memory, irqchip and timers of the engine. */
    int (*vm_create)(struct machine *m, struct err *err);
    void (*vm_destroy)(struct machine *m);
    int (*vcpu_create)(struct vcpu *v, struct err *err);
    void (*vcpu_destroy)(struct vcpu *v);
    /*
     * Runs the vCPU on the calling thread until the machine stops (or this
     * vCPU fails, in which case it calls machine_stop itself). Returns when
     * machine_stopping() is true.
     */
    void (*vcpu_run)(struct vcpu *v);
    int (*get_state)(struct vcpu *v, struct cpu_state *state, struct err *err);
    int (*set_state)(struct vcpu *v, const struct cpu_state *state, struct err *err);
    /* Sets the level of a GSI on the engine's interrupt controllers. */
    void (*set_irq)(struct machine *m, unsigned gsi, bool level);
    /* Makes a running vCPU return to its loop soon (from any thread). */
    void (*kick)(struct vcpu *v);

    /*
     * Optional fast paths for devices (NULL: not offered; callable from any
     * thread once vm_create has succeeded):
     * add_ioeventfd: a guest write of `len` bytes equal to `value` at MMIO
     *   address gpa signals the eventfd fd instead of reaching the MMIO bus.
     * add_irqfd: each signal of the eventfd fd is an edge on gsi (assert,
     *   then deassert).
     * ram_written: a device (not a vCPU) wrote guest RAM [gpa, gpa + len);
     *   an engine that caches decoded guest code drops what it held there.
     */
    int (*add_ioeventfd)(struct machine *m, uint64_t gpa, unsigned len, uint64_t value, int fd,
                         struct err *err);
    int (*add_irqfd)(struct machine *m, unsigned gsi, int fd, struct err *err);
    void (*ram_written)(struct machine *m, uint64_t gpa, uint64_t len);
    /*
     * dirty_log (NULL: not offered; only with every vCPU paused): the
     * engine's part of the dirty page log (machine/dirty.h), the pages its
     * vCPUs write. START: the log is on, from now on vCPU writes reach it;
     * SYNC: every page vCPUs wrote since START or the last SYNC is marked
     * in the log now, and later writes will be again; STOP: tracking ends.
     */
    int (*dirty_log)(struct machine *m, enum engine_dirty_op op, struct err *err);
};

extern const struct engine_ops kvm_engine_ops;

/* Human-readable register dump (used on engine failures), one block per vCPU. */
void cpu_state__dump(const struct cpu_state *state, unsigned index, FILE *out);

/*
 * The state of a vCPU after power-up or reset as firmware leaves it (SDM
 * vol. 3A, 9.1.1 table 9-1; 10.4.7.1 for the LAPIC): real mode at
 * F000:FFF0, FPU after FNINIT, LAPIC enabled with all LVTs masked, and for
 * the BSP LINT0/LINT1 in virtual-wire mode (ExtINT, NMI); an AP waits for
 * its startup IPI. No MSRs: each engine keeps its boot values.
 */
void cpu_state__reset(struct cpu_state *state, unsigned apic_id, bool bsp);

/* Value of an MSR in state->msrs; false if absent. */
bool cpu_state__get_msr(const struct cpu_state *state, uint32_t index, uint64_t *value);
/* Sets or adds an MSR; false if the table is full. */
bool cpu_state__set_msr(struct cpu_state *state, uint32_t index, uint64_t value);

#endif
