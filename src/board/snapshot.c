// SPDX-License-Identifier: Apache-2.0
/* snapshot.c - a VM to and from the snapshot format (see snapshot.h). */
#include "board/snapshot.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cpu/engines.h"

int snapshot_config__from(struct snapshot_config *sc, const struct vm_config *cfg, struct err *err)
{
    memset(sc, 0, sizeof(*sc));
    if (cfg->virtio.nnics)
        return err__set(err, "a vm with NICs cannot be saved or migrated yet (its receive path "
                             "does not stop for a save)");
    snprintf(sc->engine, sizeof(sc->engine), "%s", cfg->engine->name);
    sc->ncpus = cfg->ncpus;
    sc->ram_size = cfg->ram_size;
    sc->console = cfg->virtio.console;
    sc->rng = cfg->virtio.rng;
    sc->balloon = cfg->virtio.balloon;
    sc->ndisks = cfg->virtio.ndisks;
    for (unsigned i = 0; i < cfg->virtio.ndisks; i++) {
        const struct block_options *b = &cfg->virtio.disks[i].image;
        struct stat st;
        if (!realpath(b->path, sc->disks[i].path) || stat(sc->disks[i].path, &st) < 0)
            return err__set_errno(err, errno, "disk '%s'", b->path);
        sc->disks[i].readonly = b->readonly;
        sc->disks[i].size = (uint64_t)st.st_size;
    }
    return 0;
}

static char *config_json(const struct snapshot_config *sc)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "engine", json_object_new_string(sc->engine));
    json_object_object_add(o, "cpus", json_object_new_int((int)sc->ncpus));
    json_object_object_add(o, "memory", json_object_new_int64((int64_t)sc->ram_size));
    json_object_object_add(o, "console", json_object_new_boolean(sc->console));
    json_object_object_add(o, "rng", json_object_new_boolean(sc->rng));
    json_object_object_add(o, "balloon", json_object_new_boolean(sc->balloon));
    struct json_object *disks = json_object_new_array();
    for (unsigned i = 0; i < sc->ndisks; i++) {
        struct json_object *d = json_object_new_object();
        json_object_object_add(d, "path", json_object_new_string(sc->disks[i].path));
        json_object_object_add(d, "readonly", json_object_new_boolean(sc->disks[i].readonly));
        json_object_object_add(d, "size", json_object_new_int64((int64_t)sc->disks[i].size));
        json_object_array_add(disks, d);
    }
    json_object_object_add(o, "disks", disks);
    char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return s;
}

int vm_snapshot__write_config(const struct snapshot_config *sc, struct state_io *io,
                              struct err *err)
{
    char *config = config_json(sc);
    if (!config)
        return err__set(err, "out of memory for the snapshot");
    int rc = state__write_section(io, STATE_SECTION_CONFIG, config, strlen(config), err);
    free(config);
    return rc;
}

int vm_snapshot__write_state(struct vm *vm, struct state_io *io, struct err *err)
{
    uint32_t size = sizeof(struct vm_state);
    struct vm_state *st = malloc(sizeof(*st));
    uint8_t *blob = malloc(4 + sizeof(*st));
    int rc = -1;
    if (!st || !blob)
        err__set(err, "out of memory for the snapshot");
    else if (!vm__save(vm, st, err)) {
        memcpy(blob, &size, 4);
        memcpy(blob + 4, st, sizeof(*st));
        rc = state__write_section(io, STATE_SECTION_STATE, blob, 4 + sizeof(*st), err);
    }
    free(blob);
    free(st);
    return rc;
}

int vm_snapshot__write(struct vm *vm, const struct snapshot_config *sc, struct state_io *io,
                       struct snapshot_stats *stats, struct err *err)
{
    struct state_ram_stats ram = {0};
    int rc = state__write_header(io, err) || vm_snapshot__write_config(sc, io, err) ||
                     vm_snapshot__write_state(vm, io, err) ||
                     state__write_ram(io, &vm->machine.mem, NULL, &ram, err) ||
                     state__write_section(io, STATE_SECTION_END, NULL, 0, err)
                 ? -1
                 : 0;
    if (stats) {
        stats->bytes = io->offset;
        stats->ram_pages = ram.pages;
    }
    return rc;
}

static const char *get_string(struct json_object *o, const char *key)
{
    struct json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

static bool get_int(struct json_object *o, const char *key, int64_t *out)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
        return false;
    *out = json_object_get_int64(v);
    return true;
}

