// SPDX-License-Identifier: Apache-2.0
/*
 * caps.c - a container process's capability sets through libcap and
 * prctl(2): PR_CAPBSET_DROP for the bounding set, cap_set_proc(3) for the
 * effective, permitted and inheritable sets, PR_CAP_AMBIENT_RAISE for the
 * ambient set (capabilities(7)). See security.h.
 */
#include <errno.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "ct/security.h"

static cap_value_t last_cap(void)
{
    cap_value_t last = CAP_LAST_CAP;
    while (last < 63 && prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0)
        last++;
    return last;
}

int ct_caps__drop_bounding(const uint64_t caps[CT_CAP_SETS], struct err *err)
{
    cap_value_t last = last_cap();
    for (cap_value_t c = 0; c <= last; c++) {
        if (caps[CT_CAP_BOUNDING] & (1ull << c))
            continue;
        if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
            return err__set_errno(err, errno, "caps: cannot drop %s from the bounding set",
                                  cap_to_name(c));
    }
    return 0;
}

int ct_caps__set(const uint64_t caps[CT_CAP_SETS], struct err *err)
{
    cap_t c = cap_init();
    if (!c)
        return err__set_errno(err, errno, "caps: cap_init");
    cap_value_t last = last_cap();
    static const struct {
        int set;
        cap_flag_t flag;
    } sets[] = {{CT_CAP_EFFECTIVE, CAP_EFFECTIVE},
                {CT_CAP_PERMITTED, CAP_PERMITTED},
                {CT_CAP_INHERITABLE, CAP_INHERITABLE}};
    for (cap_value_t v = 0; v <= last; v++)
        for (int s = 0; s < 3; s++)
            if (caps[sets[s].set] & (1ull << v))
                cap_set_flag(c, sets[s].flag, 1, &v, CAP_SET);
    int rc = cap_set_proc(c);
    int e = errno;
    cap_free(c);
    if (rc < 0)
        return err__set_errno(err, e, "caps: cannot set the capabilities");
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    for (cap_value_t v = 0; v <= last; v++)
        if ((caps[CT_CAP_AMBIENT] & (1ull << v)) &&
            prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, v, 0, 0) < 0)
            return err__set_errno(err, errno, "caps: cannot raise ambient %s", cap_to_name(v));
    return 0;
}
