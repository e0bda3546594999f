// SPDX-License-Identifier: Apache-2.0
/* raise.c - raising the exceptions that need more than a record (see raise.h). */
#include "cpu/emu/raise.h"

#include "util/log.h"

int emu_raise_unimplemented(struct emu_cpu *cpu, const struct emu_insn *i)
{
    log_ratelimited("emu: instruction '%s' is not implemented (rip %#llx): #UD",
                    ZydisMnemonicGetString((ZydisMnemonic)i->mnemonic),
                    (unsigned long long)RIP(cpu));
    return emu_raise(cpu, EXC_UD);
}

bool emu_vector_has_error(uint8_t vector)
{
    switch (vector) {
    case EXC_DF:
    case EXC_TS:
    case EXC_NP:
    case EXC_SS:
    case EXC_GP:
    case EXC_PF:
    case EXC_AC: return true;
    default: return false;
    }
}
