#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Replication over a long lossy WAN with an outage (design.rst, "Long lossy
# paths"): the underlay between the sites is shaped by netem to $MBIT
# Mbit/s, $DELAY_MS ms each way and $LOSS% loss each way, and mid-sync it
# drops everything for $OUTAGE s.
#
# - the replication connections use BBR at both sites where the kernel
#   offers it (tcp_available_congestion_control), and otherwise the
#   system's default, said once in the kernel log;
# - after the outage, which begins two seconds into the sync, the sync
#   moves again within $RESUME s of the path's return (TCP's own
#   retransmission timer, backing off through the outage, waits up to as
#   long as the outage lasted);
# - the sync ends byte-identical, without an error;
# - continuous replication over a 320 ms round trip, the copies
#   identical once it is off;
# - a target namespace deleted while its connections wait between hellos
#   for a source that vanished ends them (the debug kernel's KASAN
#   watches).
#
# - with "idle" among PARTS, writes every 2.5 s under it open no new
#   connection (each hello after a spell waits a round trip for its
#   answer while the last acknowledgment is as old as the spell: no
#   stall);
# - with "long", a second outage of 65 s under continuous replication,
#   after which the path returns with 700 ms each way (longer than the
#   probes' connects wait): replication catches up within two minutes.
#
# usage: wan.sh [SIZE_MB [RESUME [PARTS]]]   (default 24 MiB, 3 s; the
# debug kernel, five to ten times slower at everything, gets 30 s; PARTS:
# idle,long or either; make check runs idle on 6.1, and long by hand only:
# its minute and more of outage does not fit make check's time)
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/hcx.sh"
. "$(dirname "$0")/lib/sites.sh"

PORT_A=51820
PORT_B=51821
SIZE_MB=${1:-24}
MBIT=16
DELAY_MS=20
LOSS=0.5
OUTAGE=20
RESUME=${2:-3}
PARTS=,${3:-},
work=$(mktemp -d)

# shape LOSS: netem on both bridge ports, so each direction is delayed,
# limited and loses LOSS percent.
shape() {
	local port
	for port in to-site-a to-site-b; do
		nsx wan tc qdisc replace dev "$port" root netem \
			delay ${DELAY_MS}ms loss "$1%" rate ${MBIT}mbit ||
			return 1
	done
}
# b_rx: bytes site B has received on the underlay.
b_rx() {
	nsx site-b cat /sys/class/net/wan0/statistics/rx_bytes
}
# congestion NS: the congestion controls NS's established connections on
# the replication port use, each named once.
congestion() {
	nsx "$1" ss -tinH state established "( sport = :$PORT_B or dport = :$PORT_B )" |
		grep -oE '\b(bbr|cubic|reno)\b' | sort -u
}
now() {
	date +%s.%N
}
# active_opens: the connections site A's namespace has opened (TCP's
# ActiveOpens), each lane's connect one.
active_opens() {
	nsx site-a awk '$1 == "Tcp:" { if (!col) { for (i = 2; i <= NF; i++)
		if ($i == "ActiveOpens") col = i } else print $col }' /proc/net/snmp
}
# caught_up SECONDS: the target lacks nothing of site A's disk (nothing
# dirty, nothing in flight) within SECONDS.
caught_up() {
	local end=$((SECONDS + $1))
	until [ "$(field site-a vm lag_bytes)" = 0 ]; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.5
	done
}

check "module loads" load_module
check "sites pair" sites_up "$work" $PORT_A $PORT_B
check "the WAN: $MBIT Mbit/s, $DELAY_MS ms and $LOSS% loss each way" shape $LOSS

truncate -s "${SIZE_MB}M" "$work/a.img" "$work/b.img"
loop_a=$(losetup -f --show "$work/a.img")
loop_b=$(losetup -f --show "$work/b.img")
dd if=/dev/urandom of="$loop_a" bs=1M count="$SIZE_MB" conv=fsync status=none
check "a source and a target disk" bash -c "
	ip netns exec site-a hcxrepl disk add vm dev hcx0 role source \
		backing $loop_a &&
	ip netns exec site-b hcxrepl disk add vm dev hcx0 role target \
		backing $loop_b"
dmesg -C
check "a full sync starts" nsx site-a hcxrepl disk sync vm full
t_sync=$(now)

# synced: the source's progress line.
synced() {
	nsx site-a hcxrepl disk show vm | sed -n 's/^ *synced: //p'
}

# Two seconds into the sync, the outage.
sleep 2
check "the outage begins" shape 100
echo "# in the outage, $(awk -v a="$t_sync" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s into the sync: $(synced)"
check "the outage came mid-sync" bash -c \
	"ip netns exec site-a hcxrepl disk show vm | grep -q 'state: \(syncing\|connecting\)'"
