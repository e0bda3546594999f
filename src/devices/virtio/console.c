// SPDX-License-Identifier: Apache-2.0
/*
 * console.c - virtio-console (virtio 1.2, 5.3; see console.h): receiveq0
 * (queue 0, host to guest) and transmitq0 (queue 1, guest to host), no
 * VIRTIO_CONSOLE_F_MULTIPORT. Configuration space (5.3.4): le16 cols,
 * le16 rows, le32 max_nr_ports, le32 emerg_wr.
 */
#include "devices/virtio/console.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/virtio/virtio.h"

#define VIRTIO_CONSOLE_F_EMERG_WRITE 2

#define RX_QUEUE     0
#define TX_QUEUE     1
#define CFG_EMERG_WR 8
#define CFG_SIZE     12
#define TX_CHUNK     512

struct virtio_console {
    struct virtio_dev *vdev;
    /* Guards the callbacks and rx_waiting. */
    pthread_mutex_t lock;
    virtio_console_tx_fn *tx;
    void *tx_opaque;
    virtio_console_rx_ready_fn *rx_ready;
    void *rx_ready_opaque;
    bool rx_waiting; /* receive may have refused bytes: call rx_ready when buffers come */
    /* One chain each for receiving and transmitting, each under its lock (in order). */
    pthread_mutex_t rx_lock, tx_lock;
    struct virtq_chain rx_chain, tx_chain;
};

static void tx_to_stdout(void *opaque, const uint8_t *bytes, size_t n)
{
    (void)opaque;
    while (n) {
        ssize_t w = write(STDOUT_FILENO, bytes, n);
        if (w <= 0)
            return; /* a closed or broken stdout loses the output, as the UART's does */
        bytes += w;
        n -= (size_t)w;
    }
}

static void transmit(struct virtio_console *vc, const uint8_t *bytes, size_t n)
{
    pthread_mutex_lock(&vc->lock);
    vc->tx(vc->tx_opaque, bytes, n);
    pthread_mutex_unlock(&vc->lock);
}

static void drain_tx(struct virtio_console *vc)
{
    struct virtq_chain *c = &vc->tx_chain;
    pthread_mutex_lock(&vc->tx_lock);
    while (virtio__pop(vc->vdev, TX_QUEUE, c)) {
        uint8_t buf[TX_CHUNK];
        size_t n;
        for (uint64_t off = 0; (n = virtq_chain__read(c, off, buf, sizeof(buf))) > 0; off += n)
            transmit(vc, buf, n);
        virtio__push(vc->vdev, TX_QUEUE, c, 0);
    }
    pthread_mutex_unlock(&vc->tx_lock);
}

static void rx_buffers_added(struct virtio_console *vc)
{
    pthread_mutex_lock(&vc->lock);
    bool waiting = vc->rx_waiting;
    vc->rx_waiting = false;
    if (waiting && vc->rx_ready)
        vc->rx_ready(vc->rx_ready_opaque);
    pthread_mutex_unlock(&vc->lock);
}

static void console_queue_notify(void *dev, unsigned q)
{
    struct virtio_console *vc = dev;
    if (q == TX_QUEUE)
        drain_tx(vc);
    else if (q == RX_QUEUE)
        rx_buffers_added(vc);
}

/* Only emerg_wr is writable: its low byte goes out at once and nothing is stored. */
static void console_config_write(void *dev, uint32_t offset, unsigned size, uint64_t value)
{
    struct virtio_console *vc = dev;
    (void)size;
    if (offset != CFG_EMERG_WR)
        return;
    uint8_t byte = (uint8_t)value;
    transmit(vc, &byte, 1);
}

static const struct virtio_device_ops console_ops = {
    .queue_notify = console_queue_notify,
    .config_write = console_config_write,
};

size_t virtio_console__receive(struct virtio_console *vc, const uint8_t *bytes, size_t n)
{
    /*
     * Armed before looking at the ring, so that buffers the guest adds after
     * our last look always lead to rx_ready. At worst a wake-up is spurious.
     */
    pthread_mutex_lock(&vc->lock);
    vc->rx_waiting = true;
    pthread_mutex_unlock(&vc->lock);

    size_t taken = 0;
    pthread_mutex_lock(&vc->rx_lock);
    virtio__work_begin(vc->vdev);
    while (taken < n && virtio__pop(vc->vdev, RX_QUEUE, &vc->rx_chain)) {
        size_t k = virtq_chain__write(&vc->rx_chain, 0, bytes + taken, n - taken);
        taken += k;
        virtio__push(vc->vdev, RX_QUEUE, &vc->rx_chain, (uint32_t)k);
    }
    virtio__work_end(vc->vdev);
    pthread_mutex_unlock(&vc->rx_lock);
    return taken;
}

void virtio_console__set_tx(struct virtio_console *vc, virtio_console_tx_fn *fn, void *opaque)
{
    pthread_mutex_lock(&vc->lock);
    vc->tx = fn ? fn : tx_to_stdout;
    vc->tx_opaque = opaque;
    pthread_mutex_unlock(&vc->lock);
}

void virtio_console__set_rx_ready(struct virtio_console *vc, virtio_console_rx_ready_fn *fn,
                                  void *opaque)
{
    pthread_mutex_lock(&vc->lock);
    vc->rx_ready = fn;
    vc->rx_ready_opaque = opaque;
    pthread_mutex_unlock(&vc->lock);
}

struct virtio_console *virtio_console__create(struct machine *m, struct err *err)
{
    struct virtio_console *vc = calloc(1, sizeof(*vc));
    if (!vc) {
        err__set(err, "virtio-console: out of memory");
        return NULL;
    }
    pthread_mutex_init(&vc->lock, NULL);
    pthread_mutex_init(&vc->rx_lock, NULL);
    pthread_mutex_init(&vc->tx_lock, NULL);
    vc->tx = tx_to_stdout;
    const struct virtio_device_info info = {
        .name = "virtio-console",
        .device_id = VIRTIO_ID_CONSOLE,
        .nqueues = 2,
        .features = VIRTIO_FEATURE(VIRTIO_CONSOLE_F_EMERG_WRITE),
        .config_size = CFG_SIZE,
    };
    vc->vdev = virtio__create(m, &info, &console_ops, vc, err);
    if (!vc->vdev) {
        virtio_console__destroy(vc);
        return NULL;
    }
    return vc;
}

void virtio_console__destroy(struct virtio_console *vc)
{
    if (!vc)
        return;
    virtio__destroy(vc->vdev);
    pthread_mutex_destroy(&vc->lock);
    pthread_mutex_destroy(&vc->rx_lock);
    pthread_mutex_destroy(&vc->tx_lock);
    free(vc);
}

struct virtio_dev *virtio_console__virtio(struct virtio_console *vc)
{
    return vc->vdev;
}

void virtio_console__save(struct virtio_console *vc, struct virtio_console_state *state)
{
    memset(state, 0, sizeof(*state));
    state->version = VIRTIO_CONSOLE_STATE_VERSION;
    virtio__save(vc->vdev, &state->core);
}

int virtio_console__load(struct virtio_console *vc, const struct virtio_console_state *state,
                         struct err *err)
{
    if (state->version != VIRTIO_CONSOLE_STATE_VERSION)
        return err__set(err, "virtio-console: state version %u, want %u", state->version,
                        VIRTIO_CONSOLE_STATE_VERSION);
    return virtio__load(vc->vdev, &state->core, err);
}
