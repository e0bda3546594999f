// SPDX-License-Identifier: Apache-2.0
/*
 * exit.c - what a kvm vCPU does when KVM_RUN returns to user space
 * (Documentation/virt/kvm/api.rst, 5. "The kvm_run structure").
 *
 * Port I/O and MMIO go to the machine's buses. A triple fault
 * (KVM_EXIT_SHUTDOWN) resets the guest, which ends the VM with status 0, as
 * the CLI specifies. Internal errors, failed VM entries and exits strata does
 * not expect end the VM as a failure, with a register dump on stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cpu/kvm/kvm.h"
#include "util/log.h"

static void dump_registers(struct vcpu *v)
{
    struct cpu_state st;
    struct err err = {0};
    if (kvm_state__get(v, &st, &err) == 0)
        cpu_state__dump(&st, v->index, stderr);
    else
        log__msg("no register dump: %s", err.msg);
}

/* One line on stderr, the register dump, and the VM ends as a failure. */
static bool fail(struct vcpu *v, const char *line)
{
    log__msg("vcpu %u: %s", v->index, line);
    dump_registers(v);
    machine__stop(v->machine, MACHINE_STOP_FAILURE, EXIT_STATUS_FAILURE);
    return false;
}

/* KVM_EXIT_IO: count items of size bytes each, all to the same port (string I/O has count > 1). */
static void handle_io(struct vcpu *v, struct kvm_run *run)
{
    const struct bus *pio = &v->machine->pio;
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    unsigned size = run->io.size;

    for (uint32_t i = 0; i < run->io.count; i++, data += size) {
        uint64_t value = 0;
        if (run->io.direction == KVM_EXIT_IO_OUT) {
            memcpy(&value, data, size);
            bus__write(pio, run->io.port, size, value);
        } else {
            bus__read(pio, run->io.port, size, &value);
            memcpy(data, &value, size);
        }
    }
}

/*
 * KVM_EXIT_MMIO: at most 8 bytes. An access that KVM split at a page
 * boundary can have any length; it goes to the bus in naturally sized pieces.
 */
static void handle_mmio(struct vcpu *v, struct kvm_run *run)
{
    const struct bus *mmio = &v->machine->mmio;
    uint32_t len = run->mmio.len <= sizeof(run->mmio.data) ? run->mmio.len : 0;

    for (uint32_t done = 0; done < len;) {
        unsigned size = 8;
        while (size > len - done)
            size /= 2;
        uint64_t addr = run->mmio.phys_addr + done;
        uint64_t value = 0;
        if (run->mmio.is_write) {
            memcpy(&value, run->mmio.data + done, size);
            bus__write(mmio, addr, size, value);
        } else {
            bus__read(mmio, addr, size, &value);
            memcpy(run->mmio.data + done, &value, size);
        }
        done += size;
    }
}

static const char *internal_error_name(uint32_t suberror)
{
    switch (suberror) {
    case KVM_INTERNAL_ERROR_EMULATION: return "emulation failure";
    case KVM_INTERNAL_ERROR_SIMUL_EX: return "exception while delivering an exception";
    case KVM_INTERNAL_ERROR_DELIVERY_EV: return "exit while delivering an event";
    case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON: return "unexpected exit reason";
    default: return "unknown suberror";
    }
}

/* Appends to buf at *pos, never past size. */
static void append(char *buf, size_t size, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t size, size_t *pos, const char *fmt, ...)
{
    if (*pos >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *pos, size - *pos, fmt, ap);
    va_end(ap);
    if (n > 0)
        *pos += (size_t)n;
}

/*
 * KVM_EXIT_INTERNAL_ERROR. For an emulation failure whose flags say so, the
 * data holds the bytes at RIP that KVM could not emulate; otherwise the raw
 * data words are shown.
 */
static bool handle_internal_error(struct vcpu *v, struct kvm_run *run)
{
    char line[512];
    size_t pos = 0;
    uint32_t suberror = run->internal.suberror;
    append(line, sizeof(line), &pos, "kvm internal error: %s (suberror %u)",
           internal_error_name(suberror), suberror);

    if (suberror == KVM_INTERNAL_ERROR_EMULATION &&
        (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) &&
        run->emulation_failure.ndata >= 3) {
        unsigned n = run->emulation_failure.insn_size;
        if (n > sizeof(run->emulation_failure.insn_bytes))
            n = sizeof(run->emulation_failure.insn_bytes);
        append(line, sizeof(line), &pos, ", instruction bytes:");
        for (unsigned i = 0; i < n; i++)
            append(line, sizeof(line), &pos, " %02x", run->emulation_failure.insn_bytes[i]);
    } else {
        uint32_t ndata = run->internal.ndata;
        if (ndata > sizeof(run->internal.data) / sizeof(run->internal.data[0]))
            ndata = sizeof(run->internal.data) / sizeof(run->internal.data[0]);
        if (ndata)
            append(line, sizeof(line), &pos, ", data:");
        for (uint32_t i = 0; i < ndata; i++)
            append(line, sizeof(line), &pos, " %#llx", (unsigned long long)run->internal.data[i]);
    }
    return fail(v, line);
}

static bool handle_shutdown(struct vcpu *v)
{
    log__msg("guest reset (triple fault) on vcpu %u", v->index);
    dump_registers(v);
    machine__stop(v->machine, MACHINE_STOP_RESET, 0);
    return false;
}

static bool handle_system_event(struct vcpu *v, struct kvm_run *run)
{
    char line[128];
    switch (run->system_event.type) {
    case KVM_SYSTEM_EVENT_SHUTDOWN:
    case KVM_SYSTEM_EVENT_RESET:
        log__msg("guest reset (kvm system event %u) on vcpu %u", run->system_event.type, v->index);
        dump_registers(v);
        machine__stop(v->machine, MACHINE_STOP_RESET, 0);
        return false;
    default:
        snprintf(line, sizeof(line), "kvm system event %u", run->system_event.type);
        return fail(v, line);
    }
}

bool kvm_exit__handle(struct vcpu *v)
{
    struct kvm_run *run = kvm_cpu_of(v)->run;
    char line[128];

    switch (run->exit_reason) {
    case KVM_EXIT_IO: handle_io(v, run); return true;
    case KVM_EXIT_MMIO: handle_mmio(v, run); return true;
    case KVM_EXIT_INTR: return true; /* a kick: the run loop checks for a stop */
    case KVM_EXIT_SHUTDOWN: return handle_shutdown(v);
    case KVM_EXIT_SYSTEM_EVENT: return handle_system_event(v, run);
    case KVM_EXIT_INTERNAL_ERROR: return handle_internal_error(v, run);
    case KVM_EXIT_FAIL_ENTRY:
        snprintf(line, sizeof(line), "kvm entry failed, hardware reason %#llx on host cpu %u",
                 (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
                 run->fail_entry.cpu);
        return fail(v, line);
    case KVM_EXIT_HLT:
        /* Only without the in-kernel LAPIC, which strata always creates. */
        return fail(v, "unexpected kvm exit: hlt");
    default:
        snprintf(line, sizeof(line), "unexpected kvm exit %u", run->exit_reason);
        return fail(v, line);
    }
}
