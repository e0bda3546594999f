// SPDX-License-Identifier: Apache-2.0
/*
 * cpu_state.c - helpers on the engine-neutral CPU state: the register dump
 * printed when a guest or engine fails, and the MSR table.
 */
#include "cpu/vcpu.h"

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
