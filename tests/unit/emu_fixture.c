// SPDX-License-Identifier: Apache-2.0
/* emu_fixture.c - the emu engine's unit-test machine (see emu_fixture.h). */
#include "emu_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static uint64_t seg_desc(unsigned type, unsigned dpl, bool l)
{
    /* base 0, limit 0xfffff, G=1, present, S=1 */
    uint64_t d = 0xffffull | (0xfull << 48) | (1ull << 55) | (1ull << 47) | (1ull << 44);
    d |= (uint64_t)type << 40 | (uint64_t)dpl << 45;
    if (l)
        d |= 1ull << 53;
    else
        d |= 1ull << 54;
    return d;
}

void fix_init(struct emu_fixture *f)
{
    fix_init_cpus(f, 1);
}

void fix_init_cpus(struct emu_fixture *f, unsigned ncpus)
{
    struct err err;
    memset(f, 0, sizeof(*f));
    const struct machine_config cfg = {
        .ram_size = 16ull << 20, .ncpus = ncpus, .engine = &emu_engine_ops};
    assert_int_equal(machine__init(&f->m, &cfg, &err), 0);
    assert_int_equal(machine__create_vcpus(&f->m, &err), 0);

    uint64_t *gdt = fix_mem(f, FIX_GDT);
    gdt[1] = seg_desc(0xb, 0, true);  /* 0x08 kernel code */
    gdt[2] = seg_desc(0x3, 0, false); /* 0x10 kernel data */
    gdt[3] = seg_desc(0x3, 3, false); /* 0x18 user data */
    gdt[4] = seg_desc(0xb, 3, true);  /* 0x20 user code */
    /* 0x28: 64-bit available TSS at FIX_TSS, limit 0x67 */
    gdt[5] = 0x67 | (FIX_TSS & 0xffffff) << 16 | 0x9ull << 40 | 1ull << 47;
    gdt[6] = FIX_TSS >> 32;

    uint64_t *pml4 = fix_mem(f, FIX_PML4), *pdpt = fix_mem(f, FIX_PDPT), *pd = fix_mem(f, FIX_PD);
    uint64_t *pt = fix_mem(f, FIX_PT);
    pml4[0] = FIX_PDPT | PTE_P | PTE_W | PTE_U;
    pdpt[0] = FIX_PD | PTE_P | PTE_W | PTE_U;
    pd[0] = FIX_PT | PTE_P | PTE_W | PTE_U;
    for (unsigned k = 0; k < 512; k++)
        pt[k] = (uint64_t)k << 12 | PTE_P | PTE_W | PTE_U;

    struct cpu_state *st = &f->st;
    assert_int_equal(emu_engine_ops.get_state(&f->m.vcpus[0], st, &err), 0);
    st->gdt = (struct cpu_dtable){.base = FIX_GDT, .limit = 7 * 8 - 1};
    st->idt = (struct cpu_dtable){.base = FIX_IDT, .limit = 256 * 16 - 1};
    st->tr = (struct cpu_segment){
        .base = FIX_TSS, .limit = 0x67, .selector = FIX_TSS_SEL, .type = 0xb, .present = 1};
    st->ldt = (struct cpu_segment){.unusable = 1};
    st->cr0 = 0x80010033; /* PG, WP, NE, ET, MP, PE */
    st->cr3 = FIX_PML4;
    st->cr4 = 0x20 | 0x200; /* PAE, OSFXSR */
    st->efer = 0xd01;       /* SCE, LME, LMA, NXE */
    fix_enter(f, FIX_CODE, false);
}

void fix_destroy(struct emu_fixture *f)
{
    machine__destroy(&f->m);
}

void *fix_mem(struct emu_fixture *f, uint64_t gpa)
{
    void *p = guest_memory__hva(&f->m.mem, gpa, 1);
    assert_non_null(p);
    return p;
}

void fix_code(struct emu_fixture *f, uint64_t gpa, const void *bytes, size_t len)
{
    memcpy(fix_mem(f, gpa), bytes, len);
}

uint64_t *fix_pte(struct emu_fixture *f, uint64_t va)
{
    assert_true(va < (2ull << 20));
    return (uint64_t *)fix_mem(f, FIX_PT) + (va >> 12);
}

void fix_gate(struct emu_fixture *f, unsigned vector, uint64_t handler, unsigned ist, unsigned dpl)
{
    uint64_t *g = (uint64_t *)fix_mem(f, FIX_IDT) + vector * 2;
    g[0] = (handler & 0xffff) | (uint64_t)FIX_KCODE << 16 | (uint64_t)ist << 32 | 0xeull << 40 |
           (uint64_t)dpl << 45 | 1ull << 47 | (handler & 0xffff0000ull) << 32;
    g[1] = handler >> 32;
}

static struct cpu_segment flat(uint16_t sel, bool code, unsigned dpl)
{
    return (struct cpu_segment){.selector = sel,
                                .type = code ? 0xb : 0x3,
                                .s = 1,
                                .dpl = (uint8_t)dpl,
                                .present = 1,
                                .l = code,
                                .db = !code,
                                .g = 1,
                                .limit = 0xffffffff};
}

void fix_enter(struct emu_fixture *f, uint64_t rip, bool user)
{
    struct cpu_state *st = &f->st;
    st->cs = user ? flat(FIX_UCODE, true, 3) : flat(FIX_KCODE, true, 0);
    st->ss = user ? flat(FIX_UDATA, false, 3) : flat(FIX_KDATA, false, 0);
    st->ds = st->es = st->fs = st->gs = st->ss;
    st->rip = rip;
    st->rflags = 0x2;
    st->gpr[CPU_RSP] = user ? FIX_STACK - 0x8000 : FIX_STACK;
}

struct emu_stop_info fix_run(struct emu_fixture *f, uint64_t stop_rip, uint64_t max_insns)
{
    struct err err;
    struct emu_stop_info info;
    assert_int_equal(emu_engine_ops.set_state(&f->m.vcpus[0], &f->st, &err), 0);
    assert_int_equal(emu__run_until(&f->m.vcpus[0], stop_rip, max_insns, &info, &err), 0);
    assert_int_equal(emu_engine_ops.get_state(&f->m.vcpus[0], &f->st, &err), 0);
    return info;
}

void fix_deliver(struct emu_fixture *f, const struct emu_stop_info *info)
{
    struct err err;
    assert_int_equal(emu__deliver_exception(&f->m.vcpus[0], info, &err), 0);
    assert_int_equal(emu_engine_ops.get_state(&f->m.vcpus[0], &f->st, &err), 0);
}
