// SPDX-License-Identifier: Apache-2.0
/* base64.c - RFC 4648 section 4 base64 encoding (see base64.h). */
#include "util/base64.h"

#include <stdint.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64__encoded_size(size_t len)
{
    return (len + 2) / 3 * 4 + 1;
}

void base64__encode(const void *src, size_t len, char *dst)
{
    const uint8_t *in = src;
    for (; len >= 3; len -= 3, in += 3) {
        uint32_t v = (uint32_t)in[0] << 16 | (uint32_t)in[1] << 8 | in[2];
        *dst++ = alphabet[v >> 18];
        *dst++ = alphabet[(v >> 12) & 63];
        *dst++ = alphabet[(v >> 6) & 63];
        *dst++ = alphabet[v & 63];
    }
    if (len) {
        uint32_t v = (uint32_t)in[0] << 16 | (len == 2 ? (uint32_t)in[1] << 8 : 0);
        *dst++ = alphabet[v >> 18];
        *dst++ = alphabet[(v >> 12) & 63];
        *dst++ = len == 2 ? alphabet[(v >> 6) & 63] : '=';
        *dst++ = '=';
    }
    *dst = '\0';
}
