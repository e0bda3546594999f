// SPDX-License-Identifier: Apache-2.0
/*
 * qcow2_check.c - consistency check and repair (what `qemu-img check` does
 * for qcow2): count the references every host cluster gets from the
 * header, the L1/L2 trees of the active image and of each snapshot, the
 * snapshot table and the refcount structures, then compare them with the
 * stored refcounts. A refcount above its references is a leak (space
 * lost, data safe); below is a corruption (a later allocation would reuse
 * a cluster in use). Tables that are misaligned or past the end of the
 * file and wrong COPIED flags are corruptions too. Findings are printed
 * one per line in qemu-img's words.
 *
 * Repair (-r leaks) lowers leaked refcounts to the references; -r all also
 * raises refcounts that are too low and fixes the COPIED flags.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block/qcow2_img.h"

struct counter {
    struct qcow2 *q;
    uint32_t *ref;
    uint64_t n; /* clusters in the file */
    FILE *out;
    struct qcow2_check_result *r;
};

static void note(struct counter *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct counter *c, const char *fmt, ...)
{
    if (!c->out)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(c->out, fmt, ap);
    va_end(ap);
    fputc('\n', c->out);
}

/* One reference to each cluster of [off, off+len); false if it leaves the file. */
static bool add_ref(struct counter *c, uint64_t off, uint64_t len)
{
    if (!len)
        return true;
    uint64_t first = off >> c->q->h.cluster_bits, last = (off + len - 1) >> c->q->h.cluster_bits;
    if (last >= c->n) {
        note(c, "ERROR: offset=%" PRIx64 " past end of file", off);
        c->r->corruptions++;
        return false;
    }
    for (uint64_t k = first; k <= last; k++)
        if (c->ref[k] < UINT32_MAX)
            c->ref[k]++;
    return true;
}

static int walk_l1(struct counter *c, uint64_t l1_off, uint32_t l1_size, bool active)
{
    struct qcow2 *q = c->q;
    uint64_t *l1;
    int rc = qcow2__load_l1(q, l1_off, l1_size, &l1);
    if (rc)
        return rc;
    add_ref(c, l1_off, l1_size * 8ull);
    uint8_t *l2 = malloc(q->cluster_size);
    if (!l2) {
        free(l1);
        return -ENOMEM;
    }
    unsigned shift = 62 - (q->h.cluster_bits - 8);
    uint64_t prev_end = 0;
    for (uint32_t i = 0; i < l1_size; i++) {
        uint64_t off = qcow2__entry_offset(l1[i]);
        if (!off)
            continue;
        if (l1[i] & 0x1ff) {
            note(c, "ERROR l2_offset=%" PRIx64 ": Table is not cluster aligned; L1 entry corrupted",
                 l1[i]);
            c->r->corruptions++;
            continue;
        }
        if (!add_ref(c, off, q->cluster_size))
            continue;
        if ((rc = qcow2__pread(q, l2, q->cluster_size, off)))
            break;
        for (uint64_t j = 0; j < q->l2_entries; j++) {
            uint64_t e = qcow2_be64(l2 + j * 8);
            if (e & QCOW2_OFLAG_COMPRESSED) {
                uint64_t co = e & ((1ull << shift) - 1);
                uint64_t ns = ((e >> shift) & ((1ull << (q->h.cluster_bits - 8)) - 1)) + 1;
                uint64_t len = ns * 512 - (co & 511);
                if (co + len > q->file_end && co < q->file_end)
                    len = q->file_end - co;
                if (e & QCOW2_OFLAG_COPIED) {
                    note(c, "ERROR: coffset=0x%" PRIx64 ": Compressed cluster has the COPIED flag",
                         co);
                    c->r->corruptions++;
                }
                add_ref(c, co, len);
                if (active) {
                    c->r->allocated_clusters++;
                    c->r->compressed_clusters++;
                }
                continue;
            }
            uint64_t d = qcow2__entry_offset(e);
            if (!d)
                continue;
            if (e & 0x1fe) {
                note(c,
                     "ERROR offset=%" PRIx64 ": Cluster is not properly aligned; L2 entry "
                     "corrupted",
                     d);
                c->r->corruptions++;
                continue;
            }
            add_ref(c, d, q->cluster_size);
            if (active) {
                c->r->allocated_clusters++;
                if (prev_end && d != prev_end)
                    c->r->fragmented_clusters++;
                prev_end = d + q->cluster_size;
            }
        }
    }
    free(l2);
    free(l1);
    return rc;
}

static int check_copied(struct counter *c, bool repair)
{
    struct qcow2 *q = c->q;
    uint8_t *l2 = malloc(q->cluster_size);
    if (!l2)
        return -ENOMEM;
    int rc = 0;
    uint64_t errors = 0;
    for (uint32_t i = 0; i < q->h.l1_size && !rc; i++) {
        uint64_t off = qcow2__entry_offset(q->l1[i]);
        if (!off || (q->l1[i] & 0x1ff) || (off >> q->h.cluster_bits) >= c->n)
            continue;
        uint64_t ref;
        if ((rc = qcow2__refcount_get(q, off >> q->h.cluster_bits, &ref)))
            break;
        if ((ref == 1) != !!(q->l1[i] & QCOW2_OFLAG_COPIED)) {
            note(c,
                 "%s OFLAG_COPIED L2 cluster: l1_index=%" PRIu32 " l1_entry=%" PRIx64
                 " refcount=%" PRIu64,
                 repair ? "Repairing" : "ERROR", i, q->l1[i], ref);
            errors++;
        }
        if ((rc = qcow2__pread(q, l2, q->cluster_size, off)))
            break;
        for (uint64_t j = 0; j < q->l2_entries; j++) {
            uint64_t e = qcow2_be64(l2 + j * 8), d = qcow2__entry_offset(e);
            if ((e & QCOW2_OFLAG_COMPRESSED) || !d || (e & 0x1fe) ||
                (d >> q->h.cluster_bits) >= c->n)
                continue;
            if ((rc = qcow2__refcount_get(q, d >> q->h.cluster_bits, &ref)))
                break;
            if ((ref == 1) != !!(e & QCOW2_OFLAG_COPIED)) {
                note(c, "%s OFLAG_COPIED data cluster: l2_entry=%" PRIx64 " refcount=%" PRIu64,
                     repair ? "Repairing" : "ERROR", e, ref);
                errors++;
            }
        }
    }
    free(l2);
    if (rc)
        return rc;
    if (repair && errors) {
        if ((rc = qcow2__fix_copied(q)))
            return rc;
        c->r->corruptions_fixed += errors;
    } else {
        c->r->corruptions += errors;
    }
    return 0;
}

