/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trap_stub.h - the size of one entry stub in trap_entry.S, shared by the
 * assembly that lays the stubs out and the C code that points the IDT at them.
 */
#ifndef GUEST_TRAP_STUB_H
#define GUEST_TRAP_STUB_H

#define TRAP_STUB_SIZE 16

#endif
