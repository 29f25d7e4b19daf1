#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The encrypted interconnect as a network extension, inside one VM.
#
#   vm-a -- br0 [site-a] hcx0 ~~ UDP ~~ hcx0 [site-b] br0 -- vm-b
#                  wan0 \                    / wan0
#                        [wan] bridge -- wan0 [evil]
#
# Two sites share an underlay (the "wan" namespace's bridge, MTU 1500);
# each bridges its interconnect device with a "VM" namespace whose eth0
# has MTU 1500.  A third site, "evil", sits on the underlay with its own
# key.  Checks: the segment spans both sites (ARP, IPv4, IPv6, VLAN,
# broadcast, full-size frames with DF, TCP), over IPv4 and IPv6 underlays;
# TCP flows have their MSS clamped (both ways, by either site alone) and
# cross without outer fragments, while other traffic is fragmented;
# the underlay carries nothing but the interconnect's UDP, and no
# plaintext; bogus datagrams are dropped and counted by reason and deliver
# nothing; a handshake flood does not stop the sites; rekeying by time and
# by message count keeps a TCP connection alive.
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/hcx.sh"

PORT_A=51820
PORT_B=51821
MARKER=HCXREPL-PLAINTEXT-MARKER-7f3a9c
work=$(mktemp -d)
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# counter NS KEY: a drop counter of NS's hcx0, as hcxrepl -j show -s has it.
counter() {
	nsx "$1" hcxrepl -j -s show hcx0 | json "j[0]['stats']['$2']"
}
# peer_field NS KEY: a field of NS's peer.
peer_field() {
	nsx "$1" hcxrepl -j show hcx0 | json "j[0]['peer'].get('$2')"
}
# link_stat NS FIELD: a field of ip -s link's stats64 for NS's hcx0.
link_stat() {
	nsx "$1" ip -j -s link show hcx0 | json "j[0]['stats64']$2"
}
# delta_is WANT NS KEY CMD...: CMD moves NS's counter KEY by exactly WANT.
delta_is() {
	local want=$1 ns=$2 key=$3 before after
	shift 3
	before=$(counter "$ns" "$key")
	"$@" >/dev/null || return 1
	sleep 1
	after=$(counter "$ns" "$key")
	[ $((after - before)) = "$want" ] ||
		{ echo "# $key moved by $((after - before)), not $want"; return 1; }
}
# ping_ok NS ARGS...: a few pings get through, after a handshake maybe.
ping_ok() {
	local ns=$1
	shift
	nsx "$ns" ping -q -c 3 -i 0.3 -w 20 "$@" >/dev/null
}

check "module loads" load_module
for m in veth bridge 8021q; do
	modprobe "$m" 2>/dev/null
done

# The underlay.
ip netns add wan
nsx wan ip link add wanbr type bridge
nsx wan ip link set wanbr up
for site in site-a site-b evil; do
	ip netns add "$site"
	ip link add wan0 netns "$site" type veth peer name "to-$site" netns wan
	nsx wan ip link set "to-$site" master wanbr up
	nsx "$site" ip link set lo up
	nsx "$site" ip link set wan0 mtu 1500 up
done
nsx site-a ip addr add 10.0.0.1/24 dev wan0
nsx site-b ip addr add 10.0.0.2/24 dev wan0
nsx evil ip addr add 10.0.0.3/24 dev wan0
nsx site-a ip addr add fd00::1/64 dev wan0 nodad
nsx site-b ip addr add fd00::2/64 dev wan0 nodad
nsx evil ip addr add fd00::3/64 dev wan0 nodad

# The sites: keys, interconnect, bridge, and a VM on the bridge.
umask 077
for s in a b evil; do
	hcxrepl genkey >"$work/$s.key"
	hcxrepl pubkey <"$work/$s.key" >"$work/$s.pub"
done
for s in a b; do
	ip netns add "vm-$s"
	nsx "site-$s" ip link add hcx0 type hcxrepl
	nsx "site-$s" ip link add br0 type bridge
	nsx "site-$s" ip link set hcx0 master br0 up
	ip link add eth0 netns "vm-$s" type veth peer name to-vm netns "site-$s"
	nsx "site-$s" ip link set to-vm master br0 up
	nsx "site-$s" ip link set br0 up
	nsx "vm-$s" ip link set lo up
	nsx "vm-$s" ip link set eth0 mtu 1500 up
