// SPDX-License-Identifier: Apache-2.0
/*
 * runner.c - native run, run under test, judgement and counting (see
 * runner.h). A failing sequence of several instructions is cut down to its
 * shortest failing prefix (one that no forward branch leaves), whose last
 * instruction names the failure's form.
 */
#include "runner.h"

#include <Zydis/Zydis.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "native.h"
#include "rng.h"

void runner__init(struct runner *r, uint64_t seed)
{
    struct rng rng;
    rng__seed(&rng, seed ^ 0x5a5a5a5a5a5a5a5aull);
    for (size_t i = 0; i < DT_DATA_SIZE; i += 8) {
        uint64_t v = rng__next(&rng);
        memcpy(r->image + i, &v, 8);
    }
    r->cases = r->failed = r->skipped = r->unjudged = 0;
    r->printed = 0;
    memset(&r->forms, 0, sizeof(r->forms));
}

void runner__destroy(struct runner *r)
{
    form_table__destroy(&r->forms);
}

bool runner__done(const struct runner *r)
{
    return r->cases >= r->budget;
}

static struct form *form_of(struct runner *r, const struct dt_case *c, unsigned i)
{
    char key[FORM_KEY_LEN];
    form__key(c->code + c->insn_offset[i], c->insn_offset[i + 1] - c->insn_offset[i], key);
    struct form *f = form_table__get(&r->forms, key);
    if (!f) {
        fprintf(stderr, "difftest: out of memory\n");
        exit(1);
    }
    return f;
}

/* Runs c on both sides; true if they agree. */
static bool run_both(struct runner *r, const struct dt_case *c, struct dt_outcome *ref,
                     struct dt_outcome *got, struct diff *d)
{
    native__run(c, r->image, ref);
    memcpy(r->ref_data, ref->data, DT_DATA_SIZE);
    ref->data = r->ref_data;
    r->run(r->ctx, c, r->image, got);
    return compare__outcomes(c, ref, got, d);
}

/* True if no relative branch among the first n instructions of c goes past the nth. */
static bool closed_prefix(const struct dt_case *c, unsigned n)
{
    ZydisDecoder decoder;
    ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    for (unsigned i = 0; i < n; i++) {
        ZydisDecodedInstruction insn;
        if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&decoder, NULL, c->code + c->insn_offset[i],
                                                        c->insn_offset[i + 1] - c->insn_offset[i],
                                                        &insn)))
            continue;
        if (insn.raw.imm[0].is_relative &&
            (int64_t)c->insn_offset[i + 1] + insn.raw.imm[0].value.s > (int64_t)c->insn_offset[n])
            return false;
    }
    return true;
}

/* The failing case cut to its shortest failing prefix (at least one instruction). */
static void shortest_failing_prefix(struct runner *r, const struct dt_case *c,
                                    struct dt_case *prefix)
{
    struct dt_outcome ref, got;
    struct diff d;

    *prefix = *c;
    for (unsigned n = c->keep ? c->keep : 1; n < c->ninsns; n++) {
        if (!closed_prefix(c, n))
            continue;
        prefix->ninsns = n;
        prefix->code_len = c->insn_offset[n];
        if (!run_both(r, prefix, &ref, &got, &d))
            return;
    }
    *prefix = *c;
}

static void report_failure(struct runner *r, const struct dt_case *c)
{
    static struct dt_case prefix;
    struct dt_outcome ref, got;
    struct diff d;

    r->failed++;
    shortest_failing_prefix(r, c, &prefix);
    unsigned named = prefix.ninsns <= c->keep && c->subject ? c->subject - 1 : prefix.ninsns - 1;
    struct form *f = form_of(r, &prefix, named);
    f->failures++;
    if (r->quiet || r->printed >= r->max_printed)
        return;
    r->printed++;

    char title[160];
    if (prefix.ninsns < c->ninsns)
        snprintf(title, sizeof(title), "%s (the first %u of %u instructions)", f->key,
                 prefix.ninsns, c->ninsns);
    else
        snprintf(title, sizeof(title), "%s", f->key);
    run_both(r, &prefix, &ref, &got, &d);
    FILE *out = r->report ? r->report : stdout;
    compare__print(out, &prefix, title, &ref, "native", &got, r->name, &d);
    if (r->printed == r->max_printed)
        fprintf(out, "difftest: further failures are counted but not printed\n");
}

static bool allowed(const struct runner *r, const char *key)
{
    for (const struct ud_allow *a = r->ud_allowlist; a && a->form; a++)
        if (!strcmp(a->form, key))
            return true;
    return false;
}

void runner__print_allowlist(const struct runner *r, FILE *out)
{
    unsigned n = 0;
    for (const struct ud_allow *a = r->ud_allowlist; a && a->form; a++)
        n++;
    fprintf(out,
            "difftest: #UD allowlist: %u form%s (excluded if %s raises #UD where the host does "
            "not; any other such #UD fails)%s\n",
            n, n == 1 ? "" : "s", r->name, n ? ":" : "");
    for (const struct ud_allow *a = r->ud_allowlist; a && a->form; a++)
        fprintf(out, "  %-40s %s\n", a->form, a->reason);
}

bool runner__submit(struct runner *r, struct dt_case *c)
{
    struct dt_outcome ref, got;
    struct diff d;

    if (runner__done(r))
        return false;
    for (unsigned i = 0; i < c->ninsns; i++) {
        if (form_of(r, c, i)->state == FORM_EXCLUDED) {
            r->skipped++;
            return true;
        }
    }
    c->number = r->cases;
    bool agree = run_both(r, c, &ref, &got, &d);

    struct form *first = form_of(r, c, 0);
    if (c->ninsns == 1 && first->state == FORM_NEW) {
        first->state = FORM_PROBED;
        if (got.vector == 6 && ref.vector != 6 && allowed(r, first->key)) {
            first->state = FORM_EXCLUDED;
            r->skipped++;
            return true;
        }
    }
    r->cases++;
    r->unjudged += d.corner;
    first->cases++;
    if (!agree)
        report_failure(r, c);
    return !runner__done(r);
}

void runner__print_forms(const struct runner *r, FILE *out)
{
    unsigned excluded = 0, failing = 0;
    for (size_t i = 0; i < r->forms.nslots; i++) {
        const struct form *f = &r->forms.slots[i];
        excluded += f->key[0] && f->state == FORM_EXCLUDED;
        failing += f->key[0] && f->failures;
    }
    if (excluded) {
        fprintf(out, "difftest: %u forms excluded (#UD in %s, on the allowlist):", excluded,
                r->name);
        for (size_t i = 0; i < r->forms.nslots; i++)
            if (r->forms.slots[i].key[0] && r->forms.slots[i].state == FORM_EXCLUDED)
                fprintf(out, " [%s]", r->forms.slots[i].key);
        fputc('\n', out);
    }
    if (failing) {
        fprintf(out, "difftest: failing forms (failures/cases of that form run first):\n");
        for (size_t i = 0; i < r->forms.nslots; i++) {
            const struct form *f = &r->forms.slots[i];
            if (f->key[0] && f->failures)
                fprintf(out, "  %-40s %llu/%llu\n", f->key, (unsigned long long)f->failures,
                        (unsigned long long)f->cases);
        }
    }
}
