# SPDX-License-Identifier: GPL-2.0
# Sourced by bench_wan_site.sh at site A: a busy source.  fio writes 4 KiB
# blocks at random, direct, for FIO_SECONDS on the raw device, on
# hcxrepl's tracking device without replication (tracking alone), on it
# with continuous replication to site B, and on DRBD's device (protocol A)
# connected to site B and in sync; the link clean at its MBIT.  Each
# prints "fio TOOL IOPS": raw, tracking, hcxrepl, drbd.

FIO_SECONDS=15

# fio_iops DEVICE: the write IOPS fio reached on DEVICE.
fio_iops() {
	fio --name=busy --filename="$1" --rw=randwrite --bs=4k --direct=1 \
		--ioengine=libaio --iodepth=16 --size=64M --runtime=$FIO_SECONDS \
		--time_based --randseed=7 --output-format=json |
		json "round(j['jobs'][0]['write']['iops'])"
}

# fio_hcxrepl: raw, tracking alone, and continuous replication, on
# /dev/loop4 before DRBD claims it.
fio_hcxrepl() {
	local dev

	shape clean
	echo "fio raw $(fio_iops /dev/loop4)"
	hcxrepl disk add vm1 dev hcx0 backing /dev/loop4 role source
	dev=$(hcxrepl -j disk show vm1 | json "j[0]['device']")
	hcx_sync full >/dev/null
	echo "fio tracking $(fio_iops "$dev")"
	hcxrepl disk replicate vm1 on
	echo "fio hcxrepl $(fio_iops "$dev")"
	hcxrepl disk replicate vm1 off
	until hcx_idle; do
		sleep 0.1
	done
	hcxrepl disk del vm1
}

# fio_drbd: DRBD's device, primary, connected and in sync.
fio_drbd() {
	shape clean
	echo "fio drbd $(fio_iops /dev/drbd0)"
}
