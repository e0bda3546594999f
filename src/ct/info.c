// SPDX-License-Identifier: Apache-2.0
/* info.c - a container's status and its `strata ls` entry; see info.h. */
#include "ct/info.h"

#include <json-c/json.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "ct/container.h"
#include "ct/fmt.h"

void ct_info__status_text(const char *dir, const struct ct_state *st,
                          const struct ct_cgroup_stats *cs, char *out, size_t size)
{
    enum ct_status s = ct_state__status(dir, st);
    bool oom = cs && cs->oom_kills != UINT64_MAX && cs->oom_kills > 0;
    if (s != CT_STATUS_STOPPED) {
        ct_fmt(out, size, "%s%s", ct_state__status_name(s), oom ? " (oom kills inside)" : "");
        return;
    }
    struct ct_exit ex;
    ct_state__read_exit(dir, &ex);
    if (!ex.known) {
        ct_fmt(out, size, "stopped%s", oom ? ", oom-killed" : "");
    } else if (WIFSIGNALED(ex.wait_status)) {
        const char *sig = sigabbrev_np(WTERMSIG(ex.wait_status));
        ct_fmt(out, size, "%s (SIG%s)",
               oom && WTERMSIG(ex.wait_status) == SIGKILL ? "oom-killed" : "killed",
               sig ? sig : "?");
    } else {
        ct_fmt(out, size, "exited %d%s", WEXITSTATUS(ex.wait_status),
               oom ? ", oom kills inside" : "");
    }
}

void *ct_info__object(const char *root, const char *id)
{
    char dir[PATH_MAX], status[96];
    struct ct_state st;
    if (ct_container__load(root, id, dir, sizeof(dir), &st, NULL, NULL))
        return NULL;
    struct ct_cgroup cg;
    ct_container__cgroup_of(&st, &cg);
    struct ct_cgroup_stats cs;
    bool have = st.cgroup_path[0] && ct_cgroup__stats(&cg, &cs, NULL) == 0;
    ct_info__status_text(dir, &st, have ? &cs : NULL, status, sizeof(status));
    bool live = ct_state__status(dir, &st) != CT_STATUS_STOPPED;
    if (live && ct_cgroup__frozen(&cg))
        ct_fmt(status, sizeof(status), "paused");
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(id));
    json_object_object_add(o, "type", json_object_new_string("ct"));
    json_object_object_add(o, "engine", json_object_new_string("-"));
    json_object_object_add(o, "state", json_object_new_string(status));
    json_object_object_add(o, "pid", json_object_new_int(live ? st.pid : 0));
    if (have && cs.mem_limit != UINT64_MAX)
        json_object_object_add(o, "memory", json_object_new_int64((int64_t)cs.mem_limit));
    if (have && cs.mem_usage != UINT64_MAX)
        json_object_object_add(o, "memory_used", json_object_new_int64((int64_t)cs.mem_usage));
    if (have && cs.oom_kills != UINT64_MAX)
        json_object_object_add(o, "oom_kills", json_object_new_int64((int64_t)cs.oom_kills));
    json_object_object_add(o, "created", json_object_new_string(st.created));
    return o;
}

void ct_info__append_all(const char *root, void *array)
{
    char **ids;
    size_t n;
    if (ct_state__list(root, &ids, &n, NULL))
        return;
    for (size_t i = 0; i < n; i++) {
        json_object *o = ct_info__object(root, ids[i]);
        if (o)
            json_object_array_add(array, o);
        free(ids[i]);
    }
    free(ids);
}
