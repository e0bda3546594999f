/* SPDX-License-Identifier: Apache-2.0 */
/*
 * console.h - virtio-console (virtio 1.2, 5.3) with a single port and no
 * multiport control queue: the guest's hvc0. What the guest transmits goes
 * to a sink (stdout unless told otherwise); host bytes reach the guest
 * through virtio_console__receive(), which takes only what the guest has
 * buffers for and says when it has more, as uart8250__receive() does.
 * Emergency writes (VIRTIO_CONSOLE_F_EMERG_WRITE) go to the same sink.
 */
#ifndef STRATA_DEVICES_VIRTIO_CONSOLE_H
#define STRATA_DEVICES_VIRTIO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "devices/virtio/core.h"

#define VIRTIO_CONSOLE_STATE_VERSION 1

struct virtio_console;

struct virtio_console_state {
    uint32_t version;
    struct virtio_dev_state core;
};

/* Where transmitted bytes go; called from vCPU or event threads, one chain at a time. */
typedef void virtio_console_tx_fn(void *opaque, const uint8_t *bytes, size_t n);
/* Told that the guest gave receive buffers after virtio_console__receive refused bytes. */
typedef void virtio_console_rx_ready_fn(void *opaque);

/* The device; its core goes behind a transport next (virtio_console__virtio). */
struct virtio_console *virtio_console__create(struct machine *m, struct err *err);
/* The transport must be gone. */
void virtio_console__destroy(struct virtio_console *vc);
/* The device's virtio core, for a transport. */
struct virtio_dev *virtio_console__virtio(struct virtio_console *vc);

void virtio_console__set_tx(struct virtio_console *vc, virtio_console_tx_fn *fn, void *opaque);
void virtio_console__set_rx_ready(struct virtio_console *vc, virtio_console_rx_ready_fn *fn,
                                  void *opaque);

/* Offers n bytes to the guest; returns how many it took (thread-safe). */
size_t virtio_console__receive(struct virtio_console *vc, const uint8_t *bytes, size_t n);

void virtio_console__save(struct virtio_console *vc, struct virtio_console_state *state);
int virtio_console__load(struct virtio_console *vc, const struct virtio_console_state *state,
                         struct err *err);

#endif
