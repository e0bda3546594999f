// SPDX-License-Identifier: Apache-2.0
/*
 * cpuid.c - the emu engine's one CPUID model (documented in
 * docs/emu-cpuid.md). It advertises what the engine implements and
 * nothing more (the x86-64 baseline that 64-bit Linux refuses to boot
 * without, x87 FPU, FXSR, MMX, SSE, SSE2, included). Bit positions
 * follow SDM vol. 2, CPUID, tables 3-8 to 3-10 and leaves 15H/16H, and AMD
 * APM vol. 3, E.4.
 */
#include "cpu/emu/cpuid.h"
#include "cpu/emu/msr.h"

#include "devices/platform/lapic.h"
#include "machine/vcpu.h"

#define BIT(n) (1u << (n))

/* Leaf 1 EDX */
#define F1D                                                                                       \
    (BIT(0) /*FPU*/ | BIT(2) /*DE*/ | BIT(3) /*PSE*/ | BIT(4) /*TSC*/ | BIT(5) /*MSR*/ |          \
     BIT(6) /*PAE*/ | BIT(8) /*CX8*/ | BIT(9) /*APIC*/ | BIT(13) /*PGE*/ | BIT(15) /*CMOV*/ |     \
     BIT(16) /*PAT*/ | BIT(19) /*CLFSH*/ | BIT(23) /*MMX*/ | BIT(24) /*FXSR*/ | BIT(25) /*SSE*/ | \
     BIT(26) /*SSE2*/)
/* Leaf 1 ECX */
#define F1C                                                                                   \
    (BIT(1) /*PCLMULQDQ*/ | BIT(13) /*CMPXCHG16B*/ | BIT(21) /*x2APIC*/ | BIT(22) /*MOVBE*/ | \
     BIT(23) /*POPCNT*/ | BIT(24) /*TSC-deadline*/ | BIT(30) /*RDRAND*/ | BIT(31) /*hypervisor*/)
/* Leaf 1 ECX, the x86-64-v2 vector extensions: only on a host with SSE4.1 (cpuid.h) */
#define F1C_V2 (BIT(0) /*SSE3*/ | BIT(9) /*SSSE3*/ | BIT(19) /*SSE4.1*/ | BIT(20) /*SSE4.2*/)
/* Leaf 7.0 EBX */
#define F7B                                                                                    \
    (BIT(0) /*FSGSBASE*/ | BIT(1) /*IA32_TSC_ADJUST*/ | BIT(3) /*BMI1*/ | BIT(8) /*BMI2*/ |    \
     BIT(13) /*x87 FCS/FDS deprecated (stored as 0)*/ | BIT(18) /*RDSEED*/ | BIT(19) /*ADX*/ | \
     BIT(23) /*CLFLUSHOPT*/ | BIT(24) /*CLWB*/)
/* Leaf 7.0 ECX */
#define F7C BIT(22) /*RDPID*/
/* Leaf 7.0 EDX */
#define F7D (BIT(29) /*IA32_ARCH_CAPABILITIES*/)
/* Leaf 0x80000001 ECX / EDX */
#define X1C (BIT(0) /*LAHF/SAHF in 64-bit mode*/ | BIT(5) /*LZCNT*/)
#define X1D                                                                                \
    (BIT(11) /*SYSCALL*/ | BIT(20) /*NX*/ | BIT(26) /*1 GiB pages*/ | BIT(27) /*RDTSCP*/ | \
     BIT(29) /*long mode*/)

/* CPUID.1:ECX of the host, read once. */
static uint32_t host_leaf1_ecx(void)
{
    static uint32_t ecx;
    static bool read;
    if (!read) {
        unsigned a, b, c, d;
        __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
        ecx = c;
        read = true;
    }
    return ecx;
}

bool emu_host_sse41(void)
{
    uint32_t need = BIT(0) | BIT(9) | BIT(19);
    return (host_leaf1_ecx() & need) == need;
}

bool emu_host_aes(void)
{
    return host_leaf1_ecx() & BIT(25);
}

static void put_string(uint32_t *out, const char *s)
{
    memcpy(out, s, 12);
}

void emu_cpuid(const struct emu_cpu *cpu, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    static const char brand[48] = "Strata emulated x86-64 CPU";
    memset(out, 0, 4 * sizeof(uint32_t));
    switch (leaf) {
    case 0:
        out[0] = 0x16;
        /* vendor in EBX, EDX, ECX order; Linux reads leaves 15H/16H only from Intel CPUs */
        memcpy(&out[1], "Genu", 4);
        memcpy(&out[3], "ineI", 4);
        memcpy(&out[2], "ntel", 4);
        break;
    case 1:
        out[0] = 0x00000610; /* family 6, model 1, stepping 0 */
        out[1] = (cpu->vcpu->index << 24) | (1u << 16) |
                 (8u << 8); /* APIC id, 1 thread, 64-byte lines */
        out[2] = F1C | (emu_host_sse41() ? F1C_V2 : 0) | (emu_host_aes() ? BIT(25) /*AES*/ : 0);
        out[3] = F1D;
        break;
    case 6: /* thermal and power management: only ARAT */ out[0] = BIT(2); break;
    case 7:
        if (subleaf == 0) {
            out[1] = F7B;
            out[2] = F7C;
            out[3] = F7D;
        }
        break;
    case 0x15: /* TSC = crystal * EBX / EAX; the crystal is the LAPIC timer's input clock */
        out[0] = 1;
        out[1] = (uint32_t)(EMU_TSC_HZ / LAPIC_BUS_HZ);
        out[2] = (uint32_t)LAPIC_BUS_HZ;
        break;
    case 0x16: /* base, maximum and bus frequencies in MHz */
        out[0] = out[1] = (uint32_t)(EMU_TSC_HZ / 1000000);
        out[2] = (uint32_t)(LAPIC_BUS_HZ / 1000000);
        break;
    case 0x40000000:
        out[0] = 0x40000000;
        put_string(&out[1], "StrataVMM\0\0\0");
        break;
    case 0x80000000: out[0] = 0x80000008; break;
    case 0x80000001:
        out[2] = X1C;
        out[3] = X1D;
        break;
    case 0x80000002:
    case 0x80000003:
    case 0x80000004: memcpy(out, brand + (leaf - 0x80000002) * 16, 16); break;
    case 0x80000007:
        out[3] = BIT(8); /* invariant TSC */
        break;
    case 0x80000008:
        out[0] = 40 | (48 << 8); /* physical and linear address bits */
        break;
    default: break;
    }
}
