#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The module's first contract, run inside the VM: it loads and unloads, the
# link kind creates and deletes devices, the netlink family lists them (for
# the CLI and for the kernel's YNL client driven by the spec alone), and bad
# requests are refused with a clear message and no change.
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/hcx.sh"

tmp=$(mktemp -d)
key=$tmp/private
umask 077

# insmod on an appliance (README): alone, it fails while the modules the
# module uses are not loaded; after modprobe -a of what modinfo says it
# depends on, it loads.  They are unloaded first, if they can be.
deps=$(modinfo -F depends "$HCX_KO" | tr , ' ')
# shellcheck disable=SC2086 # a list of modules
modprobe -r -a $deps 2>/dev/null
missing=$(for d in $deps; do [ -e "/sys/module/$d" ] || echo "$d"; done)
check "the module depends on kernel modules, not all loaded" test -n "$missing"
check_fails "insmod alone fails" "Unknown symbol" insmod "$HCX_KO"
check "modprobe -a of its dependencies, then insmod, loads it" load_module
check "show lists nothing without devices" test -z "$(hcxrepl show)"
check "ip link add creates a device" ip link add hcx0 type hcxrepl
check "the device is of kind hcxrepl" \
	bash -c "ip -d link show hcx0 | grep -qw hcxrepl"
check "the device is Ethernet-type" \
	test "$(cat /sys/class/net/hcx0/type)" = 1

ifindex=$(cat /sys/class/net/hcx0/ifindex)
check_eq "show -j names the device and its ifindex" "[('hcx0', $ifindex)]" \
	"$(hcxrepl -j show | json '[(d["ifname"], d["ifindex"]) for d in j]')"
check "show hcx0 prints the interface" \
	bash -c "hcxrepl show hcx0 | grep -qx 'interface: hcx0'"

hcxrepl genkey >"$key"
check "set private-key and listen-port" \
	hcxrepl set hcx0 private-key "$key" listen-port 51820
check_eq "the kernel derives the public key the CLI derives" \
	"$(hcxrepl pubkey <"$key")" \
	"$(hcxrepl -j show hcx0 | json 'j[0]["public_key"]')"
check_eq "listen port is shown" 51820 \
	"$(hcxrepl -j show hcx0 | json 'j[0]["listen_port"]')"
check "show never prints the private key" \
	bash -c "! hcxrepl -j show | grep -qF '$(cat "$key")'"

# The kernel's YNL client, knowing only the spec.
check_eq "YNL dump lists hcx0" "['hcx0']" \
	"$(ynl --dump dev-get --output-json | json '[d["ifname"] for d in j]')"
hexkey=$(base64 -d <"$key" | od -An -tx1 | tr -d ' \n')
check_eq "YNL get with secrets returns the private key" "$hexkey" \
	"$(ynl --do dev-get --json '{"ifname": "hcx0", "secrets": true}' \
		--output-json | json 'j["private-key"]')"
check_eq "YNL get without secrets omits the private key" False \
	"$(ynl --do dev-get --json '{"ifname": "hcx0"}' --output-json |
		json '"private-key" in j')"
check "YNL set changes the listen port" \
	ynl --do dev-set --json "{\"ifindex\": $ifindex, \"listen-port\": 4000}"
check_eq "the new port is shown" 4000 \
	"$(hcxrepl -j show hcx0 | json 'j[0]["listen_port"]')"

