// SPDX-License-Identifier: Apache-2.0
/* engines.c - the engines built into strata and the --engine=auto choice (see engines.h). */
#include "cpu/engines.h"

#include "cpu/emu/emu.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct engine_ops *const engines[] = {
    &kvm_engine_ops,
    &emu_engine_ops,
};

const struct engine_ops *engines__find(const char *name)
{
    for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++)
        if (!strcmp(engines[i]->name, name))
            return engines[i];
    return NULL;
}

/* PVM runs guest CPL-0 code by emulating it in the host kernel: far too slow for a kernel. */
static bool host_kvm_is_pvm(void)
{
    return access("/sys/module/kvm_pvm", F_OK) == 0;
}

const struct engine_ops *engines__auto(char *reason, size_t reason_len)
{
    const struct engine_ops *kvm = engines__find("kvm");
    const struct engine_ops *emu = engines__find("emu");
    bool kvm_usable = access("/dev/kvm", R_OK | W_OK) == 0;

    if (kvm_usable && !host_kvm_is_pvm()) {
        snprintf(reason, reason_len, "engine kvm (hardware virtualization)");
        return kvm;
    }
    if (emu) {
        snprintf(reason, reason_len, "engine emu (%s)",
                 kvm_usable ? "host /dev/kvm is PVM: guest kernel code would be emulated "
                              "by the host kernel"
                            : "/dev/kvm is not usable");
        return emu;
    }
    snprintf(reason, reason_len, "engine kvm (the emu engine is not built in yet)");
    return kvm;
}
