// SPDX-License-Identifier: Apache-2.0
/*
 * test_ct_spec.c - unit tests for config.json parsing (src/ct/spec_parse.c),
 * the default configuration (src/ct/spec_default.c) and container names
 * (src/ct/state.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "ct/spec.h"
#include "ct/spec_default.h"
#include "ct/state.h"

static const char *full_config =
    "{\"ociVersion\": \"1.0.2\","
    " \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
    " \"hostname\": \"h1\","
    " \"process\": {\"terminal\": false, \"user\": {\"uid\": 5, \"gid\": 6, \"additionalGids\": "
    "[7]},"
    "   \"args\": [\"sh\", \"-c\", \"true\"], \"env\": [\"PATH=/bin\"], \"cwd\": \"/tmp\","
    "   \"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_CHOWN\"], \"ambient\": "
    "[\"CAP_KILL\"]},"
    "   \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 100, \"soft\": 50}],"
    "   \"noNewPrivileges\": true, \"oomScoreAdj\": 100},"
    " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
    "   {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
    "    \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},"
    "   {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"/srv\","
    "    \"options\": [\"rbind\", \"ro\", \"rslave\"]}],"
    " \"hooks\": {\"prestart\": [{\"path\": \"/bin/hook\", \"args\": [\"hook\", \"x\"], "
    "\"timeout\": 5}]},"
    " \"annotations\": {\"a\": \"b\"},"
    " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\", \"path\": "
    "\"/run/netns/x\"},"
    "     {\"type\": \"user\"}, {\"type\": \"mount\"}],"
    "   \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],"
    "   \"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],"
    "   \"devices\": [{\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229,"
    "      \"fileMode\": 438, \"uid\": 0}],"
    "   \"resources\": {\"memory\": {\"limit\": 67108864, \"swappiness\": 10,"
    "      \"disableOOMKiller\": true}, \"pids\": {\"limit\": 20},"
    "     \"cpu\": {\"quota\": 50000, \"period\": 100000, \"shares\": 512},"
    "     \"blockIO\": {\"weight\": 300},"
    "     \"devices\": [{\"allow\": false, \"access\": \"rwm\"}, {\"allow\": true, \"type\": \"c\","
    "        \"major\": 1, \"minor\": 3, \"access\": \"rw\"}]},"
    "   \"cgroupsPath\": \"/x/y\", \"rootfsPropagation\": \"rprivate\","
    "   \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"},"
    "   \"maskedPaths\": [\"/proc/kcore\"], \"readonlyPaths\": [\"/proc/sys\"],"
    "   \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,"
    "     \"architectures\": [\"SCMP_ARCH_X86_64\"],"
    "     \"syscalls\": [{\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},"
    "       {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\","
    "        \"args\": [{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]}]}}}";

static void parses_everything(void **state)
{
    (void)state;
    struct ct_spec s;
    struct err err;
    assert_int_equal(ct_spec__parse(&s, full_config, &err), 0);
    assert_string_equal(s.root_path, "rootfs");
    assert_true(s.root_readonly);
    assert_string_equal(s.hostname, "h1");
    assert_int_equal(s.process.uid, 5);
    assert_int_equal(s.process.gid, 6);
    assert_int_equal(s.process.n_additional_gids, 1);
    assert_string_equal(s.process.args[2], "true");
    assert_null(s.process.args[3]);
    assert_string_equal(s.process.cwd, "/tmp");
    assert_true(s.process.has_caps);
    assert_int_equal(s.process.caps[CT_CAP_BOUNDING], (1ull << CAP_KILL) | (1ull << CAP_CHOWN));
    assert_int_equal(s.process.caps[CT_CAP_AMBIENT], 1ull << CAP_KILL);
    assert_int_equal(s.process.caps[CT_CAP_EFFECTIVE], 0);
    assert_int_equal(s.process.n_rlimits, 1);
    assert_int_equal(s.process.rlimits[0].resource, RLIMIT_NOFILE);
    assert_int_equal(s.process.rlimits[0].soft, 50);
    assert_true(s.process.no_new_privileges);
    assert_int_equal(s.process.oom_score_adj, 100);
    assert_int_equal(s.n_mounts, 3);
    assert_int_equal(s.mounts[1].flags, MS_NOSUID | MS_STRICTATIME);
    assert_string_equal(s.mounts[1].data, "mode=755,size=65536k");
    assert_true(s.mounts[2].bind);
    assert_int_equal(s.mounts[2].flags, MS_BIND | MS_REC | MS_RDONLY);
    assert_int_equal(s.mounts[2].propagation, MS_SLAVE | MS_REC);
    assert_true(s.ns[CT_NS_PID].wanted);
    assert_null(s.ns[CT_NS_PID].path);
    assert_string_equal(s.ns[CT_NS_NET].path, "/run/netns/x");
    assert_false(s.ns[CT_NS_UTS].wanted);
    assert_int_equal(s.n_uid_maps, 1);
    assert_int_equal(s.uid_maps[0].host_id, 100000);
    assert_int_equal(s.resources.memory_limit, 67108864);
    assert_int_equal(s.resources.memory_swappiness, 10);
    assert_true(s.resources.disable_oom_killer);
    assert_int_equal(s.n_devices, 1);
    assert_string_equal(s.devices[0].path, "/dev/fuse");
    assert_int_equal(s.devices[0].type, 'c');
    assert_int_equal(s.devices[0].minor, 229);
    assert_int_equal(s.devices[0].file_mode, 0666);
    assert_true(s.devices[0].has_uid);
    assert_false(s.devices[0].has_gid);
    assert_int_equal(s.resources.pids_limit, 20);
    assert_int_equal(s.resources.cpu_quota, 50000);
    assert_int_equal(s.resources.cpu_shares, 512);
    assert_int_equal(s.resources.blkio_weight, 300);
    assert_int_equal(s.resources.n_devices, 2);
    assert_int_equal(s.resources.devices[1].type, 'c');
    assert_int_equal(s.resources.devices[1].minor, 3);
    assert_int_equal(s.resources.devices[0].major, -1);
    assert_string_equal(s.cgroups_path, "/x/y");
    assert_int_equal(s.rootfs_propagation, MS_PRIVATE | MS_REC);
    assert_int_equal(s.n_sysctls, 1);
    assert_string_equal(s.sysctls[0].key, "net.ipv4.ip_forward");
    assert_string_equal(s.masked_paths[0], "/proc/kcore");
    assert_non_null(s.seccomp);
    assert_int_equal(s.seccomp->default_action, CT_SECCOMP_ERRNO);
    assert_int_equal(s.seccomp->default_errno_ret, 38);
    assert_int_equal(s.seccomp->n_rules, 2);
    assert_int_equal(s.seccomp->rules[1].n_args, 1);
    assert_int_equal(s.seccomp->rules[1].args[0].value, 8);
    assert_int_equal(s.n_hooks[CT_HOOK_PRESTART], 1);
    assert_int_equal(s.hooks[CT_HOOK_PRESTART][0].timeout_s, 5);
    assert_string_equal(s.hooks[CT_HOOK_PRESTART][0].args[1], "x");
    assert_non_null(strstr(s.annotations_json, "\"a\""));
    ct_spec__free(&s);
}

static void expect_error(const char *json, const char *fragment)
{
    struct ct_spec s;
    struct err err;
    assert_int_equal(ct_spec__parse(&s, json, &err), -1);
    if (!strstr(err.msg, fragment))
        fail_msg("error '%s' does not mention '%s'", err.msg, fragment);
    ct_spec__free(&s);
}

#define MIN_HEAD "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"r\"}, "
#define MIN_PROC "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"}"

static void rejects_bad_configs(void **state)
{
    (void)state;
    expect_error("", "not JSON");
    expect_error("[1]", "not a JSON object");
    expect_error("{\"root\": {\"path\": \"r\"}, " MIN_PROC "}", "ociVersion");
    expect_error("{\"ociVersion\": \"1.0.2\", " MIN_PROC "}", "root.path");
    expect_error(MIN_HEAD "\"process\": {\"args\": []}}", "process.args");
    expect_error(MIN_HEAD "\"process\": {\"args\": [\"sh\"], \"cwd\": \"rel\"}}", "cwd");
    expect_error(MIN_HEAD "\"process\": {\"args\": [\"sh\"], \"capabilities\": "
                          "{\"bounding\": [\"CAP_NOPE\"]}}}",
                 "CAP_NOPE");
    expect_error(MIN_HEAD "\"process\": {\"args\": [\"sh\"], \"rlimits\": "
                          "[{\"type\": \"RLIMIT_X\", \"soft\": 1, \"hard\": 1}]}}",
                 "RLIMIT_X");
    expect_error(MIN_HEAD MIN_PROC ", \"linux\": {\"namespaces\": [{\"type\": \"time2\"}]}}",
                 "time2");
    expect_error(MIN_HEAD MIN_PROC ", \"linux\": {\"namespaces\": [{\"type\": \"user\"}]}}",
                 "uidMappings");
    expect_error(MIN_HEAD MIN_PROC ", \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, "
                                   "{\"type\": \"pid\"}]}}",
                 "twice");
    expect_error(MIN_HEAD MIN_PROC ", \"mounts\": [{\"destination\": \"rel\"}]}", "absolute");
    expect_error(MIN_HEAD MIN_PROC ", \"mounts\": [{\"destination\": \"/x\", \"type\": "
                                   "\"bind\"}]}",
                 "no source");
    expect_error(MIN_HEAD MIN_PROC ", \"linux\": {\"seccomp\": {\"defaultAction\": "
                                   "\"SCMP_ACT_NOPE\"}}}",
                 "SCMP_ACT_NOPE");
    expect_error(MIN_HEAD MIN_PROC ", \"linux\": {\"resources\": {\"blockIO\": {\"weight\": "
                                   "5}}}}",
                 "10 to 1000");
    expect_error(MIN_HEAD MIN_PROC ", \"hooks\": {\"poststop\": [{\"path\": \"rel\"}]}}",
                 "absolute");
    expect_error(MIN_HEAD MIN_PROC ", \"hostname\": 5}", "hostname");
    expect_error(MIN_HEAD MIN_PROC ", \"linux\": {\"devices\": [{\"path\": \"/etc/x\", "
                                   "\"type\": \"c\"}]}}",
                 "below /dev");
    expect_error(MIN_HEAD MIN_PROC ", \"linux\": {\"devices\": [{\"path\": \"/dev/x\", "
                                   "\"type\": \"z\"}]}}",
                 "c, b, u or p");
    expect_error(MIN_HEAD MIN_PROC ", \"linux\": {\"resources\": {\"memory\": "
                                   "{\"swappiness\": 200}}}}",
                 "swappiness");
}

static void default_config_parses(void **state)
{
    (void)state;
    const char *args[] = {"sleep", "1", NULL};
    struct ct_volume vol = {"/srv", "/data", true};
    struct ct_default_opts o = {.root_path = "/r",
                                .args = args,
                                .hostname = "box",
                                .ct = true,
                                .memory = 64 << 20,
                                .pids = 20,
                                .cpus_milli = 1500,
                                .io_weight = 100,
                                .volumes = &vol,
                                .n_volumes = 1};
    char *text = ct_spec__default_json(&o);
    struct ct_spec s;
    struct err err;
    assert_int_equal(ct_spec__parse(&s, text, &err), 0);
    free(text);
    assert_string_equal(s.process.args[0], "sleep");
    assert_string_equal(s.hostname, "box");
    assert_true(s.process.no_new_privileges);
    /* Docker's 14 default capabilities */
    assert_int_equal(__builtin_popcountll(s.process.caps[CT_CAP_BOUNDING]), 14);
    assert_int_equal(s.resources.memory_limit, 64 << 20);
    assert_int_equal(s.resources.pids_limit, 20);
    assert_int_equal(s.resources.cpu_quota, 150000);
    assert_int_equal(s.resources.blkio_weight, 100);
    for (int t = 0; t < CT_NS_COUNT; t++)
        assert_int_equal(s.ns[t].wanted, t != CT_NS_USER);
    assert_non_null(s.seccomp);
    assert_int_equal(s.seccomp->default_action, CT_SECCOMP_ALLOW);
    assert_int_equal(s.mounts[s.n_mounts - 1].flags, MS_BIND | MS_REC | MS_RDONLY);
    assert_string_equal(s.mounts[s.n_mounts - 1].destination, "/data");
    bool kcore = false;
    for (size_t i = 0; s.masked_paths[i]; i++)
        kcore |= !strcmp(s.masked_paths[i], "/proc/kcore");
    assert_true(kcore);
    ct_spec__free(&s);
}

static void container_names(void **state)
{
    (void)state;
    char dir[256];
    struct err err;
    char root[] = "/tmp/strata-test-ct-names-XXXXXX";
    assert_non_null(mkdtemp(root));
    assert_int_equal(ct_state__dir(root, "web-1.a_b", dir, sizeof(dir), &err), 0);
    assert_int_equal(ct_state__dir(root, "", dir, sizeof(dir), &err), -1);
    assert_int_equal(ct_state__dir(root, "../x", dir, sizeof(dir), &err), -1);
    assert_int_equal(ct_state__dir(root, "a/b", dir, sizeof(dir), &err), -1);
    assert_int_equal(ct_state__dir(root, "-a", dir, sizeof(dir), &err), -1);
    assert_int_equal(ct_state__remove(root, &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_everything),
        cmocka_unit_test(rejects_bad_configs),
        cmocka_unit_test(default_config_parses),
        cmocka_unit_test(container_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
