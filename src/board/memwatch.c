// SPDX-License-Identifier: Apache-2.0
/* memwatch.c - host memory pressure and SIGBUS on guest memory, logged (see memwatch.h). */
#include "board/memwatch.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "board/vm.h"
#include "util/log.h"

struct memwatch {
    struct vm *vm;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
};

uint64_t memwatch__low_mark(uint64_t mem_total)
{
    uint64_t five = mem_total / 20;
    return five > (256ull << 20) ? five : 256ull << 20;
}

/* MemTotal and MemAvailable in bytes; false if /proc/meminfo says neither. */
static bool host_meminfo(uint64_t *total, uint64_t *avail)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return false;
    char line[128];
    unsigned long long v;
    int found = 0;
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "MemTotal: %llu kB", &v) == 1)
            *total = (uint64_t)v << 10, found |= 1;
        else if (sscanf(line, "MemAvailable: %llu kB", &v) == 1)
            *avail = (uint64_t)v << 10, found |= 2;
    }
    fclose(f);
    return found == 3;
}

static uint64_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long size, rss = 0;
    if (f) {
        if (fscanf(f, "%llu %llu", &size, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return rss * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void *watch(void *arg)
{
    struct memwatch *w = arg;
    bool low = false;
    pthread_mutex_lock(&w->lock);
    while (!w->stop) {
        uint64_t total, avail;
        if (host_meminfo(&total, &avail)) {
            uint64_t mark = memwatch__low_mark(total);
            if (!low && avail < mark) {
                struct virtio_balloon_info bi = {0};
                if (w->vm->virtio.balloon)
                    virtio_balloon__info(w->vm->virtio.balloon, &bi);
                log__msg("host memory low: %llu MiB available (low mark %llu MiB); this vm's "
                         "rss is %llu MiB, %llu MiB ballooned; the kernel's oom killer may end "
                         "it (docs/memory.md)",
                         (unsigned long long)(avail >> 20), (unsigned long long)(mark >> 20),
                         (unsigned long long)(rss_bytes() >> 20),
                         (unsigned long long)(bi.inflated >> 20));
                low = true;
            } else if (low && avail > mark + mark / 2) {
                log__msg("host memory recovered: %llu MiB available",
                         (unsigned long long)(avail >> 20));
                low = false;
            }
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 2;
        pthread_cond_timedwait(&w->wake, &w->lock, &until);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Async-signal-safe: one line, then exit(1) without running anything else. */
static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)si, (void)uc;
    static const char msg[] = "strata: SIGBUS: the host could not back guest memory (hugetlbfs "
                              "pool or --mem-path file system exhausted?): stopping\n";
    ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)n;
    _exit(1);
}

struct memwatch *memwatch__start(struct vm *vm)
{
    struct memwatch *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->vm = vm;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (pthread_create(&w->thread, NULL, watch, w)) {
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return NULL;
    }
    if (vm->machine.mem.shared_backing) {
        struct sigaction sa = {.sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO};
        sigaction(SIGBUS, &sa, NULL);
    }
    return w;
}

void memwatch__stop(struct memwatch *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
