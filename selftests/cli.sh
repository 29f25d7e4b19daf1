#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The CLI's parts that need no kernel module, run on the build machine: key
# commands against RFC 7748 vectors, wg-compatible key format, and one clear
# line with exit status 1 for every kind of bad argument.
. "$(dirname "$0")/lib/tap.sh"
top=$(cd "$(dirname "$0")/.." && pwd)
hcxrepl=$top/userspace/hcxrepl

b64() { xxd -r -p | base64; }
# RFC 7748, section 6.1.
alice_priv=$(echo 77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a | b64)
alice_pub=$(echo 8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a | b64)
bob_priv=$(echo 5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb | b64)
bob_pub=$(echo de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f | b64)

check "pubkey of RFC 7748 Alice" test "$(echo "$alice_priv" | $hcxrepl pubkey)" = "$alice_pub"
check "pubkey of RFC 7748 Bob" test "$(echo "$bob_priv" | $hcxrepl pubkey)" = "$bob_pub"

key=$($hcxrepl genkey)
check "genkey prints 44 base64 characters" \
	bash -c "[[ '$key' =~ ^[A-Za-z0-9+/]{43}=$ ]]"
raw=$(echo "$key" | base64 -d | xxd -p -c 64)
check "genkey clamps like wg (low 3 bits clear)" \
	test $((0x${raw:0:2} & 7)) = 0
check "genkey clamps like wg (top bit clear, next set)" \
	test $((0x${raw:62:2} & 0xc0)) = 64
check "two genkeys differ" test "$key" != "$($hcxrepl genkey)"
check "genpsk prints 32 base64 bytes" \
	test "$($hcxrepl genpsk | base64 -d | wc -c)" = 32
check "pubkey accepts its key without a newline" \
	test "$(printf %s "$alice_priv" | $hcxrepl pubkey)" = "$alice_pub"

check "--version names the version" \
	bash -c "$hcxrepl --version | grep -qx 'hcxrepl $(cat "$top/VERSION")'"
check "help lists every verb" \
	bash -c "h=\$($hcxrepl help); for v in genkey genpsk pubkey show set showconf setconf help; do
		grep -qE \"^ *hcxrepl( \\[[^]]*\\])* \$v\\b\" <<<\"\$h\" || { echo missing \$v; exit 1; }; done"

check_fails "no arguments" "usage|Usage" $hcxrepl
check_fails "unknown command" "^hcxrepl: unknown command 'frobnicate'" $hcxrepl frobnicate
check_fails "unknown option" "^hcxrepl: " $hcxrepl --frobnicate
check_fails "pubkey of garbage" "^hcxrepl: pubkey: " bash -c "echo garbage | $hcxrepl pubkey"
check_fails "pubkey of a short key" "^hcxrepl: pubkey: " bash -c "echo AAAA | $hcxrepl pubkey"
check_fails "genkey with an argument" "^hcxrepl: " $hcxrepl genkey extra
check_fails "set with an unknown word" "^hcxrepl: set: unknown argument 'bogus'" \
	$hcxrepl set hcx0 bogus
check_fails "set with a missing value" "^hcxrepl: set: 'listen-port' needs a value" \
	$hcxrepl set hcx0 listen-port
check_fails "set with a bad port" "^hcxrepl: set: invalid listen-port '99999'" \
	$hcxrepl set hcx0 listen-port 99999
check_fails "set with a bad dedup cache" \
	"^hcxrepl: set: invalid dedup cache '12Q' \\(a size from 1M to 1G\\)" \
	$hcxrepl set hcx0 dedup-cache 12Q
check_fails "set with a dedup cache over 1G" \
	"^hcxrepl: set: invalid dedup cache '2G'" $hcxrepl set hcx0 dedup-cache 2G
check_fails "set with a dedup cache under 1M" \
	"^hcxrepl: set: invalid dedup cache '1023K'" \
	$hcxrepl set hcx0 dedup-cache 1023K
check_fails "set with an MSS clamp under 536" \
	"^hcxrepl: set: invalid mss-clamp '535' \\(auto, off, or an MSS from 536 to 65535\\)" \
	$hcxrepl set hcx0 mss-clamp 535
check_fails "set with an MSS clamp over 65535" \
	"^hcxrepl: set: invalid mss-clamp '65536'" $hcxrepl set hcx0 mss-clamp 65536
check_fails "set with a word for an MSS clamp" \
	"^hcxrepl: set: invalid mss-clamp 'on'" $hcxrepl set hcx0 mss-clamp on
check_fails "set with a missing key file" "^hcxrepl: set: .*nonexistent" \
	$hcxrepl set hcx0 private-key /nonexistent
peer=$(echo "$bob_priv" | $hcxrepl pubkey)
check_fails "set with a bad peer key" "^hcxrepl: set: invalid peer key 'nokey'" \
	$hcxrepl set hcx0 peer nokey
check_fails "set with a bad endpoint" "^hcxrepl: set: invalid endpoint '192.0.2.1'" \
	$hcxrepl set hcx0 peer "$peer" endpoint 192.0.2.1
