// SPDX-License-Identifier: Apache-2.0
/*
 * cpu_state.c - helpers on the engine-neutral CPU state: the reset state,
 * the register dump printed when a guest or engine fails, and the MSR table.
 */
#include "machine/vcpu.h"

#include <string.h>

#define RESET_CR0           0x60000010ull /* CD, NW, ET */
#define RESET_DR6           0xffff0ff0ull
#define RESET_DR7           0x400ull
#define RESET_FCW           0x037f /* after FNINIT */
#define RESET_MXCSR         0x1f80
#define APIC_BASE_DEFAULT   0xfee00000ull
#define APIC_BASE_BSP       (1ull << 8)
#define APIC_BASE_ENABLE    (1ull << 11)
#define LAPIC_ID            0x20
#define LAPIC_VERSION       0x30
#define LAPIC_DFR           0xe0
#define LAPIC_SVR           0xf0
#define LAPIC_LVT_FIRST     0x320 /* timer, thermal, perf, LINT0, LINT1, error */
#define LAPIC_LVT_LAST      0x370
#define LAPIC_LVT_LINT0     0x350
#define LAPIC_LVT_LINT1     0x360
#define LAPIC_LVT_MASKED    (1u << 16)
#define LAPIC_MODE_NMI      (4u << 8)
#define LAPIC_MODE_EXTINT   (7u << 8)
#define LAPIC_VERSION_VALUE 0x00050014u /* integrated APIC, 6 LVT entries */

static void set_lapic_reg(struct cpu_state *st, unsigned offset, uint32_t value)
{
    memcpy(st->lapic + offset, &value, sizeof(value));
}

static struct cpu_segment reset_segment(uint16_t selector, uint64_t base, uint8_t type, uint8_t s)
{
    return (struct cpu_segment){
        .base = base, .limit = 0xffff, .selector = selector, .type = type, .s = s, .present = 1};
}

void cpu_state__reset(struct cpu_state *st, unsigned apic_id, bool bsp)
{
    memset(st, 0, sizeof(*st));
    st->rip = 0xfff0;
    st->rflags = 0x2;
    st->cs = reset_segment(0xf000, 0xffff0000, 0xb, 1);
    st->ds = st->es = st->ss = st->fs = st->gs = reset_segment(0, 0, 0x3, 1);
    st->ldt = reset_segment(0, 0, 0x2, 0);
    st->tr = reset_segment(0, 0, 0xb, 0);
    st->gdt.limit = st->idt.limit = 0xffff;
    st->cr0 = RESET_CR0;
    st->dr[6] = RESET_DR6;
    st->dr[7] = RESET_DR7;
    st->xcr0 = 1;
    st->apic_base = APIC_BASE_DEFAULT | APIC_BASE_ENABLE | (bsp ? APIC_BASE_BSP : 0);

    const uint16_t fcw = RESET_FCW;
    const uint32_t mxcsr = RESET_MXCSR;
    memcpy(st->fxsave + 0, &fcw, sizeof(fcw));
    memcpy(st->fxsave + 24, &mxcsr, sizeof(mxcsr));

    set_lapic_reg(st, LAPIC_ID, apic_id << 24);
    set_lapic_reg(st, LAPIC_VERSION, LAPIC_VERSION_VALUE);
    set_lapic_reg(st, LAPIC_DFR, 0xffffffff);
    set_lapic_reg(st, LAPIC_SVR, 0xff);
    for (unsigned lvt = LAPIC_LVT_FIRST; lvt <= LAPIC_LVT_LAST; lvt += 0x10)
        set_lapic_reg(st, lvt, LAPIC_LVT_MASKED);
    if (bsp) {
        set_lapic_reg(st, LAPIC_LVT_LINT0, LAPIC_MODE_EXTINT);
        set_lapic_reg(st, LAPIC_LVT_LINT1, LAPIC_MODE_NMI);
    }
    st->mp_state = bsp ? CPU_MP_RUNNABLE : CPU_MP_WAIT_FOR_SIPI;
}

static const char *const gpr_names[CPU_NR_GPRS] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
};

static void dump_segment(FILE *out, const char *name, const struct cpu_segment *s)
{
    fprintf(out, "  %-3s sel=%04x base=%016llx limit=%08x type=%x s=%u dpl=%u p=%u l=%u db=%u g=%u\n",
            name, s->selector, (unsigned long long)s->base, s->limit, s->type, s->s, s->dpl,
            s->present, s->l, s->db, s->g);
}

void cpu_state__dump(const struct cpu_state *st, unsigned index, FILE *out)
{
    fprintf(out, "vcpu %u registers:\n", index);
    for (int i = 0; i < CPU_NR_GPRS; i++)
        fprintf(out, "  %-3s=%016llx%s", gpr_names[i], (unsigned long long)st->gpr[i],
                i % 4 == 3 ? "\n" : "");
    fprintf(out, "  rip=%016llx rflags=%016llx\n", (unsigned long long)st->rip,
            (unsigned long long)st->rflags);
    dump_segment(out, "cs", &st->cs);
    dump_segment(out, "ss", &st->ss);
    dump_segment(out, "ds", &st->ds);
    dump_segment(out, "es", &st->es);
    dump_segment(out, "fs", &st->fs);
    dump_segment(out, "gs", &st->gs);
    dump_segment(out, "tr", &st->tr);
    dump_segment(out, "ldt", &st->ldt);
    fprintf(out, "  gdt=%016llx/%04x idt=%016llx/%04x\n", (unsigned long long)st->gdt.base,
            st->gdt.limit, (unsigned long long)st->idt.base, st->idt.limit);
    fprintf(out, "  cr0=%016llx cr2=%016llx cr3=%016llx cr4=%016llx cr8=%llx efer=%llx\n",
            (unsigned long long)st->cr0, (unsigned long long)st->cr2,
            (unsigned long long)st->cr3, (unsigned long long)st->cr4,
            (unsigned long long)st->cr8, (unsigned long long)st->efer);
}

bool cpu_state__get_msr(const struct cpu_state *st, uint32_t index, uint64_t *value)
{
    for (uint32_t i = 0; i < st->nmsrs; i++) {
        if (st->msrs[i].index == index) {
            *value = st->msrs[i].value;
            return true;
        }
    }
    return false;
}

bool cpu_state__set_msr(struct cpu_state *st, uint32_t index, uint64_t value)
{
    for (uint32_t i = 0; i < st->nmsrs; i++) {
        if (st->msrs[i].index == index) {
            st->msrs[i].value = value;
            return true;
        }
    }
    if (st->nmsrs == CPU_MAX_MSRS)
        return false;
    st->msrs[st->nmsrs++] = (struct cpu_msr){index, value};
    return true;
}
