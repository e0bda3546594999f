// SPDX-License-Identifier: Apache-2.0
/* engines.c - the engines built into strata (see engines.h). */
#include "cpu/engines.h"

#include <string.h>

static const struct engine_ops *const engines[] = {
    &kvm_engine_ops,
};

const struct engine_ops *engines__find(const char *name)
{
    for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++)
        if (!strcmp(engines[i]->name, name))
            return engines[i];
    return NULL;
}
