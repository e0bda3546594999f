// SPDX-License-Identifier: Apache-2.0
/*
 * aml.c - AML encoding (ACPI 6.5, chapter 20 "ACPI Machine Language
 * Specification"; resource descriptors from 6.4.2; see aml.h).
 *
 * Grammar used (20.2):
 *   DefScope    := ScopeOp PkgLength NameString TermList
 *   DefDevice   := DeviceOp PkgLength NameString TermList
 *   DefName     := NameOp NameString DataRefObject
 *   DefBuffer   := BufferOp PkgLength BufferSize ByteList
 *   Integers    := ZeroOp | OneOp | BytePrefix/WordPrefix/DWordPrefix/QWordPrefix Data
 * A block's PkgLength counts its own bytes and is 1 to 4 bytes long
 * (20.2.4): it is written when the block closes, and the block's contents
 * move up to make room for it.
 */
#include "board/acpi/aml.h"

#include <stdbool.h>
#include <string.h>

enum {
    AML_ZERO_OP = 0x00,
    AML_ONE_OP = 0x01,
    AML_NAME_OP = 0x08,
    AML_BYTE_PREFIX = 0x0a,
    AML_STRING_PREFIX = 0x0d,
    AML_WORD_PREFIX = 0x0b,
    AML_DWORD_PREFIX = 0x0c,
    AML_QWORD_PREFIX = 0x0e,
    AML_SCOPE_OP = 0x10,
    AML_BUFFER_OP = 0x11,
    AML_PACKAGE_OP = 0x12,
    AML_EXT_OP_PREFIX = 0x5b,
    AML_DEVICE_OP = 0x82, /* after AML_EXT_OP_PREFIX */
    AML_ROOT_CHAR = '\\',
};

/* Small resource descriptor tags (6.4.2): type << 3 | length */
#define RES_IRQ_NO_FLAGS 0x22 /* IRQ descriptor, 2 bytes: the IRQ mask */
#define RES_IO           0x47 /* I/O port descriptor, 7 bytes */
#define RES_END_TAG      0x79 /* End tag, 1 byte: checksum (0: none) */
#define RES_IO_DECODE16  0x01
#define ISA_IRQS         16

/* Large resource descriptor tags (6.4.3), followed by a 16-bit length */
#define RES_MEMORY32_FIXED  0x86 /* 9 bytes: info, base, length */
#define RES_EXT_INTERRUPT   0x89 /* 6 bytes for one interrupt: flags, count, number */
#define RES_MEMORY_WRITABLE 0x01
#define RES_INT_CONSUMER    0x01
#define RES_INT_EDGE        0x02

#define NAME_SEG_LEN   4
#define PKG_LENGTH_MAX 0x0fffffff /* 28 bits in four bytes */

static void fail(struct aml *a, const char *why)
{
    if (!a->error)
        a->error = why;
}

static void emit(struct aml *a, const void *bytes, size_t n)
{
    if (a->error)
        return;
    if (n > a->cap - a->len)
        return fail(a, "out of room");
    memcpy(a->buf + a->len, bytes, n);
    a->len += n;
}

static void emit_byte(struct aml *a, uint8_t b)
{
    emit(a, &b, 1);
}

static bool is_name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* NameString: an optional root prefix, then one NameSeg padded with '_' (20.2.2). */
static void emit_name(struct aml *a, const char *name)
{
    if (name[0] == AML_ROOT_CHAR) {
        emit_byte(a, AML_ROOT_CHAR);
        name++;
    }
    size_t n = strlen(name);
    if (n == 0 || n > NAME_SEG_LEN || (name[0] >= '0' && name[0] <= '9'))
        return fail(a, "bad name");
    char seg[NAME_SEG_LEN] = {'_', '_', '_', '_'};
    for (size_t i = 0; i < n; i++) {
        if (!is_name_char(name[i]))
            return fail(a, "bad name");
        seg[i] = name[i];
    }
    emit(a, seg, sizeof(seg));
}

