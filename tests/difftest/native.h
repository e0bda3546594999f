/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native.h - runs a case on the host CPU, in the calling thread, at CPL 3.
 *
 * native__init maps the code page and the data sandbox at their fixed
 * addresses and catches the signals a faulting instruction raises; it must
 * run on the thread that later calls native__run (the alternate signal stack
 * is per thread). Only one such thread per process.
 */
#ifndef STRATA_TESTS_DIFFTEST_NATIVE_H
#define STRATA_TESTS_DIFFTEST_NATIVE_H

#include "difftest.h"
#include "util/err.h"

int native__init(struct err *err);

/* Runs fn(arg) on a new thread (the test thread) and returns its result. */
int native__on_test_thread(int (*fn)(void *arg), void *arg);

/*
 * Runs the case from the data image. An exception becomes out->vector (the
 * CPU's vector, as the kernel reports it in the signal context) with the
 * registers at the faulting instruction; out->data points at the sandbox
 * and stays valid until the next run.
 */
void native__run(const struct dt_case *c, const uint8_t *image, struct dt_outcome *out);

#endif
