// SPDX-License-Identifier: Apache-2.0
/*
 * acpi.c - lays the ACPI tables out in guest RAM (see acpi.h).
 *
 * From LAYOUT_ACPI_BASE up, each on a 16-byte boundary: RSDP, DSDT, FADT,
 * MADT, XSDT, RSDT. Each table is built in place and checksummed by its
 * own file (tables.c, dsdt.c, fadt.c, madt.c). The RSDP's place is fixed,
 * so it is reserved first and filled in last; every other table comes after
 * the tables it points at, so their addresses are known when it is built.
 */
#include "board/acpi/acpi.h"

#include <string.h>

#include "board/acpi/dsdt.h"
#include "board/acpi/fadt.h"
#include "board/acpi/madt.h"
#include "board/acpi/tables.h"
#include "board/layout.h"

#define TABLE_ALIGN 16 /* the RSDP must be 16-byte aligned (5.2.5.1); the rest follow suit */

/* The ACPI area of guest RAM, filled from the bottom. */
struct acpi_area {
    uint8_t *hva;
    size_t used;
};

static size_t align_up(size_t n)
{
    return (n + TABLE_ALIGN - 1) & ~(size_t)(TABLE_ALIGN - 1);
}

static size_t room(const struct acpi_area *area)
{
    return LAYOUT_ACPI_SIZE - area->used;
}

/* Takes len bytes at the cursor: their host address, and guest address in *gpa. */
static void *take(struct acpi_area *area, size_t len, uint64_t *gpa, struct err *err)
{
    if (len > room(area)) {
        err__set(err, "the acpi tables do not fit in %llu KiB",
                 (unsigned long long)(LAYOUT_ACPI_SIZE >> 10));
        return NULL;
    }
    void *p = area->hva + area->used;
    *gpa = LAYOUT_ACPI_BASE + area->used;
    area->used = align_up(area->used + len);
    return p;
}

int acpi__build(struct machine *m, const struct board_slots *slots, uint64_t *rsdp_gpa,
                struct err *err)
{
    if (m->ncpus == 0 || m->ncpus > MADT_MAX_CPUS)
        return err__set(err, "the acpi tables support 1 to %u cpus, not %u", MADT_MAX_CPUS,
                        m->ncpus);
    struct acpi_area area = {.hva = guest_memory__hva(&m->mem, LAYOUT_ACPI_BASE, LAYOUT_ACPI_SIZE)};
    if (!area.hva)
        return err__set(err, "guest memory too small for the acpi tables at 0x%llx",
                        (unsigned long long)LAYOUT_ACPI_BASE);
    memset(area.hva, 0, LAYOUT_ACPI_SIZE);
    struct board_slots legacy;
    if (!slots) {
        board_slots__init(&legacy);
        slots = &legacy;
    }

    uint64_t rsdp_at, dsdt_at, fadt_at, madt_at, xsdt_at, rsdt_at;
    struct acpi_rsdp *rsdp = take(&area, sizeof(*rsdp), &rsdp_at, err); /* fits: area empty */

    size_t dsdt_len;
    if (dsdt__build(area.hva + area.used, room(&area), &dsdt_len, slots, err))
        return -1;
    take(&area, dsdt_len, &dsdt_at, err); /* fits: built within room() */

    struct acpi_fadt *fadt = take(&area, sizeof(*fadt), &fadt_at, err);
    if (!fadt)
        return -1;
    fadt__build(fadt, dsdt_at, slots);

    void *madt = take(&area, madt__size(m->ncpus), &madt_at, err);
    if (!madt)
        return -1;
    madt__build(madt, m->ncpus);

    const uint64_t tables[] = {fadt_at, madt_at};
    const unsigned ntables = sizeof(tables) / sizeof(tables[0]);
    void *xsdt = take(&area, acpi__xsdt_size(ntables), &xsdt_at, err);
    void *rsdt = xsdt ? take(&area, acpi__rsdt_size(ntables), &rsdt_at, err) : NULL;
    if (!rsdt)
        return -1;
    acpi__build_xsdt(xsdt, tables, ntables);
    acpi__build_rsdt(rsdt, tables, ntables);

    acpi__build_rsdp(rsdp, (uint32_t)rsdt_at, xsdt_at);
    *rsdp_gpa = rsdp_at;
    return 0;
}
