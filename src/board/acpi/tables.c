// SPDX-License-Identifier: Apache-2.0
/*
 * tables.c - checksums, table headers and the root of the ACPI table tree:
 * RSDP (ACPI 6.5, 5.2.5.3), RSDT (5.2.7) and XSDT (5.2.8); see tables.h.
 *
 * Every table sums to zero over its whole length (5.2.6); the RSDP has two
 * checksums, one over its ACPI 1.0 part and one over all of it (5.2.5.3).
 * Both root tables list the same tables: ACPI 2.0+ OSes read the XSDT,
 * older parsers the RSDT.
 */
#include "board/acpi/tables.h"

#include <string.h>

#define RSDT_REVISION 1
#define XSDT_REVISION 1
#define RSDP_REVISION 2

uint8_t acpi__checksum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += b[i];
    return (uint8_t)-sum;
}

void acpi__init_header(struct acpi_table_header *h, const char signature[4], uint32_t length,
                       uint8_t revision)
{
    memset(h, 0, sizeof(*h));
    memcpy(h->signature, signature, sizeof(h->signature));
    h->length = length;
    h->revision = revision;
    memcpy(h->oem_id, ACPI_OEM_ID, sizeof(h->oem_id));
    memcpy(h->oem_table_id, ACPI_OEM_TABLE_PREFIX, 4);
    memcpy(h->oem_table_id + 4, signature, 4);
    h->oem_revision = ACPI_OEM_REVISION;
    memcpy(h->creator_id, ACPI_CREATOR_ID, sizeof(h->creator_id));
    h->creator_revision = ACPI_CREATOR_REVISION;
}

void acpi__finish_table(struct acpi_table_header *h)
{
    h->checksum = 0;
    h->checksum = acpi__checksum(h, h->length);
}

void acpi__build_rsdp(struct acpi_rsdp *rsdp, uint32_t rsdt_gpa, uint64_t xsdt_gpa)
{
    memset(rsdp, 0, sizeof(*rsdp));
    memcpy(rsdp->signature, "RSD PTR ", sizeof(rsdp->signature));
    memcpy(rsdp->oem_id, ACPI_OEM_ID, sizeof(rsdp->oem_id));
    rsdp->revision = RSDP_REVISION;
    rsdp->rsdt_address = rsdt_gpa;
    rsdp->length = sizeof(*rsdp);
    rsdp->xsdt_address = xsdt_gpa;
    rsdp->checksum = acpi__checksum(rsdp, ACPI_RSDP_V1_LENGTH);
    rsdp->extended_checksum = acpi__checksum(rsdp, sizeof(*rsdp));
}

size_t acpi__rsdt_size(unsigned n)
{
    return sizeof(struct acpi_table_header) + n * sizeof(uint32_t);
}

size_t acpi__xsdt_size(unsigned n)
{
    return sizeof(struct acpi_table_header) + n * sizeof(uint64_t);
}

/* The entries follow the header unaligned (an XSDT's 64-bit entries start at offset 36). */
void acpi__build_rsdt(void *dst, const uint64_t *gpas, unsigned n)
{
    struct acpi_table_header *h = dst;
    acpi__init_header(h, "RSDT", (uint32_t)acpi__rsdt_size(n), RSDT_REVISION);
    uint8_t *entries = (uint8_t *)dst + sizeof(*h);
    for (unsigned i = 0; i < n; i++) {
        uint32_t gpa = (uint32_t)gpas[i];
        memcpy(entries + i * sizeof(gpa), &gpa, sizeof(gpa));
    }
    acpi__finish_table(h);
}

void acpi__build_xsdt(void *dst, const uint64_t *gpas, unsigned n)
{
    struct acpi_table_header *h = dst;
    acpi__init_header(h, "XSDT", (uint32_t)acpi__xsdt_size(n), XSDT_REVISION);
    memcpy((uint8_t *)dst + sizeof(*h), gpas, n * sizeof(*gpas));
    acpi__finish_table(h);
}