done
nsx vm-a ip addr add 192.168.50.1/24 dev eth0
nsx vm-b ip addr add 192.168.50.2/24 dev eth0
nsx vm-a ip addr add fd50::1/64 dev eth0 nodad
nsx vm-b ip addr add fd50::2/64 dev eth0 nodad

check "site A pairs with B" nsx site-a hcxrepl set hcx0 private-key "$work/a.key" \
	listen-port $PORT_A peer "$(cat "$work/b.pub")" endpoint 10.0.0.2:$PORT_B
check "site B pairs with A" nsx site-b hcxrepl set hcx0 private-key "$work/b.key" \
	listen-port $PORT_B peer "$(cat "$work/a.pub")" endpoint 10.0.0.1:$PORT_A
check "the device listens on its UDP port" \
	bash -c "ip netns exec site-a ss -Hlun | grep -q ':$PORT_A '"

# The extended segment.
check "VM A pings VM B across the sites (ARP, IPv4)" ping_ok vm-a 192.168.50.2
check_eq "site A's session is established" established "$(peer_field site-a session_state)"
check_eq "site B's session is established" established "$(peer_field site-b session_state)"
check "site A recorded the handshake's time" \
	test "$(peer_field site-a last_handshake_ns)" -gt 0
check "1500-byte IPv4 packets with DF cross a 1500-byte underlay" \
	ping_ok vm-a -M do -s 1472 192.168.50.2
check "IPv6 crosses (neighbour discovery, echo)" ping_ok vm-a fd50::2
check "1500-byte IPv6 packets cross a 1500-byte underlay" \
	ping_ok vm-a -M do -s 1452 fd50::2
nsx vm-b sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=0
check "a broadcast reaches the other site" \
	bash -c "ip netns exec vm-a ping -b -c 2 -w 10 192.168.50.255 2>/dev/null | grep -q 'from 192.168.50.2'"
for s in a b; do
	nsx "vm-$s" ip link add link eth0 name eth0.100 type vlan id 100
	nsx "vm-$s" ip link set eth0.100 up
done
nsx vm-a ip addr add 192.168.100.1/24 dev eth0.100
nsx vm-b ip addr add 192.168.100.2/24 dev eth0.100
check "VLAN-tagged frames cross, full size too" \
	ping_ok vm-a -M do -s 1472 192.168.100.2
nsx vm-b iperf3 -s -D -1 --logfile "$work/iperf-s.log"
sleep 1
check "TCP runs across (iperf3, 5 s)" \
	nsx vm-a iperf3 -c 192.168.50.2 -t 5 --logfile "$work/iperf-c.log"
grep -h 'receiver' "$work/iperf-c.log" | sed 's/^/# /'

# TCP flow conditioning: the MSS of SYNs crossing the extension.  A full
# 1500-byte frame does not fit the 1500-byte underlay once sealed, so the
# clamp is on by default: the largest segment whose sealed frame crosses
# whole is 1500 - 20 (outer IPv4) - 8 (UDP) - 32 (data message header and
# tag, protocol.rst) - 14 (inner Ethernet) - 40 (IPv4 and TCP) = 1386.
MSS4=1386
# start_capture NS DEV FILE FILTER: tcpdump in the background, listening
# when this returns (up to a minute on the debug kernel); stop_capture
# ends every capture started.
captures=()
start_capture() {
	local ns=$1 dev=$2 file=$3 end=$((SECONDS + 60))
	ip netns exec "$ns" tcpdump -i "$dev" -U --immediate-mode -w "$file" "$4" \
		>/dev/null 2>"$file.err" &
	captures+=($!)
	until grep -q listening "$file.err"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}
stop_capture() {
	sleep 0.5
	kill -INT "${captures[@]}"
	wait "${captures[@]}" 2>/dev/null
	captures=()
}
mss_field() {
	nsx "$1" hcxrepl -j show hcx0 | json "j[0]['mss_clamp'], j[0]['mss_clamp_now']" |
		tr -d "(),'"
}
check_eq "site A clamps to $MSS4 over its IPv4 underlay (auto)" "auto $MSS4" \
	"$(mss_field site-a)"
