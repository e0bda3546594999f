// SPDX-License-Identifier: Apache-2.0
/*
 * ct_create.c - `strata ct create`: options to a config.json (the defaults of
 * ct/spec_default.c plus the limits, volumes and network asked for), an
 * unpacked --image, and the container created under a monitor process that
 * stays as its parent (ct/monitor.c) with its console pty. --net NETWORK
 * puts eth0 on a `strata net` network as a VM's NIC is (net/network.h), with
 * an address the network reserves for it (net/ipam.c). The monitor also
 * serves the container's control socket (ct_serve.c) while the init runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "api/registry.h"
#include "cli/ct_cli.h"
#include "cli/ct_serve.h"
#include "ct/console.h"
#include "ct/container.h"
#include "ct/fmt.h"
#include "ct/monitor.h"
#include "ct/ns.h"
#include "ct/spec_default.h"
#include "ct/state.h"
#include "ct/veth.h"
#include "net/net.h"
#include "net/network.h"
#include "util/parse.h"

#define MAX_VOLUMES 32

struct net_plan {
    const char *bridge;  /* --net bridge:NAME */
    const char *network; /* --net NETWORK, a `strata net` network */
    const char *want;    /* --ip */
    const char *name;    /* the container's */
    char host_if[16];    /* the veth's host end, once made */
};

/*
 * after_spawn: a veth whose host end joins the bridge, "eth0" inside. On a
 * named network it is attached as a VM's tap is (its record owned by this
 * monitor) and eth0 gets the address the network reserves for its MAC.
 */
static int join_network(pid_t pid, void *arg, struct err *err)
{
    struct net_plan *n = arg;
    ct_fmt(n->host_if, sizeof(n->host_if), "vc%d", (int)pid);
    struct ct_veth_addr a = {0};
    if (n->bridge) {
        if (n->want && network__parse_addr(n->want, false, &a.addr, &a.prefix, err))
            return -1;
        if (ct_veth__create(n->host_if, "eth0", pid, n->bridge, NULL, err))
            return -1;
        return ct_veth__configure_peer(pid, "eth0", &a, err);
    }
    char key[300];
    uint8_t mac[6];
    ct_fmt(key, sizeof(key), "ct/%s", n->name); /* not a VM's MAC of the same name */
    net__default_mac(key, 0, mac);
    if (ct_veth__create(n->host_if, "eth0", pid, NULL, mac, err))
        return -1;
    struct network_addr na;
    if (network__attach_addressed(n->network, n->host_if, n->name, mac, n->want, &na, err)) {
        ct_veth__delete(n->host_if, NULL);
        return -1;
    }
    a = (struct ct_veth_addr){.addr = na.addr, .prefix = na.prefix, .gateway = na.gateway};
    return ct_veth__configure_peer(pid, "eth0", &a, err);
}

/* When the container has ended, or its creation failed: its veth and its attachment go. */
static void leave_network(const struct net_plan *n)
{
    if (!n->host_if[0])
        return;
    ct_veth__delete(n->host_if, NULL);
    if (n->network)
        network__detach(n->network, n->host_if);
}

static int parse_volume(char *arg, struct ct_volume *v)
{
    char *guest = strchr(arg, ':');
    if (!guest)
        return ct_cli__fail("--volume %s: want HOST:GUEST[:ro]", arg);
    *guest++ = 0;
    char *mode = strchr(guest, ':');
    if (mode) {
        *mode++ = 0;
        if (strcmp(mode, "ro") && strcmp(mode, "rw"))
            return ct_cli__fail("--volume: mode '%s' is not ro or rw", mode);
        v->readonly = !strcmp(mode, "ro");
    }
    if (arg[0] != '/' || guest[0] != '/')
        return ct_cli__fail("--volume %s:%s: both paths must be absolute", arg, guest);
    if (access(arg, F_OK))
        return ct_cli__fail("--volume: %s: %s", arg, strerror(errno));
    v->host = arg;
    v->guest = guest;
    return 0;
}

