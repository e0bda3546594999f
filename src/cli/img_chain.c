// SPDX-License-Identifier: Apache-2.0
/*
 * img_chain.c - `strata img snapshot` (internal snapshots: -c create,
 * -l list, -a apply, -d delete), `strata img commit` (an overlay's data
 * into its backing file, then the overlay emptied unless -d) and
 * `strata img rebase` (a new backing file: with -u only the name changes;
 * without, the overlay first takes every cluster in which the old and new
 * backing files differ, so that what the guest sees stays the same).
 */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block/copy.h"
#include "block/qcow2_img.h"
#include "cli/img.h"

static struct block_backend *open_qcow2(const char *path, bool readonly)
{
    struct block_backend *b = img__open(path, NULL, readonly);
    if (b && strcmp(b->format, "qcow2")) {
        img__error("'%s' is a %s image: this needs qcow2", path, b->format);
        block__close(b);
        return NULL;
    }
    return b;
}

int img__snapshot(int argc, char **argv)
{
    char op = 0;
    const char *name = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt(argc, argv, "c:a:d:lqU")) != -1) {
        switch (opt) {
        case 'c':
        case 'a':
        case 'd':
            if (op) {
                img__error("snapshot: one of -c, -l, -a, -d");
                return 1;
            }
            op = (char)opt;
            name = optarg;
            break;
        case 'l':
            if (op) {
                img__error("snapshot: one of -c, -l, -a, -d");
                return 1;
            }
            op = 'l';
            break;
        case 'q':
        case 'U': break;
        default: return 1;
        }
    }
    if (!op || argc - optind != 1) {
        img__error("snapshot: want -c|-a|-d NAME FILE or -l FILE");
        return 1;
    }
    struct block_backend *b = open_qcow2(argv[optind], op == 'l');
    if (!b)
        return 1;
    struct err err;
    int rc = 0;
    if (op == 'l') {
        img__print_snapshots(b);
    } else if (op == 'c') {
        rc = qcow2__snapshot_create(b, name, &err);
    } else if (op == 'a') {
        rc = qcow2__snapshot_apply(b, name, &err);
    } else {
        rc = qcow2__snapshot_delete(b, name, &err);
    }
    block__close(b);
    if (rc) {
        img__error("%s", err.msg);
        return 1;
    }
    return 0;
}

int img__commit(int argc, char **argv)
{
    bool keep = false;
    int opt;
    optind = 1;
    while ((opt = getopt(argc, argv, "f:dqpt:")) != -1) {
        switch (opt) {
        case 'd': keep = true; break;
        case 'f':
        case 'q':
        case 'p':
        case 't': break;
        default: return 1;
        }
    }
    if (argc - optind != 1) {
        img__error("commit: want FILE");
        return 1;
    }
    const char *path = argv[optind];
    struct block_backend *top = open_qcow2(path, false);
    if (!top)
        return 1;
    const struct qcow2_header *h = qcow2__header(top);
    if (!h->backing_file[0]) {
        img__error("'%s' has no backing file to commit to", path);
        block__close(top);
        return 1;
    }
    char bpath[PATH_MAX];
    qcow2__backing_path(path, h->backing_file, bpath, sizeof(bpath));
    struct block_backend *base =
        img__open(bpath, h->backing_format[0] ? h->backing_format : NULL, false);
    if (!base) {
        block__close(top);
        return 1;
    }
    int rc = 0;
    struct err err;
    if (base->size < top->size) {
        if (!strcmp(base->format, "qcow2"))
            rc = qcow2__resize(base, top->size, false, &err);
        else
            rc = err__set(&err, "backing file '%s' is smaller than '%s'", bpath, path);
    }
    const uint64_t chunk = 1 << 20;
    uint8_t *buf = malloc(chunk);
    if (!buf)
        rc = err__set(&err, "out of memory");
    for (uint64_t off = 0; !rc && off < top->size;) {
        uint64_t n = top->size - off < chunk ? top->size - off : chunk, pnum;
        unsigned st;
        int e = block__status(top, off, n, &pnum, &st);
        if (!e && (st & BLOCK_STATUS_ALLOCATED)) {
            if (st & BLOCK_STATUS_ZERO)
                e = base->ops->write_zeroes(base, off, pnum, false);
            else if (!(e = block__pread(top, buf, pnum, off)))
                e = block__pwrite(base, buf, pnum, off);
        }
        if (e)
            rc = err__set(&err, "commit '%s' at offset %" PRIu64 ": %s", path, off, strerror(-e));
        off += pnum;
    }
    free(buf);
    if (!rc && base->ops->flush(base))
        rc = err__set(&err, "cannot flush '%s'", bpath);
    block__close(base);
    if (!rc && !keep)
        rc = qcow2__make_empty(top, &err);
    block__close(top);
    if (rc) {
        img__error("%s", err.msg);
        return 1;
    }
    printf("Image committed.\n");
    return 0;
}

