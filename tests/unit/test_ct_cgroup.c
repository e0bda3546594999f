// SPDX-License-Identifier: Apache-2.0
/*
 * test_ct_cgroup.c - unit tests for a container's cgroup (src/ct/cgroup.c)
 * against fake cgroupfs trees of plain files in a temporary directory: the
 * v2 unified hierarchy (Documentation/admin-guide/cgroup-v2.rst: memory.max,
 * memory.swap.max, pids.max, cpu.max, cpu.weight, io.weight, cgroup.procs,
 * cgroup.subtree_control, cgroup.freeze and cgroup.events, the counters of
 * memory.events, pids.events, cpu.stat) and the v1 hierarchies (memory
 * oom_control, freezer.state) — what is written where, and what is read
 * back from the kernel's formats. A real cgroupfs creates the files of a
 * new cgroup itself; here they are made beforehand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ct/cgroup.h"

static char root[256];

static void put(const char *rel, const char *text)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
        *s = 0;
        mkdir(p, 0755);
        *s = '/';
    }
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *get(const char *rel)
{
    static char buf[256];
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

static void rm(const char *rel)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    assert_int_equal(unlink(p), 0);
}

static int make_root(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/strata-cgroup-test.XXXXXX");
    assert_non_null(mkdtemp(root));
    return 0;
}

static int remove_root(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static struct ct_resources no_limits(void)
{
    return (struct ct_resources){.memory_limit = -1,
                                 .memory_swap = -1,
                                 .memory_reservation = -1,
                                 .memory_swappiness = -1,
                                 .cpu_quota = -1,
                                 .pids_limit = -1};
}

/* A v2 tree whose root offers CONTROLLERS and whose cgroup /strata/web has the limit files. */
static void v2_tree(const char *controllers)
{
    put("cgroup.controllers", controllers);
    put("cgroup.subtree_control", "");
    put("strata/cgroup.controllers", controllers);
    put("strata/cgroup.subtree_control", "");
    const char *files[] = {"memory.max", "memory.swap.max", "memory.low",
                           "pids.max",   "cpu.max",         "cpu.weight",
                           "io.weight",  "cgroup.procs",    "cgroup.freeze"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char rel[64];
        snprintf(rel, sizeof(rel), "strata/web/%s", files[i]);
        put(rel, "");
    }
    ct_cgroup__set_root(root, true);
}

static void v2_limits_written(void **state)
{
    (void)state;
    v2_tree("cpuset cpu io memory pids");
    struct ct_cgroup cg;
    assert_int_equal(ct_cgroup__init(&cg, NULL, "web", NULL), 0);
    assert_true(cg.v2);
    assert_string_equal(cg.path, "/strata/web");
    struct ct_resources r = no_limits();
    r.memory_limit = 64 << 20;
    r.memory_swap = 96 << 20; /* OCI's memory+swap: v2 takes the swap alone */
    r.pids_limit = 20;
    r.cpu_quota = 50000;
    r.cpu_period = 100000;
    r.cpu_shares = 1024;
    r.blkio_weight = 500;
    struct err err;
    assert_int_equal(ct_cgroup__create(&cg, &r, NULL, 0, &err), 0);
    assert_string_equal(get("strata/web/memory.max"), "67108864");
    assert_string_equal(get("strata/web/memory.swap.max"), "33554432");
    assert_string_equal(get("strata/web/pids.max"), "20");
    assert_string_equal(get("strata/web/cpu.max"), "50000 100000");
    assert_string_equal(get("strata/web/cpu.weight"), "39"); /* runc's shares -> weight */
    assert_string_equal(get("strata/web/io.weight"), "default 500");
    /* each parent hands its controllers down, the last being cpuset */
    assert_string_equal(get("cgroup.subtree_control"), "+cpuset");
    assert_string_equal(get("strata/cgroup.subtree_control"), "+cpuset");
    assert_int_equal(ct_cgroup__attach(&cg, 4242, &err), 0);
    assert_string_equal(get("strata/web/cgroup.procs"), "4242");
}

static void v2_only_available_controllers(void **state)
{
    (void)state;
    v2_tree("memory pids"); /* cpu and io bound elsewhere (a v1 hierarchy) */
    struct ct_cgroup cg;
    assert_int_equal(ct_cgroup__init(&cg, NULL, "web", NULL), 0);
    struct ct_resources r = no_limits();
    r.pids_limit = 0; /* OCI: 0 or less is unlimited */
    assert_int_equal(ct_cgroup__create(&cg, &r, NULL, 0, NULL), 0);
    assert_string_equal(get("cgroup.subtree_control"), "+pids");
    assert_string_equal(get("strata/web/pids.max"), "max");
    assert_string_equal(get("strata/web/memory.max"), ""); /* untouched */
}

static void v2_refusals(void **state)
{
    (void)state;
    v2_tree("memory pids");
    struct ct_cgroup cg;
    assert_int_equal(ct_cgroup__init(&cg, NULL, "web", NULL), 0);
    struct err err;
    struct ct_resources r = no_limits();
    r.disable_oom_killer = true;
    assert_int_equal(ct_cgroup__create(&cg, &r, NULL, 0, &err), -1);
    assert_non_null(strstr(err.msg, "v2 has no per-cgroup swappiness or OOM-killer switch"));
    r = no_limits();
    r.blkio_weight = 100;
    rm("strata/web/io.weight");
    assert_int_equal(ct_cgroup__create(&cg, &r, NULL, 0, &err), -1);
    assert_non_null(strstr(err.msg, "no io.weight here"));
    r = no_limits();
    r.memory_limit = 1 << 20;
    rm("strata/web/memory.max");
    assert_int_equal(ct_cgroup__create(&cg, &r, NULL, 0, &err), -1);
    assert_non_null(strstr(err.msg, "memory.max"));
    assert_int_equal(ct_cgroup__init(&cg, "system.slice:strata:web", "web", &err), -1);
    assert_non_null(strstr(err.msg, "systemd cgroup path"));
}

