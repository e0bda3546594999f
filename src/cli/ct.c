// SPDX-License-Identifier: Apache-2.0
/* ct.c - `strata ct`: placeholder dispatch (filled in below). */
#include "cli/cli.h"
int cli__ct(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return 2;
}
