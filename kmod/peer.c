// SPDX-License-Identifier: GPL-2.0
/*
 * The peer site of an interconnect device: creation, change and removal.
 *
 * Lifetime: the device holds a reference on its peer while the peer is
 * published in hcx_device.peer; sessions and the handshake worker hold
 * their own.  Removal unpublishes the peer, marks it dead, stops its
 * worker and drops its sessions; the last reference frees it after a grace
 * period, its pre-shared key wiped with it.
 *
 * Locking: hcx_device.peer is an RCU pointer written under the device's
 * conf_lock; the peer's own locks are described in peer.h.
 */

#include <linux/slab.h>
#include <linux/string.h>

#include "device.h"
#include "handshake.h"
#include "peer.h"
#include "receive.h"
#include "send.h"

/* Frames kept while a handshake is under way; older ones are dropped. */
#define HCX_MAX_STAGED	128

static void hcx_peer_free_rcu(struct rcu_head *rcu)
{
	struct hcx_peer *peer = container_of(rcu, struct hcx_peer, rcu);

	skb_queue_purge(&peer->staged);
	skb_queue_purge(&peer->tx_queue);
	dst_cache_destroy(&peer->dst_cache);
	free_percpu(peer->tstats);
	netdev_put(peer->hcx->dev, &peer->dev_tracker);
	kfree_sensitive(peer);
}

static void hcx_peer_release(struct kref *ref)
{
	struct hcx_peer *peer = container_of(ref, struct hcx_peer, refcount);

	call_rcu(&peer->rcu, hcx_peer_free_rcu);
}

void hcx_peer_get(struct hcx_peer *peer)
{
	kref_get(&peer->refcount);
}

void hcx_peer_put(struct hcx_peer *peer)
{
	if (peer)
		kref_put(&peer->refcount, hcx_peer_release);
}

/* The device's peer with a reference, or NULL; any context. */
struct hcx_peer *hcx_peer_get_rcu(struct hcx_device *hcx)
{
	struct hcx_peer *peer;

	rcu_read_lock_bh();
	peer = rcu_dereference_bh(hcx->peer);
	if (peer && !kref_get_unless_zero(&peer->refcount))
		peer = NULL;
	rcu_read_unlock_bh();
	return peer;
}

/*
 * Ask the peer's worker for FLAG's work now.  The check of dead and the
 * queueing share one RCU read section: hcx_peer_kill() waits for it before
 * cancelling the worker, so nothing is queued for a removed peer.  A flag
 * already set needs no new kick: the worker clears a keepalive request
 * when it sends one, and keeps running while a handshake is wanted.
 */
void hcx_peer_kick(struct hcx_peer *peer, enum hcx_peer_flag flag)
{
	/* Asked already: the worker has not seen it yet, or keeps watching. */
	if (test_and_set_bit(flag, &peer->flags))
		return;
	rcu_read_lock_bh();
	if (!READ_ONCE(peer->dead))
		mod_delayed_work(hcx_wq, &peer->work, 0);
	rcu_read_unlock_bh();
}

/* Queue the peer's sender or receiver, unless the peer is dead; as above. */
void hcx_peer_queue(struct hcx_peer *peer, struct work_struct *work)
{
	rcu_read_lock_bh();
	if (!READ_ONCE(peer->dead))
		queue_work(hcx_wq, work);
	rcu_read_unlock_bh();
}

void hcx_peer_set_endpoint(struct hcx_peer *peer,
			   const union hcx_endpoint *endpoint)
{
	bool same;

	/* Every data message calls this: change rarely, read cheaply. */
	read_lock_bh(&peer->endpoint_lock);
	same = !memcmp(&peer->endpoint, endpoint, sizeof(*endpoint));
	read_unlock_bh(&peer->endpoint_lock);
	if (same)
		return;

	write_lock_bh(&peer->endpoint_lock);
	if (memcmp(&peer->endpoint, endpoint, sizeof(*endpoint))) {
		peer->endpoint = *endpoint;
		dst_cache_reset(&peer->dst_cache);
	}
	write_unlock_bh(&peer->endpoint_lock);
}

/*
 * Drop the routes cached to the endpoint, and the references they hold,
 * now.  The device's sockets are closed, so nothing sends (a sender finds
 * no socket before it looks at the cache); the next sockets may be in
 * another namespace, where these routes lead nowhere.
 */
void hcx_peer_forget_routes(struct hcx_peer *peer)
{
	write_lock_bh(&peer->endpoint_lock);
	dst_cache_reset_now(&peer->dst_cache);
	write_unlock_bh(&peer->endpoint_lock);
}

