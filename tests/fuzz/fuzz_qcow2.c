// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_qcow2.c - fuzz target for the qcow2 header and metadata parser and
 * the code that trusts it (src/block/qcow2*.c), in libFuzzer's form: the
 * input is a hostile image.
 *
 * A valid template image (512-byte clusters, 64 KiB: data clusters, a
 * zero cluster, a compressed cluster, a snapshot) is made once; each
 * input is a list of edits to it, 3 bytes each (a 16-bit offset into the
 * template, the byte to put there), so that inputs keep most of the
 * structure and reach past the header checks. The edited image goes into
 * a memfd and is opened (probed, writable); then every guest byte is read,
 * a few clusters written, zeroed and discarded, and the image checked and
 * repaired. Errors are expected; a crash, a sanitizer report or a hang is
 * a finding.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "block/qcow2_img.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IMAGE_SIZE (64u << 10)

static uint8_t *template_img;
static size_t template_len;
static int fd = -1;
static char path[64];

static void die(const char *what)
{
    fprintf(stderr, "fuzz_qcow2: %s\n", what);
    abort();
}

static void make_template(void)
{
    fd = memfd_create("fuzz-qcow2", 0);
    if (fd < 0)
        die("memfd_create");
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    struct err err;
    struct qcow2_create_opts o = {
        .path = path, .size = IMAGE_SIZE, .cluster_bits = 9, .refcount_order = 4};
    if (qcow2__create(&o, &err))
        die(err.msg);
    struct block_options bo = {.path = path, .format = "qcow2"};
    struct block_backend *b = block__open(&bo, &err);
    if (!b)
        die(err.msg);
    uint8_t buf[4096];
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 7);
    if (block__pwrite(b, buf, sizeof(buf), 0) || block__pwrite(b, buf, 1000, 20000) ||
        b->ops->write_zeroes(b, 8192, 1024, false))
        die("template writes");
    if (qcow2__snapshot_create(b, "s", &err))
        die(err.msg);
    memset(buf, 'z', 512);
    if (block__pwrite(b, buf, 512, 4096) || qcow2__pwrite_compressed(b, buf, 512, 30720))
        die("template writes after the snapshot");
    block__close(b);
    off_t len = lseek(fd, 0, SEEK_END);
    template_img = malloc((size_t)len);
    if (!template_img || pread(fd, template_img, (size_t)len, 0) != len)
        die("reading the template");
    template_len = (size_t)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!template_img)
        make_template();
    static uint8_t *img;
    if (!img && !(img = malloc(template_len)))
        die("out of memory");
    memcpy(img, template_img, template_len);
    for (size_t i = 0; i + 3 <= size && i < 3 * 64; i += 3) {
        size_t at = ((size_t)data[i] << 8 | data[i + 1]) % template_len;
        img[at] = data[i + 2];
    }
    if (ftruncate(fd, 0) || pwrite(fd, img, template_len, 0) != (ssize_t)template_len)
        die("writing the image");
    struct err err;
    struct block_options bo = {.path = path, .repair = size > 0 && (data[0] & 1)};
    struct block_backend *b = block__open(&bo, &err);
    if (!b)
        return 0;
    static uint8_t buf[IMAGE_SIZE];
    uint64_t n = b->size < sizeof(buf) ? b->size : sizeof(buf);
    for (uint64_t off = 0; off < n; off += 4096)
        block__pread(b, buf, n - off < 4096 ? n - off : 4096, off);
    if (!b->readonly) {
        memset(buf, 0x5a, 2048);
        block__pwrite(b, buf, n < 2048 ? n : 2048, 0);
        if (n > 12288) {
            block__pwrite(b, buf, 700, 9000);
            b->ops->write_zeroes(b, 4096, 1536, true);
            b->ops->discard(b, 10240, 2048);
            qcow2__pwrite_compressed(b, buf, 512, 11776);
        }
    }
    if (!strcmp(b->format, "qcow2")) {
        struct qcow2_check_result r;
        qcow2__check(b, QCOW2_REPAIR_NONE, NULL, &r, &err);
        if (!b->readonly)
            qcow2__check(b, QCOW2_REPAIR_ALL, NULL, &r, &err);
        if (!b->readonly && size > 1 && (data[1] & 1))
            qcow2__snapshot_delete(b, "s", &err);
    }
    block__close(b);
    return 0;
}
