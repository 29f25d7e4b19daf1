# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the VM harness: where caches live and which kernels exist.
# Sourced, never run.

HCX_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HCX_CACHE=${HCX_CACHE:-/var/cache/hcxrepl}

die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

# debian_kver SERIES: the newest installed Debian kernel of SERIES (6.1 or
# 6.12) that has both its image and its headers.
debian_kver() {
	local series=$1 pattern v best=
	case $series in
	6.1) pattern='6.1.0-*-amd64' ;;
	6.12) pattern='6.12.*+deb12-amd64' ;;
	*) die "unknown kernel series '$series' (want 6.1 or 6.12)" ;;
	esac
	for v in $(cd /lib/modules 2>/dev/null && ls -d $pattern 2>/dev/null | sort -V); do
		[ -f "/boot/vmlinuz-$v" ] && [ -e "/lib/modules/$v/build/Makefile" ] && best=$v
	done
	[ -n "$best" ] || die "no Debian $series kernel with headers installed (run selftests/vm/deps.sh)"
	echo "$best"
}

# source_tree SERIES: an unpacked copy of Debian's linux-source-SERIES in
# the cache, keyed by the package version.
source_tree() {
	local series=$1 ver dir
	ver=$(dpkg-query -W -f='${Version}' "linux-source-$series" 2>/dev/null) ||
		die "linux-source-$series is not installed"
	dir=$HCX_CACHE/src/linux-source-$series-$ver
	if [ ! -f "$dir/.unpacked" ]; then
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$dir.tmp"
		tar -xf "/usr/src/linux-source-$series.tar.xz" -C "$dir.tmp" --strip-components=1 ||
			die "cannot unpack linux-source-$series"
		touch "$dir.tmp/.unpacked"
		mv "$dir.tmp" "$dir"
	fi
	echo "$dir"
}

# debug_kernel_dir: the build directory of the debug/KUnit kernel, keyed by
# the source version and the configuration it is built from.  Bump
# HCX_DEBUG_RECIPE when build-debug-kernel.sh changes what it builds.
HCX_DEBUG_RECIPE=1
debug_kernel_dir() {
	local ver key
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) ||
		die "linux-source-6.1 is not installed"
	key=$({ echo "recipe $HCX_DEBUG_RECIPE"; cat "$HCX_TOP/selftests/vm/debug.config"; } |
		sha256sum | cut -c1-12)
	echo "$HCX_CACHE/kernels/6.1-$ver-debug-$key"
}

# build_module KVER KDIR: build the module in build/KVER, where the VMs load
# it from, with W=1 and sparse; any compiler or sparse warning fails.
build_module() {
	local kver=$1 kdir=$2 dir=$HCX_TOP/build/$1
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -rs "$HCX_TOP"/{Kbuild,VERSION,kmod,uapi} "$dir/"
	make -C "$kdir" M="$dir" W=1 C=2 modules 2>&1 | tee "$dir/build.log"
	[ "${PIPESTATUS[0]}" = 0 ] && ! grep -E 'warning:|error:' "$dir/build.log"
}

# free_udp_ports N: N UDP ports free on loopback, for links between VMs.
free_udp_ports() {
	/usr/bin/python3 - "$1" <<'PY'
import socket, sys
socks = [socket.socket(type=socket.SOCK_DGRAM) for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
PY
}

# Kernel arguments of the sites of two-VM tests: SLUB checks the socket
# buffers' caches (red zones, poison, who allocated and freed each), so that
# a buffer written after its free or freed twice is reported where it
# happens, with both stacks, not as a crash later in whatever allocates
# next (two_sites_disk.sh's target once died so, in __alloc_skb, on 6.12).
HCX_SITE_ARGS="slub_debug=FZPU,skbuff_head_cache,skbuff_small_head,skbuff_fclone_cache"

# two_sites_work NAME: for a two-VM test, a fresh build/NAME in the
# checkout (both VMs read their scripts and keys from there) holding the
# sites' keys (a.key, a.pub, b.key, b.pub, mode 600 as every file the test
# writes after it), and two free loopback ports for their link: sets work,
# port_a and port_b.
two_sites_work() {
	local s
	work=$HCX_TOP/build/$1
	rm -rf "$work" && mkdir -p "$work" || return 1
	read -r port_a port_b < <(free_udp_ports 2)
	umask 077
	for s in a b; do
		"$HCX_TOP/userspace/hcxrepl" genkey >"$work/$s.key" &&
			"$HCX_TOP/userspace/hcxrepl" pubkey <"$work/$s.key" \
				>"$work/$s.pub" || return 1
	done
}
