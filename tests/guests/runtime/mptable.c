// SPDX-License-Identifier: Apache-2.0
/*
 * mptable.c - finds and reads the MP table (Intel MultiProcessor
 * Specification 1.4: 4.1 "MP floating pointer structure", 4.2 "MP
 * configuration table header", 4.3.1 "Processor entries").
 *
 * The floating pointer is searched where the spec puts it: the first KiB of
 * the EBDA (segment at BDA 0x40e), the last KiB of base memory below
 * 640 KiB (where Strata puts it) and the BIOS ROM at 0xf0000-0xfffff. Both
 * checksums are verified.
 */
#include "mptable.h"

#include <stddef.h>

#include "serial.h"

#define BDA_EBDA_SEGMENT     0x40e
#define BASE_MEMORY_LAST_KIB 0x9fc00
#define BIOS_ROM_START       0xf0000
#define BIOS_ROM_SIZE        0x10000

#define MP_ENTRY_PROCESSOR 0
#define MP_CPU_ENABLED     0x01
#define MP_CPU_BSP         0x02

struct mp_floating_pointer {
    char signature[4]; /* "_MP_" */
    uint32_t config_table;
    uint8_t length; /* in 16-byte units */
    uint8_t revision;
    uint8_t checksum;
    uint8_t default_config; /* feature byte 1: non-zero = no table, a default configuration */
    uint8_t features[4];
} __attribute__((packed));

struct mp_config_header {
    char signature[4]; /* "PCMP" */
    uint16_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem_id[8];
    char product_id[12];
    uint32_t oem_table;
    uint16_t oem_table_size;
    uint16_t entry_count;
    uint32_t lapic_address;
    uint16_t extended_length;
    uint8_t extended_checksum;
    uint8_t reserved;
} __attribute__((packed));

struct mp_processor_entry {
    uint8_t type;
    uint8_t apic_id;
    uint8_t apic_version;
    uint8_t flags;
    uint32_t signature;
    uint32_t features;
    uint32_t reserved[2];
} __attribute__((packed));

static uint8_t sum_bytes(const void *start, size_t length)
{
    const uint8_t *p = start;
    uint8_t sum = 0;

    while (length--)
        sum += *p++;
    return sum;
}

static bool has_signature(const char *field, const char *signature)
{
    for (int i = 0; i < 4; i++)
        if (field[i] != signature[i])
            return false;
    return true;
}

static const struct mp_floating_pointer *scan(uint64_t start, uint64_t length)
{
    for (uint64_t addr = start; addr + sizeof(struct mp_floating_pointer) <= start + length;
         addr += 16) {
        const struct mp_floating_pointer *fp = (const void *)addr;
        if (has_signature(fp->signature, "_MP_") && fp->length &&
            sum_bytes(fp, fp->length * 16u) == 0)
            return fp;
    }
    return NULL;
}

static const struct mp_floating_pointer *find_floating_pointer(void)
{
    const volatile uint16_t *ebda_segment = (const volatile uint16_t *)BDA_EBDA_SEGMENT;
    uint64_t ebda = (uint64_t)*ebda_segment << 4;
    const struct mp_floating_pointer *fp = NULL;

    if (ebda)
        fp = scan(ebda, 1024);
    if (!fp)
        fp = scan(BASE_MEMORY_LAST_KIB, 1024);
    if (!fp)
        fp = scan(BIOS_ROM_START, BIOS_ROM_SIZE);
    return fp;
}

/* Size of each entry type (MP Spec 1.4, table 4-3). */
static size_t entry_size(uint8_t type)
{
    return type == MP_ENTRY_PROCESSOR ? sizeof(struct mp_processor_entry) : 8;
}

int mptable__cpus(struct mp_cpu *cpus, int max)
{
    const struct mp_floating_pointer *fp = find_floating_pointer();

    if (!fp) {
        serial__puts("mptable: no MP floating pointer structure found\n");
        return -1;
    }
    if (fp->default_config || !fp->config_table) {
        serial__puts("mptable: a default configuration without a table is not supported\n");
        return -1;
    }
    const struct mp_config_header *table = (const void *)(uint64_t)fp->config_table;
    if (!has_signature(table->signature, "PCMP") || sum_bytes(table, table->length) != 0) {
        serial__printf("mptable: bad configuration table at %x\n", fp->config_table);
        return -1;
    }

    const uint8_t *entry = (const uint8_t *)(table + 1);
    const uint8_t *end = (const uint8_t *)table + table->length;
    int n = 0;
    for (unsigned i = 0; i < table->entry_count && entry + entry_size(*entry) <= end; i++) {
        if (*entry == MP_ENTRY_PROCESSOR) {
            const struct mp_processor_entry *cpu = (const void *)entry;
            if (cpu->flags & MP_CPU_ENABLED) {
                if (n == max) {
                    serial__printf("mptable: more than %d processors\n", max);
                    return -1;
                }
                cpus[n++] = (struct mp_cpu){cpu->apic_id, (cpu->flags & MP_CPU_BSP) != 0};
            }
        }
        entry += entry_size(*entry);
    }
    if (n == 0) {
        serial__puts("mptable: no enabled processor\n");
        return -1;
    }
    return n;
}
