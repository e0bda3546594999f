/* SPDX-License-Identifier: Apache-2.0 */
/* engines.h - the table of CPU engines strata can run a machine on, by name. */
#ifndef STRATA_CPU_ENGINES_H
#define STRATA_CPU_ENGINES_H

#include "cpu/vcpu.h"

/* The engine called name ("kvm", "emu"), or NULL if strata has none by that name. */
const struct engine_ops *engines__find(const char *name);

#endif
