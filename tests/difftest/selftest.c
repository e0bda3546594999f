// SPDX-License-Identifier: Apache-2.0
/*
 * selftest.c - checks the difftest harness without the emulator:
 *   1. the native side reports exceptions as the CPU raised them (#UD, #DE,
 *      #PF with its address, #GP), forward branches land where meant, and
 *      a store into later code changes what runs;
 *   2. native against native: the same cases run twice agree (the harness
 *      is deterministic and compares what it should);
 *   3. native against a deliberately wrong native: every wrong register,
 *      defined flag, RIP, exception or data byte is caught, and a wrong
 *      undefined flag is not.
 * Prints "difftest-selftest: N passed, N failed" last.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "cpu/vcpu.h"
#include "gen.h"
#include "native.h"
#include "options.h"

static const char usage[] = "usage: difftest-selftest [--cases N] [--seed S] [--max-failures K]\n";

static unsigned checks_passed, checks_failed;

static void check(bool ok, const char *what)
{
    if (ok) {
        checks_passed++;
    } else {
        checks_failed++;
        printf("difftest-selftest: FAILED: %s\n", what);
    }
}

/* ---- 1. exceptions ---- */

static void raw_case(struct dt_case *c, const uint8_t *bytes, unsigned len)
{
    memset(c, 0, sizeof(*c));
    if (len)
        memcpy(c->code, bytes, len);
    c->code_len = len;
    c->ninsns = 1;
    c->insn_offset[1] = (uint16_t)len;
    c->in.rflags = DT_RFLAGS_FIXED;
    c->in.rip = DT_CODE_ADDR;
}

static void check_exceptions(const uint8_t *image)
{
    struct dt_case c;
    struct dt_outcome out;

    static const uint8_t ud2[] = {0x0f, 0x0b};
    raw_case(&c, ud2, sizeof(ud2));
    native__run(&c, image, &out);
    check(out.vector == 6 && out.regs.rip == DT_CODE_ADDR, "ud2 raises #UD at the instruction");

    static const uint8_t div_ecx[] = {0xf7, 0xf1}; /* div ecx, ecx = 0 */
    raw_case(&c, div_ecx, sizeof(div_ecx));
    c.in.gpr[CPU_RAX] = 0x1234;
    native__run(&c, image, &out);
    check(out.vector == 0 && out.regs.gpr[CPU_RAX] == 0x1234, "div by zero raises #DE");

    static const uint8_t store[] = {0x89, 0x03}; /* mov [rbx], eax */
    raw_case(&c, store, sizeof(store));
    c.in.gpr[CPU_RBX] = DT_DATA_END - 2;
    native__run(&c, image, &out);
    check(out.vector == 14 && out.cr2 == DT_DATA_END && (out.error_code & 2) &&
              !memcmp(out.data, image, DT_DATA_SIZE),
          "a store across the sandbox's end raises #PF there and writes nothing");

    c.in.gpr[CPU_RBX] = 0x8000000000000000ull;
    native__run(&c, image, &out);
    check(out.vector == 13, "a non-canonical address raises #GP");

    static const uint8_t add[] = {0x48, 0x01, 0xc8}; /* add rax, rcx */
    raw_case(&c, add, sizeof(add));
    c.in.gpr[CPU_RAX] = ~0ull;
    c.in.gpr[CPU_RCX] = 1;
    c.in.gpr[CPU_RSP] = 0xdead; /* RSP need not be usable */
    native__run(&c, image, &out);
    check(out.vector == -1 && out.regs.gpr[CPU_RAX] == 0 && (out.regs.rflags & DT_CF) &&
              (out.regs.rflags & DT_ZF) && out.regs.gpr[CPU_RSP] == 0xdead &&
              out.regs.rip == dt_case_end(&c),
          "add rax, rcx runs natively with every register as given");
}

/* A forward branch built with builder__branch/builder__land skips exactly what it should. */
static void check_branch(const uint8_t *image)
{
    struct dt_case c;
    struct builder b;
    struct dt_outcome out;

    for (int zf = 0; zf < 2; zf++) {
        raw_case(&c, NULL, 0);
        builder__start(&b, &c);
        c.in.rflags |= zf ? DT_ZF : 0;
        c.in.gpr[CPU_RAX] = 5;
        ZydisEncoderRequest jz = {
            .machine_mode = ZYDIS_MACHINE_MODE_LONG_64,
            .mnemonic = ZYDIS_MNEMONIC_JZ,
            .branch_type = ZYDIS_BRANCH_TYPE_NEAR,
            .operand_count = 1,
            .operands[0] = {.type = ZYDIS_OPERAND_TYPE_IMMEDIATE},
        };
        ZydisEncoderOperand rax = op_reg(ZYDIS_REGISTER_RAX);
        int branch = builder__branch(&b, &jz);
        bool built = branch >= 0 && builder__insn(&b, ZYDIS_MNEMONIC_NOT, 0, 1, &rax) &&
                     builder__land(&b, (unsigned)branch) &&
                     builder__insn(&b, ZYDIS_MNEMONIC_INC, 0, 1, &rax);
        native__run(&c, image, &out);
        check(built && out.vector == -1 && out.regs.gpr[CPU_RAX] == (zf ? 6 : ~5ull + 1),
              zf ? "a taken jz skips the instruction it jumps over"
                 : "a jz not taken runs the instruction it would jump over");
    }
}

