/* SPDX-License-Identifier: Apache-2.0 */
/*
 * emulated.h - runs a case in the emu engine: a one-vCPU machine whose
 * memory holds the sandbox at the same addresses as the host process.
 */
#ifndef STRATA_TESTS_DIFFTEST_EMULATED_H
#define STRATA_TESTS_DIFFTEST_EMULATED_H

#include <stdbool.h>

#include "difftest.h"
#include "util/err.h"

struct emulated;

/* Creates the machine, its vCPU on the translator or the interpreter; NULL with err set on failure.
 */
struct emulated *emulated__create(bool translator, struct err *err);
void emulated__destroy(struct emulated *e);

/* Runs the case from the data image; out->data points into guest memory. */
void emulated__run(struct emulated *e, const struct dt_case *c, const uint8_t *image,
                   struct dt_outcome *out);

/* CPUID as the engine's CPU model answers it at CPL 3: regs = eax, ebx, ecx, edx. */
int emulated__cpuid(struct emulated *e, uint32_t leaf, uint32_t subleaf, uint32_t regs[4],
                    struct err *err);

#endif
