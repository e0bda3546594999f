/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec.h - the execution loop: runs decoded blocks until a stop condition.
 */
#ifndef STRATA_CPU_EMU_EXEC_H
#define STRATA_CPU_EMU_EXEC_H

#include "cpu/emu/cpu.h"

struct emu_exec_limits {
    bool use_stop_rip;
    uint64_t stop_rip;  /* stop before executing the instruction here */
    uint64_t max_insns; /* stop after this many retired instructions */
    bool deliver;       /* deliver exceptions through the IDT (false: stop and report) */
};

enum emu_exec_exit { EXEC_STOP_RIP, EXEC_EXCEPTION, EXEC_LIMIT, EXEC_MACHINE, EXEC_HALTED };

/* Runs until a limit, an undelivered exception, HLT or a machine stop; counts retired instructions.
 */
enum emu_exec_exit emu_exec(struct emu_cpu *cpu, const struct emu_exec_limits *lim,
                            uint64_t *retired);

#endif
