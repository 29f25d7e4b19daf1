#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Packaging on the appliance, with the shipped dkms.conf and
# packaging/hcxrepl@.service:
#
#   dkms.sh build DIR   on the build machine: DKMS adds and builds the
#                       module in its own trees under DIR (dkms --dkmstree,
#                       --sourcetree), touching nothing of this machine's
#   dkms.sh DIR         inside the VM (its root is a tmpfs overlay, so
#                       installing there is harmless): DKMS installs that
#                       build, modprobe loads it, DKMS removes it; then the
#                       boot path: the unit's commands, run as written,
#                       bring up hcx0 from /etc/hcxrepl/hcx0.conf and pair
#                       it with a second site in a namespace, and its stop
#                       command deletes the device; a disk over hcx0
#                       replicates again once the unit restarted
#
# The build runs outside the VM because under emulation it takes five
# minutes (291 to 314 s measured: about 13 s a source file), a fifth of
# make check; on the build machine, seconds.  systemd does not run in the
# VM (the VM's init is ours): the script runs the unit's command lines
# itself.
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/hcx.sh"
cd "$HCX_TOP" || exit 1

kver=$(debian_kver 6.1)
ver=$(cat VERSION)
installed=/lib/modules/$kver/updates/dkms/hcxrepl.ko
unit=packaging/hcxrepl@.service

if [ "${1:-}" = build ]; then
	dir=$(realpath -m "$2")
	rm -rf "$dir"
	mkdir -p "$dir/src/hcxrepl-$ver" "$dir/tree"
	cp -r Kbuild Makefile VERSION dkms.conf kmod uapi "$dir/src/hcxrepl-$ver/"
	check "dkms add" dkms add "hcxrepl/$ver" --dkmstree "$dir/tree" \
		--sourcetree "$dir/src"
	check "dkms build -k $kver" dkms build "hcxrepl/$ver" -k "$kver" \
		--dkmstree "$dir/tree" --sourcetree "$dir/src"
	check_eq "dkms status says built" "hcxrepl/$ver, $kver, $(uname -m): built" \
		"$(dkms status hcxrepl -k "$kver" --dkmstree "$dir/tree" \
			--sourcetree "$dir/src")"
	tap_done
	exit
fi

dir=$(realpath "$1")
trees=(--dkmstree "$dir/tree" --sourcetree "$dir/src")
work=$(mktemp -d)
umask 077

now() { date +%s.%N; }
elapsed() { echo "$1 $(now)" | awk '{ printf "%.1f", $2 - $1 }'; }

# --- DKMS -------------------------------------------------------------------

check "hcxrepl is not installed yet" bash -c "! test -e $installed"
start=$(now)
check "dkms install -k $kver" dkms install "hcxrepl/$ver" -k "$kver" "${trees[@]}"
echo "# dkms install took $(elapsed "$start") s"
check "the module is in updates/dkms/" test -f "$installed"
check_eq "dkms status says installed" "hcxrepl/$ver, $kver, $(uname -m): installed" \
	"$(dkms status hcxrepl -k "$kver" "${trees[@]}")"
check_eq "modinfo finds the DKMS module first" "$installed" \
	"$(modinfo -F filename hcxrepl)"
# Its soft dependency, BBR for the replication connections, comes with it
# (an earlier test may have loaded it, and sockets closed since may still
# hold it: the installed module's declaration is what modprobe follows).
check_eq "the installed module asks for tcp_bbr first" "pre: tcp_bbr" \
	"$(modinfo -F softdep hcxrepl)"
modprobe -r tcp_bbr 2>/dev/null
echo "# tcp_bbr loaded before: $(test -e /sys/module/tcp_bbr && echo yes || echo no)"
check "modprobe hcxrepl" modprobe hcxrepl
check "tcp_bbr is loaded with it" test -e /sys/module/tcp_bbr
check_eq "the loaded module is the DKMS build (srcversion)" \
	"$(modinfo -F srcversion "$installed")" \
	"$(cat /sys/module/hcxrepl/srcversion 2>&1)"
