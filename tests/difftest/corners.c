// SPDX-License-Identifier: Apache-2.0
/*
 * corners.c - the host's vendor and family (CPUID leaves 0 and 1), and the
 * list of corners the difftest compares only on the reference family or on
 * no host (see corners.h; the model's choices are in docs/emu-cpuid.md).
 */
#include "corners.h"

#include <cpuid.h>
#include <string.h>

/* The reference family of the CPU model's vendor-specific behaviour. */
#define REFERENCE_VENDOR "AuthenticAMD"
#define REFERENCE_FAMILY 0x19u /* Zen 3 and Zen 4 */

static const struct {
    const char *what;
    const char *why;
} corner_info[CORNER_COUNT] = {
    [CORNER_FXSAVE_POINTERS] = {"FOP, FIP and FDP stored by FXSAVE with no x87 exception "
                                "pending",
                                "the model stores 0 as AMD does; Intel stores the last values"},
    [CORNER_REP_A32_COUNT0] = {"RCX/RSI/RDI bits 63:32 after a REP string instruction with "
                               "32-bit addressing and ECX = 0",
                               "the model leaves them as AMD does; Intel clears some of them"},
    [CORNER_REP_FAULT_FLAGS] = {"the status flags when a REPE/REPNE CMPS/SCAS faults after some "
                                "iterations",
                                "the model keeps those of the last completed iteration as AMD "
                                "does; Intel does not"},
    [CORNER_MASKMOV_CR2] = {"CR2 of a #PF raised by MASKMOVDQU/MASKMOVQ",
                            "the model reports the first byte of the operand on the faulting "
                            "page as AMD does; Intel the first selected byte"},
    [CORNER_AC_SSE128] = {"alignment checks (#AC) of 128-bit SSE memory operands and of "
                          "MASKMOVDQU/MASKMOVQ (such cases run without RFLAGS.AC)",
                          "the model checks them as AMD does; Intel does not"},
    [CORNER_PAUSE_REX_B] = {"F3 before XCHG r8, rAX (REX.B 90; not generated)",
                            "the model executes the XCHG as AMD does; Intel executes PAUSE"},
    [CORNER_X87_SUPPRESSED_STORE] = {"whether an x87 store that an unmasked exception suppresses "
                                     "faults on its address (such a case is counted as not "
                                     "judged)",
                                     "the model checks the address first as AMD does; Intel "
                                     "does not"},
    [CORNER_X87_SPLIT_STORE] = {"the bytes before the page boundary of an x87 store split "
                                "across it whose second page faults",
                                "the model writes nothing as AMD does; Intel may write them"},
    [CORNER_FIP_UPPER] = {"FIP/FDP bits 63:48 loaded by FXRSTOR64 (random images hold canonical "
                          "values only)",
                          "the model sign-extends from bit 47 as Zen 3 does; Zen 4 keeps them"},
    [CORNER_UNDEFINED_FLAGS] = {"the flags the SDM leaves undefined (flags.c)",
                                "they differ between vendors and generations; the model's "
                                "values are documented and unit-tested"},
    [CORNER_SHXD16_LARGE] = {"SHLD/SHRD with a 16-bit operand and a count of 17..31 (not "
                             "generated)",
                             "the result is undefined; the model shifts as if 32-bit a:b:a"},
    [CORNER_BSWAP16] = {"the result of BSWAP r16 (not generated)",
                        "undefined; the model stores 0 in the low word"},
    [CORNER_MXCSR_MASK] = {"MXCSR_MASK in FXSAVE images (cleared before comparing)",
                           "the CPU model's (0xffff), not the host's"},
    [CORNER_FCS_FDS] = {"FCS and FDS in FNSTENV/FNSAVE images (cleared before comparing)",
                        "the model deprecates them (stored as 0); the host stores selectors"},
};

static char host_vendor[13];
static unsigned host_family, host_model;
static bool host_is_reference, forced;

void corners__init(void)
{
    unsigned a, b, c, d;
    __cpuid(0, a, b, c, d);
    memcpy(host_vendor, &b, 4);
    memcpy(host_vendor + 4, &d, 4);
    memcpy(host_vendor + 8, &c, 4);
    host_vendor[12] = 0;
    __cpuid(1, a, b, c, d);
    host_family = (a >> 8 & 0xf) + ((a >> 8 & 0xf) == 0xf ? (a >> 20 & 0xff) : 0);
    host_model = (a >> 4 & 0xf) | ((a >> 8 & 0xf) >= 6 ? (a >> 16 & 0xf) << 4 : 0);
    host_is_reference = !strcmp(host_vendor, REFERENCE_VENDOR) && host_family == REFERENCE_FAMILY;
}

void corners__force_reference(void)
{
    forced = !host_is_reference;
    host_is_reference = true;
}

bool corners__compared(enum corner c)
{
    return c < CORNER_NVENDOR && host_is_reference;
}

void corners__print(FILE *out)
{
    fprintf(out, "difftest: host %s family %u model %u: %s\n", host_vendor, host_family, host_model,
            forced              ? "not the CPU model's reference, but --all-corners compares "
                                  "every vendor-specific corner (failures there are expected)"
            : host_is_reference ? "the CPU model's reference for vendor-specific corners"
                                : "not the CPU model's reference (" REFERENCE_VENDOR
                                  " family 25) for vendor-specific corners");
    for (unsigned c = 0; c < CORNER_COUNT; c++) {
        if (corners__compared((enum corner)c))
            continue;
        fprintf(out, "difftest: not compared %s: %s (%s)\n",
                c < CORNER_NVENDOR ? "on this host" : "on any host", corner_info[c].what,
                corner_info[c].why);
    }
}
