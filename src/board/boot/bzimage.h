/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bzimage.h - reading a Linux bzImage: its setup header and the location of
 * its compressed payload (Documentation/arch/x86/boot.rst, "The Real-Mode
 * Kernel Header" and "Details of Header Fields": payload_offset and
 * payload_length, boot protocol 2.08 and later).
 */
#ifndef STRATA_BOARD_BOOT_BZIMAGE_H
#define STRATA_BOARD_BOOT_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board/boot/bootparams.h"
#include "util/err.h"

#define BZIMAGE_MIN_PROTOCOL 0x0208

struct bzimage {
    struct setup_header hdr; /* as in the file; fields past its end are zero */
    const uint8_t *payload;  /* points into the file buffer */
    size_t payload_len;
};

/* True if the file carries the "HdrS" setup header magic. */
bool bzimage__detect(const uint8_t *file, size_t len);

/*
 * Parses a bzImage held in file[0, len). name is used in errors ("kernel
 * 'NAME': ..."). Fails on a protocol older than 2.08 and on a payload that
 * lies outside the file.
 */
int bzimage__parse(const uint8_t *file, size_t len, const char *name, struct bzimage *out,
                   struct err *err);

#endif
