// SPDX-License-Identifier: Apache-2.0
/*
 * codeshare.c - the per-page holder words, epochs and inboxes that keep
 * every vCPU's decoded blocks in step with stores from any vCPU (see
 * codeshare.h for the protocol and why it is correct).
 */
#include "cpu/emu/codeshare.h"

#include <stdlib.h>

#include "cpu/emu/codecache.h"
#include "cpu/emu/mem.h"
#include "cpu/emu/tlb.h"
#include "machine/machine.h"

#define HOLDERS(w) ((uint32_t)(w))
#define EPOCH(w)   ((uint32_t)((w) >> 32))

static struct codeshare_cpu *self(const struct emu_cpu *cpu)
{
    return &cpu->share->cpus[cpu->vcpu->index];
}

static uint32_t self_bit(const struct emu_cpu *cpu)
{
    return 1u << cpu->vcpu->index;
}

static _Atomic uint64_t *page_word(const struct emu_cpu *cpu, uint64_t ppage)
{
    uint64_t n = ppage >> 12;
    return n < cpu->share->npages ? &cpu->share->pages[n] : NULL;
}

static struct emu_codeshare *create(struct machine *m, struct err *err)
{
    struct emu_codeshare *s = calloc(1, sizeof(*s));
    if (!s) {
        err__set(err, "emu: out of memory for the code-page table");
        return NULL;
    }
    uint64_t end = 0;
    for (unsigned k = 0; k < m->mem.nslots; k++)
        if (m->mem.slots[k].gpa + m->mem.slots[k].size > end)
            end = m->mem.slots[k].gpa + m->mem.slots[k].size;
    s->npages = end >> 12;
    s->pages = calloc(s->npages ? s->npages : 1, sizeof(*s->pages));
    if (!s->pages) {
        free(s);
        err__set(err, "emu: out of memory for the code-page table");
        return NULL;
    }
    atomic_init(&s->epoch, 1);
    for (unsigned k = 0; k < CODESHARE_MAX_CPUS; k++)
        pthread_mutex_init(&s->cpus[k].lock, NULL);
    return s;
}

/* The page joins the holders, and its epoch is judged, before its bytes are read. */
static bool hold(struct emu_cpu *cpu, uint64_t ppage)
{
    emu_codeshare_mark(cpu, ppage);
    return emu_codeshare_settled(cpu, ppage);
}

static bool has_code(const struct emu_cpu *cpu, uint64_t ppage)
{
    return emu_codeshare_has_code(cpu, ppage);
}

static const struct emu_code_holders codeshare_holders = {
    .hold = hold, .release = emu_codeshare_unmark, .has_code = has_code};

int emu_codeshare_attach(struct emu_cpu *cpu, struct err *err)
{
    struct machine *m = cpu->m;
    unsigned index = cpu->vcpu->index;
    if (index >= CODESHARE_MAX_CPUS)
        return err__set(err, "emu: at most %d vcpus", CODESHARE_MAX_CPUS);
    struct emu_cpu *first = index ? m->vcpus[0].engine : NULL;
    struct emu_codeshare *s = first ? first->share : create(m, err);
    if (!s)
        return -1;
    atomic_fetch_add(&s->refs, 1);
    cpu->share = s;
    struct codeshare_cpu *c = &s->cpus[index];
    c->cpu = cpu;
    atomic_store(&c->acked, 0);
    atomic_store(&c->running, false);
    emu_code_set_holders(cpu, &codeshare_holders);
    return 0;
}

