// SPDX-License-Identifier: GPL-2.0
/*
 * Handshakes with the peer site, and the peer's timers.
 *
 * Received handshake messages that passed the cheap checks in receive.c
 * wait in the device's bounded handshake queue; the handshake worker takes
 * them in batches, in process context, where the X25519 work and the
 * sessions' crypto transforms can be afforded:
 *
 *  - an initiation from the configured peer, newer than any accepted
 *    before, is answered; the responder's session waits in the next slot
 *    until the initiator's first data message confirms it;
 *  - a response to this side's pending initiation completes it: the new
 *    session becomes active at once, and the staged frames, or a
 *    keepalive, confirm it to the responder;
 *  - a cookie reply to this side's last message gives the cookie that
 *    mac2 needs while the peer is under load.
 *
 * The peer's worker (hcx_peer_work) is its only timer.  It runs when kicked
 * and then once a second while there is anything to watch: it starts a
 * handshake when asked to (no session, rekey due), retries it every
 * HCX_REKEY_TIMEOUT_NS with fresh keys and gives up after
 * HCX_REKEY_ATTEMPT_NS; starts one when frames sent got no answer for
 * HCX_KEEPALIVE_NS + HCX_REKEY_TIMEOUT_NS (the peer may have restarted);
 * sends keepalives (persistent, and passive ones so that a peer which sent
 * frames hears back); and drops sessions that are too old.
 *
 * Locking: the peer's handshake_lock serialises all of it per peer; the
 * worker and the handshake worker never take conf_lock, so configuration
 * can wait for them.  The device's identity is copied out under RCU.
 */

#include <crypto/curve25519.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/udp.h>

#include "device.h"
#include "handshake.h"
#include "noise.h"
#include "send.h"
#include "socket.h"

/* Handshake messages handled per run of the handshake worker. */
#define HCX_HANDSHAKE_BATCH		16
/* Initiations accepted from the peer at most this often. */
#define HCX_INITIATION_INTERVAL_NS	(NSEC_PER_SEC / 50)
/* A cookie is used for mac2 this long after it arrived. */
#define HCX_COOKIE_VALID_NS		(118ULL * NSEC_PER_SEC)

/**
 * struct hcx_handshake_ctx - a handshake's working memory, on the heap
 * @hs: the transcript
 * @identity: a copy of this site's key pair
 * @send_key: the new session's sending key
 * @recv_key: the new session's receiving key
 * @ephemeral: this side's ephemeral private key
 * @msg: the message being built
 * @msg.initiation: an initiation
 * @msg.response: a response
 */
struct hcx_handshake_ctx {
	struct hcx_handshake_state hs;
	struct hcx_identity identity;
	u8 send_key[HCXREPL_KEY_LEN];
	u8 recv_key[HCXREPL_KEY_LEN];
	u8 ephemeral[HCXREPL_KEY_LEN];
	union {
		struct hcx_msg_initiation initiation;
		struct hcx_msg_response response;
	} msg;
};

static struct hcx_handshake_ctx *hcx_handshake_ctx_new(struct hcx_device *hcx)
{
	struct hcx_handshake_ctx *ctx;
	struct hcx_identity *identity;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return NULL;
	rcu_read_lock();
	identity = rcu_dereference(hcx->identity);
	if (identity)
		memcpy(&ctx->identity, identity, sizeof(*identity));
	rcu_read_unlock();
	if (!identity) {
		kfree(ctx);
		return NULL;
	}
	return ctx;
}

/* A fresh local index, used by no session of the peer and no handshake. */
static __le32 hcx_new_index(struct hcx_peer *peer)
{
	__le32 index;

	lockdep_assert_held(&peer->handshake_lock);
	do {
		index = cpu_to_le32(get_random_u32());
	} while (hcx_sessions_index_used(&peer->sessions, index) ||
		 (peer->pending && index == peer->pending_index));
	return index;
}

/* Fill in mac2 of a message to the peer, and remember its mac1. */
static void hcx_handshake_seal_macs(struct hcx_peer *peer, void *msg,
				    size_t len, __le32 sender_index)
{
	struct hcx_msg_macs *macs = msg + len - sizeof(*macs);
	u64 now = ktime_get_coarse_boottime_ns();

	if (peer->cookie_birth_ns &&
	    now - peer->cookie_birth_ns < HCX_COOKIE_VALID_NS)
		hcx_mac(macs->mac2, peer->cookie, sizeof(peer->cookie), msg,
			(u8 *)macs->mac2 - (u8 *)msg);
	else
		memset(macs->mac2, 0, sizeof(macs->mac2));
	memcpy(peer->last_mac1, macs->mac1, HCX_MAC_LEN);
	peer->last_sent_index = sender_index;
}

