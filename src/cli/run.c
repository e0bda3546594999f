// SPDX-License-Identifier: Apache-2.0
/*
 * run.c - `strata run`: parse the options into a VM configuration
 * (board/vm.h), create the VM from it, run it to the end and return how it
 * ended as the exit status (docs/cli.md). No device is built here.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "board/migrate.h"
#include "board/serve.h"
#include "board/snapshot.h"
#include "board/vm.h"
#include "cli/cli.h"
#include "cli/default_guest.h"
#include "cli/guest_command.h"
#include "cpu/engines.h"
#include "util/log.h"
#include "util/parse.h"

#define DEFAULT_RAM_SIZE (256ull << 20)
#define MAX_CPUS         VM_MAX_CPUS

struct run_options {
    const char *engine;
    struct boot_config boot;
    int command_argc; /* `-- CMD ARGS...` for the guest's /init, or 0 */
    char **command_argv;
    uint64_t ram_size;
    struct guest_memory_options mem;
    unsigned ncpus;
    double timeout_s;
    struct virtio_options virtio;
    const char *name;
    bool detach;
    char root_param[32];  /* --root IMAGE: "root=/dev/vdX" for the disk it added */
    const char *restore;  /* --restore FILE */
    const char *incoming; /* --incoming tcp:HOST:PORT */
    bool paused;          /* --paused: the vCPUs wait for `strata resume` */
    bool engine_given;
    bool machine_given; /* an option that a snapshot decides */
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: strata run [options] [-- COMMAND [ARGS...]]\n"
            "\n"
            "Boots a virtual machine; the guest's serial console is on stdin/stdout\n"
            "(Ctrl-A X quits). Without --kernel it boots the default guest, Debian's\n"
            "kernel with a busybox userland (built on first use): an interactive shell,\n"
            "or with `-- COMMAND` that command, whose exit status strata returns.\n"
            "\n"
            "options:\n"
            "  --engine auto|kvm|emu  CPU engine (default auto: kvm with hardware\n"
            "                         virtualization, emu otherwise)\n"
            "  --kernel PATH          bzImage, ELF vmlinux or freestanding ELF guest\n"
            "                         (default: the default guest)\n"
            "  --initrd PATH          initial ramdisk\n"
            "  --append STRING        kernel command line\n"
            "  --mem SIZE             guest RAM, e.g. 512M or 2G (default 256M)\n"
            "  --mem-prealloc         commit all guest RAM at start (default: lazily,\n"
            "                         as the guest touches it)\n"
            "  --mem-merge            let KSM merge identical guest pages (KSM itself\n"
            "                         is the host's to turn on: docs/memory.md)\n"
            "  --mem-hugepages on|off transparent huge pages for guest RAM (default on\n"
            "                         where the host's THP mode is madvise)\n"
            "  --mem-path DIR         back guest RAM with a file in DIR, e.g. a\n"
            "                         hugetlbfs mount such as /dev/hugepages\n"
            "  --cpus N               number of vCPUs (default 1, at most %d)\n"
            "  --timeout SECONDS      stop the guest after this long (exit status 124)\n"
            "  --disk PATH[,readonly][,id=NAME][,format=raw|qcow2]\n"
            "                         a disk image as virtio-blk (vda, vdb, ...), raw\n"
            "                         or qcow2 (probed unless format= says); repeatable\n"
            "  --root IMAGE           --disk IMAGE plus root=/dev/vdX on the command line:\n"
            "                         boots the system on IMAGE (docs/storage.md)\n"
            "  --console serial|virtio  where the terminal's input goes: COM1 (default)\n"
            "                         or virtio-console (the guest's hvc0)\n"
            "  --rng                  a virtio-rng device fed from the host's getrandom()\n"
            "  --net tap=IFNAME|user[,hostfwd=tcp:ADDR:HPORT-:GPORT]|NETWORK[,mac=MAC]\n"
            "                         a virtio-net NIC (eth0, eth1, ...) on a tap, on\n"
            "                         user-mode networking or on a `strata net` network;\n"
            "                         repeatable; default MACs derive from the name\n"
            "                         (docs/network.md)\n"
            "  --name NAME            the VM's name for strata ls, console, stop, ...\n"
            "                         (default: generated, vm-XXXX)\n"
            "  --detach               run in the background: print the name and return;\n"
            "                         `strata console NAME` attaches to its console\n"
            "  --balloon[=SIZE]       a virtio-balloon device (statistics, free page\n"
            "                         reporting, deflate on OOM), holding SIZE of the\n"
            "                         guest's RAM from the start (default 0)\n"
            "  --paused               start with the vCPUs paused (`strata resume NAME`)\n"
            "  --restore FILE         continue the VM saved by `strata snapshot` (its\n"
            "                         disks re-attached from the paths it recorded; with\n"
            "                         --engine, on that engine)\n"
            "  --incoming tcp:HOST:PORT\n"
            "                         wait there for a VM `strata migrate` sends and run\n"
            "                         it (port 0: any free port, printed); with --engine,\n"
            "                         on that engine\n"
            "  -h, --help             show this help\n"
            "\n"
            "exit status: the byte the guest writes to port 0x501; 0 when the guest\n"
            "powers off or resets; 1 host error; 2 bad usage; 124 timeout; 125 guest or\n"
            "engine failure\n",
            MAX_CPUS);
}

