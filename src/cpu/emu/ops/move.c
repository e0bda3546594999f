// SPDX-License-Identifier: Apache-2.0
/*
 * move.c - data movement: MOV (incl. the moffs and imm64 forms), MOVZX,
 * MOVSX, MOVSXD, LEA, CMOVcc, SETcc, BSWAP, XLAT, MOVNTI and the
 * sign-extension family CBW/CWDE/CDQE, CWD/CDQ/CQO (SDM vol. 2).
 * 32-bit register writes zero the upper half (SDM vol. 1, 3.4.1.1).
 */
#include "cpu/emu/ops/ops.h"

#define MOV_SIZE(S, SZ, unused)                                                               \
    HANDLER(MOV_G##S##E##S##R)                                                                \
    {                                                                                         \
        reg_set(cpu, i->reg, SZ, reg_get(cpu, i->rm, SZ));                                    \
        return EMU_NEXT;                                                                      \
    }                                                                                         \
    HANDLER(MOV_G##S##E##S##M)                                                                \
    {                                                                                         \
        uint64_t v;                                                                           \
        int st = read_ea(cpu, i, SZ, &v);                                                     \
        if (likely(!st))                                                                      \
            reg_set(cpu, i->reg, SZ, v);                                                      \
        return st;                                                                            \
    }                                                                                         \
    HANDLER(MOV_E##S##G##S##M)                                                                \
    {                                                                                         \
        return write_ea(cpu, i, SZ, reg_get(cpu, i->rm, SZ));                                 \
    }                                                                                         \
    HANDLER(MOV_E##S##I##S##R)                                                                \
    {                                                                                         \
        reg_set(cpu, i->reg, SZ, i->imm);                                                     \
        return EMU_NEXT;                                                                      \
    }                                                                                         \
    HANDLER(MOV_E##S##I##S##M)                                                                \
    {                                                                                         \
        return write_ea(cpu, i, SZ, i->imm);                                                  \
    }                                                                                         \
    /* moffs forms with a full 64-bit address in imm (A0-A3) */                               \
    HANDLER(MOV_AL##S##O##S)                                                                  \
    {                                                                                         \
        uint64_t v;                                                                           \
        int st = mem_read(cpu, i->imm + cpu->ea_base[i->seg], SZ, 0, &v);                     \
        if (likely(!st))                                                                      \
            reg_set(cpu, i->reg, SZ, v);                                                      \
        return st;                                                                            \
    }                                                                                         \
    HANDLER(MOV_O##S##AL##S)                                                                  \
    {                                                                                         \
        return mem_write(cpu, i->imm + cpu->ea_base[i->seg], SZ, 0, reg_get(cpu, i->rm, SZ)); \
    }

FOR_EACH_SIZE(MOV_SIZE, 0)

static const struct emu_binary_forms MOV_forms = {
    .rr = SIZED(MOV_G, E, R),
    .rm = SIZED(MOV_G, E, M),
    .mr = SIZED(MOV_E, G, M),
    .ri = SIZED(MOV_E, I, R),
    .mi = SIZED(MOV_E, I, M),
};
static const emu_sized MOV_load_moffs = SIZED(MOV_AL, O, ), MOV_store_moffs = SIZED(MOV_O, AL, );

static bool is_special_reg(const ZydisDecodedOperand *op)
{
    if (!op_is_reg(op))
        return false;
    ZydisRegisterClass c = ZydisRegisterGetClass(op->reg.value);
    return c == ZYDIS_REGCLASS_SEGMENT || c == ZYDIS_REGCLASS_CONTROL || c == ZYDIS_REGCLASS_DEBUG;
}

/* A moffs operand whose 64-bit address does not fit a 32-bit displacement. */
static bool select_moffs(struct emu_insn *insn, const struct emu_decoded *d)
{
    bool load = op_is_reg(&d->op[0]);
    const ZydisDecodedOperand *mem = &d->op[load ? 1 : 0], *reg = &d->op[load ? 0 : 1];
    int s = dec_size_index(reg->size / 8), r = dec_gpr(reg->reg.value),
        seg = dec_sreg(mem->mem.segment);
    if (!op_is_mem(mem) || mem->mem.base != ZYDIS_REGISTER_NONE || s < 0 || r < 0)
        return false;
    insn->imm = (uint64_t)mem->mem.disp.value;
    insn->seg = (uint8_t)(seg < 0 ? SEG_DS : seg);
    insn->reg = insn->rm = (uint8_t)r;
    insn->fn = load ? MOV_load_moffs[s] : MOV_store_moffs[s];
    return true;
}

static bool select_mov(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)arg;
    if (d->nops != 2)
        return false;
    if (is_special_reg(&d->op[0]) || is_special_reg(&d->op[1]))
        return emu_select_mov_special(insn, d);
    if (emu_select_binary(insn, d, &MOV_forms))
        return true;
    return select_moffs(insn, d);
}

/* MOVZX / MOVSX / MOVSXD: destination size D, source size S. */
#define EXTEND(NAME, DL, D, SL, S, ext)                          \
    HANDLER(NAME##_G##DL##E##SL##R)                              \
    {                                                            \
        reg_set(cpu, i->reg, D, ext(reg_get(cpu, i->rm, S), S)); \
        return EMU_NEXT;                                         \
    }                                                            \
    HANDLER(NAME##_G##DL##E##SL##M)                              \
    {                                                            \
        uint64_t v;                                              \
        int st = read_ea(cpu, i, S, &v);                         \
        if (likely(!st))                                         \
            reg_set(cpu, i->reg, D, ext(v, S));                  \
        return st;                                               \
    }

static inline uint64_t zext(uint64_t v, unsigned size)
{
    return v & size_mask(size);
}

EXTEND(MOVZX, w, 2, b, 1, zext)
EXTEND(MOVZX, d, 4, b, 1, zext)
EXTEND(MOVZX, q, 8, b, 1, zext)
EXTEND(MOVZX, w, 2, w, 2, zext)
EXTEND(MOVZX, d, 4, w, 2, zext)
EXTEND(MOVZX, q, 8, w, 2, zext)
EXTEND(MOVSX, w, 2, b, 1, sext)
EXTEND(MOVSX, d, 4, b, 1, sext)
EXTEND(MOVSX, q, 8, b, 1, sext)
EXTEND(MOVSX, w, 2, w, 2, sext)
EXTEND(MOVSX, d, 4, w, 2, sext)
EXTEND(MOVSX, q, 8, w, 2, sext)
EXTEND(MOVSXD, w, 2, d, 4, sext)
EXTEND(MOVSXD, d, 4, d, 4, sext)
EXTEND(MOVSXD, q, 8, d, 4, sext)

/* [source size index][destination size index] -> {reg form, mem form} */
static const emu_handler extend_zx[3][4][2] = {
    [0] = {[1] = {MOVZX_GwEbR, MOVZX_GwEbM},
           [2] = {MOVZX_GdEbR, MOVZX_GdEbM},
           [3] = {MOVZX_GqEbR, MOVZX_GqEbM}},
    [1] = {[1] = {MOVZX_GwEwR, MOVZX_GwEwM},
           [2] = {MOVZX_GdEwR, MOVZX_GdEwM},
           [3] = {MOVZX_GqEwR, MOVZX_GqEwM}},
};
static const emu_handler extend_sx[3][4][2] = {
    [0] = {[1] = {MOVSX_GwEbR, MOVSX_GwEbM},
           [2] = {MOVSX_GdEbR, MOVSX_GdEbM},
           [3] = {MOVSX_GqEbR, MOVSX_GqEbM}},
    [1] = {[1] = {MOVSX_GwEwR, MOVSX_GwEwM},
           [2] = {MOVSX_GdEwR, MOVSX_GdEwM},
           [3] = {MOVSX_GqEwR, MOVSX_GqEwM}},
    [2] = {[1] = {MOVSXD_GwEdR, MOVSXD_GwEdM},
           [2] = {MOVSXD_GdEdR, MOVSXD_GdEdM},
           [3] = {MOVSXD_GqEdR, MOVSXD_GqEdM}},
};

static bool select_extend(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    const emu_handler(*table)[4][2] = arg;
    if (d->nops != 2 || !op_is_reg(&d->op[0]))
        return false;
    int ds = dec_size_index(d->op[0].size / 8), ss = dec_size_index(d->op[1].size / 8);
    int r = dec_gpr(d->op[0].reg.value);
    if (ds < 1 || ss < 0 || ss > 2 || r < 0)
        return false;
    insn->reg = (uint8_t)r;
    if (op_is_reg(&d->op[1])) {
        int rs = dec_gpr(d->op[1].reg.value);
        if (rs < 0)
            return false;
        insn->rm = (uint8_t)rs;
        insn->fn = table[ss][ds][0];
    } else {
        if (!dec_mem(insn, d, &d->op[1]))
            return false;
        insn->fn = table[ss][ds][1];
    }
    return insn->fn != NULL;
}

#define LEA_SIZE(S, SZ, unused)                        \
    HANDLER(LEA_G##S##M)                               \
    {                                                  \
        reg_set(cpu, i->reg, SZ, insn_offset(cpu, i)); \
        return EMU_NEXT;                               \
    }
LEA_SIZE(w, 2, 0)
LEA_SIZE(d, 4, 0)
LEA_SIZE(q, 8, 0)
static const struct emu_binary_forms LEA_forms = {.rm = SIZED1_WDQ(LEA_G, M)};

/* CMOVcc reads its source even when the condition is false, and a 32-bit one always zero-extends.
 */
#define CMOV_SIZE(S, SZ, unused)                                                                \
    HANDLER(CMOV_G##S##E##S##R)                                                                 \
    {                                                                                           \
        uint64_t v = emu_cond(cpu, i->cc) ? reg_get(cpu, i->rm, SZ) : reg_get(cpu, i->reg, SZ); \
        reg_set(cpu, i->reg, SZ, v);                                                            \
        return EMU_NEXT;                                                                        \
    }                                                                                           \
    HANDLER(CMOV_G##S##E##S##M)                                                                 \
    {                                                                                           \
        uint64_t v;                                                                             \
        int st = read_ea(cpu, i, SZ, &v);                                                       \
        if (unlikely(st))                                                                       \
            return st;                                                                          \
        reg_set(cpu, i->reg, SZ, emu_cond(cpu, i->cc) ? v : reg_get(cpu, i->reg, SZ));          \
        return EMU_NEXT;                                                                        \
    }
CMOV_SIZE(w, 2, 0)
CMOV_SIZE(d, 4, 0)
CMOV_SIZE(q, 8, 0)
static const struct emu_binary_forms CMOV_forms = {
    .rr = SIZED_WDQ(CMOV_G, E, R),
    .rm = SIZED_WDQ(CMOV_G, E, M),
};

static bool select_cmov(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)arg;
    insn->cc = cond_of(d);
    return emu_select_binary(insn, d, &CMOV_forms);
}

HANDLER(SETcc_EbR)
{
    reg_set(cpu, i->reg, 1, emu_cond(cpu, i->cc));
    return EMU_NEXT;
}
HANDLER(SETcc_EbM)
{
    return write_ea(cpu, i, 1, emu_cond(cpu, i->cc));
}
static const struct emu_unary_forms SETcc_forms = {.r = {SETcc_EbR}, .m = {SETcc_EbM}};

static bool select_setcc(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)arg;
    insn->cc = cond_of(d);
    return emu_select_unary(insn, d, &SETcc_forms);
}

HANDLER(BSWAP_ERd)
{
    cpu->r[i->reg] = __builtin_bswap32((uint32_t)cpu->r[i->reg]);
    return EMU_NEXT;
}
HANDLER(BSWAP_ERq)
{
    cpu->r[i->reg] = __builtin_bswap64(cpu->r[i->reg]);
    return EMU_NEXT;
}
HANDLER(BSWAP_ERw)
{
    *(uint16_t *)&cpu->r[i->reg] = 0; /* undefined in the SDM; zero, as hardware does */
    return EMU_NEXT;
}
static const struct emu_unary_forms BSWAP_forms = {.r = {NULL, BSWAP_ERw, BSWAP_ERd, BSWAP_ERq}};

HANDLER(CBW)
{
    reg_set(cpu, CPU_RAX, 2, sext(cpu->r[CPU_RAX], 1));
    return EMU_NEXT;
}
HANDLER(CWDE)
{
    reg_set(cpu, CPU_RAX, 4, sext(cpu->r[CPU_RAX], 2));
    return EMU_NEXT;
}
HANDLER(CDQE)
{
    cpu->r[CPU_RAX] = sext(cpu->r[CPU_RAX], 4);
    return EMU_NEXT;
}
HANDLER(CWD)
{
    reg_set(cpu, CPU_RDX, 2, (cpu->r[CPU_RAX] & 0x8000) ? 0xffff : 0);
    return EMU_NEXT;
}
HANDLER(CDQ)
{
    reg_set(cpu, CPU_RDX, 4, (cpu->r[CPU_RAX] & 0x80000000u) ? 0xffffffffu : 0);
    return EMU_NEXT;
}
HANDLER(CQO)
{
    cpu->r[CPU_RDX] = (int64_t)cpu->r[CPU_RAX] < 0 ? ~0ull : 0;
    return EMU_NEXT;
}

HANDLER(XLAT)
{
    uint64_t ea = cpu->r[CPU_RBX] + (cpu->r[CPU_RAX] & 0xff);
    if (i->flags & (INSN_ADDR32 | INSN_ADDR16))
        ea = (i->flags & INSN_ADDR16) ? (uint16_t)ea : (uint32_t)ea;
    uint64_t v;
    int st = mem_read(cpu, ea + cpu->ea_base[i->seg], 1, 0, &v);
    if (likely(!st))
        reg_set(cpu, CPU_RAX, 1, v);
    return st;
}

static bool select_xlat(struct emu_insn *insn, const struct emu_decoded *d, const void *arg)
{
    (void)arg;
    for (unsigned k = 0; k < d->zi->operand_count; k++)
        if (op_is_mem(&d->op[k])) {
            int seg = dec_sreg(d->op[k].mem.segment);
            insn->seg = (uint8_t)(seg < 0 ? SEG_DS : seg);
        }
    insn->flags |= dec_addr_flags(d);
    insn->fn = XLAT;
    return true;
}

const struct emu_opdef emu_ops_move[] = {
    {ZYDIS_MNEMONIC_MOV, select_mov, NULL, 0},
    {ZYDIS_MNEMONIC_MOVNTI, emu_select_binary, &MOV_forms, 0},
    {ZYDIS_MNEMONIC_MOVZX, select_extend, extend_zx, 0},
    {ZYDIS_MNEMONIC_MOVSX, select_extend, extend_sx, 0},
    {ZYDIS_MNEMONIC_MOVSXD, select_extend, extend_sx, 0},
    {ZYDIS_MNEMONIC_LEA, emu_select_binary, &LEA_forms, 0},
    {ZYDIS_MNEMONIC_CMOVO, select_cmov, NULL, 0},
    {ZYDIS_MNEMONIC_CMOVNO, select_cmov, NULL, 0},
    {ZYDIS_MNEMONIC_CMOVB, select_cmov, NULL, 0},
    {ZYDIS_MNEMONIC_CMOVNB, select_cmov, NULL, 0},
    {ZYDIS_MNEMONIC_CMOVZ, select_cmov, NULL, 0},
    {ZYDIS_MNEMONIC_CMOVNZ, select_cmov, NULL, 0},
    {ZYDIS_MNEMONIC_CMOVBE, select_cmov, NULL, 0},
    {ZYDIS_MNEMONIC_CMOVNBE, select_cmov, NULL, 0},
    {ZYDIS_MNEMONIC_CMOVS, select_cmov, NULL, 0},
    {ZYDIS_MNEMONIC_CMOVNS, select_cmov, NULL, 0},
    {ZYDIS_MNEMONIC_CMOVP, select_cmov, NULL, 0},
    {ZYDIS_MNEMONIC_CMOVNP, select_cmov, NULL, 0},
    {ZYDIS_MNEMONIC_CMOVL, select_cmov, NULL, 0},
    {ZYDIS_MNEMONIC_CMOVNL, select_cmov, NULL, 0},
    {ZYDIS_MNEMONIC_CMOVLE, select_cmov, NULL, 0},
    {ZYDIS_MNEMONIC_CMOVNLE, select_cmov, NULL, 0},
    {ZYDIS_MNEMONIC_SETO, select_setcc, NULL, 0},
    {ZYDIS_MNEMONIC_SETNO, select_setcc, NULL, 0},
    {ZYDIS_MNEMONIC_SETB, select_setcc, NULL, 0},
    {ZYDIS_MNEMONIC_SETNB, select_setcc, NULL, 0},
    {ZYDIS_MNEMONIC_SETZ, select_setcc, NULL, 0},
    {ZYDIS_MNEMONIC_SETNZ, select_setcc, NULL, 0},
    {ZYDIS_MNEMONIC_SETBE, select_setcc, NULL, 0},
    {ZYDIS_MNEMONIC_SETNBE, select_setcc, NULL, 0},
    {ZYDIS_MNEMONIC_SETS, select_setcc, NULL, 0},
    {ZYDIS_MNEMONIC_SETNS, select_setcc, NULL, 0},
    {ZYDIS_MNEMONIC_SETP, select_setcc, NULL, 0},
    {ZYDIS_MNEMONIC_SETNP, select_setcc, NULL, 0},
    {ZYDIS_MNEMONIC_SETL, select_setcc, NULL, 0},
    {ZYDIS_MNEMONIC_SETNL, select_setcc, NULL, 0},
    {ZYDIS_MNEMONIC_SETLE, select_setcc, NULL, 0},
    {ZYDIS_MNEMONIC_SETNLE, select_setcc, NULL, 0},
    {ZYDIS_MNEMONIC_BSWAP, emu_select_unary, &BSWAP_forms, 0},
    {ZYDIS_MNEMONIC_CBW, emu_select_fixed, CBW, 0},
    {ZYDIS_MNEMONIC_CWDE, emu_select_fixed, CWDE, 0},
    {ZYDIS_MNEMONIC_CDQE, emu_select_fixed, CDQE, 0},
    {ZYDIS_MNEMONIC_CWD, emu_select_fixed, CWD, 0},
    {ZYDIS_MNEMONIC_CDQ, emu_select_fixed, CDQ, 0},
    {ZYDIS_MNEMONIC_CQO, emu_select_fixed, CQO, 0},
    {ZYDIS_MNEMONIC_XLAT, select_xlat, NULL, 0},
    {0},
};
