// SPDX-License-Identifier: Apache-2.0
/*
 * test_qcow2.c - the qcow2 backend (src/block/qcow2*.c) on temporary
 * images: create, write and read back across clusters (partial, whole,
 * runs), zeroes and discard, a backing chain (copy-on-write leaves the
 * base alone), snapshots (create, apply, delete), compressed writes with
 * zlib and zstd, v2 images, refcount growth past one refcount block, the
 * check (clean; a leak found and repaired), and header validation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "block/copy.h"
#include "block/qcow2_img.h"

struct fixture {
    char dir[64];
    char path[96], base[96];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    strcpy(f->dir, "/tmp/strata-qcow2-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/img.qcow2", f->dir);
    snprintf(f->base, sizeof(f->base), "%s/base.qcow2", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    unlink(f->path);
    unlink(f->base);
    rmdir(f->dir);
    free(f);
    return 0;
}

static struct block_backend *make(const char *path, uint64_t size, unsigned cluster_bits,
                                  unsigned version, const char *backing)
{
    struct err err;
    struct qcow2_create_opts o = {.path = path,
                                  .size = size,
                                  .cluster_bits = cluster_bits,
                                  .version = version,
                                  .refcount_order = 4,
                                  .backing_file = backing,
                                  .backing_format = backing ? "qcow2" : NULL};
    assert_int_equal(qcow2__create(&o, &err), 0);
    struct block_options bo = {.path = path};
    struct block_backend *b = block__open(&bo, &err);
    assert_non_null(b);
    assert_string_equal(b->format, "qcow2");
    return b;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 31 + seed * 7 + (i >> 9));
}

static void expect_clean(struct block_backend *b)
{
    struct qcow2_check_result r;
    struct err err;
    assert_int_equal(qcow2__check(b, QCOW2_REPAIR_NONE, NULL, &r, &err), 0);
    assert_int_equal(r.corruptions, 0);
    assert_int_equal(r.leaks, 0);
}

static void read_write(void **state)
{
    struct fixture *f = *state;
    struct block_backend *b = make(f->path, 8 << 20, 12, 3, NULL);
    static uint8_t w[300000], r[300000];
    fill(w, sizeof(w), 1);
    assert_int_equal(block__pwrite(b, w, 1000, 100), 0);          /* partial */
    assert_int_equal(block__pwrite(b, w, sizeof(w), 1 << 20), 0); /* a run, unaligned end */
    assert_int_equal(block__pwrite(b, w, 8192, 5 << 20), 0);      /* whole clusters */
    assert_int_equal(block__pread(b, r, 1000, 100), 0);
    assert_memory_equal(w, r, 1000);
    assert_int_equal(block__pread(b, r, sizeof(w), 1 << 20), 0);
    assert_memory_equal(w, r, sizeof(w));
    assert_int_equal(block__pread(b, r, 100, 0), 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(r[i], 0);
    /* Zeroes and discard read back as zeroes. */
    assert_int_equal(b->ops->write_zeroes(b, (1 << 20) + 4096, 8192 + 100, false), 0);
    assert_int_equal(b->ops->discard(b, 5 << 20, 8192), 0);
    assert_int_equal(block__pread(b, r, 8192 + 100, (1 << 20) + 4096), 0);
    for (int i = 0; i < 8192 + 100; i++)
        assert_int_equal(r[i], 0);
    assert_int_equal(block__pread(b, r, 8192, 5 << 20), 0);
    for (int i = 0; i < 8192; i++)
        assert_int_equal(r[i], 0);
    /* Out of range. */
    assert_int_not_equal(block__pread(b, r, 4096, (8 << 20) - 100), 0);
    expect_clean(b);
    block__close(b);
}

static void backing_chain(void **state)
{
    struct fixture *f = *state;
    struct block_backend *base = make(f->base, 4 << 20, 16, 3, NULL);
    static uint8_t w[200000], r[200000];
    fill(w, sizeof(w), 2);
    assert_int_equal(block__pwrite(base, w, sizeof(w), 0), 0);
    block__close(base);
    /* A relative name: resolved against the overlay's directory. */
    struct block_backend *top = make(f->path, 4 << 20, 16, 3, "base.qcow2");
    assert_non_null(top->backing);
    assert_int_equal(block__pread(top, r, sizeof(r), 0), 0);
    assert_memory_equal(w, r, sizeof(w));
    uint8_t x[100];
    memset(x, 0xee, sizeof(x));
    assert_int_equal(block__pwrite(top, x, sizeof(x), 70000), 0); /* copy-on-write */
    assert_int_equal(top->ops->write_zeroes(top, 131072, 65536, false), 0);
    assert_int_equal(block__pread(top, r, sizeof(r), 0), 0);
    memcpy(w + 70000, x, sizeof(x));
    memset(w + 131072, 0, 65536);
    assert_memory_equal(w, r, sizeof(w));
    expect_clean(top);
    block__close(top);
    struct err err;
    struct block_options bo = {.path = f->base, .readonly = true};
    base = block__open(&bo, &err);
    assert_non_null(base);
    fill(w, sizeof(w), 2);
    assert_int_equal(block__pread(base, r, sizeof(r), 0), 0);
    assert_memory_equal(w, r, sizeof(w)); /* the base is untouched */
    block__close(base);
}