check_eq "show says so" "  mss clamp: auto ($MSS4)" \
	"$(nsx site-a hcxrepl show hcx0 | grep 'mss clamp')"

# Connections from VM A to VM B, each to a port of its own, under
# different settings; both VMs capture their SYNs throughout (two tcpdumps
# to start, which takes seconds on the debug kernel, not one per case).
SYN_PORTS="portrange 5300-5399"
start_capture vm-b eth0 "$work/syn-b.pcap" "$SYN_PORTS or (vlan and $SYN_PORTS)"
start_capture vm-a eth0 "$work/syn-a.pcap" "$SYN_PORTS or (vlan and $SYN_PORTS)"
port=5300
declare -A syn_case=()
# connect_case NAME ADDR A_SETTING B_SETTING: connect to ADDR with these clamps.
connect_case() {
	port=$((port + 1))
	syn_case[$1]=$port
	nsx site-a hcxrepl set hcx0 mss-clamp "$3"
	nsx site-b hcxrepl set hcx0 mss-clamp "$4"
	nsx vm-b iperf3 -s -D -p "$port"
	sleep 0.5
	nsx vm-a timeout 30 bash -c "exec 3<>/dev/tcp/$2/$port" ||
		echo "# $1: no connection to $2 port $port"
}
connect_case both 192.168.50.2 auto auto
connect_case ipv6 fd50::2 auto auto
connect_case vlan 192.168.100.2 auto auto
# Each site alone: the sender's clamp (a partial checksum, completed when
# sealed, or a complete one through the VLAN device) and the receiver's
# (a complete one, mended in place).
connect_case b-alone 192.168.50.2 off auto
connect_case a-alone 192.168.50.2 auto off
connect_case fixed 192.168.50.2 1300 off
connect_case fixed6 fd50::2 1300 off
connect_case off 192.168.50.2 off off
stop_capture
pkill -x iperf3
# syns CASE: "MSS checksum" of the SYNs B received in CASE, "/", then of
# the SYN-ACKs A received (what each VM sent is checksummed later, by
# offload); distinct ones, on one line.
syns() {
	local port=${syn_case[$1]} file flags
	for file in syn-b:S syn-a:'S\.'; do
		flags=${file#*:}
		tcpdump -r "$work/${file%%:*}.pcap" -nn -vv \
			"port $port or (vlan and port $port)" 2>/dev/null |
			grep -o "Flags \[$flags\], cksum 0x[0-9a-f]* ([a-z]*[^)]*).*mss [0-9]*" |
			sed -E 's/.*\(([a-z]*)[^)]*\).*mss ([0-9]*)/\2 \1/' |
			sort -u | tr '\n' ' '
		[ "$flags" = S ] && printf '/ '
	done | sed 's/ $//'
}
ok_syn="$MSS4 correct / $MSS4 correct"
check_eq "both ways: VM B's SYN and VM A's SYN-ACK say MSS $MSS4, checksums correct" \
	"$ok_syn" "$(syns both)"
check_eq "IPv6 flows get 20 bytes less" \
	"$((MSS4 - 20)) correct / $((MSS4 - 20)) correct" "$(syns ipv6)"
check_eq "VLAN-tagged flows get 4 bytes less" \
	"$((MSS4 - 4)) correct / $((MSS4 - 4)) correct" "$(syns vlan)"
check_eq "site B alone clamps both ways (A's SYN on receipt)" "$ok_syn" "$(syns b-alone)"
check_eq "site A alone clamps both ways (B's SYN-ACK on receipt)" "$ok_syn" "$(syns a-alone)"
check_eq "a fixed clamp, for both families" \
	"1300 correct / 1300 correct 1300 correct / 1300 correct" \
	"$(syns fixed) $(syns fixed6)"
check_eq "off at both sites: SYNs keep the VMs' MSS" \
	"1460 correct / 1460 correct" "$(syns off)"

# fragments: the outer IP fragments in the underlay's capture, frag.pcap
# (IPv4 with MF or an offset, IPv6 with a fragment header).
fragments() {
	tcpdump -r "$work/frag.pcap" -nn \
		'(ip and ip[6:2] & 0x3fff != 0) or (ip6 and ip6[6] = 44)' 2>/dev/null | wc -l
}
# full_size: the outer IPv4 datagrams of 1500 bytes in that capture.
full_size() {
	tcpdump -r "$work/frag.pcap" -nn 'ip and ip[2:2] = 1500' 2>/dev/null | wc -l
}
# full_flow: a 3 s TCP flow A to B and one B to A, the underlay captured.
full_flow() {
	start_capture site-b wan0 "$work/frag.pcap" "ip or ip6" || return 1
	for dir in "" -R; do
		nsx vm-b iperf3 -s -D -1 --logfile "$work/iperf-s-frag.log"
		sleep 1
		nsx vm-a iperf3 -c 192.168.50.2 -t 3 $dir \
			--logfile "$work/iperf-c-frag.log" || return 1
	done
	stop_capture
}
check "without the clamp, a TCP flow runs both ways" full_flow
check "its full-size segments are fragmented on the underlay" \
	test "$(fragments)" -gt 100
nsx site-a hcxrepl set hcx0 mss-clamp auto
nsx site-b hcxrepl set hcx0 mss-clamp auto
check "with it, a TCP flow runs both ways" full_flow
check_eq "... and not one outer fragment" 0 "$(fragments)"
check "... in datagrams of the underlay's full 1500 bytes" \
	test "$(full_size)" -gt 100
start_capture site-b wan0 "$work/frag.pcap" "ip or ip6"
check "a 1500-byte DF ping still crosses" ping_ok vm-a -M do -s 1472 192.168.50.2
stop_capture
check "fragmented on the underlay, as only non-TCP traffic is" \
	test "$(fragments)" -ge 6

# Only the interconnect's UDP on the underlay, and no plaintext in it.
start_capture site-b wan0 "$work/wan.pcap" "ip or ip6"
ip netns exec vm-b timeout 10 /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 9000))
print(s.recv(100).decode())' >"$work/marker.got" &
nc_pid=$!
sleep 0.5
for i in 1 2 3; do
	nsx vm-a /usr/bin/python3 -c '
