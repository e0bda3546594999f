// SPDX-License-Identifier: Apache-2.0
/*
 * driver.c - runs a libFuzzer-style target (LLVMFuzzerTestOneInput) without
 * libFuzzer: on the files named on the command line (a corpus or a crash
 * to replay), then on pseudo-random inputs for a bounded time, so that
 * `make test` fuzzes on every run with the project's own compiler.
 *
 * usage: fuzz-driver [--seconds S] [--seed N] [FILE...]
 * Inputs are random bytes of random length (up to MAX_INPUT), half of them
 * mutations of the previous input (a few bytes flipped), which keeps
 * headers and structure that went deep. Prints one summary line; a finding
 * aborts through the target or a sanitizer, with the seed to reproduce it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_INPUT (68u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rng_state;

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
    LLVMFuzzerTestOneInput(buf, n);
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
    uint64_t seed = (uint64_t)time(NULL);
    int i = 1;
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 0);
        else
            break;
    }
    unsigned long files = 0;
    for (; i < argc; i++, files++)
        if (run_file(argv[i]))
            return 1;

    printf("fuzz: seed %llu (replay with --seed %llu)\n", (unsigned long long)seed,
           (unsigned long long)seed);
    fflush(stdout);
    rng_state = seed ? seed : 1;
    static uint8_t buf[MAX_INPUT];
    size_t len = 0;
    unsigned long runs = 0;
    double start = now();
    while (now() - start < seconds) {
        len = random_input(buf, len);
        LLVMFuzzerTestOneInput(buf, len);
        runs++;
    }
    printf("fuzz: %lu files and %lu random inputs in %.1f s, no finding\n", files, runs,
           now() - start);
    return 0;
}
