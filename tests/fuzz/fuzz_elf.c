// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_elf.c - fuzz target for the ELF kernel loader
 * (src/board/boot/elf.c) in libFuzzer's form: the input is a kernel
 * file given to `strata run --kernel`. Byte 0 chooses how much of it is
 * shaped into a plausible ELF64 x86-64 executable (fuzz_loaders.c; 0xff:
 * none at all); the rest is the file.
 *
 * Checks: no sanitizer report or crash; a load that succeeds reports a
 * non-empty range inside guest RAM, above 1 MiB.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_loaders.h"
#include "fuzz_machine.h"

#define MAX_FILE (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct machine m;
    static bool ready;
    static uint8_t file[MAX_FILE];
    if (!ready) {
        fuzz_machine__init(&m, FUZZ_LOADER_RAM);
        ready = true;
    }
    if (size < 1)
        return 0;
    size_t len = size - 1 < MAX_FILE ? size - 1 : MAX_FILE;
    memcpy(file, data + 1, len);
    if (data[0] != 0xff && len >= 64)
        fuzz_loaders__tame_elf(file, len, data[0]);
    fuzz_loaders__load_elf(&m.mem, file, len);
    return 0;
}
