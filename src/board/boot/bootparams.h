/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bootparams.h - the Linux x86 "zero page" (struct boot_params) and its
 * setup header (Documentation/arch/x86/zero-page.rst and boot.rst, "The
 * Real-Mode Kernel Header"). The layout is the kernel's own UAPI header,
 * <asm/bootparam.h> from linux-libc-dev.
 */
#ifndef STRATA_BOARD_BOOT_BOOTPARAMS_H
#define STRATA_BOARD_BOOT_BOOTPARAMS_H

#include <asm/bootparam.h>
#include <stdint.h>

#include "machine/memory.h"
#include "util/err.h"

#define SETUP_HEADER_OFFSET  0x1f1       /* of struct setup_header, in a bzImage and boot_params */
#define SETUP_HEADER_MAGIC   0x53726448u /* "HdrS" */
#define SETUP_BOOT_FLAG      0xaa55
#define SETUP_LOADER_UNKNOWN 0xff /* type_of_loader: "other" (boot.rst) */

/* What goes into the zero page besides the setup header. */
struct bootparams_config {
    uint64_t cmdline_gpa;
    uint64_t initrd_gpa; /* 0 with initrd_size 0: none */
    uint64_t initrd_size;
};

/*
 * Fills *bp for a 64-bit entry: hdr is the kernel's setup header (NULL for
 * an ELF kernel without one, which gets the fields the boot protocol
 * requires), with the loader's fields (type_of_loader, cmd_line_ptr,
 * ramdisk_image/size) set from cfg, and the e820 map of mem.
 */
int bootparams__build(struct boot_params *bp, const struct setup_header *hdr,
                      const struct bootparams_config *cfg, const struct guest_memory *mem,
                      struct err *err);

#endif
