// SPDX-License-Identifier: Apache-2.0
/*
 * msr.c - the model-specific registers the engine implements (SDM vol. 4,
 * tables 2-2 and 2-x "architectural MSRs"; EFER and the SYSCALL MSRs from
 * vol. 3A, 5.8.8): EFER, STAR/LSTAR/CSTAR/SFMASK, FS/GS/KERNEL_GS base,
 * TSC, TSC_ADJUST and TSC_AUX, PAT, the SYSENTER triple, MISC_ENABLE, BIOS_SIGN_ID
 * (the microcode revision: none) and ARCH_CAPABILITIES (read-only); the LAPIC's
 * (IA32_APIC_BASE, IA32_TSC_DEADLINE, x2APIC) go to irq.c.
 * Anything else raises #GP(0) with a rate-limited log line, as on a CPU
 * that does not have it.
 */
#include "cpu/emu/msr.h"
#include "cpu/emu/sysregs.h"

#include <time.h>

#include "cpu/emu/codecache.h"
#include "cpu/emu/mode.h"
#include "cpu/emu/raise.h"
#include "cpu/emu/tlb.h"
#include "devices/platform/lapic.h"
#include "util/log.h"

uint64_t emu_host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool pat_valid(uint64_t pat)
{
    for (int k = 0; k < 8; k++) {
        unsigned t = (pat >> (8 * k)) & 0xff;
        if (t == 2 || t == 3 || t > 7)
            return false;
    }
    return true;
}

/*
 * IA32_ARCH_CAPABILITIES (SDM vol. 4, table 2-2; Intel's "affected
 * processors" guidance): the CPU is not affected by the transient-execution
 * issues whose guest-side mitigations cost the most and protect nothing
 * here. RDCL_NO (Meltdown): a guest access is checked against the page
 * tables before any host address exists (per-privilege TLBs, mmu.c), so a
 * supervisor page is never read for user code, even transiently; without
 * it Linux isolates its page tables and reloads CR3, flushing this TLB, on
 * every entry and exit. MDS_NO, TAA_NO, SBDR_SSDP_NO, FBSDP_NO, PSDP_NO,
 * GDS_NO, RFDS_NO: the buffers they name are the host's, which the guest's
 * VERW (a segment check here) cannot clear. ITS_NO: the guest's aligned
 * return and indirect-branch thunks do not decide where the host branches.
 * PSCHANGE_MC_NO and SKIP_L1DFL_VMENTRY concern nested VMX, which the model
 * lacks (KVM sets both for every guest).
 */
#define ARCH_CAPABILITIES                                                                \
    (1ull << 0 /*RDCL_NO*/ | 1ull << 3 /*SKIP_L1DFL_VMENTRY*/ | 1ull << 5 /*MDS_NO*/ |   \
     1ull << 6 /*PSCHANGE_MC_NO*/ | 1ull << 8 /*TAA_NO*/ | 1ull << 13 /*SBDR_SSDP_NO*/ | \
     1ull << 14 /*FBSDP_NO*/ | 1ull << 15 /*PSDP_NO*/ | 1ull << 26 /*GDS_NO*/ |          \
     1ull << 27 /*RFDS_NO*/ | 1ull << 62 /*ITS_NO*/)

#define NO_APIC_PAGE UINT64_MAX

void emu_msr_refresh_apic_page(struct emu_cpu *cpu)
{
    uint64_t base;
    cpu->apic_page = lapic__mmio_base(cpu->lapic, &base) ? base : NO_APIC_PAGE;
    emu_tlb_flush_all(cpu); /* the page may hide or uncover RAM */
}

/* The LAPIC's MSRs: EMU_FAULT with #GP(0) when it refuses. */
static int apic_msr_read(struct emu_cpu *cpu, uint32_t index, uint64_t *value)
{
    return lapic__msr_read(cpu->lapic, index, value) ? emu_raise_gp0(cpu) : EMU_NEXT;
}

static int apic_msr_write(struct emu_cpu *cpu, uint32_t index, uint64_t value)
{
    if (lapic__msr_write(cpu->lapic, index, value))
        return emu_raise_gp0(cpu);
    if (index == MSR_IA32_APIC_BASE)
        emu_msr_refresh_apic_page(cpu);
    return EMU_NEXT;
}

