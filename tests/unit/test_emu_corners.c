// SPDX-License-Identifier: Apache-2.0
/*
 * test_emu_corners.c - the emu engine's choices where the architecture
 * leaves the outcome open (docs/emu-cpuid.md, "Where the architecture
 * leaves a choice"): the undefined flags of MUL, DIV, AND, BT, BSF and
 * the shifts, BSF/BSR with a zero source, SHLD/SHRD r16 with a count
 * above 16, BSWAP r16, and a REP string instruction with 32-bit
 * addressing and ECX = 0. The difftest compares none of these on every
 * host, so these expectations pin the model's values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "emu_fixture.h"

#define SNIPPET(name, code)                                                \
    extern const uint8_t name[], name##_end[];                             \
    __asm__(".pushsection .rodata\n" #name ":\n" code "\n" #name "_end:\n" \
            ".popsection\n")

#define CF     0x001ull
#define PF     0x004ull
#define AF     0x010ull
#define ZF     0x040ull
#define SF     0x080ull
#define OF     0x800ull
#define STATUS (CF | PF | AF | ZF | SF | OF)

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

/* Runs code with the given RAX, RCX, RDX and status flags; returns the flags after it. */
static uint64_t run(struct emu_fixture *f, const uint8_t *code, const uint8_t *end, uint64_t rax,
                    uint64_t rcx, uint64_t rdx, uint64_t flags)
{
    f->st.cr0 = 0x80010033; /* PG WP NE ET MP PE */
    f->st.gpr[CPU_RAX] = rax;
    f->st.gpr[CPU_RCX] = rcx;
    f->st.gpr[CPU_RDX] = rdx;
    f->st.rflags = 0x2 | flags;
    fix_code(f, FIX_CODE, code, (size_t)(end - code));
    f->st.rip = FIX_CODE;
    struct emu_stop_info info = fix_run(f, FIX_CODE + (uint64_t)(end - code), 100);
    assert_int_equal(info.reason, EMU_STOP_RIP);
    return f->st.rflags & STATUS;
}
#define RUN(f, name, ...) run(f, name, name##_end, __VA_ARGS__)

SNIPPET(mul_rcx, "mul %rcx");
SNIPPET(div_rcx, "div %rcx");
SNIPPET(and_rcx, "and %rcx, %rax");
SNIPPET(bt_rcx, "bt %rcx, %rax");
SNIPPET(bsf_rcx, "bsf %rcx, %rax");
SNIPPET(bsf_ecx, "bsf %ecx, %eax");
SNIPPET(shl_cl, "shl %cl, %eax");
SNIPPET(shld16_cl, "shld %cl, %dx, %ax");
SNIPPET(bswap16, ".byte 0x66, 0x0f, 0xc8"); /* bswap %ax */
SNIPPET(rep_stos_a32, "addr32 rep stosb");

static void undefined_flags(void **state)
{
    struct emu_fixture *f = *state;
    /* MUL: CF = OF = high half significant; SF ZF PF from the low half; AF = 0 */
    assert_int_equal(RUN(f, mul_rcx, 1ull << 63, 2, 0, AF), CF | OF | ZF | PF);
    assert_int_equal(RUN(f, mul_rcx, 3, 0x8000000000000001ull, 0, STATUS), CF | OF | SF | PF);
    /* DIV: every flag unchanged */
    assert_int_equal(RUN(f, div_rcx, 7, 2, 0, STATUS), STATUS);
    assert_int_equal(RUN(f, div_rcx, 7, 2, 0, 0), 0);
    /* AND: CF = OF = 0, SF ZF PF from the result, AF = 0 */
    assert_int_equal(RUN(f, and_rcx, 0xf0, 0x0f, 0, STATUS), ZF | PF);
    /* BT: CF = the bit; OF SF AF PF unchanged (ZF too) */
    assert_int_equal(RUN(f, bt_rcx, 1, 0, 0, OF | SF | AF | PF), CF | OF | SF | AF | PF);
    assert_int_equal(RUN(f, bt_rcx, 1, 0, 0, 0), CF);
    /* BSF: ZF defined, the others unchanged */
    assert_int_equal(RUN(f, bsf_rcx, 0, 8, 0, STATUS), STATUS & ~ZF);
    assert_int_equal(RUN(f, bsf_rcx, 0, 8, 0, 0), 0);
    /* SHL by 2: OF and AF as the count-of-1 formulas give them (OF = CF ^ MSB, AF = 0) */
    assert_int_equal(RUN(f, shl_cl, 0x20000000, 2, 0, AF) & (OF | AF), OF);
}

static void undefined_results(void **state)
{
    struct emu_fixture *f = *state;
    /* BSF with a zero source: ZF = 1, the destination unchanged, all 64 bits of it */
    assert_int_equal(RUN(f, bsf_rcx, 0x1122334455667788ull, 0, 0, 0) & ZF, ZF);
    assert_int_equal(f->st.gpr[CPU_RAX], 0x1122334455667788ull);
    RUN(f, bsf_ecx, 0x1122334455667788ull, 0xffffffff00000000ull, 0, 0);
    assert_int_equal(f->st.gpr[CPU_RAX], 0x1122334455667788ull);
    /* SHLD r16 by 20: the 48 bits ax:dx:ax shifted left by 20, the top word kept */
    RUN(f, shld16_cl, 0x1234, 20, 0xabcd, 0);
    assert_int_equal(f->st.gpr[CPU_RAX] & 0xffff, 0x234a); /* 0x1234abcd1234 << 20 >> 48 */
    /* BSWAP r16: the low word becomes 0 */
    RUN(f, bswap16, 0x1122334455667788ull, 0, 0, 0);
    assert_int_equal(f->st.gpr[CPU_RAX], 0x1122334455660000ull);
}

static void rep_a32_zero_count(void **state)
{
    struct emu_fixture *f = *state;
    /* ECX = 0 with 32-bit addressing: RCX and RDI unchanged, upper halves included */
    f->st.gpr[CPU_RDI] = 0xaaaa000000120000ull;
    RUN(f, rep_stos_a32, 0, 0x5555000000000000ull, 0, 0);
    assert_int_equal(f->st.gpr[CPU_RCX], 0x5555000000000000ull);
    assert_int_equal(f->st.gpr[CPU_RDI], 0xaaaa000000120000ull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(undefined_flags),
        cmocka_unit_test(undefined_results),
        cmocka_unit_test(rep_a32_zero_count),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
