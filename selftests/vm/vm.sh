#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm.sh [OPTIONS] -- COMMAND [ARG...]
#
# Boot a kernel under qemu-system-x86_64 (TCG, -cpu max) with this machine's
# root read-only over 9p under a tmpfs overlay, run COMMAND as root in the
# current directory, print its output and exit with its status.
#
#   --kernel K     6.1, 6.12 (the newest installed Debian kernel of that
#                  series) or debug (the KUnit/debug kernel); default 6.1
#   --cpus N       vCPUs (default 2)          --mem SIZE   memory (default 1G)
#   --timeout S    seconds before the VM is killed (default 600)
#   --out DIR      keep console log, output and dmesg in DIR
#   --name NAME    hostname in the VM
#   --disk FILE    attach FILE as a virtio disk (/dev/vda)
#   --link L:P     a virtio NIC whose frames travel as UDP datagrams on
#                  loopback from port L to port P: two VMs with the ports
#                  swapped share a link, and either can be killed and
#                  booted again while the other runs
#   --mac MAC      MAC address of that NIC
#   --one-thread   run all vCPUs on one host thread (single-threaded TCG),
#                  for a VM that shares the host's cores with another
#   --live         print COMMAND's output as it comes, not at the end
#   --append ARGS  more kernel command-line arguments
#
# Exit status: COMMAND's, or 124 on timeout, or 125 when the VM died or the
# kernel log has a checker report (the console log is kept and named), or
# 143 when this script was killed (it kills the VM at once, like a power
# cut).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/klog.sh"

kernel=6.1 cpus=2 mem=1G timeout=600 out= name=hcxvm disk= link= mac= one_thread=0 live=0
more_args=
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--name) name=$2; shift 2 ;;
	--disk) disk=$2; shift 2 ;;
	--link) link=$2; shift 2 ;;
	--mac) mac=$2; shift 2 ;;
	--one-thread) one_thread=1; shift ;;
	--live) live=1; shift ;;
	--append) more_args=$2; shift 2 ;;
	--) shift; break ;;
	*) die "unknown option '$1'" ;;
	esac
done
[ $# -gt 0 ] || die "no command given (vm.sh [OPTIONS] -- COMMAND)"

append="console=ttyS0 panic=-1 oops=panic loglevel=4 rdinit=/init hcxinit=$HCX_TOP/selftests/vm/guest-init.sh"
case $kernel in
debug)
	kdir=$(debug_kernel_dir)
	[ -f "$kdir/.built" ] || die "the debug kernel is not built (selftests/vm/build-debug-kernel.sh)"
	kver=$(cat "$kdir/include/config/kernel.release")
	image=$kdir/arch/x86/boot/bzImage
	# KASAN of 6.1 faults early under TCG with 5-level paging: use 4.
	append="$append panic_on_warn=1 no5lvl"
	;;
*)
	kver=$(debian_kver "$kernel")
	image=/boot/vmlinuz-$kver
	;;
esac
append="$append${more_args:+ $more_args}"

keep=1
if [ -z "$out" ]; then
	out=$(mktemp -d /tmp/hcxvm.XXXXXX)
	keep=0
fi
mkdir -p "$out"
rm -f "$out/rc" "$out/output" "$out/dmesg" "$out/kmemleak" "$out/console.log" "$out/report"
{
	# The caches are where the host has them.
	echo "export HCX_CACHE=$(printf '%q' "$HCX_CACHE")"
	printf '%q ' "$@"
} >"$out/cmd"
pwd >"$out/cwd"
echo "$name" >"$out/hostname"

initrd=$HCX_CACHE/initramfs/$kver.cpio.gz
mkdir -p "$(dirname "$initrd")"
if [ ! -f "$initrd" ] || [ "$HCX_TOP/selftests/vm/mkinitramfs.sh" -nt "$initrd" ] ||
   [ "$HCX_TOP/selftests/vm/initramfs-init" -nt "$initrd" ]; then
	"$HCX_TOP/selftests/vm/mkinitramfs.sh" "$kver" "$initrd"
fi

# Debian's 6.12 under multi-threaded TCG (QEMU 7.2): a vCPU has been seen
# to run a stale int3 while the other patched a static key, an "Oops:
# int3" at a jump label (twice in a day, in the TCP and the receive path).
# Its VMs run their vCPUs on one host thread, where that cannot happen.
accel=tcg
case $kver in 6.12.*) one_thread=1 ;; esac
[ "$one_thread" = 0 ] || accel=tcg,thread=single
args=(-accel "$accel" -machine q35 -cpu max -smp "$cpus" -m "$mem"
	-display none -monitor none -no-reboot -nodefaults
	-serial "file:$out/console.log"
	-kernel "$image" -initrd "$initrd" -append "$append"
	-device virtio-rng-pci
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	-virtfs "local,path=$out,mount_tag=hcxout,security_model=none")
[ -z "$disk" ] || args+=(-drive "file=$disk,if=virtio,format=raw,cache=unsafe")
case $link in
"") ;;
[0-9]*:[0-9]*)
	args+=(-netdev "socket,id=link0,localaddr=127.0.0.1:${link%%:*},udp=127.0.0.1:${link#*:}"
		-device "virtio-net-pci,netdev=link0${mac:+,mac=$mac}")
	;;
*) die "--link wants LOCAL_PORT:PEER_PORT, not '$link'" ;;
esac

# A TERM or INT to this script pulls the VM's plug at once, as a site that
# loses power would: tests kill a site mid-transfer this way.
timeout --kill-after=5 "$timeout" qemu-system-x86_64 "${args[@]}" </dev/null &
qemu=$!
# The guest writes the output into the shared directory as it goes.
[ "$live" = 0 ] || tail -n +1 -F --pid=$qemu "$out/output" 2>/dev/null &
# Once QEMU dies, timeout exits and may be reaped at once, so neither kill
# may fail the script (it runs under set -e): the status must stay 143.
trap 'pkill -KILL -P $qemu || true; kill -KILL $qemu 2>/dev/null || true
      wait $qemu || true; echo "vm.sh: $kver killed" >&2; exit 143' TERM INT
status=0
wait $qemu || status=$?
trap - TERM INT
if [ "$live" = 1 ]; then
	wait
elif [ -f "$out/output" ]; then
	cat "$out/output"
fi

if [ -f "$out/rc" ]; then
	rc=$(cat "$out/rc")
elif [ "$status" = 124 ] || [ "$status" = 137 ]; then
	echo "vm.sh: $kver timed out after ${timeout}s" >&2
	rc=124
else
	echo "vm.sh: $kver died before the command finished (qemu status $status)" >&2
	rc=125
fi
if [ "$rc" != 0 ]; then
	# A report's first lines (what failed, where) come before its tail:
	# a log cut short keeps them.
	if [ -f "$out/console.log" ] &&
	   ! kernel_log_clean "$out/console.log" >"$out/report"; then
		echo "vm.sh: the kernel's first report:" >&2
		head -n 40 "$out/report" >&2
	fi
	echo "vm.sh: console log: $out/console.log; last lines:" >&2
	tail -n 40 "$out/console.log" >&2 || true
elif [ "$keep" = 0 ]; then
	rm -rf "$out"
fi
exit "$rc"
