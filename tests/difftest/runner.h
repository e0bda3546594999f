/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runner.h - runs each case natively and on the side under test, judges
 * them, and keeps the counts: cases, failures, and forms excluded because
 * the side under test does not implement them.
 *
 * A form is excluded when it is on the #UD allowlist and its first case ends
 * in #UD on the side under test but not natively; its later cases are
 * skipped and the form is listed once. A #UD on the side under test only is
 * a failure in every other case: a form not on the allowlist, or a later
 * case of a form that passed that probe.
 */
#ifndef STRATA_TESTS_DIFFTEST_RUNNER_H
#define STRATA_TESTS_DIFFTEST_RUNNER_H

#include <stdbool.h>
#include <stdio.h>

#include "difftest.h"
#include "forms.h"

typedef void (*runner_side_fn)(void *ctx, const struct dt_case *c, const uint8_t *image,
                               struct dt_outcome *out);

/* A form the side under test may leave out (raise #UD for), and why. */
struct ud_allow {
    const char *form; /* as forms.c names it, e.g. "fisttp m16" */
    const char *reason;
};

/* The difftest's allowlist (ud_allowlist.c), ended by an entry whose form is NULL. */
extern const struct ud_allow difftest_ud_allowlist[];

struct runner {
    /* set by the caller */
    const char *name; /* of the side under test, e.g. "emu" */
    runner_side_fn run;
    void *ctx;
    uint64_t budget;                     /* stop after this many cases */
    unsigned max_printed;                /* failures printed in full */
    bool quiet;                          /* print nothing per case (self-test) */
    const struct ud_allow *ud_allowlist; /* ended by form NULL; NULL: empty */
    FILE *report;                        /* where failures are printed; NULL: stdout */

    /* counts */
    uint64_t cases;
    uint64_t failed;
    uint64_t skipped;  /* cases of excluded forms */
    uint64_t unjudged; /* cases that parted at a vendor-specific corner (compare.h) */
    unsigned printed;

    struct form_table forms;
    uint8_t image[DT_DATA_SIZE]; /* initial data sandbox of every case */
    uint8_t ref_data[DT_DATA_SIZE];
};

/* Sets the counts to zero and fills the data image from seed. */
void runner__init(struct runner *r, uint64_t seed);
void runner__destroy(struct runner *r);

/* Runs and judges one case. Returns false once the budget is used up. */
bool runner__submit(struct runner *r, struct dt_case *c);

/* True when the budget is used up. */
bool runner__done(const struct runner *r);

/* Prints the #UD allowlist with its size, one line per entry. */
void runner__print_allowlist(const struct runner *r, FILE *out);

/* Prints the excluded forms and the forms with failures, one line each. */
void runner__print_forms(const struct runner *r, FILE *out);

#endif
