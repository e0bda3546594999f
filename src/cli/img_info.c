// SPDX-License-Identifier: Apache-2.0
/*
 * img_info.c - `strata img info` and `strata img check`: what an image is
 * (human or JSON output with qemu-img's field names) and whether its
 * metadata is consistent (qemu-img's exit statuses: 0 clean, 1 the check
 * could not run, 2 corruptions, 3 leaks only, 63 a format without checks).
 */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "block/qcow2_img.h"
#include "cli/img.h"

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static uint64_t disk_usage(const char *path)
{
    struct stat st;
    return stat(path, &st) ? 0 : (uint64_t)st.st_blocks * 512;
}

static void info_json(struct block_backend *b, const char *indent, bool last)
{
    const char *path = b->filename;
    printf("%s{\n", indent);
    const struct qcow2_header *h = !strcmp(b->format, "qcow2") ? qcow2__header(b) : NULL;
    if (h && h->backing_file[0] && h->backing_format[0]) {
        printf("%s    \"backing-filename-format\": ", indent);
        json_string(stdout, h->backing_format);
        printf(",\n");
    }
    if (h && h->nb_snapshots) {
        uint32_t n;
        const struct qcow2_snapshot *s = qcow2__snapshots(b, &n);
        printf("%s    \"snapshots\": [\n", indent);
        for (uint32_t i = 0; i < n; i++) {
            printf("%s        {\n", indent);
            if (s[i].icount != ~0ull)
                printf("%s            \"icount\": %" PRIu64 ",\n", indent, s[i].icount);
            printf("%s            \"vm-clock-nsec\": %" PRIu64 ",\n", indent,
                   s[i].vm_clock_nsec % 1000000000);
            printf("%s            \"name\": ", indent);
            json_string(stdout, s[i].name);
            printf(",\n%s            \"date-sec\": %" PRIu32 ",\n", indent, s[i].date_sec);
            printf("%s            \"date-nsec\": %" PRIu32 ",\n", indent, s[i].date_nsec);
            printf("%s            \"vm-clock-sec\": %" PRIu64 ",\n", indent,
                   s[i].vm_clock_nsec / 1000000000);
            printf("%s            \"id\": ", indent);
            json_string(stdout, s[i].id);
            printf(",\n%s            \"vm-state-size\": %" PRIu64 "\n", indent, s[i].vm_state_size);
            printf("%s        }%s\n", indent, i + 1 < n ? "," : "");
        }
        printf("%s    ],\n", indent);
    }
    printf("%s    \"virtual-size\": %" PRIu64 ",\n", indent, b->size);
    printf("%s    \"filename\": ", indent);
    json_string(stdout, path);
    printf(",\n");
    if (h)
        printf("%s    \"cluster-size\": %llu,\n", indent, 1ull << h->cluster_bits);
    printf("%s    \"format\": \"%s\",\n", indent, b->format);
    printf("%s    \"actual-size\": %" PRIu64 ",\n", indent, disk_usage(path));
    if (h) {
        printf("%s    \"format-specific\": {\n", indent);
        printf("%s        \"type\": \"qcow2\",\n", indent);
        printf("%s        \"data\": {\n", indent);
        printf("%s            \"compat\": \"%s\",\n", indent, h->version >= 3 ? "1.1" : "0.10");
        if (h->version >= 3) {
            printf("%s            \"compression-type\": \"%s\",\n", indent,
                   h->compression_type == QCOW2_COMPRESSION_ZSTD ? "zstd" : "zlib");
            printf("%s            \"lazy-refcounts\": %s,\n", indent,
                   h->compat & QCOW2_COMPAT_LAZY_REFCOUNTS ? "true" : "false");
            printf("%s            \"refcount-bits\": %u,\n", indent, 1u << h->refcount_order);
            printf("%s            \"corrupt\": %s,\n", indent,
                   h->incompat & QCOW2_INCOMPAT_CORRUPT ? "true" : "false");
            printf("%s            \"extended-l2\": false\n", indent);
        } else {
            printf("%s            \"compression-type\": \"zlib\",\n", indent);
            printf("%s            \"refcount-bits\": 16\n", indent);
        }
        printf("%s        }\n", indent);
        printf("%s    },\n", indent);
    }
    if (h && h->backing_file[0]) {
        char full[PATH_MAX];
        if (qcow2__backing_path(path, h->backing_file, full, sizeof(full)))
            full[0] = 0;
        printf("%s    \"full-backing-filename\": ", indent);
        json_string(stdout, full);
        printf(",\n%s    \"backing-filename\": ", indent);
        json_string(stdout, h->backing_file);
        printf(",\n");
    }
    printf("%s    \"dirty-flag\": %s\n", indent,
           h && (h->incompat & QCOW2_INCOMPAT_DIRTY) ? "true" : "false");
    printf("%s}%s\n", indent, last ? "" : ",");
}

