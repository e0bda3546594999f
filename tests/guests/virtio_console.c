// SPDX-License-Identifier: Apache-2.0
/*
 * virtio_console.c - drives virtio-console (virtio 1.2, 5.3) and virtio-rng
 * (5.4) through the runtime's virtio driver.
 *
 * Console: offers a receive buffer, transmits CONSOLE_GREETING on
 * transmitq0 (the host prints it on stdout), then waits for the host's
 * input (strata run --console virtio feeds its stdin to the device) and
 * echoes the first line back as "virtio-console: got '<line>'".
 * Entropy: asks for RNG_BYTES bytes and checks they came and are not all
 * zero. Ends with "virtio-console: ok".
 */
#include <stdbool.h>
#include <stdint.h>

#include "runtime/exitdev.h"
#include "runtime/serial.h"
#include "runtime/virtio.h"

#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_ENTROPY 4
#define RX_QUEUE          0
#define TX_QUEUE          1
#define CONSOLE_GREETING  "virtio-console: hello from hvc0\n"
#define RNG_BYTES         64

static struct virtio_dev console, rng;
static struct virtio_queue rx, tx, rng_queue;
static char rx_buf[64];
static char tx_buf[] = CONSOLE_GREETING;
static uint8_t random_bytes[RNG_BYTES];

static void __attribute__((noreturn)) fail(const char *what)
{
    serial__printf("virtio-console: FAILED, %s\n", what);
    exitdev__exit(EXIT_FAILURE);
}

static void check_console(uintptr_t base)
{
    virtio__init(&console, base, 0);
    virtio__setup_queue(&console, &rx, RX_QUEUE);
    virtio__setup_queue(&console, &tx, TX_QUEUE);
    virtio__driver_ok(&console);

    const struct virtio_buf in = {rx_buf, sizeof(rx_buf) - 1, true};
    virtio__submit(&console, &rx, &in, 1, false);
    const struct virtio_buf out = {tx_buf, sizeof(tx_buf) - 1, false};
    virtio__request(&console, &tx, &out, 1, false);

    uint32_t len = virtio__wait_used(&console, &rx);
    if (len == 0 || len >= sizeof(rx_buf))
        fail("bad length of received input");
    unsigned end = 0;
    while (end < len && rx_buf[end] != '\n')
        end++;
    rx_buf[end] = '\0';
    serial__printf("virtio-console: got '%s'\n", rx_buf);
}

static void check_rng(uintptr_t base)
{
    virtio__init(&rng, base, 0);
    virtio__setup_queue(&rng, &rng_queue, 0);
    virtio__driver_ok(&rng);
    const struct virtio_buf buf = {random_bytes, RNG_BYTES, true};
    if (virtio__request(&rng, &rng_queue, &buf, 1, false) != RNG_BYTES)
        fail("virtio-rng did not fill the buffer");
    unsigned zeroes = 0;
    for (unsigned i = 0; i < RNG_BYTES; i++)
        zeroes += random_bytes[i] == 0;
    if (zeroes == RNG_BYTES)
        fail("virtio-rng gave only zeroes");
    serial__printf("virtio-rng: %u random bytes\n", RNG_BYTES);
}

int main(void)
{
    uintptr_t base;
    if (virtio__find(VIRTIO_ID_CONSOLE, &base, 1) != 1)
        fail("no virtio-console device on the command line");
    check_console(base);
    if (virtio__find(VIRTIO_ID_ENTROPY, &base, 1) != 1)
        fail("no virtio-rng device on the command line");
    check_rng(base);
    serial__puts("virtio-console: ok\n");
    return EXIT_OK;
}
