// SPDX-License-Identifier: Apache-2.0
/*
 * state.c - a kvm vCPU's architectural state to and from the engine-neutral
 * struct cpu_state (vcpu.h), through KVM_GET/SET_REGS, SREGS, XCRS, FPU,
 * LAPIC, MSRS, MP_STATE, VCPU_EVENTS and DEBUGREGS
 * (Documentation/virt/kvm/api.rst, section 4).
 *
 * set_state writes every part of the state. MSRs absent from state->msrs
 * keep their current values, so a state without MSRs leaves the vCPU's boot
 * MSRs (msr.c) in place. The order follows QEMU's kvm_arch_put_registers:
 * SREGS (with APIC_BASE) before the LAPIC, the LAPIC before the MSRs (the
 * TSC deadline only sticks when the LVT timer is in TSC-deadline mode).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cpu/kvm/kvm.h"

#define FXSAVE_FCW      0
#define FXSAVE_FSW      2
#define FXSAVE_FTW      4
#define FXSAVE_FOP      6
#define FXSAVE_FIP      8
#define FXSAVE_FDP      16
#define FXSAVE_MXCSR    24
#define FXSAVE_ST0      32
#define FXSAVE_XMM0     160
#define FXSAVE_REG_SIZE 16

/* Guest GPR order in struct kvm_regs, by enum cpu_gpr. */
#define KVM_GPRS(r)                                                                              \
    {                                                                                            \
        &(r).rax, &(r).rcx, &(r).rdx, &(r).rbx, &(r).rsp, &(r).rbp, &(r).rsi, &(r).rdi, &(r).r8, \
            &(r).r9, &(r).r10, &(r).r11, &(r).r12, &(r).r13, &(r).r14, &(r).r15                  \
    }

static int vcpu_ioctl(struct vcpu *v, unsigned long request, void *arg, const char *name,
                      struct err *err)
{
    if (ioctl(kvm_cpu_of(v)->fd, request, arg) < 0)
        return err__set_errno(err, errno, "kvm: vcpu %u: %s", v->index, name);
    return 0;
}

static void segment_from_kvm(struct cpu_segment *s, const struct kvm_segment *k)
{
    *s = (struct cpu_segment){
        .base = k->base,
        .limit = k->limit,
        .selector = k->selector,
        .type = k->type,
        .s = k->s,
        .dpl = k->dpl,
        .present = k->present,
        .avl = k->avl,
        .l = k->l,
        .db = k->db,
        .g = k->g,
        .unusable = k->unusable,
    };
}

static void segment_to_kvm(struct kvm_segment *k, const struct cpu_segment *s)
{
    *k = (struct kvm_segment){
        .base = s->base,
        .limit = s->limit,
        .selector = s->selector,
        .type = s->type,
        .s = s->s,
        .dpl = s->dpl,
        .present = s->present,
        .avl = s->avl,
        .l = s->l,
        .db = s->db,
        .g = s->g,
        .unusable = s->unusable,
    };
}

static void regs_from_kvm(struct cpu_state *st, const struct kvm_regs *r)
{
    const __u64 *gprs[CPU_NR_GPRS] = KVM_GPRS(*r);
    for (int i = 0; i < CPU_NR_GPRS; i++)
        st->gpr[i] = *gprs[i];
    st->rip = r->rip;
    st->rflags = r->rflags;
}

static void regs_to_kvm(struct kvm_regs *r, const struct cpu_state *st)
{
    __u64 *gprs[CPU_NR_GPRS] = KVM_GPRS(*r);
    for (int i = 0; i < CPU_NR_GPRS; i++)
        *gprs[i] = st->gpr[i];
    r->rip = st->rip;
    r->rflags = st->rflags;
}

