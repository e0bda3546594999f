/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sandbox.h - the bytes both sides start a case from: the code page (the
 * case's code and a jump back out) and the data sandbox (a fixed random
 * image with the case's patches on top).
 */
#ifndef STRATA_TESTS_DIFFTEST_SANDBOX_H
#define STRATA_TESTS_DIFFTEST_SANDBOX_H

#include "difftest.h"

/*
 * Writes the case's code to code_page, then an absolute jump to exit_target
 * through a pointer in the code page's last 8 bytes (aligned, so that the
 * jump cannot raise #AC when a test leaves RFLAGS.AC set), and INT3 in
 * between.
 */
void sandbox__fill_code(const struct dt_case *c, uint8_t *code_page, uint64_t exit_target);

/* Copies the initial image (DT_DATA_SIZE bytes) to data_page and applies the case's patches. */
void sandbox__fill_data(const struct dt_case *c, const uint8_t *image, uint8_t *data_page);

#endif