check_fails "set with an endpoint port 0" "^hcxrepl: set: invalid endpoint" \
	$hcxrepl set hcx0 peer "$peer" endpoint 192.0.2.1:0
check_fails "set with a bad keepalive" "^hcxrepl: set: invalid persistent-keepalive 'soon'" \
	$hcxrepl set hcx0 peer "$peer" persistent-keepalive soon
check_fails "set with an unknown peer word" "^hcxrepl: set: unknown argument 'bogus'" \
	$hcxrepl set hcx0 peer "$peer" bogus
conf=$(mktemp)
printf '[Interface]\nListenPort = 1\nBogus = 2\n' >"$conf"
check_fails "setconf names the file, line and key" \
	"^hcxrepl: setconf: $conf:3: unknown key 'Bogus'" $hcxrepl setconf hcx0 "$conf"
printf '[Peer]\nEndpoint = 192.0.2.1:1\n' >"$conf"
check_fails "setconf wants the peer's key" "^hcxrepl: setconf: $conf: \\[Peer\\] without PublicKey" \
	$hcxrepl setconf hcx0 "$conf"
printf '[Peer]\nPublicKey = %s\n[Peer]\nPublicKey = %s\n' "$peer" "$peer" >"$conf"
check_fails "setconf refuses a second peer" "^hcxrepl: setconf: $conf:3: a second \\[Peer\\]" \
	$hcxrepl setconf hcx0 "$conf"
printf '[Interface]\nDedupCache = 0\n' >"$conf"
check_fails "setconf checks the dedup cache" \
	"^hcxrepl: setconf: $conf:2: invalid dedup cache '0'" \
	$hcxrepl setconf hcx0 "$conf"
printf '[Interface]\nMssClamp = -1\n' >"$conf"
check_fails "setconf checks the MSS clamp" \
	"^hcxrepl: setconf: $conf:2: invalid mss-clamp '-1'" \
	$hcxrepl setconf hcx0 "$conf"
check_fails "setconf of a missing file" "^hcxrepl: setconf: cannot open '/nonexistent'" \
	$hcxrepl setconf hcx0 /nonexistent
rm -f "$conf"

# check_refused TEXT WANT COMMAND...: COMMAND exits with status 1 and its
# standard error is exactly the one line WANT.  The CLI checks every
# argument before it opens a netlink socket, and WANT is a message about
# an argument: had it sent anything, it would have said something else
# (the module is missing, or what the kernel answered).
check_refused() {
	local text=$1 want=$2 err rc=0
	shift 2
	err=$("$@" 2>&1 >/dev/null) || rc=$?
	if [ "$rc" = 1 ] && [ "$err" = "$want" ]; then
		tap_ok "$text"
	else
		tap_not_ok "$text"
		echo "# exit status $rc, wanted 1"
		printf '# stderr: %s\n' "$err"
		echo "# wanted: $want"
	fi
}

# WAN-optimization options of disk add and disk set.  add names a device
# that does not exist, so that an accepted line stops there, sending nothing.
add="$hcxrepl disk add vm1 dev hcx-none backing /dev/null role source"
compress_want="compress must be lz4, zstd[:LEVEL 1-22] or none"
for verb in add set; do
	[ $verb = add ] && cmd=$add || cmd="$hcxrepl disk set vm1"
	check_refused "disk $verb: dedup maybe" \
		"hcxrepl: disk $verb: dedup must be on or off, not 'maybe'" \
		$cmd dedup maybe
	for bad in gzip zstd:0 zstd:23 zstd:x lz4:3; do
		check_refused "disk $verb: compress $bad" \
			"hcxrepl: disk $verb: $compress_want, not '$bad'" \
			$cmd compress $bad
	done
	check_refused "disk $verb: dedup-cache is the device's" \
		"hcxrepl: disk $verb: unknown argument 'dedup-cache'" \
		$cmd dedup-cache 64M
	check_refused "disk $verb: compress without a value" \
		"hcxrepl: disk $verb: 'compress' needs a value" $cmd compress
done
for good in "dedup on compress zstd:1" "dedup off compress zstd:22" \
	"compress zstd" "compress lz4" "compress none"; do
	check_refused "disk add accepts $good" \
		"hcxrepl: disk add: no device 'hcx-none'" $add $good
done

check "an error is one line, with no usage dump after it" \
	test "$($hcxrepl frobnicate 2>&1 | wc -l)" = 1