static int __attribute__((format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "strata: %s (try 'strata run --help')\n", msg);
    return EXIT_STATUS_USAGE;
}

/* Returns -1 to go on, or an exit status to end with. */
static int parse_options(int argc, char **argv, struct run_options *o)
{
    enum {
        OPT_ENGINE = 256,
        OPT_KERNEL,
        OPT_INITRD,
        OPT_APPEND,
        OPT_MEM,
        OPT_CPUS,
        OPT_TIMEOUT,
        OPT_DISK,
        OPT_CONSOLE,
        OPT_RNG,
        OPT_NAME,
        OPT_DETACH,
        OPT_ROOT,
        OPT_MEM_PREALLOC,
        OPT_MEM_MERGE,
        OPT_MEM_HUGEPAGES,
        OPT_MEM_PATH,
        OPT_BALLOON,
        OPT_RESTORE,
        OPT_INCOMING,
        OPT_PAUSED,
        OPT_NET
    };
    static const struct option longopts[] = {
        {"engine", required_argument, NULL, OPT_ENGINE},
        {"kernel", required_argument, NULL, OPT_KERNEL},
        {"initrd", required_argument, NULL, OPT_INITRD},
        {"append", required_argument, NULL, OPT_APPEND},
        {"mem", required_argument, NULL, OPT_MEM},
        {"cpus", required_argument, NULL, OPT_CPUS},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"disk", required_argument, NULL, OPT_DISK},
        {"root", required_argument, NULL, OPT_ROOT},
        {"console", required_argument, NULL, OPT_CONSOLE},
        {"rng", no_argument, NULL, OPT_RNG},
        {"name", required_argument, NULL, OPT_NAME},
        {"detach", no_argument, NULL, OPT_DETACH},
        {"mem-prealloc", no_argument, NULL, OPT_MEM_PREALLOC},
        {"mem-merge", no_argument, NULL, OPT_MEM_MERGE},
        {"mem-hugepages", required_argument, NULL, OPT_MEM_HUGEPAGES},
        {"mem-path", required_argument, NULL, OPT_MEM_PATH},
        {"balloon", optional_argument, NULL, OPT_BALLOON},
        {"restore", required_argument, NULL, OPT_RESTORE},
        {"incoming", required_argument, NULL, OPT_INCOMING},
        {"paused", no_argument, NULL, OPT_PAUSED},
        {"net", required_argument, NULL, OPT_NET},
        {"help", no_argument, NULL, 'h'},
        {0},
    };

    *o = (struct run_options){.engine = "auto", .ram_size = DEFAULT_RAM_SIZE, .ncpus = 1};
    opterr = 0; /* our own messages */
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_ENGINE: o->engine = optarg, o->engine_given = true; break;
        case OPT_KERNEL: o->boot.kernel_path = optarg; break;
        case OPT_INITRD: o->boot.initrd_path = optarg; break;
        case OPT_APPEND: o->boot.cmdline = optarg; break;
        case OPT_MEM:
            if (!parse__size(optarg, &o->ram_size) || o->ram_size == 0 || o->ram_size % 4096)
                return usage_error("bad --mem '%s': want a non-zero size such as 256M or 2G",
                                   optarg);
            break;
        case OPT_CPUS:
            if (!parse__uint(optarg, 1, MAX_CPUS, &o->ncpus))
                return usage_error("bad --cpus '%s': want a number from 1 to %d", optarg, MAX_CPUS);
            break;
        case OPT_TIMEOUT:
            if (!parse__seconds(optarg, &o->timeout_s))
                return usage_error("bad --timeout '%s': want a positive number of seconds", optarg);
            break;
        case OPT_DISK: {
            struct err err;
            if (virtio_options__add_disk(&o->virtio, optarg, &err))
                return usage_error("%s", err.msg);
            break;
        }
        case OPT_ROOT: {
            struct err err;
            unsigned n = o->virtio.ndisks;
            if (o->root_param[0])
                return usage_error("--root given twice");
            if (virtio_options__add_disk(&o->virtio, optarg, &err))
                return usage_error("%s", err.msg);
            snprintf(o->root_param, sizeof(o->root_param), "root=/dev/vd%c", 'a' + n);
            break;
        }
        case OPT_CONSOLE:
            if (strcmp(optarg, "serial") && strcmp(optarg, "virtio"))
                return usage_error("bad --console '%s': want serial or virtio", optarg);
            o->virtio.console = !strcmp(optarg, "virtio");
            break;
        case OPT_RNG: o->virtio.rng = true; break;
        case OPT_NAME: {
            struct err err;
            if (registry__check_name(optarg, &err))
                return usage_error("%s", err.msg);
            o->name = optarg;
            break;
        }
        case OPT_DETACH: o->detach = true; break;
        case OPT_MEM_PREALLOC: o->mem.prealloc = true; break;
        case OPT_MEM_MERGE: o->mem.merge = true; break;
        case OPT_MEM_HUGEPAGES:
            if (strcmp(optarg, "on") && strcmp(optarg, "off"))
                return usage_error("bad --mem-hugepages '%s': want on or off", optarg);
            o->mem.no_hugepages = !strcmp(optarg, "off");
            break;
        case OPT_MEM_PATH: o->mem.path = optarg; break;
        case OPT_BALLOON:
            o->virtio.balloon = true;
            if (optarg && !parse__size(optarg, &o->virtio.balloon_target))
                return usage_error("bad --balloon '%s': want a size such as 128M", optarg);
            break;
        case OPT_RESTORE: o->restore = optarg; break;
        case OPT_INCOMING: o->incoming = optarg; break;
        case OPT_PAUSED: o->paused = true; break;
        case OPT_NET: {
            struct err err;
            if (virtio_options__add_net(&o->virtio, optarg, &err))
                return usage_error("%s", err.msg);
            break;
        }
        case 'h': usage(stdout); return 0;
        case ':': return usage_error("option '%s' needs a value", argv[optind - 1]);
        default: return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        if (strcmp(argv[optind - 1], "--"))
            return usage_error("unexpected argument '%s': a guest command goes after --",
                               argv[optind]);
        o->command_argc = argc - optind;
        o->command_argv = argv + optind;
    }
    if (o->virtio.balloon_target > o->ram_size)
        return usage_error("--balloon %lluM is more than the guest's --mem",
                           (unsigned long long)(o->virtio.balloon_target >> 20));
    o->machine_given = o->boot.kernel_path || o->boot.initrd_path || o->boot.cmdline ||
                       o->ram_size != DEFAULT_RAM_SIZE || o->ncpus != 1 || o->virtio.ndisks ||
                       o->virtio.console || o->virtio.rng || o->virtio.balloon;
    if (o->restore && o->incoming)
        return usage_error("--restore and --incoming both give the machine: one of them");
    if (o->restore && (o->machine_given || o->command_argc))
        return usage_error("--restore takes the machine from the snapshot: no --kernel, --initrd, "
                           "--append, --mem, --cpus, --disk, --console, --rng or command");
    if (o->incoming && (o->machine_given || o->command_argc))
        return usage_error("--incoming takes the machine from the migration: no --kernel, "
                           "--initrd, --append, --mem, --cpus, --disk, --console, --rng or "
                           "command");
    if (strcmp(o->engine, "auto") && !engines__find(o->engine))
        return usage_error("unknown engine '%s': want auto, kvm or emu", o->engine);
    return -1;
}

