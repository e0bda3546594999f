// SPDX-License-Identifier: Apache-2.0
/* sandbox.c - the starting bytes of code page and data sandbox (see sandbox.h). */
#include "sandbox.h"

#include <string.h>

void sandbox__fill_code(const struct dt_case *c, uint8_t *code_page, uint64_t exit_target)
{
    const uint32_t pointer = (uint32_t)(DT_CODE_ADDR + DT_CODE_SIZE - 8);
    const uint8_t jmp_absolute_indirect[7] = {
        0xff,
        0x24,
        0x25, /* jmp qword ptr [disp32] */
        (uint8_t)pointer,
        (uint8_t)(pointer >> 8),
        (uint8_t)(pointer >> 16),
        (uint8_t)(pointer >> 24),
    };

    memcpy(code_page, c->code, c->code_len);
    memcpy(code_page + c->code_len, jmp_absolute_indirect, sizeof(jmp_absolute_indirect));
    /* INT3 up to the pointer: a stray jump past the end must not run an earlier case's code. */
    uint32_t rest = c->code_len + sizeof(jmp_absolute_indirect);
    memset(code_page + rest, 0xcc, DT_CODE_SIZE - 8 - rest);
    memcpy(code_page + DT_CODE_SIZE - 8, &exit_target, 8);
}

void sandbox__fill_data(const struct dt_case *c, const uint8_t *image, uint8_t *data_page)
{
    memcpy(data_page, image, DT_DATA_SIZE);
    for (unsigned i = 0; i < c->npatches; i++)
        memcpy(data_page + c->patches[i].offset, c->patches[i].bytes, c->patches[i].len);
}
