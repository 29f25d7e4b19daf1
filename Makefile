# SPDX-License-Identifier: GPL-2.0
#
# make                 module and CLI, for the running kernel
# make KVER=V | KDIR=D module for kernel V, or for the build tree D
# make install         module (with depmod), CLI, systemd unit, modprobe
#                      example; DESTDIR, PREFIX
# make check           everything, in VMs booting Debian's kernels
# make demo            the main job in a VM
# make bench           performance against peers measured in the same run

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr/local
VERSION := $(shell cat VERSION)
UNIT := $(DESTDIR)/lib/systemd/system/hcxrepl@.service
EXAMPLES := $(DESTDIR)$(PREFIX)/share/doc/hcxrepl/examples

all: module cli

module:
	@test -e $(KDIR)/Makefile || { echo "make: no kernel build tree in $(KDIR): install linux-headers-$(KVER), or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

cli:
	$(MAKE) -C userspace HCXREPL_VERSION=$(VERSION)

# Kbuild skips depmod without a System.map, which Debian's headers lack.
# The unit's Exec lines name the CLI under /usr/local, the default PREFIX:
# sed puts in the PREFIX of this install.  The modprobe options are an
# example, installed as documentation, not into /etc/modprobe.d.
install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=updates modules_install
	depmod $(if $(DESTDIR),-b $(DESTDIR)) -a $(KVER)
	$(MAKE) -C userspace install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	install -d $(dir $(UNIT)) $(EXAMPLES)
	sed '/^Exec/s|/usr/local/sbin/|$(PREFIX)/sbin/|' packaging/hcxrepl@.service >$(UNIT)
	chmod 0644 $(UNIT)
	install -m 0644 packaging/modprobe.d/hcxrepl.conf $(EXAMPLES)/hcxrepl.conf

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KVER)/updates/hcxrepl.ko*
	-depmod -a $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)
	$(MAKE) -C userspace uninstall PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	rm -f $(UNIT) $(EXAMPLES)/hcxrepl.conf
	rmdir $(EXAMPLES) $(dir $(EXAMPLES)) 2>/dev/null || true

check:
	selftests/run.sh

demo:
	selftests/demo.sh

bench:
	selftests/bench.sh

deps:
	selftests/vm/deps.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C userspace clean
	rm -rf build

.PHONY: all module cli install uninstall check demo bench deps clean