/* Joins the non-empty parts with spaces into a malloc'd string. */
static char *join_cmdline(const char *const parts[], size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += parts[i] ? strlen(parts[i]) + 1 : 0;
    char *out = calloc(1, len);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!parts[i] || !*parts[i])
            continue;
        if (*out)
            strcat(out, " ");
        strcat(out, parts[i]);
    }
    return out;
}

/*
 * Fills in what the options leave to defaults: the default guest when there is
 * no --kernel, and the command line (console, the guest command). *cmdline is
 * malloc'd; the caller frees it.
 */
static int complete_boot_config(struct run_options *o, struct default_guest *guest, char **cmdline,
                                struct err *err)
{
    const char *base = NULL;
    if (!o->boot.kernel_path) {
        if (default_guest__locate(guest, err))
            return -1;
        o->boot.kernel_path = guest->kernel;
        if (!o->boot.initrd_path)
            o->boot.initrd_path = guest->initrd;
        /* A command's output should be its own: the kernel keeps quiet then. */
        base = o->command_argc ? "console=ttyS0 reboot=k panic=-1 quiet"
                               : "console=ttyS0 reboot=k panic=-1";
    }
    char *command = NULL;
    if (o->command_argc && !(command = guest_command__param(o->command_argc, o->command_argv, err)))
        return -1;
    const char *parts[] = {base, o->root_param, o->boot.cmdline, command};
    *cmdline = join_cmdline(parts, sizeof(parts) / sizeof(parts[0]));
    free(command);
    if (!*cmdline)
        return err__set(err, "out of memory");
    o->boot.cmdline = *cmdline;
    return 0;
}

