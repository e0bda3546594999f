/* SPDX-License-Identifier: Apache-2.0 */
/* img.h - the parts of `strata img` (src/cli/img*.c) and what they share. */
#ifndef STRATA_CLI_IMG_H
#define STRATA_CLI_IMG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "block/block.h"
#include "util/err.h"

/* Subcommands: argv[0] is the subcommand's name; each returns the exit status. */
int img__create(int argc, char **argv);
int img__info(int argc, char **argv);
int img__check(int argc, char **argv);
int img__convert(int argc, char **argv);
int img__compare(int argc, char **argv);
int img__resize(int argc, char **argv);
int img__snapshot(int argc, char **argv);
int img__commit(int argc, char **argv);
int img__rebase(int argc, char **argv);

/* Bytes: digits with an optional k/K, M, G, T, P or E suffix (binary units); no suffix: bytes. */
bool img__parse_size(const char *s, uint64_t *out);
/* qemu-img's human size: "0 B", "512 B", "1 GiB", "1.5 MiB". */
void img__human_size(uint64_t n, char *buf, size_t len);
/* Opens an image for a subcommand; prints the error and returns NULL on failure. */
struct block_backend *img__open(const char *path, const char *format, bool readonly);
/* qemu-img's "Snapshot list:" table of a qcow2 image (nothing when it has none). */
void img__print_snapshots(struct block_backend *b);
void img__error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
