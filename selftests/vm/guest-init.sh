#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Second stage of the test VM, PID 1 in the overlay of the host's root: set up
# a minimal system, run the command vm.sh left in /hcx-out/cmd, and leave its
# exit status, output and the kernel log in /hcx-out before powering off.
#
# The kernel log is checked here, where it is complete: a run whose command
# passed still fails on a kernel splat (see kernel_log_clean).

out=/hcx-out
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# /tmp and /var/tmp stay the overlay's: writable, in RAM, and still showing
# a checkout that lives there.  /run starts empty, as after a boot.
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t configfs configfs /sys/kernel/config 2>/dev/null
ln -sf /proc/self/fd /dev/fd
hostname "$(cat $out/hostname 2>/dev/null || echo hcxvm)"
ip link set lo up
# Drivers of the VM's disk and NIC: nothing loads modules on demand here.
modprobe -q virtio_blk 2>/dev/null
modprobe -q virtio_net 2>/dev/null
# Entropy the crypto needs early; virtio-rng feeds it too.
echo "hcxrepl-vm $(date +%s%N)" >/dev/urandom

. "$(dirname "$0")/../lib/klog.sh"

cd "$(cat $out/cwd)" || cd /
echo "hcxrepl-vm: running on $(uname -r)" >/dev/console
bash $out/cmd >$out/output 2>&1 </dev/null
rc=$?
# kmemleak reports only after a scan; scan twice as its documentation advises.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	sleep 1
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >$out/kmemleak
	cat $out/kmemleak >>$out/output
fi
dmesg >$out/dmesg
if ! kernel_log_clean $out/dmesg || [ -s $out/kmemleak ]; then
	echo "hcxrepl-vm: the kernel log has a checker report; failing the run" >>$out/output
	[ $rc = 0 ] && rc=125
fi
echo $rc >$out/rc
sync
echo o >/proc/sysrq-trigger
sleep 60
