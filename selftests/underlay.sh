#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The interconnect against unusual underlays, inside one VM.
#
# A device moved to another namespace:
#
#   [site-a]  wan0 10.0.1.1 fd01::1 --- b1 [site-b] lo 10.9.0.2 fd09::2
#   [site-a2] wan0 10.0.2.1 fd02::1 --- b2 [site-b]
#
# Site B's address is reached from site A through b1 and from site A2
# through b2; site B answers from it.  Site A's hcx0 carries traffic, is
# moved into site A2 (its peer and keys go with it), is set up again
# there, and must carry traffic through A2's underlay: routes cached in
# site A would send it out of A's, whose replies never reach A2.  Over
# IPv6, then over IPv4.
#
# A link-local underlay:
#
#   [ll-a] wan0 fe80::1 --- wan0 fe80::2 [ll-b]
#
# Site B has no endpoint for A: it learns fe80::1 from A's handshake and
# from every data message (roaming), scoped to the interface it arrived
# on; traffic must then flow both ways.
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/hcx.sh"

PORT_A=51820
PORT_B=51821
work=$(mktemp -d)
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# peer_field NS KEY: a field of NS's peer.
peer_field() {
	nsx "$1" hcxrepl -j show hcx0 | json "j[0]['peer'].get('$2')"
}
# ping_ok NS ARGS...: a few pings get through, after a handshake maybe.
ping_ok() {
	local ns=$1
	shift
	nsx "$ns" ping -q -c 3 -i 0.3 -w 20 "$@" >/dev/null
}
# counter NS KEY: a drop counter of NS's hcx0.
counter() {
	nsx "$1" hcxrepl -j -s show hcx0 | json "j[0]['stats']['$2']"
}
# veth NS1 NAME1 NS2 NAME2: a veth pair between two namespaces, up.
veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	nsx "$1" ip link set "$2" up
	nsx "$3" ip link set "$4" up
}
# move_to NS ADDR: move site A's hcx0 (wherever it is) into NS, give it
# ADDR there and bring it up.
move_to() {
	local from
	for from in site-a site-a2; do
		nsx "$from" ip link show hcx0 >/dev/null 2>&1 && break
	done
	ip -n "$from" link set hcx0 netns "$1" &&
		nsx "$1" ip addr add "$2" dev hcx0 &&
		nsx "$1" ip link set hcx0 up
}

check "module loads" load_module
modprobe veth 2>/dev/null

umask 077
for s in a b; do
	hcxrepl genkey >"$work/$s.key"
	hcxrepl pubkey <"$work/$s.key" >"$work/$s.pub"
done

# A device moved to another namespace.
for ns in site-a site-a2 site-b; do
	ip netns add "$ns"
	nsx "$ns" ip link set lo up
done
veth site-a wan0 site-b b1
veth site-a2 wan0 site-b b2
nsx site-b ip addr add 10.9.0.2/32 dev lo
nsx site-b ip addr add fd09::2/128 dev lo
nsx site-a ip addr add 10.0.1.1/24 dev wan0
nsx site-a ip addr add fd01::1/64 dev wan0 nodad
nsx site-a2 ip addr add 10.0.2.1/24 dev wan0
nsx site-a2 ip addr add fd02::1/64 dev wan0 nodad
# Site B answers from its own address, which A keeps as B's endpoint
# (roaming would otherwise replace it, and the stale route with it).
nsx site-b ip addr add 10.0.1.2/24 dev b1 noprefixroute
nsx site-b ip addr add fd01::2/64 dev b1 nodad noprefixroute
nsx site-b ip addr add 10.0.2.2/24 dev b2 noprefixroute
nsx site-b ip addr add fd02::2/64 dev b2 nodad noprefixroute
nsx site-b ip route add 10.0.1.0/24 dev b1 src 10.9.0.2
nsx site-b ip route add 10.0.2.0/24 dev b2 src 10.9.0.2
nsx site-b ip -6 route add fd01::/64 dev b1 src fd09::2
nsx site-b ip -6 route add fd02::/64 dev b2 src fd09::2
nsx site-a ip route add 10.9.0.2/32 via 10.0.1.2
nsx site-a ip -6 route add fd09::2/128 via fd01::2
nsx site-a2 ip route add 10.9.0.2/32 via 10.0.2.2
nsx site-a2 ip -6 route add fd09::2/128 via fd02::2

nsx site-a ip link add hcx0 type hcxrepl
nsx site-b ip link add hcx0 type hcxrepl
# Site A's device carries no IPv6 itself, as a bridge port may not: with
# no IPv6 address leaving site A with it, nothing there invalidates the
# IPv6 routes cached while it was there (IPv4 flushes them whenever a
# device leaves).  Site B's neither: see "quiet" below.
nsx site-a sysctl -qw net.ipv6.conf.hcx0.disable_ipv6=1
nsx site-b sysctl -qw net.ipv6.conf.hcx0.disable_ipv6=1
nsx site-a ip addr add 192.168.60.1/24 dev hcx0
nsx site-b ip addr add 192.168.60.2/24 dev hcx0
nsx site-a ip link set hcx0 up
nsx site-b ip link set hcx0 up
check "site A pairs with B over IPv6" nsx site-a hcxrepl set hcx0 \
	private-key "$work/a.key" listen-port $PORT_A \
	peer "$(cat "$work/b.pub")" endpoint "[fd09::2]:$PORT_B"
