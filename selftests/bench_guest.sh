# SPDX-License-Identifier: GPL-2.0
# The benchmark itself, inside the VM (see bench.sh).
set -euo pipefail
. selftests/lib/hcx.sh

SECONDS_EACH=10
work=$(mktemp -d)
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

modprobe veth
modprobe wireguard
load_module
for s in a b; do
	ip netns add "site-$s"
	nsx "site-$s" ip link set lo up
done
ip link add wan0 netns site-a type veth peer name wan0 netns site-b
nsx site-a ip addr add 10.0.0.1/24 dev wan0
nsx site-b ip addr add 10.0.0.2/24 dev wan0
nsx site-a ip link set wan0 mtu 1500 up
nsx site-b ip link set wan0 mtu 1500 up

umask 077
for s in a b; do
	hcxrepl genkey >"$work/hcx-$s.key"
	hcxrepl pubkey <"$work/hcx-$s.key" >"$work/hcx-$s.pub"
	wg genkey >"$work/wg-$s.key"
	wg pubkey <"$work/wg-$s.key" >"$work/wg-$s.pub"
done
# tunnel SITE PEER SITE_NUMBER PEER_NUMBER
tunnel() {
	local s=$1 p=$2 n=$3 m=$4
	nsx "site-$s" ip link add hcx0 type hcxrepl
	nsx "site-$s" hcxrepl set hcx0 private-key "$work/hcx-$s.key" \
		listen-port 51820 peer "$(cat "$work/hcx-$p.pub")" \
		endpoint "10.0.0.$m:51820"
	nsx "site-$s" ip addr add "10.9.0.$n/24" dev hcx0
	nsx "site-$s" ip link set hcx0 up
	nsx "site-$s" ip link add wg0 type wireguard
	nsx "site-$s" wg set wg0 private-key "$work/wg-$s.key" listen-port 51821 \
		peer "$(cat "$work/wg-$p.pub")" endpoint "10.0.0.$m:51821" \
		allowed-ips 10.8.0.0/24
	nsx "site-$s" ip addr add "10.8.0.$n/24" dev wg0
	nsx "site-$s" ip link set wg0 up
}
tunnel a b 1 2
tunnel b a 2 1
nsx site-a ping -q -c 3 -w 20 10.9.0.2 >/dev/null
nsx site-a ping -q -c 3 -w 20 10.8.0.2 >/dev/null

# run ADDR FLOWS: bits per second received over ADDR.
run() {
	nsx site-b iperf3 -s -D -1 -B "$1" --logfile "$work/server.log"
	sleep 0.5
	nsx site-a iperf3 -c "$1" -P "$2" -t "$SECONDS_EACH" -J >"$work/client.json"
	/usr/bin/python3 -c 'import json, sys
print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))' "$work/client.json"
}

declare -A total=()
for round in 1 2; do
	for flows in 1 4; do
		for t in hcxrepl:10.9.0.2 wireguard:10.8.0.2; do
			bps=$(run "${t#*:}" "$flows")
			key=${t%%:*}-$flows
			total[$key]=$(( ${total[$key]:-0} + bps ))
			printf 'round %d  %-9s %d flow(s)  %7.1f Mbit/s\n' \
				"$round" "${t%%:*}" "$flows" "$(echo "$bps / 1000000" | bc -l)"
		done
	done
done

echo
printf '%-22s %12s %12s %8s\n' "TCP over the tunnel" hcxrepl WireGuard ratio
for flows in 1 4; do
	h=${total[hcxrepl-$flows]} w=${total[wireguard-$flows]}
	printf '%-22s %7.1f Mbit/s %7.1f Mbit/s %7.2fx\n' "$flows flow(s), mean of 2" \
		"$(echo "$h / 2000000" | bc -l)" "$(echo "$w / 2000000" | bc -l)" \
		"$(echo "$h / $w" | bc -l)"
done
echo "(2 vCPUs under TCG emulation; hcx0 MTU 1500 fragmenting on a 1500 underlay, wg0 MTU 1420)"
