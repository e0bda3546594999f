/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio.h - numbers from the virtio 1.2 specification shared by the
 * transport and the devices: device status bits (2.1), reserved feature
 * bits (6) and device IDs (5). The ISR bits are in core.h.
 */
#ifndef STRATA_DEVICES_VIRTIO_VIRTIO_H
#define STRATA_DEVICES_VIRTIO_VIRTIO_H

#include <stdint.h>

/* Device status field (2.1) */
#define VIRTIO_STATUS_ACKNOWLEDGE        0x01u
#define VIRTIO_STATUS_DRIVER             0x02u
#define VIRTIO_STATUS_DRIVER_OK          0x04u
#define VIRTIO_STATUS_FEATURES_OK        0x08u
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 0x40u
#define VIRTIO_STATUS_FAILED             0x80u

/* Reserved feature bits (6) */
#define VIRTIO_F_RING_INDIRECT_DESC 28
#define VIRTIO_F_RING_EVENT_IDX     29
#define VIRTIO_F_VERSION_1          32

#define VIRTIO_FEATURE(bit) (1ull << (bit))

/* Device IDs (5) */
#define VIRTIO_ID_NET     1
#define VIRTIO_ID_BLOCK   2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_ENTROPY 4
#define VIRTIO_ID_BALLOON 5

#endif