/* Send a new initiation to the peer; handshake_lock held. */
static void hcx_handshake_initiate(struct hcx_peer *peer)
{
	struct hcx_handshake_ctx *ctx;
	struct hcx_handshake_state *hs;
	struct timespec64 now;
	u8 timestamp[HCX_TIMESTAMP_LEN];
	__le32 index;
	bool unknown;

	lockdep_assert_held(&peer->handshake_lock);
	/* A device that is down has no socket to send it from. */
	if (!netif_running(peer->hcx->dev))
		return;
	/* Nowhere to send it: the peer will have to initiate (roaming). */
	read_lock_bh(&peer->endpoint_lock);
	unknown = peer->endpoint.addr.sa_family == AF_UNSPEC;
	read_unlock_bh(&peer->endpoint_lock);
	if (unknown)
		return;
	ctx = hcx_handshake_ctx_new(peer->hcx);
	if (!ctx)
		return;
	hs = kzalloc(sizeof(*hs), GFP_KERNEL);
	if (!hs)
		goto out;

	curve25519_generate_secret(ctx->ephemeral);
	ktime_get_real_ts64(&now);
	hcx_tai64n(timestamp, now.tv_sec, now.tv_nsec);
	index = hcx_new_index(peer);
	if (hcx_noise_create_initiation(hs, &ctx->msg.initiation,
					ctx->identity.private_key,
					ctx->identity.public_key,
					peer->public_key, ctx->ephemeral,
					timestamp, le32_to_cpu(index))) {
		kfree_sensitive(hs);
		goto out;
	}
	hcx_handshake_seal_macs(peer, &ctx->msg.initiation,
				sizeof(ctx->msg.initiation), index);

	kfree_sensitive(peer->pending);
	peer->pending = hs;
	peer->pending_index = index;
	peer->pending_sent_ns = ktime_get_coarse_boottime_ns();
	if (!peer->first_attempt_ns)
		peer->first_attempt_ns = peer->pending_sent_ns;
	hcx_socket_send_buffer(peer, &ctx->msg.initiation,
			       sizeof(ctx->msg.initiation));
out:
	kfree_sensitive(ctx);
}

/* The handshake is over: no more attempts until asked again. */
static void hcx_handshake_done(struct hcx_peer *peer)
{
	kfree_sensitive(peer->pending);
	peer->pending = NULL;
	peer->first_attempt_ns = 0;
	clear_bit(HCX_PEER_WANT_HANDSHAKE, &peer->flags);
}

static int hcx_handshake_new_session(struct hcx_peer *peer,
				     struct hcx_handshake_ctx *ctx,
				     __le32 local_index, bool initiator)
{
	__le32 remote_index = ctx->hs.remote_index;
	struct hcx_session *session;

	hcx_noise_derive_keys(&ctx->hs, initiator, ctx->send_key,
			      ctx->recv_key);
	session = hcx_session_create(peer, ctx->send_key, ctx->recv_key,
				     local_index, remote_index, initiator);
	if (IS_ERR(session))
		return PTR_ERR(session);
	hcx_sessions_install(&peer->sessions, session);
	WRITE_ONCE(peer->last_handshake_ns, ktime_get_real_ns());
	/* Sessions need watching: expiry, keepalives. */
	queue_delayed_work(hcx_wq, &peer->work, HZ);
	return 0;
}

