// SPDX-License-Identifier: Apache-2.0
/*
 * fuzz_api_request.c - fuzz target for the control socket's request parser
 * (src/api/request.c), in libFuzzer's form: the input is one request line
 * as any local client may send it. A parse either succeeds with a known
 * command or fails with a one-line message; either way nothing leaks
 * (ASan) and the response built from it is valid JSON.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/request.h"
#include "api/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct api_call call = {0};
    int rc = api_request__parse((const char *)data, size, &call.req, &call.error);
    if (rc == 0 && call.req.cmd >= API_CMD_COUNT)
        abort();
    if (rc != 0 && (!call.error.msg[0] || strchr(call.error.msg, '\n')))
        abort();
    call.ok = rc == 0;
    char *line = api_call__response(&call);
    struct json_object *back = line ? json_tokener_parse(line) : NULL;
    if (!back)
        abort();
    json_object_put(back);
    free(line);
    api_request__free(&call.req);
    return 0;
}
