// SPDX-License-Identifier: Apache-2.0
/* serve.c - a running VM's sockets in the runtime directory (see serve.h). */
#include "board/serve.h"

#include <json-c/json.h>
#include <string.h>

#include "api/server.h"
#include "board/console.h"
#include "board/control.h"

int vm_serve__start(struct vm_serve *s, struct vm *vm, const char *name,
                    const struct vm_config *cfg, bool quiet, struct err *err)
{
    memset(s, 0, sizeof(*s));
    char control[PATH_MAX], console[PATH_MAX], console_final[PATH_MAX + 16];
    if (registry__claim(name, &s->reg, err))
        return -1;
    if (registry__path(&s->reg, "control.sock", control, sizeof(control), err) ||
        registry__path(&s->reg, "console.sock", console, sizeof(console), err))
        goto fail;
    snprintf(console_final, sizeof(console_final), "%s/console.sock", s->reg.dir);
    if (vm->console &&
        console__serve(vm->console, console, vm->legacy.com1, vm->virtio.console, quiet, err))
        goto fail;
    const struct vm_control_info info = {
        .name = name, .cfg = cfg, .console_path = vm->console ? console_final : NULL};
    if (!(s->control = vm_control__create(vm, &info, err)))
        goto fail;
    struct json_object *greeting = json_object_new_object();
    json_object_object_add(greeting, "version", json_object_new_int(API_PROTOCOL_VERSION));
    json_object_object_add(greeting, "name", json_object_new_string(name));
    json_object_object_add(greeting, "type", json_object_new_string("vm"));
    const struct api_handler h = vm_control__handler(s->control);
    if (!(s->server = api_server__start(control, greeting, &h, err)))
        goto fail;
    vm_control__set_server(s->control, s->server);
    if (registry__publish(&s->reg, err))
        goto fail;
    return 0;
fail:
    vm_serve__end(s, 0);
    return -1;
}

void vm_serve__end(struct vm_serve *s, int status)
{
    if (s->control)
        vm_control__finish(s->control, status);
    api_server__stop(s->server);
    vm_control__destroy(s->control);
    registry__release(&s->reg);
    memset(s, 0, sizeof(*s));
}

void vm_serve__start_paused(struct vm_serve *s)
{
    vm_control__pause(s->control);
}
