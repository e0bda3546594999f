// SPDX-License-Identifier: Apache-2.0
/*
 * emulated.c - the emu engine as the side under test (see emulated.h).
 *
 * One machine with 512 MiB of RAM, so the sandbox's fixed addresses are
 * guest-physical RAM too, mapped 1:1 by guest_tables.c. Each case writes the
 * code and data pages, sets the registers with the engine's set_state and
 * runs with emu__run_until up to the end of the code; get_state reads the
 * result back. The engine's decoded-code cache must not outlive a host-side
 * rewrite of the code page: set_state is taken as the point where the engine
 * drops what it cached about guest memory, as it must when a snapshot is
 * restored. The vCPU runs on the translator or the interpreter as the
 * caller asks (docs/emu-jit.md), whatever STRATA_EMU says.
 */
#include "emulated.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/emu/emu.h"
#include "guest_tables.h"
#include "machine/layout.h"
#include "machine/machine.h"
#include "sandbox.h"

#define EMULATED_RAM       MIB(512)
/* Enough for any case: the longest REP in a case is far below this. */
#define EMULATED_MAX_INSNS 100000

struct emulated {
    struct machine m;
    struct vcpu *v;
    struct cpu_state base; /* the user-mode world of guest_tables.c */
    struct cpu_state st;   /* scratch for one run */
    uint8_t *code;
    uint8_t *data;
};

struct emulated *emulated__create(bool translator, struct err *err)
{
    struct emulated *e = calloc(1, sizeof(*e));
    if (!e) {
        err__set(err, "out of memory");
        return NULL;
    }
    struct machine_config cfg = {.ram_size = EMULATED_RAM, .ncpus = 1, .engine = &emu_engine_ops};
    if (machine__init(&e->m, &cfg, err)) {
        free(e);
        return NULL;
    }
    if (machine__create_vcpus(&e->m, err))
        goto fail;
    e->v = &e->m.vcpus[0];
    if (emu__set_translator(e->v, translator, err))
        goto fail;
    if (e->m.engine->get_state(e->v, &e->base, err) ||
        guest_tables__build(&e->m.mem, &e->base, err))
        goto fail;
    e->code = guest_memory__hva(&e->m.mem, DT_CODE_ADDR, DT_CODE_SIZE);
    e->data = guest_memory__hva(&e->m.mem, DT_DATA_ADDR, DT_DATA_SIZE);
    if (!e->code || !e->data) {
        err__set(err, "the sandbox is not in guest ram");
        goto fail;
    }
    return e;
fail:
    emulated__destroy(e);
    return NULL;
}

void emulated__destroy(struct emulated *e)
{
    if (!e)
        return;
    machine__destroy(&e->m);
    free(e);
}

/* Sets the registers of regs on the base state and runs to stop_rip. */
static int run(struct emulated *e, const struct dt_regs *regs, uint64_t stop_rip,
               struct emu_stop_info *info, struct err *err)
{
    e->st = e->base;
    memcpy(e->st.gpr, regs->gpr, sizeof(e->st.gpr));
    e->st.rip = regs->rip;
    e->st.rflags = (regs->rflags & DT_FLAGS_COMPARED) | DT_RFLAGS_FIXED | DT_RFLAGS_IF;
    if (e->m.engine->set_state(e->v, &e->st, err) ||
        emu__run_until(e->v, stop_rip, EMULATED_MAX_INSNS, info, err) ||
        e->m.engine->get_state(e->v, &e->st, err))
        return -1;
    return 0;
}

void emulated__run(struct emulated *e, const struct dt_case *c, const uint8_t *image,
                   struct dt_outcome *out)
{
    struct emu_stop_info info;
    struct err err;

    memset(out, 0, sizeof(*out));
    out->data = e->data;
    sandbox__fill_code(c, e->code, 0);
    sandbox__fill_data(c, image, e->data);
    struct dt_regs in = c->in;
    in.rip = DT_CODE_ADDR;
    if (run(e, &in, dt_case_end(c), &info, &err)) {
        out->vector = -1;
        snprintf(out->note, sizeof(out->note), "engine error: %s", err.msg);
        return;
    }
    memcpy(out->regs.gpr, e->st.gpr, sizeof(out->regs.gpr));
    out->regs.rflags = e->st.rflags;
    out->regs.rip = e->st.rip;
    out->vector = -1;
    switch (info.reason) {
    case EMU_STOP_RIP: break;
    case EMU_STOP_EXCEPTION:
        out->vector = info.vector;
        out->error_code = info.error_code;
        out->cr2 = info.cr2;
        break;
    case EMU_STOP_LIMIT:
        snprintf(out->note, sizeof(out->note), "stopped after %llu instructions",
                 (unsigned long long)info.insns);
        break;
    case EMU_STOP_MACHINE: snprintf(out->note, sizeof(out->note), "machine stopped"); break;
    }
}

int emulated__cpuid(struct emulated *e, uint32_t leaf, uint32_t subleaf, uint32_t regs[4],
                    struct err *err)
{
    static const uint8_t cpuid[2] = {0x0f, 0xa2};
    struct dt_case c = {.code_len = sizeof(cpuid), .ninsns = 1};
    memcpy(c.code, cpuid, sizeof(cpuid));
    sandbox__fill_code(&c, e->code, 0);

    struct dt_regs in = {.rip = DT_CODE_ADDR, .rflags = DT_RFLAGS_FIXED};
    in.gpr[CPU_RAX] = leaf;
    in.gpr[CPU_RCX] = subleaf;
    struct emu_stop_info info;
    if (run(e, &in, dt_case_end(&c), &info, err))
        return -1;
    if (info.reason != EMU_STOP_RIP)
        return err__set(err, "cpuid at cpl 3 did not complete in the emulator");
    regs[0] = (uint32_t)e->st.gpr[CPU_RAX];
    regs[1] = (uint32_t)e->st.gpr[CPU_RBX];
    regs[2] = (uint32_t)e->st.gpr[CPU_RCX];
    regs[3] = (uint32_t)e->st.gpr[CPU_RDX];
    return 0;
}
