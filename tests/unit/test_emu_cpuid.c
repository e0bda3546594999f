// SPDX-License-Identifier: Apache-2.0
/*
 * test_emu_cpuid.c - the emu engine's CPUID model (src/cpu/emu/cpuid.c,
 * docs/emu-cpuid.md) and the MSR its Intel identity brings along: the
 * vendor and the leaves that describe the local APIC and the timers (SDM
 * vol. 2, CPUID leaves 01H, 06H, 07H, 15H, 16H), IA32_BIOS_SIGN_ID, which
 * Linux writes and reads on every Intel CPU to learn the microcode revision,
 * IA32_TSC_ADJUST, which moves with the TSC (SDM vol. 3B, 18.17.3),
 * IA32_ARCH_CAPABILITIES, whose "not affected" bits spare the guest
 * mitigations that cannot protect it here (page-table isolation first).
 * And the feature-bit table of docs/emu-cpuid.md against the model: every
 * advertised bit listed, every listed bit advertised, each with the files
 * that implement it, which exist.
 */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpu/emu/cpu.h"
#include "cpu/emu/cpuid.h"
#include "emu_fixture.h"

static int setup(void **state)
{
    static struct emu_fixture f;
    fix_init(&f);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fix_destroy(*state);
    return 0;
}

static void cpuid_describes_the_apic_and_the_timers(void **state)
{
    struct emu_fixture *f = *state;
    const struct emu_cpu *cpu = f->m.vcpus[0].engine;
    uint32_t r[4];
    emu_cpuid(cpu, 0, 0, r);
    assert_true(r[0] >= 0x16);
    assert_memory_equal(&r[1], "Genu", 4);
    assert_memory_equal(&r[3], "ineI", 4);
    assert_memory_equal(&r[2], "ntel", 4);
    emu_cpuid(cpu, 1, 0, r);
    assert_true(r[3] & (1u << 9));  /* APIC */
    assert_true(r[2] & (1u << 21)); /* x2APIC */
    assert_true(r[2] & (1u << 24)); /* TSC-deadline */
    emu_cpuid(cpu, 6, 0, r);
    assert_true(r[0] & (1u << 2)); /* ARAT: the LAPIC timer runs in HLT */
    emu_cpuid(cpu, 7, 0, r);
    assert_true(r[1] & (1u << 1)); /* IA32_TSC_ADJUST */
    emu_cpuid(cpu, 0x80000007, 0, r);
    assert_true(r[3] & (1u << 8)); /* invariant TSC */
    emu_cpuid(cpu, 0x15, 0, r);    /* TSC = crystal * EBX / EAX = 1 GHz */
    assert_int_equal(r[0], 1);
    assert_int_equal(r[1], 1);
    assert_int_equal(r[2], 1000000000);
    emu_cpuid(cpu, 0x16, 0, r); /* MHz */
    assert_int_equal(r[0], 1000);
    assert_int_equal(r[1], 1000);
    assert_int_equal(r[2], 1000);
}

/* wrmsr 0x8b, 0; cpuid; rdmsr 0x8b: Linux's intel_get_microcode_revision(). */
static void microcode_revision_reads_zero(void **state)
{
    struct emu_fixture *f = *state;
    static const uint8_t code[] = {
        0xb9, 0x8b, 0x00, 0x00, 0x00,             /* mov ecx, 0x8b */
        0x31, 0xc0,                               /* xor eax, eax */
        0x31, 0xd2,                               /* xor edx, edx */
        0x0f, 0x30,                               /* wrmsr */
        0xb8, 0x01, 0x00, 0x00, 0x00,             /* mov eax, 1 */
        0x0f, 0xa2,                               /* cpuid */
        0xb9, 0x8b, 0x00, 0x00, 0x00,             /* mov ecx, 0x8b */
        0x48, 0xc7, 0xc2, 0xff, 0xff, 0xff, 0xff, /* mov rdx, -1 */
        0x0f, 0x32,                               /* rdmsr */
    };
    fix_code(f, FIX_CODE, code, sizeof(code));
    struct emu_stop_info info = fix_run(f, FIX_CODE + sizeof(code), 100);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    assert_int_equal(f->st.gpr[CPU_RAX], 0);
    assert_int_equal(f->st.gpr[CPU_RDX], 0);
}

