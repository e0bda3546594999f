// SPDX-License-Identifier: Apache-2.0
/*
 * vcpu.c - a kvm vCPU's life: creation (CPUID, boot MSRs), the KVM_RUN loop
 * on the vCPU's thread, and the kick that brings that loop back from
 * another thread (Documentation/virt/kvm/api.rst, 4.7 KVM_CREATE_VCPU,
 * 4.10 KVM_RUN, 4.35 KVM_SET_SIGNAL_MASK).
 *
 * The kick is a real-time signal sent to the vCPU thread. The thread keeps
 * it blocked, so it never interrupts device code running on that thread,
 * and lets KVM unblock it only inside KVM_RUN (KVM_SET_SIGNAL_MASK): a kick
 * during KVM_RUN makes it return with EINTR, a kick just before makes the
 * next KVM_RUN return at once. The loop then sees the stop request.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpu/kvm/kvm.h"
#include "util/log.h"

#define KICK_SIGNAL (SIGRTMIN + 0)

static void kick_handler(int sig)
{
    (void)sig;
}

static pthread_once_t kick_handler_once = PTHREAD_ONCE_INIT;

static void install_kick_handler(void)
{
    struct sigaction sa = {.sa_handler = kick_handler};
    sigemptyset(&sa.sa_mask);
    sigaction(KICK_SIGNAL, &sa, NULL);
}

static int set_cpuid(struct vcpu *v, int fd, struct err *err)
{
    struct kvm_cpuid2 *cpuid =
        kvm_cpuid__for_vcpu(kvm_vm_of(v)->supported, v->index, v->machine->ncpus);
    if (!cpuid)
        return err__set(err, "out of memory");
    int rc = ioctl(fd, KVM_SET_CPUID2, cpuid);
    int e = errno;
    free(cpuid);
    if (rc < 0)
        return err__set_errno(err, e, "kvm: vcpu %u: KVM_SET_CPUID2", v->index);
    return 0;
}

void kvm_vcpu__destroy(struct vcpu *v)
{
    struct kvm_cpu *cpu = v->engine;
    if (!cpu)
        return;
    if (cpu->run)
        munmap(cpu->run, (size_t)kvm_vm_of(v)->run_size);
    if (cpu->fd >= 0)
        close(cpu->fd);
    pthread_mutex_destroy(&cpu->lock);
    free(cpu);
    v->engine = NULL;
}

int kvm_vcpu__create(struct vcpu *v, struct err *err)
{
    struct kvm_vm *vm = kvm_vm_of(v);
    struct kvm_cpu *cpu = calloc(1, sizeof(*cpu));
    if (!cpu)
        return err__set(err, "out of memory");
    cpu->fd = -1;
    pthread_mutex_init(&cpu->lock, NULL);
    v->engine = cpu;
    pthread_once(&kick_handler_once, install_kick_handler);

    cpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)v->index);
    if (cpu->fd < 0) {
        err__set_errno(err, errno, "kvm: cannot create vcpu %u", v->index);
        goto fail;
    }
    void *run = mmap(NULL, (size_t)vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, cpu->fd, 0);
    if (run == MAP_FAILED) {
        err__set_errno(err, errno, "kvm: cannot map vcpu %u's run area", v->index);
        goto fail;
    }
    cpu->run = run;
    if (set_cpuid(v, cpu->fd, err) || kvm_msr__set_boot_values(cpu->fd, err))
        goto fail;
    if (!vm->msrs_probed)
        kvm_msr__probe_saved(vm, cpu->fd);
    return 0;

fail:
    kvm_vcpu__destroy(v);
    return -1;
}

/* Blocks the kick signal on this thread and lets KVM_RUN unblock it. */
static int arm_kick_signal(struct vcpu *v, struct err *err)
{
    sigset_t kick, during_run;
    sigemptyset(&kick);
    sigaddset(&kick, KICK_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &kick, &during_run);
    sigdelset(&during_run, KICK_SIGNAL);

    /* The kernel's sigset is 8 bytes on x86-64: the first bytes of glibc's sigset_t. */
    struct {
        struct kvm_signal_mask header;
        uint8_t sigset[8];
    } mask = {.header.len = sizeof(mask.sigset)};
    memcpy(mask.sigset, &during_run, sizeof(mask.sigset));
    if (ioctl(kvm_cpu_of(v)->fd, KVM_SET_SIGNAL_MASK, &mask) < 0)
        return err__set_errno(err, errno, "kvm: vcpu %u: KVM_SET_SIGNAL_MASK", v->index);
    return 0;
}

/* A kick that ended KVM_RUN stays pending (blocked again outside KVM_RUN): consume it. */
static void eat_kicks(void)
{
    sigset_t kick;
    sigemptyset(&kick);
    sigaddset(&kick, KICK_SIGNAL);
    const struct timespec now = {0, 0};
    while (sigtimedwait(&kick, NULL, &now) == KICK_SIGNAL)
        ;
}

static void set_thread_running(struct kvm_cpu *cpu, bool running)
{
    pthread_mutex_lock(&cpu->lock);
    cpu->thread = pthread_self();
    cpu->thread_running = running;
    pthread_mutex_unlock(&cpu->lock);
}

void kvm_vcpu__run(struct vcpu *v)
{
    struct machine *m = v->machine;
    struct kvm_cpu *cpu = kvm_cpu_of(v);
    struct err err = {0};

    if (arm_kick_signal(v, &err)) {
        log__msg("%s", err.msg);
        machine__stop(m, MACHINE_STOP_FAILURE, EXIT_STATUS_FAILURE);
        return;
    }
    set_thread_running(cpu, true);

    while (!machine__stopping(m)) {
        if (ioctl(cpu->fd, KVM_RUN, 0) < 0) {
            /* EINTR: kicked. EAGAIN: an AP woke up in the kernel, still waiting for its SIPI. */
            if (errno == EINTR) {
                eat_kicks();
                continue;
            }
            if (errno == EAGAIN)
                continue;
            log__msg("vcpu %u: KVM_RUN: %s", v->index, strerror(errno));
            machine__stop(m, MACHINE_STOP_FAILURE, EXIT_STATUS_FAILURE);
            break;
        }
        if (!kvm_exit__handle(v))
            break;
    }

    set_thread_running(cpu, false);
}

void kvm_vcpu__kick(struct vcpu *v)
{
    struct kvm_cpu *cpu = kvm_cpu_of(v);
    if (!cpu)
        return;
    pthread_mutex_lock(&cpu->lock);
    if (cpu->thread_running)
        pthread_kill(cpu->thread, KICK_SIGNAL);
    pthread_mutex_unlock(&cpu->lock);
}