/* A store into the next instruction's immediate changes what it does. */
static void check_self_modifying(const uint8_t *image)
{
    struct dt_case c;
    struct builder b;
    struct dt_outcome out;

    raw_case(&c, NULL, 0);
    builder__start(&b, &c);
    ZydisEncoderOperand store[2] = {op_mem(ZYDIS_REGISTER_RIP, ZYDIS_REGISTER_NONE, 0, 0x1000, 1),
                                    op_imm(0x55)};
    ZydisEncoderOperand load[2] = {op_reg(ZYDIS_REGISTER_EAX), op_imm(0x11223344)};
    bool built = builder__insn(&b, ZYDIS_MNEMONIC_MOV, 0, 2, store) &&
                 builder__insn(&b, ZYDIS_MNEMONIC_MOV, 0, 2, load) &&
                 builder__aim_rip(&b, 0, DT_CODE_ADDR + c.insn_offset[1] + 1);
    native__run(&c, image, &out);
    check(built && out.vector == -1 && out.regs.gpr[CPU_RAX] == 0x11223355,
          "a store into the next instruction's immediate takes effect");
}

/* ---- 2. and 3. the native run as the side under test, optionally wrong ---- */

enum mutation { NONE, GPR, FLAG, RIP, VECTOR, DATA, UNDEFINED_FLAG, NMUTATIONS };

struct mutator {
    enum mutation kind;
    bool applied; /* the last case could be mutated as asked */
    uint8_t data[DT_DATA_SIZE];
};

static void run_mutated(void *ctx, const struct dt_case *c, const uint8_t *image,
                        struct dt_outcome *out)
{
    struct mutator *m = ctx;
    native__run(c, image, out);
    memcpy(m->data, out->data, DT_DATA_SIZE);
    out->data = m->data;

    uint32_t defined = compare__flags_mask(c, out);
    uint32_t undefined = DT_FLAGS_COMPARED & ~defined;
    m->applied = true;
    switch (m->kind) {
    case NONE: break;
    case GPR: out->regs.gpr[c->number % 16] ^= 1ull << (c->number % 64); break;
    case FLAG: out->regs.rflags ^= defined & -defined; break; /* the lowest defined flag */
    case RIP: out->regs.rip++; break;
    case VECTOR: out->vector = out->vector < 0 ? 13 : -1; break;
    case DATA: m->data[c->number % DT_DATA_SIZE] ^= 0x10; break;
    case UNDEFINED_FLAG:
        m->applied = undefined != 0;
        out->regs.rflags ^= undefined;
        break;
    default: break;
    }
}

struct selftest {
    struct options opts;
    struct gen gen;
    struct runner runner;
    struct mutator mutator;
};

static int selftest_main(void *arg)
{
    struct selftest *t = arg;
    struct err err;

    if (native__init(&err)) {
        fprintf(stderr, "difftest-selftest: %s\n", err.msg);
        return 1;
    }
    struct runner *r = &t->runner;
    runner__init(r, t->opts.seed);
    check_exceptions(r->image);
    check_branch(r->image);
    check_self_modifying(r->image);

    /* 2. native against native */
    r->name = "native";
    r->run = run_mutated;
    r->ctx = &t->mutator;
    r->budget = t->opts.cases;
    r->max_printed = t->opts.max_failures;
    t->mutator.kind = NONE;
    gen__init(&t->gen, r, t->opts.seed, GEN_HAS_POPCNT | GEN_HAS_LZCNT | GEN_HAS_BMI1);
    if (gen__enumerate(&t->gen))
        gen_random__run(&t->gen);
    printf("difftest-selftest: native vs native: %llu cases (%llu enumerated), %llu failed, "
           "%llu not encodable\n",
           (unsigned long long)r->cases, (unsigned long long)t->gen.enumerated,
           (unsigned long long)r->failed, (unsigned long long)t->gen.unencodable);
    check(r->failed == 0 && r->cases == t->opts.cases, "native runs agree with themselves");
    check(t->gen.unencodable == 0, "every generated case encodes");
    runner__print_forms(r, stdout);

    /* 3. each kind of wrong result is caught; a wrong undefined flag is not */
    r->quiet = true;
    for (enum mutation kind = GPR; kind < NMUTATIONS; kind++) {
        uint64_t wrong_caught = 0, tried = 0;
        t->mutator.kind = kind;
        gen__init(&t->gen, r, t->opts.seed + kind, GEN_HAS_POPCNT);
        for (unsigned i = 0; i < 2000; i++) {
            uint64_t failed = r->failed;
            r->budget = r->cases + 1;
            gen_random__run(&t->gen);
            if (!t->mutator.applied)
                continue;
            tried++;
            wrong_caught += r->failed != failed;
        }
        char what[96];
        bool expect_caught = kind != UNDEFINED_FLAG;
        snprintf(what, sizeof(what), "mutation %d: %llu of %llu wrong results caught", kind,
                 (unsigned long long)wrong_caught, (unsigned long long)tried);
        check(tried > 0 && wrong_caught == (expect_caught ? tried : 0), what);
    }

    runner__destroy(r);
    printf("difftest-selftest: %u passed, %u failed\n", checks_passed, checks_failed);
    return checks_failed != 0;
}

int main(int argc, char **argv)
{
    static struct selftest t;
    t.opts = (struct options){.cases = 30000, .seed = 1, .max_failures = 10};
    if (options__parse(&t.opts, argc, argv, usage))
        return 2;
    return native__on_test_thread(selftest_main, &t);
}