static void sregs_from_kvm(struct cpu_state *st, const struct kvm_sregs *s)
{
    segment_from_kvm(&st->cs, &s->cs);
    segment_from_kvm(&st->ds, &s->ds);
    segment_from_kvm(&st->es, &s->es);
    segment_from_kvm(&st->fs, &s->fs);
    segment_from_kvm(&st->gs, &s->gs);
    segment_from_kvm(&st->ss, &s->ss);
    segment_from_kvm(&st->tr, &s->tr);
    segment_from_kvm(&st->ldt, &s->ldt);
    st->gdt = (struct cpu_dtable){.base = s->gdt.base, .limit = s->gdt.limit};
    st->idt = (struct cpu_dtable){.base = s->idt.base, .limit = s->idt.limit};
    st->cr0 = s->cr0;
    st->cr2 = s->cr2;
    st->cr3 = s->cr3;
    st->cr4 = s->cr4;
    st->cr8 = s->cr8;
    st->efer = s->efer;
    st->apic_base = s->apic_base;
}

/* interrupt_bitmap stays zero: with the in-kernel irqchip, pending interrupts live in the LAPIC. */
static void sregs_to_kvm(struct kvm_sregs *s, const struct cpu_state *st)
{
    memset(s, 0, sizeof(*s));
    segment_to_kvm(&s->cs, &st->cs);
    segment_to_kvm(&s->ds, &st->ds);
    segment_to_kvm(&s->es, &st->es);
    segment_to_kvm(&s->fs, &st->fs);
    segment_to_kvm(&s->gs, &st->gs);
    segment_to_kvm(&s->ss, &st->ss);
    segment_to_kvm(&s->tr, &st->tr);
    segment_to_kvm(&s->ldt, &st->ldt);
    s->gdt = (struct kvm_dtable){.base = st->gdt.base, .limit = st->gdt.limit};
    s->idt = (struct kvm_dtable){.base = st->idt.base, .limit = st->idt.limit};
    s->cr0 = st->cr0;
    s->cr2 = st->cr2;
    s->cr3 = st->cr3;
    s->cr4 = st->cr4;
    s->cr8 = st->cr8;
    s->efer = st->efer;
    s->apic_base = st->apic_base;
}

/* struct kvm_fpu holds the FXSAVE image's fields one by one (SDM vol. 1, table 10-2). */
static void fpu_from_kvm(uint8_t *fx, const struct kvm_fpu *f)
{
    memset(fx, 0, 512);
    memcpy(fx + FXSAVE_FCW, &f->fcw, 2);
    memcpy(fx + FXSAVE_FSW, &f->fsw, 2);
    fx[FXSAVE_FTW] = f->ftwx;
    memcpy(fx + FXSAVE_FOP, &f->last_opcode, 2);
    memcpy(fx + FXSAVE_FIP, &f->last_ip, 8);
    memcpy(fx + FXSAVE_FDP, &f->last_dp, 8);
    memcpy(fx + FXSAVE_MXCSR, &f->mxcsr, 4);
    for (int i = 0; i < 8; i++)
        memcpy(fx + FXSAVE_ST0 + i * FXSAVE_REG_SIZE, f->fpr[i], FXSAVE_REG_SIZE);
    for (int i = 0; i < 16; i++)
        memcpy(fx + FXSAVE_XMM0 + i * FXSAVE_REG_SIZE, f->xmm[i], FXSAVE_REG_SIZE);
}

static void fpu_to_kvm(struct kvm_fpu *f, const uint8_t *fx)
{
    memset(f, 0, sizeof(*f));
    memcpy(&f->fcw, fx + FXSAVE_FCW, 2);
    memcpy(&f->fsw, fx + FXSAVE_FSW, 2);
    f->ftwx = fx[FXSAVE_FTW];
    memcpy(&f->last_opcode, fx + FXSAVE_FOP, 2);
    memcpy(&f->last_ip, fx + FXSAVE_FIP, 8);
    memcpy(&f->last_dp, fx + FXSAVE_FDP, 8);
    memcpy(&f->mxcsr, fx + FXSAVE_MXCSR, 4);
    for (int i = 0; i < 8; i++)
        memcpy(f->fpr[i], fx + FXSAVE_ST0 + i * FXSAVE_REG_SIZE, FXSAVE_REG_SIZE);
    for (int i = 0; i < 16; i++)
        memcpy(f->xmm[i], fx + FXSAVE_XMM0 + i * FXSAVE_REG_SIZE, FXSAVE_REG_SIZE);
}

