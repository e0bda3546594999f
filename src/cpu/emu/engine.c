// SPDX-License-Identifier: Apache-2.0
/*
 * engine.c - the emu engine behind the engine interface (src/cpu/vcpu.h):
 * VM and vCPU lifetime, the per-vCPU run loop with HLT waiting on a
 * condition variable until a kick, state get/set, and the test hooks of
 * emu.h. With STRATA_STATS set, each vCPU prints its instruction count and
 * speed when it stops.
 */
#include "cpu/emu/emu.h"

#include <stdlib.h>

#include "cpu/emu/codecache.h"
#include "cpu/emu/decode.h"
#include "cpu/emu/except.h"
#include "cpu/emu/exec.h"
#include "cpu/emu/mmu.h"
#include "cpu/emu/state.h"
#include "cpu/emu/sysregs.h"
#include "machine/machine.h"
#include "util/log.h"

#define EMU_MAX_GSI 24

/* Per-VM data: interrupt line levels, kept for the interrupt controllers of issue 4. */
struct emu_vm {
    atomic_bool irq_level[EMU_MAX_GSI];
};

static int emu_vm_create(struct machine *m, struct err *err)
{
    emu_decode_init();
    struct emu_vm *vm = calloc(1, sizeof(*vm));
    if (!vm)
        return err__set(err, "emu: out of memory");
    m->engine_data = vm;
    return 0;
}

static void emu_vm_destroy(struct machine *m)
{
    free(m->engine_data);
    m->engine_data = NULL;
}

static int emu_vcpu_create(struct vcpu *v, struct err *err)
{
    struct emu_cpu *cpu = aligned_alloc(64, (sizeof(*cpu) + 63) & ~(size_t)63);
    if (!cpu)
        return err__set(err, "emu: out of memory for vcpu %u", v->index);
    memset(cpu, 0, sizeof(*cpu));
    cpu->vcpu = v;
    cpu->m = v->machine;
    if (emu_decode_init_cpu(cpu)) {
        free(cpu);
        return err__set(err, "emu: cannot initialize the zydis decoder");
    }
    if (emu_code_init(cpu, err)) {
        free(cpu);
        return -1;
    }
    pthread_mutex_init(&cpu->lock, NULL);
    pthread_cond_init(&cpu->wake, NULL);
    cpu->msr.pat = 0x0007040600070406ull;
    cpu->msr.apic_base = 0xfee00000ull | (1u << 11) | (v->index == 0 ? 1u << 8 : 0);
    cpu->rflags = FL_FIXED;
    cpu->cr0 = CR0_ET | CR0_CD | CR0_NW;
    uint16_t fcw = 0x37f;
    uint32_t mxcsr = 0x1f80;
    memcpy(cpu->fx, &fcw, 2);
    memcpy(cpu->fx + 24, &mxcsr, 4);
    emu_tlb_flush_all(cpu);
    emu_cpu_update_mode(cpu);
    v->engine = cpu;
    return 0;
}

static void emu_vcpu_destroy(struct vcpu *v)
{
    struct emu_cpu *cpu = v->engine;
    if (!cpu)
        return;
    v->engine = NULL;
    emu_code_destroy(cpu);
    pthread_mutex_destroy(&cpu->lock);
    pthread_cond_destroy(&cpu->wake);
    free(cpu);
}

/* HLT: sleep until a kick (machine stop; later also an interrupt). */
static void wait_while_halted(struct emu_cpu *cpu)
{
    pthread_mutex_lock(&cpu->lock);
    while (!atomic_load(&cpu->exit_request))
        pthread_cond_wait(&cpu->wake, &cpu->lock);
    pthread_mutex_unlock(&cpu->lock);
}

static void print_stats(const struct emu_cpu *cpu, uint64_t insns, uint64_t ns)
{
    double mips = ns ? (double)insns * 1e3 / (double)ns : 0.0;
    log__msg("emu: vcpu %u: %llu instructions, %.1f MIPS", cpu->vcpu->index,
             (unsigned long long)insns, mips);
}

