#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Plans (hcxrepl plan apply|check FILE) at two sites inside one VM:
#
#   [site-a] br-app(hcx0, app0) wan0 --- [wan] bridge --- wan0 br-app(hcx0, app0) [site-b]
#
# Only the namespaces and the underlay are made here: the plans create the
# interconnect devices, the bridges and the disks.  Checks: bad plans fail
# with one line naming the file, the line and what is wrong, and change
# nothing, on a fresh site too; plan check says what apply would do and
# changes nothing; apply at both sites pairs them (a ping across the
# bridges), adds the disks with their options, runs their full sync (the
# copies end identical) and schedules the switchover; a second apply says
# "unchanged" for everything and changes nothing; a plan whose disk's role
# or backing differs from the disk's is refused; an option changed in the
# plan is set on the disk, and nothing else is.
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/hcx.sh"
. "$(dirname "$0")/lib/sites.sh"

PORT_A=51820
PORT_B=51821
work=$(mktemp -d)
cd "$work" || exit 1

# underlay_up: the namespaces and the underlay between them (wan_up), and
# a port of the segment at each site (a veth whose other end stays there).
underlay_up() {
	local site
	wan_up || return 1
	for site in site-a site-b; do
		nsx "$site" ip link add app0 type veth peer name app0-host &&
			nsx "$site" ip link set app0-host up || return 1
	done
}

# snapshot NS: what a plan may change at NS, minus what moves by itself
# (counters, throughput, bridge timers).
snapshot() {
	nsx "$1" hcxrepl showconf hcx0 2>&1
	nsx "$1" ip -d -j link show >"$work/links.json"
	nsx "$1" hcxrepl -j disk show >"$work/disks.json" 2>&1
	/usr/bin/python3 - "$work/links.json" "$work/disks.json" <<'PY'
import json, sys
for l in json.load(open(sys.argv[1])):
    print(l["ifname"], l.get("master", "-"), l.get("operstate"),
          ",".join(sorted(l.get("flags", []))),
          l.get("linkinfo", {}).get("info_kind", "-"))
for d in json.load(open(sys.argv[2])):
    for k in ("stats", "throughput_bps"):
        d.pop(k, None)
    print(json.dumps(d, sort_keys=True))
PY
}

# same_as NS TEXT BEFORE: NS is as the snapshot BEFORE saw it.
same_as() {
	local after
	after=$(snapshot "$1")
	if [ "$3" = "$after" ]; then
		tap_ok "$2"
	else
		tap_not_ok "$2"
		diff <(echo "$3") <(echo "$after") | sed 's/^/# /'
	fi
}

# unchanged_by NS TEXT COMMAND...: COMMAND leaves NS as it was.
unchanged_by() {
	local ns=$1 text=$2 before
	shift 2
	before=$(snapshot "$ns")
	"$@" >/dev/null 2>&1
	same_as "$ns" "$text" "$before"
}

# refused NS FILE PATTERN TEXT: plan apply FILE at NS fails with exit
# status 1 and one line, "hcxrepl: plan FILE:" and PATTERN (an extended
# regex: "LINE: what"), and changes nothing.
refused() {
	local ns=$1 file=$2 pattern=$3 text=$4 before err rc=0
	before=$(snapshot "$ns")
	err=$(nsx "$ns" hcxrepl plan apply "$file" 2>&1 >/dev/null) || rc=$?
	if [ "$rc" = 1 ] && [ "$(wc -l <<<"$err")" = 1 ] &&
		grep -Eq -- "^hcxrepl: plan $file:$pattern\$" <<<"$err"; then
		tap_ok "$text"
	else
		tap_not_ok "$text"
		echo "# exit status $rc, wanted 1; stderr: $err"
		echo "# wanted one line matching: hcxrepl: plan $file:$pattern"
	fi
	same_as "$ns" "$text: nothing changes" "$before"
}

# line_of FILE REGEX: the number of the first line of FILE matching REGEX.
line_of() {
	grep -n -m1 -E "$2" "$1" | cut -d: -f1
}

