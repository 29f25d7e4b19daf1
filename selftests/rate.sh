#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The device-wide replication rate limit (design.rst, "Rate limit"):
#
# - what the CLI and the module refuse, and that a refusal changes nothing;
#   show, -j show, showconf and setconf agree; windows are read and shown
#   in local time (TZ) and kept in UTC;
# - a full sync of incompressible data under a limit of $LIMIT Mbit/s moves
#   its bytes at that rate within 10%, while the same sync without a limit
#   is at least twice as fast (else the limit would not be what held it);
# - a window boundary changes the limit in force mid-sync: the VM's clock
#   is set forward to just before 08:00 UTC (and back at the end), and the rates before and after
#   08:00 are each within 10% of their window's;
# - the interconnect's own traffic does not draw from the limit.
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/hcx.sh"
. "$(dirname "$0")/lib/sites.sh"

PORT_A=51820
PORT_B=51821
SIZE_MB=16
LIMIT=8			# Mbit/s, the limit held over a whole sync
BEFORE=8		# Mbit/s until 08:00 UTC in the window test
AFTER=2			# and from 08:00
work=$(mktemp -d)

# now: seconds since the epoch, to the millisecond.
now() {
	date +%s.%N | cut -c1-14
}
# wire: the source's bytes on the channel (the text output: a Python
# start would cost a second).
wire() {
	nsx site-a hcxrepl -s disk show vm | awk '$1 == "wire_bytes:" { print $2 }'
}
# within PCT WANT GOT: GOT is within PCT percent of WANT.
within() {
	awk -v p="$1" -v w="$2" -v g="$3" \
		'BEGIN { d = g - w; if (d < 0) d = -d; exit !(d <= w * p / 100) }'
}
# mbit BYTES SECONDS
mbit() {
	awk -v b="$1" -v s="$2" 'BEGIN { printf "%.2f", b * 8 / s / 1e6 }'
}
# full_sync: a full sync from start to idle; prints "BYTES SECONDS".
full_sync() {
	local w0 t0 t1
	w0=$(wire)
	t0=$(now)
	nsx site-a hcxrepl disk sync vm full || return 1
	while ! nsx site-a hcxrepl disk show vm | grep -q "state: idle"; do
		sleep 0.2
	done
	t1=$(now)
	echo "$(($(wire) - w0)) $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
}
rate_line() {
	nsx site-a hcxrepl show hcx0 | grep "replication rate" | sed 's/^ *//'
}
set_a() {
	nsx site-a hcxrepl set hcx0 "$@"
}

check "module loads" load_module
check "sites pair" sites_up "$work" $PORT_A $PORT_B
nsx site-a ip addr add 10.1.0.1/24 dev hcx0
nsx site-b ip addr add 10.1.0.2/24 dev hcx0

# Refusals: one line each, exit status 1, nothing set.
check_fails "a rate without a unit is refused" "invalid rate '200'" \
	set_a rate 200
check_fails "a rate in bytes per second is refused" "invalid rate '25mbps'" \
	set_a rate 25mbps
check_fails "a rate below 100kbit is refused" "rate '99kbit' is below the least, 100kbit" \
	set_a rate 99kbit
check_fails "overlapping windows are refused" "window 17:00-19:00 overlaps 08:00-18:00" \
	env TZ=UTC ip netns exec site-a hcxrepl set hcx0 rate 200mbit \
	window 08:00-18:00 50mbit window 17:00-19:00 10mbit
check_fails "a window that ends where it starts is refused" \
	"ends where it starts" set_a rate 200mbit window 08:00-08:00 50mbit
check_fails "a window past the day is refused" "invalid window '08:00-24:00'" \
	set_a rate 200mbit window 08:00-24:00 50mbit
windows=()
for h in $(seq 0 16); do
	windows+=(window "$(printf '%02d:00-%02d:30' "$h" "$h")" 10mbit)
done
check_fails "seventeen windows are refused" "more than 16 rate windows" \
	set_a rate 200mbit "${windows[@]}"
check_fails "a window needs a rate" "'window' needs" \
	set_a rate 200mbit window 08:00-18:00
check_eq "nothing was set by the refusals" "" "$(rate_line)"
check_eq "no limit in force" 0 \
	"$(nsx site-a hcxrepl -j show hcx0 | json "j[0]['rate_now_bps']")"
# ynl_a ARGS...: ynl at site A; its errors (on its standard output) on
# standard error.
ynl_a() {
	YNL_NETNS=site-a ynl "$@" >&2
}
check_fails "the module refuses a window without the rate it replaces" \
	"A rate window comes with the rate it replaces" \
	ynl_a --do dev-set --json '{"ifname": "hcx0", "rate-window":
		[{"start": 60, "end": 120, "rate-bps": 1000000}]}'
