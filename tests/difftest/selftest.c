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
#include "corners.h"
#include "machine/vcpu.h"
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

/* ---- x87 state with an unmasked exception pending ---- */

#define X87_IN  (DT_DATA_ADDR + 0x1c00)
#define X87_OUT (DT_DATA_ADDR + 0x1e00)

/*
 * FXRSTOR64 of a state with #Z unmasked and pending (FSW.ZE), then
 * (n >= 2) FNSTSW AX and (n >= 3) FXSAVE64 and FNINIT: no instruction
 * waits, so natively nothing raises #MF, neither in the code nor in the
 * exit stub that follows it.
 */
static void pending_mf_case(struct dt_case *c, unsigned n)
{
    struct builder b;
    raw_case(c, NULL, 0);
    builder__start(&b, c);
    uint8_t img[32] = {0x7b, 0x03, 0x04, 0x00}; /* FCW 0x37b, FSW ZE; MXCSR below */
    img[24] = 0x80, img[25] = 0x1f;
    c->npatches = 1;
    c->patches[0] = (struct dt_patch){.offset = X87_IN - DT_DATA_ADDR, .len = sizeof(img)};
    memcpy(c->patches[0].bytes, img, sizeof(img));
    ZydisEncoderOperand in = op_mem(ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, 0, X87_IN, 512);
    ZydisEncoderOperand out = op_mem(ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, 0, X87_OUT, 512);
    ZydisEncoderOperand ax = op_reg(ZYDIS_REGISTER_AX);
    bool ok = builder__insn(&b, ZYDIS_MNEMONIC_FXRSTOR64, 0, 1, &in);
    if (n >= 2)
        ok = ok && builder__insn(&b, ZYDIS_MNEMONIC_FNSTSW, 0, 1, &ax);
    if (n >= 3) {
        ok = ok && builder__insn(&b, ZYDIS_MNEMONIC_FXSAVE64, 0, 1, &out) &&
             builder__insn(&b, ZYDIS_MNEMONIC_FNINIT, 0, 0, NULL);
        c->keep = 3;    /* never cut before the FXSAVE64 */
        c->subject = 2; /* the FNSTSW is under test */
    }
    check(ok, "the pending-#MF case encodes");
}

/* A side that runs natively but stores ST7's exponent wrong in every FXSAVE image. */
static void run_wrong_fxsave(void *ctx, const struct dt_case *c, const uint8_t *image,
                             struct dt_outcome *out)
{
    uint8_t *copy = ctx;
    native__run(c, image, out);
    memcpy(copy, out->data, DT_DATA_SIZE);
    out->data = copy;
    size_t off = X87_OUT - DT_DATA_ADDR + 32 + 7 * 16 + 8;
    if (memcmp(copy + X87_OUT - DT_DATA_ADDR, image + X87_OUT - DT_DATA_ADDR, 32))
        copy[off] ^= 0x01; /* only if an FXSAVE64 wrote the image */
}

static void check_pending_mf(const struct runner *r)
{
    static struct dt_case c;
    struct dt_outcome out;
    for (unsigned n = 1; n <= 3; n += 2) {
        pending_mf_case(&c, n);
        native__run(&c, r->image, &out);
        check(out.vector == -1 && out.regs.rip == dt_case_end(&c),
              n == 1 ? "code that leaves an x87 exception pending ends without #MF"
                     : "FXSAVE64 with an x87 exception pending ends without #MF");
    }

    /* a wrong state is reported as the data difference, not cut before the FXSAVE64 */
    static uint8_t wrong[DT_DATA_SIZE];
    char *text = NULL;
    size_t len = 0;
    FILE *report = open_memstream(&text, &len);
    if (!report) {
        check(false, "open_memstream");
        return;
    }
    static struct runner t;
    runner__init(&t, 1);
    memcpy(t.image, r->image, DT_DATA_SIZE);
    t.name = "wrong";
    t.run = run_wrong_fxsave;
    t.ctx = wrong;
    t.report = report;
    t.max_printed = 1;
    t.budget = 1;
    pending_mf_case(&c, 3);
    runner__submit(&t, &c);
    fclose(report);
    bool ok = t.failed == 1 && text && strstr(text, "data: 1 bytes differ") &&
              !strstr(text, "exception") && strstr(text, "(the first 3 of 4 instructions)") &&
              strstr(text, ": fnstsw");
    check(ok,
          "a pending-#MF case is reported as its real state difference, against its instruction");
    if (!ok)
        printf("%s", text ? text : "");
    free(text);
    runner__destroy(&t);
}

/* A form whose first case raises #UD on the side under test only fails, unless it is allowed. */
static void run_ud(void *ctx, const struct dt_case *c, const uint8_t *image, struct dt_outcome *out)
{
    (void)ctx;
    native__run(c, image, out);
    out->vector = 6;
    out->regs = c->in;
}

static void check_ud_allowlist(struct runner *r)
{
    static const uint8_t nop[] = {0x90};
    static const struct ud_allow allow_nop[] = {{"nop", "selftest"}, {NULL, NULL}};
    static struct dt_case c;
    for (int allowed = 0; allowed < 2; allowed++) {
        struct runner t = {.name = "ud",
                           .run = run_ud,
                           .budget = 1,
                           .quiet = true,
                           .ud_allowlist = allowed ? allow_nop : NULL};
        runner__init(&t, 1);
        t.budget = 1;
        raw_case(&c, nop, sizeof(nop));
        runner__submit(&t, &c);
        check(allowed ? t.failed == 0 && t.skipped == 1 : t.failed == 1 && t.skipped == 0,
              allowed ? "an allowlisted form raising #UD in the emulator only is excluded"
                      : "a form raising #UD in the emulator only fails unless allowlisted");
        runner__destroy(&t);
    }
    (void)r;
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
    corners__init();
    struct runner *r = &t->runner;
    runner__init(r, t->opts.seed);
    check_exceptions(r->image);
    check_branch(r->image);
    check_self_modifying(r->image);
    check_pending_mf(r);
    check_ud_allowlist(r);

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