static void info_human(struct block_backend *b)
{
    char sz[32];
    const struct qcow2_header *h = !strcmp(b->format, "qcow2") ? qcow2__header(b) : NULL;
    printf("image: %s\n", b->filename);
    printf("file format: %s\n", b->format);
    img__human_size(b->size, sz, sizeof(sz));
    printf("virtual size: %s (%" PRIu64 " bytes)\n", sz, b->size);
    img__human_size(disk_usage(b->filename), sz, sizeof(sz));
    printf("disk size: %s\n", sz);
    if (!h)
        return;
    printf("cluster_size: %llu\n", 1ull << h->cluster_bits);
    if (h->backing_file[0]) {
        char full[PATH_MAX];
        printf("backing file: %s", h->backing_file);
        if (!qcow2__backing_path(b->filename, h->backing_file, full, sizeof(full)) &&
            strcmp(full, h->backing_file))
            printf(" (actual path: %s)", full);
        printf("\n");
        if (h->backing_format[0])
            printf("backing file format: %s\n", h->backing_format);
    }
    if (h->nb_snapshots)
        img__print_snapshots(b);
    printf("Format specific information:\n");
    printf("    compat: %s\n", h->version >= 3 ? "1.1" : "0.10");
    printf("    compression type: %s\n",
           h->compression_type == QCOW2_COMPRESSION_ZSTD ? "zstd" : "zlib");
    if (h->version >= 3) {
        printf("    lazy refcounts: %s\n",
               h->compat & QCOW2_COMPAT_LAZY_REFCOUNTS ? "true" : "false");
        printf("    refcount bits: %u\n", 1u << h->refcount_order);
        printf("    corrupt: %s\n", h->incompat & QCOW2_INCOMPAT_CORRUPT ? "true" : "false");
        printf("    extended l2: false\n");
    } else {
        printf("    refcount bits: 16\n");
    }
}