static void v2_stats_read(void **state)
{
    (void)state;
    v2_tree("cpu io memory pids");
    put("strata/web/memory.current", "1234567\n");
    put("strata/web/memory.peak", "2345678\n");
    put("strata/web/memory.max", "max\n");
    put("strata/web/memory.events", "low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\n");
    put("strata/web/pids.current", "5\n");
    put("strata/web/pids.max", "20\n");
    put("strata/web/pids.events", "max 7\n");
    put("strata/web/cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
    put("strata/web/cpu.max", "max 100000\n");
    put("strata/web/cpu.weight", "100\n");
    put("strata/web/io.weight", "default 300\n8:0 200\n");
    struct ct_cgroup cg;
    assert_int_equal(ct_cgroup__init(&cg, NULL, "web", NULL), 0);
    struct ct_cgroup_stats st;
    assert_int_equal(ct_cgroup__stats(&cg, &st, NULL), 0);
    assert_int_equal(st.mem_usage, 1234567);
    assert_int_equal(st.mem_max_usage, 2345678);
    assert_true(st.mem_limit == UINT64_MAX);
    assert_int_equal(st.oom_kills, 2); /* oom_kill, not oom */
    assert_int_equal(st.pids_current, 5);
    assert_int_equal(st.pids_limit, 20);
    assert_int_equal(st.pids_refused, 7);
    assert_int_equal(st.cpu_usage_ns, 1500000);
    assert_true(st.cpu_quota_us == UINT64_MAX);
    assert_int_equal(st.cpu_period_us, 100000);
    assert_int_equal(st.cpu_weight, 100);
    assert_int_equal(st.io_weight, 300);
    put("strata/web/cgroup.procs", "12\n34\n56\n");
    pid_t *pids;
    size_t n;
    assert_int_equal(ct_cgroup__pids(&cg, &pids, &n, NULL), 0);
    assert_int_equal(n, 3);
    assert_int_equal(pids[2], 56);
    free(pids);
}

static void v2_freeze(void **state)
{
    (void)state;
    v2_tree("memory");
    struct ct_cgroup cg;
    assert_int_equal(ct_cgroup__init(&cg, NULL, "web", NULL), 0);
    put("strata/web/cgroup.events", "populated 1\nfrozen 0\n");
    assert_false(ct_cgroup__frozen(&cg));
    struct err err;
    /* the kernel never reports it frozen: an error after a second, not a hang */
    assert_int_equal(ct_cgroup__freeze(&cg, true, &err), -1);
    assert_non_null(strstr(err.msg, "did not freeze"));
    assert_string_equal(get("strata/web/cgroup.freeze"), "1");
    put("strata/web/cgroup.events", "populated 1\nfrozen 1\n");
    assert_int_equal(ct_cgroup__freeze(&cg, true, &err), 0);
    assert_true(ct_cgroup__frozen(&cg));
    put("strata/web/cgroup.events", "populated 1\nfrozen 0\n");
    assert_int_equal(ct_cgroup__freeze(&cg, false, &err), 0);
    assert_string_equal(get("strata/web/cgroup.freeze"), "0");
}

static void v1_stats_and_freezer(void **state)
{
    (void)state;
    const char *ctls[] = {"memory", "pids", "freezer"};
    for (size_t i = 0; i < 3; i++) {
        char rel[64];
        snprintf(rel, sizeof(rel), "%s/cgroup.procs", ctls[i]);
        put(rel, "");
    }
    put("memory/strata/web/memory.usage_in_bytes", "4096\n");
    put("memory/strata/web/memory.limit_in_bytes", "9223372036854771712\n");
    put("memory/strata/web/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n");
    put("pids/strata/web/pids.max", "max\n");
    put("pids/strata/web/pids.events", "max 0\n");
    put("freezer/strata/web/freezer.state", "THAWED\n");
    ct_cgroup__set_root(root, false);
    struct ct_cgroup cg;
    assert_int_equal(ct_cgroup__init(&cg, NULL, "web", NULL), 0);
    assert_false(cg.v2);
    struct ct_cgroup_stats st;
    assert_int_equal(ct_cgroup__stats(&cg, &st, NULL), 0);
    assert_int_equal(st.mem_usage, 4096);
    assert_true(st.mem_limit == UINT64_MAX); /* v1's "unlimited" */
    assert_int_equal(st.oom_kills, 4);
    assert_true(st.pids_limit == UINT64_MAX);
    assert_int_equal(st.pids_refused, 0);
    assert_false(ct_cgroup__frozen(&cg));
    /* a fake file keeps what was written: FROZEN reads back at once */
    assert_int_equal(ct_cgroup__freeze(&cg, true, NULL), 0);
    assert_string_equal(get("freezer/strata/web/freezer.state"), "FROZEN");
    assert_true(ct_cgroup__frozen(&cg));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(v2_limits_written, make_root, remove_root),
        cmocka_unit_test_setup_teardown(v2_only_available_controllers, make_root, remove_root),
        cmocka_unit_test_setup_teardown(v2_refusals, make_root, remove_root),
        cmocka_unit_test_setup_teardown(v2_stats_read, make_root, remove_root),
        cmocka_unit_test_setup_teardown(v2_freeze, make_root, remove_root),
        cmocka_unit_test_setup_teardown(v1_stats_and_freezer, make_root, remove_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
