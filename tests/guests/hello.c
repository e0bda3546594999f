// SPDX-License-Identifier: Apache-2.0
/*
 * hello.c - the smallest test guest: one line on COM1, then exit status 0
 * through the exit device. Checks the boot contract, the UART and the exit
 * device of an engine.
 */
#include "runtime/exitdev.h"
#include "runtime/serial.h"

int main(void)
{
    serial__puts("hello from guest\n");
    return EXIT_OK;
}
