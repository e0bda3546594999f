// SPDX-License-Identifier: Apache-2.0
/* migrate.c - pre-copy live migration, both ends (see migrate.h). */
#include "board/migrate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "machine/dirty.h"
#include "state/channel.h"
#include "util/log.h"

#define MAX_ROUNDS     30
#define REPLY_TIMEOUT  60.0 /* seconds the source waits for "ok" or "ready" */
#define STREAM_TIMEOUT 60   /* seconds the destination waits for more of the stream */

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* The source's side of one migration. */
struct sender {
    struct vm *vm;
    int fd;
    struct state_io io;
    bool paused;     /* by its user: rounds do not resume it */
    bool we_paused;  /* paused by us right now */
    bool logging;    /* the dirty page log is on */
    uint64_t *dirty; /* the pages of the next round */
    size_t words;
    double paused_at; /* when we paused it last (ms) */
};

static void pause_vm(struct sender *s)
{
    if (!s->paused && !s->we_paused) {
        s->paused_at = now_ms();
        vm__pause(s->vm);
        s->we_paused = true;
    }
}

static void resume_vm(struct sender *s)
{
    if (s->we_paused) {
        vm__resume(s->vm);
        s->we_paused = false;
    }
}

/* The destination's answer: 0 for `want`, else err says what it said or why there was none. */
static int expect_reply(struct sender *s, const char *want, struct err *err)
{
    char line[600];
    struct err why;
    if (channel__read_line(s->fd, line, sizeof(line), REPLY_TIMEOUT, &why))
        return err__set(err, "the destination did not answer: %s", why.msg);
    if (!strcmp(line, want))
        return 0;
    if (!strncmp(line, "error ", 6))
        return err__set(err, "the destination refused: %s", line + 6);
    return err__set(err, "the destination answered '%.64s': not a strata migration", line);
}

/* After a failed write: the destination may have said why it stopped reading. */
static void explain_write_error(struct sender *s, struct err *err)
{
    char line[600];
    struct err ignored;
    if (!channel__read_line(s->fd, line, sizeof(line), 1.0, &ignored) &&
        !strncmp(line, "error ", 6))
        err__set(err, "the destination refused: %s", line + 6);
}

/* With the vCPUs paused: the pages written since the last take, into s->dirty. */
static int take_dirty(struct sender *s, uint64_t *pages, struct err *err)
{
    struct machine *m = &s->vm->machine;
    if (m->engine->dirty_log(m, ENGINE_DIRTY_SYNC, err))
        return -1;
    *pages += guest_dirty__take(&m->mem, s->dirty);
    return 0;
}

static int start_log(struct sender *s, struct err *err)
{
    struct machine *m = &s->vm->machine;
    if (!m->engine->dirty_log)
        return err__set(err, "the %s engine cannot track dirty pages", m->engine->name);
    if (!(s->dirty = calloc(s->words ? s->words : 1, sizeof(uint64_t))))
        return err__set(err, "out of memory for the dirty page log");
    pause_vm(s);
    int rc = guest_dirty__start(&m->mem, err);
    if (!rc && (rc = m->engine->dirty_log(m, ENGINE_DIRTY_START, err)))
        guest_dirty__stop(&m->mem);
    s->logging = !rc;
    resume_vm(s);
    return rc;
}

static void stop_log(struct sender *s)
{
    struct machine *m = &s->vm->machine;
    if (!s->logging)
        return;
    struct err ignored;
    pause_vm(s);
    if (m->engine->dirty_log(m, ENGINE_DIRTY_STOP, &ignored))
        log__msg("migrate: %s", ignored.msg);
    guest_dirty__stop(&m->mem);
    s->logging = false;
}

/* One live round: sends the pages in s->dirty (all non-zero pages when first). */
static int live_round(struct sender *s, bool first, struct migrate_stats *st, struct err *err)
{
    struct state_ram_stats ram = {0};
    uint64_t before = s->io.offset;
    double t0 = now_ms();
    if (state__write_ram(&s->io, &s->vm->machine.mem, first ? NULL : s->dirty, &ram, err))
        return -1;
    double ms = now_ms() - t0;
    memset(s->dirty, 0, s->words * sizeof(uint64_t));
    st->pages += ram.pages;
    st->iterations++;
    if (ms > 0.5 && s->io.offset - before > (1u << 20))
        st->bandwidth_mbs = (double)(s->io.offset - before) / 1e3 / ms;
    return 0;
}

