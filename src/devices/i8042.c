// SPDX-License-Identifier: Apache-2.0
/*
 * i8042.c - keyboard controller model (see i8042.h).
 *
 * Follows the IBM PC/AT and PS/2 technical references for the 8042 commands
 * and status bits, as OSes use them (Linux's drivers/input/serio/i8042.c is
 * the main customer): read/write the command byte (0x20/0x60), aux port
 * disable/enable/test (0xA7-0xA9), self test (0xAA -> 0x55), keyboard
 * interface test and disable/enable (0xAB, 0xAD, 0xAE), output port
 * read/write (0xD0/0xD1), write to the keyboard, aux output buffer and aux
 * device (0xD2-0xD4), and pulse output lines (0xF0-0xFF).
 *
 * The keyboard answers its commands as a PS/2 keyboard in scan code set 2
 * would (ACK, reset with a passed self test, identify as 0xAB 0x83, echo),
 * so an OS's keyboard probe finishes at once instead of timing out. No
 * mouse is attached: bytes sent to the aux device come back as 0xFE with
 * the time-out status bit, as on a PS/2 machine with the mouse unplugged.
 * Scan code translation (command byte bit 6) is not done: nothing is typed.
 *
 * Interrupt lines: IRQ 1 while a keyboard byte waits and the command byte
 * enables it, IRQ 12 likewise for aux bytes. When a read leaves another
 * byte waiting, the line drops and rises again so edge-triggered
 * controllers see each byte.
 */
#include "devices/i8042.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "devices/isa.h"
#include "machine/irq.h"
#include "machine/machine.h"
#include "util/log.h"

/* Status register */
#define STR_OBF     0x01
#define STR_SYSFLAG 0x04
#define STR_CMDDAT  0x08
#define STR_KEYLOCK 0x10 /* 1: keyboard not inhibited by the key lock */
#define STR_AUXDATA 0x20
#define STR_TIMEOUT 0x40

/* Controller command byte */
#define CTR_KBDINT  0x01
#define CTR_AUXINT  0x02
#define CTR_SYSFLAG 0x04
#define CTR_KBDDIS  0x10
#define CTR_AUXDIS  0x20

/* Controller commands */
#define CMD_READ_CTR       0x20
#define CMD_READ_RAM_LAST  0x3f
#define CMD_WRITE_CTR      0x60
#define CMD_WRITE_RAM_LAST 0x7f
#define CMD_AUX_DISABLE    0xa7
#define CMD_AUX_ENABLE     0xa8
#define CMD_AUX_TEST       0xa9
#define CMD_SELF_TEST      0xaa
#define CMD_KBD_TEST       0xab
#define CMD_KBD_DISABLE    0xad
#define CMD_KBD_ENABLE     0xae
#define CMD_READ_OUTPORT   0xd0
#define CMD_WRITE_OUTPORT  0xd1
#define CMD_WRITE_KBD_OUT  0xd2
#define CMD_WRITE_AUX_OUT  0xd3
#define CMD_WRITE_AUX_DEV  0xd4
#define CMD_PULSE_FIRST    0xf0

#define SELF_TEST_PASSED      0x55
#define INTERFACE_TEST_PASSED 0x00

#define OUTPORT_RESET 0x01 /* active low: 0 holds the CPU in reset */
#define OUTPORT_A20   0x02

/* PS/2 keyboard commands and answers */
#define KBD_SET_LEDS      0xed
#define KBD_ECHO          0xee
#define KBD_SCANCODE_SET  0xf0
#define KBD_IDENTIFY      0xf2
#define KBD_SET_TYPEMATIC 0xf3
#define KBD_FIRST_SIMPLE  0xf4 /* 0xf4-0xfe take no parameter and answer ACK */
#define KBD_RESET         0xff
#define KBD_ACK           0xfa
#define KBD_RESEND        0xfe
#define KBD_BAT_PASSED    0xaa
#define KBD_ID_1          0xab
#define KBD_ID_2          0x83
#define KBD_CURRENT_SET   0x02

#define AUX_NO_DEVICE 0xfe

#define POWER_ON_CTR     (CTR_KBDINT | CTR_SYSFLAG)
#define POWER_ON_OUTPORT (OUTPORT_RESET | OUTPORT_A20)

/* Saved state has no implicit padding: its bytes are all defined. */
_Static_assert(sizeof(struct i8042_state) == 44, "i8042_state layout");

struct i8042 {
    pthread_mutex_t lock;
    struct i8042_state s;
    struct machine *machine;
    struct irq_line kbd_irq, aux_irq;
    bool kbd_level, aux_level; /* levels last given to the engine */
};