check_fails "the module refuses a rate below 100kbit" \
	"A rate limit is at least 100kbit" \
	ynl_a --do dev-set --json '{"ifname": "hcx0", "rate-bps": 99999}'
check_fails "the module refuses overlapping windows" "Rate windows overlap" \
	ynl_a --do dev-set --json '{"ifname": "hcx0", "rate-bps": 0,
		"rate-window": [{"start": 1380, "end": 60, "rate-bps": 0},
				{"start": 0, "end": 10, "rate-bps": 0}]}'
check_fails "the module refuses a window that ends where it starts" \
	"must not end where it starts" \
	ynl_a --do dev-set --json '{"ifname": "hcx0", "rate-bps": 0,
		"rate-window": [{"start": 60, "end": 60, "rate-bps": 0}]}'
check_fails "the module refuses a window past the day" "out of range" \
	ynl_a --do dev-set --json '{"ifname": "hcx0", "rate-bps": 0,
		"rate-window": [{"start": 60, "end": 1440, "rate-bps": 0}]}'
check_eq "nothing was set by them" "" "$(rate_line)"

# What is set is shown, in local time, and kept in UTC.
check "a limit with two windows, one over midnight" \
	nsx site-a env TZ=UTC hcxrepl set hcx0 rate 200mbit \
	window 22:00-06:00 off window 08:00-18:00 50mbit
check_eq "show lists them, sorted" \
	"replication rate: 200mbit, 08:00-18:00 50mbit, 22:00-06:00 off (now $(
		h=$((10#$(date -u +%H))); if [ "$h" -ge 22 ] || [ "$h" -lt 6 ]; then
			echo off; elif [ "$h" -ge 8 ] && [ "$h" -lt 18 ]; then
			echo 50mbit; else echo 200mbit; fi))" \
	"$(TZ=UTC rate_line)"
check_eq "-j show says the same" "200000000 08:00-18:00 50000000" \
	"$(nsx site-a env TZ=UTC hcxrepl -j show hcx0 | json \
		"'%d %s %d' % (j[0]['rate_bps'], j[0]['rate_windows'][0]['window'], j[0]['rate_windows'][0]['rate_bps'])")"
check_eq "a zone two hours ahead reads the window two hours later" \
	"10:00-20:00" \
	"$(nsx site-a env TZ=UTC-2 hcxrepl -j show hcx0 | json "j[0]['rate_windows'][0]['window']")"
check "a window set two hours ahead is the same window" bash -c "
	ip netns exec site-a env TZ=UTC-2 hcxrepl set hcx0 rate 200mbit \
		window 10:00-20:00 50mbit window 00:00-08:00 off &&
	ip netns exec site-a env TZ=UTC hcxrepl show hcx0 |
		grep -q '08:00-18:00 50mbit, 22:00-06:00 off'"
nsx site-a env TZ=UTC hcxrepl showconf hcx0 >"$work/conf"
check "showconf has the limit" grep -qx "Rate = 200mbit" "$work/conf"
check "showconf has its windows" grep -qx "RateWindow = 22:00-06:00 off" \
	"$work/conf"
check "setconf takes the showconf" nsx site-a env TZ=UTC hcxrepl setconf \
	hcx0 "$work/conf"
check_eq "and the device is as before" "$(cat "$work/conf")" \
	"$(nsx site-a env TZ=UTC hcxrepl showconf hcx0)"
grep -v '^Rate' "$work/conf" >"$work/conf-norate"
check "setconf without a Rate" nsx site-a hcxrepl setconf hcx0 "$work/conf-norate"
check_eq "takes the limit away, as it describes the whole device" "" \
	"$(rate_line)"
check "rate off" set_a rate off

# A sync under the limit.
truncate -s "${SIZE_MB}M" "$work/a.img" "$work/b.img"
loop_a=$(losetup -f --show "$work/a.img")
loop_b=$(losetup -f --show "$work/b.img")
dd if=/dev/urandom of="$loop_a" bs=1M count=$SIZE_MB conv=fsync status=none
check "a source and a target disk" bash -c "
	ip netns exec site-a hcxrepl disk add vm dev hcx0 role source \
		backing $loop_a dedup off compress none &&
	ip netns exec site-b hcxrepl disk add vm dev hcx0 role target \
		backing $loop_b"
