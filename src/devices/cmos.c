// SPDX-License-Identifier: Apache-2.0
/*
 * cmos.c - MC146818 RTC and CMOS RAM (see cmos.h).
 *
 * Follows the Motorola MC146818A datasheet: time, alarm and calendar
 * registers 0x00-0x09 in BCD or binary (register B bit 2) and 12- or 24-hour
 * form (register B bit 1); register A's update-in-progress bit; register B's
 * SET bit freezing the clock while the guest writes a new time; register D's
 * valid-RAM bit. The century lives at 0x32 as on PCs.
 *
 * The clock is not ticked: each read computes the time from the host's UTC
 * clock plus an offset, which changes only when the guest sets the time.
 * UIP reads 1 during the last 244 us of every second, when the real chip
 * would be about to update, so an OS that waits for UIP to clear and then
 * reads all registers sees one consistent time.
 *
 * The RTC raises no interrupts (periodic, alarm, update-ended): register C
 * reads 0. The memory-size bytes are those QEMU's PC board stores (base,
 * extended, above 16 MiB in 64 KiB units, above 4 GiB in 64 KiB units).
 */
#include "devices/cmos.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices/isa.h"
#include "machine/layout.h"

/* Registers */
enum {
    REG_SECONDS = 0x00,
    REG_MINUTES = 0x02,
    REG_HOURS = 0x04,
    REG_WEEKDAY = 0x06,
    REG_DAY = 0x07,
    REG_MONTH = 0x08,
    REG_YEAR = 0x09,
    REG_A = 0x0a,
    REG_B = 0x0b,
    REG_C = 0x0c,
    REG_D = 0x0d,
    REG_BASE_MEM_LO = 0x15,
    REG_BASE_MEM_HI = 0x16,
    REG_EXT_MEM_LO = 0x17,
    REG_EXT_MEM_HI = 0x18,
    REG_EXT_MEM2_LO = 0x30,
    REG_EXT_MEM2_HI = 0x31,
    REG_CENTURY = 0x32,
    REG_MEM_16M_LO = 0x34,
    REG_MEM_16M_HI = 0x35,
    REG_MEM_4G_LO = 0x5b,
    REG_MEM_4G_MID = 0x5c,
    REG_MEM_4G_HI = 0x5d,
};

#define A_UIP         0x80
#define A_DIVIDER     0x70
#define A_DIVIDER_32K 0x20 /* 32.768 kHz time base, the one that counts */
#define A_RATE_1024HZ 0x06
#define B_SET         0x80
#define B_UIE         0x10
#define B_BINARY      0x04
#define B_24H         0x02
#define D_VALID_RAM   0x80
#define HOUR_PM       0x80
#define INDEX_NMI_OFF 0x80
#define UIP_WINDOW_NS 244000L

/* Saved state has no implicit padding: its bytes are all defined. */
_Static_assert(sizeof(struct cmos_state) == 144, "cmos_state layout");

struct cmos {
    pthread_mutex_t lock;
    struct cmos_state s;
};

static void store16(uint8_t *ram, unsigned lo, unsigned hi, uint64_t value)
{
    if (value > 0xffff)
        value = 0xffff;
    ram[lo] = (uint8_t)value;
    ram[hi] = (uint8_t)(value >> 8);
}

static void store_memory_sizes(uint8_t *ram, const struct guest_memory *mem)
{
    uint64_t below_4g = guest_memory__low_end(mem);
    uint64_t above_4g = mem->ram_size - below_4g;
    uint64_t base_kib = below_4g / KIB(1) < 640 ? below_4g / KIB(1) : 640;

    store16(ram, REG_BASE_MEM_LO, REG_BASE_MEM_HI, base_kib);
    uint64_t ext_kib = below_4g > MIB(1) ? (below_4g - MIB(1)) / KIB(1) : 0;
    store16(ram, REG_EXT_MEM_LO, REG_EXT_MEM_HI, ext_kib);
    store16(ram, REG_EXT_MEM2_LO, REG_EXT_MEM2_HI, ext_kib);
    store16(ram, REG_MEM_16M_LO, REG_MEM_16M_HI,
            below_4g > MIB(16) ? (below_4g - MIB(16)) / KIB(64) : 0);
    uint64_t above_64k = above_4g / KIB(64);
    ram[REG_MEM_4G_LO] = (uint8_t)above_64k;
    ram[REG_MEM_4G_MID] = (uint8_t)(above_64k >> 8);
    ram[REG_MEM_4G_HI] = (uint8_t)(above_64k >> 16);
}

