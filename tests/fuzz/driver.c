// SPDX-License-Identifier: Apache-2.0
/*
 * driver.c - runs a libFuzzer-style target (LLVMFuzzerTestOneInput) without
 * libFuzzer: on the files named on the command line (a corpus or a crash
 * to replay), then on pseudo-random inputs for a bounded time, so that
 * `make test` fuzzes on every run with the project's own compiler (the
 * clang/libFuzzer build of the same targets is `make fuzz`, see
 * tests/fuzz/meson.build).
 *
 * usage: fuzz-driver [--seconds S] [--seed N] [FILE...]
 * Inputs are random bytes of random length (up to MAX_INPUT), half of them
 * mutations of the previous input (a few bytes flipped), which keeps
 * headers and structure that went deep.
 *
 * Reproducible: the seed is printed first, always; without --seed it is 1
 * when the environment says CI=true (so a CI run is the same run every
 * time) and the clock otherwise. A finding (the target aborts, a signal,
 * or a sanitizer report) prints the input that caused it: its length, its
 * first bytes in hex, and the file it was written to
 * (fuzz-crash-TARGET-SEED.bin in the working directory), which replays it
 * as `TARGET FILE`.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_INPUT    (68u << 10)
#define HEX_PRINTED  512 /* bytes of the input shown on stderr */
#define CRASH_PATH_N 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The sanitizers' hook for "about to die" (compiler-rt's common interface). */
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

/*
 * With gcc, UBSan is a runtime of its own whose death callback the one set
 * above does not reach: make its reports end in abort(), which on_signal
 * catches (exit status and report text are unchanged otherwise).
 */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
    return "abort_on_error=1:print_stacktrace=1";
}

static uint64_t rng_state;
static const uint8_t *current; /* the input under test, for the finding report */
static size_t current_len;
static const char *current_file; /* when it came from a file */
static char crash_path[CRASH_PATH_N];
static volatile sig_atomic_t reported;

static uint64_t next_random(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void say(const char *s)
{
    size_t n = strlen(s);
    while (n) {
        ssize_t w = write(2, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* Prints (and saves) the input under test; only async-signal-safe calls. */
static void report_input(void)
{
    if (reported || !current)
        return;
    reported = 1;
    char line[160];
    snprintf(line, sizeof(line), "fuzz: FINDING on an input of %zu bytes%s%s\n", current_len,
             current_file ? " from " : "", current_file ? current_file : "");
    say(line);
    if (!current_file) {
        int fd = open(crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        size_t done = 0;
        while (fd >= 0 && done < current_len) {
            ssize_t w = write(fd, current + done, current_len - done);
            if (w <= 0)
                break;
            done += (size_t)w;
        }
        if (fd >= 0)
            close(fd);
        say(done == current_len && fd >= 0 ? "fuzz: the input is in " : "fuzz: could not write ");
        say(crash_path);
        say(" (replay: run this program with that file)\n");
    }
    static const char hex[] = "0123456789abcdef";
    say("fuzz: input bytes:");
    size_t shown = current_len < HEX_PRINTED ? current_len : HEX_PRINTED;
    for (size_t i = 0; i < shown; i++) {
        char b[4] = {(char)(i % 32 ? ' ' : '\n'), hex[current[i] >> 4], hex[current[i] & 15], 0};
        say(b);
    }
    say(shown < current_len ? "\n  ...\n" : "\n");
}

static void on_signal(int sig)
{
    report_input();
    signal(sig, SIG_DFL);
    raise(sig);
}

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    static uint8_t buf[MAX_INPUT];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    current = buf, current_len = n, current_file = path;
    LLVMFuzzerTestOneInput(buf, n);
    current = NULL, current_file = NULL;
    return 0;
}

static size_t random_input(uint8_t *buf, size_t prev_len)
{
    if (prev_len && (next_random() & 1)) {
        unsigned flips = 1 + (unsigned)(next_random() % 8);
        for (unsigned i = 0; i < flips; i++)
            buf[next_random() % prev_len] ^= (uint8_t)(1u << (next_random() % 8));
        return prev_len;
    }
    size_t len = (size_t)(next_random() % MAX_INPUT);
    for (size_t i = 0; i < len; i += 8) {
        uint64_t r = next_random();
        memcpy(buf + i, &r, len - i < 8 ? len - i : 8);
    }
    return len;
}

int main(int argc, char **argv)
{
    double seconds = 5;
    const char *ci = getenv("CI");
    uint64_t seed = ci && !strcmp(ci, "true") ? 1 : (uint64_t)time(NULL);
    int i = 1;
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 0);
        else
            break;
    }
    const char *target = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    snprintf(crash_path, sizeof(crash_path), "fuzz-crash-%s-%llu.bin", target,
             (unsigned long long)seed);
    if (__sanitizer_set_death_callback)
        __sanitizer_set_death_callback(report_input);
    static const int fatal[] = {SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE};
    for (size_t k = 0; k < sizeof(fatal) / sizeof(fatal[0]); k++)
        signal(fatal[k], on_signal);

    printf("fuzz: %s: seed %llu (replay with --seed %llu)\n", target, (unsigned long long)seed,
           (unsigned long long)seed);
    fflush(stdout);
    unsigned long files = 0;
    for (; i < argc; i++, files++)
        if (run_file(argv[i]))
            return 1;

    rng_state = seed ? seed : 1;
    static uint8_t buf[MAX_INPUT], copy[MAX_INPUT];
    size_t len = 0;
    unsigned long runs = 0;
    double start = now();
    while (now() - start < seconds) {
        len = random_input(buf, len);
        /* the target sees a copy, so the report shows the input as it was given */
        memcpy(copy, buf, len);
        current = buf, current_len = len;
        LLVMFuzzerTestOneInput(copy, len);
        runs++;
    }
    current = NULL;
    printf("fuzz: %s: %lu files and %lu random inputs in %.1f s, no finding (seed %llu)\n", target,
           files, runs, now() - start, (unsigned long long)seed);
    return 0;
}
