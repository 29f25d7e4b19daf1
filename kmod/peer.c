// SPDX-License-Identifier: GPL-2.0
/*
 * The peer site of an interconnect device: creation, change and removal.
 *
 * Locking: hcx_device.peer is an RCU pointer, written under the device's
 * conf_lock; the peer's fields are written and read under that lock (the
 * data path, when it comes, reads what it needs under its own locks).  A
 * peer is freed after a grace period, its pre-shared key wiped first.
 */

#include <linux/slab.h>
#include <linux/string.h>

#include "device.h"
#include "peer.h"

static void hcx_peer_free_rcu(struct rcu_head *rcu)
{
	kfree_sensitive(container_of(rcu, struct hcx_peer, rcu));
}

static void hcx_peer_replace(struct hcx_device *hcx, struct hcx_peer *new)
{
	struct hcx_peer *old;

	old = rcu_replace_pointer(hcx->peer, new,
				  lockdep_is_held(&hcx->conf_lock));
	if (old)
		call_rcu(&old->rcu, hcx_peer_free_rcu);
}

/* The settings CFG carries; what it leaves out stays as it is. */
static void hcx_peer_set(struct hcx_peer *peer,
			 const struct hcx_peer_config *cfg)
{
	if (cfg->preshared_key)
		memcpy(peer->preshared_key, cfg->preshared_key, HCXREPL_KEY_LEN);
	if (cfg->endpoint.addr.sa_family != AF_UNSPEC)
		peer->endpoint = cfg->endpoint;
	if (cfg->keepalive >= 0)
		peer->persistent_keepalive = cfg->keepalive;
}

/**
 * hcx_peer_apply - change, create or remove the device's peer
 * @hcx: the device, with conf_lock held
 * @cfg: the change, validated by the caller
 * @extack: where to explain a refusal
 *
 * Return: 0, -EINVAL when a new peer comes without its key, -ENOMEM; the
 * device is unchanged on error.
 */
int hcx_peer_apply(struct hcx_device *hcx, const struct hcx_peer_config *cfg,
		   struct netlink_ext_ack *extack)
{
	struct hcx_peer *peer;
	bool same;

	lockdep_assert_held(&hcx->conf_lock);

	if (cfg->remove) {
		hcx_peer_replace(hcx, NULL);
		return 0;
	}

	peer = rcu_dereference_protected(hcx->peer,
					 lockdep_is_held(&hcx->conf_lock));
	same = peer && (!cfg->public_key ||
			!memcmp(cfg->public_key, peer->public_key,
				HCXREPL_KEY_LEN));
	if (same && !cfg->replace) {
		hcx_peer_set(peer, cfg);
		return 0;
	}

	/* A new peer: nothing of the previous one carries over. */
	if (!cfg->public_key) {
		NL_SET_ERR_MSG(extack, "A new peer needs its public key");
		return -EINVAL;
	}
	peer = kzalloc(sizeof(*peer), GFP_KERNEL);
	if (!peer)
		return -ENOMEM;
	memcpy(peer->public_key, cfg->public_key, HCXREPL_KEY_LEN);
	hcx_peer_set(peer, cfg);
	/* Published whole: readers never see a half-made peer. */
	hcx_peer_replace(hcx, peer);
	return 0;
}

/**
 * hcx_peer_key_after - the peer's public key once CFG is applied
 * @hcx: the device, with conf_lock held
 * @cfg: a change, or NULL for none
 *
 * Return: the key, or NULL when there will be no peer or no key yet.
 */
const u8 *hcx_peer_key_after(struct hcx_device *hcx,
			     const struct hcx_peer_config *cfg)
{
	struct hcx_peer *peer;

	if (cfg && cfg->remove)
		return NULL;
	if (cfg && cfg->public_key)
		return cfg->public_key;
	peer = rcu_dereference_protected(hcx->peer,
					 lockdep_is_held(&hcx->conf_lock));
	return peer ? peer->public_key : NULL;
}

/* Remove the peer as the device goes; RTNL is held, readers are gone. */
void hcx_peer_remove(struct hcx_device *hcx)
{
	mutex_lock(&hcx->conf_lock);
	hcx_peer_replace(hcx, NULL);
	mutex_unlock(&hcx->conf_lock);
}
