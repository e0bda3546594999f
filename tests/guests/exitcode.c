// SPDX-License-Identifier: Apache-2.0
/*
 * exitcode.c - exits with status 42 and prints nothing: checks that the
 * byte written to the exit device becomes the VMM's exit status.
 */
#include "runtime/exitdev.h"

#define EXITCODE_STATUS 42

int main(void)
{
    exitdev__exit(EXITCODE_STATUS);
}
