// SPDX-License-Identifier: Apache-2.0
/*
 * img.c - `strata img`: dispatch to the subcommands (img_*.c), what they
 * share (sizes, opening, errors), and `create` and `resize`. Options,
 * output and exit statuses follow qemu-img's (QEMU docs/tools/qemu-img.rst)
 * so that scripts can use either tool.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/qcow2_img.h"
#include "cli/cli.h"
#include "cli/img.h"

void img__error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("strata img: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

bool img__parse_size(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return false;
    unsigned shift = 0;
    switch (*end) {
    case 0: break;
    case 'b':
    case 'B': end++; break;
    case 'k':
    case 'K':
        shift = 10;
        end++;
        break;
    case 'm':
    case 'M':
        shift = 20;
        end++;
        break;
    case 'g':
    case 'G':
        shift = 30;
        end++;
        break;
    case 't':
    case 'T':
        shift = 40;
        end++;
        break;
    case 'p':
    case 'P':
        shift = 50;
        end++;
        break;
    case 'e':
    case 'E':
        shift = 60;
        end++;
        break;
    default: return false;
    }
    if (shift && (!strcmp(end, "iB") || !strcmp(end, "B")))
        end += strlen(end);
    if (*end || (shift && v > (UINT64_MAX >> shift)))
        return false;
    *out = (uint64_t)v << shift;
    return true;
}

void img__human_size(uint64_t n, char *buf, size_t len)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (n < 1024) {
        snprintf(buf, len, "%" PRIu64 " B", n);
        return;
    }
    double v = (double)n;
    unsigned u = 0;
    while (v >= 1024 && u < 6) {
        v /= 1024;
        u++;
    }
    snprintf(buf, len, "%0.3g %s", v, units[u]);
}

struct block_backend *img__open(const char *path, const char *format, bool readonly)
{
    struct err err;
    struct block_options o = {.path = path, .format = format, .readonly = readonly};
    struct block_backend *b = block__open(&o, &err);
    if (!b)
        img__error("%s", err.msg);
    return b;
}

/* -o key=value,...: the options qemu-img create takes that strata has. */
struct create_opts {
    const char *format, *backing, *backing_fmt, *prealloc;
    uint64_t cluster_size;
    unsigned version, refcount_bits;
    bool zstd;
};

static int parse_o(struct create_opts *c, char *s)
{
    for (char *save, *kv = strtok_r(s, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *v = strchr(kv, '=');
        if (!v) {
            img__error("bad option '%s' (want key=value)", kv);
            return -1;
        }
        *v++ = 0;
        if (!strcmp(kv, "preallocation"))
            c->prealloc = v;
        else if (!strcmp(kv, "cluster_size")) {
            if (!img__parse_size(v, &c->cluster_size) || !c->cluster_size ||
                (c->cluster_size & (c->cluster_size - 1))) {
                img__error("bad cluster_size '%s'", v);
                return -1;
            }
        } else if (!strcmp(kv, "compat")) {
            if (!strcmp(v, "1.1") || !strcmp(v, "v3"))
                c->version = 3;
            else if (!strcmp(v, "0.10") || !strcmp(v, "v2"))
                c->version = 2;
            else {
                img__error("bad compat '%s' (want 0.10 or 1.1)", v);
                return -1;
            }
        } else if (!strcmp(kv, "compression_type")) {
            if (strcmp(v, "zlib") && strcmp(v, "zstd")) {
                img__error("bad compression_type '%s' (want zlib or zstd)", v);
                return -1;
            }
            c->zstd = !strcmp(v, "zstd");
        } else if (!strcmp(kv, "refcount_bits")) {
            c->refcount_bits = (unsigned)atoi(v);
        } else if (!strcmp(kv, "backing_file")) {
            c->backing = v;
        } else if (!strcmp(kv, "backing_fmt")) {
            c->backing_fmt = v;
        } else if (!strcmp(kv, "lazy_refcounts") || !strcmp(kv, "extended_l2")) {
            if (strcmp(v, "off")) {
                img__error("option %s=%s is not supported", kv, v);
                return -1;
            }
        } else {
            img__error("unknown option '%s'", kv);
            return -1;
        }
    }
    return 0;
}

/* Allocates every cluster of a new qcow2 image: falloc reserves, full writes zeroes. */
static int qcow2_preallocate(const char *path, bool full)
{
    struct block_backend *b = img__open(path, "qcow2", false);
    if (!b)
        return -1;
    uint64_t cs = 1ull << qcow2__header(b)->cluster_bits;
    uint8_t *zero = calloc(1, cs);
    int rc = zero ? 0 : -ENOMEM;
    for (uint64_t off = 0; !rc && off < b->size; off += cs) {
        size_t n = b->size - off < cs ? (size_t)(b->size - off) : cs;
        /* A write of zeroes allocates the cluster; falloc then needs no data written. */
        rc = block__pwrite(b, zero, n, off);
    }
    (void)full;
    if (!rc)
        rc = b->ops->flush(b);
    free(zero);
    block__close(b);
    if (rc)
        img__error("cannot preallocate '%s': %s", path, strerror(-rc));
    return rc ? -1 : 0;
}

static int raw_create(const char *path, uint64_t size, const char *prealloc)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        img__error("cannot create '%s': %s", path, strerror(errno));
        return -1;
    }
    int rc = ftruncate(fd, (off_t)size);
    if (!rc && !strcmp(prealloc, "falloc"))
        rc = posix_fallocate(fd, 0, (off_t)size) ? -1 : 0;
    if (!rc && !strcmp(prealloc, "full")) {
        static const uint8_t zero[1 << 16];
        for (uint64_t off = 0; !rc && off < size; off += sizeof(zero)) {
            size_t n = size - off < sizeof(zero) ? (size_t)(size - off) : sizeof(zero);
            rc = pwrite(fd, zero, n, (off_t)off) == (ssize_t)n ? 0 : -1;
        }
    }
    if (!rc)
        rc = fsync(fd);
    if (rc)
        img__error("cannot write '%s': %s", path, strerror(errno));
    close(fd);
    return rc;
}