/*
 * The engine for o->engine; for auto, *auto_reason says which and why (it is
 * printed once the guest is loaded, so that a host error stays one line).
 */
static const struct engine_ops *choose_engine(const char *name, char *auto_reason, size_t len)
{
    auto_reason[0] = '\0';
    if (!strcmp(name, "auto"))
        return engines__auto(auto_reason, len);
    return engines__find(name);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * --restore FILE: the machine the snapshot records (on --engine's engine if
 * given), its state and RAM loaded; says how long that took.
 */
static struct vm *restore_vm(const struct run_options *o, struct vm_config *cfg, struct err *err)
{
    static struct snapshot_config sc;
    double t0 = now_s();
    int fd = open(o->restore, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        err__set_errno(err, errno, "cannot open snapshot '%s'", o->restore);
        return NULL;
    }
    struct state_io io = {.fd = fd, .what = o->restore};
    *cfg = (struct vm_config){.attach_console = true};
    if (o->engine_given && strcmp(o->engine, "auto"))
        cfg->engine = engines__find(o->engine);
    struct vm *vm = vm_snapshot__read(&io, cfg, &sc, NULL, NULL, err);
    close(fd);
    if (vm)
        log__msg("restored %s (%llu MiB, %s engine) in %.0f ms", o->restore,
                 (unsigned long long)(io.offset >> 20), cfg->engine->name, (now_s() - t0) * 1e3);
    return vm;
}

/* --incoming URI: the machine a migration brings (on --engine's engine if given). */
static struct vm *incoming_vm(const struct run_options *o, struct vm_config *cfg, struct err *err)
{
    static struct snapshot_config sc;
    *cfg = (struct vm_config){.attach_console = true};
    if (o->engine_given && strcmp(o->engine, "auto"))
        cfg->engine = engines__find(o->engine);
    struct vm *vm = vm_migrate__receive(o->incoming, cfg, &sc, err);
    if (vm)
        log__msg("migrated in (%s engine)", cfg->engine->name);
    else {
        struct err why = *err;
        err__set(err, "incoming migration failed: %s", why.msg);
    }
    return vm;
}

/*
 * --detach: the process forks before anything else; the parent waits for
 * the child's word through a pipe ("ok NAME" once the VM is published, or
 * nothing when it failed, its error already on stderr) and prints the
 * name. Returns the write end in the child, or -1 in the parent with
 * *status set.
 */
static int detach(int *status)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC)) {
        log__msg("cannot create a pipe: %s", strerror(errno));
        *status = EXIT_STATUS_HOST_ERROR;
        return -1;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        log__msg("cannot fork: %s", strerror(errno));
        *status = EXIT_STATUS_HOST_ERROR;
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        setsid();
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
            dup2(null, STDOUT_FILENO);
            close(null);
        }
        return p[1];
    }
    close(p[1]);
    char buf[128] = {0};
    size_t len = 0;
    ssize_t n;
    while (len < sizeof(buf) - 1 && (n = read(p[0], buf + len, sizeof(buf) - 1 - len)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        len += (size_t)n;
    }
    close(p[0]);
    if (!strncmp(buf, "ok ", 3)) {
        printf("%s", buf + 3);
        *status = 0;
        return -1;
    }
    int ws;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
        continue;
    *status = WIFEXITED(ws) && WEXITSTATUS(ws) ? WEXITSTATUS(ws) : EXIT_STATUS_HOST_ERROR;
    return -1;
}

