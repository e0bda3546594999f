// SPDX-License-Identifier: Apache-2.0
/*
 * bzimage.c - setup header and payload of a bzImage (see bzimage.h).
 *
 * File layout (boot.rst): a 512-byte boot sector, then setup_sects sectors
 * of real-mode setup code whose start holds the setup header at 0x1f1, then
 * the protected-mode part; its compressed payload (the ELF vmlinux) sits at
 * payload_offset from that part's start. Every size comes from the file, so
 * every range is checked against the file length without overflow.
 */
#include "board/boot/bzimage.h"

#include <string.h>

#include "board/boot/unaligned.h"

#define SECTOR_SIZE         512
#define DEFAULT_SETUP_SECTS 4 /* boot.rst: "if setup_sects is 0, the real value is 4" */
#define HEADER_MAGIC_OFFSET 0x202
#define JUMP_OFFSET_BYTE    0x201 /* the header ends at 0x202 + this byte */

bool bzimage__detect(const uint8_t *file, size_t len)
{
    return len >= HEADER_MAGIC_OFFSET + 4 &&
           get_le32(file + HEADER_MAGIC_OFFSET) == SETUP_HEADER_MAGIC;
}

int bzimage__parse(const uint8_t *file, size_t len, const char *name, struct bzimage *out,
                   struct err *err)
{
    memset(out, 0, sizeof(*out));
    if (!bzimage__detect(file, len))
        return err__set(err, "kernel '%s' has no bzImage setup header", name);

    /* The header is as long as the kernel says, and never longer than we know it. */
    size_t hdr_end = HEADER_MAGIC_OFFSET + (size_t)file[JUMP_OFFSET_BYTE];
    size_t hdr_len = hdr_end - SETUP_HEADER_OFFSET;
    if (hdr_len > sizeof(out->hdr))
        hdr_len = sizeof(out->hdr);
    if (hdr_len < offsetof(struct setup_header, payload_length) + sizeof(uint32_t) ||
        SETUP_HEADER_OFFSET + hdr_len > len)
        return err__set(err, "kernel '%s': truncated bzImage setup header", name);
    memcpy(&out->hdr, file + SETUP_HEADER_OFFSET, hdr_len);

    const struct setup_header *h = &out->hdr;
    if (h->version < BZIMAGE_MIN_PROTOCOL)
        return err__set(err, "kernel '%s': boot protocol %u.%02u is too old (need 2.08 or later)",
                        name, h->version >> 8, h->version & 0xff);

    uint64_t setup_sects = h->setup_sects ? h->setup_sects : DEFAULT_SETUP_SECTS;
    uint64_t payload_start = (setup_sects + 1) * SECTOR_SIZE + h->payload_offset;
    uint64_t payload_end = payload_start + h->payload_length; /* < 2^34: no overflow */
    if (payload_end > len)
        return err__set(err,
                        "kernel '%s': truncated bzImage (payload ends at byte %llu, the file has "
                        "%zu)",
                        name, (unsigned long long)payload_end, len);
    if (h->payload_length == 0)
        return err__set(err, "kernel '%s': bzImage has an empty payload", name);
    out->payload = file + payload_start;
    out->payload_len = h->payload_length;
    return 0;
}