int img__rebase(int argc, char **argv)
{
    const char *newb = NULL, *newfmt = NULL;
    bool unsafe = false;
    int opt;
    optind = 1;
    while ((opt = getopt(argc, argv, "f:b:F:uqpt:T:U")) != -1) {
        switch (opt) {
        case 'b': newb = optarg; break;
        case 'F': newfmt = optarg; break;
        case 'u': unsafe = true; break;
        case 'f':
        case 'q':
        case 'p':
        case 't':
        case 'T':
        case 'U': break;
        default: return 1;
        }
    }
    if (!newb || argc - optind != 1) {
        img__error("rebase: want -b NEW FILE (-b \"\" removes the backing file)");
        return 1;
    }
    const char *path = argv[optind];
    struct block_backend *top = open_qcow2(path, false);
    if (!top)
        return 1;
    struct block_backend *nb = NULL;
    int rc = 0;
    struct err err;
    char fmt[32] = "";
    if (*newb) {
        char full[PATH_MAX];
        qcow2__backing_path(path, newb, full, sizeof(full));
        if (!(nb = img__open(full, newfmt, true))) {
            block__close(top);
            return 1;
        }
        snprintf(fmt, sizeof(fmt), "%s", nb->format);
    }
    if (!unsafe) {
        /* Where the overlay reads through, keep what the old chain showed. */
        struct block_backend *old = top->backing;
        const uint64_t chunk = 64 << 10;
        uint8_t *a = malloc(chunk), *b = malloc(chunk);
        if (!a || !b)
            rc = err__set(&err, "out of memory");
        for (uint64_t off = 0; !rc && off < top->size;) {
            uint64_t n = top->size - off < chunk ? top->size - off : chunk, pnum;
            unsigned st;
            int e = block__status(top, off, n, &pnum, &st);
            if (!e && !(st & BLOCK_STATUS_ALLOCATED)) {
                memset(a, 0, pnum);
                memset(b, 0, pnum);
                if (old && off < old->size)
                    e = block__pread(old, a, old->size - off < pnum ? old->size - off : pnum, off);
                if (!e && nb && off < nb->size)
                    e = block__pread(nb, b, nb->size - off < pnum ? nb->size - off : pnum, off);
                if (!e && memcmp(a, b, pnum))
                    e = block__pwrite(top, a, pnum, off);
            }
            if (e)
                rc = err__set(&err, "rebase '%s' at offset %" PRIu64 ": %s", path, off,
                              strerror(-e));
            off += pnum;
        }
        free(a);
        free(b);
        if (!rc && top->ops->flush(top))
            rc = err__set(&err, "cannot flush '%s'", path);
    }
    block__close(nb);
    if (!rc)
        rc = qcow2__set_backing(top, *newb ? newb : NULL, *newb ? (newfmt ? newfmt : fmt) : NULL,
                                &err);
    block__close(top);
    if (rc) {
        img__error("%s", err.msg);
        return 1;
    }
    return 0;
}