int img__create(int argc, char **argv)
{
    struct create_opts c = {.format = "raw", .prealloc = "off"};
    bool quiet = false;
    int opt;
    optind = 1;
    static const struct option longs[] = {{"help", no_argument, NULL, 'h'}, {0}};
    while ((opt = getopt_long(argc, argv, "f:b:F:o:qh", longs, NULL)) != -1) {
        switch (opt) {
        case 'f': c.format = optarg; break;
        case 'b': c.backing = optarg; break;
        case 'F': c.backing_fmt = optarg; break;
        case 'o':
            if (parse_o(&c, optarg))
                return 1;
            break;
        case 'q': quiet = true; break;
        case 'h':
            printf("usage: strata img create [-f raw|qcow2] [-b BACKING [-F FMT]] "
                   "[-o preallocation=off|falloc|full,cluster_size=N,compat=0.10|1.1,"
                   "compression_type=zlib|zstd,refcount_bits=N] FILE [SIZE]\n");
            return 0;
        default: return 1;
        }
    }
    if (optind >= argc || argc - optind > 2) {
        img__error("create: want FILE [SIZE]");
        return 1;
    }
    const char *path = argv[optind];
    uint64_t size = 0;
    bool have_size = argc - optind == 2;
    if (have_size && !img__parse_size(argv[optind + 1], &size)) {
        img__error("bad size '%s' (want bytes, or a number with K, M, G or T)", argv[optind + 1]);
        return 1;
    }
    if (strcmp(c.prealloc, "off") && strcmp(c.prealloc, "falloc") && strcmp(c.prealloc, "full") &&
        strcmp(c.prealloc, "metadata")) {
        img__error("bad preallocation '%s' (want off, metadata, falloc or full)", c.prealloc);
        return 1;
    }
    if (!strcmp(c.format, "raw")) {
        if (c.backing) {
            img__error("raw images have no backing file");
            return 1;
        }
        if (!have_size) {
            img__error("create: a raw image needs a SIZE");
            return 1;
        }
        if (!quiet)
            printf("Formatting '%s', fmt=raw size=%" PRIu64 "\n", path, size);
        return raw_create(path, size, c.prealloc) ? 1 : 0;
    }
    if (strcmp(c.format, "qcow2")) {
        img__error("unknown format '%s' (want raw or qcow2)", c.format);
        return 1;
    }
    char fmt_buf[16];
    if (c.backing) {
        /* The backing file must open (relative names from the new image's directory). */
        char full[PATH_MAX];
        if (qcow2__backing_path(path, c.backing, full, sizeof(full))) {
            img__error("backing file name is too long");
            return 1;
        }
        struct block_backend *bb = img__open(full, c.backing_fmt, true);
        if (!bb)
            return 1;
        if (!have_size)
            size = bb->size;
        snprintf(fmt_buf, sizeof(fmt_buf), "%s", bb->format);
        if (!c.backing_fmt)
            c.backing_fmt = fmt_buf;
        block__close(bb);
    } else if (!have_size) {
        img__error("create: want a SIZE (or a backing file to take it from)");
        return 1;
    }
    unsigned cb = 16;
    if (c.cluster_size)
        cb = (unsigned)__builtin_ctzll(c.cluster_size);
    unsigned order = 4;
    if (c.refcount_bits) {
        if (c.refcount_bits > 64 || (c.refcount_bits & (c.refcount_bits - 1))) {
            img__error("bad refcount_bits %u (want a power of two up to 64)", c.refcount_bits);
            return 1;
        }
        order = (unsigned)__builtin_ctz(c.refcount_bits);
    }
    struct qcow2_create_opts q = {.path = path,
                                  .size = size,
                                  .cluster_bits = cb,
                                  .version = c.version,
                                  .refcount_order = order,
                                  .zstd = c.zstd,
                                  .backing_file = c.backing,
                                  .backing_format = c.backing ? c.backing_fmt : NULL};
    if (!quiet)
        printf("Formatting '%s', fmt=qcow2 cluster_size=%llu compression_type=%s size=%" PRIu64
               "%s%s%s%s\n",
               path, 1ull << cb, c.zstd ? "zstd" : "zlib", size, c.backing ? " backing_file=" : "",
               c.backing ? c.backing : "", c.backing ? " backing_fmt=" : "",
               c.backing ? c.backing_fmt : "");
    struct err err;
    if (qcow2__create(&q, &err)) {
        img__error("%s", err.msg);
        return 1;
    }
    if (strcmp(c.prealloc, "off") && qcow2_preallocate(path, !strcmp(c.prealloc, "full")))
        return 1;
    return 0;
}

