// SPDX-License-Identifier: Apache-2.0
/*
 * engine.c - the emu engine behind the engine interface (src/machine/vcpu.h):
 * VM and vCPU lifetime (the VM owns the interrupt controllers and timers of
 * src/devices/platform, see irq.c), the per-vCPU run loop with HLT
 * sleeping until a timer, an interrupt or a kick, state get/set, and the test hooks of
 * emu.h. With STRATA_STATS set, each vCPU prints its instruction count and
 * speed when it stops.
 */
#include "cpu/emu/emu.h"

#include <stdlib.h>

#include "cpu/emu/codecache.h"
#include "cpu/emu/codeshare.h"
#include "cpu/emu/decode.h"
#include "cpu/emu/except.h"
#include "cpu/emu/exec.h"
#include "cpu/emu/irq.h"
#include "cpu/emu/jit/jit.h"
#include "cpu/emu/mmu.h"
#include "cpu/emu/msr.h"
#include "cpu/emu/raise.h"
#include "cpu/emu/state.h"
#include "cpu/emu/tlb.h"
#include "machine/machine.h"
#include "util/log.h"

static int emu_vm_create(struct machine *m, struct err *err)
{
    emu_decode_init();
    struct emu_vm *vm = calloc(1, sizeof(*vm));
    if (!vm)
        return err__set(err, "emu: out of memory");
    if (emu_irq_vm_init(m, vm, err)) {
        free(vm);
        return -1;
    }
    m->engine_data = vm;
    return 0;
}

static void emu_vm_destroy(struct machine *m)
{
    struct emu_vm *vm = m->engine_data;
    if (!vm)
        return;
    emu_irq_vm_destroy(vm);
    free(vm);
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
    if (emu_codeshare_attach(cpu, err)) {
        emu_code_destroy(cpu);
        free(cpu);
        return -1;
    }
    if (emu_jit_from_env(cpu, err)) {
        emu_codeshare_detach(cpu);
        emu_code_destroy(cpu);
        free(cpu);
        return -1;
    }
    pthread_mutex_init(&cpu->lock, NULL);
    /* HLT sleeps until a timer deadline on the platform clock, CLOCK_MONOTONIC */
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&cpu->wake, &attr);
    pthread_condattr_destroy(&attr);
    cpu->msr.pat = 0x0007040600070406ull;
    emu_irq_vcpu_init(cpu);
    /* power-on state: the BSP runs, an AP waits for its startup IPI */
    struct cpu_state reset;
    cpu_state__reset(&reset, v->index, v->index == 0);
    emu_state_set(cpu, &reset);
    emu_irq_set_state(cpu, &reset);
    v->engine = cpu;
    return 0;
}

static void emu_vcpu_destroy(struct vcpu *v)
{
    struct emu_cpu *cpu = v->engine;
    if (!cpu)
        return;
    v->engine = NULL;
    emu_jit_destroy(cpu);
    emu_code_destroy(cpu);
    emu_codeshare_detach(cpu);
    pthread_mutex_destroy(&cpu->lock);
    pthread_cond_destroy(&cpu->wake);
    free(cpu);
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
        if (emu_exec(cpu, &unlimited, &n) == EXEC_HALTED) {
            emu_code_trim_idle(cpu, emu_host_ns());
            emu_irq_halt(cpu);
        }
    }
    if (getenv("STRATA_STATS"))
        print_stats(cpu, cpu->insns - start_insns, emu_host_ns() - start_ns);
}

static int emu_get_state(struct vcpu *v, struct cpu_state *state, struct err *err)
{
    (void)err;
    emu_state_get(v->engine, state);
    emu_irq_get_state(v->engine, state);
    return 0;
}

static int emu_set_state(struct vcpu *v, const struct cpu_state *state, struct err *err)
{
    (void)err;
    emu_state_set(v->engine, state);
    emu_irq_set_state(v->engine, state);
    return 0;
}

static void emu_set_irq(struct machine *m, unsigned gsi, bool level)
{
    struct emu_vm *vm = m->engine_data;
    platform__set_irq(&vm->platform, gsi, level);
}

static void emu_kick(struct vcpu *v)
{
    struct emu_cpu *cpu = v->engine;
    atomic_store(&cpu->exit_request, true);
    emu_irq_kick(cpu);
}

/* engine_ops.ram_written: a device's writes into RAM make the vCPUs drop code decoded there. */
static void emu_ram_written(struct machine *m, uint64_t gpa, uint64_t len)
{
    struct emu_cpu *cpu = m->ncpus ? m->vcpus[0].engine : NULL;
    if (cpu && cpu->share)
        emu_codeshare_device_written(cpu->share, gpa, len);
}

/*
 * engine_ops.dirty_log: the softmmu marks the log itself (mem.c, tlb.c); a
 * step only has to flush every TLB, so that writable entries are filled
 * again with TLB_CLEAN for the pages the log now holds clean.
 */
static int emu_dirty_log(struct machine *m, enum engine_dirty_op op, struct err *err)
{
    (void)op;
    (void)err;
    for (unsigned i = 0; i < m->ncpus; i++)
        if (m->vcpus[i].engine)
            emu_tlb_flush_all(m->vcpus[i].engine);
    return 0;
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
    .ram_written = emu_ram_written,
    .dirty_log = emu_dirty_log,
};

struct platform *emu__platform(struct machine *m)
{
    if (m->engine != &emu_engine_ops || !m->engine_data)
        return NULL;
    struct emu_vm *vm = m->engine_data;
    return &vm->platform;
}

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
        emu_irq_halt(cpu);
        if (machine__stopping(cpu->m))
            break;
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

int emu__set_translator(struct vcpu *v, bool on, struct err *err)
{
    struct emu_cpu *cpu = v->engine;
    if (!cpu)
        return err__set(err, "emu: vcpu %u was not created by the emu engine", v->index);
    return emu_jit_enable(cpu, on, err);
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
