/* SPDX-License-Identifier: Apache-2.0 */
/* base64.h - RFC 4648 base64 encoding (standard alphabet, '=' padding). */
#ifndef STRATA_UTIL_BASE64_H
#define STRATA_UTIL_BASE64_H

#include <stddef.h>

/* Bytes base64__encode writes for len input bytes, the terminating NUL included. */
size_t base64__encoded_size(size_t len);

/* Encodes src into dst (base64__encoded_size(len) bytes) and NUL-terminates it. */
void base64__encode(const void *src, size_t len, char *dst);

#endif
