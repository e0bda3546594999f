/* SPDX-License-Identifier: Apache-2.0 */
/*
 * emu_fixture.h - a small machine on the emu engine for its unit tests:
 * 16 MiB of RAM, a GDT with 64-bit kernel and user segments and a TSS, an
 * IDT, and 4-level page tables mapping the first 2 MiB with 4 KiB pages
 * (user, writable). Tests write code, edit page tables and run it with
 * emu__run_until.
 */
#ifndef STRATA_TESTS_EMU_FIXTURE_H
#define STRATA_TESTS_EMU_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "cpu/emu/emu.h"
#include "machine/machine.h"

/* Guest-physical layout of the fixture. */
#define FIX_GDT     0x1000ull
#define FIX_IDT     0x2000ull
#define FIX_TSS     0x3000ull
#define FIX_PML4    0x10000ull
#define FIX_PDPT    0x11000ull
#define FIX_PD      0x12000ull
#define FIX_PT      0x13000ull /* maps 0..2 MiB */
#define FIX_CODE    0x100000ull
#define FIX_DATA    0x120000ull
#define FIX_STACK   0x140000ull /* top of the kernel stack */
#define FIX_HANDLER 0x108000ull /* exception handlers are placed from here */

/* Selectors */
#define FIX_KCODE   0x08
#define FIX_KDATA   0x10
#define FIX_UDATA   0x1b
#define FIX_UCODE   0x23
#define FIX_TSS_SEL 0x28

/* Page-table entry bits */
#define PTE_P  0x1ull
#define PTE_W  0x2ull
#define PTE_U  0x4ull
#define PTE_A  0x20ull
#define PTE_D  0x40ull
#define PTE_PS 0x80ull
#define PTE_G  0x100ull
#define PTE_NX (1ull << 63)

struct emu_fixture {
    struct machine m;    /* m.vcpus[0] runs with st; fix_init_cpus makes more */
    struct cpu_state st; /* the state used by the next run, updated after it */
};

void fix_init(struct emu_fixture *f);
/* The same machine with ncpus vCPUs (each can be run with emu__run_until). */
void fix_init_cpus(struct emu_fixture *f, unsigned ncpus);
void fix_destroy(struct emu_fixture *f);

/* Host pointer to guest-physical memory. */
void *fix_mem(struct emu_fixture *f, uint64_t gpa);
/* Copies code bytes to gpa. */
void fix_code(struct emu_fixture *f, uint64_t gpa, const void *bytes, size_t len);
/* The 4 KiB page-table entry of a virtual address below 2 MiB. */
uint64_t *fix_pte(struct emu_fixture *f, uint64_t va);
/* An IDT gate for vector -> handler at CPL-0 code, interrupt gate, with ist and dpl. */
void fix_gate(struct emu_fixture *f, unsigned vector, uint64_t handler, unsigned ist, unsigned dpl);
/* Starts executing at rip with CPL 3 (user segments) or CPL 0. */
void fix_enter(struct emu_fixture *f, uint64_t rip, bool user);

/* set_state, emu__run_until(stop_rip, max_insns), get_state. */
struct emu_stop_info fix_run(struct emu_fixture *f, uint64_t stop_rip, uint64_t max_insns);
/* Delivers the exception of info, then reads the state back. */
void fix_deliver(struct emu_fixture *f, const struct emu_stop_info *info);

#endif
