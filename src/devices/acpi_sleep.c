// SPDX-License-Identifier: Apache-2.0
/*
 * acpi_sleep.c - the hardware-reduced ACPI sleep registers (see
 * acpi_sleep.h): SLP_EN with the \_S5 type powers the machine off.
 */
#include "devices/acpi_sleep.h"

#include "machine/machine.h"
#include "util/log.h"

static uint64_t acpi_sleep_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)size;
    return 0; /* control: write-only; status: no wake event */
}

static void acpi_sleep_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    (void)size;
    if (offset != ACPI_SLEEP_CONTROL || !(value & ACPI_SLEEP_SLP_EN))
        return;
    unsigned type = ACPI_SLEEP_SLP_TYP(value);
    if (type != ACPI_SLEEP_TYPE_S5) {
        log_ratelimited("acpi: sleep type %u requested; only S5 (power off) is supported", type);
        return;
    }
    struct machine *m = opaque;
    if (!machine__stopped(m))
        log__debug("guest power-off (ACPI S5)");
    machine__stop(m, MACHINE_STOP_POWEROFF, 0);
}

const struct bus_ops acpi_sleep_bus_ops = {.read = acpi_sleep_read, .write = acpi_sleep_write};
