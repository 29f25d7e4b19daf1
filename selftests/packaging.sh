#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Packaging, on the build machine: make install into a staging root puts the
# module where modprobe finds it, the CLI on the PATH, its man page, the
# systemd unit (naming the CLI under PREFIX, and passing systemd-analyze
# verify) and the modprobe options example; make uninstall takes them all
# away; dkms.conf carries the release's version.  DKMS itself, and the
# unit's commands, are tested in a VM (dkms.sh).
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/vm/lib.sh"
cd "$HCX_TOP" || exit 1

kver=$(debian_kver 6.1)
stage=$(mktemp -d)
# A copy of the tree, so that the in-tree build leaves the checkout clean.
tree=$(mktemp -d)
trap 'rm -rf "$stage" "$tree"' EXIT
cp -r Kbuild Makefile VERSION dkms.conf kmod uapi userspace packaging "$tree/"

check "dkms.conf version equals VERSION" \
	grep -qx "PACKAGE_VERSION=\"$(cat VERSION)\"" dkms.conf
check "make install into a staging root" \
	make -C "$tree" install KVER="$kver" DESTDIR="$stage" PREFIX=/usr
check "the module is installed under updates/" \
	test -f "$stage/lib/modules/$kver/updates/hcxrepl.ko"
check "depmod indexed it" \
	grep -q "updates/hcxrepl.ko" "$stage/lib/modules/$kver/modules.dep"
unit=$stage/lib/systemd/system/hcxrepl@.service
example=$stage/usr/share/doc/hcxrepl/examples/hcxrepl.conf
man=$stage/usr/share/man/man8/hcxrepl.8
check "the CLI is installed" test -x "$stage/usr/sbin/hcxrepl"
check "its man page is installed" test -f "$man"
check "the systemd unit is installed" test -f "$unit"
check_eq "the unit runs the CLI from PREFIX" \
	"/usr/sbin/hcxrepl setconf %i /etc/hcxrepl/%i.conf" \
	"$(sed -n 's/^ExecStart=\(.*hcxrepl setconf .*\)/\1/p' "$unit")"
check "the unit names nothing under /usr/local" bash -c "! grep -n '^Exec.*/usr/local' '$unit'"
# systemd-analyze verify, with the CLI the unit names and its man page
# (Documentation=man:hcxrepl(8)) taken from the staging root; it must be
# silent too, since it only warns about an unknown key.
verify=$(mktemp -d)
sed "/^Exec/s|/usr/sbin/hcxrepl|$stage/usr/sbin/hcxrepl|" "$unit" >"$verify/hcxrepl@.service"
check "systemd-analyze verify hcxrepl@hcx0.service: no complaint" bash -c \
	"out=\$(MANPATH='$stage/usr/share/man' systemd-analyze verify '$verify/hcxrepl@hcx0.service' 2>&1) &&
	 test -z \"\$out\" || { echo \"\$out\"; false; }"
rm -rf "$verify"
check "the modprobe options example is installed" test -f "$example"
check "it sets no option (every line a comment)" bash -c \
	"! grep -v -e '^#' -e '^\$' '$example'"
check "modprobe reads it as no option" bash -c \
	"! modprobe -C '$example' -c | grep -q hcxrepl"
check "it names every module parameter" bash -c \
	"for p in \$(modinfo -F parm '$stage/lib/modules/$kver/updates/hcxrepl.ko' | cut -d: -f1); do
		grep -q \"^#options hcxrepl \$p=\" '$example' || { echo \"missing \$p\"; exit 1; }
	 done"
check "nothing is installed into /etc" test ! -e "$stage/etc"
check "make uninstall removes them all" bash -c \
	"make -C '$tree' uninstall KVER='$kver' DESTDIR='$stage' PREFIX=/usr &&
	 ! test -e '$stage/lib/modules/$kver/updates/hcxrepl.ko' &&
	 ! test -e '$stage/usr/sbin/hcxrepl' &&
	 ! test -e '$man' &&
	 ! test -e '$unit' &&
	 ! test -e '$example'"
tap_done