static void emit_integer(struct aml *a, uint64_t v)
{
    if (v == 0)
        return emit_byte(a, AML_ZERO_OP);
    if (v == 1)
        return emit_byte(a, AML_ONE_OP);
    uint8_t prefix;
    size_t size;
    if (v <= UINT8_MAX)
        prefix = AML_BYTE_PREFIX, size = 1;
    else if (v <= UINT16_MAX)
        prefix = AML_WORD_PREFIX, size = 2;
    else if (v <= UINT32_MAX)
        prefix = AML_DWORD_PREFIX, size = 4;
    else
        prefix = AML_QWORD_PREFIX, size = 8;
    emit_byte(a, prefix);
    emit(a, &v, size); /* little-endian host */
}

void aml__init(struct aml *a, uint8_t *buf, size_t cap)
{
    *a = (struct aml){.buf = buf, .cap = cap};
}

/* Opens a block: its PkgLength goes at the returned mark when it closes. */
static size_t open_block(struct aml *a)
{
    a->open_blocks++;
    return a->len;
}

void aml__end(struct aml *a, size_t mark)
{
    if (a->open_blocks == 0 || mark > a->len)
        return fail(a, "a block closed twice");
    a->open_blocks--;
    if (a->error)
        return;
    size_t body = a->len - mark;
    size_t n = body + 1 <= 0x3f ? 1 : body + 2 <= 0xfff ? 2 : body + 3 <= 0xfffff ? 3 : 4;
    size_t total = body + n;
    if (total > PKG_LENGTH_MAX)
        return fail(a, "a block too long");
    if (n > a->cap - a->len)
        return fail(a, "out of room");
    memmove(a->buf + mark + n, a->buf + mark, body);
    if (n == 1) {
        a->buf[mark] = (uint8_t)total;
    } else {
        /* the low nibble in the lead byte, whose bits 6-7 count the bytes that follow */
        a->buf[mark] = (uint8_t)(((n - 1) << 6) | (total & 0x0f));
        for (size_t i = 1; i < n; i++)
            a->buf[mark + i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
    }
    a->len += n;
}

size_t aml__scope(struct aml *a, const char *path)
{
    emit_byte(a, AML_SCOPE_OP);
    size_t mark = open_block(a);
    emit_name(a, path);
    return mark;
}

size_t aml__device(struct aml *a, const char *name)
{
    emit_byte(a, AML_EXT_OP_PREFIX);
    emit_byte(a, AML_DEVICE_OP);
    size_t mark = open_block(a);
    emit_name(a, name);
    return mark;
}

size_t aml__method(struct aml *a, const char *name, unsigned nargs)
{
    if (nargs > 7)
        fail(a, "a method takes at most 7 arguments");
    emit_byte(a, 0x14); /* MethodOp */
    size_t mark = open_block(a);
    emit_name(a, name);
    emit_byte(a, (uint8_t)(nargs & 7)); /* MethodFlags: not serialized, sync level 0 */
    return mark;
}

void aml__notify(struct aml *a, const char *name, uint64_t value)
{
    emit_byte(a, 0x86); /* NotifyOp */
    emit_name(a, name);
    emit_integer(a, value);
}

void aml__name_integer(struct aml *a, const char *name, uint64_t value)
{
    emit_byte(a, AML_NAME_OP);
    emit_name(a, name);
    emit_integer(a, value);
}

void aml__name_package(struct aml *a, const char *name, const uint64_t *values, uint8_t n)
{
    emit_byte(a, AML_NAME_OP);
    emit_name(a, name);
    emit_byte(a, AML_PACKAGE_OP);
    size_t mark = open_block(a);
    emit_byte(a, n); /* NumElements */
    for (uint8_t i = 0; i < n; i++)
        emit_integer(a, values[i]);
    aml__end(a, mark);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void aml__name_string(struct aml *a, const char *name, const char *value)
{
    emit_byte(a, AML_NAME_OP);
    emit_name(a, name);
    emit_byte(a, AML_STRING_PREFIX);
    emit(a, value, strlen(value) + 1); /* AsciiCharList NullChar */
}

/*
 * EISA id compression (ASL's EisaId(), 19.6.35): three letters in 5 bits
 * each ('A' = 1) and four hex digits, stored big-endian in a DWord.
 */
void aml__name_eisaid(struct aml *a, const char *name, const char *id)
{
    uint8_t bytes[4];
    bool ok = strlen(id) == 7;
    for (int i = 0; ok && i < 3; i++)
        ok = id[i] >= 'A' && id[i] <= 'Z';
    for (int i = 3; ok && i < 7; i++)
        ok = hex_digit(id[i]) >= 0;
    if (!ok)
        return fail(a, "bad eisa id");
    uint16_t vendor = (uint16_t)(((id[0] - '@') << 10) | ((id[1] - '@') << 5) | (id[2] - '@'));
    bytes[0] = (uint8_t)(vendor >> 8);
    bytes[1] = (uint8_t)vendor;
    bytes[2] = (uint8_t)(hex_digit(id[3]) << 4 | hex_digit(id[4]));
    bytes[3] = (uint8_t)(hex_digit(id[5]) << 4 | hex_digit(id[6]));
    emit_byte(a, AML_NAME_OP);
    emit_name(a, name);
    emit_byte(a, AML_DWORD_PREFIX);
    emit(a, bytes, sizeof(bytes));
}

void aml__name_resources(struct aml *a, const char *name, const struct aml_resources *r)
{
    if (r->error)
        return fail(a, r->error);
    static const uint8_t end_tag[] = {RES_END_TAG, 0};
    emit_byte(a, AML_NAME_OP);
    emit_name(a, name);
    emit_byte(a, AML_BUFFER_OP);
    size_t mark = open_block(a);
    emit_integer(a, r->len + sizeof(end_tag));
    emit(a, r->bytes, r->len);
    emit(a, end_tag, sizeof(end_tag));
    aml__end(a, mark);
}

void aml__resources_init(struct aml_resources *r)
{
    memset(r, 0, sizeof(*r));
}

static void put_resource(struct aml_resources *r, const uint8_t *bytes, size_t n)
{
    if (r->error)
        return;
    if (n > sizeof(r->bytes) - r->len) {
        r->error = "too many resource descriptors";
        return;
    }
    memcpy(r->bytes + r->len, bytes, n);
    r->len += n;
}

/* I/O port descriptor (6.4.2.5): a fixed range, 16-bit decode, alignment 1 */
void aml__resources_io(struct aml_resources *r, uint16_t base, uint8_t len)
{
    const uint8_t d[] = {
        RES_IO,
        RES_IO_DECODE16,
        (uint8_t)base,
        (uint8_t)(base >> 8),
        (uint8_t)base,
        (uint8_t)(base >> 8),
        1,
        len,
    };
    put_resource(r, d, sizeof(d));
}

/* IRQ descriptor without flags (6.4.2.1): edge-triggered, active high, exclusive */
void aml__resources_irq(struct aml_resources *r, unsigned irq)
{
    if (irq >= ISA_IRQS) {
        r->error = "an irq descriptor takes isa irqs 0-15";
        return;
    }
    uint16_t mask = (uint16_t)(1u << irq);
    const uint8_t d[] = {RES_IRQ_NO_FLAGS, (uint8_t)mask, (uint8_t)(mask >> 8)};
    put_resource(r, d, sizeof(d));
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* 32-bit fixed memory range descriptor (6.4.3.4) */
void aml__resources_memory32(struct aml_resources *r, uint32_t base, uint32_t len)
{
    uint8_t d[12] = {RES_MEMORY32_FIXED, 9, 0, RES_MEMORY_WRITABLE};
    put_le32(d + 4, base);
    put_le32(d + 8, len);
    put_resource(r, d, sizeof(d));
}

/* Extended interrupt descriptor (6.4.3.6) with one interrupt: consumer, edge, high, exclusive */
void aml__resources_interrupt(struct aml_resources *r, uint32_t gsi)
{
    uint8_t d[9] = {RES_EXT_INTERRUPT, 6, 0, RES_INT_CONSUMER | RES_INT_EDGE, 1};
    put_le32(d + 5, gsi);
    put_resource(r, d, sizeof(d));
}

int aml__finish(const struct aml *a, size_t *len, struct err *err)
{
    if (a->error)
        return err__set(err, "aml: %s", a->error);
    if (a->open_blocks)
        return err__set(err, "aml: a block was left open");
    *len = a->len;
    return 0;
}
