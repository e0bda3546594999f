/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fadt.h - the Fixed ACPI Description Table (ACPI 6.5, 5.2.9), revision 6.
 *
 * A Strata machine is a hardware-reduced ACPI platform (4.1, "Hardware-
 * Reduced ACPI"), as Firecracker's and QEMU's microvm are: no PM timer, no
 * PM1 event/control blocks, no GPEs, no SCI, no FACS. The FADT then carries
 * little more than the DSDT's address, the IA-PC boot architecture flags
 * (5.2.9.3), which tell the OS about the legacy devices the board does have,
 * and the sleep control and status registers (4.8.3.7) through which the OS
 * powers the machine off.
 */
#ifndef STRATA_BOARD_ACPI_FADT_H
#define STRATA_BOARD_ACPI_FADT_H

#include <stdint.h>

#include "board/acpi/tables.h"
#include "board/slots.h"

struct acpi_fadt {
    struct acpi_table_header header; /* "FACP" */
    uint32_t firmware_ctrl;          /* FACS: none on a hardware-reduced platform */
    uint32_t dsdt;
    uint8_t reserved0;
    uint8_t preferred_pm_profile;
    uint16_t sci_int;
    uint32_t smi_cmd;
    uint8_t acpi_enable;
    uint8_t acpi_disable;
    uint8_t s4bios_req;
    uint8_t pstate_cnt;
    uint32_t pm1a_evt_blk;
    uint32_t pm1b_evt_blk;
    uint32_t pm1a_cnt_blk;
    uint32_t pm1b_cnt_blk;
    uint32_t pm2_cnt_blk;
    uint32_t pm_tmr_blk;
    uint32_t gpe0_blk;
    uint32_t gpe1_blk;
    uint8_t pm1_evt_len;
    uint8_t pm1_cnt_len;
    uint8_t pm2_cnt_len;
    uint8_t pm_tmr_len;
    uint8_t gpe0_blk_len;
    uint8_t gpe1_blk_len;
    uint8_t gpe1_base;
    uint8_t cst_cnt;
    uint16_t p_lvl2_lat;
    uint16_t p_lvl3_lat;
    uint16_t flush_size;
    uint16_t flush_stride;
    uint8_t duty_offset;
    uint8_t duty_width;
    uint8_t day_alrm;
    uint8_t mon_alrm;
    uint8_t century;         /* CMOS index of the century, 0: none */
    uint16_t iapc_boot_arch; /* FADT_BOOT_ARCH_* */
    uint8_t reserved1;
    uint32_t flags; /* FADT_F_* */
    struct acpi_gas reset_reg;
    uint8_t reset_value;
    uint16_t arm_boot_arch;
    uint8_t fadt_minor_version;
    uint64_t x_firmware_ctrl;
    uint64_t x_dsdt;
    struct acpi_gas x_pm1a_evt_blk;
    struct acpi_gas x_pm1b_evt_blk;
    struct acpi_gas x_pm1a_cnt_blk;
    struct acpi_gas x_pm1b_cnt_blk;
    struct acpi_gas x_pm2_cnt_blk;
    struct acpi_gas x_pm_tmr_blk;
    struct acpi_gas x_gpe0_blk;
    struct acpi_gas x_gpe1_blk;
    struct acpi_gas sleep_control_reg;
    struct acpi_gas sleep_status_reg;
    uint64_t hypervisor_vendor_id;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT revision 6 is 276 bytes");

/* IA-PC boot architecture flags (5.2.9.3, table 5.11) */
#define FADT_BOOT_ARCH_LEGACY_DEVICES    (1u << 0) /* ISA devices the OS cannot enumerate */
#define FADT_BOOT_ARCH_8042              (1u << 1)
#define FADT_BOOT_ARCH_VGA_NOT_PRESENT   (1u << 2)
#define FADT_BOOT_ARCH_MSI_NOT_SUPPORTED (1u << 3)

/* Fixed feature flags (5.2.9, table 5.10) */
#define FADT_F_PWR_BUTTON      (1u << 4) /* the power button, if any, is a control method device */
#define FADT_F_SLP_BUTTON      (1u << 5) /* likewise the sleep button */
#define FADT_F_HW_REDUCED_ACPI (1u << 20)

/*
 * Fills *fadt (complete, checksummed) for a DSDT at dsdt_gpa; the sleep
 * registers are those of the slot list's SLOT_SLEEP slot, if it has one.
 */
void fadt__build(struct acpi_fadt *fadt, uint64_t dsdt_gpa, const struct board_slots *slots);

#endif
