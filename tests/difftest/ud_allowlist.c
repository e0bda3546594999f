// SPDX-License-Identifier: Apache-2.0
/*
 * ud_allowlist.c - the instruction forms the difftest may exclude because
 * the emulator raises #UD for them where the host CPU does not (see
 * runner.h). Each entry names the form as the failure report does
 * (forms.c) and says in one line why the CPU model leaves it out. A form
 * not listed here that raises #UD only in the emulator is a failure.
 *
 * The list is empty: every form the generators produce is one the CPU
 * model advertises (optional instructions follow its CPUID, see main.c),
 * and the engine implements all of them.
 */
#include "runner.h"

const struct ud_allow difftest_ud_allowlist[] = {
    {NULL, NULL}, /* end */
};
