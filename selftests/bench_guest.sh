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

# iperf_bps FROM TO ADDR FLOWS: bits per second namespace FROM sends to
# TO's ADDR.
iperf_bps() {
	nsx "$2" iperf3 -s -D -1 -B "$3" --logfile "$work/server.log"
	sleep 0.5
	nsx "$1" iperf3 -c "$3" -P "$4" -t "$SECONDS_EACH" -J >"$work/client.json"
	/usr/bin/python3 -c 'import json, sys
print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))' "$work/client.json"
}

declare -A total=()
for round in 1 2; do
	for flows in 1 4; do
		for t in hcxrepl:10.9.0.2 wireguard:10.8.0.2; do
			bps=$(iperf_bps site-a site-b "${t#*:}" "$flows")
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

# The extension, VM to VM.  Each site gets a "VM" namespace with three
# ports: eth0 in a bridge with hcx0 (one subnet across both sites, MTU
# 1500: the network extension), eth1 routed by its site over wg0, eth2
# routed over ESP in tunnel mode with rfc4106(gcm(aes)), the AEAD hcxrepl
# uses, through the same gcm(aes) implementation (ip xfrm; the underlay's
# MTU, each tunnel's own path MTU).  WireGuard and ESP carry only IP, so
# they route where hcx0 bridges; the VMs' TCP is the same.
modprobe -a -q esp4 xfrm_user gcm ghash-generic aesni_intel 2>/dev/null || true
for s in a b; do
	n=$([ $s = a ] && echo 1 || echo 2)
	m=$((3 - n))
	nsx "site-$s" ip addr del "10.9.0.$n/24" dev hcx0
	nsx "site-$s" ip link add br0 type bridge
	nsx "site-$s" ip link set hcx0 master br0
	nsx "site-$s" ip link set br0 up
	nsx "site-$s" sysctl -qw net.ipv4.ip_forward=1
	ip netns add "vm-$s"
	nsx "vm-$s" ip link set lo up
	for i in 0 1 2; do
		ip link add "eth$i" netns "vm-$s" type veth peer name "vm$i" \
			netns "site-$s"
		nsx "vm-$s" ip link set "eth$i" mtu 1500 up
		nsx "site-$s" ip link set "vm$i" mtu 1500 up
	done
	nsx "site-$s" ip link set vm0 master br0
	nsx "vm-$s" ip addr add "192.168.50.$n/24" dev eth0
	nsx "site-$s" ip addr add "192.168.6$n.254/24" dev vm1
	nsx "vm-$s" ip addr add "192.168.6$n.1/24" dev eth1
	nsx "vm-$s" ip route add "192.168.6$m.0/24" via "192.168.6$n.254"
	nsx "site-$s" ip addr add "192.168.7$n.254/24" dev vm2
	nsx "vm-$s" ip addr add "192.168.7$n.1/24" dev eth2
	nsx "vm-$s" ip route add "192.168.7$m.0/24" via "192.168.7$n.254"
done
# WireGuard: each site's peer also carries the other VM's subnet.
nsx site-a wg set wg0 peer "$(cat "$work/wg-b.pub")" allowed-ips 10.8.0.0/24,192.168.62.0/24
nsx site-b wg set wg0 peer "$(cat "$work/wg-a.pub")" allowed-ips 10.8.0.0/24,192.168.61.0/24
nsx site-a ip route add 192.168.62.0/24 dev wg0
nsx site-b ip route add 192.168.61.0/24 dev wg0
# ESP: one SA each way, keys of 256 bits and a 32-bit salt.
key_ab=0x$(od -An -N36 -tx1 /dev/urandom | tr -d ' \n')
key_ba=0x$(od -An -N36 -tx1 /dev/urandom | tr -d ' \n')
for s in a b; do
	nsx "site-$s" ip xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp \
		spi 0x100 mode tunnel aead 'rfc4106(gcm(aes))' "$key_ab" 128
	nsx "site-$s" ip xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp \
		spi 0x200 mode tunnel aead 'rfc4106(gcm(aes))' "$key_ba" 128