/* A TSC write adds its delta to IA32_TSC_ADJUST; an IA32_TSC_ADJUST write moves the TSC. */
static void tsc_adjust_moves_with_the_tsc(void **state)
{
    struct emu_fixture *f = *state;
    static const uint8_t code[] = {
        0x0f, 0x31,                   /* rdtsc */
        0x49, 0x89, 0xc0,             /* mov r8, rax */
        0x49, 0x89, 0xd1,             /* mov r9, rdx */
        0xb9, 0x10, 0x00, 0x00, 0x00, /* mov ecx, 0x10 (TSC) */
        0x31, 0xc0,                   /* xor eax, eax */
        0xba, 0x00, 0x00, 0x10, 0x00, /* mov edx, 0x100000: TSC = 2^52 */
        0x0f, 0x30,                   /* wrmsr */
        0xb9, 0x3b, 0x00, 0x00, 0x00, /* mov ecx, 0x3b (TSC_ADJUST) */
        0x0f, 0x32,                   /* rdmsr */
        0x49, 0x89, 0xc2,             /* mov r10, rax */
        0x49, 0x89, 0xd3,             /* mov r11, rdx */
        0x31, 0xc0,                   /* xor eax, eax */
        0x31, 0xd2,                   /* xor edx, edx */
        0x0f, 0x30,                   /* wrmsr: TSC_ADJUST = 0 */
        0x0f, 0x31,                   /* rdtsc */
    };
    fix_code(f, FIX_CODE, code, sizeof(code));
    struct emu_stop_info info = fix_run(f, FIX_CODE + sizeof(code), 100);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    const uint64_t *g = f->st.gpr;
    uint64_t t0 = (g[CPU_R9] << 32) | (uint32_t)g[CPU_R8];
    uint64_t adjust = (g[CPU_R11] << 32) | (uint32_t)g[CPU_R10];
    uint64_t t1 = (g[CPU_RDX] << 32) | (uint32_t)g[CPU_RAX];
    /* the write came after t0: adjust = 2^52 - TSC at the write, within a second of t0 */
    assert_true((1ull << 52) - adjust - t0 < 1000000000ull);
    /* adjust back to 0: the TSC is where it would have been without the write */
    assert_true(t1 >= t0 && t1 - t0 < 1000000000ull);
}

/* cpuid.7.0:EDX[29] says the MSR exists; rdmsr 0x10a reads it; wrmsr 0x10a is refused. */
static void arch_capabilities_say_not_affected(void **state)
{
    struct emu_fixture *f = *state;
    uint32_t r[4];
    emu_cpuid(f->m.vcpus[0].engine, 7, 0, r);
    assert_true(r[3] & (1u << 29));
    static const uint8_t code[] = {
        0xb9, 0x0a, 0x01, 0x00, 0x00, /* mov ecx, 0x10a */
        0x0f, 0x32,                   /* rdmsr */
    };
    fix_code(f, FIX_CODE, code, sizeof(code));
    struct emu_stop_info info = fix_run(f, FIX_CODE + sizeof(code), 10);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    uint64_t caps = (f->st.gpr[CPU_RDX] << 32) | (uint32_t)f->st.gpr[CPU_RAX];
    assert_true(caps & (1ull << 0));  /* RDCL_NO: no page-table isolation */
    assert_true(caps & (1ull << 5));  /* MDS_NO: no VERW at every kernel exit */
    assert_true(caps & (1ull << 62)); /* ITS_NO: no return thunks */
    assert_false(caps & (1ull << 1)); /* no enhanced IBRS: there is no IA32_SPEC_CTRL */
    assert_false(caps & (1ull << 7)); /* no TSX control MSR */
    static const uint8_t write[] = {
        0xb9, 0x0a, 0x01, 0x00, 0x00, /* mov ecx, 0x10a */
        0x0f, 0x30,                   /* wrmsr */
    };
    fix_code(f, FIX_CODE + 0x100, write, sizeof(write));
    f->st.rip = FIX_CODE + 0x100;
    info = fix_run(f, FIX_CODE + 0x100 + sizeof(write), 10);
    assert_int_equal(info.reason, EMU_STOP_EXCEPTION);
    assert_int_equal(info.vector, 13);
}