static enum cpu_mp_state mp_state_from_kvm(uint32_t mp)
{
    switch (mp) {
    case KVM_MP_STATE_HALTED: return CPU_MP_HALTED;
    case KVM_MP_STATE_UNINITIALIZED:
    case KVM_MP_STATE_INIT_RECEIVED: return CPU_MP_WAIT_FOR_SIPI;
    default: return CPU_MP_RUNNABLE;
    }
}

static uint32_t mp_state_to_kvm(enum cpu_mp_state mp)
{
    switch (mp) {
    case CPU_MP_HALTED: return KVM_MP_STATE_HALTED;
    /* INIT_RECEIVED, not UNINITIALIZED: the AP takes a startup IPI without another INIT. */
    case CPU_MP_WAIT_FOR_SIPI: return KVM_MP_STATE_INIT_RECEIVED;
    default: return KVM_MP_STATE_RUNNABLE;
    }
}

static int get_msrs(struct vcpu *v, struct cpu_state *st, struct err *err)
{
    struct kvm_vm *vm = kvm_vm_of(v);
    struct {
        struct kvm_msrs header;
        struct kvm_msr_entry entries[KVM_MAX_SAVED_MSRS];
    } msrs = {.header.nmsrs = vm->nsaved_msrs};
    for (unsigned i = 0; i < vm->nsaved_msrs; i++)
        msrs.entries[i].index = vm->saved_msrs[i];

    int n = ioctl(kvm_cpu_of(v)->fd, KVM_GET_MSRS, &msrs);
    if (n < 0)
        return err__set_errno(err, errno, "kvm: vcpu %u: KVM_GET_MSRS", v->index);
    if ((unsigned)n < vm->nsaved_msrs)
        return err__set(err, "kvm: vcpu %u: cannot read msr %#x", v->index, msrs.entries[n].index);
    st->nmsrs = 0;
    for (unsigned i = 0; i < vm->nsaved_msrs; i++)
        cpu_state__set_msr(st, msrs.entries[i].index, msrs.entries[i].data);
    return 0;
}

static int set_msrs(struct vcpu *v, const struct cpu_state *st, struct err *err)
{
    struct {
        struct kvm_msrs header;
        struct kvm_msr_entry entries[CPU_MAX_MSRS];
    } msrs = {.header.nmsrs = st->nmsrs};
    if (st->nmsrs > CPU_MAX_MSRS)
        return err__set(err, "kvm: vcpu %u: %u msrs in the state, at most %d", v->index, st->nmsrs,
                        CPU_MAX_MSRS);
    for (unsigned i = 0; i < st->nmsrs; i++)
        msrs.entries[i] =
            (struct kvm_msr_entry){.index = st->msrs[i].index, .data = st->msrs[i].value};

    int n = ioctl(kvm_cpu_of(v)->fd, KVM_SET_MSRS, &msrs);
    if (n < 0)
        return err__set_errno(err, errno, "kvm: vcpu %u: KVM_SET_MSRS", v->index);
    if ((unsigned)n < st->nmsrs)
        return err__set(err, "kvm: vcpu %u: the host refuses msr %#x = %#llx", v->index,
                        msrs.entries[n].index, (unsigned long long)msrs.entries[n].data);
    return 0;
}

static int get_xcr0(struct vcpu *v, struct cpu_state *st, struct err *err)
{
    st->xcr0 = 1; /* x87 only, the reset value, on hosts without XSAVE */
    if (!kvm_vm_of(v)->has_xcrs)
        return 0;
    struct kvm_xcrs xcrs;
    if (vcpu_ioctl(v, KVM_GET_XCRS, &xcrs, "KVM_GET_XCRS", err))
        return -1;
    for (uint32_t i = 0; i < xcrs.nr_xcrs && i < KVM_MAX_XCRS; i++)
        if (xcrs.xcrs[i].xcr == 0)
            st->xcr0 = xcrs.xcrs[i].value;
    return 0;
}

static int set_xcr0(struct vcpu *v, const struct cpu_state *st, struct err *err)
{
    if (!kvm_vm_of(v)->has_xcrs)
        return 0;
    struct kvm_xcrs xcrs = {.nr_xcrs = 1, .xcrs[0] = {.xcr = 0, .value = st->xcr0}};
    return vcpu_ioctl(v, KVM_SET_XCRS, &xcrs, "KVM_SET_XCRS", err);
}