import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(sys.argv[1].encode(), ("192.168.50.2", 9000))' "$MARKER"
	nsx vm-a ping -q -c 1 -p "$(printf %s "$MARKER" | od -An -tx1 | tr -d ' \n' | cut -c1-32)" \
		192.168.50.2 >/dev/null
	sleep 0.2
done
sleep 1
kill $nc_pid 2>/dev/null
wait $nc_pid 2>/dev/null
stop_capture
check "the marker reached VM B" grep -q "$MARKER" "$work/marker.got"
check "the capture holds interconnect datagrams" \
	test "$(tcpdump -r "$work/wan.pcap" -n "udp port $PORT_B" 2>/dev/null | wc -l)" -gt 0
check_eq "the capture holds no other IP traffic" 0 \
	"$(tcpdump -r "$work/wan.pcap" -n "(ip or ip6) and not udp port $PORT_B and not icmp6 and not (ip[6:2] & 0x1fff != 0)" 2>/dev/null | wc -l)"
check "the marker never appears on the underlay" \
	bash -c "! grep -aq '$MARKER' '$work/wan.pcap' && ! grep -aq '$(printf %s "$MARKER" | cut -c1-16)' '$work/wan.pcap'"

# Bogus datagrams: each dropped and counted under its reason, none
# delivered.  Quiet the VMs first, so that nothing legitimate arrives.
for ns in vm-a vm-b site-a site-b; do
	nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done
sleep 2
delivered=$(link_stat site-b "['rx']['packets']")
# Every length short of each type's full one (a data message's: header and
# tag): 148 + 92 + 64 + 32 datagrams.
check "truncated datagrams of every type and length: rx-malformed" \
	delta_is $((148 + 92 + 64 + 32)) site-b rx_malformed \
	nsx evil /usr/bin/python3 "$HCX_TOP/selftests/lib/hcxpkt.py" truncate 10.0.0.2 $PORT_B
check "data for a session that does not exist: rx-unknown-session" \
	delta_is 20 site-b rx_unknown_session nsx evil /usr/bin/python3 \
	"$HCX_TOP/selftests/lib/hcxpkt.py" data 10.0.0.2 $PORT_B --index 0x5a5a5a5a --count 20