/* Paused: the device state (devices finish their requests first), the last dirty pages, END. */
static int last_round(struct sender *s, struct migrate_stats *st, struct err *err)
{
    struct state_ram_stats ram = {0};
    uint64_t pages = 0;
    if (vm_snapshot__write_state(s->vm, &s->io, err) || take_dirty(s, &pages, err) ||
        state__write_ram(&s->io, &s->vm->machine.mem, s->dirty, &ram, err) ||
        state__write_section(&s->io, STATE_SECTION_END, NULL, 0, err))
        return -1;
    st->pages += ram.pages;
    st->last_pages = ram.pages + ram.zero_pages;
    st->iterations++;
    return 0;
}

/* Rounds until the rest fits the budget; returns with the vCPUs paused for the last one. */
static int precopy(struct sender *s, unsigned downtime_ms, struct migrate_stats *st,
                   struct err *err)
{
    if (live_round(s, true, st, err))
        return -1;
    uint64_t previous = UINT64_MAX;
    for (unsigned round = 1;; round++) {
        uint64_t pages = 0;
        pause_vm(s);
        if (machine__stopped(&s->vm->machine))
            return err__set(err, "the vm ended during the migration");
        if (take_dirty(s, &pages, err))
            return -1;
        double bw = st->bandwidth_mbs > 0 ? st->bandwidth_mbs : 100.0; /* MB/s */
        double estimate_ms = (double)pages * STATE_PAGE / 1e3 / bw;
        /* half the budget for the pages: the device state and the hand-over take the rest */
        if (estimate_ms <= downtime_ms / 2.0 || round >= MAX_ROUNDS ||
            (round >= 8 && pages >= previous))
            return 0;
        previous = pages;
        resume_vm(s);
        if (live_round(s, false, st, err))
            return -1;
    }
}

int vm_migrate__send(struct vm *vm, const struct snapshot_config *sc, const char *uri,
                     unsigned downtime_ms, bool paused, struct migrate_stats *st, struct err *err)
{
    memset(st, 0, sizeof(*st));
    double t0 = now_ms();
    struct sender s = {
        .vm = vm,
        .paused = paused,
        .words = (guest_dirty__pages(&vm->machine.mem) + 63) / 64,
    };
    if ((s.fd = channel__connect(uri, 10.0, err)) < 0)
        return -1;
    s.io = (struct state_io){.fd = s.fd, .what = "the migration stream", .socket = true};
    int rc = -1;
    if (state__write_header(&s.io, err) || vm_snapshot__write_config(sc, &s.io, err) ||
        expect_reply(&s, "ok", err) || start_log(&s, err))
        goto out;
    if (precopy(&s, downtime_ms, st, err))
        goto written;
    if (s.paused) /* by its user: the downtime is what the last round takes */
        s.paused_at = now_ms();
    if (last_round(&s, st, err))
        goto written;
    if (expect_reply(&s, "ready", err) || channel__send_line(s.fd, "go", err))
        goto out;
    rc = 0;
    st->downtime_ms = now_ms() - s.paused_at;
    goto out;
written:
    explain_write_error(&s, err);
out:
    st->bytes = s.io.offset;
    st->total_ms = now_ms() - t0;
    if (rc) {
        stop_log(&s);
        resume_vm(&s);
    } else {
        machine__stop(&vm->machine, MACHINE_STOP_MIGRATED, 0);
        resume_vm(&s); /* the vCPU threads see the stop and end */
    }
    free(s.dirty);
    close(s.fd);
    return rc;
}

/* --- the destination ---------------------------------------------------------------------- */

static int say_ok(void *opaque, struct err *err)
{
    return channel__send_line(*(int *)opaque, "ok", err);
}

struct vm *vm_migrate__receive(const char *uri, struct vm_config *cfg, struct snapshot_config *sc,
                               struct err *err)
{
    char bound[300];
    int lfd = channel__listen(uri, bound, sizeof(bound), err);
    if (lfd < 0)
        return NULL;
    log__msg("waiting for a migration on %s", bound);
    int fd = channel__accept(lfd, err);
    if (fd < 0)
        return NULL;
    struct timeval tv = {.tv_sec = STREAM_TIMEOUT};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct state_io io = {.fd = fd, .what = "the migration stream", .socket = true};
    struct vm *vm = vm_snapshot__read(&io, cfg, sc, say_ok, &fd, err);
    char line[600];
    if (!vm) {
        snprintf(line, sizeof(line), "error %s", err->msg);
        struct err ignored;
        channel__send_line(fd, line, &ignored);
        shutdown(fd, SHUT_WR);
    } else {
        struct err why = {{0}};
        if (channel__send_line(fd, "ready", &why) ||
            channel__read_line(fd, line, sizeof(line), REPLY_TIMEOUT, &why) || strcmp(line, "go")) {
            err__set(err, "the source did not hand the vm over: %s",
                     why.msg[0] ? why.msg : "no go");
            vm__destroy(vm);
            vm = NULL;
        }
    }
    close(fd);
    return vm;
}
