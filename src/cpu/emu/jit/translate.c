// SPDX-License-Identifier: Apache-2.0
/*
 * translate.c - the block translator (see translate.h, docs/emu-jit.md).
 *
 * Guest registers stay in the emu_cpu context block, addressed from rbx.
 * Instructions native.h recognizes become host code on rax, rcx, rdx and
 * rsi; every other one becomes a call of its interpreter handler. The lazy
 * flags are written exactly as the interpreter's handler writes them
 * (flags.h), so a handler, an exception or the next block sees the same
 * state; a Jcc recomputes host flags from them with one host instruction
 * when the kind of the last flag-writing instruction is known here.
 * RIP lags behind by `pending` bytes between instructions and is brought up
 * to date before anything that may look at it: a handler call, a slow path,
 * an exit. Memory operands go through an inline probe of the software TLB
 * (mem.h's fast path: aligned, tag equal to the page); anything else (a
 * miss, MMIO, a page holding code, a misaligned or page-crossing access, a
 * non-canonical target) runs the instruction's handler out of line with
 * nothing of the instruction committed yet, so exceptions stay precise.
 * After a handler that may have stored, the block's `dead` flag is looked
 * at: a block that killed itself ends there, as in the interpreter.
 */
#include "cpu/emu/jit/translate.h"

#include <stddef.h>

#include "cpu/emu/flags.h"
#include "cpu/emu/jit/emit.h"
#include "cpu/emu/jit/native.h"
#include "devices/platform/lapic.h"

#define MAX_STUBS     (BLOCK_MAX_INSNS * 2)
#define FLAGS_UNKNOWN 0xff
/* The code every translation shares, at the start of the cache (jit_translate_shared). */
#define EPILOGUE      0u /* pop rbx; ret */
#define CHAIN         2u /* the chain tail (emit_chain_tail) */
#define BODY          4  /* from a translation's entry to its body: push rbx; mov rbx, rdi */

#define OFF(field)   ((int32_t)offsetof(struct emu_cpu, field))
#define CPU(field)   jm(H_RBX, OFF(field))
#define TLB_ENTRY_SZ ((int32_t)sizeof(struct emu_tlb_entry))

/* An out-of-line call of instruction k's handler, reached by up to three jumps. */
struct stub {
    uint32_t fields[3];
    unsigned nfields;
    unsigned k;
    int32_t pending;
    uint32_t resume;
};

struct tctx {
    struct jit_emitter e;
    const struct emu_block *b;
    int32_t pending;
    uint8_t flags_kind, flags_size; /* of the last flag writer translated natively */
    struct stub stubs[MAX_STUBS];
    unsigned nstubs;
    struct stub *cur; /* the slow path of the instruction being translated, or NULL */
};

static bool jit_cond(struct emu_cpu *cpu, unsigned cc)
{
    return emu_cond(cpu, cc);
}

static struct jit_mem reg_slot(unsigned r, unsigned size)
{
    return jm(H_RBX, OFF(r) + (int32_t)(size == 1 ? r : 8 * r));
}

/* A guest register write of size bytes from host register h (32-bit writes zero-extend). */
static void store_reg(struct tctx *t, unsigned r, unsigned size, int h)
{
    emit_store(&t->e, size == 4 ? 8 : size, h, reg_slot(r, size));
}

/* Ends with status JUMP or RESTART at an instruction: on to the next block if it can. */
static void exit_with(struct tctx *t, uint32_t result)
{
    emit_mov_imm(&t->e, H_RAX, result);
    emit_mov_imm(&t->e, H_RCX, (result >> 8) + ((result & 0xff) == EMU_JUMP));
    emit_patch(&t->e, emit_jmp(&t->e), CHAIN);
}

/*
 * The chain tail, with the result in eax and the instructions retired in
 * ecx: when exec.c's loop would do nothing between blocks but find the next
 * one (no limit, no kick, no LAPIC event, no halt or interrupt shadow, still
 * 64-bit code, no look at the clock due), finds the block at RIP in the
 * jump cache, as emu_code_block() does, and jumps into its translation
 * without returning; else returns.
 */
