// SPDX-License-Identifier: Apache-2.0
/*
 * trap.c - the IDT and the C side of interrupt dispatch (Intel SDM vol. 3A,
 * 6.10 "Interrupt descriptor table" and 6.14.1 "64-bit mode IDT").
 *
 * Every vector gets a 64-bit interrupt gate (type 0xE: IF is cleared on
 * entry), DPL 0, no IST, pointing at its stub in trap_entry.S.
 */
#include "trap.h"

#include "exitdev.h"
#include "serial.h"
#include "trap_stub.h"
#include "x86.h"

#define IDT_VECTORS       256
#define GATE_INTERRUPT_64 0xe
#define GATE_PRESENT      0x80
#define GATE_DPL3         0x60

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));

extern const char trap_stubs[];

static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));
static trap_handler handlers[IDT_VECTORS];

void trap__init(void)
{
    uint16_t cs;

    __asm__("movw %%cs, %0" : "=r"(cs));
    for (unsigned v = 0; v < IDT_VECTORS; v++) {
        uint64_t stub = (uint64_t)(trap_stubs + v * TRAP_STUB_SIZE);
        idt[v] = (struct idt_gate){
            .offset_low = (uint16_t)stub,
            .selector = cs,
            .type_attr = GATE_PRESENT | GATE_INTERRUPT_64,
            .offset_mid = (uint16_t)(stub >> 16),
            .offset_high = (uint32_t)(stub >> 32),
        };
    }
    trap__load();
}

void trap__load(void)
{
    load_idt(idt, sizeof(idt) - 1);
}

void trap__set_handler(uint8_t vector, trap_handler handler)
{
    handlers[vector] = handler;
}

void trap__allow_from_user(uint8_t vector)
{
    idt[vector].type_attr |= GATE_DPL3;
}

void trap__dispatch(struct trap_frame *frame)
{
    trap_handler handler = handlers[frame->vector];

    if (handler) {
        handler(frame);
        return;
    }
    serial__printf("unexpected trap: vector %lu error code %lx at rip %lx (cs %lx, rsp %lx)\n",
                   frame->vector, frame->error_code, frame->rip, frame->cs, frame->rsp);
    exitdev__exit(EXIT_FAILURE);
}
