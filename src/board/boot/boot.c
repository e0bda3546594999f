// SPDX-License-Identifier: Apache-2.0
/*
 * boot.c - loading a guest for the 64-bit boot protocol (see boot.h;
 * Documentation/arch/x86/boot.rst, "64-bit Boot Protocol").
 *
 * Order: the kernel's segments (all at or above 1 MiB), then the initrd at
 * the top of low RAM below the kernel's initrd_addr_max, then the command
 * line, the MP table, the ACPI tables, the zero page with the e820 map and
 * the RSDP's address, and last the page tables, GDT and register state of
 * the boot CPU.
 */
#include "board/boot/boot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/acpi/acpi.h"
#include "board/boot/bootparams.h"
#include "board/boot/bzimage.h"
#include "board/boot/decompress.h"
#include "board/boot/elf.h"
#include "board/boot/entry.h"
#include "board/layout.h"
#include "board/mptable.h"
#include "util/log.h"

#define MAX_KERNEL_FILE (1ull << 30)
#define PAGE_SIZE       KIB(4)

struct loaded_kernel {
    struct elf_image elf;
    bool has_setup_header;
    struct setup_header hdr;
};

/* Opens a regular file for reading and returns its size; what is "kernel" or "initrd". */
static int open_file(const char *what, const char *path, uint64_t *size, struct err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err__set_errno(err, errno, "cannot open %s '%s'", what, path);
    struct stat st;
    if (fstat(fd, &st)) {
        err__set_errno(err, errno, "cannot stat %s '%s'", what, path);
    } else if (S_ISDIR(st.st_mode)) {
        err__set_errno(err, EISDIR, "cannot read %s '%s'", what, path);
    } else if (!S_ISREG(st.st_mode)) {
        err__set(err, "%s '%s' is not a regular file", what, path);
    } else {
        *size = (uint64_t)st.st_size;
        return fd;
    }
    close(fd);
    return -1;
}