int emu_msr_read(struct emu_cpu *cpu, uint32_t index, uint64_t *value)
{
    if (lapic__is_msr(index))
        return apic_msr_read(cpu, index, value);
    switch (index) {
    case MSR_TSC: *value = emu_tsc(cpu); break;
    case MSR_TSC_ADJUST: *value = cpu->msr.tsc_adjust; break;
    case MSR_BIOS_SIGN_ID: *value = 0; break; /* no microcode update loaded */
    case MSR_ARCH_CAPS: *value = ARCH_CAPABILITIES; break;
    case MSR_SYSENTER_CS: *value = cpu->msr.sysenter_cs; break;
    case MSR_SYSENTER_ESP: *value = cpu->msr.sysenter_esp; break;
    case MSR_SYSENTER_EIP: *value = cpu->msr.sysenter_eip; break;
    case MSR_MISC_ENABLE: *value = cpu->msr.misc_enable; break;
    case MSR_PAT: *value = cpu->msr.pat; break;
    case MSR_EFER: *value = cpu->efer; break;
    case MSR_STAR: *value = cpu->msr.star; break;
    case MSR_LSTAR: *value = cpu->msr.lstar; break;
    case MSR_CSTAR: *value = cpu->msr.cstar; break;
    case MSR_SFMASK: *value = cpu->msr.sfmask; break;
    case MSR_FS_BASE: *value = cpu->seg[SEG_FS].base; break;
    case MSR_GS_BASE: *value = cpu->seg[SEG_GS].base; break;
    case MSR_KERNEL_GS_BASE: *value = cpu->msr.kernel_gs_base; break;
    case MSR_TSC_AUX: *value = cpu->msr.tsc_aux; break;
    default:
        /* Guests probe MSRs with rdmsr_safe: a #GP is the answer, not news. */
        log__debug("emu: rdmsr of unknown msr %#x (rip %#llx): #GP", index,
                   (unsigned long long)RIP(cpu));
        return emu_raise_gp0(cpu);
    }
    return EMU_NEXT;
}

static int write_efer(struct emu_cpu *cpu, uint64_t v)
{
    if (v & ~(EFER_WRITABLE | EFER_LMA))
        return emu_raise_gp0(cpu);
    /* LME cannot change while paging is on; LMA is read-only */
    if ((cpu->cr0 & CR0_PG) && ((v ^ cpu->efer) & EFER_LME))
        return emu_raise_gp0(cpu);
    uint64_t old = cpu->efer;
    cpu->efer = (v & EFER_WRITABLE) | (old & EFER_LMA);
    if ((old ^ cpu->efer) & EFER_NXE)
        emu_tlb_flush_all(cpu);
    return EMU_NEXT;
}

int emu_msr_write(struct emu_cpu *cpu, uint32_t index, uint64_t v)
{
    if (lapic__is_msr(index))
        return apic_msr_write(cpu, index, v);
    switch (index) {
    case MSR_TSC: /* the TSC and IA32_TSC_ADJUST move by the same delta (SDM vol. 3B, 18.17.3) */
        cpu->msr.tsc_adjust += v - emu_tsc(cpu);
        cpu->msr.tsc_offset = (int64_t)(v - emu_host_ns());
        break;
    case MSR_TSC_ADJUST:
        cpu->msr.tsc_offset += (int64_t)(v - cpu->msr.tsc_adjust);
        cpu->msr.tsc_adjust = v;
        break;
    case MSR_BIOS_SIGN_ID: break; /* software writes 0 before reading the revision */
    case MSR_SYSENTER_CS: cpu->msr.sysenter_cs = v & 0xffff; break;
    case MSR_SYSENTER_ESP:
    case MSR_SYSENTER_EIP:
    case MSR_LSTAR:
    case MSR_CSTAR:
    case MSR_FS_BASE:
    case MSR_GS_BASE:
    case MSR_KERNEL_GS_BASE:
        if (!is_canonical(v))
            return emu_raise_gp0(cpu);
        if (index == MSR_SYSENTER_ESP)
            cpu->msr.sysenter_esp = v;
        else if (index == MSR_SYSENTER_EIP)
            cpu->msr.sysenter_eip = v;
        else if (index == MSR_LSTAR)
            cpu->msr.lstar = v;
        else if (index == MSR_CSTAR)
            cpu->msr.cstar = v;
        else if (index == MSR_FS_BASE)
            cpu->seg[SEG_FS].base = v;
        else if (index == MSR_GS_BASE)
            cpu->seg[SEG_GS].base = v;
        else
            cpu->msr.kernel_gs_base = v;
        emu_cpu_update_mode(cpu);
        break;
    case MSR_MISC_ENABLE: cpu->msr.misc_enable = v; break;
    case MSR_PAT:
        if (!pat_valid(v))
            return emu_raise_gp0(cpu);
        cpu->msr.pat = v;
        break;
    case MSR_EFER: return write_efer(cpu, v);
    case MSR_STAR: cpu->msr.star = v; break;
    case MSR_SFMASK: cpu->msr.sfmask = v & 0xffffffffull; break;
    case MSR_TSC_AUX:
        if (v >> 32)
            return emu_raise_gp0(cpu);
        cpu->msr.tsc_aux = v;
        break;
    default:
        log__debug("emu: wrmsr of unknown msr %#x value %#llx (rip %#llx): #GP", index,
                   (unsigned long long)v, (unsigned long long)RIP(cpu));
        return emu_raise_gp0(cpu);
    }
    return EMU_NEXT;
}
