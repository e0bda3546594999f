/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mmio.h - the virtio-mmio transport, version 2 (virtio 1.2, 4.2): one
 * device core's register window on the machine's MMIO bus and its
 * interrupt line. The core (core.h) does the work; the transport lays out
 * its registers, drives the line and sets up the engine's fast paths.
 *
 * Notifications: the driver's QueueNotify write calls virtio__notify
 * directly on the vCPU thread (emu), or, where the engine has ioeventfds
 * (kvm), signals an eventfd that the event thread of notify.c turns into
 * the same call. Interrupts: the line is high while the ISR is non-zero
 * (set_irq); where the engine has irqfds (kvm), each rise of that level is
 * sent as an edge through the irqfd, which is what the edge-triggered ISA
 * pins the MP and ACPI tables describe see.
 *
 * Registers below 0x100 take aligned 32-bit accesses only (4.2.2.2);
 * anything else is logged and dropped (reads as 0). The configuration
 * space takes 8-, 16-, 32- and 64-bit accesses inside config_size.
 */
#ifndef STRATA_DEVICES_VIRTIO_MMIO_H
#define STRATA_DEVICES_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/core.h"
#include "util/err.h"

struct machine;
struct virtio_mmio;

#define VIRTIO_MMIO_WINDOW_SIZE 0x1000      /* the register window: registers, then configuration */
#define VIRTIO_MMIO_VENDOR_ID   0x41525453u /* "STRA" */

/* Register offsets (4.2.2) */
#define VIRTIO_MMIO_MAGIC_VALUE         0x000
#define VIRTIO_MMIO_VERSION             0x004
#define VIRTIO_MMIO_DEVICE_ID           0x008
#define VIRTIO_MMIO_VENDOR_ID_REG       0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES     0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES     0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL           0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX       0x034
#define VIRTIO_MMIO_QUEUE_NUM           0x038
#define VIRTIO_MMIO_QUEUE_READY         0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY        0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS    0x060
#define VIRTIO_MMIO_INTERRUPT_ACK       0x064
#define VIRTIO_MMIO_STATUS              0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW      0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH     0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW    0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH   0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW    0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH   0x0a4
#define VIRTIO_MMIO_SHM_SEL             0x0ac
#define VIRTIO_MMIO_SHM_LEN_LOW         0x0b0
#define VIRTIO_MMIO_SHM_LEN_HIGH        0x0b4
#define VIRTIO_MMIO_SHM_BASE_LOW        0x0b8
#define VIRTIO_MMIO_SHM_BASE_HIGH       0x0bc
#define VIRTIO_MMIO_CONFIG_GENERATION   0x0fc
#define VIRTIO_MMIO_CONFIG              0x100

#define VIRTIO_MMIO_MAGIC 0x74726976u /* "virt" */

/*
 * Puts the device core vd behind a register window [base, base + 4 KiB) on
 * m's MMIO bus, interrupting on gsi. The core stays the device's.
 */
struct virtio_mmio *virtio_mmio__create(struct machine *m, uint64_t base, unsigned gsi,
                                        struct virtio_dev *vd, struct err *err);
/* Stops the event thread and detaches from the core (before the core goes). NULL is fine. */
void virtio_mmio__destroy(struct virtio_mmio *t);

#endif