int kvm_state__get(struct vcpu *v, struct cpu_state *st, struct err *err)
{
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_fpu fpu;
    struct kvm_lapic_state lapic;
    struct kvm_mp_state mp;
    struct kvm_vcpu_events events;
    struct kvm_debugregs debug;

    memset(st, 0, sizeof(*st));
    if (vcpu_ioctl(v, KVM_GET_REGS, &regs, "KVM_GET_REGS", err) ||
        vcpu_ioctl(v, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS", err) ||
        vcpu_ioctl(v, KVM_GET_FPU, &fpu, "KVM_GET_FPU", err) ||
        vcpu_ioctl(v, KVM_GET_LAPIC, &lapic, "KVM_GET_LAPIC", err) ||
        vcpu_ioctl(v, KVM_GET_MP_STATE, &mp, "KVM_GET_MP_STATE", err) ||
        vcpu_ioctl(v, KVM_GET_VCPU_EVENTS, &events, "KVM_GET_VCPU_EVENTS", err) ||
        vcpu_ioctl(v, KVM_GET_DEBUGREGS, &debug, "KVM_GET_DEBUGREGS", err) ||
        get_xcr0(v, st, err) || get_msrs(v, st, err))
        return -1;

    regs_from_kvm(st, &regs);
    sregs_from_kvm(st, &sregs);
    fpu_from_kvm(st->fxsave, &fpu);
    _Static_assert(sizeof(st->lapic) == sizeof(lapic.regs), "lapic image size");
    memcpy(st->lapic, lapic.regs, sizeof(st->lapic));
    st->mp_state = mp_state_from_kvm(mp.mp_state);
    st->interrupt_shadow = events.interrupt.shadow != 0;
    st->nmi_pending = events.nmi.pending != 0;
    for (int i = 0; i < 4; i++)
        st->dr[i] = debug.db[i];
    st->dr[6] = debug.dr6;
    st->dr[7] = debug.dr7;
    return 0;
}

int kvm_state__set(struct vcpu *v, const struct cpu_state *st, struct err *err)
{
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_fpu fpu;
    struct kvm_lapic_state lapic;
    struct kvm_mp_state mp = {.mp_state = mp_state_to_kvm(st->mp_state)};
    struct kvm_vcpu_events events;
    struct kvm_debugregs debug = {
        .db = {st->dr[0], st->dr[1], st->dr[2], st->dr[3]}, .dr6 = st->dr[6], .dr7 = st->dr[7]};

    regs_to_kvm(&regs, st);
    sregs_to_kvm(&sregs, st);
    fpu_to_kvm(&fpu, st->fxsave);
    memcpy(lapic.regs, st->lapic, sizeof(lapic.regs));

    /* Pending exceptions and interrupts are not in cpu_state: keep the vCPU's own. */
    if (vcpu_ioctl(v, KVM_GET_VCPU_EVENTS, &events, "KVM_GET_VCPU_EVENTS", err))
        return -1;
    events.flags = KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_NMI_PENDING;
    events.interrupt.shadow = st->interrupt_shadow ? KVM_X86_SHADOW_INT_STI : 0;
    events.nmi.pending = st->nmi_pending;

    if (vcpu_ioctl(v, KVM_SET_REGS, &regs, "KVM_SET_REGS", err) ||
        vcpu_ioctl(v, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS", err) || set_xcr0(v, st, err) ||
        vcpu_ioctl(v, KVM_SET_FPU, &fpu, "KVM_SET_FPU", err) ||
        vcpu_ioctl(v, KVM_SET_LAPIC, &lapic, "KVM_SET_LAPIC", err) || set_msrs(v, st, err) ||
        vcpu_ioctl(v, KVM_SET_MP_STATE, &mp, "KVM_SET_MP_STATE", err) ||
        vcpu_ioctl(v, KVM_SET_VCPU_EVENTS, &events, "KVM_SET_VCPU_EVENTS", err) ||
        vcpu_ioctl(v, KVM_SET_DEBUGREGS, &debug, "KVM_SET_DEBUGREGS", err))
        return -1;
    return 0;
}