void hcx_peer_stats_add(struct hcx_peer *peer, bool rx, unsigned int len)
{
	struct pcpu_sw_netstats *stats = get_cpu_ptr(peer->tstats);

	u64_stats_update_begin(&stats->syncp);
	if (rx) {
		u64_stats_inc(&stats->rx_packets);
		u64_stats_add(&stats->rx_bytes, len);
	} else {
		u64_stats_inc(&stats->tx_packets);
		u64_stats_add(&stats->tx_bytes, len);
	}
	u64_stats_update_end(&stats->syncp);
	put_cpu_ptr(stats);
}

/* Keep SKB until a session exists; any context. */
void hcx_peer_stage(struct hcx_peer *peer, struct sk_buff *skb)
{
	struct sk_buff *old = NULL;
	unsigned long flags;

	spin_lock_irqsave(&peer->staged.lock, flags);
	if (skb_queue_len(&peer->staged) >= HCX_MAX_STAGED)
		old = __skb_dequeue(&peer->staged);
	__skb_queue_tail(&peer->staged, skb);
	spin_unlock_irqrestore(&peer->staged.lock, flags);
	if (old)
		hcx_send_drop(peer->hcx, old, HCX_DROP_TX_NO_SESSION);
}

static struct hcx_peer *hcx_peer_create(struct hcx_device *hcx,
					const u8 public_key[HCXREPL_KEY_LEN])
{
	struct hcx_peer *peer;

	peer = kzalloc(sizeof(*peer), GFP_KERNEL);
	if (!peer)
		return NULL;
	peer->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!peer->tstats)
		goto err_peer;
	if (dst_cache_init(&peer->dst_cache, GFP_KERNEL))
		goto err_stats;

	kref_init(&peer->refcount);
	peer->hcx = hcx;
	netdev_hold(hcx->dev, &peer->dev_tracker, GFP_KERNEL);
	memcpy(peer->public_key, public_key, HCXREPL_KEY_LEN);
	mutex_init(&peer->handshake_lock);
	rwlock_init(&peer->endpoint_lock);
	hcx_sessions_init(&peer->sessions);
	skb_queue_head_init(&peer->staged);
	skb_queue_head_init(&peer->tx_queue);
	skb_queue_head_init(&peer->rx_queue);
	INIT_WORK(&peer->tx_work, hcx_send_work);
	INIT_WORK(&peer->rx_work, hcx_receive_work);
	INIT_DELAYED_WORK(&peer->work, hcx_peer_work);
	return peer;

err_stats:
	free_percpu(peer->tstats);
err_peer:
	kfree(peer);
	return NULL;
}

/*
 * Stop everything a removed peer does and drop the device's reference.
 * The peer is no longer published; its worker never takes conf_lock, so
 * waiting for it here, under conf_lock, cannot deadlock.
 */
static void hcx_peer_kill(struct hcx_peer *peer)
{
	mutex_lock(&peer->handshake_lock);
	WRITE_ONCE(peer->dead, true);
	kfree_sensitive(peer->pending);
	peer->pending = NULL;
	mutex_unlock(&peer->handshake_lock);

	/* No kick is in flight past this, so the workers stay cancelled. */
	synchronize_net();
	cancel_delayed_work_sync(&peer->work);
	cancel_work_sync(&peer->tx_work);
	cancel_work_sync(&peer->rx_work);
	hcx_send_purge(peer, &peer->tx_queue);
	hcx_receive_purge(peer);
	hcx_sessions_clear(&peer->sessions);
	hcx_send_purge(peer, &peer->staged);
	hcx_peer_put(peer);
}

static void hcx_peer_replace(struct hcx_device *hcx, struct hcx_peer *new)
{
	struct hcx_peer *old;

	old = rcu_replace_pointer(hcx->peer, new,
				  lockdep_is_held(&hcx->conf_lock));
	if (old)
		hcx_peer_kill(old);
}

/* The settings CFG carries; what it leaves out stays as it is. */
static void hcx_peer_set(struct hcx_peer *peer,
			 const struct hcx_peer_config *cfg)
{
	if (cfg->preshared_key) {
		mutex_lock(&peer->handshake_lock);
		memcpy(peer->preshared_key, cfg->preshared_key, HCXREPL_KEY_LEN);
		mutex_unlock(&peer->handshake_lock);
	}
	if (cfg->endpoint.addr.sa_family != AF_UNSPEC)
		hcx_peer_set_endpoint(peer, &cfg->endpoint);
	if (cfg->keepalive >= 0) {
		WRITE_ONCE(peer->persistent_keepalive, cfg->keepalive);
		/* A device that is down starts it when it comes up. */
		if (cfg->keepalive && netif_running(peer->hcx->dev))
			hcx_peer_kick(peer, HCX_PEER_WANT_KEEPALIVE);
	}
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
	peer = hcx_peer_create(hcx, cfg->public_key);
	if (!peer)
		return -ENOMEM;
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