static int check_once(struct qcow2 *q, enum qcow2_repair repair, FILE *out,
                      struct qcow2_check_result *r)
{
    memset(r, 0, sizeof(*r));
    struct counter c = {.q = q, .out = out, .r = r};
    c.n = (q->file_end + q->cluster_size - 1) >> q->h.cluster_bits;
    if (c.n > (1ull << 32))
        return -EFBIG;
    c.ref = calloc(c.n ? c.n : 1, sizeof(*c.ref));
    if (!c.ref)
        return -ENOMEM;
    add_ref(&c, 0, q->cluster_size);
    int rc = walk_l1(&c, q->h.l1_offset, q->h.l1_size, true);
    for (uint32_t i = 0; !rc && i < q->h.nb_snapshots; i++)
        rc = walk_l1(&c, q->snaps[i].l1_offset, q->snaps[i].l1_size, false);
    if (!rc) {
        add_ref(&c, q->h.snapshots_offset, q->snapshots_len);
        add_ref(&c, q->h.reftable_offset, (uint64_t)q->h.reftable_clusters * q->cluster_size);
        for (uint64_t i = 0; i < q->reftable_entries; i++) {
            uint64_t off = q->reftable[i];
            if (!off)
                continue;
            if (off & (q->cluster_size - 1)) {
                note(&c,
                     "ERROR refcount block %" PRIu64 " is not cluster aligned; refcount "
                     "table entry corrupted",
                     i);
                r->corruptions++;
                continue;
            }
            add_ref(&c, off, q->cluster_size);
        }
    }
    /* Every cluster the refcounts cover, or the file holds. */
    uint64_t covered = 0;
    for (uint64_t i = 0; i < q->reftable_entries; i++)
        if (q->reftable[i])
            covered = (i + 1) * q->refblock_entries;
    uint64_t limit = covered > c.n ? covered : c.n;
    for (uint64_t k = 0; !rc && k < limit; k++) {
        uint64_t ref, want = k < c.n ? c.ref[k] : 0;
        if ((rc = qcow2__refcount_get(q, k, &ref)))
            break;
        if (ref == want)
            continue;
        bool leak = ref > want;
        bool fix = repair == QCOW2_REPAIR_ALL || (leak && repair == QCOW2_REPAIR_LEAKS);
        note(&c, "%s cluster %" PRIu64 " refcount=%" PRIu64 " reference=%" PRIu64,
             fix ? (leak ? "Repairing" : "Repairing") : (leak ? "Leaked" : "ERROR"), k, ref, want);
        if (fix) {
            if ((rc = qcow2__refcount_set(q, k, want)))
                break;
            if (leak)
                r->leaks_fixed++;
            else
                r->corruptions_fixed++;
        } else if (leak) {
            r->leaks++;
        } else {
            r->corruptions++;
        }
    }
    if (!rc)
        rc = check_copied(&c, repair == QCOW2_REPAIR_ALL);
    uint64_t end = 0;
    for (uint64_t k = 0; k < c.n; k++)
        if (c.ref[k])
            end = (k + 1) * q->cluster_size;
    r->image_end = end;
    r->total_clusters = (q->h.size + q->cluster_size - 1) >> q->h.cluster_bits;
    free(c.ref);
    return rc;
}

int qcow2__check(struct block_backend *b, enum qcow2_repair repair, FILE *out,
                 struct qcow2_check_result *r, struct err *err)
{
    struct qcow2 *q = (struct qcow2 *)b;
    if (repair != QCOW2_REPAIR_NONE && b->readonly)
        return err__set(err, "'%s' is open read-only: it cannot be repaired", q->path);
    pthread_mutex_lock(&q->lock);
    int rc = check_once(q, repair, out, r);
    if (!rc && repair != QCOW2_REPAIR_NONE && (r->leaks_fixed || r->corruptions_fixed)) {
        if (fdatasync(q->fd))
            rc = -errno;
        struct qcow2_check_result again;
        if (!rc)
            rc = check_once(q, QCOW2_REPAIR_NONE, NULL, &again);
        if (!rc) {
            again.leaks_fixed = r->leaks_fixed;
            again.corruptions_fixed = r->corruptions_fixed;
            *r = again;
        }
    }
    if (!rc && repair == QCOW2_REPAIR_ALL && (q->h.incompat & QCOW2_INCOMPAT_CORRUPT) &&
        !r->corruptions) {
        q->h.incompat &= ~QCOW2_INCOMPAT_CORRUPT;
        rc = qcow2__write_header(q);
    }
    pthread_mutex_unlock(&q->lock);
    if (rc) {
        r->check_errors = 1;
        return err__set_errno(err, -rc, "cannot check '%s'", q->path);
    }
    return 0;
}