/* The detached VM is up: tells the parent its name and sends diagnostics to its log. */
static void detached(int ready_fd, const struct vm_serve *serve, const char *name)
{
    char path[PATH_MAX];
    if (!registry__path(&serve->reg, "log", path, sizeof(path), NULL)) {
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd >= 0) {
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
    }
    dprintf(ready_fd, "ok %s\n", name);
    close(ready_fd);
}

static int run_vm(struct run_options *o)
{
    char auto_reason[160];
    struct err err = {0};
    struct default_guest guest;
    char *cmdline = NULL;
    int ready_fd = -1, status = 0;
    if (o->detach && (ready_fd = detach(&status)) < 0)
        return status;
    char name[REGISTRY_NAME_MAX];
    if (o->name)
        snprintf(name, sizeof(name), "%s", o->name);
    else if (registry__generate_name(name, sizeof(name), &err))
        name[0] = 0;
    if (!name[0] && o->detach) {
        log__msg("%s", err.msg);
        return EXIT_STATUS_HOST_ERROR;
    }
    /* The NICs' default MACs and network attachments carry the VM's name. */
    char unnamed[32];
    snprintf(unnamed, sizeof(unnamed), "vm-%d", (int)getpid());
    o->virtio.vm_name = name[0] ? name : unnamed;
    struct vm *vm;
    struct vm_config cfg;
    if (o->restore || o->incoming) {
        auto_reason[0] = 0;
        vm = o->restore ? restore_vm(o, &cfg, &err) : incoming_vm(o, &cfg, &err);
    } else {
        if (complete_boot_config(o, &guest, &cmdline, &err)) {
            log__msg("%s", err.msg);
            return EXIT_STATUS_HOST_ERROR;
        }
        cfg = (struct vm_config){
            .engine = choose_engine(o->engine, auto_reason, sizeof(auto_reason)),
            .ram_size = o->ram_size,
            .mem = o->mem,
            .ncpus = o->ncpus,
            .boot = o->boot,
            .virtio = o->virtio,
            .attach_console = true,
        };
        vm = vm__create(&cfg, &err);
        free(cmdline);
    }
    if (!vm) {
        log__msg("%s", err.msg);
        return EXIT_STATUS_HOST_ERROR;
    }
    struct vm_serve serve = {0};
    bool served = name[0] && !vm_serve__start(&serve, vm, name, &cfg, o->detach, &err);
    if (!served && (o->name || o->detach)) {
        log__msg("%s", err.msg);
        vm__destroy(vm);
        return EXIT_STATUS_HOST_ERROR;
    }
    if (o->paused && !served) {
        log__msg("--paused needs a control socket to resume it: %s", err.msg);
        vm_serve__end(&serve, 0);
        vm__destroy(vm);
        return EXIT_STATUS_HOST_ERROR;
    }
    if (o->paused)
        vm_serve__start_paused(&serve);
    if (!served) /* an unnamed foreground VM still runs, unmanaged */
        log__msg("no control socket: %s", err.msg);
    if (auto_reason[0])
        log__msg("%s", auto_reason);
    if (ready_fd >= 0)
        detached(ready_fd, &serve, name);
    fflush(stdout);
    status = vm__run(vm, o->timeout_s);
    if (served)
        vm_serve__end(&serve, status);
    vm__destroy(vm);
    return status;
}

int cli__run(int argc, char **argv)
{
    struct run_options o;
    int status = parse_options(argc, argv, &o);
    if (status < 0)
        status = run_vm(&o);
    virtio_options__free(&o.virtio);
    return status;
}