static void emit_chain_tail(struct tctx *t)
{
    struct jit_emitter *e = &t->e;
    emit_cmpb_mem(e, CPU(jit_chain), 0);
    emit_patch(e, emit_jcc(e, 4), EPILOGUE);
    emit_cmpd_mem(e, CPU(timer_countdown), 1);
    emit_patch(e, emit_jcc(e, 6), EPILOGUE); /* jbe: exec.c polls the clock at 0 */
    emit_cmpb_mem(e, CPU(exit_request), 0);
    emit_patch(e, emit_jcc(e, 5), EPILOGUE);
    emit_cmpb_mem(e, CPU(halted), 0);
    emit_patch(e, emit_jcc(e, 5), EPILOGUE);
    emit_cmpb_mem(e, CPU(irq_shadow), 0);
    emit_patch(e, emit_jcc(e, 5), EPILOGUE);
    emit_cmpb_mem(e, CPU(long64), 0);
    emit_patch(e, emit_jcc(e, 4), EPILOGUE);
    emit_load(e, 8, H_RDX, CPU(lapic));
    emit_cmpd_mem(e, jm(H_RDX, (int32_t)offsetof(struct lapic, events)), 0);
    emit_patch(e, emit_jcc(e, 5), EPILOGUE);
    /* hot->jmp[mmu_idx][jmp_hash(rip)], hot first in cpu->code (codecache.h) */
    emit_load(e, 8, H_RSI, CPU(r[EMU_REG_RIP]));
    emit_mov_rr(e, H_RDX, H_RSI);
    emit_shift(e, 5, H_RDX, JMP_CACHE_BITS);
    emit_xor_rr(e, H_RDX, H_RSI);
    emit_and_imm(e, false, H_RDX, (1 << JMP_CACHE_BITS) - 1);
    emit_load(e, 4, H_RDI, CPU(mmu_idx));
    emit_shift(e, 4, H_RDI, JMP_CACHE_BITS);
    emit_add32_rr(e, H_RDX, H_RDI);
    emit_shift(e, 4, H_RDX, 3);
    emit_load(e, 8, H_RDI, CPU(code));
    emit_load(e, 8, H_RDI, jmi(H_RDI, H_RDX, (int32_t)offsetof(struct emu_code_cache_hot, jmp)));
    emit_test_rr(e, H_RDI);
    emit_patch(e, emit_jcc(e, 4), EPILOGUE);
    emit_cmp_rmem(e, H_RSI, jm(H_RDI, (int32_t)offsetof(struct emu_block, vaddr)));
    emit_patch(e, emit_jcc(e, 5), EPILOGUE);
    emit_load(e, 8, H_RDI, jm(H_RDI, (int32_t)offsetof(struct emu_block, jit)));
    emit_test_rr(e, H_RDI);
    emit_patch(e, emit_jcc(e, 4), EPILOGUE);
    emit_decd_mem(e, CPU(timer_countdown));
    emit_add_mem_reg(e, CPU(jit_chained), H_RCX);
    emit_lea(e, H_RDI, jm(H_RDI, BODY));
    emit_jmp_reg(e, H_RDI);
}

static void sync_rip(struct tctx *t, int32_t delta)
{
    if (delta)
        emit_addsub_mem_imm(&t->e, delta < 0, CPU(r[EMU_REG_RIP]), delta < 0 ? -delta : delta);
}

/* A jump (jcc, or jmp if cc < 0) to instruction k's slow path. */
static void to_slow(struct tctx *t, int cc)
{
    if (!t->cur) {
        if (t->nstubs == MAX_STUBS) {
            t->e.full = true;
            return;
        }
        t->cur = &t->stubs[t->nstubs++];
        *t->cur = (struct stub){.pending = t->pending};
    }
    uint32_t field = cc < 0 ? emit_jmp(&t->e) : emit_jcc(&t->e, (unsigned)cc);
    if (t->cur->nfields < 3)
        t->cur->fields[t->cur->nfields++] = field;
}

/* Calls handler k with RIP at the instruction; on EMU_NEXT goes on with RIP unchanged. */
static void call_handler(struct tctx *t, unsigned k)
{
    const struct emu_insn *i = &t->b->insns[k];
    struct jit_emitter *e = &t->e;
    emit_mov_rr(e, H_RDI, H_RBX);
    emit_mov_imm(e, H_RSI, (uint64_t)(uintptr_t)i);
    emit_call(e, (const void *)i->fn);
    emit_test_eax(e);
    uint32_t ok = emit_jcc(e, 4); /* jz */
    emit_or_eax(e, k << 8);
    emit_cmp_al(e, EMU_JUMP);
    emit_patch(e, emit_jcc(e, 5), EPILOGUE);
    emit_mov_imm(e, H_RCX, k + 1);
    emit_patch(e, emit_jmp(e), CHAIN);
    emit_patch(e, ok, emit_pos(e));
    /* a store may have killed this block: it ends after this instruction (codecache.h) */
    emit_mov_imm(e, H_RAX, (uint64_t)(uintptr_t)&t->b->dead);
    emit_cmpb_zero(e, H_RAX);
    uint32_t live = emit_jcc(e, 4);
    sync_rip(t, i->len);
    exit_with(t, JIT_RESULT(EMU_RESTART, k + 1));
    emit_patch(e, live, emit_pos(e));
}

