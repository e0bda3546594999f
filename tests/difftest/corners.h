/* SPDX-License-Identifier: Apache-2.0 */
/*
 * corners.h - the places where the x86 architecture leaves the outcome to
 * the CPU maker (or to the generation), and how the difftest treats each.
 *
 * The emu engine's CPU model (docs/emu-cpuid.md, "Where the architecture
 * leaves a choice") picks one behaviour for each. A vendor-specific corner
 * is compared only on a host of the model's reference family (AMD family
 * 25: Zen 3 and Zen 4), whose behaviour the model follows; on any other host
 * it is masked, and the list of what is not compared there is printed at
 * the start of the run. Corners that differ even between generations of the
 * reference family (or that the architecture calls undefined, such as the
 * undefined flags of flags.c) are compared on no host and printed as such.
 */
#ifndef STRATA_TESTS_DIFFTEST_CORNERS_H
#define STRATA_TESTS_DIFFTEST_CORNERS_H

#include <stdbool.h>
#include <stdio.h>

enum corner {
    /* compared on the reference family only */
    CORNER_FXSAVE_POINTERS, /* FXSAVE's FOP/FIP/FDP with no x87 exception pending */
    CORNER_REP_A32_COUNT0,  /* REP string, 32-bit addressing, ECX = 0: RCX/RSI/RDI upper halves */
    CORNER_REP_FAULT_FLAGS, /* the flags when a REPE/REPNE CMPS/SCAS faults part-way */
    CORNER_MASKMOV_CR2,     /* CR2 when MASKMOVDQU/MASKMOVQ faults */
    CORNER_AC_SSE128,       /* #AC for misaligned 128-bit SSE operands (MOVUPS, MASKMOVDQU) */
    CORNER_PAUSE_REX_B,     /* F3 REX.B 90: PAUSE or XCHG r8, rAX */
    CORNER_X87_SUPPRESSED_STORE, /* the address check of an x87 store an unmasked exception stops */
    CORNER_X87_SPLIT_STORE,      /* the first part of an x87 store split across a faulting page */
    CORNER_NVENDOR,
    /* compared on no host */
    CORNER_FIP_UPPER = CORNER_NVENDOR, /* FIP/FDP bits 63:48 after FXRSTOR64 */
    CORNER_UNDEFINED_FLAGS,            /* the flags the SDM leaves undefined (flags.c) */
    CORNER_SHXD16_LARGE,               /* SHLD/SHRD r16 with a count of 17..31 */
    CORNER_BSWAP16,                    /* BSWAP r16 */
    CORNER_MXCSR_MASK,                 /* the MXCSR_MASK field of FXSAVE */
    CORNER_FCS_FDS,                    /* FCS/FDS in FNSTENV/FNSAVE images */
    CORNER_COUNT,
};

/* Reads the host's vendor and family; call once before the first case. */
void corners__init(void);

/* Compares the vendor-specific corners on this host too (--all-corners: to see them differ). */
void corners__force_reference(void);

/* True if this host's behaviour in corner c is the model's, so the difftest compares it. */
bool corners__compared(enum corner c);

/* The host, and which corners are not compared on it and why (one line each). */
void corners__print(FILE *out);

#endif
