// SPDX-License-Identifier: Apache-2.0
/* guest_command.c - encodes `strata run -- CMD...` for the guest's /init (see guest_command.h). */
#include "cli/guest_command.h"

#include <stdlib.h>
#include <string.h>

#include "util/base64.h"

#define PARAM_PREFIX "strata.cmd="

/* Appends arg single-quoted for sh: ' becomes '\'' */
static char *append_quoted(char *out, const char *arg)
{
    *out++ = '\'';
    for (; *arg; arg++) {
        if (*arg == '\'') {
            memcpy(out, "'\\''", 4);
            out += 4;
        } else {
            *out++ = *arg;
        }
    }
    *out++ = '\'';
    return out;
}

char *guest_command__param(int argc, char *const argv[], struct err *err)
{
    size_t len = 0;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) * 4 + 3; /* worst case: every byte a quote; quotes and a space */

    char *shell = malloc(len + 1);
    if (!shell) {
        err__set(err, "out of memory");
        return NULL;
    }
    char *end = shell;
    for (int i = 0; i < argc; i++) {
        if (i)
            *end++ = ' ';
        end = append_quoted(end, argv[i]);
    }

    size_t shell_len = (size_t)(end - shell);
    char *param = malloc(strlen(PARAM_PREFIX) + base64__encoded_size(shell_len));
    if (!param) {
        free(shell);
        err__set(err, "out of memory");
        return NULL;
    }
    strcpy(param, PARAM_PREFIX);
    base64__encode(shell, shell_len, param + strlen(PARAM_PREFIX));
    free(shell);
    return param;
}