check "module loads" load_module
check "the underlay is up" underlay_up
for s in a b; do
	(umask 077 && hcxrepl genkey >"$work/$s.key")
	hcxrepl pubkey <"$work/$s.key" >"$work/$s.pub"
done
pub_a=$(cat a.pub)
pub_b=$(cat b.pub)

# The disks: vm1 holds random data, vm2 zeroes; a spare for bad plans.
head -c 16M /dev/urandom >a1.img
truncate -s 16M b1.img
truncate -s 8M a2.img b2.img spare.img
loop_a1=$(losetup -f --show a1.img)
loop_a2=$(losetup -f --show a2.img)
loop_b1=$(losetup -f --show b1.img)
loop_b2=$(losetup -f --show b2.img)
loop_spare=$(losetup -f --show spare.img)

cat >site-b.plan <<EOF
# Site B's half: the targets.
[Interconnect]
Device = hcx0
PrivateKeyFile = $work/b.key
ListenPort = $PORT_B

[Peer]
PublicKey = $pub_a
Endpoint = 10.0.0.1:$PORT_A

[Network]
Bridge = br-app
Ports = app0

[Disk]
Name = vm1
Backing = $loop_b1
Role = target
Chunk = 64K

[Disk]
Name = vm2
Backing = $loop_b2
Role = target
Chunk = 64K
EOF

cat >site-a.plan <<EOF
# Site A's half: the sources.
[interconnect]
device = hcx0
PrivateKeyFile = $work/a.key       # keys only from files
ListenPort = $PORT_A
DedupCache = 16M
MssClamp = 1300

[Peer]
PublicKey = $pub_b
Endpoint = 10.0.0.2:$PORT_B
PersistentKeepalive = 25

[Network]
Bridge = br-app
Ports = app0

[Disk]
Name = vm1
Backing = $loop_a1
Role = source
Chunk = 64K
Streams = 2
Dedup = on
Compress = zstd:3
Sync = full
Switchover = +3600 verify

[Disk]
Name = vm2
Backing = $loop_a2
Role = source
Chunk = 64K
Compress = lz4
EOF

# Bad plans at a fresh site: each refused before anything is created.
sed '/^Name = vm2/a Foo = 1' site-a.plan >bad-key.plan
refused site-a bad-key.plan "$(line_of bad-key.plan '^Foo'): unknown key 'Foo' in \[Disk\]" \
	"an unknown key is refused"
sed 's/^\[Network\]/[Segment]/' site-a.plan >bad-section.plan
refused site-a bad-section.plan "$(line_of bad-section.plan Segment): unknown section '\[Segment\]'" \
	"an unknown section is refused"
sed '/^\[Peer\]/,/^Persistent/d' site-a.plan >no-peer.plan
refused site-a no-peer.plan "$(wc -l <no-peer.plan): missing peer.*" \
	"a plan without a peer is refused"
sed '/^PublicKey/d' site-a.plan >no-peer-key.plan
refused site-a no-peer-key.plan "$(line_of no-peer-key.plan '^\[Peer\]'): missing peer.*" \
	"a peer without its key is refused"
sed 's/^Name = vm2/Name = vm1/' site-a.plan >twice.plan
names=($(grep -n '^Name = vm1' twice.plan | cut -d: -f1))
refused site-a twice.plan \
	"${names[1]}: disk 'vm1' is planned twice \(first at line ${names[0]}\)" \
	"a disk planned twice is refused"
sed 's/^Compress = lz4/Compress = gzip/' site-a.plan >bad-value.plan
refused site-a bad-value.plan "$(line_of bad-value.plan gzip): invalid Compress 'gzip'.*" \
	"a bad value is refused"
sed 's/^ListenPort = .*/&\nListenPort = 1/' site-a.plan >key-twice.plan
refused site-a key-twice.plan \
	"$(line_of key-twice.plan '^ListenPort = 1$'): ListenPort is given twice in \[Interconnect\] \(first at line $(line_of key-twice.plan '^ListenPort'))" \
	"a key given twice is refused"