struct i8042 *i8042__create(struct machine *m, struct err *err)
{
    struct i8042 *kbc = calloc(1, sizeof(*kbc));
    if (!kbc) {
        err__set(err, "i8042: out of memory");
        return NULL;
    }
    pthread_mutex_init(&kbc->lock, NULL);
    kbc->machine = m;
    irq_line__init(&kbc->kbd_irq, m, I8042_KBD_GSI);
    irq_line__init(&kbc->aux_irq, m, I8042_AUX_GSI);
    kbc->s.version = I8042_STATE_VERSION;
    kbc->s.ctr = POWER_ON_CTR;
    kbc->s.outport = POWER_ON_OUTPORT;
    return kbc;
}

void i8042__destroy(struct i8042 *kbc)
{
    if (!kbc)
        return;
    pthread_mutex_destroy(&kbc->lock);
    free(kbc);
}

static void set_line(const struct irq_line *line, bool *current, bool level)
{
    if (*current != level) {
        *current = level;
        irq_line__set(line, level);
    }
}

static void update_irqs(struct i8042 *kbc)
{
    const struct i8042_state *s = &kbc->s;
    bool aux = s->count && (s->origin[0] & I8042_FROM_AUX);
    set_line(&kbc->kbd_irq, &kbc->kbd_level, s->count && !aux && (s->ctr & CTR_KBDINT));
    set_line(&kbc->aux_irq, &kbc->aux_level, aux && (s->ctr & CTR_AUXINT));
}

static void queue_byte(struct i8042_state *s, uint8_t byte, uint8_t origin)
{
    if (s->count == I8042_QUEUE_SIZE) {
        log_ratelimited("i8042: output buffer full, byte %#x dropped", byte);
        return;
    }
    s->data[s->count] = byte;
    s->origin[s->count] = origin;
    s->count++;
}

static void request_reset(struct i8042 *kbc)
{
    if (!machine__stopped(kbc->machine))
        log__msg("guest reset (i8042)");
    machine__stop(kbc->machine, MACHINE_STOP_RESET, 0);
}

static void keyboard_write(struct i8042_state *s, uint8_t byte)
{
    if (s->kbd_pending_cmd) {
        uint8_t cmd = s->kbd_pending_cmd;
        s->kbd_pending_cmd = 0;
        queue_byte(s, KBD_ACK, 0);
        if (cmd == KBD_SCANCODE_SET && byte == 0) /* 0 asks which set is in use */
            queue_byte(s, KBD_CURRENT_SET, 0);
        return;
    }
    switch (byte) {
    case KBD_SET_LEDS:
    case KBD_SCANCODE_SET:
    case KBD_SET_TYPEMATIC:
        queue_byte(s, KBD_ACK, 0);
        s->kbd_pending_cmd = byte;
        break;
    case KBD_ECHO: queue_byte(s, KBD_ECHO, 0); break;
    case KBD_IDENTIFY:
        queue_byte(s, KBD_ACK, 0);
        queue_byte(s, KBD_ID_1, 0);
        queue_byte(s, KBD_ID_2, 0);
        break;
    case KBD_RESET:
        queue_byte(s, KBD_ACK, 0);
        queue_byte(s, KBD_BAT_PASSED, 0);
        break;
    default: queue_byte(s, byte >= KBD_FIRST_SIMPLE ? KBD_ACK : KBD_RESEND, 0); break;
    }
}

static void write_command(struct i8042 *kbc, uint8_t cmd)
{
    struct i8042_state *s = &kbc->s;
    s->last_was_command = 1;
    s->pending_cmd = 0;

    if (cmd >= CMD_PULSE_FIRST) {
        /* Low nibble: output lines to pulse, active low; bit 0 is the reset line. */
        if (!(cmd & 0x01))
            request_reset(kbc);
        return;
    }
    if (cmd >= CMD_READ_CTR && cmd <= CMD_READ_RAM_LAST) {
        /* Only RAM byte 0, the command byte, means anything. */
        queue_byte(s, cmd == CMD_READ_CTR ? s->ctr : 0, 0);
        return;
    }
    if (cmd >= CMD_WRITE_CTR && cmd <= CMD_WRITE_RAM_LAST) {
        s->pending_cmd = cmd;
        return;
    }
    switch (cmd) {
    case CMD_AUX_DISABLE: s->ctr |= CTR_AUXDIS; break;
    case CMD_AUX_ENABLE: s->ctr &= ~CTR_AUXDIS; break;
    case CMD_AUX_TEST:
    case CMD_KBD_TEST: queue_byte(s, INTERFACE_TEST_PASSED, 0); break;
    case CMD_SELF_TEST: queue_byte(s, SELF_TEST_PASSED, 0); break;
    case CMD_KBD_DISABLE: s->ctr |= CTR_KBDDIS; break;
    case CMD_KBD_ENABLE: s->ctr &= ~CTR_KBDDIS; break;
    case CMD_READ_OUTPORT: queue_byte(s, s->outport, 0); break;
    case CMD_WRITE_OUTPORT:
    case CMD_WRITE_KBD_OUT:
    case CMD_WRITE_AUX_OUT:
    case CMD_WRITE_AUX_DEV: s->pending_cmd = cmd; break;
    default: log_ratelimited("i8042: unknown controller command %#x ignored", cmd); break;
    }
}

