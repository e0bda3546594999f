// SPDX-License-Identifier: Apache-2.0
/* virtio_devices.c - a VM's virtio devices at their slots (see virtio_devices.h). */
#include "board/virtio_devices.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio/mmio.h"

#include "board/console.h"

void virtio_devices__init(struct virtio_devices *vd, struct machine *m, struct board_slots *slots)
{
    memset(vd, 0, sizeof(*vd));
    vd->machine = m;
    vd->slots = slots;
}

void virtio_devices__destroy(struct virtio_devices *vd)
{
    for (unsigned i = 0; i < vd->ntransports; i++) /* first: no more notifications */
        virtio_mmio__destroy(vd->transports[i]);
    for (unsigned i = 0; i < vd->ndisks; i++) {
        virtio_blk__destroy(vd->disks[i]);
        block__close(vd->backends[i]);
    }
    virtio_console__destroy(vd->console);
    virtio_rng__destroy(vd->rng);
    virtio_balloon__destroy(vd->balloon);
    for (unsigned i = 0; i < vd->nnics; i++)
        virtio_net__destroy(vd->nics[i]); /* each closes its backend */
    memset(vd->nics, 0, sizeof(vd->nics));
    vd->nnics = 0;
    memset(vd->transports, 0, sizeof(vd->transports));
    memset(vd->disks, 0, sizeof(vd->disks));
    memset(vd->backends, 0, sizeof(vd->backends));
    vd->ntransports = vd->ndisks = 0;
    vd->console = NULL;
    vd->rng = NULL;
    vd->balloon = NULL;
}

/* Puts a device's core behind a virtio-mmio window at a new slot. */
static int attach(struct virtio_devices *vd, struct virtio_dev *core, const char *name,
                  struct err *err)
{
    const struct board_slot *slot = board_slots__add_virtio(vd->slots, name, err);
    if (!slot)
        return -1;
    struct virtio_mmio *t =
        virtio_mmio__create(vd->machine, slot->base, (unsigned)slot->gsi, core, err);
    if (!t)
        return -1;
    vd->transports[vd->ntransports++] = t;
    return 0;
}

int virtio_devices__add_disk(struct virtio_devices *vd, const struct virtio_blk_params *params,
                             struct err *err)
{
    if (vd->ntransports == VIRTIO_MAX_DEVICES)
        return err__set(err, "too many virtio devices: at most %d", VIRTIO_MAX_DEVICES);
    struct block_backend *disk = block__open(&params->image, err);
    if (!disk)
        return -1;
    struct virtio_blk *blk = virtio_blk__create(vd->machine, disk, params->serial, err);
    if (!blk) {
        block__close(disk);
        return -1;
    }
    vd->backends[vd->ndisks] = disk;
    vd->disks[vd->ndisks++] = blk;
    return attach(vd, virtio_blk__virtio(blk), "virtio-blk", err);
}

int virtio_devices__add_console(struct virtio_devices *vd, struct err *err)
{
    if (vd->console)
        return err__set(err, "only one virtio console");
    if (!(vd->console = virtio_console__create(vd->machine, err)))
        return -1;
    return attach(vd, virtio_console__virtio(vd->console), "virtio-console", err);
}

int virtio_devices__add_rng(struct virtio_devices *vd, struct err *err)
{
    if (vd->rng)
        return err__set(err, "only one virtio rng");
    if (!(vd->rng = virtio_rng__create(vd->machine, err)))
        return -1;
    return attach(vd, virtio_rng__virtio(vd->rng), "virtio-rng", err);
}

int virtio_devices__add_balloon(struct virtio_devices *vd, uint64_t target, struct err *err)
{
    if (vd->balloon)
        return err__set(err, "only one virtio balloon");
    if (!(vd->balloon = virtio_balloon__create(vd->machine, err)))
        return -1;
    virtio_balloon__set_target(vd->balloon, target);
    return attach(vd, virtio_balloon__virtio(vd->balloon), "virtio-balloon", err);
}

int virtio_devices__add_net(struct virtio_devices *vd, const struct net_options *nic,
                            const char *vm_name, unsigned index, struct err *err)
{
    if (vd->ntransports == VIRTIO_MAX_DEVICES)
        return err__set(err, "too many virtio devices: at most %d", VIRTIO_MAX_DEVICES);
    struct net_backend *backend = net__open(nic, vm_name, err);
    if (!backend)
        return -1;
    uint8_t mac[6];
    if (nic->has_mac)
        memcpy(mac, nic->mac, sizeof(mac));
    else
        net__default_mac(vm_name, index, mac);
    /* The device owns the backend from here, on failure too. */
    struct virtio_net *n = virtio_net__create(vd->machine, backend, mac, err);
    if (!n)
        return -1;
    vd->nics[vd->nnics++] = n;
    return attach(vd, virtio_net__virtio(n), "virtio-net", err);
}

int virtio_options__add_net(struct virtio_options *o, const char *spec, struct err *err)
{
    if (o->nnics == VIRTIO_MAX_DEVICES)
        return err__set(err, "too many --net: at most %d", VIRTIO_MAX_DEVICES);
    if (net_options__parse(&o->nics[o->nnics], spec, err))
        return -1;
    o->nnics++;
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
                     "format=raw|qcow2)",
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

int virtio_devices__create(struct virtio_devices *vd, struct machine *m, struct board_slots *slots,
                           const struct virtio_options *o, struct err *err)
{
    virtio_devices__init(vd, m, slots);
    for (unsigned i = 0; i < o->ndisks; i++)
        if (virtio_devices__add_disk(vd, &o->disks[i], err))
            goto fail;
    for (unsigned i = 0; i < o->nnics; i++)
        if (virtio_devices__add_net(vd, &o->nics[i], o->vm_name ? o->vm_name : "strata", i, err))
            goto fail;
    if ((o->console && virtio_devices__add_console(vd, err)) ||
        (o->rng && virtio_devices__add_rng(vd, err)) ||
        (o->balloon && virtio_devices__add_balloon(vd, o->balloon_target, err)))
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