/* Effective address of i's memory operand into rsi (with the FS/GS base if seg). */
static void emit_ea(struct tctx *t, const struct emu_insn *i, bool seg)
{
    struct jit_emitter *e = &t->e;
    int64_t disp = (int64_t)i->disp + (i->base == EMU_REG_RIP ? t->pending : 0);
    if (i->base == EMU_REG_ZERO)
        emit_mov_imm(e, H_RSI, 0);
    else
        emit_load(e, 8, H_RSI, reg_slot(i->base, 8));
    if (i->index != EMU_REG_ZERO) {
        emit_load(e, 8, H_RAX, reg_slot(i->index, 8));
        emit_lea_scaled(e, H_RSI, H_RSI, H_RAX, i->scale, (int32_t)disp);
    } else if (disp) {
        emit_lea(e, H_RSI, jm(H_RSI, (int32_t)disp));
    }
    if (i->flags & INSN_ADDR32)
        emit_mov32_rr(e, H_RSI, H_RSI);
    if (seg && (i->seg == SEG_FS || i->seg == SEG_GS))
        emit_add_rmem(e, H_RSI, CPU(ea_base[i->seg]));
}

/*
 * The TLB probe of mem.h's fast path for an access of size bytes at rsi:
 * leaves the host address in rdx + rsi, or jumps to the slow path.
 */
static void emit_probe(struct tctx *t, unsigned size, bool write)
{
    struct jit_emitter *e = &t->e;
    if (size > 1) {
        emit_test_imm32(e, H_RSI, size - 1);
        to_slow(t, 5); /* jnz */
    }
    emit_mov_rr(e, H_RAX, H_RSI);
    emit_shift(e, 5, H_RAX, 12);
    emit_and_imm(e, false, H_RAX, TLB_ENTRIES - 1);
    emit_imul_imm(e, H_RAX, TLB_ENTRY_SZ);
    emit_load(e, 4, H_RDX, CPU(mmu_idx));
    emit_imul_imm(e, H_RDX, TLB_ENTRY_SZ * (int32_t)TLB_ENTRIES);
    emit_add32_rr(e, H_RAX, H_RDX);
    emit_mov_rr(e, H_RDX, H_RSI);
    emit_and_imm(e, true, H_RDX, (int32_t)PAGE_MASK);
    int32_t tag = write ? (int32_t)offsetof(struct emu_tlb_entry, tag_write)
                        : (int32_t)offsetof(struct emu_tlb_entry, tag_read);
    emit_cmp_rmem(e, H_RDX, jmi(H_RBX, H_RAX, OFF(tlb) + tag));
    to_slow(t, 5); /* jne */
    emit_load(e, 8, H_RDX,
              jmi(H_RBX, H_RAX, OFF(tlb) + (int32_t)offsetof(struct emu_tlb_entry, addend)));
}

static struct jit_mem host_ptr(void)
{
    return jmi(H_RDX, H_RSI, 0);
}

/* Records the lazy flags as cc_set() does: src1 = rax and src2 = rcx before the operation. */
static void flags_sources(struct tctx *t, uint8_t kind)
{
    if (kind == CC_KIND_LOGIC) {
        emit_store_imm(&t->e, 8, CPU(cc_src1), 0);
        emit_store_imm(&t->e, 8, CPU(cc_src2), 0);
    } else {
        emit_store(&t->e, 8, H_RAX, CPU(cc_src1));
        emit_store(&t->e, 8, H_RCX, CPU(cc_src2));
    }
}

static void flags_result(struct tctx *t, uint8_t kind, unsigned size)
{
    emit_store(&t->e, 8, H_RAX, CPU(cc_res));
    emit_store_imm(&t->e, 4, CPU(cc_op), (int32_t)((unsigned)kind << 2 | size_log2(size)));
    t->flags_kind = kind;
    t->flags_size = (uint8_t)size;
}

