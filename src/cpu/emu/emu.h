/* SPDX-License-Identifier: Apache-2.0 */
/*
 * emu.h - the software x86-64 CPU engine: public entry points.
 *
 * The engine itself is reached through emu_engine_ops (src/machine/vcpu.h). The
 * function below is the test hook that the differential tests and unit tests
 * use to run a bounded piece of guest code and see how it ended.
 */
#ifndef STRATA_CPU_EMU_EMU_H
#define STRATA_CPU_EMU_EMU_H

#include <stdint.h>

#include "machine/vcpu.h"

extern const struct engine_ops emu_engine_ops;

struct machine;
struct platform;

/*
 * The interrupt controllers and timer of m's emu VM (for a snapshot), or
 * NULL if m does not run on the emu engine or its VM is not created.
 */
struct platform *emu__platform(struct machine *m);

enum emu_stop_reason {
    EMU_STOP_RIP,       /* RIP reached stop_rip (before executing it) */
    EMU_STOP_EXCEPTION, /* an instruction raised an exception; not delivered, RIP at the instruction
                         */
    EMU_STOP_LIMIT,     /* max_insns instructions retired */
    EMU_STOP_MACHINE,   /* the machine is stopping (exit device, reset, ...) */
};

struct emu_stop_info {
    enum emu_stop_reason reason;
    uint8_t vector; /* EMU_STOP_EXCEPTION: the exception vector (#DE = 0, #UD = 6, #GP = 13, #PF
                       = 14...) */
    uint32_t error_code; /* for vectors that push one */
    uint64_t cr2;        /* for #PF */
    uint64_t insns;      /* instructions retired by this call */
};

/*
 * Runs vCPU v on the calling thread until one of the stop reasons above.
 * State is read and written with the engine's get_state/set_state. Returns 0,
 * or -1 with err set if the vCPU cannot run.
 */
int emu__run_until(struct vcpu *v, uint64_t stop_rip, uint64_t max_insns,
                   struct emu_stop_info *info, struct err *err);

/*
 * Runs v's code through the translator (on) or the interpreter (off),
 * whatever STRATA_EMU said when v was created (docs/emu-jit.md).
 */
int emu__set_translator(struct vcpu *v, bool on, struct err *err);

/*
 * Delivers the exception that emu__run_until reported (EMU_STOP_EXCEPTION)
 * through the guest's IDT, as the CPU would have: stack switch, error code,
 * CR2 for #PF, #DF/triple-fault escalation. Afterwards RIP is at the
 * handler. For tests of exception delivery.
 */
int emu__deliver_exception(struct vcpu *v, const struct emu_stop_info *info, struct err *err);

#endif