static int hcx_handshake_on_initiation(struct hcx_peer *peer,
				       struct hcx_handshake_ctx *ctx,
				       const struct hcx_msg_initiation *msg,
				       const union hcx_endpoint *source)
{
	u64 now = ktime_get_coarse_boottime_ns();
	__le32 index;
	int ret;

	ret = hcx_noise_consume_initiation(&ctx->hs, msg,
					   ctx->identity.private_key,
					   ctx->identity.public_key);
	if (ret)
		return ret;
	/* Another site that knows our key, but not the one we pair with. */
	if (memcmp(ctx->hs.remote_static, peer->public_key, HCXREPL_KEY_LEN))
		return -EPERM;

	mutex_lock(&peer->handshake_lock);
	ret = -EPERM;
	if (peer->dead)
		goto out;
	/* A replayed initiation is never newer than the last one. */
	if (memcmp(ctx->hs.timestamp, peer->greatest_timestamp,
		   HCX_TIMESTAMP_LEN) <= 0)
		goto out;
	ret = -EBUSY;
	if (peer->last_initiation_ns &&
	    now - peer->last_initiation_ns < HCX_INITIATION_INTERVAL_NS)
		goto out;
	memcpy(peer->greatest_timestamp, ctx->hs.timestamp, HCX_TIMESTAMP_LEN);
	peer->last_initiation_ns = now;
	hcx_peer_set_endpoint(peer, source);

	curve25519_generate_secret(ctx->ephemeral);
	index = hcx_new_index(peer);
	ret = hcx_noise_create_response(&ctx->hs, &ctx->msg.response,
					ctx->ephemeral, peer->preshared_key,
					le32_to_cpu(index));
	if (ret)
		goto out;
	hcx_handshake_seal_macs(peer, &ctx->msg.response,
				sizeof(ctx->msg.response), index);
	ret = hcx_handshake_new_session(peer, ctx, index, false);
	if (ret)
		goto out;
	hcx_socket_send_buffer(peer, &ctx->msg.response,
			       sizeof(ctx->msg.response));
out:
	mutex_unlock(&peer->handshake_lock);
	return ret;
}

static int hcx_handshake_on_response(struct hcx_peer *peer,
				     struct hcx_handshake_ctx *ctx,
				     const struct hcx_msg_response *msg,
				     const union hcx_endpoint *source)
{
	int ret = -EPERM;

	mutex_lock(&peer->handshake_lock);
	if (peer->dead || !peer->pending ||
	    msg->receiver_index != peer->pending_index)
		goto out;
	/* On a copy: a forged response must not spoil the real one. */
	memcpy(&ctx->hs, peer->pending, sizeof(ctx->hs));
	ret = hcx_noise_consume_response(&ctx->hs, msg,
					 ctx->identity.private_key,
					 peer->preshared_key);
	if (ret)
		goto out;
	ret = hcx_handshake_new_session(peer, ctx, peer->pending_index, true);
	if (ret)
		goto out;
	hcx_handshake_done(peer);
	hcx_peer_set_endpoint(peer, source);
out:
	mutex_unlock(&peer->handshake_lock);
	if (!ret)
		hcx_send_keepalive(peer); /* or the staged frames */
	return ret;
}

static int hcx_handshake_on_cookie(struct hcx_peer *peer,
				   const struct hcx_msg_cookie *msg)
{
	u8 cookie[HCX_MAC_LEN];
	int ret = -EPERM;

	mutex_lock(&peer->handshake_lock);
	if (peer->dead || msg->receiver_index != peer->last_sent_index)
		goto out;
	ret = hcx_cookie_open_reply(cookie, msg, peer->public_key,
				    peer->last_mac1);
	if (ret)
		goto out;
	memcpy(peer->cookie, cookie, sizeof(cookie));
	peer->cookie_birth_ns = ktime_get_coarse_boottime_ns();
	memzero_explicit(cookie, sizeof(cookie));
out:
	mutex_unlock(&peer->handshake_lock);
	return ret;
}

static void hcx_handshake_consume(struct hcx_device *hcx, struct sk_buff *skb)
{
	const void *msg = skb->data + sizeof(struct udphdr);
	const struct hcx_msg_header *hdr = msg;
	struct hcx_handshake_ctx *ctx;
	union hcx_endpoint source;
	struct hcx_peer *peer;
	int ret = -EPERM;

	hcx_endpoint_from_skb(&source, skb);
	ctx = hcx_handshake_ctx_new(hcx);
	peer = hcx_peer_get_rcu(hcx);
	if (!ctx || !peer)
		goto out;
	hcx_cookie_refresh_sealer(&hcx->cookies, ctx->identity.public_key,
				  ctx->identity.cookie_key);

	switch (hdr->type) {
	case HCX_MSG_INITIATION:
		ret = hcx_handshake_on_initiation(peer, ctx, msg, &source);
		break;
	case HCX_MSG_RESPONSE:
		ret = hcx_handshake_on_response(peer, ctx, msg, &source);
		break;
	case HCX_MSG_COOKIE:
		ret = hcx_handshake_on_cookie(peer, msg);
		break;
	}
	if (!ret)
		hcx_peer_stats_add(peer, true, skb->len - sizeof(struct udphdr));
out:
	if (ret) {
		hcx_drop_count(&hcx->drops, ret == -EBUSY ?
			       HCX_DROP_RX_HANDSHAKE_RATELIMITED :
			       HCX_DROP_RX_HANDSHAKE_INVALID);
		net_dbg_ratelimited("%s: handshake message refused: %d\n",
				    hcx->dev->name, ret);
	}
	hcx_peer_put(peer);
	kfree_sensitive(ctx);
}