static bool is_mem_form(uint8_t form)
{
    return form == JF_RM || form == JF_MR || form == JF_MI;
}

static void native_mov(struct tctx *t, const struct emu_insn *i, uint8_t form, unsigned size)
{
    struct jit_emitter *e = &t->e;
    uint64_t imm = i->imm & size_mask(size);
    switch (form) {
    case JF_RR:
        emit_load(e, size, H_RAX, reg_slot(i->rm, size));
        store_reg(t, i->reg, size, H_RAX);
        break;
    case JF_RI:
        emit_mov_imm(e, H_RAX, imm);
        store_reg(t, i->reg, size, H_RAX);
        break;
    case JF_RM:
        emit_ea(t, i, true);
        emit_probe(t, size, false);
        emit_load(e, size, H_RAX, host_ptr());
        store_reg(t, i->reg, size, H_RAX);
        break;
    case JF_MR:
        emit_ea(t, i, true);
        emit_probe(t, size, true);
        emit_load(e, size, H_RCX, reg_slot(i->rm, size));
        emit_store(e, size, H_RCX, host_ptr());
        break;
    default: /* JF_MI */
        emit_ea(t, i, true);
        emit_probe(t, size, true);
        emit_mov_imm(e, H_RCX, imm);
        emit_store(e, size, H_RCX, host_ptr());
        break;
    }
}

static void native_alu(struct tctx *t, const struct emu_insn *i, struct jit_native n, unsigned size)
{
    struct jit_emitter *e = &t->e;
    uint64_t imm = i->imm & size_mask(size);
    bool mem_dst = n.form == JF_MR || n.form == JF_MI;
    if (is_mem_form(n.form)) {
        emit_ea(t, i, true);
        emit_probe(t, size, mem_dst && n.writes);
    }
    switch (n.form) {
    case JF_RR:
        emit_load(e, size, H_RAX, reg_slot(i->reg, size));
        emit_load(e, size, H_RCX, reg_slot(i->rm, size));
        break;
    case JF_RI:
        emit_load(e, size, H_RAX, reg_slot(i->reg, size));
        emit_mov_imm(e, H_RCX, imm);
        break;
    case JF_RM:
        emit_load(e, size, H_RAX, reg_slot(i->reg, size));
        emit_load(e, size, H_RCX, host_ptr());
        break;
    case JF_MR:
        emit_load(e, size, H_RAX, host_ptr());
        emit_load(e, size, H_RCX, reg_slot(i->rm, size));
        break;
    default: /* JF_MI */
        emit_load(e, size, H_RAX, host_ptr());
        emit_mov_imm(e, H_RCX, imm);
        break;
    }
    flags_sources(t, n.cc_kind);
    emit_alu_rr(e, n.op, size, H_RAX, H_RCX);
    if (n.writes) {
        if (mem_dst)
            emit_store(e, size, H_RAX, host_ptr());
        else
            store_reg(t, i->reg, size, H_RAX);
    }
    flags_result(t, n.cc_kind, size);
}

static void native_incdec(struct tctx *t, const struct emu_insn *i, bool dec, unsigned size)
{
    struct jit_emitter *e = &t->e;
    /* the carry flag goes into the record unchanged: src2 = CF before (ops/alu.c) */
    emit_mov_rr(e, H_RDI, H_RBX);
    emit_call(e, (const void *)emu_flags_cf);
    emit_movzx_ecx_al(e);
    emit_load(e, size, H_RAX, reg_slot(i->reg, size));
    flags_sources(t, CC_KIND_INC);
    emit_incdec(e, dec, size, H_RAX);
    store_reg(t, i->reg, size, H_RAX);
    flags_result(t, dec ? CC_KIND_DEC : CC_KIND_INC, size);
}

static void native_lea(struct tctx *t, const struct emu_insn *i, unsigned size)
{
    emit_ea(t, i, false);
    if (size == 4)
        emit_mov32_rr(&t->e, H_RSI, H_RSI);
    store_reg(t, i->reg, size, H_RSI);
}

/* rax = RIP of the instruction + delta, checked canonical (else the slow path). */
static void rip_target(struct tctx *t, int64_t delta)
{
    struct jit_emitter *e = &t->e;
    emit_load(e, 8, H_RAX, CPU(r[EMU_REG_RIP]));
    emit_lea(e, H_RAX, jm(H_RAX, (int32_t)(t->pending + delta)));
    emit_mov_rr(e, H_RCX, H_RAX);
    emit_shift(e, 4, H_RCX, 16);
    emit_shift(e, 7, H_RCX, 16);
    emit_cmp_rr(e, H_RCX, H_RAX);
    to_slow(t, 5);
}

