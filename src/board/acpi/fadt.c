// SPDX-License-Identifier: Apache-2.0
/*
 * fadt.c - the Fixed ACPI Description Table of a hardware-reduced platform
 * (ACPI 6.5, 5.2.9 and 4.1; see fadt.h).
 *
 * Hardware-reduced: every fixed-hardware field (SCI, SMI command, PM1/PM2
 * blocks, PM timer, GPE blocks, FACS) is zero and Linux skips them all
 * (acpica/tbfadt.c stops converting the FADT at the HW_REDUCED flag;
 * arch/x86/kernel/acpi/boot.c then sets up no SCI and no legacy 8259 IRQs:
 * ISA devices get their interrupts from the DSDT, see dsdt.c). The boot
 * architecture flags describe the board (board.h): legacy ISA devices, an
 * 8042 (whose reset line reboots the machine), no VGA, and no MSI since
 * there is no PCI. The DSDT is given at both its 32- and 64-bit address.
 * The sleep control and status registers are the two byte-wide ports of
 * the slot list's ACPI sleep slot (devices/acpi_sleep.h); with them and
 * the DSDT's \_S5, Linux's acpi_sleep_state_supported(S5) holds and
 * poweroff ends the machine (acpica/hwesleep.c writes SLP_TYP and SLP_EN).
 */
#include "board/acpi/fadt.h"

#include <string.h>

#include "devices/acpi_sleep.h"

#define FADT_REVISION      6
#define FADT_MINOR_VERSION 5    /* ACPI 6.5 */
#define CMOS_CENTURY_INDEX 0x32 /* where the board's CMOS keeps the century (cmos.c) */

static struct acpi_gas io_byte(uint64_t port)
{
    return (struct acpi_gas){.address_space_id = ACPI_GAS_SYSTEM_IO,
                             .register_bit_width = 8,
                             .access_size = ACPI_GAS_ACCESS_BYTE,
                             .address = port};
}

void fadt__build(struct acpi_fadt *fadt, uint64_t dsdt_gpa, const struct board_slots *slots)
{
    memset(fadt, 0, sizeof(*fadt));
    acpi__init_header(&fadt->header, "FACP", sizeof(*fadt), FADT_REVISION);
    fadt->fadt_minor_version = FADT_MINOR_VERSION;
    fadt->dsdt = (uint32_t)dsdt_gpa;
    fadt->x_dsdt = dsdt_gpa;
    fadt->century = CMOS_CENTURY_INDEX;
    fadt->iapc_boot_arch = FADT_BOOT_ARCH_LEGACY_DEVICES | FADT_BOOT_ARCH_8042 |
                           FADT_BOOT_ARCH_VGA_NOT_PRESENT | FADT_BOOT_ARCH_MSI_NOT_SUPPORTED;
    fadt->flags = FADT_F_HW_REDUCED_ACPI | FADT_F_PWR_BUTTON | FADT_F_SLP_BUTTON;
    const struct board_slot *sleep = board_slots__find(slots, SLOT_SLEEP);
    if (sleep) {
        fadt->sleep_control_reg = io_byte(sleep->base + ACPI_SLEEP_CONTROL);
        fadt->sleep_status_reg = io_byte(sleep->base + ACPI_SLEEP_STATUS);
    }
    memcpy(&fadt->hypervisor_vendor_id, "STRATAVM", sizeof(fadt->hypervisor_vendor_id));
    acpi__finish_table(&fadt->header);
}
