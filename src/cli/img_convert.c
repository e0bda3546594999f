// SPDX-License-Identifier: Apache-2.0
/*
 * img_convert.c - `strata img convert` (a new image with another image's
 * contents: raw or qcow2, compressed with -c, several requests in flight
 * with -m, zero and unallocated ranges skipped, a progress line on a
 * terminal or with -p; like qemu-img, the output is not flushed to the
 * disk unless -t names a cache mode other than unsafe) and `strata img compare` (0: identical, 1:
 * they differ, 2: an error; as qemu-img).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block/copy.h"
#include "block/qcow2_img.h"
#include "cli/img.h"

static void progress(void *arg, uint64_t done, uint64_t total)
{
    (void)arg;
    printf("    (%.2f/100%%)\r", total ? 100.0 * (double)done / (double)total : 100.0);
    fflush(stdout);
}

int img__convert(int argc, char **argv)
{
    const char *in_fmt = NULL, *out_fmt = "raw", *opts = NULL, *cache = "unsafe";
    bool compress = false, quiet = false;
    int show = -1;
    unsigned threads = 8;
    int opt;
    optind = 1;
    while ((opt = getopt(argc, argv, "f:O:cpqm:o:t:T:WnU")) != -1) {
        switch (opt) {
        case 'f': in_fmt = optarg; break;
        case 'O': out_fmt = optarg; break;
        case 'c': compress = true; break;
        case 'p': show = 1; break;
        case 'q': quiet = true; break;
        case 'm':
            threads = (unsigned)atoi(optarg);
            if (threads < 1 || threads > 16) {
                img__error("bad -m '%s' (want 1 to 16)", optarg);
                return 1;
            }
            break;
        case 'o': opts = optarg; break;
        case 'W':
        case 'n':
        case 'U': break;
        default: return 1;
        }
    }
    if (argc - optind != 2) {
        img__error("convert: want SRC DST");
        return 1;
    }
    if (strcmp(out_fmt, "raw") && strcmp(out_fmt, "qcow2")) {
        img__error("unknown output format '%s' (want raw or qcow2)", out_fmt);
        return 1;
    }
    if (compress && strcmp(out_fmt, "qcow2")) {
        img__error("compression needs the qcow2 output format (-O qcow2)");
        return 1;
    }
    const char *src_path = argv[optind], *dst_path = argv[optind + 1];
    struct block_backend *src = img__open(src_path, in_fmt, true);
    if (!src)
        return 1;
    /* The destination, made by create (its -o options), then opened. */
    char size[32];
    snprintf(size, sizeof(size), "%" PRIu64, src->size);
    char *cargv[8];
    int cargc = 0;
    cargv[cargc++] = "create";
    cargv[cargc++] = "-q";
    cargv[cargc++] = "-f";
    cargv[cargc++] = (char *)out_fmt;
    char *o_copy = NULL;
    if (opts) {
        o_copy = strdup(opts);
        cargv[cargc++] = "-o";
        cargv[cargc++] = o_copy;
    }
    cargv[cargc++] = (char *)dst_path;
    cargv[cargc++] = size;
    int rc = img__create(cargc, cargv);
    free(o_copy);
    if (rc) {
        block__close(src);
        return 1;
    }
    struct block_backend *dst = img__open(dst_path, out_fmt, false);
    if (!dst) {
        block__close(src);
        return 1;
    }
    uint64_t gran = 64 << 10;
    if (!strcmp(out_fmt, "qcow2"))
        gran = 1ull << qcow2__header(dst)->cluster_bits;
    if (show < 0)
        show = !quiet && isatty(STDOUT_FILENO);
    struct block_copy_opts co = {.threads = threads,
                                 .chunk = gran > (2 << 20) ? gran : (2 << 20),
                                 .granularity = gran,
                                 .compress = compress,
                                 .flush = strcmp(cache, "unsafe") != 0,
                                 .progress = show > 0 ? progress : NULL};
    if (show > 0)
        progress(NULL, 0, src->size);
    rc = block__copy(src, dst, &co);
    if (show > 0)
        printf("\n");
    block__close(dst);
    block__close(src);
    if (rc) {
        img__error("convert '%s' to '%s': %s", src_path, dst_path, strerror(-rc));
        return 1;
    }
    return 0;
}