# Bad requests: refused, explained, nothing changed.
eval "$(uapi_vars)"
fam=hcxrepl
get=$HCXREPL_CMD_DEV_GET
set=$HCXREPL_CMD_DEV_SET
a_ifindex=$HCXREPL_A_DEVICE_IFINDEX
a_ifname=$HCXREPL_A_DEVICE_IFNAME
a_key=$HCXREPL_A_DEVICE_PRIVATE_KEY
a_port=$HCXREPL_A_DEVICE_LISTEN_PORT
a_peer=$HCXREPL_A_DEVICE_PEER
expect() { # TEXT WANT ARGS...: nlraw ARGS prints WANT (a regex)
	local text=$1 want=$2 got
	shift 2
	got=$(nlraw "$@" 2>&1)
	if printf '%s' "$got" | grep -Eq -- "$want"; then
		tap_ok "$text"
	else
		tap_not_ok "$text"
		echo "# got: $got; wanted: $want"
	fi
}
expect "a good raw get succeeds" '^errno=0 ' $fam "$get" "$a_ifname:str:hcx0"
expect "missing device: ENODEV, explained" '^errno=19 msg=No such device' \
	$fam "$get" "$a_ifname:str:nosuch0"
expect "no selector: EINVAL, explained" '^errno=22 msg=Name the device' \
	$fam "$get"
expect "not our device: EOPNOTSUPP, explained" \
	'^errno=95 msg=Not an hcxrepl device' $fam "$get" "$a_ifname:str:lo"
expect "unknown attribute: EINVAL, explained" '^errno=22 msg=.+' \
	$fam "$get" "$a_ifname:str:hcx0" "99:u32:1"
expect "attribute not in the operation: EINVAL, explained" \
	'^errno=22 msg=.+' $fam "$get" "$a_ifname:str:hcx0" "$a_port:u16:1"
expect "wrong type (u8 ifindex): EINVAL, explained" '^errno=(22|34) msg=.+' \
	$fam "$get" "$a_ifindex:u8:1"
expect "short private key: EINVAL, explained" '^errno=(22|34) msg=.+' \
	$fam "$set" "$a_ifname:str:hcx0" "$a_key:hex:$(printf '%062d' 1)"
expect "all-zero private key: EINVAL, explained" \
	'^errno=22 msg=Invalid X25519 private key' \
	$fam "$set" "$a_ifname:str:hcx0" "$a_key:hex:$(printf '%064d' 0)"
expect "ifindex and ifname disagree: EINVAL, explained" \
	'^errno=22 msg=ifindex and ifname name different devices' \
	$fam "$set" "$a_ifindex:u32:1" "$a_ifname:str:hcx0" "$a_port:u16:7"
a_mss=$HCXREPL_A_DEVICE_MSS_CLAMP
expect "an MSS clamp under 536: EINVAL, explained, nothing changed" \
	'^errno=22 msg=An MSS clamp is at least 536 \(0 is automatic\)' \
	$fam "$set" "$a_ifname:str:hcx0" "$a_port:u16:7" "$a_mss:u16:535"
check_eq "the refused request changed neither the port nor the clamp" "4000 auto" \
	"$(hcxrepl -j show hcx0 | json 'j[0]["listen_port"], j[0]["mss_clamp"]' |
		tr -d "(),'")"
check "set mss-clamp 1300" hcxrepl set hcx0 mss-clamp 1300
check_eq "show says the clamp set" "  mss clamp: 1300" \
	"$(hcxrepl show hcx0 | grep 'mss clamp')"
check_eq "showconf carries it" "MssClamp = 1300" \
	"$(hcxrepl showconf hcx0 | grep MssClamp)"
check_eq "YNL reads it, and what it clamps to now" "1300 1300" \
	"$(ynl --do dev-get --json '{"ifname": "hcx0"}' --output-json |
		json 'j["mss-clamp"], j["mss-clamp-now"]' | tr -d '(),')"
check "set mss-clamp off" hcxrepl set hcx0 mss-clamp off
check_eq "off: shown, and nothing clamped now" "off 0" \
	"$(hcxrepl -j show hcx0 | json 'j[0]["mss_clamp"], j[0]["mss_clamp_now"]' |
		tr -d "(),'")"
check "set mss-clamp auto" hcxrepl set hcx0 mss-clamp auto
check_eq "auto without a peer: shown, nothing clamped now" \
	"  mss clamp: auto (none now)" "$(hcxrepl show hcx0 | grep 'mss clamp')"