static void snapshots(void **state)
{
    struct fixture *f = *state;
    struct block_backend *b = make(f->path, 1 << 20, 9, 3, NULL);
    struct err err;
    uint8_t a[4096], c[4096], r[4096];
    memset(a, 'a', sizeof(a));
    memset(c, 'c', sizeof(c));
    assert_int_equal(block__pwrite(b, a, sizeof(a), 0), 0);
    assert_int_equal(qcow2__snapshot_create(b, "one", &err), 0);
    assert_int_equal(qcow2__snapshot_create(b, "one", &err), -1);
    expect_clean(b);
    assert_int_equal(block__pwrite(b, c, sizeof(c), 512), 0);
    expect_clean(b);
    assert_int_equal(qcow2__snapshot_apply(b, "one", &err), 0);
    assert_int_equal(block__pread(b, r, sizeof(r), 0), 0);
    assert_memory_equal(a, r, sizeof(r));
    expect_clean(b);
    assert_int_equal(qcow2__snapshot_delete(b, "one", &err), 0);
    assert_int_equal(qcow2__snapshot_delete(b, "one", &err), -1);
    expect_clean(b);
    uint32_t n;
    qcow2__snapshots(b, &n);
    assert_int_equal(n, 0);
    block__close(b);
}

static void compressed(void **state)
{
    struct fixture *f = *state;
    for (int zstd = 0; zstd <= 1; zstd++) {
        struct err err;
        struct qcow2_create_opts o = {
            .path = f->path, .size = 1 << 20, .refcount_order = 4, .zstd = zstd};
        assert_int_equal(qcow2__create(&o, &err), 0);
        struct block_options bo = {.path = f->path};
        struct block_backend *b = block__open(&bo, &err);
        assert_non_null(b);
        static uint8_t w[3 * 65536], r[3 * 65536];
        for (size_t i = 0; i < sizeof(w); i++)
            w[i] = (uint8_t)("compressible "[i % 13]);
        assert_int_equal(qcow2__pwrite_compressed(b, w, sizeof(w), 0), 0);
        assert_int_equal(block__pread(b, r, sizeof(r), 0), 0);
        assert_memory_equal(w, r, sizeof(w));
        /* Overwriting part of a compressed cluster decompresses it first. */
        assert_int_equal(block__pwrite(b, "XY", 2, 65536 + 10), 0);
        memcpy(w + 65536 + 10, "XY", 2);
        assert_int_equal(block__pread(b, r, sizeof(r), 0), 0);
        assert_memory_equal(w, r, sizeof(w));
        expect_clean(b);
        block__close(b);
    }
}

static void version2_and_growth(void **state)
{
    struct fixture *f = *state;
    /* 512-byte clusters: a refcount block covers 256 clusters, the first
     * refcount table 64 blocks (8 MiB of file): 10 MiB of data moves it. */
    struct block_backend *b = make(f->path, 16 << 20, 9, 2, NULL);
    uint64_t table_before = qcow2__header(b)->reftable_offset;
    static uint8_t w[1 << 20], r[1 << 20];
    fill(w, sizeof(w), 3);
    for (int i = 9; i >= 0; i--)
        assert_int_equal(block__pwrite(b, w, sizeof(w), (uint64_t)i * (3 << 19)), 0);
    assert_int_not_equal(qcow2__header(b)->reftable_offset, table_before);
    assert_int_equal(b->ops->write_zeroes(b, 4096, 4096, false), 0);
    memset(w + 4096, 0, 4096);
    assert_int_equal(block__pread(b, r, sizeof(r), 0), 0);
    assert_memory_equal(w, r, sizeof(w));
    expect_clean(b);
    block__close(b);
}

