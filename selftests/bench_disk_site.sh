# SPDX-License-Identifier: GPL-2.0
# bench_disk_site.sh SITE WORK IMAGE MBIT [wan]: one site of the disk
# benchmark, in its VM (see bench_disk.sh).  Site A holds the source and
# measures; site B holds the targets and serves until the host creates
# /hcx-out/stop.  Each site's link sends at most MBIT Mbit/s, a WAN's rate.
#
# With wan, site A times full syncs of the image through three profiles of
# the link, which it shapes both ways (its ingress through ifb0) with
# netem: clean (MBIT), lossy (MBIT, WAN_DELAY_MS and WAN_LOSS% each way)
# and outage (lossy, and WAN_OUTAGE s without a packet through, a few
# seconds into the sync, whose time is taken away).  It prints "result
# TOOL PROFILE SECONDS BYTES" for hcxrepl without WAN optimization (the
# transport alone: the CPU is not the limit) and for DRBD.
#
# On each site, loop devices over files in RAM:
#   A: loop4, a copy of WORK/IMAGE.img: the source of hcxrepl, then of DRBD
#   B: loop3, hcxrepl's target; loop4, DRBD's
#   both: loop5, DRBD's external metadata
# A prints "result TOOL KIND SECONDS BYTES [WIRE]" for each sync it times:
# the tool (hcxrepl with its defaults, hcxrepl-raw with no WAN optimization,
# drbd), full or delta, and for hcxrepl the bytes its channel carried.
set -euo pipefail
. selftests/lib/hcx.sh

site=$1 work=$2 image=$3 mbit=$4 mode=${5:-disk}
WAN_DELAY_MS=20
WAN_LOSS=0.5
WAN_OUTAGE=6
case $site in
a) addr=192.0.2.1 peer=192.0.2.2 tunnel=10.9.0.1 peer_tunnel=10.9.0.2 other=b ;;
b) addr=192.0.2.2 peer=192.0.2.1 tunnel=10.9.0.2 peer_tunnel=10.9.0.1 other=a ;;
esac
# Chunks a delta rewrites, the same for both tools: 1024 of 64 KiB.
DELTA_CHUNKS=1024
CHUNK=65536

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }

modprobe loop
modprobe drbd
modprobe wireguard
load_module
ip link set eth0 up
ip addr add "$addr/24" dev eth0
tc qdisc add dev eth0 root tbf rate "${mbit}mbit" burst 256kb latency 50ms
for i in $(seq 60); do
	ping -c 1 -W 1 "$peer" >/dev/null && break
done

# hcxrepl's interconnect, whose TCP port carries the replication channel.
ip link add hcx0 type hcxrepl
hcxrepl set hcx0 private-key "$work/hcx-$site.key" listen-port 51820 \
	peer "$(cat "$work/hcx-$other.pub")" endpoint "$peer:51820"
ip link set hcx0 up
# WireGuard, which carries DRBD.
ip link add wg0 type wireguard
wg set wg0 private-key "$work/wg-$site.key" listen-port 51821 \
	peer "$(cat "$work/wg-$other.pub")" endpoint "$peer:51821" \
	allowed-ips "$peer_tunnel/32"
ip addr add "$tunnel/24" dev wg0
ip link set wg0 up

size=$(stat -c %s "$work/$image.img")
# drbdmeta locks in /var/lock, that is /run/lock, which starts empty here.
mkdir -p /run/lock
truncate -s 8M /tmp/meta.img
losetup /dev/loop5 /tmp/meta.img
# DRBD 8.4, the kernel's: a fixed resync rate well above what the link
# carries, and the buffers its documentation suggests for throughput.
# Protocol A, asynchronous as hcxrepl's continuous replication is (for
# the busy source's fio; resyncs go the same in any protocol).
cat >/tmp/drbd.conf <<EOF
global { usage-count no; }
resource bench {
	protocol A;
	disk { c-plan-ahead 0; resync-rate 1000M; }
	net { max-buffers 8000; max-epoch-size 8000; sndbuf-size 0; }
	on site-a { device /dev/drbd0; disk /dev/loop4; meta-disk /dev/loop5; address 10.9.0.1:7789; }
	on site-b { device /dev/drbd0; disk /dev/loop4; meta-disk /dev/loop5; address 10.9.0.2:7789; }
}
EOF
drbd() { drbdadm -c /tmp/drbd.conf "$@"; }
drbd_state() { sed -n 's/.* cs:\([A-Za-z]*\) .* ds:\([A-Za-z]*\/[A-Za-z]*\).*/\1 \2/p' /proc/drbd; }