check "replayed data messages: rx-replay" \
	delta_is 5 site-b rx_replay nsx evil /usr/bin/python3 \
	"$HCX_TOP/selftests/lib/hcxpkt.py" resend "$work/wan.pcap" 10.0.0.2 $PORT_B --count 5
check "data messages with a flipped bit: rx-bad-auth" \
	delta_is 5 site-b rx_bad_auth nsx evil /usr/bin/python3 \
	"$HCX_TOP/selftests/lib/hcxpkt.py" resend "$work/wan.pcap" 10.0.0.2 $PORT_B --count 5 --flip-bit
check "data messages cut to less than header and tag: rx-malformed" \
	delta_is 5 site-b rx_malformed nsx evil /usr/bin/python3 \
	"$HCX_TOP/selftests/lib/hcxpkt.py" resend "$work/wan.pcap" 10.0.0.2 $PORT_B --count 5 --truncate 24
check "junk handshakes fail mac1: rx-handshake-invalid" \
	delta_is 30 site-b rx_handshake_invalid nsx evil /usr/bin/python3 \
	"$HCX_TOP/selftests/lib/hcxpkt.py" flood 10.0.0.2 $PORT_B --count 30 \
	--pubkey "$(cat "$work/a.pub")"
check_eq "none of it was delivered" "$delivered" "$(link_stat site-b "['rx']['packets']")"
check "ip -s link counts the drops" test "$(link_stat site-b "['rx']['dropped']")" -gt 0
check "hcxrepl show -s lists them" \
	bash -c "ip netns exec site-b hcxrepl show -s hcx0 | grep -q 'rx-replay: [1-9]'"

# A third site that knows B's key but is not B's peer.  Its first frames
# (IPv6 router solicitation, as soon as it is up) start its handshake.
before=$(counter site-b rx_handshake_invalid)
nsx evil ip link add hcx0 type hcxrepl
nsx evil hcxrepl set hcx0 private-key "$work/evil.key" listen-port $PORT_A \
	peer "$(cat "$work/b.pub")" endpoint 10.0.0.2:$PORT_B
nsx evil ip addr add 192.168.50.3/24 dev hcx0
nsx evil ip link set hcx0 up
nsx evil ping -q -c 2 -w 3 192.168.50.2 >/dev/null
check "a site with the wrong key gets no session" \
	test "$(peer_field evil session_state)" != established
check "B refused its handshake: rx-handshake-invalid" \
	test "$(counter site-b rx_handshake_invalid)" -gt "$before"
check_eq "and nothing of it was delivered" "$delivered" "$(link_stat site-b "['rx']['packets']")"
nsx evil ip link del hcx0

# A flood of handshakes that pass mac1 (the flooder knows B's key) while
# A and B handshake afresh: the flood is rate-limited, the sites work.
ip netns exec evil /usr/bin/python3 "$HCX_TOP/selftests/lib/hcxpkt.py" flood 10.0.0.2 $PORT_B \
	--count 100000 --pubkey "$(cat "$work/b.pub")" >/dev/null &
flood=$!
sleep 2
nsx site-a hcxrepl set hcx0 peer "$(cat "$work/b.pub")" remove
nsx site-a hcxrepl set hcx0 peer "$(cat "$work/b.pub")" endpoint 10.0.0.2:$PORT_B
check "under a handshake flood, the sites handshake and carry traffic" \
	ping_ok vm-a 192.168.50.2
check "the flood was rate-limited" \
	test "$(counter site-b rx_handshake_ratelimited)" -gt 0
kill $flood 2>/dev/null
wait $flood 2>/dev/null

# An IPv6 underlay.
for ns in vm-a vm-b site-a site-b; do
	nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0
