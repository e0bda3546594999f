// SPDX-License-Identifier: Apache-2.0
/*
 * execmem.c - the W^X code cache (see execmem.h): memfd_create(2), then
 * mmap(2) of the same file PROT_READ|PROT_WRITE and PROT_READ|PROT_EXEC.
 * x86 keeps instruction fetch coherent with stores through another
 * mapping of the same physical page (SDM vol. 3A, 8.1.3), and code is
 * only ever run after it was written, by the thread that wrote it.
 */
#include "cpu/emu/jit/execmem.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

int jit_execmem__init(struct jit_execmem *m, size_t size, struct err *err)
{
    *m = (struct jit_execmem){0};
    int fd = memfd_create("strata-jit", MFD_CLOEXEC);
    if (fd < 0)
        return err__set_errno(err, errno, "emu jit: memfd_create");
    if (ftruncate(fd, (off_t)size)) {
        int e = errno;
        close(fd);
        return err__set_errno(err, e, "emu jit: cannot size the code cache");
    }
    m->rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    m->rx = m->rw == MAP_FAILED ? MAP_FAILED
                                : mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd);
    if (m->rw == MAP_FAILED || m->rx == MAP_FAILED) {
        if (m->rw != MAP_FAILED)
            munmap(m->rw, size);
        *m = (struct jit_execmem){0};
        return err__set_errno(err, e, "emu jit: cannot map the code cache");
    }
    m->size = size;
    return 0;
}

void jit_execmem__destroy(struct jit_execmem *m)
{
    if (!m->size)
        return;
    munmap(m->rw, m->size);
    munmap(m->rx, m->size);
    *m = (struct jit_execmem){0};
}
