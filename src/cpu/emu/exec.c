// SPDX-License-Identifier: Apache-2.0
/*
 * exec.c - the interpreter's main loop. It finds the decoded block at RIP
 * (jump cache, then the physical-address cache, then the decoder), runs its
 * handlers back to back until one returns something other than EMU_NEXT,
 * and between blocks looks at kicks (machine stop), interrupts and timers, the
 * STI/MOV SS shadow and the caller's limits. Exact instruction limits and
 * stop addresses inside a block are honoured by running only a prefix.
 */
#include "cpu/emu/exec.h"

#include "cpu/emu/codecache.h"
#include "cpu/emu/codeshare.h"
#include "cpu/emu/except.h"
#include "cpu/emu/irq.h"
#include "cpu/emu/jit/jit.h"
#include "machine/machine.h"
#include "util/log.h"

static int run_block(struct emu_cpu *cpu, const struct emu_block *b, uint64_t allowed,
                     uint64_t *retired)
{
    const struct emu_insn *i = b->insns;
    int st;
    if (likely(allowed >= b->ninsns)) {
        while ((st = i->fn(cpu, i)) == EMU_NEXT) {
            RIP(cpu) += i->len;
            i++;
        }
    } else {
        const struct emu_insn *end = i + allowed;
        for (;;) {
            if (i == end) {
                st = EMU_RESTART;
                break;
            }
            if ((st = i->fn(cpu, i)) != EMU_NEXT)
                break;
            RIP(cpu) += i->len;
            i++;
        }
    }
    *retired = (uint64_t)(i - b->insns) + (st == EMU_JUMP);
    return st;
}

/* Index of the instruction at rip inside b, or 0 if none (or it is the first). */
static uint64_t index_of(const struct emu_block *b, uint64_t rip)
{
    uint64_t va = b->vaddr;
    for (unsigned k = 0; k < b->ninsns; k++) {
        if (va == rip)
            return k;
        va += b->insns[k].len;
    }
    return 0;
}

#define EXEC_CONTINUE ((enum emu_exec_exit) - 1)

/* The rare reasons to stop between blocks, looked at only when something is pending. */
static enum emu_exec_exit check_stops(struct emu_cpu *cpu, const struct emu_exec_limits *lim,
                                      uint64_t done)
{
    if (atomic_load_explicit(&cpu->exit_request, memory_order_relaxed)) {
        atomic_store(&cpu->exit_request, false);
        if (machine__stopping(cpu->m))
            return EXEC_MACHINE;
    }
    if (emu_codeshare_pending(cpu))
        emu_codeshare_sync(cpu);
    if (cpu->timer_countdown == 0) {
        cpu->timer_countdown = EMU_TIMER_POLL_BLOCKS;
        emu_irq_poll_timers(cpu);
    }
    if (emu_irq_wanted(cpu))
        emu_irq_service(cpu);
    if (cpu->halted)
        return EXEC_HALTED;
    if (lim->use_stop_rip && RIP(cpu) == lim->stop_rip)
        return EXEC_STOP_RIP;
    if (done >= lim->max_insns)
        return EXEC_LIMIT;
    return EXEC_CONTINUE;
}

enum emu_exec_exit emu_exec(struct emu_cpu *cpu, const struct emu_exec_limits *lim,
                            uint64_t *retired)
{
    uint64_t done = 0;
    enum emu_exec_exit why;
    emu_codeshare_enter(cpu);
    /* vcpu_run has no stop address and no limit: then only pending events are looked at */
    bool bounded = lim->use_stop_rip || lim->max_insns != UINT64_MAX;
    for (;;) {
        /* the clock is read every EMU_TIMER_POLL_BLOCKS blocks, the LAPIC's events every block */
        if (unlikely(--cpu->timer_countdown == 0 || bounded ||
                     atomic_load_explicit(&cpu->exit_request, memory_order_relaxed) ||
                     cpu->halted || !cpu->long64 || emu_irq_wanted(cpu))) {
            why = check_stops(cpu, lim, done);
            if (why != EXEC_CONTINUE)
                break;
        }
        struct emu_block *b = emu_code_block(cpu);
        int st;
        uint64_t n = 0;
        if (unlikely(!b)) {
            st = EMU_FAULT; /* instruction fetch fault, RIP at the instruction */
        } else {
            uint64_t allowed = lim->max_insns - done;
            if (lim->use_stop_rip && lim->stop_rip - b->vaddr < (uint64_t)b->ninsns * 15) {
                uint64_t k = index_of(b, lim->stop_rip);
                if (k && k < allowed)
                    allowed = k;
            }
            bool shadow = cpu->irq_shadow;
            if (unlikely(shadow) && allowed > 1)
                allowed = 1; /* the shadowed instruction runs alone */
            st = cpu->jit ? emu_jit_run(cpu, b, allowed, !bounded, &n)
                          : run_block(cpu, b, allowed, &n);
            if (unlikely(shadow) && n)
                cpu->irq_shadow = false;
        }
        done += n;
        if (unlikely(st == EMU_FAULT)) {
            if (machine__stopped(cpu->m)) {
                why = EXEC_MACHINE;
                break;
            }
            if (!lim->deliver) {
                why = EXEC_EXCEPTION;
                break;
            }
            if (!emu_deliver_exception(cpu)) {
                why = EXEC_MACHINE;
                break;
            }
        }
    }
    cpu->insns += done;
    *retired = done;
    return why;
}
