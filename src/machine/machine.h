/* SPDX-License-Identifier: Apache-2.0 */
/*
 * machine.h - the substrate every VM has whatever its board: RAM, the two
 * buses, the engine and its vCPUs, and how they run, pause and stop.
 *
 * One struct machine per VM (the board's struct vm holds it). Setup is
 * single-threaded (memory, devices, loaders, vCPU state); then every vCPU
 * runs on its own thread until some party calls machine__stop(): the exit
 * device, a reset, a power-off, the timeout, or an engine failure. The
 * first stop wins and decides the exit status. machine__pause() parks every
 * vCPU thread outside the engine (for a save or a load) until
 * machine__resume().
 */
#ifndef STRATA_MACHINE_MACHINE_H
#define STRATA_MACHINE_MACHINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "machine/bus.h"
#include "machine/memory.h"
#include "machine/vcpu.h"

/* Why a machine stopped; decides strata's exit status (see docs/cli.md). */
enum machine_stop_reason {
    MACHINE_RUNNING = 0,
    MACHINE_STOP_EXIT,     /* exit device: status = the byte written */
    MACHINE_STOP_RESET,    /* i8042 reset or triple fault: status 0 */
    MACHINE_STOP_TIMEOUT,  /* --timeout elapsed: status 124 */
    MACHINE_STOP_FAILURE,  /* guest or engine failure: status 125 */
    MACHINE_STOP_USER,     /* the user quit from the console (Ctrl-A X): status 0 */
    MACHINE_STOP_POWEROFF, /* ACPI S5 (the guest's poweroff): status 0 */
    MACHINE_STOP_KILLED,   /* `strata kill`, or `strata stop` past its timeout: status 137 */
    MACHINE_STOP_SAVED,    /* ended after `strata snapshot --stop`: status 0 */
    MACHINE_STOP_MIGRATED, /* handed over to another strata by `strata migrate`: status 0 */
};

#define EXIT_STATUS_HOST_ERROR 1
#define EXIT_STATUS_USAGE      2
#define EXIT_STATUS_TIMEOUT    124
#define EXIT_STATUS_FAILURE    125
#define EXIT_STATUS_KILLED     137 /* as a shell reports a process ended by SIGKILL */

struct machine {
    struct guest_memory mem;
    struct bus pio;
    struct bus mmio;

    const struct engine_ops *engine;
    void *engine_data;   /* engine-private per-VM data */
    bool engine_created; /* engine->vm_create succeeded */

    unsigned ncpus;
    struct vcpu *vcpus;

    atomic_int stop_reason; /* enum machine_stop_reason */
    int exit_status;

    /*
     * Guards vcpu_running[], the pause fields and signals `stopped` when a
     * stop is requested.
     */
    pthread_mutex_t lock;
    pthread_cond_t stopped;
    bool *vcpu_running; /* per vCPU: its thread is inside engine->vcpu_run */

    atomic_bool pause_requested; /* vCPUs leave the engine and park */
    unsigned threads;            /* vCPU threads started by machine__run and not ended */
    unsigned parked;             /* of those, how many are parked */
    pthread_cond_t parked_changed;
    pthread_cond_t resumed;
};

struct machine_config {
    uint64_t ram_size;
    struct guest_memory_options mem; /* how RAM is backed (memory.h) */
    unsigned ncpus;
    const struct engine_ops *engine;
};

/* Sets up RAM and the buses; the engine is not touched yet. */
int machine__init(struct machine *m, const struct machine_config *cfg, struct err *err);

/* Creates the engine's VM and the vCPUs (after RAM is loaded and devices are on the buses). */
int machine__create_vcpus(struct machine *m, struct err *err);

/* Tears down whatever init and create_vcpus set up. */
void machine__destroy(struct machine *m);

/*
 * Runs every vCPU on its own thread until the machine stops, or until
 * timeout_s seconds pass (0: no timeout), then returns the exit status.
 */
int machine__run(struct machine *m, double timeout_s);

/* Requests a stop; the first request wins. Kicks every vCPU. Thread-safe. */
void machine__stop(struct machine *m, enum machine_stop_reason reason, int status);

/*
 * Makes every vCPU thread leave the engine and park; returns once all of
 * them are parked (or have ended), so that vCPU and device state may be
 * read and written. Before machine__run, or once stopped, it only records
 * the request. Thread-safe; not from a vCPU thread.
 */
void machine__pause(struct machine *m);
/* Lets parked vCPU threads run again. */
void machine__resume(struct machine *m);

/* True once a stop was requested: the machine will not run again. */
static inline bool machine__stopped(const struct machine *m)
{
    return atomic_load_explicit(&m->stop_reason, memory_order_acquire) != MACHINE_RUNNING;
}

/* True when a vCPU must return from engine->vcpu_run: a stop or a pause was requested. */
static inline bool machine__stopping(const struct machine *m)
{
    return machine__stopped(m) || atomic_load_explicit(&m->pause_requested, memory_order_acquire);
}

#endif
