// SPDX-License-Identifier: Apache-2.0
/*
 * exitdev.c - ends the VM through the exit device at port 0x501.
 *
 * If the write does not stop the VM (a VMM without the device), the CPU
 * parks with interrupts off so the run ends by its timeout, never by
 * running off into memory.
 */
#include "exitdev.h"

#include "x86.h"

#define EXITDEV_PORT 0x501

void exitdev__exit(uint8_t status)
{
    outb(EXITDEV_PORT, status);
    for (;;) {
        irq_disable();
        halt();
    }
}
