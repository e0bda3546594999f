// SPDX-License-Identifier: Apache-2.0
/* virtio_fixture.c - machine, rings and driver steps for the virtio tests (see virtio_fixture.h).
 */
#include "virtio_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

struct vf_irq vf_irqs[VF_NR_GSIS];
unsigned vf_ram_written_calls;
uint64_t vf_ram_written_bytes;

static void record_irq(struct machine *m, unsigned gsi, bool level)
{
    (void)m;
    assert_true(gsi < VF_NR_GSIS);
    if (level && !vf_irqs[gsi].level)
        vf_irqs[gsi].rises++;
    vf_irqs[gsi].level = level;
}

static void record_ram_written(struct machine *m, uint64_t gpa, uint64_t len)
{
    assert_non_null(guest_memory__hva(&m->mem, gpa, len));
    vf_ram_written_calls++;
    vf_ram_written_bytes += len;
}

static const struct engine_ops recording_engine = {
    .name = "recording", .set_irq = record_irq, .ram_written = record_ram_written};

void vf_machine__init(struct machine *m)
{
    const struct machine_config cfg = {
        .ram_size = VF_RAM_SIZE, .ncpus = 1, .engine = &recording_engine};
    struct err err;
    assert_int_equal(machine__init(m, &cfg, &err), 0);
    memset(vf_irqs, 0, sizeof(vf_irqs));
    vf_ram_written_calls = 0;
    vf_ram_written_bytes = 0;
}

void vf_machine__destroy(struct machine *m)
{
    machine__destroy(m);
}

void *vf_hva(struct machine *m, uint64_t gpa)
{
    void *p = guest_memory__hva(&m->mem, gpa, 1);
    assert_non_null(p);
    return p;
}

static void put16(struct machine *m, uint64_t gpa, uint16_t v)
{
    memcpy(vf_hva(m, gpa), &v, 2);
}

static uint16_t get16(struct machine *m, uint64_t gpa)
{
    uint16_t v;
    memcpy(&v, vf_hva(m, gpa), 2);
    return v;
}

void vf_ring__init(struct vf_ring *r, struct machine *m, uint16_t num, uint64_t base)
{
    *r = (struct vf_ring){
        .m = m, .num = num, .desc = base, .avail = base + 0x1000, .used = base + 0x2000};
    memset(vf_hva(m, base), 0, 0x3000);
}

void vf_desc_at(struct machine *m, uint64_t table, unsigned i, uint64_t addr, uint32_t len,
                uint16_t flags, uint16_t next)
{
    uint8_t *p = vf_hva(m, table + 16ull * i);
    memcpy(p, &addr, 8);
    memcpy(p + 8, &len, 4);
    memcpy(p + 12, &flags, 2);
    memcpy(p + 14, &next, 2);
}

void vf_ring__desc(struct vf_ring *r, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                   uint16_t next)
{
    vf_desc_at(r->m, r->desc, i, addr, len, flags, next);
}

void vf_ring__publish(struct vf_ring *r, uint16_t head)
{
    put16(r->m, r->avail + 4 + 2u * (r->avail_idx % r->num), head);
    vf_ring__set_avail_idx(r, (uint16_t)(r->avail_idx + 1));
}

void vf_ring__set_avail_idx(struct vf_ring *r, uint16_t idx)
{
    r->avail_idx = idx;
    put16(r->m, r->avail + 2, idx);
}

void vf_ring__set_avail_flags(struct vf_ring *r, uint16_t flags)
{
    put16(r->m, r->avail, flags);
}

void vf_ring__set_used_event(struct vf_ring *r, uint16_t event)
{
    put16(r->m, r->avail + 4 + 2u * r->num, event);
}

uint16_t vf_ring__avail_event(struct vf_ring *r)
{
    return get16(r->m, r->used + 4 + 8u * r->num);
}

uint16_t vf_ring__used_idx(struct vf_ring *r)
{
    return __atomic_load_n((uint16_t *)vf_hva(r->m, r->used + 2), __ATOMIC_ACQUIRE);
}

void vf_ring__used_elem(struct vf_ring *r, uint16_t slot, uint32_t *id, uint32_t *len)
{
    const uint8_t *p = vf_hva(r->m, r->used + 4 + 8u * (slot % r->num));
    memcpy(id, p, 4);
    memcpy(len, p + 4, 4);
}

bool vf_ring__wait_used(struct vf_ring *r, uint16_t want)
{
    for (int i = 0; i < 5000; i++) {
        if (vf_ring__used_idx(r) == want)
            return true;
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
    return false;
}

uint32_t vf_read(struct machine *m, uint64_t off)
{
    uint64_t v;
    assert_true(bus__read(&m->mmio, VF_BASE + off, 4, &v));
    return (uint32_t)v;
}

void vf_write(struct machine *m, uint64_t off, uint32_t value)
{
    assert_true(bus__write(&m->mmio, VF_BASE + off, 4, value));
}

void vf_driver__start(struct machine *m, uint64_t features, struct vf_ring *rings, unsigned nrings)
{
    vf_write(m, VIRTIO_MMIO_STATUS, 0);
    vf_write(m, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    vf_write(m, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    vf_write(m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    vf_write(m, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
    vf_write(m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    vf_write(m, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
    uint32_t st = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
    vf_write(m, VIRTIO_MMIO_STATUS, st);
    assert_true(vf_read(m, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
    for (unsigned q = 0; q < nrings; q++) {
        vf_write(m, VIRTIO_MMIO_QUEUE_SEL, q);
        vf_write(m, VIRTIO_MMIO_QUEUE_NUM, rings[q].num);
        vf_write(m, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)rings[q].desc);
        vf_write(m, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(rings[q].desc >> 32));
        vf_write(m, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)rings[q].avail);
        vf_write(m, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(rings[q].avail >> 32));
        vf_write(m, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)rings[q].used);
        vf_write(m, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(rings[q].used >> 32));
        vf_write(m, VIRTIO_MMIO_QUEUE_READY, 1);
        assert_int_equal(vf_read(m, VIRTIO_MMIO_QUEUE_READY), 1);
    }
    vf_write(m, VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
}