void img__print_snapshots(struct block_backend *b)
{
    uint32_t n;
    const struct qcow2_snapshot *s = qcow2__snapshots(b, &n);
    if (!n)
        return;
    printf("Snapshot list:\n");
    printf("%-10s%-17s%8s%20s%13s%11s\n", "ID", "TAG", "VM SIZE", "DATE", "VM CLOCK", "ICOUNT");
    for (uint32_t i = 0; i < n; i++) {
        char date[32], vs[32], clock[32];
        time_t t = s[i].date_sec;
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
        img__human_size(s[i].vm_state_size, vs, sizeof(vs));
        uint64_t ms = s[i].vm_clock_nsec / 1000000;
        snprintf(clock, sizeof(clock), "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64 ".%03" PRIu64,
                 ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
        printf("%-9s %-17s%8s%20s%13s", s[i].id, s[i].name, vs, date, clock);
        if (s[i].icount != ~0ull)
            printf("%11" PRIu64, s[i].icount);
        printf("\n");
    }
}

int img__info(int argc, char **argv)
{
    const char *format = NULL, *output = "human";
    bool chain = false;
    int opt;
    optind = 1;
    static const struct option longs[] = {{"output", required_argument, NULL, 'o'},
                                          {"backing-chain", no_argument, NULL, 'c'},
                                          {"force-share", no_argument, NULL, 'U'},
                                          {0}};
    while ((opt = getopt_long(argc, argv, "f:U", longs, NULL)) != -1) {
        switch (opt) {
        case 'f': format = optarg; break;
        case 'o': output = optarg; break;
        case 'c': chain = true; break;
        case 'U': break;
        default: return 1;
        }
    }
    if (strcmp(output, "human") && strcmp(output, "json")) {
        img__error("bad --output '%s' (want human or json)", output);
        return 1;
    }
    if (argc - optind != 1) {
        img__error("info: want FILE");
        return 1;
    }
    struct block_backend *b = img__open(argv[optind], format, true);
    if (!b)
        return 1;
    bool json = !strcmp(output, "json");
    if (json && chain)
        printf("[\n");
    for (struct block_backend *l = b; l; l = chain ? l->backing : NULL) {
        if (json)
            info_json(l, chain ? "    " : "", !chain || !l->backing);
        else {
            if (l != b)
                printf("\n");
            info_human(l);
        }
    }
    if (json && chain)
        printf("]\n");
    block__close(b);
    return 0;
}

int img__check(int argc, char **argv)
{
    const char *format = NULL, *output = "human", *repair = NULL;
    bool quiet = false;
    int opt;
    optind = 1;
    static const struct option longs[] = {
        {"output", required_argument, NULL, 'o'}, {"force-share", no_argument, NULL, 'U'}, {0}};
    while ((opt = getopt_long(argc, argv, "f:r:qU", longs, NULL)) != -1) {
        switch (opt) {
        case 'f': format = optarg; break;
        case 'o': output = optarg; break;
        case 'r': repair = optarg; break;
        case 'q': quiet = true; break;
        case 'U': break;
        default: return 1;
        }
    }
    enum qcow2_repair mode = QCOW2_REPAIR_NONE;
    if (repair) {
        if (!strcmp(repair, "leaks"))
            mode = QCOW2_REPAIR_LEAKS;
        else if (!strcmp(repair, "all"))
            mode = QCOW2_REPAIR_ALL;
        else {
            img__error("bad -r '%s' (want leaks or all)", repair);
            return 1;
        }
    }
    if ((strcmp(output, "human") && strcmp(output, "json")) || argc - optind != 1) {
        img__error("check: want [--output=human|json] FILE");
        return 1;
    }
    const char *path = argv[optind];
    struct err err;
    struct block_options o = {
        .path = path, .format = format, .readonly = !repair, .repair = !!repair};
    struct block_backend *b = block__open(&o, &err);
    if (!b) {
        img__error("%s", err.msg);
        return 1;
    }
    if (strcmp(b->format, "qcow2")) {
        img__error("this image format does not support checks");
        block__close(b);
        return 63;
    }
    bool json = !strcmp(output, "json");
    struct qcow2_check_result r;
    int rc = qcow2__check(b, mode, json || quiet ? NULL : stdout, &r, &err);
    block__close(b);
    if (rc) {
        img__error("%s", err.msg);
        return 1;
    }
    if (json) {
        printf("{\n");
        printf("    \"image-end-offset\": %" PRIu64 ",\n", r.image_end);
        printf("    \"total-clusters\": %" PRIu64 ",\n", r.total_clusters);
        printf("    \"check-errors\": %d,\n", r.check_errors);
        if (r.leaks)
            printf("    \"leaks\": %" PRIu64 ",\n", r.leaks);
        if (r.corruptions)
            printf("    \"corruptions\": %" PRIu64 ",\n", r.corruptions);
        if (r.leaks_fixed)
            printf("    \"leaks-fixed\": %" PRIu64 ",\n", r.leaks_fixed);
        if (r.corruptions_fixed)
            printf("    \"corruptions-fixed\": %" PRIu64 ",\n", r.corruptions_fixed);
        printf("    \"allocated-clusters\": %" PRIu64 ",\n", r.allocated_clusters);
        printf("    \"filename\": ");
        json_string(stdout, path);
        printf(",\n    \"format\": \"qcow2\"\n}\n");
    } else if (!quiet) {
        if (r.leaks_fixed || r.corruptions_fixed)
            printf("The following inconsistencies were found and repaired:\n\n"
                   "    %" PRIu64 " leaked clusters\n    %" PRIu64 " corruptions\n\n"
                   "Double checking the fixed image now...\n",
                   r.leaks_fixed, r.corruptions_fixed);
        if (!r.corruptions && !r.leaks)
            printf("No errors were found on the image.\n");
        if (r.corruptions)
            printf("\n%" PRIu64 " errors were found on the image.\n"
                   "Data may be corrupted, or further writes to the image may corrupt it.\n",
                   r.corruptions);
        if (r.leaks)
            printf("\n%" PRIu64 " leaked clusters were found on the image.\n"
                   "This means waste of disk space, but no harm to data.\n",
                   r.leaks);
        if (r.total_clusters)
            printf("%" PRIu64 "/%" PRIu64 " = %.2f%% allocated, %.2f%% fragmented, %.2f%% "
                   "compressed clusters\n",
                   r.allocated_clusters, r.total_clusters,
                   100.0 * (double)r.allocated_clusters / (double)r.total_clusters,
                   r.allocated_clusters
                       ? 100.0 * (double)r.fragmented_clusters / (double)r.allocated_clusters
                       : 0.0,
                   r.allocated_clusters
                       ? 100.0 * (double)r.compressed_clusters / (double)r.allocated_clusters
                       : 0.0);
        printf("Image end offset: %" PRIu64 "\n", r.image_end);
    }
    return r.corruptions ? 2 : r.leaks ? 3 : 0;
}
