// SPDX-License-Identifier: Apache-2.0
/*
 * test_api.c - unit tests for the control socket's request parser
 * (src/api/request.c) and the runtime directory's registry
 * (src/api/registry.c): names, claim/publish/find, a dead VM's directory.
 */
#include <fcntl.h>
#include <json-c/json.h>
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

#include "api/registry.h"
#include "api/request.h"

static int parse(const char *line, struct api_request *req, struct err *err)
{
    return api_request__parse(line, strlen(line), req, err);
}

static void parses_commands(void **state)
{
    (void)state;
    struct api_request req;
    struct err err;
    assert_int_equal(parse("{\"cmd\":\"pause\"}", &req, &err), 0);
    assert_int_equal(req.cmd, API_CMD_PAUSE);
    assert_null(req.id);
    api_request__free(&req);
    assert_int_equal(parse("{\"cmd\":\"info\",\"id\":7}  \r", &req, &err), 0);
    assert_int_equal(req.cmd, API_CMD_INFO);
    assert_int_equal(json_object_get_int(req.id), 7);
    api_request__free(&req);
    assert_int_equal(parse("{\"cmd\":\"stop\"}", &req, &err), 0);
    assert_true(req.stop.timeout_s == API_STOP_DEFAULT_TIMEOUT_S);
    api_request__free(&req);
    assert_int_equal(parse("{\"cmd\":\"stop\",\"timeout\":2.5}", &req, &err), 0);
    assert_true(req.stop.timeout_s == 2.5);
    api_request__free(&req);
}

static void refuses_bad_requests(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        {"", "not valid json"},
        {"{", "not valid json"},
        {"[1,2]", "json object"},
        {"\"pause\"", "json object"},
        {"{\"cmd\":3}", "no \"cmd\""},
        {"{}", "no \"cmd\""},
        {"{\"cmd\":\"fly\"}", "unknown command 'fly'"},
        {"{\"cmd\":\"pause\",\"now\":true}", "unknown argument 'now'"},
        {"{\"cmd\":\"stop\",\"timeout\":\"soon\"}", "number of seconds"},
        {"{\"cmd\":\"stop\",\"timeout\":-1}", "0 to 86400"},
        {"{\"cmd\":\"info\"} {\"cmd\":\"info\"}", "trailing"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct api_request req;
        struct err err = {{0}};
        assert_int_equal(parse(bad[i][0], &req, &err), -1);
        if (!strstr(err.msg, bad[i][1]))
            fail_msg("'%s': '%s' lacks '%s'", bad[i][0], err.msg, bad[i][1]);
        api_request__free(&req);
    }
    /* The id comes back even when the rest is refused, so the client can match the error. */
    struct api_request req;
    struct err err;
    assert_int_equal(parse("{\"cmd\":\"fly\",\"id\":\"x\"}", &req, &err), -1);
    assert_string_equal(json_object_get_string(req.id), "x");
    api_request__free(&req);
}

static void names(void **state)
{
    (void)state;
    assert_int_equal(registry__check_name("web-1.test_a", NULL), 0);
    const char *const bad[] = {
        "",   "-x",  ".x",  "a/b",
        "ct", "net", "a b", "0123456789012345678901234567890123456789012345678901234567890123"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(registry__check_name(bad[i], NULL), -1);
}

static void claim_publish_find(void **state)
{
    (void)state;
    char base[] = "/tmp/strata-test-api-XXXXXX";
    assert_non_null(mkdtemp(base));
    setenv("STRATA_STATE_DIR", base, 1);
    struct registration reg, other;
    struct err err;
    char path[PATH_MAX];
    assert_int_equal(registry__claim("vm1", &reg, &err), 0);
    /* Not found until published. */
    assert_int_equal(registry__find("vm1", "control.sock", path, sizeof(path), &err), -1);
    assert_int_equal(registry__publish(&reg, &err), 0);
    assert_int_equal(registry__find("vm1", "control.sock", path, sizeof(path), &err), 0);
    assert_non_null(strstr(path, "/vm1/control.sock"));
    /* A second claimant of the name is refused (while the first holds its lock). */
    assert_int_equal(registry__claim("vm1", &other, &err), -1);
    assert_non_null(strstr(err.msg, "already running"));
    char names[4][REGISTRY_NAME_MAX];
    size_t n;
    assert_int_equal(registry__list(names, 4, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "vm1");
    registry__release(&reg);
    assert_int_equal(registry__find("vm1", "control.sock", path, sizeof(path), &err), -1);

    /* A dead VM's directory (its lock held by nobody) is removed, never taken for live. */
    snprintf(path, sizeof(path), "%s/dead", base);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/dead/lock", base);
    close(open(path, O_CREAT | O_WRONLY, 0600));
    assert_int_equal(registry__list(names, 4, &n, &err), 0);
    assert_int_equal(n, 0);
    snprintf(path, sizeof(path), "%s/dead", base);
    assert_int_equal(access(path, F_OK), -1);
    /* ... and its name can be taken again. */
    assert_int_equal(registry__claim("dead", &reg, &err), 0);
    assert_int_equal(registry__publish(&reg, &err), 0);
    registry__release(&reg);
    assert_int_equal(rmdir(base), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_commands),
        cmocka_unit_test(refuses_bad_requests),
        cmocka_unit_test(names),
        cmocka_unit_test(claim_publish_find),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