read -r bytes secs < <(full_sync)
free=$(mbit "$bytes" "$secs")
echo "# without a limit: $bytes bytes in $secs s, $free Mbit/s"
check "the sync without a limit is at least twice the limit" \
	awk -v f="$free" -v l=$LIMIT 'BEGIN { exit !(f >= 2 * l) }'
check "a limit of ${LIMIT}mbit" set_a rate ${LIMIT}mbit
read -r bytes secs < <(full_sync)
held=$(mbit "$bytes" "$secs")
echo "# with a limit of $LIMIT Mbit/s: $bytes bytes in $secs s, $held Mbit/s"
check "the sync moved the disk" test "$bytes" -ge $((SIZE_MB << 20))
check "the limit is held within 10%" within 10 $LIMIT "$held"
check "identical after it" same_bytes "$loop_a" "$loop_b"

# The interconnect does not draw from the limit: 100kbit for replication,
# several Mbit/s through hcx0.
check "a limit of 100kbit" set_a rate 100kbit
nsx site-b iperf3 -s -D -1 -B 10.1.0.2 --logfile "$work/iperf.log"
sleep 0.5
check "iperf3 through hcx0" bash -c "ip netns exec site-a iperf3 -c 10.1.0.2 \
	-t 2 -J >$work/iperf.json"
ext=$(json "'%.2f' % (j['end']['sum_received']['bits_per_second'] / 1e6)" \
	<"$work/iperf.json")
echo "# the interconnect under a 100kbit replication limit: $ext Mbit/s"
check "the interconnect is not throttled (over 2 Mbit/s)" \
	awk -v e="$ext" 'BEGIN { exit !(e > 2) }'

# A window's boundary: the clock forward to 07:59:50 UTC of tomorrow
# (forward only: the handshake refuses timestamps older than the last),
# and back by as much once the module is gone.
check "${BEFORE}mbit, ${AFTER}mbit from 08:00 UTC" nsx site-a env TZ=UTC \
	hcxrepl set hcx0 rate ${BEFORE}mbit window 08:00-09:00 ${AFTER}mbit
jump_from=$(date +%s)
jump_to=$(date -u -d "$(date -u -d tomorrow +%F) 07:59:50" +%s)
date -s "@$jump_to" >/dev/null
check_eq "the limit in force before 08:00" $((BEFORE * 1000000)) \
	"$(nsx site-a hcxrepl -j show hcx0 | json "j[0]['rate_now_bps']")"
check "a full sync" nsx site-a hcxrepl disk sync vm full
# Samples of (time, wire bytes) until 08:00:14, each at the middle of
# its read.
: >"$work/samples"
until [ "$(date -u +%H%M%S)" -ge 080014 ]; do
	t0=$(date -u +%s.%N)
	w=$(wire)
	t1=$(date -u +%s.%N)
	awk -v a="$t0" -v b="$t1" -v w="$w" 'BEGIN {
		t = (a + b) / 2; s = t % 86400
		printf "%02d%02d%06.3f %d\n", s / 3600, s % 3600 / 60, s % 60, w }' \
		>>"$work/samples"
	sleep 0.3
done
check_eq "the limit in force after 08:00" $((AFTER * 1000000)) \
	"$(nsx site-a hcxrepl -j show hcx0 | json "j[0]['rate_now_bps']")"
# rate_between FROM TO: Mbit/s between the samples nearest after FROM and
# before TO (hhmmss).
rate_between() {
	awk -v from="$1" -v to="$2" '
		function sec(t) { return substr(t, 1, 2) * 3600 + substr(t, 3, 2) * 60 + substr(t, 5) }
		$1 >= from && !t0 { t0 = $1; b0 = $2 }
		$1 <= to { t1 = $1; b1 = $2 }
		END { printf "%.2f", (b1 - b0) * 8 / (sec(t1) - sec(t0)) / 1e6 }' \
		"$work/samples"
}
early=$(rate_between 075951 075959.5)
late=$(rate_between 080001 080014)
echo "# before 08:00: $early Mbit/s (limit $BEFORE); after: $late Mbit/s (limit $AFTER)"
check "before 08:00 the window's neighbour held within 10%" \
	within 10 $BEFORE "$early"
check "after 08:00 the window held within 10%" within 10 $AFTER "$late"
check "rate off" set_a rate off
check "the sync ends" wait_idle site-a vm 120
check "identical after it" same_bytes "$loop_a" "$loop_b"

nsx site-a hcxrepl disk del vm
nsx site-b hcxrepl disk del vm
losetup -d "$loop_a" "$loop_b"
ip -all netns delete
check "module unloads" rmmod hcxrepl
date -s "@$(($(date +%s) - jump_to + jump_from))" >/dev/null
rm -rf "$work"
tap_done
