// SPDX-License-Identifier: Apache-2.0
/*
 * stream.c - the order of sections in a snapshot file or a migration stream
 * (format.h): header, CONFIG, RAM sections and one STATE section in any
 * order, END. The one reader of both, so `strata run --restore` and
 * `strata run --incoming` check the same things (and the fuzz target
 * tests/fuzz/fuzz_state_stream.c tests them both).
 */
#include <stdlib.h>

#include "state/format.h"

static const char *const section_names[] = {"end", "config", "state", "ram"};

static int read_config(struct state_io *io, const struct state_reader *r,
                       const struct guest_memory **mem, struct err *err)
{
    enum state_section type;
    uint64_t len;
    uint32_t crc;
    if (state__read_section(io, &type, &len, &crc, err))
        return -1;
    if (type != STATE_SECTION_CONFIG)
        return err__set(err, "%s: %s section where the config section belongs", io->what,
                        section_names[type]);
    if (len > STATE_CONFIG_MAX)
        return err__set(err, "%s: corrupt config section (%llu bytes)", io->what,
                        (unsigned long long)len);
    char *text = calloc(1, len + 1);
    if (!text)
        return err__set(err, "out of memory");
    int rc = state__read_payload(io, text, len, crc, err);
    if (!rc)
        rc = r->config(r->opaque, text, mem, err);
    free(text);
    return rc;
}

static int read_state(struct state_io *io, const struct state_reader *r, uint64_t len, uint32_t crc,
                      struct err *err)
{
    if (len > STATE_STATE_MAX)
        return err__set(err, "%s: corrupt state section (%llu bytes)", io->what,
                        (unsigned long long)len);
    void *blob = malloc(len ? len : 1);
    if (!blob)
        return err__set(err, "out of memory");
    int rc = state__read_payload(io, blob, len, crc, err);
    if (!rc)
        rc = r->state(r->opaque, blob, len, err);
    free(blob);
    return rc;
}

int state__read_stream(struct state_io *io, const struct state_reader *r, struct err *err)
{
    const struct guest_memory *mem = NULL;
    if (state__read_header(io, err) || read_config(io, r, &mem, err))
        return -1;
    bool have_state = false;
    for (;;) {
        enum state_section type;
        uint64_t len;
        uint32_t crc;
        if (state__read_section(io, &type, &len, &crc, err))
            return -1;
        switch (type) {
        case STATE_SECTION_RAM:
            if (state__read_ram(io, len, crc, mem, err))
                return -1;
            break;
        case STATE_SECTION_STATE:
            if (have_state)
                return err__set(err, "%s: a second state section", io->what);
            if (read_state(io, r, len, crc, err))
                return -1;
            have_state = true;
            break;
        case STATE_SECTION_CONFIG: return err__set(err, "%s: a second config section", io->what);
        case STATE_SECTION_END:
            if (len)
                return err__set(err, "%s: corrupt end section", io->what);
            if (!have_state)
                return err__set(err, "%s: no state section before the end", io->what);
            return r->end(r->opaque, err);
        }
    }
}