done
# esp_policy SITE LOCAL REMOTE US PEER: SITE's policies for its VM's
# subnet LOCAL and the other's REMOTE, tunnelled between US and PEER.
esp_policy() {
	nsx "site-$1" ip xfrm policy add src "$2" dst "$3" dir out \
		tmpl src "$4" dst "$5" proto esp mode tunnel
	nsx "site-$1" ip xfrm policy add src "$3" dst "$2" dir in \
		tmpl src "$5" dst "$4" proto esp mode tunnel
	nsx "site-$1" ip xfrm policy add src "$3" dst "$2" dir fwd \
		tmpl src "$5" dst "$4" proto esp mode tunnel
	nsx "site-$1" ip route add "$3" via "$5"
}
esp_policy a 192.168.71.0/24 192.168.72.0/24 10.0.0.1 10.0.0.2
esp_policy b 192.168.72.0/24 192.168.71.0/24 10.0.0.2 10.0.0.1
for addr in 192.168.50.2 192.168.62.1 192.168.72.1; do
	nsx vm-a ping -q -c 3 -w 20 "$addr" >/dev/null ||
		{ echo "VM B unreachable at $addr"; exit 1; }
done
# Routed in the clear, the pings would have passed too: ESP carried them.
esp_packets=$(nsx site-a ip -s xfrm state | sed -nE 's/.* ([0-9]+)\(packets\).*/\1/p' |
	paste -sd+ | bc)
[ "${esp_packets:-0}" -ge 6 ] ||
	{ echo "ESP carried ${esp_packets:-0} packets, not the pings"; exit 1; }

# clamp SETTING: both sites' MSS clamp.
clamp() {
	nsx site-a hcxrepl set hcx0 mss-clamp "$1"
	nsx site-b hcxrepl set hcx0 mss-clamp "$1"
}

echo
declare -A vm=()
tunnels="hcxrepl:192.168.50.2:auto noclamp:192.168.50.2:off wireguard:192.168.62.1:auto esp:192.168.72.1:auto"
for round in 1 2; do
	for flows in 1 4; do
		for t in $tunnels; do
			IFS=: read -r name addr setting <<<"$t"
			clamp "$setting"
			bps=$(iperf_bps vm-a vm-b "$addr" "$flows")
			vm[$name-$flows]=$(( ${vm[$name-$flows]:-0} + bps ))
			printf 'round %d  %-10s %d flow(s)  %7.1f Mbit/s\n' \
				"$round" "$name" "$flows" "$(echo "$bps / 1000000" | bc -l)"
		done
	done
done
clamp auto
mbit() { echo "${vm[$1]} / 2000000" | bc -l; }
ratio() { echo "${vm[$1]} / ${vm[$2]}" | bc -l; }
echo
echo "VM to VM, TCP (iperf3), mean of 2 rounds, Mbit/s; hcxrepl bridged (its MSS"
echo "clamp on, auto, and off), WireGuard and ESP rfc4106(gcm(aes)) routed"
printf '%-10s %8s %8s %8s %8s   %8s %8s %8s\n' flows hcxrepl "no clamp" WireGuard ESP \
	"vs ESP" "vs WG" "vs off"
for flows in 1 4; do
	printf '%-10s %8.1f %8.1f %8.1f %8.1f   %7.2fx %7.2fx %7.2fx\n' "$flows" \
		"$(mbit hcxrepl-$flows)" "$(mbit noclamp-$flows)" \
		"$(mbit wireguard-$flows)" "$(mbit esp-$flows)" \
		"$(ratio hcxrepl-$flows esp-$flows)" \
		"$(ratio hcxrepl-$flows wireguard-$flows)" \
		"$(ratio hcxrepl-$flows noclamp-$flows)"
done
echo "(the same 2 vCPUs; VMs' MTU 1500 over a 1500 underlay: hcx0 clamps the MSS to"
echo "1386, WireGuard's 1420 and ESP's path MTU lower it by PMTU discovery)"
