// SPDX-License-Identifier: Apache-2.0
/*
 * dsdt.c - the DSDT of a Strata machine (ACPI 6.5, 5.2.11.1), in AML
 * encoded by aml.c. What it declares, in ASL:
 *
 *   DefinitionBlock ("", "DSDT", 2, "STRATA", "STRADSDT", 1) {
 *     Scope (\_SB) {
 *       Device (COM1) { Name (_HID, EisaId ("PNP0501"))   16550A UART
 *                       Name (_CRS, ResourceTemplate () {
 *                           IO (Decode16, 0x3F8, 0x3F8, 1, 8) IRQNoFlags () {4} }) }
 *       Device (PS2K) { Name (_HID, EisaId ("PNP0303"))   8042 with a PS/2 keyboard
 *                       Name (_CRS, ResourceTemplate () {
 *                           IO (Decode16, 0x60, 0x60, 1, 1) IO (Decode16, 0x64, 0x64, 1, 1)
 *                           IRQNoFlags () {1} }) }
 *       Device (RTC)  { Name (_HID, EisaId ("PNP0B00"))   MC146818 RTC, no interrupt
 *                       Name (_CRS, ResourceTemplate () { IO (Decode16, 0x70, 0x70, 1, 2) }) }
 *       Device (VR00) { Name (_HID, "LNRO0005")           virtio-mmio, one per window in use
 *                       Name (_UID, 0)
 *                       Name (_CRS, ResourceTemplate () {
 *                           Memory32Fixed (ReadWrite, 0xD0000000, 0x1000)
 *                           Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) {5} }) }
 *     }
 *   }
 *
 * Why these: on a hardware-reduced platform (fadt.h) Linux sets up no
 * legacy 8259 interrupts, so ISA IRQ n is not Linux IRQ n any more; an ISA
 * device gets a working interrupt only when the DSDT names its GSI (Linux's
 * PNP layer then maps it through the IOAPIC). Without COM1 here, opening
 * /dev/ttyS0 would fail for want of IRQ 4. The RTC model raises no
 * interrupts, so it declares none (rtc-cmos then runs without alarms). No
 * mouse is attached to the i8042 (i8042.c), so there is no PNP0F13 device.
 * The virtio-mmio devices (src/board/virtio_devices.h) are found by
 * Linux's virtio_mmio driver through the "LNRO0005" id, as on QEMU's microvm;
 * their windows are the ones registered on the MMIO bus, each with the GSI
 * virtio_devices__gsi() gives it, edge-triggered as the transport drives it.
 */
#include "board/acpi/dsdt.h"

#include <stdio.h>

#include "devices/cmos.h"
#include "devices/i8042.h"
#include "board/virtio_devices.h"
#include "board/acpi/aml.h"
#include "board/acpi/tables.h"
#include "board/board.h"
#include "board/layout.h"

#define DSDT_REVISION 2 /* 64-bit AML integers */

static void declare_com1(struct aml *a)
{
    size_t dev = aml__device(a, "COM1");
    aml__name_eisaid(a, "_HID", "PNP0501");
    struct aml_resources r;
    aml__resources_init(&r);
    aml__resources_io(&r, COM1_BASE, 8);
    aml__resources_irq(&r, COM1_GSI);
    aml__name_resources(a, "_CRS", &r);
    aml__end(a, dev);
}

static void declare_keyboard_controller(struct aml *a)
{
    size_t dev = aml__device(a, "PS2K");
    aml__name_eisaid(a, "_HID", "PNP0303");
    struct aml_resources r;
    aml__resources_init(&r);
    aml__resources_io(&r, I8042_DATA_PORT, 1);
    aml__resources_io(&r, I8042_COMMAND_PORT, 1);
    aml__resources_irq(&r, I8042_KBD_GSI);
    aml__name_resources(a, "_CRS", &r);
    aml__end(a, dev);
}

static void declare_rtc(struct aml *a)
{
    size_t dev = aml__device(a, "RTC");
    aml__name_eisaid(a, "_HID", "PNP0B00");
    struct aml_resources r;
    aml__resources_init(&r);
    aml__resources_io(&r, CMOS_PORT_BASE, CMOS_NR_PORTS);
    aml__name_resources(a, "_CRS", &r);
    aml__end(a, dev);
}

static void declare_virtio_mmio(struct aml *a, const struct bus *mmio)
{
    for (unsigned i = 0; i < VIRTIO_MAX_DEVICES; i++) {
        uint64_t base = virtio_devices__base(i);
        const struct bus_range *window = bus__find(mmio, base);
        if (!window || window->base != base)
            continue;
        char name[5];
        snprintf(name, sizeof(name), "VR%02u", i);
        size_t dev = aml__device(a, name);
        aml__name_string(a, "_HID", "LNRO0005");
        aml__name_integer(a, "_UID", i);
        struct aml_resources r;
        aml__resources_init(&r);
        aml__resources_memory32(&r, (uint32_t)base, (uint32_t)LAYOUT_VIRTIO_MMIO_SIZE);
        aml__resources_interrupt(&r, virtio_devices__gsi(i));
        aml__name_resources(a, "_CRS", &r);
        aml__end(a, dev);
    }
}

int dsdt__build(uint8_t *dst, size_t cap, size_t *len, const struct bus *mmio, struct err *err)
{
    const size_t header = sizeof(struct acpi_table_header);
    if (cap < header)
        return err__set(err, "dsdt: no room for the table header");
    struct aml a;
    aml__init(&a, dst + header, cap - header);
    size_t sb = aml__scope(&a, "\\_SB");
    declare_com1(&a);
    declare_keyboard_controller(&a);
    declare_rtc(&a);
    declare_virtio_mmio(&a, mmio);
    aml__end(&a, sb);

    size_t body;
    if (aml__finish(&a, &body, err))
        return -1;
    struct acpi_table_header *h = (struct acpi_table_header *)dst;
    acpi__init_header(h, "DSDT", (uint32_t)(header + body), DSDT_REVISION);
    acpi__finish_table(h);
    *len = header + body;
    return 0;
}