struct cmos *cmos__create(const struct guest_memory *mem, struct err *err)
{
    struct cmos *cmos = calloc(1, sizeof(*cmos));
    if (!cmos) {
        err__set(err, "cmos: out of memory");
        return NULL;
    }
    pthread_mutex_init(&cmos->lock, NULL);
    struct cmos_state *s = &cmos->s;
    s->version = CMOS_STATE_VERSION;
    s->ram[REG_A] = A_DIVIDER_32K | A_RATE_1024HZ;
    s->ram[REG_B] = B_24H;
    s->ram[REG_D] = D_VALID_RAM;
    store_memory_sizes(s->ram, mem);
    return cmos;
}

void cmos__destroy(struct cmos *cmos)
{
    if (!cmos)
        return;
    pthread_mutex_destroy(&cmos->lock);
    free(cmos);
}

static bool is_time_register(unsigned reg)
{
    switch (reg) {
    case REG_SECONDS:
    case REG_MINUTES:
    case REG_HOURS:
    case REG_WEEKDAY:
    case REG_DAY:
    case REG_MONTH:
    case REG_YEAR:
    case REG_CENTURY: return true;
    default: return false;
    }
}

static uint8_t encode(const struct cmos_state *s, unsigned value)
{
    value %= 100;
    return s->ram[REG_B] & B_BINARY ? (uint8_t)value : (uint8_t)((value / 10) << 4 | value % 10);
}

static unsigned decode(const struct cmos_state *s, uint8_t value)
{
    return s->ram[REG_B] & B_BINARY ? value : (value >> 4) * 10u + (value & 0x0f);
}

static uint8_t encode_hour(const struct cmos_state *s, unsigned hour)
{
    if (s->ram[REG_B] & B_24H)
        return encode(s, hour);
    unsigned h12 = hour % 12 ? hour % 12 : 12;
    return encode(s, h12) | (hour >= 12 ? HOUR_PM : 0);
}

static unsigned decode_hour(const struct cmos_state *s, uint8_t value)
{
    if (s->ram[REG_B] & B_24H)
        return decode(s, value);
    return decode(s, value & ~HOUR_PM) % 12 + (value & HOUR_PM ? 12 : 0);
}

static struct timespec host_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return now;
}

/* A time register as the clock shows it at guest time `t`. */
static uint8_t time_register(const struct cmos_state *s, unsigned reg, time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    unsigned year = (unsigned)tm.tm_year + 1900;
    switch (reg) {
    case REG_SECONDS: return encode(s, (unsigned)tm.tm_sec);
    case REG_MINUTES: return encode(s, (unsigned)tm.tm_min);
    case REG_HOURS: return encode_hour(s, (unsigned)tm.tm_hour);
    case REG_WEEKDAY: return encode(s, (unsigned)tm.tm_wday + 1);
    case REG_DAY: return encode(s, (unsigned)tm.tm_mday);
    case REG_MONTH: return encode(s, (unsigned)tm.tm_mon + 1);
    case REG_YEAR: return encode(s, year % 100);
    default: return encode(s, year / 100); /* REG_CENTURY */
    }
}

static time_t guest_now(const struct cmos_state *s)
{
    return host_now().tv_sec + (time_t)s->clock_offset;
}

/* Copies the running time into the RAM, to be frozen there while SET is on. */
static void freeze_time(struct cmos_state *s)
{
    time_t t = guest_now(s);
    for (unsigned reg = 0; reg < CMOS_RAM_SIZE; reg++)
        if (is_time_register(reg))
            s->ram[reg] = time_register(s, reg, t);
}