static void jump_exit(struct tctx *t, unsigned k)
{
    emit_store(&t->e, 8, H_RAX, CPU(r[EMU_REG_RIP]));
    exit_with(t, JIT_RESULT(EMU_JUMP, k));
}

/* Host condition code equal to guest cc after recomputing the flags, or the helper's "nz". */
static unsigned emit_cond(struct tctx *t, unsigned cc)
{
    struct jit_emitter *e = &t->e;
    unsigned size = t->flags_size, kind = t->flags_kind;
    bool uses_cf = (cc >> 1) == 1 || (cc >> 1) == 3;
    switch (kind) {
    case CC_KIND_SUB:
    case CC_KIND_ADD:
        emit_load(e, size, H_RAX, CPU(cc_src1));
        emit_alu_rmem(e, kind == CC_KIND_SUB ? 0x38 : 0x00, size, H_RAX, CPU(cc_src2));
        return cc;
    case CC_KIND_LOGIC:
        emit_load(e, size, H_RAX, CPU(cc_res));
        emit_alu_rr(e, 0x84, size, H_RAX, H_RAX);
        return cc;
    case CC_KIND_INC:
    case CC_KIND_DEC:
        if (uses_cf)
            break;
        emit_load(e, size, H_RAX, CPU(cc_src1));
        emit_incdec(e, kind == CC_KIND_DEC, size, H_RAX);
        return cc;
    default: break;
    }
    emit_mov_rr(e, H_RDI, H_RBX);
    emit_mov_imm(e, H_RSI, cc);
    emit_call(e, (const void *)jit_cond);
    emit_test_al(e);
    return 5; /* nz */
}

static bool fits32(int64_t v)
{
    return v == (int32_t)v;
}

/* Emits host code for instruction k if the translator knows it; false: call its handler. */
static bool native(struct tctx *t, unsigned k)
{
    const struct emu_insn *i = &t->b->insns[k];
    struct jit_native n = jit_native__of(i->fn);
    unsigned size = i->size;
    if (n.kind == JK_NONE || (i->flags & (INSN_LOCK | INSN_ADDR16)))
        return false;
    if (!fits32((int64_t)i->disp + t->pending + 16))
        return false;
    switch (n.kind) {
    case JK_MOV: native_mov(t, i, n.form, size); return true;
    case JK_ALU: native_alu(t, i, n, size); return true;
    case JK_INCDEC: native_incdec(t, i, n.op, size); return true;
    case JK_LEA: native_lea(t, i, size); return true;
    case JK_PUSH:
    case JK_PUSHI:
        emit_load(&t->e, 8, H_RSI, CPU(r[CPU_RSP]));
        emit_lea(&t->e, H_RSI, jm(H_RSI, -8));
        emit_probe(t, 8, true);
        if (n.kind == JK_PUSH)
            emit_load(&t->e, 8, H_RCX, reg_slot(i->reg, 8));
        else
            emit_mov_imm(&t->e, H_RCX, i->imm);
        emit_store(&t->e, 8, H_RCX, host_ptr());
        emit_store(&t->e, 8, H_RSI, CPU(r[CPU_RSP]));
        return true;
    case JK_POP:
        emit_load(&t->e, 8, H_RSI, CPU(r[CPU_RSP]));
        emit_probe(t, 8, false);
        emit_load(&t->e, 8, H_RCX, host_ptr());
        emit_lea(&t->e, H_RSI, jm(H_RSI, 8));
        emit_store(&t->e, 8, H_RSI, CPU(r[CPU_RSP]));
        emit_store(&t->e, 8, H_RCX, reg_slot(i->reg, 8));
        return true;
    default: break;
    }
    /* near branches, the last instruction of their block */
    int64_t rel = (int64_t)i->imm;
    if (n.kind != JK_RET && !fits32(rel + t->pending))
        return false;
    switch (n.kind) {
    case JK_JCC: {
        uint32_t taken = emit_jcc(&t->e, emit_cond(t, i->cc));
        uint32_t not_taken = emit_jmp(&t->e);
        emit_patch(&t->e, taken, emit_pos(&t->e));
        rip_target(t, rel);
        jump_exit(t, k);
        emit_patch(&t->e, not_taken, emit_pos(&t->e));
        return true;
    }
    case JK_JMP:
        rip_target(t, rel);
        jump_exit(t, k);
        return true;
    case JK_CALL:
        rip_target(t, rel);
        emit_load(&t->e, 8, H_RSI, CPU(r[CPU_RSP]));
        emit_lea(&t->e, H_RSI, jm(H_RSI, -8));
        emit_probe(t, 8, true);
        emit_load(&t->e, 8, H_RCX, CPU(r[EMU_REG_RIP]));
        emit_lea(&t->e, H_RCX, jm(H_RCX, t->pending + i->len));
        emit_store(&t->e, 8, H_RCX, host_ptr());
        emit_store(&t->e, 8, H_RSI, CPU(r[CPU_RSP]));
        emit_load(&t->e, 8, H_RAX, CPU(r[EMU_REG_RIP]));
        emit_lea(&t->e, H_RAX, jm(H_RAX, (int32_t)(t->pending + rel)));
        jump_exit(t, k);
        return true;
    case JK_RET:
        emit_load(&t->e, 8, H_RSI, CPU(r[CPU_RSP]));
        emit_probe(t, 8, false);
        emit_load(&t->e, 8, H_RCX, host_ptr());
        emit_mov_rr(&t->e, H_RAX, H_RCX);
        emit_shift(&t->e, 4, H_RAX, 16);
        emit_shift(&t->e, 7, H_RAX, 16);
        emit_cmp_rr(&t->e, H_RAX, H_RCX);
        to_slow(t, 5);
        emit_lea(&t->e, H_RSI, jm(H_RSI, (int32_t)(8 + (i->imm & 0xffff))));
        emit_store(&t->e, 8, H_RSI, CPU(r[CPU_RSP]));
        emit_mov_rr(&t->e, H_RAX, H_RCX);
        jump_exit(t, k);
        return true;
    default: return false;
    }
}