static int read_fully(int fd, uint8_t *dst, uint64_t size, const char *what, const char *path,
                      struct err *err)
{
    for (uint64_t done = 0; done < size;) {
        ssize_t n = pread(fd, dst + done, size - done, (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return err__set_errno(err, errno, "cannot read %s '%s'", what, path);
        if (n == 0)
            return err__set(err, "cannot read %s '%s': file shrank while reading", what, path);
        done += (uint64_t)n;
    }
    return 0;
}

static uint8_t *read_kernel_file(const char *path, size_t *len, struct err *err)
{
    uint64_t size;
    int fd = open_file("kernel", path, &size, err);
    if (fd < 0)
        return NULL;
    uint8_t *buf = NULL;
    if (size > MAX_KERNEL_FILE)
        err__set(err, "kernel '%s' is too large (%llu MiB)", path,
                 (unsigned long long)(size >> 20));
    else if (!(buf = malloc(size ? size : 1)))
        err__set(err, "out of memory reading kernel '%s'", path);
    else if (read_fully(fd, buf, size, "kernel", path, err)) {
        free(buf);
        buf = NULL;
    }
    close(fd);
    *len = size;
    return buf;
}

static int load_bzimage(const struct guest_memory *mem, const uint8_t *file, size_t len,
                        const char *path, struct loaded_kernel *k, struct err *err)
{
    struct bzimage bz;
    if (bzimage__parse(file, len, path, &bz, err))
        return -1;
    uint8_t *vmlinux;
    size_t vmlinux_len;
    if (decompress__payload(bz.payload, bz.payload_len, path, &vmlinux, &vmlinux_len, err))
        return -1;
    int rc;
    if (!elf__detect(vmlinux, vmlinux_len))
        rc = err__set(err, "kernel '%s': the decompressed payload is not an ELF file", path);
    else
        rc = elf__load(mem, vmlinux, vmlinux_len, path, &k->elf, err);
    decompress__free(vmlinux, vmlinux_len);
    k->has_setup_header = true;
    k->hdr = bz.hdr;
    log__debug("kernel '%s': bzImage protocol %u.%02u, %zu bytes decompressed", path,
               bz.hdr.version >> 8, bz.hdr.version & 0xff, vmlinux_len);
    return rc;
}

static int load_kernel(const struct guest_memory *mem, const char *path, struct loaded_kernel *k,
                       struct err *err)
{
    size_t len;
    uint8_t *file = read_kernel_file(path, &len, err);
    if (!file)
        return -1;
    int rc;
    memset(k, 0, sizeof(*k));
    if (bzimage__detect(file, len))
        rc = load_bzimage(mem, file, len, path, k, err);
    else if (elf__detect(file, len))
        rc = elf__load(mem, file, len, path, &k->elf, err);
    else
        rc = err__set(err, "kernel '%s' is neither a bzImage nor an ELF file", path);
    free(file);
    if (rc == 0)
        log__debug("kernel '%s': loaded at 0x%llx-0x%llx, entry 0x%llx", path,
                   (unsigned long long)k->elf.load_start, (unsigned long long)k->elf.load_end,
                   (unsigned long long)k->elf.entry);
    return rc;
}

static int write_cmdline(const struct guest_memory *mem, const char *cmdline,
                         const struct loaded_kernel *k, struct err *err)
{
    size_t len = cmdline ? strlen(cmdline) : 0;
    size_t max = LAYOUT_CMDLINE_MAX - 1;
    if (k->has_setup_header && k->hdr.cmdline_size < max)
        max = k->hdr.cmdline_size;
    if (len > max)
        return err__set(err,
                        "the kernel command line is %zu bytes long, the kernel takes at most %zu",
                        len, max);
    char *dst = guest_memory__hva(mem, LAYOUT_CMDLINE, len + 1);
    if (!dst)
        return err__set(err, "guest memory too small for the kernel command line");
    memcpy(dst, cmdline ? cmdline : "", len + 1);
    return 0;
}

/* Places the initrd as high as allowed in low RAM, page aligned, above the kernel. */
static int load_initrd(const struct guest_memory *mem, const char *path,
                       const struct loaded_kernel *k, struct bootparams_config *bc, struct err *err)
{
    uint64_t size;
    int fd = open_file("initrd", path, &size, err);
    if (fd < 0)
        return -1;
    if (size == 0) { /* an empty initrd is no initrd */
        close(fd);
        return 0;
    }
    uint64_t top = guest_memory__low_end(mem);
    if (k->has_setup_header && (uint64_t)k->hdr.initrd_addr_max + 1 < top)
        top = (uint64_t)k->hdr.initrd_addr_max + 1;
    uint64_t kernel_end = (k->elf.load_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    uint64_t addr = top >= size ? (top - size) & ~(PAGE_SIZE - 1) : 0;
    uint8_t *dst = guest_memory__hva(mem, addr, size);
    int rc;
    if (top < size || addr < kernel_end || !dst)
        rc = err__set(err,
                      "initrd '%s' (%llu MiB) does not fit in guest RAM between the kernel and "
                      "0x%llx",
                      path, (unsigned long long)(size >> 20), (unsigned long long)top);
    else
        rc = read_fully(fd, dst, size, "initrd", path, err);
    close(fd);
    if (rc == 0) {
        bc->initrd_gpa = addr;
        bc->initrd_size = size;
        log__debug("initrd '%s': %llu bytes at 0x%llx", path, (unsigned long long)size,
                   (unsigned long long)addr);
    }
    return rc;
}

int boot__load(struct machine *m, const struct boot_config *cfg, struct cpu_state *bsp,
               struct err *err)
{
    const struct guest_memory *mem = &m->mem;
    struct loaded_kernel k;
    if (load_kernel(mem, cfg->kernel_path, &k, err))
        return -1;

    struct bootparams_config bc = {.cmdline_gpa = LAYOUT_CMDLINE};
    if (cfg->initrd_path && load_initrd(mem, cfg->initrd_path, &k, &bc, err))
        return -1;
    if (write_cmdline(mem, cfg->cmdline, &k, err))
        return -1;

    struct boot_params bp;
    if (bootparams__build(&bp, k.has_setup_header ? &k.hdr : NULL, &bc, mem, err))
        return -1;
    uint64_t rsdp;
    if (mptable__write(mem, m->ncpus, cfg->slots, err) || acpi__build(m, cfg->slots, &rsdp, err))
        return -1;
    bp.acpi_rsdp_addr = rsdp;
    if (guest_memory__write(mem, LAYOUT_BOOT_PARAMS, &bp, sizeof(bp)))
        return err__set(err, "guest memory too small for boot_params");
    return boot__long_mode_entry(mem, k.elf.entry, bsp, err);
}
