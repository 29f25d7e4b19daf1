/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The peer site of an interconnect device: its identity and where to reach
 * it.  A device has at most one peer (one device per site pair).
 */
#ifndef _HCX_PEER_H
#define _HCX_PEER_H

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/netlink.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/socket.h>
#include <linux/workqueue.h>
#include <net/dst_cache.h>
#include <uapi/linux/hcxrepl.h>

#include "messages.h"
#include "replay.h"
#include "session.h"

/* Frames or messages a peer's transmit or receive queue holds at most. */
#define HCX_MAX_QUEUED	1024

struct hcx_device;
struct hcx_handshake_state;

/* An underlay address; sa_family is AF_UNSPEC while it is unknown. */
union hcx_endpoint {
	struct sockaddr addr;
	struct sockaddr_in addr4;
	struct sockaddr_in6 addr6;
};

/* Bits of hcx_peer.flags: work the peer's worker is asked to do. */
enum hcx_peer_flag {
	HCX_PEER_WANT_HANDSHAKE,
	HCX_PEER_WANT_KEEPALIVE,
};

/**
 * struct hcx_peer - the peer site
 * @refcount: hcx_device.peer holds one reference, sessions and the
 *	handshake worker one each while they use the peer
 * @rcu: frees the peer after readers are done
 * @hcx: the device, on which the peer holds a reference
 * @public_key: its static X25519 public key, which identifies it; fixed
 * @dev_tracker: tracks the reference on the device
 * @handshake_lock: serialises handshakes with this peer and guards the
 *	fields down to @last_handshake_ns
 * @dead: the peer was removed; nothing may be scheduled for it any more
 * @preshared_key: the optional pre-shared key, zeroes when none
 * @pending: the handshake this side initiated and awaits a response to
 * @pending_index: the sender index of @pending
 * @pending_sent_ns: when @pending was sent
 * @first_attempt_ns: when the current series of attempts began
 * @greatest_timestamp: the newest initiation timestamp accepted
 * @last_initiation_ns: when the last initiation was accepted
 * @channel_initiations: the replication channel's initiations accepted
 *	recently (replay.c)
 * @cookie: the cookie the peer last sent, for mac2
 * @cookie_birth_ns: when @cookie arrived, 0 for none
 * @last_mac1: mac1 of the last handshake message sent, a cookie's AD
 * @last_sent_index: sender index of that message
 * @last_handshake_ns: wall-clock time of the last completed handshake
 *	(also read locklessly)
 * @endpoint_lock: guards @endpoint and @dst_cache's validity (bh)
 * @endpoint: its underlay address, or AF_UNSPEC to learn it (roaming)
 * @dst_cache: route to @endpoint, reset when it changes; empty while the
 *	device is down, so that a device moved to another namespace never
 *	uses the routes of the one it left
 * @path_room: the largest message the route to @endpoint carried
 *	unfragmented when last used (its MTU less the outer headers), 0
 *	before; written when it changes, read locklessly (mss.c)
 * @persistent_keepalive: seconds between keepalives, 0 for none;
 *	written under the device's conf_lock, read locklessly
 * @sessions: the session slots
 * @staged: frames waiting for a session (bounded, oldest dropped)
 * @tx_queue: frames for @tx_work to seal and send, in order (bounded)
 * @rx_queue: data messages for @rx_work to open and deliver, in order
 *	(bounded); each holds a reference on its session
 * @tx_work: the peer's sender
 * @rx_work: the peer's receiver
 * @work: the peer's worker: handshakes, retries, keepalives, expiry
 * @flags: work asked of the worker (enum hcx_peer_flag)
 *
 * The three times below are written and read with WRITE_ONCE/READ_ONCE.
 * @last_sent_ns: when anything was last sent to the peer (boot clock)
 * @last_data_received_ns: when a frame (not a keepalive) last arrived
 * @unanswered_since_ns: when a frame was sent with nothing authenticated
 *	received since, 0 when answered
 * @tstats: underlay bytes and packets exchanged with the peer
 *
 * Published in hcx_device.peer under RCU, written under the device's
 * conf_lock.  Lock order: conf_lock, handshake_lock, sessions.lock or
 * endpoint_lock.
 */
struct hcx_peer {
	struct kref refcount;
	struct rcu_head rcu;
	struct hcx_device *hcx;
	u8 public_key[HCXREPL_KEY_LEN];
	netdevice_tracker dev_tracker;

	struct mutex handshake_lock; /* handshake state below */
	bool dead;
	u8 preshared_key[HCXREPL_KEY_LEN];
	struct hcx_handshake_state *pending;
	__le32 pending_index;
	u64 pending_sent_ns;
	u64 first_attempt_ns;
	u8 greatest_timestamp[HCX_TIMESTAMP_LEN];
	u64 last_initiation_ns;
	struct hcx_initiations channel_initiations;
	u8 cookie[HCX_MAC_LEN];
	u64 cookie_birth_ns;
	u8 last_mac1[HCX_MAC_LEN];
	__le32 last_sent_index;
	u64 last_handshake_ns;

	rwlock_t endpoint_lock; /* endpoint and dst_cache */
	union hcx_endpoint endpoint;
	struct dst_cache dst_cache;
	unsigned int path_room;

	u16 persistent_keepalive;
	struct hcx_sessions sessions;
	struct sk_buff_head staged;
	struct sk_buff_head tx_queue;
	struct sk_buff_head rx_queue;
	struct work_struct tx_work;
	struct work_struct rx_work;
	struct delayed_work work;
	unsigned long flags;
	u64 last_sent_ns;
	u64 last_data_received_ns;
	u64 unanswered_since_ns;
	struct pcpu_sw_netstats __percpu *tstats;
};

/**
 * struct hcx_peer_config - a validated peer change from a dev-set request
 * @remove: remove the peer; nothing else is set
 * @replace: start from a new peer even for the current peer's key, so that
 *	what this change leaves out is reset
 * @public_key: the peer's key; a different key than the current peer's
 *	replaces that peer
 * @preshared_key: new pre-shared key, or NULL to leave it
 * @endpoint: new endpoint when its family is not AF_UNSPEC
 * @keepalive: new persistent keepalive, or -1 to leave it
 */
struct hcx_peer_config {
	bool remove;
	bool replace;
	const u8 *public_key;
	const u8 *preshared_key;
	union hcx_endpoint endpoint;
	int keepalive;
};

int hcx_peer_apply(struct hcx_device *hcx, const struct hcx_peer_config *cfg,
		   struct netlink_ext_ack *extack);
const u8 *hcx_peer_key_after(struct hcx_device *hcx,
			     const struct hcx_peer_config *cfg);
void hcx_peer_remove(struct hcx_device *hcx);
void hcx_peer_get(struct hcx_peer *peer);
void hcx_peer_put(struct hcx_peer *peer);
struct hcx_peer *hcx_peer_get_rcu(struct hcx_device *hcx);
void hcx_peer_kick(struct hcx_peer *peer, enum hcx_peer_flag flag);
void hcx_peer_queue(struct hcx_peer *peer, struct work_struct *work);
void hcx_peer_set_endpoint(struct hcx_peer *peer,
			   const union hcx_endpoint *endpoint);
void hcx_peer_forget_routes(struct hcx_peer *peer);
void hcx_peer_stage(struct hcx_peer *peer, struct sk_buff *skb);
void hcx_peer_stats_add(struct hcx_peer *peer, bool rx, unsigned int len);

#endif /* _HCX_PEER_H */