check "site B pairs with A, without an endpoint" nsx site-b hcxrepl set hcx0 \
	private-key "$work/b.key" listen-port $PORT_B peer "$(cat "$work/a.pub")"

check "from site A, B answers (IPv6 underlay)" ping_ok site-a 192.168.60.2
check_eq "B learnt A's address in site A" "[fd01::1]:$PORT_A" \
	"$(peer_field site-b endpoint)"
check "hcx0 moves into site A2 and comes up there" \
	move_to site-a2 192.168.60.1/24
check "the device listens in site A2" \
	bash -c "ip netns exec site-a2 ss -Hlun | grep -q ':$PORT_A '"
check "from site A2, B answers (IPv6 underlay)" ping_ok site-a2 192.168.60.2
check_eq "B learnt A's address in site A2" "[fd02::1]:$PORT_A" \
	"$(peer_field site-b endpoint)"
check_eq "A's endpoint for B is the one it was given" "[fd09::2]:$PORT_B" \
	"$(peer_field site-a2 endpoint)"

# quiet: nothing of B's may still be on its way to A's IPv6 endpoint when
# A turns to IPv4, or A roams back to IPv6 on receiving it (the newest
# authenticated source wins) before its first IPv4 frame teaches B the
# new address.  Such a frame was the answer to one of ping's extra
# requests (it sends more while the first answers are late, and exits at
# the third answer), seen twice in a row in make check's 6.1 batch; B's
# own IPv6 (router solicitations, MLD reports) is off for the same reason.
sleep 2
check "site A's endpoint for B becomes IPv4" nsx site-a2 hcxrepl set hcx0 \
	peer "$(cat "$work/b.pub")" endpoint "10.9.0.2:$PORT_B"
check "from site A2, B answers (IPv4 underlay)" ping_ok site-a2 192.168.60.2
check_eq "B learnt A's IPv4 address in site A2" "10.0.2.1:$PORT_A" \
	"$(peer_field site-b endpoint)"
check "hcx0 moves back into site A" move_to site-a 192.168.60.1/24
check "from site A, B answers (IPv4 underlay)" ping_ok site-a 192.168.60.2
check_eq "B learnt A's IPv4 address in site A" "10.0.1.1:$PORT_A" \
	"$(peer_field site-b endpoint)"
check_eq "A's endpoint for B is still the one it was given" \
	"10.9.0.2:$PORT_B" "$(peer_field site-a endpoint)"

# Site A2 goes while A's device no longer uses it, then everything else.
check "site A2 is deleted" ip netns del site-a2
check "A still reaches B" ping_ok site-a 192.168.60.2
for ns in site-a site-b; do
	ip netns del "$ns"
done

# A link-local underlay.  Only wan0 has link-local addresses: the
# devices' IPv6 is off, so that an unscoped fe80:: route can only be
# wan0's (an endpoint given through netlink carries no scope).
for ns in ll-a ll-b; do
	ip netns add "$ns"
	nsx "$ns" ip link set lo up
done
ip link add wan0 netns ll-a type veth peer name wan0 netns ll-b
for s in a b; do
	nsx "ll-$s" ip link set wan0 addrgenmode none
	nsx "ll-$s" ip link set wan0 up
	nsx "ll-$s" ip link add hcx0 type hcxrepl
	nsx "ll-$s" sysctl -qw net.ipv6.conf.hcx0.disable_ipv6=1
done
nsx ll-a ip addr add fe80::1/64 dev wan0 nodad
nsx ll-b ip addr add fe80::2/64 dev wan0 nodad
nsx ll-a ip addr add 192.168.70.1/24 dev hcx0
nsx ll-b ip addr add 192.168.70.2/24 dev hcx0
nsx ll-a ip link set hcx0 up
nsx ll-b ip link set hcx0 up
check "site A pairs with B's link-local address" nsx ll-a hcxrepl set hcx0 \
	private-key "$work/a.key" listen-port $PORT_A \
	peer "$(cat "$work/b.pub")" endpoint "[fe80::2]:$PORT_B"
check "site B pairs with A, without an endpoint" nsx ll-b hcxrepl set hcx0 \
	private-key "$work/b.key" listen-port $PORT_B peer "$(cat "$work/a.pub")"
check "over a link-local underlay, A reaches B and B answers" \
	ping_ok ll-a 192.168.70.2
check_eq "B learnt A's link-local address (roaming)" "[fe80::1]:$PORT_A" \
	"$(peer_field ll-b endpoint)"
check "B reaches A at the address it learnt" ping_ok ll-b 192.168.70.1
check_eq "B sent nothing it could not route" 0 "$(counter ll-b tx_unreachable)"

for ns in ll-a ll-b; do
	ip netns del "$ns"
done
check "module unloads with devices gone" bash -c \
	"for i in \$(seq 50); do rmmod hcxrepl 2>/dev/null && exit 0; sleep 0.2; done; exit 1"
rm -rf "$work"
tap_done
