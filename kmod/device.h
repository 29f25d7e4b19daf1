/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interconnect device: an Ethernet-type netdevice per site pair.
 */
#ifndef _HCX_DEVICE_H
#define _HCX_DEVICE_H

#include <linux/if_vlan.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/workqueue.h>
#include <net/gro_cells.h>
#include <uapi/linux/hcxrepl.h>

#include "cookie.h"
#include "messages.h"
#include "peer.h"
#include "rate.h"
#include "socket.h"
#include "stats.h"

/**
 * struct hcx_identity - this site's static key pair
 * @rcu: frees a replaced identity after readers are done
 * @private_key: the X25519 private key
 * @public_key: its public key
 * @mac1_key: HASH(LABEL_MAC1 || public key): checks mac1 of messages to us
 * @cookie_key: HASH(LABEL_COOKIE || public key): seals our cookie replies
 *
 * Immutable once published; replaced whole.
 */
struct hcx_identity {
	struct rcu_head rcu;
	u8 private_key[HCXREPL_KEY_LEN];
	u8 public_key[HCXREPL_KEY_LEN];
	u8 mac1_key[HCX_HASH_LEN];
	u8 cookie_key[HCX_HASH_LEN];
};

/**
 * struct hcx_device - private part of an interconnect netdevice
 * @dev: the netdevice this is the private area of
 * @conf_lock: serialises configuration changes and readers of the
 *	configuration; taken after RTNL when both are held
 * @identity: this site's key pair, or NULL; RCU, written under @conf_lock
 * @listen_port: UDP port of the interconnect, TCP port of replication;
 *	while the device is up, the port its sockets are bound to (RTNL and
 *	@conf_lock to write, either to read)
 * @sock4: the IPv4 UDP socket while up; RCU, written under RTNL
 * @sock6: the IPv6 UDP socket while up, if IPv6 is available; likewise
 * @listen4: the IPv4 replication listener while up; RTNL
 * @listen6: the IPv6 one, if IPv6 is available; RTNL
 * @peer: the peer site, or NULL; RCU, written under @conf_lock
 * @gro_cells: hands received frames to the stack through GRO
 * @handshake_queue: handshake messages waiting for the handshake worker;
 *	bounded, its own lock
 * @handshake_work: the handshake worker
 * @cookies: the cookie and rate-limit defence of the handshake
 * @drops: drop counters by reason, lockless
 * @rate: the replication rate limit; its own lock and references
 * @dedup_cache: the memory cap of the deduplication index its source
 *	disks share (pool.c); written under @conf_lock, read without it
 * @mss_clamp: the MSS clamp setting (HCXREPL_MSS_CLAMP_*, or an MSS;
 *	mss.c); written under @conf_lock, read without it
 */
struct hcx_device {
	struct net_device *dev;
	struct mutex conf_lock; /* configuration; taken after RTNL */
	struct hcx_identity __rcu *identity;
	u16 listen_port;
	struct socket __rcu *sock4;
	struct socket __rcu *sock6;
	struct hcx_listener *listen4;
	struct hcx_listener *listen6;
	struct hcx_peer __rcu *peer;
	struct gro_cells gro_cells;
	struct sk_buff_head handshake_queue;
	struct work_struct handshake_work;
	struct hcx_cookie_checker cookies;
	struct hcx_drop_stats drops;
	struct hcx_rate *rate;
	u64 dedup_cache;
	u16 mss_clamp;
};

static inline u64 hcx_device_dedup_cache(const struct hcx_device *hcx)
{
	return READ_ONCE(hcx->dedup_cache);
}

/* The largest frame the device sends or delivers: a VLAN tag included. */
static inline unsigned int hcx_max_frame(const struct net_device *dev)
{
	return dev->mtu + dev->hard_header_len + VLAN_HLEN;
}

/* The module's workqueue: handshakes, peer timers, freeing sessions. */
extern struct workqueue_struct *hcx_wq;

int hcx_device_init(void);
void hcx_device_uninit(void);
bool hcx_is_device(const struct net_device *dev);
int hcx_key_public(u8 public[HCXREPL_KEY_LEN],
		   const u8 private[HCXREPL_KEY_LEN]);
struct hcx_identity *hcx_identity_new(const u8 private[HCXREPL_KEY_LEN],
				      const u8 public[HCXREPL_KEY_LEN]);
void hcx_device_set_identity(struct hcx_device *hcx,
			     struct hcx_identity *identity);
struct hcx_identity *hcx_device_identity(struct hcx_device *hcx);
void hcx_device_rebind(struct hcx_device *hcx, struct hcx_sockets *socks);
int hcx_device_set_private_key(struct hcx_device *hcx,
			       const u8 key[HCXREPL_KEY_LEN]);

#endif /* _HCX_DEVICE_H */