void emu_codeshare_detach(struct emu_cpu *cpu)
{
    struct emu_codeshare *s = cpu->share;
    if (!s)
        return;
    cpu->share = NULL;
    if (cpu->code)
        emu_code_set_holders(cpu, NULL);
    if (atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    for (unsigned k = 0; k < CODESHARE_MAX_CPUS; k++)
        pthread_mutex_destroy(&s->cpus[k].lock);
    free(s->pages);
    free(s);
}

bool emu_codeshare_has_code(const struct emu_cpu *cpu, uint64_t ppage)
{
    _Atomic uint64_t *w = page_word(cpu, ppage);
    return w && HOLDERS(atomic_load_explicit(w, memory_order_acquire));
}

/* Asks every other running vCPU to re-protect its TLB at its next block boundary. */
static void ask_to_reprotect(struct emu_cpu *cpu)
{
    struct emu_codeshare *s = cpu->share;
    for (unsigned k = 0; k < CODESHARE_MAX_CPUS; k++) {
        struct codeshare_cpu *c = &s->cpus[k];
        if (!c->cpu || c->cpu == cpu || !atomic_load(&c->running))
            continue;
        atomic_store(&c->pending, true);
        atomic_store(&c->cpu->exit_request, true);
    }
}

void emu_codeshare_mark(struct emu_cpu *cpu, uint64_t ppage)
{
    _Atomic uint64_t *w = page_word(cpu, ppage);
    if (!w)
        return;
    uint32_t bit = self_bit(cpu);
    uint64_t old = atomic_load(w), new;
    do {
        if (HOLDERS(old) & bit)
            return;
        new = HOLDERS(old) ? old | bit : (uint64_t)CODESHARE_EPOCH_PENDING << 32 | bit;
    } while (!atomic_compare_exchange_weak(w, &old, new));
    if (HOLDERS(old))
        return;
    /*
     * First holder: the epoch is taken after the word is marked, so a vCPU
     * that acknowledges it has rescanned its TLB after the mark.
     */
    uint32_t epoch = atomic_fetch_add(&cpu->share->epoch, 1) + 1;
    uint64_t cur = new;
    while (EPOCH(cur) == CODESHARE_EPOCH_PENDING && (HOLDERS(cur) & bit) &&
           !atomic_compare_exchange_weak(w, &cur, (uint64_t)epoch << 32 | HOLDERS(cur)))
        ;
    ask_to_reprotect(cpu);
}

bool emu_codeshare_unmark(struct emu_cpu *cpu, uint64_t ppage)
{
    _Atomic uint64_t *w = page_word(cpu, ppage);
    if (!w)
        return true;
    uint32_t bit = self_bit(cpu);
    uint64_t old = atomic_load(w), new;
    do {
        new = HOLDERS(old) == bit ? 0 : old & ~(uint64_t)bit;
    } while (!atomic_compare_exchange_weak(w, &old, new));
    return HOLDERS(new) == 0;
}

bool emu_codeshare_settled(struct emu_cpu *cpu, uint64_t ppage)
{
    _Atomic uint64_t *w = page_word(cpu, ppage);
    if (!w)
        return true;
    uint64_t word = atomic_load_explicit(w, memory_order_acquire);
    uint32_t epoch = EPOCH(word);
    struct emu_codeshare *s = cpu->share;
    for (unsigned k = 0; k < CODESHARE_MAX_CPUS; k++) {
        struct codeshare_cpu *c = &s->cpus[k];
        if (!c->cpu || c->cpu == cpu || (HOLDERS(word) >> k) & 1 || !atomic_load(&c->running))
            continue; /* a holder protects the page since it marked it */
        if (epoch == CODESHARE_EPOCH_PENDING || atomic_load(&c->acked) < epoch)
            return false;
    }
    return true;
}

static void post(struct codeshare_cpu *c, uint64_t ppage)
{
    pthread_mutex_lock(&c->lock);
    if (c->ninbox && c->inbox[c->ninbox - 1] == ppage) {
        /* already waiting: the holder re-reads the page when it kills its blocks */
    } else if (c->ninbox < CODESHARE_INBOX) {
        c->inbox[c->ninbox++] = ppage;
    } else {
        c->overflow = true;
    }
    pthread_mutex_unlock(&c->lock);
    atomic_store(&c->pending, true);
    atomic_store(&c->cpu->exit_request, true);
}

void emu_codeshare_written(struct emu_cpu *cpu, uint64_t ppage)
{
    _Atomic uint64_t *w = page_word(cpu, ppage);
    if (!w)
        return;
    atomic_thread_fence(memory_order_seq_cst); /* the store before the holder set */
    uint32_t bit = self_bit(cpu), others;
    uint64_t old = atomic_load(w), new;
    do {
        others = HOLDERS(old) & ~bit;
        if (!others)
            break;
        new = (HOLDERS(old) & bit) ? old & ~(uint64_t)others : 0;
    } while (!atomic_compare_exchange_weak(w, &old, new));
    /*
     * The other holders' blocks are condemned: they kill them at their next
     * block boundary, whatever is stored meanwhile, and decode afresh.
     */
    for (unsigned k = 0; others >> k; k++)
        if (((others >> k) & 1) && cpu->share->cpus[k].cpu)
            post(&cpu->share->cpus[k], ppage);
    if (!emu_codeshare_has_code(cpu, ppage))
        emu_tlb_unprotect_code(cpu, ppage); /* the stores that follow take the fast path */
}

void emu_codeshare_device_written(struct emu_codeshare *s, uint64_t gpa, uint64_t len)
{
    if (!len || gpa + len - 1 < gpa)
        return;
    atomic_thread_fence(memory_order_seq_cst); /* the device's stores before the holder sets */
    for (uint64_t n = gpa >> 12; n <= (gpa + len - 1) >> 12 && n < s->npages; n++) {
        uint32_t holders = HOLDERS(atomic_exchange(&s->pages[n], 0));
        for (unsigned k = 0; holders >> k; k++)
            if (((holders >> k) & 1) && s->cpus[k].cpu)
                post(&s->cpus[k], n << 12);
    }
}

/* Sets TLB_CODE on every writable entry of a page that any vCPU holds code from. */
static void reprotect_tlb(struct emu_cpu *cpu)
{
    for (unsigned idx = 0; idx < EMU_NR_MMU; idx++)
        for (unsigned k = 0; k < TLB_ENTRIES; k++) {
            struct emu_tlb_entry *e = &cpu->tlb[idx][k];
            if (!(e->tag_write & (TLB_INVALID | TLB_MMIO | TLB_CODE)) &&
                emu_codeshare_has_code(cpu, e->ppage))
                e->tag_write |= TLB_CODE;
        }
}

void emu_codeshare_sync(struct emu_cpu *cpu)
{
    struct codeshare_cpu *c = self(cpu);
    atomic_store(&c->pending, false);
    uint32_t epoch = atomic_load(&cpu->share->epoch);
    if (epoch != atomic_load_explicit(&c->acked, memory_order_relaxed)) {
        reprotect_tlb(cpu);
        atomic_store(&c->acked, epoch);
    }

    uint64_t pages[CODESHARE_INBOX];
    pthread_mutex_lock(&c->lock);
    unsigned n = c->ninbox;
    bool overflow = c->overflow;
    memcpy(pages, c->inbox, n * sizeof(pages[0]));
    c->ninbox = 0;
    c->overflow = false;
    pthread_mutex_unlock(&c->lock);
    if (overflow) {
        emu_code_flush_all(cpu);
        return;
    }
    for (unsigned k = 0; k < n; k++)
        emu_code_invalidate_page(cpu, pages[k]);
}

void emu_codeshare_enter(struct emu_cpu *cpu)
{
    atomic_store(&self(cpu)->running, true);
    emu_codeshare_sync(cpu);
}

void emu_codeshare_leave(struct emu_cpu *cpu)
{
    atomic_store(&self(cpu)->running, false);
}
