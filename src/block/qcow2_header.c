// SPDX-License-Identifier: Apache-2.0
/*
 * qcow2_header.c - parsing and checking the qcow2 header, its extensions
 * and the snapshot table (QEMU docs/interop/qcow2.txt, "Header",
 * "Header extensions", "Snapshots"). Everything here reads untrusted
 * bytes: every offset and length is checked against the buffer and the
 * file before use, and what strata cannot handle safely is refused with
 * one line.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block/qcow2.h"

static const char *incompat_name(unsigned bit)
{
    switch (bit) {
    case 0: return "dirty bit";
    case 1: return "corrupt bit";
    case 2: return "external data file";
    case 3: return "compression type";
    case 4: return "extended L2 entries";
    default: return NULL;
    }
}

/* The name the image's feature table gives an incompatible bit, if any. */
static void feature_name(const uint8_t *buf, size_t len, uint64_t ft_off, uint32_t ft_len,
                         unsigned bit, char *out, size_t out_len)
{
    snprintf(out, out_len, "bit %u", bit);
    if (!ft_off)
        return;
    for (uint32_t i = 0; i + 48 <= ft_len && ft_off + i + 48 <= len; i += 48) {
        const uint8_t *e = buf + ft_off + i;
        if (e[0] == 0 && e[1] == bit) {
            char name[47];
            memcpy(name, e + 2, 46);
            name[46] = 0;
            for (char *c = name; *c; c++)
                if (*c < 0x20 || *c > 0x7e)
                    *c = '?';
            snprintf(out, out_len, "'%s'", name);
            return;
        }
    }
}

static bool aligned(uint64_t v, unsigned bits)
{
    return !(v & ((1ull << bits) - 1));
}

int qcow2__parse_header(const uint8_t *buf, size_t len, uint64_t file_size, struct qcow2_header *h,
                        struct err *err)
{
    memset(h, 0, sizeof(*h));
    if (len < 72 || qcow2_be32(buf) != QCOW2_MAGIC)
        return err__set(err, "not a qcow2 image");
    h->version = qcow2_be32(buf + 4);
    if (h->version != 2 && h->version != 3)
        return err__set(err, "qcow2 version %" PRIu32 " is not supported (want 2 or 3)",
                        h->version);
    h->backing_offset = qcow2_be64(buf + 8);
    h->backing_size = qcow2_be32(buf + 16);
    h->cluster_bits = qcow2_be32(buf + 20);
    h->size = qcow2_be64(buf + 24);
    h->crypt_method = qcow2_be32(buf + 32);
    h->l1_size = qcow2_be32(buf + 36);
    h->l1_offset = qcow2_be64(buf + 40);
    h->reftable_offset = qcow2_be64(buf + 48);
    h->reftable_clusters = qcow2_be32(buf + 56);
    h->nb_snapshots = qcow2_be32(buf + 60);
    h->snapshots_offset = qcow2_be64(buf + 64);
    h->refcount_order = 4;
    h->header_length = 72;
    if (h->version == 3) {
        if (len < 104)
            return err__set(err, "qcow2 header is truncated");
        h->incompat = qcow2_be64(buf + 72);
        h->compat = qcow2_be64(buf + 80);
        h->autoclear = qcow2_be64(buf + 88);
        h->refcount_order = qcow2_be32(buf + 96);
        h->header_length = qcow2_be32(buf + 100);
        if (h->header_length < 104 || h->header_length > len ||
            (h->header_length & 7 && h->header_length > 104))
            return err__set(err, "bad qcow2 header length %" PRIu32, h->header_length);
        if (h->header_length > 104)
            h->compression_type = buf[104];
    }
    if (h->cluster_bits < 9 || h->cluster_bits > 21)
        return err__set(err, "bad qcow2 cluster size 2^%" PRIu32 " (want 512 bytes to 2 MiB)",
                        h->cluster_bits);
    uint64_t cs = 1ull << h->cluster_bits;
    if (len > cs)
        len = (size_t)cs;
    if (h->header_length > len)
        return err__set(err, "qcow2 header is longer than a cluster");
    if (h->crypt_method)
        return err__set(err, "encrypted qcow2 images are not supported");
    if (h->refcount_order > 6)
        return err__set(err, "bad qcow2 refcount order %" PRIu32, h->refcount_order);
    if (h->size > QCOW2_MAX_SIZE)
        return err__set(err, "qcow2 virtual size %" PRIu64 " is absurd (at most 32 PiB)", h->size);

