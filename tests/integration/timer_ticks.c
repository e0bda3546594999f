// SPDX-License-Identifier: Apache-2.0
/*
 * timer_ticks.c - a Linux userland program (static, run inside the guest)
 * that measures how many ticks of a periodic POSIX timer arrive on time
 * (POSIX.1-2008 timer_create/timer_settime, CLOCK_MONOTONIC, SIGEV_SIGNAL).
 *
 * usage: timer_ticks TICKS PERIOD_US
 *
 * The timer's first expiry is one period after the start, on an absolute
 * time, so tick k is due at start + k * period. The signal is blocked and
 * taken with sigwaitinfo(). A tick is on time when its signal is taken
 * before the next tick is due and it merged no other expiration (the
 * overrun count is 0); a merged expiration is a late tick. The program ends
 * once TICKS expirations have been counted and prints one line:
 *   timer-ticks: TICKS asked, N on time (P%), rate R%, E s, lateness median M us, worst L us
 * where the rate is the time the ticks should take over the time they took
 * (a guest whose timers are rounded up to 4 ms jiffies gets 25%).
 * (the lateness of each signal: from the due time of the last tick it
 * covers to the return of sigwaitinfo()).
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int compare(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct timespec to_timespec(uint64_t ns)
{
    return (struct timespec){.tv_sec = (time_t)(ns / 1000000000u),
                             .tv_nsec = (long)(ns % 1000000000u)};
}

static int parse(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    long ticks, period_us;
    if (argc != 3 || parse(argv[1], 1, 10000000, &ticks) ||
        parse(argv[2], 10, 10000000, &period_us)) {
        fprintf(stderr, "usage: timer_ticks TICKS PERIOD_US\n");
        return 2;
    }
    const uint64_t period = (uint64_t)period_us * 1000u;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &set, NULL);

    timer_t timer;
    struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN};
    if (timer_create(CLOCK_MONOTONIC, &sev, &timer)) {
        fprintf(stderr, "timer_ticks: timer_create: %s\n", strerror(errno));
        return 1;
    }
    const uint64_t start = now_ns();
    struct itimerspec its = {.it_value = to_timespec(start + period),
                             .it_interval = to_timespec(period)};
    if (timer_settime(timer, TIMER_ABSTIME, &its, NULL)) {
        fprintf(stderr, "timer_ticks: timer_settime: %s\n", strerror(errno));
        return 1;
    }
    uint64_t *lateness = calloc((size_t)ticks, sizeof(*lateness));
    if (!lateness) {
        fprintf(stderr, "timer_ticks: out of memory\n");
        return 1;
    }
    long counted = 0, on_time = 0, signals = 0;
    while (counted < ticks) {
        siginfo_t si;
        if (sigwaitinfo(&set, &si) < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "timer_ticks: sigwaitinfo: %s\n", strerror(errno));
            return 1;
        }
        const uint64_t t = now_ns();
        const long overrun = si.si_overrun > 0 ? si.si_overrun : 0;
        counted += 1 + overrun;
        const uint64_t due =
            start + (uint64_t)counted * period; /* the last tick this signal covers */
        const uint64_t late = t > due ? t - due : 0;
        lateness[signals++] = late;
        if (overrun == 0 && late < period)
            on_time++;
    }
    const uint64_t elapsed = now_ns() - start;
    qsort(lateness, (size_t)signals, sizeof(*lateness), compare);
    printf(
        "timer-ticks: %ld asked, %ld on time (%.1f%%), rate %.1f%%, %.3f s, lateness median %llu "
        "us, worst %llu us\n",
        ticks, on_time, 100.0 * (double)on_time / (double)ticks,
        100.0 * (double)ticks * (double)period / (double)elapsed, (double)elapsed / 1e9,
        (unsigned long long)(lateness[signals / 2] / 1000u),
        (unsigned long long)(lateness[signals - 1] / 1000u));
    free(lateness);
    return 0;
}
