# SPDX-License-Identifier: GPL-2.0
# Two paired sites inside one VM, for the disk tests (sourced, after tap.sh
# and hcx.sh):
#
#   [site-a] hcx0 10.0.0.1 wan0 --- [wan] bridge --- wan0 10.0.0.2 hcx0 [site-b]
#
# wan_up builds the namespaces and the underlay; sites_up WORK PORT_A PORT_B
# also pairs the interconnect devices, keys in WORK; the helpers below read
# a disk's state through the CLI's JSON.

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# field NS DISK KEY: a field of hcxrepl -j disk show.
field() {
	nsx "$1" hcxrepl -j disk show "$2" | json "j[0]['$3']"
}
stat_of() {
	nsx "$1" hcxrepl -j disk show "$2" | json "j[0]['stats']['$3']"
}
# wait_idle NS DISK SECONDS: the disk's operation ends within SECONDS (of
# time, not polls: a poll may take seconds on a busy host).  It reads the
# text output: a Python start a poll costs a second or more on the debug
# kernel.
wait_idle() {
	local end=$((SECONDS + $3)) out
	while :; do
		out=$(nsx "$1" hcxrepl disk show "$2")
		[[ $out == *"state: idle"* ]] && return 0
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.2
	done
	echo "# $2 at $1 not idle after $3 s:"
	printf '%s\n' "$out" | sed 's/^/#   /'
	return 1
}
# wait_caught_up NS DISK SECONDS: continuous replication has no lag.
wait_caught_up() {
	local end=$((SECONDS + $3))
	until [ "$(field "$1" "$2" lag_bytes)" = 0 ]; do
		if [ "$SECONDS" -ge "$end" ]; then
			echo "# $2 at $1 lags $(field "$1" "$2" lag_bytes) bytes after $3 s"
			return 1
		fi
		sleep 0.2
	done
}
# wan_bytes: bytes site A has sent on the underlay.
wan_bytes() {
	nsx site-a cat /sys/class/net/wan0/statistics/tx_bytes
}
# same_bytes A B: the two devices hold the same bytes, read around any
# page cache (compared, not hashed: hashing costs seconds under TCG).
same_bytes() {
	cmp <(dd if="$1" bs=1M iflag=direct status=none) \
		<(dd if="$2" bs=1M iflag=direct status=none)
}

# wan_up: the namespaces and the underlay, 10.0.0.1 (site-a) and 10.0.0.2
# (site-b) on wan0, bridged in the namespace wan.
wan_up() {
	local m site

	for m in veth bridge loop ext4; do
		modprobe "$m" 2>/dev/null
	done
	ip netns add wan
	nsx wan ip link add wanbr type bridge
	nsx wan ip link set wanbr up
	for site in site-a site-b; do
		ip netns add "$site"
		ip link add wan0 netns "$site" type veth peer name "to-$site" netns wan
		nsx wan ip link set "to-$site" master wanbr up
		nsx "$site" ip link set lo up
		nsx "$site" ip link set wan0 up
	done
	nsx site-a ip addr add 10.0.0.1/24 dev wan0
	nsx site-b ip addr add 10.0.0.2/24 dev wan0
}

# sites_up WORK PORT_A PORT_B: wan_up, and the interconnect devices, paired;
# fails if the pairing fails.
sites_up() {
	local work=$1 port_a=$2 port_b=$3 s

	wan_up
	for s in a b; do
		(umask 077 && hcxrepl genkey >"$work/$s.key")
		hcxrepl pubkey <"$work/$s.key" >"$work/$s.pub"
		nsx "site-$s" ip link add hcx0 type hcxrepl
		nsx "site-$s" ip link set hcx0 up
	done
	nsx site-a hcxrepl set hcx0 private-key "$work/a.key" listen-port "$port_a" \
		peer "$(cat "$work/b.pub")" endpoint "10.0.0.2:$port_b" &&
		nsx site-b hcxrepl set hcx0 private-key "$work/b.key" listen-port "$port_b" \
			peer "$(cat "$work/a.pub")" endpoint "10.0.0.1:$port_a"
}
