// SPDX-License-Identifier: Apache-2.0
/*
 * exitdev.c - the exit device (see exitdev.h): a write stops the machine
 * with MACHINE_STOP_EXIT and the written byte as status.
 */
#include "devices/exitdev.h"

#include "machine/machine.h"

static void exitdev_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    (void)offset;
    (void)size;
    machine__stop(opaque, MACHINE_STOP_EXIT, (int)(value & 0xff));
}

/* No read handler: reads float high like any unclaimed port. */
const struct bus_ops exitdev_bus_ops = {.write = exitdev_write};