check_eq "showconf leaves the default out" "" \
	"$(hcxrepl showconf hcx0 | grep MssClamp)"
p_key=$HCXREPL_A_PEER_PUBLIC_KEY
p_v4=$HCXREPL_A_PEER_ENDPOINT_IPV4
p_v6=$HCXREPL_A_PEER_ENDPOINT_IPV6
p_port=$HCXREPL_A_PEER_ENDPOINT_PORT
p_rx=$HCXREPL_A_PEER_RX_BYTES
p_keepalive=$HCXREPL_A_PEER_PERSISTENT_KEEPALIVE
own_hex=$(hcxrepl pubkey <"$key" | base64 -d | od -An -tx1 | tr -d ' \n')
expect "a new peer without its key: EINVAL, explained" \
	'^errno=22 msg=A new peer needs its public key' \
	$fam "$set" "$a_ifname:str:hcx0" "$a_peer:nest:$p_keepalive/u16/5"
expect "an endpoint without a port: EINVAL, explained" \
	'^errno=22 msg=An endpoint needs an address and a port' \
	$fam "$set" "$a_ifname:str:hcx0" \
	"$a_peer:nest:$p_key/hex/$hexkey,$p_v4/hex/c0000202"
expect "an endpoint with two addresses: EINVAL, explained" \
	'^errno=22 msg=An endpoint is IPv4 or IPv6, not both' \
	$fam "$set" "$a_ifname:str:hcx0" \
	"$a_peer:nest:$p_key/hex/$hexkey,$p_v4/hex/c0000202,$p_v6/hex/$(printf '%032d' 1),$p_port/hex/ca6c"
expect "a read-only peer attribute: EINVAL, explained" \
	'^errno=22 msg=Attribute is read-only' \
	$fam "$set" "$a_ifname:str:hcx0" "$a_peer:nest:$p_key/hex/$hexkey,$p_rx/hex/0000000000000000"
expect "this site as its own peer: EINVAL, explained" \
	"^errno=22 msg=The peer's public key is this site's own" \
	$fam "$set" "$a_ifname:str:hcx0" "$a_peer:nest:$p_key/hex/$own_hex"
expect "dump with a selector: EINVAL, explained" \
	'^errno=22 msg=A dump lists every device' --dump $fam "$get" \
	"$a_ifname:str:hcx0"
check_eq "refused requests changed nothing" \
	"(4000, '$(hcxrepl pubkey <"$key")')" \
	"$(hcxrepl -j show hcx0 | json '(j[0]["listen_port"], j[0]["public_key"])')"
check_eq "refused peers left no peer" False \
	"$(hcxrepl -j show hcx0 | json '"peer" in j[0]')"

# The peer site, set through the spec's client, shown by the CLI.
hcxrepl genkey >"$tmp/peer"
peer_b64=$(hcxrepl pubkey <"$tmp/peer")
peer_hex=$(base64 -d <<<"$peer_b64" | od -An -tx1 | tr -d ' \n')
psk_hex=$(hcxrepl genpsk | base64 -d | od -An -tx1 | tr -d ' \n')
check "set a peer with key, pre-shared key, endpoint and keepalive" \
	ynl --do dev-set --json "{\"ifname\": \"hcx0\", \"peer\": {
		\"public-key\": \"$peer_hex\", \"preshared-key\": \"$psk_hex\",
		\"endpoint-ipv4\": $((0xc0000202)), \"endpoint-port\": 51820,
		\"persistent-keepalive\": 25}}"
check_eq "show -j has the peer, and no pre-shared key" \
	"('$peer_b64', '192.0.2.2:51820', 25, 'none', False)" \
	"$(hcxrepl -j show hcx0 | json '(lambda p: (p["public_key"], p["endpoint"], p["persistent_keepalive"], p["session_state"], "preshared_key" in p))(j[0]["peer"])')"
