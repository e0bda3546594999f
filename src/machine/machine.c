// SPDX-License-Identifier: Apache-2.0
/* machine.c - stopping a running machine (see machine.h). */
#include "machine/machine.h"

void machine__stop(struct machine *m, enum machine_stop_reason reason, int status)
{
    int expected = MACHINE_RUNNING;
    if (!atomic_compare_exchange_strong(&m->stop_reason, &expected, (int)reason))
        return;
    m->exit_status = status;
    for (unsigned i = 0; i < m->ncpus; i++)
        if (m->vcpus[i].engine)
            m->engine->kick(&m->vcpus[i]);
}