/* Queue a checked handshake message; false when the queue is full. */
bool hcx_handshake_enqueue(struct hcx_device *hcx, struct sk_buff *skb)
{
	struct sk_buff_head *queue = &hcx->handshake_queue;

	spin_lock_bh(&queue->lock);
	if (skb_queue_len(queue) >= HCX_HANDSHAKE_QUEUE_LEN) {
		spin_unlock_bh(&queue->lock);
		return false;
	}
	__skb_queue_tail(queue, skb);
	spin_unlock_bh(&queue->lock);
	queue_work(hcx_wq, &hcx->handshake_work);
	return true;
}

void hcx_handshake_work(struct work_struct *work)
{
	struct hcx_device *hcx = container_of(work, struct hcx_device,
					      handshake_work);
	struct sk_buff *skb;
	int done;

	for (done = 0; done < HCX_HANDSHAKE_BATCH; done++) {
		skb = skb_dequeue(&hcx->handshake_queue);
		if (!skb)
			return;
		hcx_handshake_consume(hcx, skb);
		consume_skb(skb);
	}
	/* Take turns with other work under a flood. */
	if (!skb_queue_empty_lockless(&hcx->handshake_queue))
		queue_work(hcx_wq, work);
}

/* Whether the peer's worker has anything left to watch. */
static bool hcx_peer_idle(struct hcx_peer *peer, bool sessions_left)
{
	return !sessions_left && !peer->pending &&
	       !test_bit(HCX_PEER_WANT_HANDSHAKE, &peer->flags) &&
	       !READ_ONCE(peer->persistent_keepalive) &&
	       skb_queue_empty_lockless(&peer->staged);
}

void hcx_peer_work(struct work_struct *work)
{
	struct hcx_peer *peer = container_of(to_delayed_work(work),
					     struct hcx_peer, work);
	u64 now = ktime_get_coarse_boottime_ns();
	u64 last_sent, unanswered, last_data;
	bool sessions_left, keepalive;
	u16 persistent;

	mutex_lock(&peer->handshake_lock);
	if (peer->dead)
		goto out;

	sessions_left = hcx_sessions_expire(&peer->sessions, now);

	/* Frames went out and nothing came back: handshake again. */
	unanswered = READ_ONCE(peer->unanswered_since_ns);
	if (unanswered &&
	    now - unanswered >= HCX_KEEPALIVE_NS + HCX_REKEY_TIMEOUT_NS) {
		WRITE_ONCE(peer->unanswered_since_ns, 0);
		set_bit(HCX_PEER_WANT_HANDSHAKE, &peer->flags);
	}

	if (peer->pending &&
	    now - peer->first_attempt_ns >= HCX_REKEY_ATTEMPT_NS) {
		/* The peer is gone: stop trying, drop what waited for it. */
		hcx_handshake_done(peer);
		hcx_send_purge(peer, &peer->staged);
	} else if (test_bit(HCX_PEER_WANT_HANDSHAKE, &peer->flags) &&
		   (!peer->pending ||
		    now - peer->pending_sent_ns >= HCX_REKEY_TIMEOUT_NS)) {
		hcx_handshake_initiate(peer);
	}

	last_sent = READ_ONCE(peer->last_sent_ns);
	last_data = READ_ONCE(peer->last_data_received_ns);
	persistent = READ_ONCE(peer->persistent_keepalive);
	keepalive = test_and_clear_bit(HCX_PEER_WANT_KEEPALIVE, &peer->flags);
	if (persistent &&
	    now - last_sent >= (u64)persistent * NSEC_PER_SEC)
		keepalive = true;
	if (last_data > last_sent && now - last_data >= HCX_KEEPALIVE_NS)
		keepalive = true;
	if (keepalive)
		hcx_send_keepalive(peer);

	if (!hcx_peer_idle(peer, sessions_left))
		queue_delayed_work(hcx_wq, &peer->work, HZ);
out:
	mutex_unlock(&peer->handshake_lock);
}