check_eq "the pre-shared key comes only with secrets" "$psk_hex" \
	"$(ynl --do dev-get --json '{"ifname": "hcx0", "secrets": true}' \
		--output-json | json 'j["peer"]["preshared-key"]')"
check "show prints the peer" bash -c "hcxrepl show hcx0 | grep -qx 'peer: $peer_b64'"
check "an IPv6 endpoint replaces it" \
	ynl --do dev-set --json "{\"ifname\": \"hcx0\", \"peer\": {
		\"endpoint-ipv6\": \"20010db8000000000000000000000002\",
		\"endpoint-port\": 51820}}"
check_eq "the IPv6 endpoint is shown, the rest kept" "('[2001:db8::2]:51820', 25)" \
	"$(hcxrepl -j show hcx0 | json '(j[0]["peer"]["endpoint"], j[0]["peer"]["persistent_keepalive"])')"
hcxrepl genkey >"$tmp/peer2"
peer2_hex=$(hcxrepl pubkey <"$tmp/peer2" | base64 -d | od -An -tx1 | tr -d ' \n')
check "another key replaces the peer" \
	ynl --do dev-set --json "{\"ifname\": \"hcx0\", \"peer\": {\"public-key\": \"$peer2_hex\"}}"
check_eq "nothing of the old peer carries over" \
	"('$(hcxrepl pubkey <"$tmp/peer2")', False, 0)" \
	"$(hcxrepl -j show hcx0 | json '(lambda p: (p["public_key"], "endpoint" in p, p["persistent_keepalive"]))(j[0]["peer"])')"
expect "remove with other settings: EINVAL, explained" \
	'^errno=22 msg=Removing the peer takes no other setting' \
	$fam "$set" "$a_ifname:str:hcx0" \
	"$a_peer:nest:$HCXREPL_A_PEER_REMOVE/hex/,$p_keepalive/u16/5"
check "remove the peer" \
	ynl --do dev-set --json '{"ifname": "hcx0", "peer": {"remove": true}}'
check_eq "the peer is gone" False "$(hcxrepl -j show hcx0 | json '"peer" in j[0]')"

# The same through the CLI, and the showconf/setconf round trip.
hcxrepl genpsk >"$tmp/psk"
check "CLI: set the peer" hcxrepl set hcx0 peer "$peer_b64" \
	preshared-key "$tmp/psk" endpoint '[2001:db8::5]:51821' \
	persistent-keepalive 15
check_eq "CLI: the peer is shown" "('$peer_b64', '[2001:db8::5]:51821', 15)" \
	"$(hcxrepl -j show hcx0 | json '(lambda p: (p["public_key"], p["endpoint"], p["persistent_keepalive"]))(j[0]["peer"])')"
hcxrepl set hcx0 mss-clamp 1300
hcxrepl showconf hcx0 >"$tmp/conf"
check "showconf has the private and pre-shared keys and the MSS clamp" bash -c \
	"grep -qx 'PrivateKey = $(cat "$key")' '$tmp/conf' &&
	 grep -qx 'PresharedKey = $(cat "$tmp/psk")' '$tmp/conf' &&
	 grep -qx 'MssClamp = 1300' '$tmp/conf'"
check "set changes the device" hcxrepl set hcx0 listen-port 7 mss-clamp off \
	peer "$peer_b64" endpoint 192.0.2.7:7 persistent-keepalive off
check "setconf applies what showconf printed" hcxrepl setconf hcx0 "$tmp/conf"
check_eq "showconf and setconf round-trip" "$(cat "$tmp/conf")" \
	"$(hcxrepl showconf hcx0)"
printf '[Interface]\nPrivateKey = %s\nListenPort = 4000\n' "$(cat "$key")" >"$tmp/nopeer"
{ cat "$tmp/nopeer"; printf '[Peer]\nPublicKey = %s\n' "$peer_b64"; } >"$tmp/bare"
check "setconf with a bare [Peer] of the same key" hcxrepl setconf hcx0 "$tmp/bare"
check_eq "what the file leaves out is reset, the MSS clamp to auto" "(False, 0, 'auto')" \
	"$(hcxrepl -j show hcx0 | json '(lambda p: ("endpoint" in p, p["persistent_keepalive"], j[0]["mss_clamp"]))(j[0]["peer"])')"