done
nsx site-a ip addr replace fd00::1/64 dev wan0 nodad
nsx site-b ip addr replace fd00::2/64 dev wan0 nodad
# B forgets A's endpoint: it must learn it from A's first authentic
# message.  A starts afresh with B's IPv6 endpoint.
nsx site-b hcxrepl set hcx0 peer "$(cat "$work/a.pub")" remove
nsx site-b hcxrepl set hcx0 peer "$(cat "$work/a.pub")"
check_eq "site B has no endpoint for A" None "$(peer_field site-b endpoint)"
nsx site-a hcxrepl set hcx0 peer "$(cat "$work/b.pub")" remove
check "site A's endpoint for B is IPv6" \
	nsx site-a hcxrepl set hcx0 peer "$(cat "$work/b.pub")" endpoint "[fd00::2]:$PORT_B"
check "over an IPv6 underlay, full-size frames cross" \
	ping_ok vm-a -M do -s 1472 192.168.50.2
check_eq "over it the clamp is 20 bytes lower, at both sites" \
	"auto $((MSS4 - 20)) auto $((MSS4 - 20))" "$(mss_field site-a) $(mss_field site-b)"
check "a TCP flow runs both ways over it" full_flow
check_eq "... and not one outer fragment" 0 "$(fragments)"
check_eq "site B learnt A's IPv6 endpoint from A's handshake (roaming)" \
	"[fd00::1]:$PORT_A" "$(peer_field site-b endpoint)"
check_eq "site A's endpoint for B stayed IPv6" \
	"[fd00::2]:$PORT_B" "$(peer_field site-a endpoint)"

# Rekeying under a long transfer: by time, then by message count.
# handshake_ns NS: the site's last handshake time, read without starting
# Python, which takes seconds on the debug kernel: sampled twice a second.
handshake_ns() {
	local out
	out=$(nsx "$1" hcxrepl -j show hcx0)
	[[ $out =~ \"last_handshake_ns\":([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
}
# rekeyed_transfer IPERF3_ARGS...: an iperf3 transfer from VM A to VM B,
# then "STATUS HANDSHAKES": its exit status, and the distinct handshake
# times site A showed while it ran.
rekeyed_transfer() {
	local pid seen status
	nsx vm-b iperf3 -s -D -1 --logfile "$work/iperf-s-rekey.log"
	sleep 1
	nsx vm-a iperf3 -c 192.168.50.2 "$@" --logfile "$work/iperf-c-rekey.log" &
	pid=$!
	seen=$(while kill -0 "$pid" 2>/dev/null; do
		handshake_ns site-a
		sleep 0.5
	done | sort -u | wc -l)
	wait "$pid"
	status=$?
	echo "$status $seen"
}
params=/sys/module/hcxrepl/parameters
echo 3 >$params/rekey_after_seconds
read -r status seen < <(rekeyed_transfer -t 16)
check "a 16 s TCP transfer survives rekeying every 3 s" test "$status" = 0
# Sampled twice a second, or less often on a slow kernel: two distinct
# handshake times prove a rekey under the transfer.
check "it saw a rekey" test "$seen" -ge 2
echo "# handshakes seen: $seen"
echo 120 >$params/rekey_after_seconds
echo 2000 >$params/rekey_after_messages
# Long enough for some 4500 full-size frames, two rekeys, at the rate the
# first transfer measured: 8 s on Debian's kernels, half a minute on the
# debug kernel.
secs=$(awk '/receiver/ { for (i = 2; i <= NF; i++) if ($i ~ /bits\/sec/) {
		bps = $(i - 1) * (substr($i, 1, 1) == "G" ? 1e9 : substr($i, 1, 1) == "M" ? 1e6 : 1e3) } }
	END { s = int(4500 * 1500 * 8 / (bps > 0 ? bps : 1e6)) + 1; print (s < 8 ? 8 : (s > 60 ? 60 : s)) }' \
	"$work/iperf-c.log")
read -r status seen < <(rekeyed_transfer -t "$secs")
check "a ${secs} s TCP transfer survives rekeying every 2000 messages" test "$status" = 0
check "it saw several handshakes" test "$seen" -ge 2
echo "# handshakes seen: $seen"
echo $((1 << 60)) >$params/rekey_after_messages

for ns in vm-a vm-b site-a site-b evil wan; do
	ip netns del "$ns"
done
check "module unloads with devices gone" bash -c \
	"for i in \$(seq 50); do rmmod hcxrepl 2>/dev/null && exit 0; sleep 0.2; done; exit 1"
rm -rf "$work"
tap_done