/* The slow paths: instruction k's handler with RIP synced, then back after the instruction. */
static void emit_stubs(struct tctx *t)
{
    for (unsigned s = 0; s < t->nstubs; s++) {
        struct stub *st = &t->stubs[s];
        for (unsigned f = 0; f < st->nfields; f++)
            emit_patch(&t->e, st->fields[f], emit_pos(&t->e));
        sync_rip(t, st->pending);
        call_handler(t, st->k);
        sync_rip(t, -st->pending);
        emit_patch(&t->e, emit_jmp(&t->e), st->resume);
    }
}

jit_code_fn jit_translate(struct jit_execmem *m, const struct emu_block *b, unsigned n)
{
    struct tctx ctx = {.b = b, .flags_kind = FLAGS_UNKNOWN}, *c = &ctx;
    c->e = (struct jit_emitter){.start = m->rw, .p = m->rw + m->used, .end = m->rw + m->size};
    struct jit_emitter *e = &c->e;
    uint32_t entry = emit_pos(e);
    emit_push_rbx(e);
    emit_mov_rr(e, H_RBX, H_RDI); /* BODY */
    bool long64 = b->mode == EMU_MODE_LONG64;
    for (unsigned k = 0; k < n && !e->full; k++) {
        const struct emu_insn *i = &b->insns[k];
        c->cur = NULL;
        if (long64 && native(c, k)) {
            if (c->cur) {
                c->cur->k = k;
                c->cur->resume = emit_pos(e);
            }
            c->pending += i->len;
            continue;
        }
        sync_rip(c, c->pending);
        c->pending = 0;
        call_handler(c, k);
        c->flags_kind = FLAGS_UNKNOWN;
        c->pending = i->len;
    }
    sync_rip(c, c->pending);
    exit_with(c, JIT_RESULT(EMU_RESTART, n));
    emit_stubs(c);
    if (e->full)
        return NULL;
    m->used = (size_t)(e->p - m->rw + 15) & ~(size_t)15;
    return (jit_code_fn)jit_execmem__rx_of(m, m->rw + entry);
}

int jit_translate_shared(struct jit_execmem *m)
{
    struct tctx c = {.e = {.start = m->rw, .p = m->rw, .end = m->rw + m->size}};
    emit_pop_rbx(&c.e); /* EPILOGUE */
    emit_ret(&c.e);
    emit_chain_tail(&c); /* CHAIN */
    if (c.e.full)
        return -1;
    m->used = (size_t)(c.e.p - m->rw + 15) & ~(size_t)15;
    return 0;
}