    /* Extensions: from the end of the header to the end of the first cluster. */
    uint64_t off = h->header_length, ft_off = 0;
    uint32_t ft_len = 0;
    for (;;) {
        if (off + 8 > len)
            return err__set(err, "qcow2 header extensions run past the first cluster");
        uint32_t type = qcow2_be32(buf + off), elen = qcow2_be32(buf + off + 4);
        off += 8;
        if (type == QCOW2_EXT_END)
            break;
        if (elen > len - off)
            return err__set(
                err, "qcow2 header extension 0x%08" PRIx32 " runs past the first cluster", type);
        if (type == QCOW2_EXT_BACKING_FORMAT) {
            if (elen >= sizeof(h->backing_format))
                return err__set(err, "qcow2 backing format name is too long");
            memcpy(h->backing_format, buf + off, elen);
            h->backing_format[elen] = 0;
        } else if (type == QCOW2_EXT_FEATURE_TABLE) {
            ft_off = off;
            ft_len = elen;
        }
        off += (elen + 7ull) & ~7ull;
    }
    h->ext_end = off;

    uint64_t unknown =
        h->incompat & ~(QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT | QCOW2_INCOMPAT_COMPRESSION);
    if (unknown) {
        unsigned bit = (unsigned)__builtin_ctzll(unknown);
        char name[64];
        const char *known = incompat_name(bit);
        if (known)
            snprintf(name, sizeof(name), "%s", known);
        else
            feature_name(buf, len, ft_off, ft_len, bit, name, sizeof(name));
        return err__set(err, "qcow2 feature %s is not supported", name);
    }
    if (h->incompat & QCOW2_INCOMPAT_COMPRESSION) {
        if (h->header_length <= 104)
            return err__set(err, "qcow2 compression type bit set in a header without the field");
        if (h->compression_type > QCOW2_COMPRESSION_ZSTD)
            return err__set(err, "unknown qcow2 compression type %u", h->compression_type);
    } else if (h->compression_type != QCOW2_COMPRESSION_ZLIB) {
        return err__set(err, "qcow2 compression type %u without its feature bit",
                        h->compression_type);
    }

    /* The backing file name. */
    if (h->backing_offset) {
        if (h->backing_size == 0 || h->backing_size > QCOW2_MAX_BACKING_NAME ||
            h->backing_offset > len || h->backing_size > len - h->backing_offset)
            return err__set(err,
                            "bad qcow2 backing file name (offset %" PRIu64 ", %" PRIu32 " bytes)",
                            h->backing_offset, h->backing_size);
        memcpy(h->backing_file, buf + h->backing_offset, h->backing_size);
        h->backing_file[h->backing_size] = 0;
        if (strlen(h->backing_file) != h->backing_size)
            return err__set(err, "qcow2 backing file name holds a NUL byte");
    }