# Plans refused while the file is read: one line naming the file, the line
# and what is wrong, before any socket is opened.
plandir=$(mktemp -d)
plan=$plandir/site.plan
(umask 077 && $hcxrepl genkey >"$plandir/site.key")
# good_plan: a plan that is refused only for want of the module.
good_plan() {
	cat <<EOF
# A site's half.
[Interconnect]
Device = hcx0
PrivateKeyFile = $plandir/site.key
ListenPort = 51820

[Peer]
PublicKey = $peer
Endpoint = 192.0.2.1:51820

[Disk]
Name = vm1
Backing = /dev/null
Role = target
EOF
}
# plan_refused TEXT LINE WHAT: plan check of $plan says WHAT about LINE.
plan_refused() {
	check_refused "plan: $1" "hcxrepl: plan $plan:$2: $3" $hcxrepl plan check "$plan"
}
good_plan | sed 's/^Role = target/&\nFoo = 1/' >"$plan"
plan_refused "an unknown key" 15 "unknown key 'Foo' in [Disk]"
good_plan | sed 's/^\[Disk\]/[Disc]/' >"$plan"
plan_refused "an unknown section" 11 "unknown section '[Disc]'"
good_plan | sed '/^\[Peer\]/,/^Endpoint/d' >"$plan"
plan_refused "no peer" 11 "missing peer: the plan has no [Peer]"
good_plan | sed '/^PublicKey/d' >"$plan"
plan_refused "a peer without its key" 7 "missing peer: [Peer] without PublicKey"
(good_plan && printf '[Disk]\nName = vm1\nBacking = /dev/null\nRole = target\n') >"$plan"
plan_refused "a disk planned twice" 16 "disk 'vm1' is planned twice (first at line 12)"
good_plan | sed 's/^ListenPort = .*/ListenPort = 65536/' >"$plan"
plan_refused "a bad port" 5 "invalid ListenPort '65536' (0 to 65535)"
good_plan | sed 's/^Role = target/Role = primary/' >"$plan"
plan_refused "a bad role" 14 "invalid Role 'primary' (source or target)"
good_plan | sed 's/^Role = target/&\nStreams = 17/' >"$plan"
plan_refused "a bad number of streams" 15 "invalid Streams '17' (1 to 16)"
good_plan | sed 's/^Role = target/&\nChunk = 48K/' >"$plan"
plan_refused "a chunk size not a power of two" 15 \
	"invalid Chunk '48K' (a power of two from 4K to 1M)"
good_plan | sed 's/^Device = hcx0/&\nDedupCache = 2G/' >"$plan"
plan_refused "a dedup cache over 1G" 4 "invalid dedup cache '2G' (a size from 1M to 1G)"
good_plan | sed 's/^Role = target/&\nDedupCache = 16M/' >"$plan"
plan_refused "a dedup cache in a disk's section" 15 \
	"DedupCache belongs in [Interconnect], not [Disk]"
good_plan | sed 's/^Device = hcx0/&\ndevice = hcx1/' >"$plan"
plan_refused "a key given twice" 4 "Device is given twice in [Interconnect] (first at line 3)"
good_plan | sed 's/^Role = target/&\nSync = full/' >"$plan"
plan_refused "Sync on a target" 15 "Sync on target disk 'vm1': only a source syncs"
good_plan | sed 's/^Role = target/Role = source\nSwitchover = @1/' >"$plan"
plan_refused "a switchover time past" 15 "the Switchover time '@1' is not in the future"
good_plan | sed 's/^Role = target/Role = source\nSwitchover = 25:00 verify/' >"$plan"
plan_refused "a switchover time that is not one" 15 \
	"invalid Switchover time '25:00' (HH:MM[:SS], +SECONDS or @EPOCH)"
good_plan | sed '/^Backing/d' >"$plan"
plan_refused "a disk without its backing" 11 "[Disk] without Backing"
good_plan | sed 's#^PrivateKeyFile = .*#PrivateKeyFile = /nonexistent#' >"$plan"
plan_refused "a key file that is missing" 4 \
	"cannot open '/nonexistent': No such file or directory"
good_plan | sed 's#^Backing = .*#Backing = /dev/no-such-disk#' >"$plan"
plan_refused "a backing device that does not exist" 13 \
	"backing device '/dev/no-such-disk' of disk 'vm1' does not exist"
good_plan | sed 's#^Backing = .*#Backing = /etc/hostname#' >"$plan"
plan_refused "a backing file that is not a block device" 13 \
	"backing '/etc/hostname' of disk 'vm1' is not a block device"
good_plan | sed "s#^PublicKey = .*#PublicKey = $($hcxrepl pubkey <"$plandir/site.key")#" >"$plan"
plan_refused "a peer whose key is this site's own" 8 "the peer's PublicKey is this site's own"
printf 'Device = hcx0\n' >"$plan"
plan_refused "a key before any section" 1 "key 'Device' before any section"
check_refused "plan of a file that is missing" \
	"hcxrepl: plan: cannot open '/nonexistent': No such file or directory" \
	$hcxrepl plan apply /nonexistent
check_refused "plan without a file" \
	"hcxrepl: plan: say apply or check, and a file (hcxrepl plan apply|check FILE)" \
	$hcxrepl plan apply
check_refused "plan check reads standard input" \
	"hcxrepl: plan -:1: key 'Device' before any section" \
	$hcxrepl plan check - <"$plan"
check "help lists plan" bash -c "$hcxrepl help | grep -q '^  hcxrepl plan apply|check FILE'"
rm -rf "$plandir"
tap_done
