/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forms.h - instruction forms: a mnemonic with its prefixes and operand
 * kinds ("lock adc m16, i8", "shl r32, cl"), the unit in which the run
 * counts cases and failures and excludes what the emulator does not
 * implement.
 */
#ifndef STRATA_TESTS_DIFFTEST_FORMS_H
#define STRATA_TESTS_DIFFTEST_FORMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FORM_KEY_LEN 48

enum form_state {
    FORM_NEW,      /* no case of this form has run yet */
    FORM_PROBED,   /* its first case ran in the emulator */
    FORM_EXCLUDED, /* the emulator answers its first case with #UD: not implemented */
};

struct form {
    char key[FORM_KEY_LEN];
    enum form_state state;
    uint64_t cases;
    uint64_t failures;
};

struct form_table {
    struct form *slots;
    size_t nslots; /* a power of two */
    size_t used;
};

/* The form of the instruction at bytes; "(bad)" if it does not decode. */
void form__key(const uint8_t *bytes, size_t len, char key[FORM_KEY_LEN]);

/* The entry for key, created in state FORM_NEW if absent; NULL if out of memory. */
struct form *form_table__get(struct form_table *t, const char *key);
void form_table__destroy(struct form_table *t);

#endif