static void emu_vcpu_run(struct vcpu *v)
{
    struct emu_cpu *cpu = v->engine;
    const struct emu_exec_limits unlimited = {.max_insns = UINT64_MAX, .deliver = true};
    uint64_t start_ns = emu_host_ns(), start_insns = cpu->insns, n;
    while (!machine__stopping(cpu->m)) {
        if (emu_exec(cpu, &unlimited, &n) == EXEC_HALTED)
            wait_while_halted(cpu);
    }
    if (getenv("STRATA_STATS"))
        print_stats(cpu, cpu->insns - start_insns, emu_host_ns() - start_ns);
}

static int emu_get_state(struct vcpu *v, struct cpu_state *state, struct err *err)
{
    (void)err;
    emu_state_get(v->engine, state);
    return 0;
}

static int emu_set_state(struct vcpu *v, const struct cpu_state *state, struct err *err)
{
    (void)err;
    emu_state_set(v->engine, state);
    return 0;
}

static void emu_set_irq(struct machine *m, unsigned gsi, bool level)
{
    struct emu_vm *vm = m->engine_data;
    if (vm && gsi < EMU_MAX_GSI)
        atomic_store(&vm->irq_level[gsi], level);
}

static void emu_kick(struct vcpu *v)
{
    struct emu_cpu *cpu = v->engine;
    pthread_mutex_lock(&cpu->lock);
    atomic_store(&cpu->exit_request, true);
    pthread_cond_broadcast(&cpu->wake);
    pthread_mutex_unlock(&cpu->lock);
}

const struct engine_ops emu_engine_ops = {
    .name = "emu",
    .vm_create = emu_vm_create,
    .vm_destroy = emu_vm_destroy,
    .vcpu_create = emu_vcpu_create,
    .vcpu_destroy = emu_vcpu_destroy,
    .vcpu_run = emu_vcpu_run,
    .get_state = emu_get_state,
    .set_state = emu_set_state,
    .set_irq = emu_set_irq,
    .kick = emu_kick,
};

int emu__run_until(struct vcpu *v, uint64_t stop_rip, uint64_t max_insns,
                   struct emu_stop_info *info, struct err *err)
{
    struct emu_cpu *cpu = v->engine;
    if (!cpu)
        return err__set(err, "emu: vcpu %u was not created by the emu engine", v->index);
    const struct emu_exec_limits lim = {
        .use_stop_rip = true, .stop_rip = stop_rip, .max_insns = max_insns, .deliver = false};
    memset(info, 0, sizeof(*info));
    uint64_t n;
    enum emu_exec_exit why;
    while ((why = emu_exec(cpu, &lim, &n)) == EXEC_HALTED) {
        info->insns += n;
        wait_while_halted(cpu);
        if (machine__stopping(cpu->m))
            break;
        cpu->halted = false; /* no interrupt controller yet: a kick resumes */
    }
    info->insns += n;
    switch (why) {
    case EXEC_STOP_RIP: info->reason = EMU_STOP_RIP; break;
    case EXEC_LIMIT: info->reason = EMU_STOP_LIMIT; break;
    case EXEC_EXCEPTION:
        info->reason = EMU_STOP_EXCEPTION;
        info->vector = cpu->exc.vector;
        info->error_code = cpu->exc.error;
        info->cr2 = cpu->exc.cr2;
        break;
    default: info->reason = EMU_STOP_MACHINE; break;
    }
    return 0;
}

int emu__deliver_exception(struct vcpu *v, const struct emu_stop_info *info, struct err *err)
{
    struct emu_cpu *cpu = v->engine;
    if (!cpu || info->reason != EMU_STOP_EXCEPTION)
        return err__set(err, "emu: no exception to deliver");
    cpu->exc = (struct emu_exception){.vector = info->vector,
                                      .has_error = emu_vector_has_error(info->vector),
                                      .error = info->error_code,
                                      .cr2 = info->cr2};
    emu_deliver_exception(cpu);
    return 0;
}
