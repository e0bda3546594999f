/* SPDX-License-Identifier: Apache-2.0 */
/* engines.h - the table of CPU engines strata can run a machine on, and the auto choice. */
#ifndef STRATA_CPU_ENGINES_H
#define STRATA_CPU_ENGINES_H

#include "machine/vcpu.h"

/* The engine called name ("kvm", "emu"), or NULL if strata has none by that name. */
const struct engine_ops *engines__find(const char *name);

/*
 * The engine for --engine=auto: kvm where /dev/kvm is usable and runs guest
 * kernel code in hardware; emu on a host without usable /dev/kvm or with a
 * PVM /dev/kvm (kernel code emulated by the host, see docs/architecture.md).
 * Writes one line on why into reason.
 */
const struct engine_ops *engines__auto(char *reason, size_t reason_len);

#endif