expect "replace-peer without a peer: EINVAL, explained" \
	'^errno=22 msg=replace-peer needs a peer' \
	$fam "$set" "$a_ifname:str:hcx0" "$HCXREPL_A_DEVICE_REPLACE_PEER:hex:"
check "setconf without a [Peer] removes the peer" \
	hcxrepl setconf hcx0 "$tmp/nopeer"
check_eq "no peer is left" False "$(hcxrepl -j show hcx0 | json '"peer" in j[0]')"
check_fails "setconf of a missing device is one clear line" \
	"^hcxrepl: setconf nosuch0: No such device$" \
	hcxrepl setconf nosuch0 "$tmp/nopeer"

check_fails "CLI: missing device is one clear line" \
	"^hcxrepl: .*nosuch0.*No such device$" hcxrepl show nosuch0
check_fails "CLI: unknown command is one clear line" \
	"^hcxrepl: unknown command 'frobnicate'" hcxrepl frobnicate

# Dumps that span several messages, and namespaces that hide devices.
# One ip(8) for all 60: process start-up is what costs under emulation.
printf 'link add hcxd%d type hcxrepl\n' $(seq 1 60) | ip -batch -
check_eq "a dump of 61 devices returns all of them once" "61 61" \
	"$(hcxrepl -j show 2>&1 | json 'len(set(d["ifname"] for d in j)), len(j)' 2>&1)"
expect "and in several parts: the dump resumed at its cursor" \
	'^errno=0 msg= parts=([2-9]|[1-9][0-9]+)$' --dump $fam "$get"
printf 'link del hcxd%d\n' $(seq 1 60) | ip -batch -
ip netns add other
ip -n other link add hcxns0 type hcxrepl
check_eq "a device in another namespace is not listed here" "['hcx0']" \
	"$(hcxrepl -j show | json '[d["ifname"] for d in j]')"
check_eq "it is listed in its own namespace" "['hcxns0']" \
	"$(ip netns exec other hcxrepl -j show | json '[d["ifname"] for d in j]')"

# The same link kind through rtnetlink without ip(8).
check "rtnetlink newlink (YNL, rt_link spec) creates a device" \
	ynl_rt --do newlink --create --excl \
	--json '{"ifname": "hcxrt0", "linkinfo": {"kind": "hcxrepl"}}'
check_eq "the new device is listed" "['hcx0', 'hcxrt0']" \
	"$(hcxrepl -j show | json 'sorted(d["ifname"] for d in j)')"
check "rtnetlink dellink deletes it" \
	ynl_rt --do dellink --json '{"ifname": "hcxrt0"}'

# Disks, on loop devices over sparse files.
modprobe loop 2>/dev/null
ndisks=40
loops=()
for ((i = 0; i <= ndisks; i++)); do
	truncate -s 1M "$tmp/d$i.img"
	loops+=("$(losetup -f --show "$tmp/d$i.img")")
done
dget=$HCXREPL_CMD_DISK_GET

# Adding a disk opens its backing block device for reading and writing:
# the family's CAP_NET_ADMIN is not enough for that, CAP_SYS_ADMIN is.
check_fails "disk add without CAP_SYS_ADMIN is refused, explained" \
	"needs CAP_SYS_ADMIN" capsh --drop=cap_sys_admin -- -c \
	"exec hcxrepl disk add d0 dev hcx0 backing ${loops[0]} role source"
check_eq "and adds nothing" "[]" "$(hcxrepl -j disk show)"
check "with CAP_SYS_ADMIN the same disk is added" \
	hcxrepl disk add d0 dev hcx0 backing "${loops[0]}" role source

