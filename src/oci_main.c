// SPDX-License-Identifier: Apache-2.0
/* oci_main.c - the strata-oci binary: `strata oci` under a name a container engine runs. */
#include <signal.h>

#include "cli/cli.h"

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    return cli__oci(argc, argv);
}
