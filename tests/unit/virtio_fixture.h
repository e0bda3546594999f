/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio_fixture.h - what the virtio unit tests share: a machine with 1 MiB
 * of RAM and a recording engine (interrupt levels, device writes into RAM),
 * a driver's view of one split ring in that RAM, and the driver side of
 * virtio-mmio register access and device initialization (virtio 1.2, 3.1.1).
 */
#ifndef STRATA_TESTS_VIRTIO_FIXTURE_H
#define STRATA_TESTS_VIRTIO_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/mmio.h"
#include "devices/virtio/queue.h"
#include "devices/virtio/virtio.h"
#include "board/layout.h"
#include "machine/machine.h"

#define VF_RAM_SIZE (1u << 20)
#define VF_NR_GSIS  24
#define VF_BASE     LAYOUT_VIRTIO_MMIO_BASE
#define VF_GSI      5
#define VF_DATA_GPA 0x40000ull /* buffers from here on */

struct vf_irq {
    bool level;
    unsigned rises;
};

/* What the recording engine saw. */
extern struct vf_irq vf_irqs[VF_NR_GSIS];
extern unsigned vf_ram_written_calls;
extern uint64_t vf_ram_written_bytes;

void vf_machine__init(struct machine *m);
void vf_machine__destroy(struct machine *m);
void *vf_hva(struct machine *m, uint64_t gpa);

/* One split ring at base (descriptors), base + 4 KiB (available), base + 8 KiB (used). */
struct vf_ring {
    struct machine *m;
    uint16_t num;
    uint64_t desc, avail, used;
    uint16_t avail_idx;
};

void vf_ring__init(struct vf_ring *r, struct machine *m, uint16_t num, uint64_t base);
void vf_ring__desc(struct vf_ring *r, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                   uint16_t next);
/* Writes a descriptor into an arbitrary table (an indirect one) at gpa. */
void vf_desc_at(struct machine *m, uint64_t table, unsigned i, uint64_t addr, uint32_t len,
                uint16_t flags, uint16_t next);
/* Puts head on the available ring and moves the index on. */
void vf_ring__publish(struct vf_ring *r, uint16_t head);
void vf_ring__set_avail_idx(struct vf_ring *r, uint16_t idx);
void vf_ring__set_avail_flags(struct vf_ring *r, uint16_t flags);
void vf_ring__set_used_event(struct vf_ring *r, uint16_t event);
uint16_t vf_ring__avail_event(struct vf_ring *r);
uint16_t vf_ring__used_idx(struct vf_ring *r);
/* The used ring element at position slot (mod num). */
void vf_ring__used_elem(struct vf_ring *r, uint16_t slot, uint32_t *id, uint32_t *len);
/* Waits (up to 5 s) until the used index reaches want; false on timeout. */
bool vf_ring__wait_used(struct vf_ring *r, uint16_t want);

/* virtio-mmio registers at VF_BASE through the machine's MMIO bus. */
uint32_t vf_read(struct machine *m, uint64_t off);
void vf_write(struct machine *m, uint64_t off, uint32_t value);

/*
 * Initializes the device at VF_BASE as a driver does: reset, ACKNOWLEDGE,
 * DRIVER, features, FEATURES_OK (checked), queues i = rings[i], DRIVER_OK.
 */
void vf_driver__start(struct machine *m, uint64_t features, struct vf_ring *rings, unsigned nrings);

#endif
