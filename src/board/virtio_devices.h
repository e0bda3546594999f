/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio_devices.h - a VM's virtio devices: what the user asked for, and
 * creating each device at the slot the slot list (slots.h) gives it, disks
 * first so that the first --disk is vda, then the NICs of --net (eth0
 * first).
 */
#ifndef STRATA_BOARD_VIRTIO_DEVICES_H
#define STRATA_BOARD_VIRTIO_DEVICES_H

#include <stdbool.h>

#include "board/slots.h"
#include "devices/virtio/balloon.h"
#include "devices/virtio/blk.h"
#include "devices/virtio/console.h"
#include "devices/virtio/net.h"
#include "devices/virtio/rng.h"

#define VIRTIO_MAX_DEVICES BOARD_MAX_VIRTIO

/* What a --disk asks for: the image to open and the get-id answer. */
struct virtio_blk_params {
    struct block_options image;
    const char *serial; /* get-id answer, at most 20 bytes; NULL: empty */
};

struct virtio_devices {
    struct machine *machine;
    struct board_slots *slots;
    struct virtio_blk *disks[VIRTIO_MAX_DEVICES];
    struct block_backend *backends[VIRTIO_MAX_DEVICES]; /* disks[i]'s image */
    unsigned ndisks;
    struct virtio_console *console;
    struct virtio_rng *rng;
    struct virtio_balloon *balloon;
    struct virtio_net *nics[VIRTIO_MAX_DEVICES]; /* each owns its net backend */
    unsigned nnics;
    /* One virtio-mmio transport per slot, in slot order. */
    struct virtio_mmio *transports[VIRTIO_MAX_DEVICES];
    unsigned ntransports;
};

/* What the user asked for on the command line (strata run). */
struct virtio_options {
    struct virtio_blk_params disks[VIRTIO_MAX_DEVICES];
    char *disk_specs[VIRTIO_MAX_DEVICES]; /* copies the params point into */
    unsigned ndisks;
    bool console;            /* --console virtio */
    bool rng;                /* --rng */
    bool balloon;            /* --balloon */
    uint64_t balloon_target; /* bytes the balloon holds from the start (--balloon SIZE) */
    struct net_options nics[VIRTIO_MAX_DEVICES]; /* --net, in order */
    unsigned nnics;
    const char *vm_name; /* names network attachments and seeds default MACs */
};

/*
 * Adds a --disk PATH[,readonly][,id=NAME][,format=FMT]; the error says what
 * is wrong with the spec (a usage error). The image is opened later.
 */
int virtio_options__add_disk(struct virtio_options *o, const char *spec, struct err *err);
void virtio_options__free(struct virtio_options *o);
/* Adds a --net SPEC (net_options__parse); the backend is opened later. */
int virtio_options__add_net(struct virtio_options *o, const char *spec, struct err *err);

void virtio_devices__init(struct virtio_devices *vd, struct machine *m, struct board_slots *slots);
/* Creates the devices the options ask for, disks first, each at a new slot of `slots`. */
int virtio_devices__create(struct virtio_devices *vd, struct machine *m, struct board_slots *slots,
                           const struct virtio_options *o, struct err *err);
/* Stops and frees every transport, device and backend (before the machine's memory goes). */
void virtio_devices__destroy(struct virtio_devices *vd);

int virtio_devices__add_disk(struct virtio_devices *vd, const struct virtio_blk_params *params,
                             struct err *err);
int virtio_devices__add_console(struct virtio_devices *vd, struct err *err);
int virtio_devices__add_rng(struct virtio_devices *vd, struct err *err);
int virtio_devices__add_balloon(struct virtio_devices *vd, uint64_t target, struct err *err);
/* Opens the NIC's backend and adds a virtio-net on it; index numbers the VM's NICs. */
int virtio_devices__add_net(struct virtio_devices *vd, const struct net_options *nic,
                            const char *vm_name, unsigned index, struct err *err);

struct console_input;
/* Fills *in so that the host terminal's input goes to the virtio console (--console virtio). */
void virtio_devices__console_input(const struct virtio_devices *vd, struct console_input *in);

#endif
