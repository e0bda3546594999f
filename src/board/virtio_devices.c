// SPDX-License-Identifier: Apache-2.0
/* devices.c - a machine's virtio devices, their windows, GSIs and command line (see devices.h). */
#include "board/virtio_devices.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/console.h"
#include "board/layout.h"

static const unsigned virtio_gsis[VIRTIO_MAX_DEVICES] = {5, 6, 7, 9, 10, 11, 14, 15};

void virtio_devices__init(struct virtio_devices *vd, struct machine *m)
{
    memset(vd, 0, sizeof(*vd));
    vd->machine = m;
}

void virtio_devices__destroy(struct virtio_devices *vd)
{
    for (unsigned i = 0; i < vd->ndisks; i++)
        virtio_blk__destroy(vd->disks[i]);
    virtio_console__destroy(vd->console);
    virtio_rng__destroy(vd->rng);
    memset(vd->disks, 0, sizeof(vd->disks));
    vd->ndisks = vd->count = 0;
    vd->console = NULL;
    vd->rng = NULL;
}

uint64_t virtio_devices__base(unsigned index)
{
    return LAYOUT_VIRTIO_MMIO_BASE + index * LAYOUT_VIRTIO_MMIO_SIZE;
}

unsigned virtio_devices__gsi(unsigned index)
{
    return virtio_gsis[index];
}

/* The next free slot, or -1 when all VIRTIO_MAX_DEVICES are taken. */
static int next_slot(struct virtio_devices *vd, struct err *err)
{
    if (vd->count == VIRTIO_MAX_DEVICES)
        return err__set(err, "too many virtio devices: at most %d", VIRTIO_MAX_DEVICES);
    return (int)vd->count;
}

int virtio_devices__add_disk(struct virtio_devices *vd, const struct virtio_blk_params *params,
                             struct err *err)
{
    int slot = next_slot(vd, err);
    if (slot < 0)
        return -1;
    struct virtio_blk *blk = virtio_blk__create(vd->machine, virtio_devices__base(slot),
                                                virtio_devices__gsi(slot), params, err);
    if (!blk)
        return -1;
    vd->disks[vd->ndisks++] = blk;
    vd->count++;
    return 0;
}

int virtio_devices__add_console(struct virtio_devices *vd, struct err *err)
{
    int slot = next_slot(vd, err);
    if (slot < 0)
        return -1;
    if (vd->console)
        return err__set(err, "only one virtio console");
    vd->console = virtio_console__create(vd->machine, virtio_devices__base(slot),
                                         virtio_devices__gsi(slot), err);
    if (!vd->console)
        return -1;
    vd->count++;
    return 0;
}

int virtio_devices__add_rng(struct virtio_devices *vd, struct err *err)
{
    int slot = next_slot(vd, err);
    if (slot < 0)
        return -1;
    if (vd->rng)
        return err__set(err, "only one virtio rng");
    vd->rng =
        virtio_rng__create(vd->machine, virtio_devices__base(slot), virtio_devices__gsi(slot), err);
    if (!vd->rng)
        return -1;
    vd->count++;
    return 0;
}

int virtio_options__add_disk(struct virtio_options *o, const char *spec, struct err *err)
{
    if (o->ndisks == VIRTIO_MAX_DEVICES)
        return err__set(err, "too many disks: at most %d", VIRTIO_MAX_DEVICES);
    char *copy = strdup(spec);
    if (!copy)
        return err__set(err, "out of memory");
    struct virtio_blk_params p = {.image.path = copy};
    char *save = NULL;
    strtok_r(copy, ",", &save);
    for (char *opt; (opt = strtok_r(NULL, ",", &save));) {
        if (!strcmp(opt, "readonly") || !strcmp(opt, "readonly=on"))
            p.image.readonly = true;
        else if (!strncmp(opt, "id=", 3))
            p.serial = opt + 3;
        else if (!strncmp(opt, "format=", 7))
            p.image.format = opt + 7;
        else {
            err__set(err,
                     "bad --disk '%s': unknown option '%s' (want readonly, id=NAME or "
                     "format=raw)",
                     spec, opt);
            free(copy);
            return -1;
        }
    }
    if (!*copy || *spec == ',') {
        free(copy);
        return err__set(err, "bad --disk '%s': no image path", spec);
    }
    if (p.serial && strlen(p.serial) > VIRTIO_BLK_ID_BYTES) {
        free(copy);
        return err__set(err, "bad --disk '%s': id longer than %d bytes", spec, VIRTIO_BLK_ID_BYTES);
    }
    o->disks[o->ndisks] = p;
    o->disk_specs[o->ndisks++] = copy;
    return 0;
}

void virtio_options__free(struct virtio_options *o)
{
    for (unsigned i = 0; i < o->ndisks; i++)
        free(o->disk_specs[i]);
    o->ndisks = 0;
}

int virtio_devices__create(struct virtio_devices *vd, struct machine *m,
                           const struct virtio_options *o, struct err *err)
{
    virtio_devices__init(vd, m);
    for (unsigned i = 0; i < o->ndisks; i++)
        if (virtio_devices__add_disk(vd, &o->disks[i], err))
            goto fail;
    if ((o->console && virtio_devices__add_console(vd, err)) ||
        (o->rng && virtio_devices__add_rng(vd, err)))
        goto fail;
    return 0;

fail:
    virtio_devices__destroy(vd);
    return -1;
}

static size_t console_receive(void *dev, const uint8_t *bytes, size_t n)
{
    return virtio_console__receive(dev, bytes, n);
}

static void console_set_rx_ready(void *dev, void (*ready)(void *opaque), void *opaque)
{
    virtio_console__set_rx_ready(dev, ready, opaque);
}

void virtio_devices__console_input(const struct virtio_devices *vd, struct console_input *in)
{
    *in = (struct console_input){
        .receive = console_receive, .set_rx_ready = console_set_rx_ready, .dev = vd->console};
}

char *virtio_devices__cmdline(const struct virtio_devices *vd, const char *cmdline, struct err *err)
{
    /* " virtio_mmio.device=4K@0x" + 16 hex digits + ":" + 2 digits */
    const size_t per_device = 48;
    size_t len = (cmdline ? strlen(cmdline) : 0) + vd->count * per_device + 1;
    char *out = malloc(len);
    if (!out) {
        err__set(err, "out of memory for the kernel command line");
        return NULL;
    }
    size_t used = (size_t)snprintf(out, len, "%s", cmdline ? cmdline : "");
    for (unsigned i = 0; i < vd->count; i++)
        used += (size_t)snprintf(out + used, len - used, "%svirtio_mmio.device=4K@%#llx:%u",
                                 used ? " " : "", (unsigned long long)virtio_devices__base(i),
                                 virtio_devices__gsi(i));
    return out;
}
