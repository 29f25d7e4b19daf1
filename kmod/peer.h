/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The peer site of an interconnect device: its identity and where to reach
 * it.  A device has at most one peer (one device per site pair).
 */
#ifndef _HCX_PEER_H
#define _HCX_PEER_H

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/netlink.h>
#include <linux/rcupdate.h>
#include <linux/socket.h>
#include <uapi/linux/hcxrepl.h>

struct hcx_device;

/* An underlay address; sa_family is AF_UNSPEC while it is unknown. */
union hcx_endpoint {
	struct sockaddr addr;
	struct sockaddr_in addr4;
	struct sockaddr_in6 addr6;
};

/**
 * struct hcx_peer - the peer site
 * @rcu: frees the peer after readers are done
 * @public_key: its static X25519 public key, which identifies it
 * @preshared_key: the optional pre-shared key, zeroes when none
 * @endpoint: its underlay address, or AF_UNSPEC to learn it (roaming)
 * @persistent_keepalive: seconds between keepalives, 0 for none
 *
 * Published in hcx_device.peer under RCU; its fields are written and read
 * under the device's conf_lock.
 */
struct hcx_peer {
	struct rcu_head rcu;
	u8 public_key[HCXREPL_KEY_LEN];
	u8 preshared_key[HCXREPL_KEY_LEN];
	union hcx_endpoint endpoint;
	u16 persistent_keepalive;
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

#endif /* _HCX_PEER_H */