/* tar -xf TARBALL -C DIR, as the user; DIR is made first. */
static int unpack(const char *tarball, const char *dir)
{
    char parent[PATH_MAX];
    ct_fmt(parent, sizeof(parent), "%s", dir);
    for (char *s = parent + 1; *s; s++) {
        if (*s == '/') {
            *s = 0;
            mkdir(parent, 0755);
            *s = '/';
        }
    }
    if (mkdir(dir, 0755) < 0)
        return ct_cli__fail("cannot create %s: %s", dir, strerror(errno));
    pid_t pid = fork();
    if (pid == 0) {
        execlp("tar", "tar", "--numeric-owner", "-xf", tarball, "-C", dir, (char *)NULL);
        _exit(127);
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
        return ct_cli__fail("--image %s: tar could not unpack it into %s", tarball, dir);
    return 0;
}

/* What the monitor undoes when the init has ended. */
struct monitor_ctx {
    struct net_plan *net;
    struct ct_serve serve;
};

static void ended(void *arg, int wait_status)
{
    struct monitor_ctx *m = arg;
    ct_serve__end(&m->serve, wait_status);
    leave_network(m->net);
}

/*
 * The monitor: becomes the init's parent, relays its console, records its
 * exit. The console is a pty of the container's own devpts (so `tty` and
 * /dev/console inside name it); its master comes back over a socket pair.
 */
static void run_monitor(struct ct_spec *spec, struct ct_create_opts *o, struct net_plan *net,
                        const char *dir, int report)
{
    struct err err = {{0}};
    setsid();
    if (chdir("/") < 0)
        _exit(1);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int i = 0; i < 3; i++)
        dup2(null, i);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        err__set_errno(&err, errno, "socketpair");
        goto fail;
    }
    char path[PATH_MAX];
    ct_fmt(path, sizeof(path), "%s/console.log", dir);
    int log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    ct_fmt(path, sizeof(path), "%s/console.sock", dir);
    int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (log < 0 || ls < 0 || strlen(path) >= sizeof(addr.sun_path)) {
        err__set(&err, "cannot set up the console in %s", dir);
        goto fail;
    }
    strcpy(addr.sun_path, path);
    if (bind(ls, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(ls, 4) < 0) {
        err__set_errno(&err, errno, "cannot listen on %s", path);
        goto fail;
    }
    chmod(path, 0600);
    o->monitor = getpid();
    o->console_fd = sv[1];
    pid_t pid;
    if (ct_container__create(spec, o, &pid, &err))
        goto fail;
    close(sv[1]);
    int master = ct_console__recv_fd(sv[0]);
    close(sv[0]);
    if (master < 0) {
        err__set(&err, "the container's console did not arrive");
        ct_container__delete(o->state_root, o->id, true, NULL);
        goto fail;
    }
    /* the attached terminal does the \n -> \r\n; the log stays plain */
    struct termios tio;
    if (tcgetattr(master, &tio) == 0) {
        tio.c_oflag &= ~(tcflag_t)OPOST;
        tcsetattr(master, TCSANOW, &tio);
    }
    static struct monitor_ctx m;
    m.net = net;
    if (ct_serve__start(&m.serve, o->state_root, o->id, &err)) {
        ct_container__delete(o->state_root, o->id, true, NULL);
        goto fail;
    }
    ssize_t w = write(report, "", 1);
    (void)w;
    close(report);
    ct_monitor__run(dir, pid, master, ls, log, ended, &m);
    _exit(0);
fail:
    leave_network(net);
    w = write(report, err.msg, strlen(err.msg));
    ct_state__remove(dir, NULL);
    _exit(1);
}

