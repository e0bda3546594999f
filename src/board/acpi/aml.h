/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aml.h - a small ACPI Machine Language encoder: just enough of the
 * language (ACPI 6.5, chapter 20) to declare devices with fixed resources,
 * so the DSDT needs no ASL compiler.
 *
 * Supported: Scope, Device and Method blocks, Notify, Name objects holding an integer, a
 * string, an EISA id or a resource template, the small resource descriptors
 * for fixed I/O ports and ISA IRQs (6.4.2), and the large ones for a fixed
 * 32-bit memory range and an extended interrupt (6.4.3). Names are single segments of up to
 * four characters (A-Z, 0-9, _), padded with '_' as ASL does, optionally
 * rooted with a leading '\'.
 *
 * Usage: blocks nest; aml__scope()/aml__device() return a mark that
 * aml__end() takes to close the block (its PkgLength is computed then).
 * Errors (no room left, a bad name or id, a block left open) are sticky:
 * aml__finish() reports the first one.
 */
#ifndef STRATA_BOARD_ACPI_AML_H
#define STRATA_BOARD_ACPI_AML_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct aml {
    uint8_t *buf;
    size_t cap;
    size_t len;
    unsigned open_blocks;
    const char *error; /* the first error, or NULL */
};

#define AML_RESOURCES_MAX 64

/* A resource template being assembled (ResourceTemplate () { ... }). */
struct aml_resources {
    uint8_t bytes[AML_RESOURCES_MAX];
    size_t len;
    const char *error;
};

void aml__init(struct aml *a, uint8_t *buf, size_t cap);

/* Scope (path) { and Device (name) {: return the mark for aml__end(). */
size_t aml__scope(struct aml *a, const char *path);
size_t aml__device(struct aml *a, const char *name);
void aml__end(struct aml *a, size_t mark);

/* Method (name, nargs, NotSerialized) {: returns the mark for aml__end(). */
size_t aml__method(struct aml *a, const char *name, unsigned nargs);
/* Notify (name, value): name is a single segment, found by the namespace search rules. */
void aml__notify(struct aml *a, const char *name, uint64_t value);
/* Name (name, value) */
void aml__name_integer(struct aml *a, const char *name, uint64_t value);
/* Name (name, Package (n) {values...}): a package of integers. */
void aml__name_package(struct aml *a, const char *name, const uint64_t *values, uint8_t n);
/* Name (name, "string") */
void aml__name_string(struct aml *a, const char *name, const char *value);
/* Name (name, EisaId ("PNP0501")): three capital letters and four hex digits */
void aml__name_eisaid(struct aml *a, const char *name, const char *id);
/* Name (name, ResourceTemplate () { ... }) */
void aml__name_resources(struct aml *a, const char *name, const struct aml_resources *r);

/* Resource descriptors: IO (Decode16, base, base, 1, len) and IRQNoFlags () {irq} */
void aml__resources_init(struct aml_resources *r);
void aml__resources_io(struct aml_resources *r, uint16_t base, uint8_t len);
void aml__resources_irq(struct aml_resources *r, unsigned irq);
/* Memory32Fixed (ReadWrite, base, len) */
void aml__resources_memory32(struct aml_resources *r, uint32_t base, uint32_t len);
/* Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) {gsi} */
void aml__resources_interrupt(struct aml_resources *r, uint32_t gsi);

/* The number of bytes written, or -1 with the first error in err. */
int aml__finish(const struct aml *a, size_t *len, struct err *err);

#endif