sleep $OUTAGE
check "the path returns" shape $LOSS
back=$(now)
rx0=$(b_rx)
end=$((SECONDS + 60))
while [ $(($(b_rx) - rx0)) -lt $((512 << 10)) ] && [ $SECONDS -lt $end ]; do
	sleep 0.05
done
resumed=$(awk -v a="$back" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
echo "# half a MiB across $resumed s after the path returned: $(synced)"
check "the sync moves again within $RESUME s" \
	awk -v r="$resumed" -v m="$RESUME" 'BEGIN { exit !(r < m) }'

# The connections made since: BBR, or the default and the log's word.
if grep -qw bbr /proc/sys/net/ipv4/tcp_available_congestion_control; then
	want=bbr
else
	want=$(cat /proc/sys/net/ipv4/tcp_congestion_control)
	check "the kernel log says BBR is not available" \
		grep -q "hcxrepl: .*bbr.* not available" <(dmesg)
fi
echo "# available: $(cat /proc/sys/net/ipv4/tcp_available_congestion_control)"
check_eq "the source's connections use $want" "$want" "$(congestion site-a)"
check_eq "the target's connections use $want" "$want" "$(congestion site-b)"

check "the sync ends" wait_idle site-a vm 300
check_eq "without an error" 0 "$(field site-a vm last_error)"
check_eq "every chunk synced" "$(field site-a vm total_bytes)" \
	"$(field site-a vm synced_bytes)"
echo "# reconnects: $(stat_of site-a vm reconnects)"
check "the target is byte-identical" same_bytes "$loop_a" "$loop_b"

# A long path and idle spells: continuous replication over 320 ms of round
# trip, a write every 2.5 s (the lanes linger 5 s, connected).  A lane
# takes the disk again with a hello, which waits a round trip for its
# acknowledgment while the last one is as old as the spell: no stall
# (something was just sent), so no new connection.  With "idle" only: on
# the debug kernel a spell, its polls taking seconds, outlasts the linger.
DELAY_MS=160
check "a long path: $DELAY_MS ms each way, no loss" shape 0
check "continuous replication on" nsx site-a hcxrepl disk replicate vm on
sleep 3
dev_a=$(field site-a vm device)
if [[ $PARTS == *,idle,* ]]; then
	opens=$(active_opens)
	for i in 1 2 3 4; do
		dd if=/dev/urandom of="$dev_a" bs=64k count=1 \
			seek=$((i * 5)) oflag=direct status=none
		sleep 2.5
	done
	check_eq "four writes after idle spells need no new connection" 0 \
		$(($(active_opens) - opens))
fi

# A minute and more of silence, and a path that returns longer than the
# probes wait for a connect (three of the lost connections' 320 ms round
# trips): after their minute the lanes back off with connects of a
# handshake's whole time, and get through.
if [[ $PARTS == *,long,* ]]; then
	dd if=/dev/urandom of="$dev_a" bs=1M count=8 seek=8 oflag=direct \
		status=none &
	sleep 1
	check "a second outage, under continuous replication" shape 100
	check "it cut replication short" test "$(field site-a vm lag_bytes)" -gt 0
	sleep 65
	DELAY_MS=700
	check "the path returns with $DELAY_MS ms each way" shape 0
	wait
	back=$SECONDS
	check "replication catches up within 120 s" caught_up 120
	echo "# caught up $((SECONDS - back)) s after the path returned"
fi
check "continuous replication off" nsx site-a hcxrepl disk replicate vm off
check "it ends" wait_idle site-a vm 60
echo "# then: dirty $(field site-a vm dirty_bytes), lag $(field site-a vm lag_bytes)"
check "the target is byte-identical again" same_bytes "$loop_a" "$loop_b"

# The source site vanishes while its lanes linger after a delta (5 s): its
# connections go with its namespace, and no FIN reaches the target, whose
# connections wait between two hellos (no disk).  Deleting the target's
# namespace must end them (their sockets do not hold it); the debug
# kernel's KASAN watches.
dd if=/dev/urandom of="$dev_a" bs=64k count=4 oflag=direct status=none
check "a delta sync" nsx site-a hcxrepl disk sync vm delta
check "the delta ends" wait_idle site-a vm 60
ip netns del site-a
check "the target's connections outlived the source" \
	test -n "$(congestion site-b)"
nsx site-b hcxrepl disk del vm
ip netns del site-b
ip netns del wan
losetup -d "$loop_a" "$loop_b"
sleep 1
check "module unloads" rmmod hcxrepl
rm -rf "$work"
tap_done