sed "s#^Backing = $loop_a2#Backing = /dev/no-such-disk#" site-a.plan >no-backing.plan
refused site-a no-backing.plan \
	"$(line_of no-backing.plan no-such-disk): backing device '/dev/no-such-disk' of disk 'vm2' does not exist" \
	"a backing device that does not exist is refused"
sed "s#^Backing = $loop_a2#Backing = $work/a2.img#" site-a.plan >not-block.plan
refused site-a not-block.plan "$(line_of not-block.plan a2.img): .*is not a block device" \
	"a backing file that is not a block device is refused"
sed 's/^Ports = app0/Ports = app0 nope0/' site-a.plan >no-port.plan
refused site-a no-port.plan "$(line_of no-port.plan nope0): port 'nope0' does not exist" \
	"a port that does not exist is refused"
sed '/^Chunk = 64K/a Sync = full' site-b.plan >target-sync.plan
refused site-b target-sync.plan "$(line_of target-sync.plan '^Sync'): Sync on target disk 'vm1'.*" \
	"Sync on a target is refused"
check_fails "after them, site A has no hcx0" "" nsx site-a ip link show hcx0
check_fails "and no br-app" "" nsx site-a ip link show br-app

# plan check: what apply would do, and nothing done.
out=$(nsx site-b hcxrepl plan check site-b.plan)
check_eq "plan check at a fresh site says what apply would do" \
	"interconnect hcx0: would be created; private key, listen port $PORT_B, peer $pub_a at 10.0.0.1:$PORT_A would be set
network br-app: would be created; hcx0, app0 would join
disk vm1: would be added as target
disk vm2: would be added as target" "$out"
unchanged_by site-b "plan check changes nothing" nsx site-b hcxrepl plan check site-b.plan
check_fails "plan check created no hcx0" "" nsx site-b ip link show hcx0

# Apply at both sites, the targets first.
out=$(nsx site-b hcxrepl plan apply site-b.plan)
check_eq "plan apply at site B succeeds" 0 $?
echo "$out" | sed 's/^/# /'
check_eq "it reports the device created and configured" \
	"interconnect hcx0: created; private key, listen port $PORT_B, peer $pub_a at 10.0.0.1:$PORT_A set" \
	"$(sed -n 1p <<<"$out")"
check_eq "it reports the bridge created and joined" \
	"network br-app: created; hcx0, app0 joined" "$(sed -n 2p <<<"$out")"
check "it reports each target added" \
	grep -qE '^disk vm2: added as target \(/dev/hcxd[0-9]+\)$' <<<"$out"
out=$(nsx site-a hcxrepl plan apply - <site-a.plan)
check_eq "plan apply at site A (from standard input) succeeds" 0 $?
echo "$out" | sed 's/^/# /'
check_eq "it reports four objects" 4 "$(wc -l <<<"$out")"
check "it reports the keepalive with the new peer" \
	grep -qx "interconnect hcx0: created; private key, listen port $PORT_A, dedup cache 16M, mss clamp 1300, peer $pub_b at 10.0.0.2:$PORT_B, persistent keepalive 25 set" <<<"$out"
check "it reports vm1 added, synced and its switchover scheduled" \
	grep -qE '^disk vm1: added as source \(/dev/hcxd[0-9]+\); full sync started; switchover at [0-9-]+ [0-9:]+ with verify$' <<<"$out"
check "it reports vm2 added and synced" \
	grep -qE '^disk vm2: added as source \(/dev/hcxd[0-9]+\); full sync started$' <<<"$out"

nsx site-a ip addr add 192.168.77.1/24 dev br-app
nsx site-b ip addr add 192.168.77.2/24 dev br-app
pinged() {
	local i
	for ((i = 0; i < 15; i++)); do
		nsx site-a ping -c 1 -W 1 192.168.77.2 >/dev/null && return 0
	done
	return 1
}
check "a ping crosses the bridges: the sites are paired" pinged
check_eq "the device is a port of the bridge" "master br-app" \
	"$(nsx site-a ip -o link show hcx0 | grep -o 'master br-app')"
check_eq "so is the planned port" "master br-app" \
	"$(nsx site-a ip -o link show app0 | grep -o 'master br-app')"