    /* Tables: aligned, within the file, sized sensibly. */
    unsigned l2_bits = h->cluster_bits - 3;
    uint64_t l1_span_bits = h->cluster_bits + l2_bits;
    uint64_t need_l1 =
        l1_span_bits >= 64 ? 1 : (h->size + (1ull << l1_span_bits) - 1) >> l1_span_bits;
    if ((uint64_t)h->l1_size * 8 > QCOW2_MAX_L1_BYTES)
        return err__set(err, "qcow2 L1 table of %" PRIu32 " entries is absurd", h->l1_size);
    if (h->l1_size < need_l1)
        return err__set(err, "qcow2 L1 table is too small for the virtual size");
    if (!aligned(h->l1_offset, h->cluster_bits) || (h->l1_size && !h->l1_offset))
        return err__set(err, "qcow2 L1 table offset %#" PRIx64 " is not cluster-aligned",
                        h->l1_offset);
    if (h->l1_offset > file_size || (uint64_t)h->l1_size * 8 > file_size - h->l1_offset)
        return err__set(err, "qcow2 L1 table at %#" PRIx64 " is past the end of the file",
                        h->l1_offset);
    if (!h->reftable_offset || !aligned(h->reftable_offset, h->cluster_bits))
        return err__set(err, "qcow2 refcount table offset %#" PRIx64 " is not cluster-aligned",
                        h->reftable_offset);
    if (!h->reftable_clusters ||
        (uint64_t)h->reftable_clusters << h->cluster_bits > QCOW2_MAX_REFTABLE_BYTES)
        return err__set(err, "qcow2 refcount table of %" PRIu32 " clusters is absurd",
                        h->reftable_clusters);
    if (h->reftable_offset > file_size ||
        (uint64_t)h->reftable_clusters << h->cluster_bits > file_size - h->reftable_offset)
        return err__set(err, "qcow2 refcount table at %#" PRIx64 " is past the end of the file",
                        h->reftable_offset);
    if (h->nb_snapshots > QCOW2_MAX_SNAPSHOTS)
        return err__set(err, "qcow2 image claims %" PRIu32 " snapshots", h->nb_snapshots);
    if (h->nb_snapshots &&
        (!aligned(h->snapshots_offset, h->cluster_bits) || h->snapshots_offset > file_size))
        return err__set(err, "qcow2 snapshot table offset %#" PRIx64 " is bad",
                        h->snapshots_offset);
    return 0;
}

static char *copy_string(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = 0;
    }
    return s;
}

void qcow2__free_snapshots(struct qcow2_snapshot *s, uint32_t nb)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < nb; i++) {
        free(s[i].id);
        free(s[i].name);
    }
    free(s);
}

int qcow2__parse_snapshots(const uint8_t *buf, size_t len, uint32_t nb, unsigned cluster_bits,
                           uint64_t file_size, struct qcow2_snapshot **out, struct err *err)
{
    *out = NULL;
    if (!nb)
        return 0;
    struct qcow2_snapshot *s = calloc(nb, sizeof(*s));
    if (!s)
        return err__set(err, "out of memory");
    size_t off = 0;
    for (uint32_t i = 0; i < nb; i++) {
        if (len - off < 40) {
            qcow2__free_snapshots(s, nb);
            return err__set(err, "qcow2 snapshot table is truncated");
        }
        const uint8_t *e = buf + off;
        struct qcow2_snapshot *sn = &s[i];
        sn->l1_offset = qcow2_be64(e);
        sn->l1_size = qcow2_be32(e + 8);
        uint16_t id_len = qcow2_be16(e + 12), name_len = qcow2_be16(e + 14);
        sn->date_sec = qcow2_be32(e + 16);
        sn->date_nsec = qcow2_be32(e + 20);
        sn->vm_clock_nsec = qcow2_be64(e + 24);
        sn->vm_state_size = qcow2_be32(e + 32);
        sn->extra_size = qcow2_be32(e + 36);
        sn->icount = ~0ull;
        size_t need = 40ull + sn->extra_size + id_len + name_len;
        if (sn->extra_size > 1024 || need > len - off) {
            qcow2__free_snapshots(s, nb);
            return err__set(err, "qcow2 snapshot %" PRIu32 " runs past its table", i);
        }
        const uint8_t *x = e + 40;
        if (sn->extra_size >= 8)
            sn->vm_state_size = qcow2_be64(x);
        if (sn->extra_size >= 16)
            sn->disk_size = qcow2_be64(x + 8);
        if (sn->extra_size >= 24)
            sn->icount = qcow2_be64(x + 16);
        sn->id = copy_string(x + sn->extra_size, id_len);
        sn->name = copy_string(x + sn->extra_size + id_len, name_len);
        if (!sn->id || !sn->name) {
            qcow2__free_snapshots(s, nb);
            return err__set(err, "out of memory");
        }
        if ((sn->l1_offset & ((1ull << cluster_bits) - 1)) || sn->l1_offset > file_size ||
            (uint64_t)sn->l1_size * 8 > QCOW2_MAX_L1_BYTES ||
            (uint64_t)sn->l1_size * 8 > file_size - sn->l1_offset) {
            err__set(err, "qcow2 snapshot %" PRIu32 " has a bad L1 table", i);
            qcow2__free_snapshots(s, nb);
            return -1;
        }
        off += (need + 7) & ~(size_t)7;
        if (off > len)
            off = len;
    }
    *out = s;
    return 0;
}
