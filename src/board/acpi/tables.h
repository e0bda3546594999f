/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tables.h - what every ACPI table shares: the checksum, the system
 * description table header, the Generic Address Structure, and the root of
 * the tree (RSDP, RSDT, XSDT).
 *
 * Layouts per the ACPI Specification 6.5: 5.2.3.2 (Generic Address
 * Structure), 5.2.5.3 (RSDP), 5.2.6 (table header), 5.2.7 (RSDT) and 5.2.8
 * (XSDT). All fields are little-endian, as is the host.
 */
#ifndef STRATA_BOARD_ACPI_TABLES_H
#define STRATA_BOARD_ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>

#define ACPI_OEM_ID           "STRATA" /* 6 characters */
#define ACPI_OEM_TABLE_PREFIX "STRA"   /* + the signature: the 8-character OEM table id */
#define ACPI_OEM_REVISION     1
#define ACPI_CREATOR_ID       "STRA" /* 4 characters */
#define ACPI_CREATOR_REVISION 1

/* Root System Description Pointer (5.2.5.3), revision 2 */
struct acpi_rsdp {
    char signature[8]; /* "RSD PTR " */
    uint8_t checksum;  /* of the first 20 bytes (the ACPI 1.0 part) */
    char oem_id[6];
    uint8_t revision; /* 2: ACPI 2.0 and later, XSDT present */
    uint32_t rsdt_address;
    uint32_t length; /* of the whole structure: 36 */
    uint64_t xsdt_address;
    uint8_t extended_checksum; /* of all 36 bytes */
    uint8_t reserved[3];
} __attribute__((packed));

#define ACPI_RSDP_V1_LENGTH 20

/* System Description Table Header (5.2.6) */
struct acpi_table_header {
    char signature[4];
    uint32_t length; /* of the table, header included */
    uint8_t revision;
    uint8_t checksum; /* the whole table sums to zero */
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    char creator_id[4];
    uint32_t creator_revision;
} __attribute__((packed));

/* Generic Address Structure (5.2.3.2) */
struct acpi_gas {
    uint8_t address_space_id; /* 0: system memory, 1: system I/O */
    uint8_t register_bit_width;
    uint8_t register_bit_offset;
    uint8_t access_size;
    uint64_t address;
} __attribute__((packed));

#define ACPI_GAS_SYSTEM_IO   1
#define ACPI_GAS_ACCESS_BYTE 1

_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP is 36 bytes");
_Static_assert(sizeof(struct acpi_table_header) == 36, "table header is 36 bytes");
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS is 12 bytes");

/* The byte that makes len bytes at p sum to zero (mod 256) when stored among them as 0. */
uint8_t acpi__checksum(const void *p, size_t len);

/*
 * Fills a table header: signature (4 characters), total length, revision,
 * the OEM and creator ids above and the OEM table id "STRA" + signature
 * (e.g. "STRAFACP"). The checksum is left 0: acpi__finish_table() sets it
 * once the table is complete.
 */
void acpi__init_header(struct acpi_table_header *h, const char signature[4], uint32_t length,
                       uint8_t revision);

/* Sets the checksum of a complete table of h->length bytes that starts with h. */
void acpi__finish_table(struct acpi_table_header *h);

/* Fills *rsdp (revision 2) pointing at both root tables, checksums included. */
void acpi__build_rsdp(struct acpi_rsdp *rsdp, uint32_t rsdt_gpa, uint64_t xsdt_gpa);

/* Bytes an RSDT or XSDT listing n tables takes. */
size_t acpi__rsdt_size(unsigned n);
size_t acpi__xsdt_size(unsigned n);

/*
 * Writes a complete RSDT (32-bit entries) or XSDT (64-bit entries) listing
 * the n tables at gpas into dst, which must hold acpi__rsdt_size(n) or
 * acpi__xsdt_size(n) bytes. RSDT entries must be below 4 GiB.
 */
void acpi__build_rsdt(void *dst, const uint64_t *gpas, unsigned n);
void acpi__build_xsdt(void *dst, const uint64_t *gpas, unsigned n);

#endif
