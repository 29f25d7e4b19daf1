#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The interconnect in two-VM mode: "site A" and "site B", one vCPU each,
# each with its own kernel, joined by a virtual Ethernet link.  The sites
# pair, and when site B reloads its module and is configured again, the
# session comes back by itself, with nothing done on site A.
#
# usage: two_sites.sh [KERNEL_A [KERNEL_B]]   (default 6.1 and 6.12)
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/vm/lib.sh"

kernel_a=${1:-6.1}
kernel_b=${2:-6.12}
two_sites_work two-sites || exit 1
cd "$HCX_TOP" || exit 1
# The interconnect across the two VMs, and a peer restart.  A pings B's
# interconnect address for the whole run; B, once the pings arrive,
# reloads its module and sets its configuration again.
cat >"$work/pair.sh" <<'EOF'
name=$1 addr=$2 peer_addr=$3 tunnel=$4 work=$5 other=$6
. selftests/lib/hcx.sh
ip link set eth0 up && ip addr add "$addr/24" dev eth0 || exit 2
# A fixed MAC address, as an appliance's configuration would give it: a
# new random one after the restart would leave A's ARP entry pointing at
# the old one for half a minute.
pair() {
	ip link add hcx0 address "02:00:00:00:09:0$name" type hcxrepl &&
	hcxrepl set hcx0 private-key "$work/$name.key" listen-port 51820 \
		peer "$(cat "$work/$other.pub")" endpoint "$peer_addr:51820" &&
	ip addr add "$tunnel/24" dev hcx0 && ip link set hcx0 up
}
load_module && pair || { echo "$name: pairing failed"; exit 3; }
if [ "$name" = a ]; then
	# One ping every 0.2 s for 80 s; then the replies in all, and those
	# of the last 20 s, well after B's restart (about 20 s in).
	ping -D -i 0.2 -w 80 10.9.0.2 | sed -n 's/^\[\([0-9.]*\)\].*bytes from.*/\1/p' >/tmp/replies
	end=$(date +%s.%N)
	echo "replies: $(wc -l </tmp/replies) $(awk -v e="$end" '$1 >= e - 20' /tmp/replies | wc -l)"
	exit 0
fi
# Site B: wait for A's pings, then restart.
for i in $(seq 120); do
	[ "$(cat /sys/class/net/hcx0/statistics/rx_packets)" -gt 20 ] && break
	sleep 0.5
done
echo "b: restarting"
ip link del hcx0 && rmmod hcxrepl && load_module && pair ||
	{ echo "b: restart failed"; exit 4; }
# Answer until A's pings stop (3 s without a frame), at most 120 s.
last=-1 quiet=0
for i in $(seq 120); do
	rx=$(cat /sys/class/net/hcx0/statistics/rx_packets)
	[ "$rx" = "$last" ] && quiet=$((quiet + 1)) || quiet=0
	[ "$quiet" -ge 3 ] && break
	last=$rx
	sleep 1
done
EOF
selftests/vm/vm.sh --kernel "$kernel_a" --cpus 1 --name site-a --out "$work/pa" \
	--append "$HCX_SITE_ARGS" \
	--timeout 300 --link "$port_a:$port_b" --mac 52:54:00:00:00:0a -- \
	bash "$work/pair.sh" a 192.0.2.1 192.0.2.2 10.9.0.1 "$work" b \
	>"$work/pa.out" 2>&1 &
pid_a=$!
selftests/vm/vm.sh --kernel "$kernel_b" --cpus 1 --name site-b --out "$work/pb" \
	--append "$HCX_SITE_ARGS" \
	--timeout 300 --link "$port_b:$port_a" --mac 52:54:00:00:00:0b -- \
	bash "$work/pair.sh" b 192.0.2.2 192.0.2.1 10.9.0.2 "$work" a \
	>"$work/pb.out" 2>&1
rc_b=$?
wait $pid_a
rc_a=$?
check "site B reloaded its module and was configured again" test "$rc_b" = 0
[ "$rc_b" = 0 ] || sed 's/^/# B: /' "$work/pb.out"
check "site A's pings across the interconnect ran" test "$rc_a" = 0
[ "$rc_a" = 0 ] || sed 's/^/# A: /' "$work/pa.out"
read -r replies recent < <(sed -n 's/^replies: //p' "$work/pa.out")
check "pings crossed between the two kernels" test "${replies:-0}" -gt 100
# 100 pings in the last 20 s: nearly all must have come back.
check "after B's restart the session came back, with nothing done on A" \
	test "${recent:-0}" -ge 90
echo "# A's ping replies: $replies in all, $recent in the last 20 s of 100 sent"
tap_done
