// SPDX-License-Identifier: Apache-2.0
/*
 * bootparams.c - filling the zero page for the 64-bit boot protocol
 * (Documentation/arch/x86/boot.rst, "64-bit Boot Protocol" and "Details of
 * Header Fields"; see bootparams.h).
 *
 * A bzImage's own setup header is kept (version, loadflags, alignment,
 * init_size...) and only the fields marked "write" for the boot loader are
 * filled in. An ELF kernel has no header, so it gets the magic numbers and
 * the fields a 64-bit kernel reads, as Firecracker and Cloud Hypervisor do.
 */
#include "board/boot/bootparams.h"

#include <stddef.h>
#include <string.h>

#include "board/e820.h"
#include "board/layout.h"

_Static_assert(sizeof(struct boot_params) == 4096, "boot_params is one page");
_Static_assert(offsetof(struct boot_params, hdr) == SETUP_HEADER_OFFSET, "setup header offset");
_Static_assert(sizeof(struct e820_entry) == sizeof(struct boot_e820_entry), "e820 entry layout");

#define ELF_KERNEL_ALIGNMENT 0x1000000 /* CONFIG_PHYSICAL_ALIGN's usual value */

static void default_header(struct setup_header *hdr)
{
    hdr->boot_flag = SETUP_BOOT_FLAG;
    hdr->header = SETUP_HEADER_MAGIC;
    hdr->loadflags = LOADED_HIGH;
    hdr->kernel_alignment = ELF_KERNEL_ALIGNMENT;
    hdr->cmdline_size = LAYOUT_CMDLINE_MAX - 1;
}

int bootparams__build(struct boot_params *bp, const struct setup_header *hdr,
                      const struct bootparams_config *cfg, const struct guest_memory *mem,
                      struct err *err)
{
    memset(bp, 0, sizeof(*bp));
    if (hdr)
        bp->hdr = *hdr;
    else
        default_header(&bp->hdr);

    bp->hdr.type_of_loader = SETUP_LOADER_UNKNOWN;
    bp->hdr.cmd_line_ptr = (uint32_t)cfg->cmdline_gpa;
    bp->ext_cmd_line_ptr = (uint32_t)(cfg->cmdline_gpa >> 32);
    bp->hdr.ramdisk_image = (uint32_t)cfg->initrd_gpa;
    bp->ext_ramdisk_image = (uint32_t)(cfg->initrd_gpa >> 32);
    bp->hdr.ramdisk_size = (uint32_t)cfg->initrd_size;
    bp->ext_ramdisk_size = (uint32_t)(cfg->initrd_size >> 32);

    struct e820_entry map[E820_MAX_ENTRIES_ZEROPAGE];
    int n = e820__build(mem, map, E820_MAX_ENTRIES_ZEROPAGE, err);
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++)
        bp->e820_table[i] =
            (struct boot_e820_entry){.addr = map[i].addr, .size = map[i].size, .type = map[i].type};
    bp->e820_entries = (uint8_t)n;
    return 0;
}