# The events group tells what disks do: CAP_NET_ADMIN to join it, like
# every operation of the family.
nlraw_py=$HCX_TOP/selftests/lib/nlraw.py
check_eq "without CAP_NET_ADMIN the events group cannot be joined (EPERM)" \
	errno=1 "$(capsh --drop=cap_net_admin -- -c \
		"exec /usr/bin/python3 $nlraw_py --join hcxrepl events" 2>&1)"
check_eq "with CAP_NET_ADMIN it can" errno=0 "$(nlraw --join hcxrepl events 2>&1)"
check_fails "hcxrepl monitor without CAP_NET_ADMIN says why" \
	"cannot join the events group: Operation not permitted" \
	timeout 20 capsh --drop=cap_net_admin -- -c "exec hcxrepl monitor"

# A dump of many disks spans several messages; a disk added or deleted
# between two of them marks the dump interrupted (NLM_F_DUMP_INTR in the
# flags of the first message that follows), and no message is damaged.
for ((i = 1; i < ndisks; i++)); do
	hcxrepl disk add "d$i" dev hcx0 backing "${loops[i]}" role source
done
check_eq "a dump of $ndisks disks returns all of them once" "$ndisks $ndisks" \
	"$(hcxrepl -j disk show 2>&1 | json 'len(set(d["name"] for d in j)), len(j)' 2>&1)"
expect "a dump left alone is whole and not interrupted" \
	"^errno=0 msg= parts=([3-9]|[1-9][0-9]+) messages=$ndisks interrupted=0$" \
	--dump --then true $fam "$dget"
expect "a disk deleted after its first part: interrupted, no message damaged" \
	'^errno=0 msg= parts=[0-9]+ messages=[0-9]+ interrupted=[1-9][0-9]*$' \
	--dump --then "hcxrepl disk del d1" $fam "$dget"
expect "a disk added after its first part: interrupted, no message damaged" \
	'^errno=0 msg= parts=[0-9]+ messages=[0-9]+ interrupted=[1-9][0-9]*$' \
	--dump --then "hcxrepl disk add d$ndisks dev hcx0 backing ${loops[ndisks]} role source" \
	$fam "$dget"
# The same while another process adds and deletes a disk without pause.
(
	while [ ! -e "$tmp/stop" ]; do
		hcxrepl disk del d1 2>/dev/null
		hcxrepl disk add d1 dev hcx0 backing "${loops[1]}" role source \
			2>/dev/null
	done
) &
churn=$!
bad=0 intr=0
for ((i = 0; i < 8; i++)); do
	got=$(nlraw --dump --then true $fam "$dget" 2>&1)
	if [[ ! $got =~ ^errno=0\ .*interrupted=([0-9]+)$ ]]; then
		bad=$((bad + 1))
		echo "# $got"
	elif [ "${BASH_REMATCH[1]}" != 0 ]; then
		intr=$((intr + 1))
	fi
done
touch "$tmp/stop"
wait $churn
echo "# $intr of 8 dumps during the churn were interrupted"
check_eq "dumps during the churn parse, every message whole" 0 $bad

for ((i = 0; i <= ndisks; i++)); do
	hcxrepl disk del "d$i" 2>/dev/null
done
check_eq "every disk is deleted" "[]" "$(hcxrepl -j disk show)"
losetup -d "${loops[@]}"

check "ip link del removes the device" ip link del hcx0
check "show lists nothing again" test -z "$(hcxrepl show)"

ip link add hcx1 type hcxrepl
ynl --do dev-set --json "{\"ifname\": \"hcx1\", \"peer\": {\"public-key\": \"$peer_hex\"}}" >/dev/null
check "module unloads with devices and a peer present" rmmod hcxrepl
check "its devices are gone" bash -c \
	"! ip link show hcx1 2>/dev/null && ! ip -n other link show hcxns0 2>/dev/null"
check "module loads again" load_module
check "and unloads again" rmmod hcxrepl
ip netns del other
rm -rf "$tmp"
tap_done