int img__resize(int argc, char **argv)
{
    const char *format = NULL;
    bool shrink = false;
    int opt;
    optind = 1;
    static const struct option longs[] = {{"shrink", no_argument, NULL, 's'}, {0}};
    /* "-1G" is a size, not an option: stop at the first non-option. */
    while ((opt = getopt_long(argc, argv, "+f:q", longs, NULL)) != -1) {
        switch (opt) {
        case 'f': format = optarg; break;
        case 's': shrink = true; break;
        case 'q': break;
        default: return 1;
        }
    }
    if (argc - optind != 2) {
        img__error("resize: want FILE [+|-]SIZE");
        return 1;
    }
    const char *arg = argv[optind + 1];
    int sign = *arg == '+' ? 1 : *arg == '-' ? -1 : 0;
    uint64_t n;
    if (!img__parse_size(arg + (sign ? 1 : 0), &n)) {
        img__error("bad size '%s'", arg);
        return 1;
    }
    struct block_backend *b = img__open(argv[optind], format, false);
    if (!b)
        return 1;
    uint64_t size = sign > 0 ? b->size + n : sign < 0 ? b->size - n : n;
    if (sign < 0 && n > b->size) {
        img__error("resize: the image is smaller than %s", arg + 1);
        block__close(b);
        return 1;
    }
    int rc = 0;
    struct err err;
    if (!strcmp(b->format, "qcow2")) {
        rc = qcow2__resize(b, size, shrink, &err);
    } else if (size < b->size && !shrink) {
        rc = err__set(&err, "shrinking '%s' loses data: say --shrink", argv[optind]);
    } else {
        block__close(b);
        b = NULL;
        rc = truncate(argv[optind], (off_t)size)
                 ? err__set_errno(&err, errno, "cannot resize '%s'", argv[optind])
                 : 0;
    }
    block__close(b);
    if (rc) {
        img__error("%s", err.msg);
        return 1;
    }
    printf("Image resized.\n");
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: strata img <command> [options]\n"
                 "\n"
                 "commands (options and exit statuses as qemu-img's; docs/storage.md):\n"
                 "  create [-f raw|qcow2] [-b BACKING [-F FMT]] [-o OPTS] FILE [SIZE]\n"
                 "  info [-f FMT] [--output=human|json] [--backing-chain] FILE\n"
                 "  check [-f FMT] [-r leaks|all] [--output=human|json] FILE\n"
                 "  convert [-f FMT] [-O FMT] [-c] [-p] [-m N] [-o OPTS] SRC DST\n"
                 "  compare [-f FMT] [-F FMT] [-s] FILE1 FILE2\n"
                 "  resize [-f FMT] [--shrink] FILE [+|-]SIZE\n"
                 "  snapshot -c|-l|-a|-d [NAME] FILE\n"
                 "  commit [-f FMT] [-d] FILE\n"
                 "  rebase [-f FMT] [-u] -b NEW [-F FMT] FILE\n"
                 "sizes: bytes, or with a K, M, G or T suffix (binary)\n");
}

int cli__img(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        {"create", img__create},     {"info", img__info},       {"check", img__check},
        {"convert", img__convert},   {"compare", img__compare}, {"resize", img__resize},
        {"snapshot", img__snapshot}, {"commit", img__commit},   {"rebase", img__rebase},
    };
    if (argc < 2) {
        usage(stderr);
        return 1;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof(cmds) / sizeof(*cmds); i++)
        if (!strcmp(argv[1], cmds[i].name))
            return cmds[i].fn(argc - 1, argv + 1);
    img__error("unknown command '%s' (try 'strata img --help')", argv[1]);
    return 1;
}