static void leak_repair(void **state)
{
    struct fixture *f = *state;
    struct block_backend *b = make(f->path, 1 << 20, 16, 3, NULL);
    struct qcow2 *q = (struct qcow2 *)b;
    int rc;
    assert_int_not_equal(qcow2__alloc_clusters(q, 2, &rc), 0); /* referenced by nothing */
    struct qcow2_check_result r;
    struct err err;
    assert_int_equal(qcow2__check(b, QCOW2_REPAIR_NONE, NULL, &r, &err), 0);
    assert_int_equal(r.leaks, 2);
    assert_int_equal(r.corruptions, 0);
    assert_int_equal(qcow2__check(b, QCOW2_REPAIR_LEAKS, NULL, &r, &err), 0);
    assert_int_equal(r.leaks_fixed, 2);
    assert_int_equal(r.leaks, 0);
    expect_clean(b);
    block__close(b);
}

static void header_checks(void **state)
{
    struct fixture *f = *state;
    struct block_backend *b = make(f->path, 1 << 20, 16, 3, NULL);
    block__close(b);
    uint8_t h[4096];
    FILE *fp = fopen(f->path, "rb");
    assert_non_null(fp);
    assert_int_equal(fread(h, 1, sizeof(h), fp), sizeof(h));
    fclose(fp);
    struct qcow2_header hd;
    struct err err;
    assert_int_equal(qcow2__parse_header(h, sizeof(h), 1 << 20, &hd, &err), 0);
    assert_int_equal(hd.cluster_bits, 16);
    assert_int_equal(hd.size, 1 << 20);
    uint8_t bad[4096];
    memcpy(bad, h, sizeof(bad));
    qcow2_put32(bad + 4, 4);
    assert_int_equal(qcow2__parse_header(bad, sizeof(bad), 1 << 20, &hd, &err), -1);
    assert_non_null(strstr(err.msg, "version"));
    memcpy(bad, h, sizeof(bad));
    qcow2_put64(bad + 40, 1ull << 40);
    assert_int_equal(qcow2__parse_header(bad, sizeof(bad), 1 << 20, &hd, &err), -1);
    assert_non_null(strstr(err.msg, "past the end"));
    memcpy(bad, h, sizeof(bad));
    qcow2_put64(bad + 72, 1ull << 2); /* external data file */
    assert_int_equal(qcow2__parse_header(bad, sizeof(bad), 1 << 20, &hd, &err), -1);
    assert_non_null(strstr(err.msg, "external data file"));
    memcpy(bad, h, sizeof(bad));
    qcow2_put32(bad + 32, 1); /* AES */
    assert_int_equal(qcow2__parse_header(bad, sizeof(bad), 1 << 20, &hd, &err), -1);
    assert_non_null(strstr(err.msg, "encrypted"));
    assert_int_equal(qcow2__parse_header(h, 50, 1 << 20, &hd, &err), -1);
}

static void copy_skips_zeroes(void **state)
{
    struct fixture *f = *state;
    struct block_backend *src = make(f->base, 16 << 20, 16, 3, NULL);
    static uint8_t w[65536 * 3];
    fill(w, sizeof(w), 4);
    memset(w + 65536, 0, 65536); /* a zero cluster among data: not written */
    assert_int_equal(block__pwrite(src, w, sizeof(w), 8 << 20), 0);
    struct block_backend *dst = make(f->path, 16 << 20, 16, 3, NULL);
    struct block_copy_opts o = {.threads = 4, .chunk = 1 << 20, .granularity = 65536};
    assert_int_equal(block__copy(src, dst, &o), 0);
    static uint8_t r[65536 * 3];
    assert_int_equal(block__pread(dst, r, sizeof(r), 8 << 20), 0);
    assert_memory_equal(w, r, sizeof(r));
    uint64_t pnum;
    unsigned st;
    assert_int_equal(block__status(dst, (8 << 20) + 65536, 65536, &pnum, &st), 0);
    assert_true(st & BLOCK_STATUS_ZERO);
    assert_int_equal(block__status(dst, 0, 8 << 20, &pnum, &st), 0);
    assert_int_equal(pnum, 8 << 20);
    assert_true(st & BLOCK_STATUS_ZERO);
    expect_clean(dst);
    block__close(src);
    block__close(dst);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(read_write, setup, teardown),
        cmocka_unit_test_setup_teardown(backing_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(snapshots, setup, teardown),
        cmocka_unit_test_setup_teardown(compressed, setup, teardown),
        cmocka_unit_test_setup_teardown(version2_and_growth, setup, teardown),
        cmocka_unit_test_setup_teardown(leak_repair, setup, teardown),
        cmocka_unit_test_setup_teardown(header_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(copy_skips_zeroes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
