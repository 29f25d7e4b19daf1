# SPDX-License-Identifier: GPL-2.0
# Sourced by bench_disk_site.sh at site A in its wan mode: full syncs of
# the image through the clean, lossy and outage profiles, for hcxrepl and
# for DRBD (see the top of bench_disk_site.sh); between them and after,
# fio on a busy source (bench_fio_site.sh).
. selftests/bench_fio_site.sh

modprobe -a ifb act_mirred cls_matchall sch_ingress
ip link add ifb0 type ifb
ip link set ifb0 up
tc qdisc add dev eth0 handle ffff: ingress
tc filter add dev eth0 parent ffff: matchall \
	action mirred egress redirect dev ifb0

# shape clean|lossy|down: both directions of the link.
shape() {
	local netem="rate ${mbit}mbit" dev
	case $1 in
	lossy) netem="$netem delay ${WAN_DELAY_MS}ms loss ${WAN_LOSS}%" ;;
	down) netem="$netem delay ${WAN_DELAY_MS}ms loss 100%" ;;
	esac
	for dev in eth0 ifb0; do
		# shellcheck disable=SC2086 # netem's words
		tc qdisc replace dev $dev root netem $netem
	done
}
# begin PROFILE: shape the link for a sync through PROFILE.
begin() {
	case $1 in
	clean) shape clean ;;
	*) shape lossy ;;
	esac
}
# during PROFILE: what happens to the link once a sync runs.
during() {
	[ "$1" = outage ] || return 0
	sleep 4
	shape down
	sleep $WAN_OUTAGE
	shape lossy
}
# took PROFILE START: the seconds a sync took, an outage taken away.
took() {
	if [ "$1" = outage ]; then
		echo "$(since "$2") - $WAN_OUTAGE" | bc
	else
		since "$2"
	fi
}
drbd_synced() {
	[ "$(drbd_state)" = "Connected UpToDate/UpToDate" ]
}

hcxrepl disk add vm1 dev hcx0 backing /dev/loop4 role source \
	dedup off compress none
for profile in clean lossy outage; do
	begin $profile
	t=$(now)
	hcxrepl disk sync vm1 full
	during $profile
	until hcx_idle; do
		sleep 0.1
	done
	secs=$(took $profile "$t")
	[ "$(hcxrepl -j disk show vm1 | json "j[0]['last_error']")" = 0 ]
	echo "result hcxrepl $profile $secs $size"
done
hcxrepl disk del vm1
fio_hcxrepl

# DRBD: the initial sync of a new resource, then a full resync of the
# peer (invalidate-remote) for each profile after the first.
shape clean
drbd -- --force create-md bench >/dev/null
drbd up bench
until [ "$(drbd_state)" = "Connected Inconsistent/Inconsistent" ]; do
	sleep 0.1
done
for profile in clean lossy outage; do
	begin $profile
	t=$(now)
	if [ $profile = clean ]; then
		drbd primary --force bench
	else
		drbd invalidate-remote bench
	fi
	for i in $(seq 100); do
		drbd_synced || break
		sleep 0.05
	done
	during $profile
	until drbd_synced; do
		sleep 0.1
	done
	echo "result drbd $profile $(took $profile "$t") $size"
done
fio_drbd
drbd down bench
