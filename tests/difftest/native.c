// SPDX-License-Identifier: Apache-2.0
/*
 * native.c - the host CPU as the reference: runs a case's code natively on
 * the fixed sandbox pages (see native.h).
 *
 * The code is entered through native_entry.S. A fault in the code raises a
 * signal in this thread; the handler takes the registers, the vector
 * (REG_TRAPNO: the kernel passes the hardware exception number, e.g. #DE 0 ->
 * SIGFPE, #UD 6 -> SIGILL, #GP 13 / #PF 14 -> SIGSEGV, #SS 12 / #AC 17 ->
 * SIGBUS, #BP 3 -> SIGTRAP), the page-fault error code and address from the
 * signal context, and jumps back with siglongjmp. The handler runs on an
 * alternate stack because the test code's RSP may point anywhere.
 */
#include "native.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "machine/vcpu.h"
#include "sandbox.h"

/* Defined in native_entry.S */
extern struct dt_regs dt_native_in, dt_native_out;
void dt_native_enter(void);
void dt_native_exit(void);

#define ALT_STACK_SIZE (64 * 1024)

static sigjmp_buf fault_jump;
static volatile sig_atomic_t code_running;
static struct dt_outcome fault_outcome;

/* ucontext register index of each enum cpu_gpr */
static const int ucontext_gpr[16] = {
    REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
    REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

static void on_fault(int sig, siginfo_t *si, void *context)
{
    const ucontext_t *uc = context;
    const greg_t *g = uc->uc_mcontext.gregs;

    if (!code_running) {
        /* A bug in the harness itself: say where, then let the default action end the process. */
        char msg[128];
        int n = snprintf(
            msg, sizeof(msg),
            "difftest: signal %d in the harness itself: trap %lld at rip %#llx, address %p\n", sig,
            (long long)g[REG_TRAPNO], (unsigned long long)g[REG_RIP], si->si_addr);
        if (n > 0 && write(2, msg, (size_t)n) < 0)
            n = 0;
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        sigaction(sig, &dfl, NULL);
        return;
    }
    code_running = 0;
    for (int i = 0; i < 16; i++)
        fault_outcome.regs.gpr[i] = (uint64_t)g[ucontext_gpr[i]];
    fault_outcome.regs.rflags = (uint64_t)g[REG_EFL];
    fault_outcome.regs.rip = (uint64_t)g[REG_RIP];
    fault_outcome.vector = (int)g[REG_TRAPNO];
    fault_outcome.error_code = (uint32_t)g[REG_ERR];
    fault_outcome.cr2 = (uint64_t)(uintptr_t)si->si_addr;
    /* SA_NODEFER left the signal unblocked, so no mask needs restoring. */
    siglongjmp(fault_jump, 1);
}

static int map_fixed(uint64_t addr, uint64_t size, int prot, struct err *err)
{
    void *p = mmap((void *)(uintptr_t)addr, size, prot,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED)
        return err__set_errno(err, errno, "cannot map the sandbox at %#llx",
                              (unsigned long long)addr);
    if (p != (void *)(uintptr_t)addr) /* kernels before 4.17 ignore MAP_FIXED_NOREPLACE */
        return err__set(err, "sandbox address %#llx is taken", (unsigned long long)addr);
    return 0;
}

int native__init(struct err *err)
{
    if (map_fixed(DT_CODE_ADDR, DT_CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC, err) ||
        map_fixed(DT_DATA_ADDR, DT_DATA_SIZE, PROT_READ | PROT_WRITE, err))
        return -1;

    stack_t alt = {.ss_sp = malloc(ALT_STACK_SIZE), .ss_size = ALT_STACK_SIZE};
    if (!alt.ss_sp)
        return err__set(err, "out of memory");
    if (sigaltstack(&alt, NULL))
        return err__set_errno(err, errno, "sigaltstack");

    struct sigaction sa = {.sa_sigaction = on_fault,
                           .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER};
    sigemptyset(&sa.sa_mask);
    static const int signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
        if (sigaction(signals[i], &sa, NULL))
            return err__set_errno(err, errno, "sigaction");
    return 0;
}

void native__run(const struct dt_case *c, const uint8_t *image, struct dt_outcome *out)
{
    sandbox__fill_code(c, (uint8_t *)(uintptr_t)DT_CODE_ADDR, (uint64_t)(uintptr_t)dt_native_exit);
    sandbox__fill_data(c, image, (uint8_t *)(uintptr_t)DT_DATA_ADDR);
    dt_native_in = c->in;
    dt_native_in.rip = DT_CODE_ADDR;

    memset(out, 0, sizeof(*out));
    if (sigsetjmp(fault_jump, 0) == 0) {
        code_running = 1;
        dt_native_enter();
        code_running = 0;
        out->regs = dt_native_out;
        out->regs.rip = dt_case_end(c);
        out->vector = -1;
    } else {
        /* The handler kept the test's flags: AC (alignment checks) must not stay set. */
        __asm__ volatile("pushfq; andq %0, (%%rsp); popfq" : : "i"(~0x40400) : "cc", "memory");
        *out = fault_outcome;
    }
    out->data = (const uint8_t *)(uintptr_t)DT_DATA_ADDR;
}

struct thread_call {
    int (*fn)(void *arg);
    void *arg;
    int result;
};

static void *thread_main(void *p)
{
    struct thread_call *call = p;
    call->result = call->fn(call->arg);
    return NULL;
}

int native__on_test_thread(int (*fn)(void *arg), void *arg)
{
    struct thread_call call = {.fn = fn, .arg = arg, .result = 1};
    pthread_t thread;
    if (pthread_create(&thread, NULL, thread_main, &call)) {
        fprintf(stderr, "difftest: cannot start the test thread\n");
        return 1;
    }
    pthread_join(thread, NULL);
    return call.result;
}