check "vm1's full sync ends" wait_idle site-a vm1 120
check "vm2's full sync ends" wait_idle site-a vm2 120
check "vm1's copies are identical" same_bytes "$loop_a1" "$loop_b1"
check "vm2's copies are identical" same_bytes "$loop_a2" "$loop_b2"
now=$(date +%s)
vm1=$(nsx site-a hcxrepl -j disk show vm1)
opts=$(json "' '.join(str(j[0][k]) for k in ('role', 'chunk_bytes', 'streams', 'dedup', 'compress', 'compress_level', 'synced_bytes', 'total_bytes'))" <<<"$vm1")
check_eq "vm1 has the plan's options and is synced" \
	"source 65536 2 True zstd 3 16777216 16777216" "$opts"
check_eq "hcx0 has the plan's dedup cache and MSS clamp" "16777216 1300" \
	"$(nsx site-a hcxrepl -j show hcx0 | json "j[0]['dedup_cache_bytes'], j[0]['mss_clamp']" |
		tr -d "(),'")"
at=$(json "j[0]['switchover_at']" <<<"$vm1")
check "vm1's switchover is scheduled about an hour away" \
	test "$at" -gt $((now + 3300)) -a "$at" -le $((now + 3600))
check_eq "vm2 has no switchover" 0 "$(field site-a vm2 switchover_at)"
check_eq "the targets are targets" "target target" \
	"$(nsx site-b hcxrepl -j disk show | json "' '.join(d['role'] for d in j)")"

# A second apply: unchanged, everywhere.
for s in a b; do
	before=$(snapshot site-$s)
	check_eq "site $s: the snapshot holds hcx0 in br-app and two disks" "1 2" \
		"$(grep -c '^hcx0 br-app ' <<<"$before") $(grep -c '^{' <<<"$before")"
	out=$(nsx site-$s hcxrepl plan apply site-$s.plan)
	check_eq "site $s: a second apply succeeds" 0 $?
	check_eq "site $s: it says unchanged for every object" \
		"interconnect hcx0: unchanged
network br-app: unchanged
disk vm1: unchanged
disk vm2: unchanged" "$out"
	same_as site-$s "site $s: it changes nothing" "$before"
done
check_eq "plan check agrees: nothing to do" \
	"interconnect hcx0: unchanged
network br-app: unchanged
disk vm1: unchanged
disk vm2: unchanged" "$(nsx site-a hcxrepl plan check site-a.plan)"

# Plans that contradict the disks as they are.
awk '/^Name = vm2/ { vm2 = 1 } vm2 && /^Role/ { $0 = "Role = target" } 1' \
	site-a.plan >role.plan
refused site-a role.plan "$(line_of role.plan 'Role = target'): disk 'vm2' exists as source, not target" \
	"a disk that exists with another role is refused"
sed "s#^Backing = $loop_a2#Backing = $loop_spare#" site-a.plan >backing.plan
refused site-a backing.plan "$(line_of backing.plan "$loop_spare"): disk 'vm2' exists with backing .*" \
	"a disk that exists with another backing device is refused"
sed 's/^Chunk = 64K/Chunk = 128K/' site-b.plan >chunk.plan
refused site-b chunk.plan "$(line_of chunk.plan 128K): disk 'vm1' exists with chunk 65536, not 131072" \
	"a disk that exists with another chunk size is refused"

# An option changed in the plan: that option changes, nothing else.
sed 's/^Compress = lz4/Compress = zstd:5/' site-a.plan >zstd.plan
unchanged_by site-a "plan check of the change changes nothing" \
	nsx site-a hcxrepl plan check zstd.plan
check "plan check says it would set it" \
	grep -qx "disk vm2: compress zstd:5 would be set" \
	<<<"$(nsx site-a hcxrepl plan check zstd.plan)"
before=$(snapshot site-a)
disks_before=$(nsx site-a hcxrepl -j disk show)
out=$(nsx site-a hcxrepl plan apply zstd.plan)
check_eq "apply sets just that option and says so" \
	"interconnect hcx0: unchanged