/* Offset of the first differing 512-byte sector of a and b (n bytes), or -1. */
static int64_t first_difference(const uint8_t *a, const uint8_t *b, uint64_t n)
{
    for (uint64_t at = 0; at < n; at += 512) {
        uint64_t m = n - at < 512 ? n - at : 512;
        if (memcmp(a + at, b + at, m))
            return (int64_t)at;
    }
    return -1;
}

/* Is [off, off+len) of b zeroes? *bad gets the first non-zero sector. */
static int check_zero(struct block_backend *b, uint8_t *buf, uint64_t chunk, uint64_t off,
                      uint64_t end, uint64_t *bad)
{
    for (uint64_t at = off; at < end;) {
        uint64_t n = end - at < chunk ? end - at : chunk, pnum;
        unsigned st;
        if (block__status_deep(b, at, n, &pnum, &st))
            return -1;
        if (st & BLOCK_STATUS_ZERO) {
            at += pnum;
            continue;
        }
        if (block__pread(b, buf, pnum, at))
            return -1;
        for (uint64_t k = 0; k < pnum; k += 512)
            if (!block__is_zero(buf + k, pnum - k < 512 ? pnum - k : 512)) {
                *bad = at + k;
                return 1;
            }
        at += pnum;
    }
    return 0;
}

int img__compare(int argc, char **argv)
{
    const char *fa = NULL, *fb = NULL;
    bool strict = false, quiet = false;
    int opt;
    optind = 1;
    while ((opt = getopt(argc, argv, "f:F:sqpU")) != -1) {
        switch (opt) {
        case 'f': fa = optarg; break;
        case 'F': fb = optarg; break;
        case 's': strict = true; break;
        case 'q': quiet = true; break;
        case 'p':
        case 'U': break;
        default: return 2;
        }
    }
    if (argc - optind != 2) {
        img__error("compare: want FILE1 FILE2");
        return 2;
    }
    struct block_backend *a = img__open(argv[optind], fa, true);
    struct block_backend *b = a ? img__open(argv[optind + 1], fb ? fb : fa, true) : NULL;
    if (!b) {
        block__close(a);
        return 2;
    }
    const uint64_t chunk = 1 << 20;
    uint8_t *ba = malloc(chunk), *bb = malloc(chunk);
    int status = 0;
    uint64_t common = a->size < b->size ? a->size : b->size;
    if (!ba || !bb) {
        img__error("out of memory");
        status = 2;
    }
    for (uint64_t off = 0; !status && off < common;) {
        uint64_t n = common - off < chunk ? common - off : chunk, pa, pb;
        unsigned sa, sb;
        if (block__status_deep(a, off, n, &pa, &sa) || block__status_deep(b, off, n, &pb, &sb)) {
            img__error("cannot read the images' allocation");
            status = 2;
            break;
        }
        uint64_t m = pa < pb ? pa : pb;
        if ((sa & BLOCK_STATUS_ZERO) && (sb & BLOCK_STATUS_ZERO)) {
            off += m;
            continue;
        }
        if (block__pread(a, ba, m, off) || block__pread(b, bb, m, off)) {
            img__error("error while reading offset %" PRIu64, off);
            status = 2;
            break;
        }
        int64_t d = first_difference(ba, bb, m);
        if (d >= 0) {
            if (!quiet)
                printf("Content mismatch at offset %" PRIu64 "!\n", off + (uint64_t)d);
            status = 1;
            break;
        }
        off += m;
    }
    if (!status && a->size != b->size) {
        if (strict) {
            if (!quiet)
                printf("Strict mode: Image size mismatch!\n");
            status = 1;
        } else {
            if (!quiet)
                printf("Warning: Image size mismatch!\n");
            struct block_backend *big = a->size > b->size ? a : b;
            uint64_t bad;
            int z = check_zero(big, ba, chunk, common, big->size, &bad);
            if (z < 0) {
                img__error("error while reading the larger image");
                status = 2;
            } else if (z > 0) {
                if (!quiet)
                    printf("Content mismatch at offset %" PRIu64 "!\n", bad);
                status = 1;
            }
        }
    }
    if (!status && !quiet)
        printf("Images are identical.\n");
    free(ba);
    free(bb);
    block__close(a);
    block__close(b);
    return status;
}