/* Makes the time in the RAM the running time. */
static void thaw_time(struct cmos_state *s)
{
    struct tm tm = {
        .tm_sec = (int)decode(s, s->ram[REG_SECONDS]),
        .tm_min = (int)decode(s, s->ram[REG_MINUTES]),
        .tm_hour = (int)decode_hour(s, s->ram[REG_HOURS]),
        .tm_mday = (int)decode(s, s->ram[REG_DAY]),
        .tm_mon = (int)decode(s, s->ram[REG_MONTH]) - 1,
        .tm_year = (int)(decode(s, s->ram[REG_CENTURY]) * 100 + decode(s, s->ram[REG_YEAR])) - 1900,
    };
    time_t t = timegm(&tm); /* normalizes out-of-range fields the guest wrote */
    s->clock_offset = (int64_t)t - (int64_t)host_now().tv_sec;
}

static bool update_in_progress(const struct cmos_state *s)
{
    if ((s->ram[REG_B] & B_SET) || (s->ram[REG_A] & A_DIVIDER) != A_DIVIDER_32K)
        return false;
    return host_now().tv_nsec >= 1000000000L - UIP_WINDOW_NS;
}

static uint8_t read_register(const struct cmos_state *s, unsigned reg)
{
    if (is_time_register(reg) && !(s->ram[REG_B] & B_SET))
        return time_register(s, reg, guest_now(s));
    if (reg == REG_A)
        return (s->ram[REG_A] & ~A_UIP) | (update_in_progress(s) ? A_UIP : 0);
    return s->ram[reg];
}

static void write_register(struct cmos_state *s, unsigned reg, uint8_t value)
{
    if (is_time_register(reg)) {
        bool running = !(s->ram[REG_B] & B_SET);
        if (running)
            freeze_time(s);
        s->ram[reg] = value;
        if (running)
            thaw_time(s);
        return;
    }
    switch (reg) {
    case REG_A: s->ram[REG_A] = value & ~A_UIP; break;
    case REG_B: {
        bool was_set = s->ram[REG_B] & B_SET;
        if (value & B_SET)
            value &= ~B_UIE; /* setting SET clears UIE */
        s->ram[REG_B] = value;
        if (!was_set && (value & B_SET))
            freeze_time(s);
        else if (was_set && !(value & B_SET))
            thaw_time(s);
        break;
    }
    case REG_C:
    case REG_D: break; /* read-only */
    default: s->ram[reg] = value; break;
    }
}

static uint64_t bus_read(void *opaque, uint64_t offset, unsigned size)
{
    struct cmos *cmos = opaque;
    if (offset == 0)
        return isa__widen_read(0xff, size); /* the index port is write-only */
    pthread_mutex_lock(&cmos->lock);
    uint8_t value = read_register(&cmos->s, cmos->s.index);
    pthread_mutex_unlock(&cmos->lock);
    return isa__widen_read(value, size);
}

static void bus_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    struct cmos *cmos = opaque;
    (void)size;
    pthread_mutex_lock(&cmos->lock);
    if (offset == 0) {
        cmos->s.index = value & (CMOS_RAM_SIZE - 1);
        cmos->s.nmi_disabled = !!(value & INDEX_NMI_OFF);
    } else {
        write_register(&cmos->s, cmos->s.index, (uint8_t)value);
    }
    pthread_mutex_unlock(&cmos->lock);
}

const struct bus_ops cmos_bus_ops = {.read = bus_read, .write = bus_write};

void cmos__save(struct cmos *cmos, struct cmos_state *state)
{
    pthread_mutex_lock(&cmos->lock);
    *state = cmos->s;
    pthread_mutex_unlock(&cmos->lock);
}

int cmos__load(struct cmos *cmos, const struct cmos_state *state, struct err *err)
{
    if (state->version != CMOS_STATE_VERSION)
        return err__set(err, "cmos: unsupported state version %u", state->version);
    pthread_mutex_lock(&cmos->lock);
    cmos->s = *state;
    cmos->s.index &= CMOS_RAM_SIZE - 1;
    cmos->s.nmi_disabled = !!cmos->s.nmi_disabled;
    pthread_mutex_unlock(&cmos->lock);
    return 0;
}