network br-app: unchanged
disk vm1: unchanged
disk vm2: compress zstd:5 set" "$out"
after=$(snapshot site-a)
check_eq "the devices and the bridge are as they were" \
	"$(grep -v '^{' <<<"$before")" "$(grep -v '^{' <<<"$after")"
changes=$(nsx site-a hcxrepl -j disk show | /usr/bin/python3 -c '
import json, sys
before = {d["name"]: d for d in json.loads(sys.argv[1])}
for d in json.load(sys.stdin):
    b = before[d["name"]]
    for k in sorted(set(d) | set(b)):
        if k not in ("stats", "throughput_bps") and d.get(k) != b.get(k):
            print(d["name"], k, b.get(k), d.get(k))' "$disks_before")
check_eq "the disk's compression changed and nothing else did" \
	"vm2 compress lz4 zstd
vm2 compress_level None 5" "$changes"
check_eq "a second apply of it is unchanged" 4 \
	"$(nsx site-a hcxrepl plan apply zstd.plan | grep -c ': unchanged$')"

# The replication rate limit: set in local time, kept in UTC.
sed "s/^ListenPort = $PORT_A\$/&\nRate = 200mbit\nRateWindow = 08:00-18:00 50mbit\nRateWindow = 22:00-06:00 off/" \
	zstd.plan >rate.plan
sed 's/^RateWindow = 22:00-06:00 off/RateWindow = 05:00-07:00 1kbit/' \
	rate.plan >slow.plan
refused site-a slow.plan "$(line_of slow.plan 1kbit): rate '1kbit' is below the least, 100kbit" \
	"a rate below 100kbit is refused"
sed 's/^RateWindow = 22:00-06:00 off/RateWindow = 17:00-19:00 off/' \
	rate.plan >overlap.plan
refused site-a overlap.plan "$(line_of overlap.plan 17:00): window 17:00-19:00 overlaps 08:00-18:00" \
	"overlapping windows are refused"
out=$(nsx site-a env TZ=UTC hcxrepl plan apply rate.plan)
check_eq "a plan's rate limit is set, and said so" \
	"interconnect hcx0: rate 200mbit, 08:00-18:00 50mbit, 22:00-06:00 off set" \
	"$(sed -n 1p <<<"$out")"
check "show has it" grep -q "replication rate: 200mbit, 08:00-18:00 50mbit, 22:00-06:00 off" \
	<<<"$(nsx site-a env TZ=UTC hcxrepl show hcx0)"
check_eq "a second apply leaves it" "interconnect hcx0: unchanged" \
	"$(nsx site-a env TZ=UTC hcxrepl plan apply rate.plan | sed -n 1p)"
check_eq "an apply two zones east sets the windows again" \
	"interconnect hcx0: rate 200mbit, 08:00-18:00 50mbit, 22:00-06:00 off set" \
	"$(nsx site-a env TZ=UTC-2 hcxrepl plan apply rate.plan | sed -n 1p)"
check "which UTC sees two hours earlier" grep -q "06:00-16:00 50mbit, 20:00-04:00 off" \
	<<<"$(nsx site-a env TZ=UTC hcxrepl show hcx0)"
check_eq "a plan without a rate takes the limit away" \
	"interconnect hcx0: rate off set" \
	"$(nsx site-a hcxrepl plan apply zstd.plan | sed -n 1p)"
sed '/^DedupCache/d' zstd.plan >nocache.plan
check_eq "a plan without a dedup cache sets the default" \
	"interconnect hcx0: dedup cache 64M set" \
	"$(nsx site-a hcxrepl plan apply nocache.plan | sed -n 1p)"
check_eq "which show has" 67108864 \
	"$(nsx site-a hcxrepl -j show hcx0 | json "j[0]['dedup_cache_bytes']")"
sed '/^MssClamp/d' nocache.plan >noclamp.plan
check_eq "a plan without an MSS clamp sets auto" \
	"interconnect hcx0: mss clamp auto set" \
	"$(nsx site-a hcxrepl plan apply noclamp.plan | sed -n 1p)"

tap_done