int ct_cli__create(int argc, char **argv)
{
    static const struct option opts[] = {
        {"rootfs", required_argument, NULL, 'r'}, {"image", required_argument, NULL, 'i'},
        {"memory", required_argument, NULL, 'm'}, {"cpus", required_argument, NULL, 'c'},
        {"pids", required_argument, NULL, 'p'},   {"io-weight", required_argument, NULL, 'w'},
        {"net", required_argument, NULL, 'n'},    {"hostname", required_argument, NULL, 'H'},
        {"volume", required_argument, NULL, 'v'}, {"ip", required_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *rootfs = NULL, *image = NULL, *net = "none";
    struct net_plan plan = {0};
    struct ct_volume volumes[MAX_VOLUMES];
    struct ct_default_opts d = {.memory = -1, .pids = -1, .ct = true, .terminal = true};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hv:", opts, NULL)) != -1) {
        switch (c) {
        case 'r': rootfs = optarg; break;
        case 'i': image = optarg; break;
        case 'm': {
            uint64_t size;
            if (!parse__size(optarg, &size) || size < (4u << 20) || size > (1ull << 50))
                return ct_cli__fail("--memory %s: want a size of at least 4M, e.g. 64M", optarg);
            d.memory = (int64_t)size;
            break;
        }
        case 'c': {
            char *end;
            double cpus = strtod(optarg, &end);
            if (*end || !(cpus >= 0.01 && cpus <= 1024))
                return ct_cli__fail("--cpus %s: want a number of CPUs, e.g. 1 or 0.5", optarg);
            d.cpus_milli = (unsigned)(cpus * 1000 + 0.5);
            break;
        }
        case 'p': {
            unsigned n;
            if (!parse__uint(optarg, 1, 1u << 22, &n))
                return ct_cli__fail("--pids %s: want a count of at least 1", optarg);
            d.pids = n;
            break;
        }
        case 'w':
            if (!parse__uint(optarg, 10, 1000, &d.io_weight))
                return ct_cli__fail("--io-weight %s: want 10 to 1000", optarg);
            break;
        case 'n': net = optarg; break;
        case 'I': plan.want = optarg; break;
        case 'H': d.hostname = optarg; break;
        case 'v':
            if (d.n_volumes == MAX_VOLUMES)
                return ct_cli__fail("at most %d volumes", MAX_VOLUMES);
            if (parse_volume(optarg, &volumes[d.n_volumes]))
                return 1;
            d.n_volumes++;
            break;
        case 'h':
            printf("usage: strata ct create NAME --rootfs DIR | --image TARBALL [options] "
                   "[-- COMMAND...]\n(see strata ct --help)\n");
            return 0;
        default: return ct_cli__fail("create: bad option (see strata ct --help)");
        }
    }
    d.volumes = volumes;
    if (optind >= argc)
        return ct_cli__fail("create: want a container NAME");
    const char *name = argv[optind++];
    if (optind < argc && !strcmp(argv[optind], "--"))
        optind++;
    if (optind < argc)
        d.args = (const char *const *)(argv + optind);
    if (!rootfs == !image)
        return ct_cli__fail("create: want one of --rootfs DIR or --image TARBALL");
    if (!strcmp(net, "host"))
        d.share_net = true;
    else if (!strncmp(net, "bridge:", 7) && net[7])
        plan.bridge = net + 7;
    else if (!strcmp(net, "user"))
        return ct_cli__fail("--net user: user-mode networking for containers is not "
                            "implemented; use none, host or bridge:NAME");
    else if (strcmp(net, "none"))
        plan.network = net;
    plan.name = name;
    struct err err;
    if (registry__check_name(name, &err))
        return ct_cli__fail("create: %s (containers and VMs share names)", err.msg);
    char running[PATH_MAX];
    if (!registry__find(name, "control.sock", running, sizeof(running), NULL))
        return ct_cli__fail("create: a vm or container named '%s' is running", name);
    if (plan.network) {
        struct network n;
        if (network__load(plan.network, &n, &err))
            return ct_cli__fail("--net %s: %s", net, err.msg);
    }
    if (plan.want && !plan.bridge && !plan.network)
        return ct_cli__fail(
            "--ip needs --net NETWORK or bridge:NAME (a container alone has only lo)");
    uint32_t addr;
    unsigned prefix;
    if (plan.want && network__parse_addr(plan.want, !plan.bridge, &addr, &prefix, &err))
        return ct_cli__fail("--ip: %s", err.msg);
    bool root = geteuid() == 0;
    if (!root && (plan.bridge || plan.network))
        return ct_cli__fail("--net %s: needs root (CAP_NET_ADMIN on the host)", net);
    if (!root && (d.memory >= 0 || d.pids >= 0 || d.cpus_milli || d.io_weight))
        return ct_cli__fail("create: limits need root (unprivileged users get no cgroup here)");
    if (!root) {
        struct passwd *pw = getpwuid(geteuid());
        d.rootless = true;
        ct_ns__subid_map("/etc/subuid", pw ? pw->pw_name : "", geteuid(), d.uid_maps,
                         &d.n_uid_maps);
        ct_ns__subid_map("/etc/subgid", pw ? pw->pw_name : "", getegid(), d.gid_maps,
                         &d.n_gid_maps);
    }

    char sroot[PATH_MAX], dir[PATH_MAX], rootdir[PATH_MAX], cfg[PATH_MAX];
    if (ct_cli__root(sroot, sizeof(sroot)))
        return 1;
    if (ct_state__dir(sroot, name, dir, sizeof(dir), &err))
        return ct_cli__fail("%s", err.msg);
    if (image) {
        char data[PATH_MAX];
        if (ct_cli__data_dir(data, sizeof(data)))
            return 1;
        ct_fmt(rootdir, sizeof(rootdir), "%s/%s/rootfs", data, name);
        if (access(rootdir, F_OK) == 0)
            return ct_cli__fail("create: %s exists (a container %s not removed?)", rootdir, name);
    } else if (!realpath(rootfs, rootdir)) {
        return ct_cli__fail("--rootfs %s: %s", rootfs, strerror(errno));
    }
    if (!d.args) {
        char init[PATH_MAX + 16];
        ct_fmt(init, sizeof(init), "%s/sbin/init", rootdir);
        static const char *const sbin_init[] = {"/sbin/init", NULL};
        if (!image && access(init, X_OK))
            return ct_cli__fail("create: no command given and %s has no /sbin/init", rootdir);
        d.args = sbin_init;
    }
    if (mkdir(dir, 0711) < 0)
        return errno == EEXIST ? ct_cli__fail("container %s already exists", name)
                               : ct_cli__fail("cannot create %s: %s", dir, strerror(errno));
    if (image) {
        if (unpack(image, rootdir)) {
            ct_state__remove(dir, NULL);
            return 1;
        }
        char rec[PATH_MAX];
        ct_fmt(rec, sizeof(rec), "%s/image-rootfs", dir);
        FILE *f = fopen(rec, "we");
        if (f) {
            fprintf(f, "%s\n", rootdir);
            fclose(f);
        }
    }
    d.root_path = rootdir;
    char *text = ct_spec__default_json(&d);
    ct_fmt(cfg, sizeof(cfg), "%s/config.json", dir);
    FILE *f = fopen(cfg, "we");
    if (!f || fputs(text, f) < 0 || fclose(f)) {
        free(text);
        ct_state__remove(dir, NULL);
        return ct_cli__fail("cannot write %s", cfg);
    }
    struct ct_spec spec;
    int rc = ct_spec__parse(&spec, text, &err);
    free(text);
    if (rc) {
        ct_spec__free(&spec);
        ct_state__remove(dir, NULL);
        return ct_cli__fail("%s", err.msg);
    }
    struct ct_create_opts o = {.id = name,
                               .state_root = sroot,
                               .bundle = dir,
                               .config_path = cfg,
                               .ct = true,
                               .dir_made = true,
                               .after_spawn = plan.bridge || plan.network ? join_network : NULL,
                               .after_spawn_arg = &plan};
    int report[2];
    if (pipe2(report, O_CLOEXEC) < 0) {
        ct_spec__free(&spec);
        ct_state__remove(dir, NULL);
        return ct_cli__fail("pipe: %s", strerror(errno));
    }
    fflush(NULL);
    pid_t mon = fork();
    if (mon == 0) {
        close(report[0]);
        run_monitor(&spec, &o, &plan, dir, report[1]);
    }
    close(report[1]);
    ct_spec__free(&spec);
    if (mon < 0)
        return ct_cli__fail("fork: %s", strerror(errno));
    char msg[600];
    ssize_t n = read(report[0], msg, sizeof(msg) - 1);
    close(report[0]);
    if (n == 1 && msg[0] == 0)
        return 0;
    if (n <= 0)
        ct_fmt(msg, sizeof(msg), "the container's monitor died while creating it");
    else
        msg[n] = 0;
    waitpid(mon, NULL, 0);
    if (image)
        ct_state__remove(rootdir, NULL);
    return ct_cli__fail("%s", msg);
}