if [ "$site" = b ]; then
	truncate -s "$size" /tmp/hcx.img /tmp/drbd.img
	losetup /dev/loop3 /tmp/hcx.img
	losetup /dev/loop4 /tmp/drbd.img
	hcxrepl disk add vm1 dev hcx0 backing /dev/loop3 role target
	drbd -- --force create-md bench >/dev/null
	drbd up bench
	iperf3 -s -D
	echo "b: ready"
	while [ ! -e /hcx-out/stop ]; do
		sleep 1
	done
	exit 0
fi

cp "$work/$image.img" /tmp/source.img
losetup /dev/loop4 /tmp/source.img

# The same chunks for both tools, anywhere on the disk.
/usr/bin/python3 -c "
import random
random.seed(1)
print('\n'.join(map(str, sorted(random.sample(range($size // $CHUNK), $DELTA_CHUNKS)))))
" >/tmp/delta.chunks
# rewrite DEVICE: new random data in the delta's chunks, then a flush.
rewrite() {
	/usr/bin/python3 - "$1" $CHUNK /tmp/delta.chunks <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
chunk = int(sys.argv[2])
for line in open(sys.argv[3]):
    os.pwrite(fd, os.urandom(chunk), int(line) * chunk)
os.fsync(fd)
PY
}
hcx_idle() {
	[[ $(hcxrepl disk show vm1) == *"state: idle"* ]]
}
# hcx_sync KIND: time a sync to its end.
hcx_sync() {
	local t
	t=$(now)
	hcxrepl disk sync vm1 "$1"
	until hcx_idle; do
		sleep 0.1
	done
	since "$t"
}

if [ "$mode" = wan ]; then
	. selftests/bench_wan_site.sh
	exit 0
fi

# The links, for scale: iperf3 for 5 s on the plain link, then on WireGuard.
if [ "$image" = random ]; then
	for to in "$peer" "$peer_tunnel"; do
		until iperf3 -c "$to" -t 5 -J >/tmp/iperf.json; do
			sleep 1
		done
		echo "link $to $(json "round(j['end']['sum_received']['bits_per_second'] / 1e6, 1)" </tmp/iperf.json)"
	done
fi

wire() { hcxrepl -j disk show vm1 | json "j[0]['stats']['wire_bytes']"; }
# hcx_run TOOL [OPTION...]: the initial sync of the image and the delta,
# with the disk's options.
hcx_run() {
	local tool=$1 secs wire0 dirty
	shift
	cp "$work/$image.img" /tmp/source.img
	hcxrepl disk add vm1 dev hcx0 backing /dev/loop4 role source "$@"
	secs=$(hcx_sync full)
	[ "$(hcxrepl -j disk show vm1 | json "j[0]['last_error']")" = 0 ]
	echo "result $tool full $secs $size $(wire)"
	rewrite "$(hcxrepl -j disk show vm1 | json "j[0]['device']")"
	dirty=$(hcxrepl -j disk show vm1 | json "j[0]['dirty_bytes']")
	wire0=$(wire)
	secs=$(hcx_sync delta)
	echo "result $tool delta $secs $dirty $(($(wire) - wire0))"
	hcxrepl disk del vm1
}
hcx_run hcxrepl
hcx_run hcxrepl-raw dedup off compress none

# DRBD: the initial sync of a new resource, whose primary is forced.
drbd -- --force create-md bench >/dev/null
drbd up bench
until [ "$(drbd_state)" = "Connected Inconsistent/Inconsistent" ]; do
	sleep 0.1
done
t=$(now)
drbd primary --force bench
until [ "$(drbd_state)" = "Connected UpToDate/UpToDate" ]; do
	sleep 0.1
done
echo "result drbd full $(since "$t") $size"
# Its delta: the same writes while disconnected, then the resync.
drbd disconnect bench
rewrite /dev/drbd0
drbd connect bench
t=$(now)
until [ "$(drbd_state)" = "Connected UpToDate/UpToDate" ]; do
	sleep 0.1
done
echo "result drbd delta $(since "$t") $((DELTA_CHUNKS * CHUNK))"
drbd down bench
