/* SPDX-License-Identifier: Apache-2.0 */
/* unaligned.h - little-endian reads at any byte offset of a file image. */
#ifndef STRATA_BOARD_BOOT_UNALIGNED_H
#define STRATA_BOARD_BOOT_UNALIGNED_H

#include <stdint.h>

static inline uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
