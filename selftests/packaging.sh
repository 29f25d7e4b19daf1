#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Packaging, on the build machine: make install into a staging root puts the
# module where modprobe finds it and the CLI on the PATH; make uninstall
# takes both away; dkms.conf carries the release's version.
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/vm/lib.sh"
cd "$HCX_TOP" || exit 1

kver=$(debian_kver 6.1)
stage=$(mktemp -d)
# A copy of the tree, so that the in-tree build leaves the checkout clean.
tree=$(mktemp -d)
trap 'rm -rf "$stage" "$tree"' EXIT
cp -r Kbuild Makefile VERSION dkms.conf kmod uapi userspace "$tree/"

check "dkms.conf version equals VERSION" \
	grep -qx "PACKAGE_VERSION=\"$(cat VERSION)\"" dkms.conf
check "make install into a staging root" \
	make -C "$tree" install KVER="$kver" DESTDIR="$stage" PREFIX=/usr
check "the module is installed under updates/" \
	test -f "$stage/lib/modules/$kver/updates/hcxrepl.ko"
check "depmod indexed it" \
	grep -q "updates/hcxrepl.ko" "$stage/lib/modules/$kver/modules.dep"
check "the CLI is installed" test -x "$stage/usr/sbin/hcxrepl"
check "make uninstall removes both" bash -c \
	"make -C '$tree' uninstall KVER='$kver' DESTDIR='$stage' PREFIX=/usr &&
	 ! test -e '$stage/lib/modules/$kver/updates/hcxrepl.ko' &&
	 ! test -e '$stage/usr/sbin/hcxrepl'"
tap_done
