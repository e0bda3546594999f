/* SPDX-License-Identifier: Apache-2.0 */
/*
 * isa.h - helpers for byte-wide legacy (ISA) devices on the port-I/O bus.
 *
 * The legacy devices have 8-bit registers. A guest doing a 16- or 32-bit
 * access to one reaches the register's low byte; the upper byte lanes of a
 * read float high, as nothing drives them.
 */
#ifndef STRATA_DEVICES_ISA_H
#define STRATA_DEVICES_ISA_H

#include <stdint.h>

static inline uint64_t isa__widen_read(uint8_t byte, unsigned size)
{
    uint64_t lanes = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
    return (lanes & ~0xffull) | byte;
}

#endif
