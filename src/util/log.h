/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.h - one-line diagnostics on stderr, prefixed "strata: ".
 *
 * log_ratelimited() is for things a guest can trigger (bad MMIO, unknown
 * instructions, bad descriptors): each call site prints at most
 * LOG_RATELIMIT_BURST lines, then stays quiet, so a hostile guest cannot
 * flood the host's terminal.
 */
#ifndef STRATA_UTIL_LOG_H
#define STRATA_UTIL_LOG_H

#include <stdatomic.h>

#define LOG_RATELIMIT_BURST 10

void log__msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Debug lines, printed only when STRATA_DEBUG is set in the environment. */
void log__debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define log_ratelimited(...)                                                                       \
    do {                                                                                           \
        static atomic_uint log_count_;                                                             \
        if (atomic_fetch_add_explicit(&log_count_, 1, memory_order_relaxed) <                      \
            LOG_RATELIMIT_BURST)                                                                   \
            log__msg(__VA_ARGS__);                                                                  \
    } while (0)

#endif
