// SPDX-License-Identifier: Apache-2.0
/*
 * dsdt.c - the DSDT of a Strata machine (ACPI 6.5, 5.2.11.1), in AML
 * encoded by aml.c and derived from the board's slot list (slots.h). What
 * it declares for the default slots, in ASL:
 *
 *   DefinitionBlock ("", "DSDT", 2, "STRATA", "STRADSDT", 1) {
 *     Name (_S5, Package (4) { 5, 0, 0, 0 })             soft off, see below
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
 *       Device (GED0) { Name (_HID, "ACPI0013")           Generic Event Device
 *                       Name (_CRS, ResourceTemplate () {
 *                           Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) {3} })
 *                       Method (_EVT, 1) { Notify (PWRB, 0x80) } }
 *       Device (PWRB) { Name (_HID, EisaId ("PNP0C0C")) }   the power button
 *       Device (VR00) { Name (_HID, "LNRO0005")           virtio-mmio, one per virtio slot
 *                       Name (_UID, 0)
 *                       Name (_CRS, ResourceTemplate () {
 *                           Memory32Fixed (ReadWrite, 0xD0000000, 0x1000)
 *                           Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) {5} }) }
 *     }
 *   }
 *
 * One Device per ACPI name of the slot list, with the slots of that name as
 * its resources: each port range as IO, each window as Memory32Fixed, and
 * then each GSI as IRQNoFlags on the port bus (ISA, edge) or as an extended Interrupt on
 * the MMIO bus (edge-triggered as the virtio transport drives it).
 *
 * Why these: on a hardware-reduced platform (fadt.h) Linux sets up no
 * legacy 8259 interrupts, so ISA IRQ n is not Linux IRQ n any more; an ISA
 * device gets a working interrupt only when the DSDT names its GSI (Linux's
 * PNP layer then maps it through the IOAPIC). Without COM1 here, opening
 * /dev/ttyS0 would fail for want of IRQ 4. No mouse is attached to the
 * i8042 (i8042.c), so there is no PNP0F13 device. Linux's virtio_mmio
 * driver finds the virtio windows through the "LNRO0005" id, as on QEMU's
 * microvm. \_S5 gives the sleep type that the ACPI sleep registers
 * (devices/acpi_sleep.h, the FADT's SLEEP_CONTROL_REG) take as power-off:
 * with it Linux's poweroff enters S5 instead of halting. The power button
 * of a hardware-reduced platform is a control-method button (ACPI 6.5,
 * 4.8.2.2.1.2): an edge on the GED's interrupt runs _EVT, whose Notify 0x80
 * makes Linux's button driver report KEY_POWER (vm__power_button).
 */
#include "board/acpi/dsdt.h"

#include <string.h>

#include "board/acpi/aml.h"
#include "board/acpi/tables.h"
#include "devices/acpi_sleep.h"

#define DSDT_REVISION 2 /* 64-bit AML integers */

/* EISA ids are three capital letters and four hex digits ("PNP0501"); anything else is a string. */
static bool is_eisa_id(const char *hid)
{
    return strlen(hid) == 7 && hid[0] >= 'A' && hid[0] <= 'Z' && hid[1] >= 'A' && hid[1] <= 'Z' &&
           hid[2] >= 'A' && hid[2] <= 'Z';
}

static void add_range(struct aml_resources *r, const struct board_slot *s)
{
    if (!s->size)
        return; /* an interrupt only (the GED) */
    if (s->bus == SLOT_PIO)
        aml__resources_io(r, (uint16_t)s->base, (uint8_t)s->size);
    else
        aml__resources_memory32(r, (uint32_t)s->base, (uint32_t)s->size);
}

static void add_interrupt(struct aml_resources *r, const struct board_slot *s)
{
    if (s->gsi == SLOT_NO_GSI)
        return;
    if (s->bus == SLOT_PIO)
        aml__resources_irq(r, (unsigned)s->gsi);
    else
        aml__resources_interrupt(r, (uint32_t)s->gsi);
}

/* Declares the Device named by slot `first` with every later slot of the same name. */
static void declare_device(struct aml *a, const struct board_slots *slots, unsigned first)
{
    const struct board_slot *s = &slots->slot[first];
    size_t dev = aml__device(a, s->acpi_name);
    if (s->hid && is_eisa_id(s->hid))
        aml__name_eisaid(a, "_HID", s->hid);
    else if (s->hid)
        aml__name_string(a, "_HID", s->hid);
    if (s->uid >= 0)
        aml__name_integer(a, "_UID", (uint64_t)s->uid);
    struct aml_resources r;
    aml__resources_init(&r);
    for (unsigned i = first; i < slots->n; i++) /* the ranges, then the interrupts */
        if (!strcmp(slots->slot[i].acpi_name, s->acpi_name))
            add_range(&r, &slots->slot[i]);
    for (unsigned i = first; i < slots->n; i++)
        if (!strcmp(slots->slot[i].acpi_name, s->acpi_name))
            add_interrupt(&r, &slots->slot[i]);
    aml__name_resources(a, "_CRS", &r);
    if (s->kind == SLOT_GED) { /* its one event: the power button was pressed */
        size_t evt = aml__method(a, "_EVT", 1);
        aml__notify(a, "PWRB", 0x80);
        aml__end(a, evt);
    }
    aml__end(a, dev);
    if (s->kind == SLOT_GED) {
        size_t pwrb = aml__device(a, "PWRB");
        aml__name_eisaid(a, "_HID", "PNP0C0C");
        aml__end(a, pwrb);
    }
}

/* True if an earlier slot has the same ACPI name (its Device is declared already). */
static bool declared_before(const struct board_slots *slots, unsigned i)
{
    for (unsigned j = 0; j < i; j++)
        if (!strcmp(slots->slot[j].acpi_name, slots->slot[i].acpi_name))
            return true;
    return false;
}

int dsdt__build(uint8_t *dst, size_t cap, size_t *len, const struct board_slots *slots,
                struct err *err)
{
    const size_t header = sizeof(struct acpi_table_header);
    if (cap < header)
        return err__set(err, "dsdt: no room for the table header");
    struct aml a;
    aml__init(&a, dst + header, cap - header);
    if (board_slots__find(slots, SLOT_SLEEP)) {
        const uint64_t s5[] = {ACPI_SLEEP_TYPE_S5, 0, 0, 0};
        aml__name_package(&a, "_S5_", s5, 4);
    }
    size_t sb = aml__scope(&a, "\\_SB");
    for (unsigned i = 0; i < slots->n; i++)
        if (slots->slot[i].acpi_name[0] && !declared_before(slots, i))
            declare_device(&a, slots, i);
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
