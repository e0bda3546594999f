// SPDX-License-Identifier: Apache-2.0
/*
 * counter.c - a guest that counts for as long as it runs: "count N" on
 * COM1 about every 2^27 TSC cycles (a busy loop: it keeps its vCPU
 * working), from 1 upward, never ending by itself. Management tests pause,
 * resume, snapshot and move it and read the count: a paused guest's count
 * stands still, a restored or migrated one continues from where it was.
 * The count lives in RAM and the loop state in registers, so both must
 * survive for the count to continue.
 */
#include <stdint.h>

#include "runtime/serial.h"
#include "runtime/x86.h"

#define PERIOD_CYCLES (1ull << 27)

static volatile uint64_t count;

int main(void)
{
    for (;;) {
        uint64_t start = rdtsc();
        while (rdtsc() - start < PERIOD_CYCLES)
            __asm__ volatile("pause");
        count++;
        serial__printf("count %lu\n", (unsigned long)count);
    }
}