static bool get_bool(struct json_object *o, const char *key)
{
    struct json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static int parse_config(const char *text, struct snapshot_config *sc, const char *what,
                        struct err *err)
{
    memset(sc, 0, sizeof(*sc));
    struct json_object *o = json_tokener_parse(text), *disks;
    int64_t cpus, mem;
    const char *engine = o ? get_string(o, "engine") : NULL;
    if (!o || !engine || strlen(engine) >= sizeof(sc->engine) || !get_int(o, "cpus", &cpus) ||
        cpus < 1 || cpus > VM_MAX_CPUS || !get_int(o, "memory", &mem) || mem <= 0 ||
        mem % STATE_PAGE || !json_object_object_get_ex(o, "disks", &disks) ||
        !json_object_is_type(disks, json_type_array) ||
        json_object_array_length(disks) > VIRTIO_MAX_DEVICES) {
        json_object_put(o);
        return err__set(err, "%s: corrupt config section", what);
    }
    snprintf(sc->engine, sizeof(sc->engine), "%s", engine);
    sc->ncpus = (unsigned)cpus;
    sc->ram_size = (uint64_t)mem;
    sc->console = get_bool(o, "console");
    sc->rng = get_bool(o, "rng");
    sc->balloon = get_bool(o, "balloon");
    sc->ndisks = (unsigned)json_object_array_length(disks);
    for (unsigned i = 0; i < sc->ndisks; i++) {
        struct json_object *d = json_object_array_get_idx(disks, i);
        const char *path = get_string(d, "path");
        int64_t size;
        if (!path || strlen(path) >= sizeof(sc->disks[i].path) || !get_int(d, "size", &size) ||
            size < 0) {
            json_object_put(o);
            return err__set(err, "%s: corrupt config section (disk %u)", what, i);
        }
        snprintf(sc->disks[i].path, sizeof(sc->disks[i].path), "%s", path);
        sc->disks[i].size = (uint64_t)size;
        sc->disks[i].readonly = get_bool(d, "readonly");
    }
    json_object_put(o);
    return 0;
}

int snapshot_config__to_vm(const struct snapshot_config *sc, struct vm_config *cfg, struct err *err)
{
    if (!cfg->engine && !(cfg->engine = engines__find(sc->engine)))
        return err__set(err, "the snapshot's engine '%s' is not in this strata", sc->engine);
    cfg->ncpus = sc->ncpus;
    cfg->ram_size = sc->ram_size;
    cfg->virtio.console = sc->console;
    cfg->virtio.rng = sc->rng;
    cfg->virtio.balloon = sc->balloon; /* its target comes with its state */
    cfg->virtio.ndisks = sc->ndisks;
    for (unsigned i = 0; i < sc->ndisks; i++) {
        struct stat st;
        if (stat(sc->disks[i].path, &st) < 0)
            return err__set_errno(err, errno, "cannot restore: disk '%s' is missing",
                                  sc->disks[i].path);
        if ((uint64_t)st.st_size != sc->disks[i].size)
            return err__set(err,
                            "cannot restore: disk '%s' changed size (%llu bytes, the snapshot "
                            "recorded %llu)",
                            sc->disks[i].path, (unsigned long long)st.st_size,
                            (unsigned long long)sc->disks[i].size);
        cfg->virtio.disks[i] = (struct virtio_blk_params){
            .image = {.path = sc->disks[i].path, .readonly = sc->disks[i].readonly}};
    }
    cfg->restore = true;
    return 0;
}

/* A stream being read into a new VM (state_reader's opaque). */
struct reading {
    struct state_io *io;
    struct vm_config *cfg;
    struct snapshot_config *sc;
    int (*created)(void *opaque, struct err *err);
    void *opaque;
    struct vm *vm;
    struct vm_state *st;
};

static int on_config(void *opaque, const char *text, const struct guest_memory **mem,
                     struct err *err)
{
    struct reading *r = opaque;
    if (parse_config(text, r->sc, r->io->what, err) || snapshot_config__to_vm(r->sc, r->cfg, err) ||
        !(r->vm = vm__create(r->cfg, err)))
        return -1;
    *mem = &r->vm->machine.mem;
    return r->created ? r->created(r->opaque, err) : 0;
}

static int on_state(void *opaque, const void *blob, uint64_t len, struct err *err)
{
    struct reading *r = opaque;
    uint32_t size = 0;
    if (len >= 4)
        memcpy(&size, blob, 4);
    if (len != 4 + sizeof(struct vm_state)) {
        if (len >= 4)
            return err__set(err,
                            "%s: device state of %llu bytes, this strata's is %zu: saved by "
                            "another version",
                            r->io->what, (unsigned long long)len - 4, sizeof(struct vm_state));
        return err__set(err, "%s: corrupt state section", r->io->what);
    }
    if (size != sizeof(struct vm_state))
        return err__set(err, "%s: corrupt state section", r->io->what);
    if (!(r->st = malloc(sizeof(*r->st))))
        return err__set(err, "out of memory");
    memcpy(r->st, (const uint8_t *)blob + 4, sizeof(*r->st)); /* aligned, as the struct wants */
    return 0;
}

/* Last: the state is only loaded once everything it came with checked out. */
static int on_end(void *opaque, struct err *err)
{
    struct reading *r = opaque;
    return vm__load(r->vm, r->st, err);
}

struct vm *vm_snapshot__read(struct state_io *io, struct vm_config *cfg, struct snapshot_config *sc,
                             int (*created)(void *opaque, struct err *err), void *opaque,
                             struct err *err)
{
    struct reading r = {.io = io, .cfg = cfg, .sc = sc, .created = created, .opaque = opaque};
    struct state_reader reader = {
        .config = on_config, .state = on_state, .end = on_end, .opaque = &r};
    if (state__read_stream(io, &reader, err)) {
        if (r.vm)
            vm__destroy(r.vm);
        r.vm = NULL;
    }
    free(r.st);
    return r.vm;
}