static void write_data(struct i8042 *kbc, uint8_t byte)
{
    struct i8042_state *s = &kbc->s;
    uint8_t cmd = s->pending_cmd;
    s->last_was_command = 0;
    s->pending_cmd = 0;

    switch (cmd) {
    case 0: keyboard_write(s, byte); break;
    case CMD_WRITE_CTR: s->ctr = byte; break;
    case CMD_WRITE_OUTPORT:
        s->outport = byte;
        if (!(byte & OUTPORT_RESET))
            request_reset(kbc);
        break;
    case CMD_WRITE_KBD_OUT: queue_byte(s, byte, 0); break;
    case CMD_WRITE_AUX_OUT: queue_byte(s, byte, I8042_FROM_AUX); break;
    case CMD_WRITE_AUX_DEV:
        queue_byte(s, AUX_NO_DEVICE, I8042_FROM_AUX | I8042_FROM_TIMEOUT);
        break;
    default: /* a write to controller RAM other than the command byte */ break;
    }
}

static uint8_t read_data(struct i8042 *kbc)
{
    struct i8042_state *s = &kbc->s;
    if (!s->count)
        return s->last_read;
    s->last_read = s->data[0];
    s->count--;
    memmove(&s->data[0], &s->data[1], s->count);
    memmove(&s->origin[0], &s->origin[1], s->count);
    /* Drop both lines so that a next byte makes a fresh edge. */
    set_line(&kbc->kbd_irq, &kbc->kbd_level, false);
    set_line(&kbc->aux_irq, &kbc->aux_level, false);
    return s->last_read;
}

static uint8_t read_status(const struct i8042_state *s)
{
    uint8_t status = STR_KEYLOCK;
    if (s->ctr & CTR_SYSFLAG)
        status |= STR_SYSFLAG;
    if (s->last_was_command)
        status |= STR_CMDDAT;
    if (s->count) {
        status |= STR_OBF;
        if (s->origin[0] & I8042_FROM_AUX)
            status |= STR_AUXDATA;
        if (s->origin[0] & I8042_FROM_TIMEOUT)
            status |= STR_TIMEOUT;
    }
    return status;
}

static uint64_t data_read(void *opaque, uint64_t offset, unsigned size)
{
    struct i8042 *kbc = opaque;
    (void)offset;
    pthread_mutex_lock(&kbc->lock);
    uint8_t value = read_data(kbc);
    update_irqs(kbc);
    pthread_mutex_unlock(&kbc->lock);
    return isa__widen_read(value, size);
}

static void data_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    struct i8042 *kbc = opaque;
    (void)offset;
    (void)size;
    pthread_mutex_lock(&kbc->lock);
    write_data(kbc, (uint8_t)value);
    update_irqs(kbc);
    pthread_mutex_unlock(&kbc->lock);
}

static uint64_t status_read(void *opaque, uint64_t offset, unsigned size)
{
    struct i8042 *kbc = opaque;
    (void)offset;
    pthread_mutex_lock(&kbc->lock);
    uint8_t value = read_status(&kbc->s);
    pthread_mutex_unlock(&kbc->lock);
    return isa__widen_read(value, size);
}

static void command_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    struct i8042 *kbc = opaque;
    (void)offset;
    (void)size;
    pthread_mutex_lock(&kbc->lock);
    write_command(kbc, (uint8_t)value);
    update_irqs(kbc);
    pthread_mutex_unlock(&kbc->lock);
}

const struct bus_ops i8042_data_bus_ops = {.read = data_read, .write = data_write};
const struct bus_ops i8042_command_bus_ops = {.read = status_read, .write = command_write};

void i8042__save(struct i8042 *kbc, struct i8042_state *state)
{
    pthread_mutex_lock(&kbc->lock);
    *state = kbc->s;
    pthread_mutex_unlock(&kbc->lock);
}

int i8042__load(struct i8042 *kbc, const struct i8042_state *state, struct err *err)
{
    if (state->version != I8042_STATE_VERSION)
        return err__set(err, "i8042: unsupported state version %u", state->version);
    if (state->count > I8042_QUEUE_SIZE)
        return err__set(err, "i8042: bad state: %u bytes queued", state->count);

    pthread_mutex_lock(&kbc->lock);
    kbc->s = *state;
    kbc->kbd_level = kbc->aux_level = false;
    irq_line__set(&kbc->kbd_irq, false);
    irq_line__set(&kbc->aux_irq, false);
    update_irqs(kbc);
    pthread_mutex_unlock(&kbc->lock);
    return 0;
}
