// SPDX-License-Identifier: Apache-2.0
/*
 * machine.c - a machine's life: setup, one thread per vCPU, pausing and
 * resuming them, the timeout, and the first stop request deciding the exit
 * status (see machine.h).
 */
#include "machine/machine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"

int machine__init(struct machine *m, const struct machine_config *cfg, struct err *err)
{
    memset(m, 0, sizeof(*m));
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->stopped, NULL);
    pthread_cond_init(&m->parked_changed, NULL);
    pthread_cond_init(&m->resumed, NULL);
    atomic_init(&m->stop_reason, MACHINE_RUNNING);
    atomic_init(&m->pause_requested, false);
    m->engine = cfg->engine;
    m->ncpus = cfg->ncpus;
    bus__init(&m->pio, "pio", false);
    bus__init(&m->mmio, "mmio", true);

    m->vcpus = calloc(cfg->ncpus, sizeof(*m->vcpus));
    m->vcpu_running = calloc(cfg->ncpus, sizeof(*m->vcpu_running));
    if (!m->vcpus || !m->vcpu_running) {
        machine__destroy(m);
        return err__set(err, "out of memory");
    }
    for (unsigned i = 0; i < m->ncpus; i++) {
        m->vcpus[i].machine = m;
        m->vcpus[i].index = i;
    }
    if (guest_memory__init(&m->mem, cfg->ram_size, &cfg->mem, err)) {
        machine__destroy(m);
        return -1;
    }
    return 0;
}

int machine__create_vcpus(struct machine *m, struct err *err)
{
    if (m->engine->vm_create(m, err))
        return -1;
    m->engine_created = true;
    for (unsigned i = 0; i < m->ncpus; i++)
        if (m->engine->vcpu_create(&m->vcpus[i], err))
            return -1;
    return 0;
}

void machine__destroy(struct machine *m)
{
    if (m->engine_created) {
        for (unsigned i = 0; i < m->ncpus; i++)
            if (m->vcpus[i].engine)
                m->engine->vcpu_destroy(&m->vcpus[i]);
        m->engine->vm_destroy(m);
    }
    guest_memory__destroy(&m->mem);
    bus__destroy(&m->pio);
    bus__destroy(&m->mmio);
    free(m->vcpus);
    free(m->vcpu_running);
    m->vcpus = NULL;
    m->vcpu_running = NULL;
    pthread_cond_destroy(&m->stopped);
    pthread_cond_destroy(&m->parked_changed);
    pthread_cond_destroy(&m->resumed);
    pthread_mutex_destroy(&m->lock);
}

/* Called with m->lock held: only threads inside vcpu_run can be kicked; the others see the
 * request on entry. */
static void kick_running(struct machine *m)
{
    for (unsigned i = 0; i < m->ncpus; i++)
        if (m->vcpu_running[i])
            m->engine->kick(&m->vcpus[i]);
}

void machine__stop(struct machine *m, enum machine_stop_reason reason, int status)
{
    pthread_mutex_lock(&m->lock);
    int expected = MACHINE_RUNNING;
    if (atomic_compare_exchange_strong(&m->stop_reason, &expected, (int)reason)) {
        m->exit_status = status;
        kick_running(m);
        pthread_cond_broadcast(&m->stopped);
        pthread_cond_broadcast(&m->resumed); /* parked threads end */
    }
    pthread_mutex_unlock(&m->lock);
}

void machine__pause(struct machine *m)
{
    pthread_mutex_lock(&m->lock);
    atomic_store(&m->pause_requested, true);
    kick_running(m);
    while (m->parked < m->threads && !machine__stopped(m))
        pthread_cond_wait(&m->parked_changed, &m->lock);
    pthread_mutex_unlock(&m->lock);
}

void machine__resume(struct machine *m)
{
    pthread_mutex_lock(&m->lock);
    atomic_store(&m->pause_requested, false);
    pthread_cond_broadcast(&m->resumed);
    pthread_mutex_unlock(&m->lock);
}

/* Called with m->lock held by the vCPU thread that left the engine on a pause request. */
static void park(struct machine *m)
{
    m->parked++;
    pthread_cond_broadcast(&m->parked_changed);
    while (atomic_load(&m->pause_requested) && !machine__stopped(m))
        pthread_cond_wait(&m->resumed, &m->lock);
    m->parked--;
}

static void *vcpu_thread(void *arg)
{
    struct vcpu *v = arg;
    struct machine *m = v->machine;

    pthread_mutex_lock(&m->lock);
    for (;;) {
        if (machine__stopped(m))
            break;
        if (atomic_load(&m->pause_requested)) {
            park(m);
            continue;
        }
        m->vcpu_running[v->index] = true;
        pthread_mutex_unlock(&m->lock);

        m->engine->vcpu_run(v);

        pthread_mutex_lock(&m->lock);
        m->vcpu_running[v->index] = false;
        if (!machine__stopping(m)) {
            pthread_mutex_unlock(&m->lock);
            log__msg("vcpu %u: engine returned while the machine runs", v->index);
            machine__stop(m, MACHINE_STOP_FAILURE, EXIT_STATUS_FAILURE);
            pthread_mutex_lock(&m->lock);
        }
    }
    m->threads--;
    pthread_cond_broadcast(&m->parked_changed);
    pthread_mutex_unlock(&m->lock);
    return NULL;
}

static struct timespec deadline_after(double seconds)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double whole = (double)(time_t)seconds;
    ts.tv_sec += (time_t)seconds;
    ts.tv_nsec += (long)((seconds - whole) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

int machine__run(struct machine *m, double timeout_s)
{
    /* The wait below uses CLOCK_MONOTONIC so that wall-clock changes do not matter. */
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_destroy(&m->stopped);
    pthread_cond_init(&m->stopped, &attr);
    pthread_condattr_destroy(&attr);

    unsigned started = 0;
    for (; started < m->ncpus; started++) {
        pthread_mutex_lock(&m->lock);
        m->threads++;
        pthread_mutex_unlock(&m->lock);
        int rc = pthread_create(&m->vcpus[started].thread, NULL, vcpu_thread, &m->vcpus[started]);
        if (rc) {
            pthread_mutex_lock(&m->lock);
            m->threads--;
            pthread_mutex_unlock(&m->lock);
            log__msg("cannot start vcpu %u thread: %s", started, strerror(rc));
            machine__stop(m, MACHINE_STOP_FAILURE, EXIT_STATUS_HOST_ERROR);
            break;
        }
    }

    struct timespec deadline = deadline_after(timeout_s);
    pthread_mutex_lock(&m->lock);
    while (!machine__stopped(m)) {
        if (timeout_s <= 0) {
            pthread_cond_wait(&m->stopped, &m->lock);
        } else if (pthread_cond_timedwait(&m->stopped, &m->lock, &deadline) == ETIMEDOUT) {
            pthread_mutex_unlock(&m->lock);
            log__msg("timeout: stopping the guest after %g seconds", timeout_s);
            machine__stop(m, MACHINE_STOP_TIMEOUT, EXIT_STATUS_TIMEOUT);
            pthread_mutex_lock(&m->lock);
        }
    }
    pthread_mutex_unlock(&m->lock);

    for (unsigned i = 0; i < started; i++)
        pthread_join(m->vcpus[i].thread, NULL);
    return m->exit_status;
}
