#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# ct-lib.sh - sourced by the container tests: skips (77) where containers cannot
# run, and builds a small root filesystem from Debian's busybox-static.
#   ct_need_root            root, namespaces and cgroups, or SKIP
#   ct_rootfs DIR           a busybox root filesystem in DIR (/bin/sh, /etc/os-release, ...)

ct_need_root() {
    if [[ $(id -u) -ne 0 ]]; then
        echo "SKIP: containers with limits need root here (cgroup v1 has no delegation)"
        exit 77
    fi
    if ! unshare -pfmuin --mount-proc true 2>/dev/null; then
        echo "SKIP: this host cannot make namespaces (unshare -pfmuin failed)"
        exit 77
    fi
    if [[ ! -d /sys/fs/cgroup/memory && ! -f /sys/fs/cgroup/cgroup.controllers ]]; then
        echo "SKIP: no memory cgroup controller (v1) and no unified hierarchy (v2)"
        exit 77
    fi
}

ct_busybox() {
    local bb
    for bb in /bin/busybox /usr/bin/busybox; do
        if [[ -x $bb ]] && ! ldd "$bb" >/dev/null 2>&1; then
            echo "$bb"
            return
        fi
    done
    echo "SKIP: no static busybox (apt-get install busybox-static)"
    exit 77
}

ct_rootfs() {
    local dir=$1 bb
    bb=$(ct_busybox)
    [[ $bb == SKIP:* ]] && { echo "$bb"; exit 77; }
    mkdir -p "$dir"/{bin,etc,proc,sys,dev,tmp,root,sbin}
    cp "$bb" "$dir/bin/busybox"
    local app
    for app in $("$dir/bin/busybox" --list); do
        [[ -e $dir/bin/$app ]] || ln -s busybox "$dir/bin/$app"
    done
    printf 'NAME="strata test busybox"\nID=busybox\n' >"$dir/etc/os-release"
    echo 'root:x:0:0:root:/root:/bin/sh' >"$dir/etc/passwd"
    echo 'root:x:0:' >"$dir/etc/group"
}