/* RDRAND and RDSEED give host randomness with CF = 1; RDPID reads IA32_TSC_AUX. */
static void rdrand_rdseed_rdpid(void **state)
{
    struct emu_fixture *f = *state;
    static const uint8_t code[] = {
        0xb9, 0x03, 0x01, 0x00, 0xc0,             /* mov ecx, 0xc0000103 (TSC_AUX) */
        0xb8, 0x34, 0x12, 0x00, 0x00,             /* mov eax, 0x1234 */
        0x31, 0xd2,                               /* xor edx, edx */
        0x0f, 0x30,                               /* wrmsr */
        0x48, 0x0f, 0xc7, 0xf6,                   /* rdrand rsi */
        0x9c, 0x41, 0x58,                         /* pushfq; pop r8 */
        0x48, 0x0f, 0xc7, 0xf7,                   /* rdrand rdi */
        0x49, 0x0f, 0xc7, 0xf9,                   /* rdseed r9 */
        0x9c, 0x41, 0x5a,                         /* pushfq; pop r10 */
        0x48, 0xc7, 0xc0, 0x00, 0x00, 0xff, 0xff, /* mov rax, 0xffffffffffff0000 */
        0x66, 0x0f, 0xc7, 0xf0,                   /* rdrand ax */
        0xf3, 0x0f, 0xc7, 0xfb,                   /* rdpid rbx */
    };
    fix_code(f, FIX_CODE, code, sizeof(code));
    f->st.gpr[CPU_RSP] = FIX_CODE + 0x1000;
    struct emu_stop_info info = fix_run(f, FIX_CODE + sizeof(code), 100);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    const uint64_t *g = f->st.gpr;
    assert_int_equal(g[CPU_RBX], 0x1234);
    assert_int_equal(g[CPU_R8] & 0x8d5, 0x1); /* CF set, OF SF ZF AF PF clear */
    assert_int_equal(g[CPU_R10] & 0x8d5, 0x1);
    assert_true(g[CPU_RSI] != g[CPU_RDI]); /* equal with probability 2^-64 */
    assert_true(g[CPU_RSI] != g[CPU_R9]);
    assert_int_equal(g[CPU_RAX] >> 16, 0xffffffffffffull); /* the 16-bit form keeps bits 63:16 */
}

/* FSGSBASE: #UD until CR4.FSGSBASE is set, then the four instructions; a non-canonical base is #GP.
 */
static void fsgsbase_needs_cr4(void **state)
{
    struct emu_fixture *f = *state;
    static const uint8_t code[] = {
        0xf3, 0x48, 0x0f, 0xae, 0xd1,       /* wrfsbase rcx: #UD, CR4.FSGSBASE clear */
        0x0f, 0x20, 0xe0,                   /* mov rax, cr4 */
        0x48, 0x0d, 0x00, 0x00, 0x01, 0x00, /* or rax, 0x10000 */
        0x0f, 0x22, 0xe0,                   /* mov cr4, rax */
        0xf3, 0x48, 0x0f, 0xae, 0xd1,       /* wrfsbase rcx */
        0xf3, 0x48, 0x0f, 0xae, 0xc2,       /* rdfsbase rdx */
        0xf3, 0x0f, 0xae, 0xd9,             /* wrgsbase ecx */
        0xf3, 0x48, 0x0f, 0xae, 0xce,       /* rdgsbase rsi */
        0xf3, 0x48, 0x0f, 0xae, 0xdf,       /* wrgsbase rdi: #GP, non-canonical */
    };
    fix_code(f, FIX_CODE, code, sizeof(code));
    f->st.gpr[CPU_RCX] = 0xffffff800000129aull;
    f->st.gpr[CPU_RDI] = 0x0000800000000000ull;
    struct emu_stop_info info = fix_run(f, FIX_CODE + sizeof(code), 100);
    assert_int_equal(info.reason, EMU_STOP_EXCEPTION);
    assert_int_equal(info.vector, 6);
    f->st.rip = FIX_CODE + 5;
    info = fix_run(f, FIX_CODE + sizeof(code), 100);
    assert_int_equal(info.reason, EMU_STOP_EXCEPTION);
    assert_int_equal(info.vector, 13);
    assert_int_equal(f->st.rip, FIX_CODE + sizeof(code) - 5);
    assert_int_equal(f->st.gpr[CPU_RDX], 0xffffff800000129aull);
    assert_int_equal(f->st.gpr[CPU_RSI], 0x129aull); /* the 32-bit write zero-extends */
}

