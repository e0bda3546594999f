// SPDX-License-Identifier: Apache-2.0
/*
 * main.c - difftest: the emu engine against the host CPU, case by case.
 *
 * Runs the whole enumeration (gen_*.c) and then random sequences until
 * --cases cases have run, each natively and in the emulator, twice: through
 * the translator and through the interpreter (docs/emu-jit.md). The
 * interpreter's outcome is judged against the host's, and the translator's
 * must be identical to it, to the last flag bit and data byte. It ends with
 * "difftest: N cases, F failed (seed S)". Exit status 0 only if none
 * failed. See docs/testing.md, "difftest".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "corners.h"
#include "emulated.h"
#include "gen.h"
#include "native.h"
#include "options.h"

static const char usage[] =
    "usage: difftest [--cases N] [--seed S] [--max-failures K] [--random-only] [--all-corners]\n"
    "  --cases N         run N cases: the enumeration first, then random sequences\n"
    "                    (default 200000)\n"
    "  --seed S          seed of the random values and sequences (default 1)\n"
    "  --max-failures K  print at most K failures in full (default 20)\n"
    "  --random-only     skip the enumeration\n"
    "  --all-corners     compare the vendor-specific corners even on a host that is\n"
    "                    not the CPU model's reference (to see how it differs)\n";

struct difftest {
    struct options opts;
    struct emulated *emu; /* the interpreter */
    struct emulated *jit; /* the translator */
    struct dt_outcome jit_out;
    struct runner runner;
    struct gen gen;
};

/* Where the translator's outcome differs from the interpreter's: a note, or "" if nowhere. */
static void paths_differ(const struct dt_outcome *a, const struct dt_outcome *b, char *note,
                         size_t size)
{
    int n = 0;
    note[0] = 0;
    for (int i = 0; i < 16; i++)
        if (a->regs.gpr[i] != b->regs.gpr[i])
            n += snprintf(note + n, size - (size_t)n, " gpr%d %#llx", i,
                          (unsigned long long)b->regs.gpr[i]);
    if (a->regs.rip != b->regs.rip)
        n += snprintf(note + n, size - (size_t)n, " rip %#llx", (unsigned long long)b->regs.rip);
    if (a->regs.rflags != b->regs.rflags)
        n += snprintf(note + n, size - (size_t)n, " rflags %#llx",
                      (unsigned long long)b->regs.rflags);
    if (a->vector != b->vector || a->error_code != b->error_code || a->cr2 != b->cr2)
        n += snprintf(note + n, size - (size_t)n, " exception %d/%#x/%#llx", b->vector,
                      b->error_code, (unsigned long long)b->cr2);
    if (memcmp(a->data, b->data, DT_DATA_SIZE))
        n += snprintf(note + n, size - (size_t)n, " data");
    if (strcmp(a->note, b->note))
        snprintf(note + n, size - (size_t)n, " note [%s]", b->note);
}

static void run_emulated(void *ctx, const struct dt_case *c, const uint8_t *image,
                         struct dt_outcome *out)
{
    struct difftest *t = ctx;
    char differs[400];
    emulated__run(t->jit, c, image, &t->jit_out);
    emulated__run(t->emu, c, image, out);
    paths_differ(out, &t->jit_out, differs, sizeof(differs));
    if (differs[0] && !out->note[0])
        snprintf(out->note, sizeof(out->note), "the translator ended otherwise:%s", differs);
}

