// SPDX-License-Identifier: Apache-2.0
/*
 * msr.c - model-specific registers of a kvm vCPU: the values every vCPU
 * starts with, and which MSRs its saved state (struct cpu_state.msrs) holds.
 *
 * The boot values are what firmware leaves and what Firecracker and kvmtool
 * set (Intel SDM vol. 4, table 2-2; vol. 3A 11.11.2.1 "IA32_MTRR_DEF_TYPE",
 * 11.12.4 "PAT initialization"). EFER and APIC_BASE travel in KVM_SET_SREGS,
 * FS/GS base in the segment registers, so they are not listed here.
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "cpu/kvm/kvm.h"
#include "util/log.h"

#define MSR_IA32_TSC            0x10
#define MSR_IA32_TSC_ADJUST     0x3b
#define MSR_IA32_SYSENTER_CS    0x174
#define MSR_IA32_SYSENTER_ESP   0x175
#define MSR_IA32_SYSENTER_EIP   0x176
#define MSR_IA32_MISC_ENABLE    0x1a0
#define MSR_IA32_PAT            0x277
#define MSR_MTRR_DEF_TYPE       0x2ff
#define MSR_IA32_TSC_DEADLINE   0x6e0
#define MSR_STAR                0xc0000081
#define MSR_LSTAR               0xc0000082
#define MSR_CSTAR               0xc0000083
#define MSR_SYSCALL_MASK        0xc0000084
#define MSR_KERNEL_GS_BASE      0xc0000102
#define MSR_TSC_AUX             0xc0000103
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define MSR_KVM_ASYNC_PF_EN     0x4b564d02
#define MSR_KVM_STEAL_TIME      0x4b564d03
#define MSR_KVM_PV_EOI_EN       0x4b564d04
#define MSR_KVM_ASYNC_PF_INT    0x4b564d06

#define MISC_ENABLE_FAST_STRING (1ull << 0)
#define MTRR_DEF_TYPE_ENABLE    (1ull << 11)
#define MTRR_TYPE_WRBACK        6
#define PAT_POWER_ON            0x0007040600070406ull

static const struct kvm_msr_entry boot_msrs[] = {
    {.index = MSR_IA32_SYSENTER_CS},
    {.index = MSR_IA32_SYSENTER_ESP},
    {.index = MSR_IA32_SYSENTER_EIP},
    {.index = MSR_STAR},
    {.index = MSR_LSTAR},
    {.index = MSR_CSTAR},
    {.index = MSR_SYSCALL_MASK},
    {.index = MSR_KERNEL_GS_BASE},
    {.index = MSR_IA32_TSC},
    {.index = MSR_IA32_PAT, .data = PAT_POWER_ON},
    {.index = MSR_IA32_MISC_ENABLE, .data = MISC_ENABLE_FAST_STRING},
    {.index = MSR_MTRR_DEF_TYPE, .data = MTRR_DEF_TYPE_ENABLE | MTRR_TYPE_WRBACK},
};

#define NBOOT_MSRS (sizeof(boot_msrs) / sizeof(boot_msrs[0]))

/*
 * What get_state saves and set_state restores, in restore order: the KVM
 * paravirtual MSRs last, ASYNC_PF_INT before the ASYNC_PF_EN that uses it.
 */
static const uint32_t saved_msrs[] = {
    MSR_IA32_TSC,
    MSR_IA32_TSC_ADJUST,
    MSR_IA32_SYSENTER_CS,
    MSR_IA32_SYSENTER_ESP,
    MSR_IA32_SYSENTER_EIP,
    MSR_IA32_MISC_ENABLE,
    MSR_IA32_PAT,
    MSR_MTRR_DEF_TYPE,
    MSR_IA32_TSC_DEADLINE,
    MSR_STAR,
    MSR_LSTAR,
    MSR_CSTAR,
    MSR_SYSCALL_MASK,
    MSR_KERNEL_GS_BASE,
    MSR_TSC_AUX,
    MSR_KVM_SYSTEM_TIME_NEW,
    MSR_KVM_STEAL_TIME,
    MSR_KVM_PV_EOI_EN,
    MSR_KVM_ASYNC_PF_INT,
    MSR_KVM_ASYNC_PF_EN,
};

_Static_assert(sizeof(saved_msrs) / sizeof(saved_msrs[0]) <= KVM_MAX_SAVED_MSRS,
               "saved MSR table too small");

int kvm_msr__set_boot_values(int vcpu_fd, struct err *err)
{
    struct {
        struct kvm_msrs header;
        struct kvm_msr_entry entries[NBOOT_MSRS];
    } msrs = {.header.nmsrs = NBOOT_MSRS};
    for (unsigned i = 0; i < NBOOT_MSRS; i++)
        msrs.entries[i] = boot_msrs[i];

    int n = ioctl(vcpu_fd, KVM_SET_MSRS, &msrs);
    if (n < 0)
        return err__set_errno(err, errno, "kvm: KVM_SET_MSRS");
    if ((unsigned)n < NBOOT_MSRS)
        return err__set(err, "kvm: the host refuses msr %#x", boot_msrs[n].index);
    return 0;
}

/* Keeps the saved MSRs this host's KVM can read (KVM_GET_MSRS stops at the first it cannot). */
void kvm_msr__probe_saved(struct kvm_vm *vm, int vcpu_fd)
{
    vm->nsaved_msrs = 0;
    for (unsigned i = 0; i < sizeof(saved_msrs) / sizeof(saved_msrs[0]); i++) {
        struct {
            struct kvm_msrs header;
            struct kvm_msr_entry entry;
        } one = {.header.nmsrs = 1, .entry.index = saved_msrs[i]};
        if (ioctl(vcpu_fd, KVM_GET_MSRS, &one) == 1)
            vm->saved_msrs[vm->nsaved_msrs++] = saved_msrs[i];
        else
            log__debug("kvm: msr %#x is not readable here, vcpu states leave it out",
                       saved_msrs[i]);
    }
    vm->msrs_probed = true;
}