/* The registers the table of docs/emu-cpuid.md covers, as its first column names them. */
static const struct {
    const char *name;
    uint32_t leaf, subleaf;
    unsigned reg; /* 0..3: EAX, EBX, ECX, EDX */
} feature_regs[] = {
    {"1.EDX", 1, 0, 3},
    {"1.ECX", 1, 0, 2},
    {"6.EAX", 6, 0, 0},
    {"7.0.EBX", 7, 0, 1},
    {"7.0.ECX", 7, 0, 2},
    {"7.0.EDX", 7, 0, 3},
    {"0x80000001.ECX", 0x80000001, 0, 2},
    {"0x80000001.EDX", 0x80000001, 0, 3},
    {"0x80000007.EDX", 0x80000007, 0, 3},
};
#define NREGS (sizeof(feature_regs) / sizeof(feature_regs[0]))

/* Each `file` of a table cell exists (src/cpu/emu/ unless it names a path; globs allowed). */
static void assert_files_exist(const char *cell)
{
    unsigned n = 0;
    for (const char *p = strchr(cell, '`'); p; p = strchr(p, '`')) {
        const char *end = strchr(p + 1, '`');
        assert_non_null(end);
        char pattern[512];
        int len = (int)(end - p - 1);
        snprintf(pattern, sizeof(pattern), "%s/%s%.*s", STRATA_SOURCE_ROOT,
                 strncmp(p + 1, "src/", 4) ? "src/cpu/emu/" : "", len, p + 1);
        glob_t g;
        if (glob(pattern, 0, NULL, &g) != 0)
            fail_msg("docs/emu-cpuid.md names %s, which does not exist", pattern);
        globfree(&g);
        n++;
        p = end + 1;
    }
    if (n == 0)
        fail_msg("docs/emu-cpuid.md: a feature without its implementing file: %s", cell);
}

static void feature_table_matches_the_model(void **state)
{
    struct emu_fixture *f = *state;
    const struct emu_cpu *cpu = f->m.vcpus[0].engine;
    FILE *doc = fopen(STRATA_SOURCE_ROOT "/docs/emu-cpuid.md", "r");
    assert_non_null(doc);
    uint32_t listed[NREGS] = {0};
    char line[2048];
    bool in_table = false;
    while (fgets(line, sizeof(line), doc)) {
        if (!strncmp(line, "## ", 3))
            in_table = !strncmp(line, "## Feature bits", 15);
        if (!in_table || line[0] != '|' || strstr(line, "| ---") || strstr(line, "leaf.register"))
            continue;
        /* | leaf.reg | bits | feature | files | what | */
        char *cells[5];
        char *save = NULL, *tok = strtok_r(line + 1, "|", &save);
        unsigned k = 0;
        for (; tok && k < 5; tok = strtok_r(NULL, "|", &save))
            cells[k++] = tok;
        assert_int_equal(k, 5);
        char name[32];
        assert_int_equal(sscanf(cells[0], " %31s", name), 1);
        unsigned r = 0;
        while (r < NREGS && strcmp(feature_regs[r].name, name))
            r++;
        if (r == NREGS)
            fail_msg("docs/emu-cpuid.md lists a register the test does not know: %s", name);
        for (char *b = cells[1]; *b;) {
            char *next;
            unsigned long bit = strtoul(b, &next, 10);
            if (next == b) {
                b++;
                continue;
            }
            assert_true(bit < 32);
            listed[r] |= 1u << bit;
            b = next;
        }
        assert_files_exist(cells[3]);
    }
    fclose(doc);
    /* the x86-64-v2 vector extensions exist only on a host with SSE4.1 (cpuid.h) */
    if (!emu_host_sse41())
        listed[1] &= ~((1u << 0) | (1u << 9) | (1u << 19) | (1u << 20));
    for (unsigned r = 0; r < NREGS; r++) {
        uint32_t out[4];
        emu_cpuid(cpu, feature_regs[r].leaf, feature_regs[r].subleaf, out);
        uint32_t model = out[feature_regs[r].reg];
        if (model != listed[r])
            fail_msg("%s: the model advertises %#x, docs/emu-cpuid.md lists %#x",
                     feature_regs[r].name, model, listed[r]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(cpuid_describes_the_apic_and_the_timers, setup, teardown),
        cmocka_unit_test_setup_teardown(microcode_revision_reads_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(tsc_adjust_moves_with_the_tsc, setup, teardown),
        cmocka_unit_test_setup_teardown(arch_capabilities_say_not_affected, setup, teardown),
        cmocka_unit_test_setup_teardown(feature_table_matches_the_model, setup, teardown),
        cmocka_unit_test_setup_teardown(rdrand_rdseed_rdpid, setup, teardown),
        cmocka_unit_test_setup_teardown(fsgsbase_needs_cr4, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