/* What the engine's CPU model advertises of the optional instructions we test. */
static unsigned model_features(struct emulated *emu)
{
    uint32_t leaf1[4], leaf7[4], ext1[4];
    struct err err;
    if (emulated__cpuid(emu, 1, 0, leaf1, &err) || emulated__cpuid(emu, 7, 0, leaf7, &err) ||
        emulated__cpuid(emu, 0x80000001, 0, ext1, &err)) {
        printf("difftest: %s; testing no optional instructions\n", err.msg);
        return 0;
    }
    unsigned features =
        (leaf1[2] >> 23 & 1 ? GEN_HAS_POPCNT : 0) | (ext1[2] >> 5 & 1 ? GEN_HAS_LZCNT : 0) |
        (leaf7[1] >> 3 & 1 ? GEN_HAS_BMI1 : 0) | (leaf1[2] & 1 ? GEN_HAS_SSE3 : 0) |
        (leaf1[2] >> 9 & 1 ? GEN_HAS_SSSE3 : 0) | (leaf1[2] >> 19 & 1 ? GEN_HAS_SSE41 : 0) |
        (leaf1[2] >> 20 & 1 ? GEN_HAS_SSE42 : 0) | (leaf7[1] >> 8 & 1 ? GEN_HAS_BMI2 : 0) |
        (leaf1[2] >> 22 & 1 ? GEN_HAS_MOVBE : 0) | (leaf7[1] >> 19 & 1 ? GEN_HAS_ADX : 0) |
        (leaf1[2] >> 25 & 1 ? GEN_HAS_AES : 0) | (leaf1[2] >> 1 & 1 ? GEN_HAS_PCLMUL : 0) |
        (leaf7[1] >> 23 & 1 ? GEN_HAS_CLFLUSHOPT : 0) | (leaf7[1] >> 24 & 1 ? GEN_HAS_CLWB : 0);
    static const char *const names[] = {"popcnt", "lzcnt",     "bmi1",       "sse3",  "ssse3",
                                        "sse4.1", "sse4.2",    "bmi2",       "movbe", "adx",
                                        "aes",    "pclmulqdq", "clflushopt", "clwb"};
    printf("difftest: the CPU model advertises:");
    for (unsigned k = 0; k < sizeof(names) / sizeof(names[0]); k++)
        if (features >> k & 1)
            printf(" %s", names[k]);
    printf("%s\n", features ? "" : " none of the optional instructions tested");
    return features;
}

static int difftest_main(void *arg)
{
    struct difftest *t = arg;
    struct err err;

    if (native__init(&err)) {
        fprintf(stderr, "difftest: %s\n", err.msg);
        return 1;
    }
    t->emu = emulated__create(false, &err);
    t->jit = t->emu ? emulated__create(true, &err) : NULL;
    if (!t->jit) {
        fprintf(stderr, "difftest: cannot create the emulated machine: %s\n", err.msg);
        return 1;
    }
    corners__init();
    if (t->opts.all_corners)
        corners__force_reference();
    corners__print(stdout);
    struct runner *r = &t->runner;
    runner__init(r, t->opts.seed);
    r->name = "emu";
    r->ud_allowlist = difftest_ud_allowlist;
    runner__print_allowlist(r, stdout);
    r->run = run_emulated;
    r->ctx = t;
    r->budget = t->opts.cases;
    r->max_printed = t->opts.max_failures;
    gen__init(&t->gen, r, t->opts.seed, model_features(t->emu));

    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (t->opts.random_only || gen__enumerate(&t->gen))
        gen_random__run(&t->gen);
    clock_gettime(CLOCK_MONOTONIC, &end);

    runner__print_forms(r, stdout);
    if (t->gen.unencodable)
        printf("difftest: %llu generated cases could not be encoded (a harness bug)\n",
               (unsigned long long)t->gen.unencodable);
    printf("difftest: %llu enumerated and %llu random cases in %.1f s, %llu skipped (excluded "
           "forms)\n",
           (unsigned long long)t->gen.enumerated,
           (unsigned long long)(r->cases - t->gen.enumerated),
           (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9,
           (unsigned long long)r->skipped);
    if (r->unjudged)
        printf("difftest: %llu cases parted at a vendor-specific corner not compared on this "
               "host and were not judged past it\n",
               (unsigned long long)r->unjudged);
    printf("difftest: %llu cases, %llu failed (seed %llu)\n", (unsigned long long)r->cases,
           (unsigned long long)r->failed, (unsigned long long)t->opts.seed);
    bool ok = r->failed == 0 && r->cases > 0 && !t->gen.unencodable;
    runner__destroy(r);
    emulated__destroy(t->emu);
    emulated__destroy(t->jit);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    static struct difftest t;
    t.opts = (struct options){.cases = 200000, .seed = 1, .max_failures = 20};
    if (options__parse(&t.opts, argc, argv, usage))
        return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    return native__on_test_thread(difftest_main, &t);
}