check_eq "the loaded module's version is VERSION" "$ver" \
	"$(cat /sys/module/hcxrepl/version 2>&1)"
# srcversion is the same for every build of these sources (the harness's
# build/ too); the build ID is this build's alone.
check_eq "the loaded module is the DKMS build (build ID)" \
	"$(readelf -n "$installed" | awk '/Build ID:/ { print $3 }')" \
	"$(xxd -p /sys/module/hcxrepl/notes/.note.gnu.build-id | tr -d '\n' | tail -c 40)"
check "ip link add creates a device" ip link add hcx9 type hcxrepl
check "it is of kind hcxrepl" bash -c "ip -d link show hcx9 | grep -qw hcxrepl"
ip link del hcx9
check "rmmod hcxrepl" rmmod hcxrepl

# --- the boot path: hcxrepl@hcx0.service ------------------------------------

# unit_lines KEY: the unit's KEY= command lines for instance hcx0, one a
# line, with the specifiers it uses substituted.
unit_lines() {
	sed -n "s/^$1=//p" "$unit" | sed 's/%[iI]/hcx0/g; s/%%/%/g'
}
# run_line LINE: run one command line as systemd would: a leading '-'
# ignores its failure; words and single or double quotes split as in a
# shell (the unit uses no '$', '\' or other prefix: refused here).
run_line() {
	local line=$1 ignore=0
	if [ "${line#-}" != "$line" ]; then
		ignore=1
		line=${line#-}
	fi
	case $line in
	[@:+!]* | *'$'* | *'\'* | *%*) echo "run_line: unsupported: $line"; return 1 ;;
	/*) ;;
	*) echo "run_line: not an absolute path: $line"; return 1 ;;
	esac
	eval "set -- $line"
	"$@" || [ "$ignore" = 1 ]
}
# run_unit KEY...: the lines of each KEY in order, stopping at a failure.
run_unit() {
	local key line
	for key; do
		while IFS= read -r line; do
			echo "+ $key=$line"
			run_line "$line" || return 1
		done < <(unit_lines "$key")
	done
}

# The CLI where the unit names it: make install's default PREFIX.
cli=$(unit_lines ExecStart | awk '$2 == "setconf" { print $1 }')
check_eq "the unit names the CLI under /usr/local/sbin" /usr/local/sbin/hcxrepl "$cli"
install -D -m 0755 userspace/hcxrepl "$cli"

# Site A's configuration file, written by showconf from a device
# configured by hand, then deleted with the module unloaded, as at boot.
for s in a b; do
	hcxrepl genkey >"$work/$s.key"
	hcxrepl pubkey <"$work/$s.key" >"$work/$s.pub"
done
modprobe hcxrepl
ip link add hcx0 type hcxrepl
hcxrepl set hcx0 private-key "$work/a.key" listen-port 51820 \
	peer "$(cat "$work/b.pub")" endpoint 10.0.0.2:51821
mkdir -p /etc/hcxrepl
hcxrepl showconf hcx0 >/etc/hcxrepl/hcx0.conf
ip link del hcx0
rmmod hcxrepl
check "site A's configuration file names the peer" \
	grep -qx "PublicKey = $(cat "$work/b.pub")" /etc/hcxrepl/hcx0.conf
check "the module is not loaded before the unit starts" \
	bash -c "! test -e /sys/module/hcxrepl"

boot=$(now)
check "the unit's ExecStartPre and ExecStart lines succeed" \
	run_unit ExecStartPre ExecStart
echo "# the unit's start took $(elapsed "$boot") s"
check "hcx0 exists, of kind hcxrepl" bash -c "ip -d link show hcx0 | grep -qw hcxrepl"
check "hcx0 is up" bash -c "ip link show hcx0 | grep -q '<.*\bUP\b.*>'"
check_eq "hcx0 carries the configuration file (showconf)" \
	"$(cat /etc/hcxrepl/hcx0.conf)" "$(hcxrepl showconf hcx0 2>&1)"
check_eq "hcx0's peer is site B" "$(cat "$work/b.pub")" \
	"$(hcxrepl -j show hcx0 | json 'j[0]["peer"]["public_key"]')"
# Site B, in a namespace over a veth underlay, configured by hand.
modprobe veth
ip netns add site-b
ip link add wan0 type veth peer name wan0 netns site-b
ip addr add 10.0.0.1/24 dev wan0
ip link set wan0 up
ip -n site-b addr add 10.0.0.2/24 dev wan0
ip -n site-b link set wan0 up
ip -n site-b link set lo up
ip -n site-b link add hcx0 type hcxrepl
ip netns exec site-b hcxrepl set hcx0 private-key "$work/b.key" listen-port 51821 \
	peer "$(cat "$work/a.pub")" endpoint 10.0.0.1:51820
ip -n site-b addr add 10.9.0.2/24 dev hcx0
ip -n site-b link set hcx0 up
# The unit gives hcx0 no address: the test adds one (on an appliance, the
# device is bridged with a segment instead).
ip addr add 10.9.0.1/24 dev hcx0
check "site A pings site B across the interconnect" \
	ping -q -c 3 -i 0.3 -w 20 10.9.0.2
check "starting again with hcx0 present succeeds (created only if missing)" \
	run_unit ExecStartPre ExecStart
check_eq "and leaves its configuration as it was" \
	"$(cat /etc/hcxrepl/hcx0.conf)" "$(hcxrepl showconf hcx0 2>&1)"
check "site A still pings site B" ping -q -c 3 -i 0.3 -w 20 10.9.0.2

# A disk over hcx0 outlives a restart of the unit, which deletes and
# creates the device again: the disk follows its device by name.
modprobe loop
truncate -s 8M "$work/a.img" "$work/b.img"
dd if=/dev/urandom of="$work/a.img" bs=1M count=8 conv=notrunc status=none
loop_a=$(losetup -f --show "$work/a.img")
loop_b=$(losetup -f --show "$work/b.img")
check "a source disk over hcx0, its target at site B" bash -c "
	ip netns exec site-b hcxrepl disk add d0 dev hcx0 backing $loop_b role target &&
	hcxrepl disk add d0 dev hcx0 backing $loop_a role source"
check "the unit's ExecStop lines succeed" run_unit ExecStop
check "hcx0 is gone" bash -c "! ip link show hcx0 2>/dev/null"
check_eq "the disk stays, naming its device" "interconnect: hcx0" \
	"$(hcxrepl disk show d0 | grep -o 'interconnect: .*')"
check "the unit starts again" run_unit ExecStartPre ExecStart
check "a full sync runs over the new hcx0" hcxrepl disk sync d0 full
for ((i = 0; i < 300; i++)); do
	[[ $(hcxrepl disk show d0) == *"state: idle"* ]] && break
	sleep 0.2
done
check "and ends with identical copies" cmp "$loop_a" "$loop_b"
hcxrepl disk del d0
ip netns exec site-b hcxrepl disk del d0
losetup -d "$loop_a" "$loop_b"
check "the unit's ExecStop lines succeed again" run_unit ExecStop
ip netns del site-b
for _ in 1 2 3 4 5 6 7 8 9 10; do
	rmmod hcxrepl 2>/dev/null && break
	sleep 0.5
done
check "the module unloads after" bash -c "! test -e /sys/module/hcxrepl"
echo "# the boot path's checks took $(elapsed "$boot") s"

# --- DKMS removes it ----------------------------------------------------------

start=$(now)
check "dkms remove hcxrepl/$ver --all" dkms remove "hcxrepl/$ver" --all "${trees[@]}"
echo "# dkms remove took $(elapsed "$start") s"
check "the module is gone from updates/dkms/" bash -c "! test -e $installed"
check "modprobe no longer finds hcxrepl" bash -c "! modinfo hcxrepl"
check "dkms knows no hcxrepl" bash -c "! dkms status hcxrepl ${trees[*]} | grep -q hcxrepl"
rm -rf "$work"
echo "# dkms.sh took $SECONDS s"
tap_done
