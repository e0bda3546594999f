// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_emu_decode.c - fuzz target for the emu engine's decoder and
 * instruction handlers (src/cpu/emu/) in libFuzzer's form: bytes are
 * decoded and one instruction is executed in a sandbox machine, the
 * difftest's world (tests/difftest/guest_tables.c): 64-bit user mode
 * (CPL 3), a code page at DT_CODE_ADDR and two data pages at DT_DATA_ADDR,
 * nothing else mapped for the user.
 *
 * Input: 15 bytes of code (then INT3s), one byte saying which GPRs point
 * into the data pages (bit i: GPR 2i and 2i+1, the low 13 bits of their
 * input value as the offset), 16 x 8 bytes of GPRs, 8 bytes of RFLAGS
 * (status flags and DF), 512 bytes of FXSAVE image (x87/SSE state: the
 * engine loads it as a guest FXRSTOR would, with MXCSR's reserved bits
 * cleared), and the rest over the data pages.
 *
 * Checks: no sanitizer report or crash; the engine runs the instruction
 * (or stops at its exception) without an internal error, retires at most
 * one instruction and keeps RFLAGS bit 1 set; a #PF it reports is for an
 * address the user may not access (outside the sandbox pages) or a
 * protection fault (error code bit P).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../difftest/difftest.h"
#include "../difftest/guest_tables.h"
#include "cpu/emu/emu.h"
#include "fuzz_machine.h"
#include "machine/machine.h"

#define RAM_SIZE   (512u << 20) /* the sandbox lies at 256 MiB */
#define CODE_BYTES 15

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct machine m;
static struct vcpu *v;
static struct cpu_state base, st;
static uint8_t *code, *sandbox;

static void setup(void)
{
    struct machine_config cfg = {.ram_size = RAM_SIZE, .ncpus = 1, .engine = &emu_engine_ops};
    struct err err;
    if (machine__init(&m, &cfg, &err) || machine__create_vcpus(&m, &err) ||
        (v = &m.vcpus[0], m.engine->get_state(v, &base, &err)) ||
        guest_tables__build(&m.mem, &base, &err)) {
        fprintf(stderr, "fuzz: cannot make the sandbox machine: %s\n", err.msg);
        exit(1);
    }
    code = fuzz_machine__hva(&m, DT_CODE_ADDR, DT_CODE_SIZE);
    sandbox = fuzz_machine__hva(&m, DT_DATA_ADDR, DT_DATA_SIZE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!v)
        setup();
    struct fuzz_input in = {.data = data, .size = size};
    memset(code, 0xcc, DT_CODE_SIZE);
    for (unsigned i = 0; i < CODE_BYTES; i++)
        code[i] = (uint8_t)fuzz_input__take(&in, 1);
    unsigned into_sandbox = (unsigned)fuzz_input__take(&in, 1);

    st = base;
    for (unsigned i = 0; i < 16; i++) {
        uint64_t value = fuzz_input__take(&in, 8);
        st.gpr[i] = into_sandbox >> (i / 2) & 1 ? DT_DATA_ADDR + (value & 0x1fff) : value;
    }
    st.rflags = (fuzz_input__take(&in, 8) & DT_FLAGS_COMPARED) | DT_RFLAGS_FIXED;
    st.rip = DT_CODE_ADDR;
    uint8_t fx[512];
    for (unsigned i = 0; i < sizeof(fx); i++)
        fx[i] = (uint8_t)fuzz_input__take(&in, 1);
    if (in.pos <= size) {
        uint32_t mxcsr;
        memcpy(&mxcsr, fx + 24, 4);
        mxcsr &= 0xffff; /* MXCSR_MASK: reserved bits would make FXRSTOR fault */
        memcpy(fx + 24, &mxcsr, 4);
        memcpy(st.fxsave, fx, 160);             /* FCW ... ST7 */
        memcpy(st.fxsave + 160, fx + 160, 256); /* XMM0-15 */
    }
    memset(sandbox, 0, DT_DATA_SIZE);
    if (size > in.pos)
        memcpy(sandbox, data + in.pos, size - in.pos < DT_DATA_SIZE ? size - in.pos : DT_DATA_SIZE);

    struct err err;
    struct emu_stop_info info;
    fuzz_check(m.engine->set_state(v, &st, &err) == 0);
    fuzz_check(emu__run_until(v, DT_CODE_ADDR + DT_CODE_SIZE, 1, &info, &err) == 0);
    fuzz_check(m.engine->get_state(v, &st, &err) == 0);
    fuzz_check(info.insns <= 1);
    fuzz_check(st.rflags & DT_RFLAGS_FIXED);
    if (info.reason == EMU_STOP_EXCEPTION && info.vector == 14) /* the user cannot reach it */
        fuzz_check(info.cr2 < DT_CODE_ADDR || info.cr2 >= DT_DATA_END ||
                   (info.cr2 >= DT_CODE_ADDR + DT_CODE_SIZE && info.cr2 < DT_DATA_ADDR) ||
                   (info.error_code & 0x1) /* a protection fault on a present page */);
    return 0;
}
