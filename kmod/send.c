// SPDX-License-Identifier: GPL-2.0
/*
 * Frames leaving through the interconnect: each becomes one data message,
 * sealed with the active session's sending key and sent to the peer.
 *
 * The device transmits locklessly, so every CPU that hands it a frame
 * seals that frame itself: crypto runs on all CPUs that send, outside any
 * transmit lock.  A frame's counter (its nonce) is taken before its crypto
 * starts; an asynchronous AEAD completes requests in the order it got
 * them, and frames sent by different CPUs may cross on the way, which the
 * receiver's replay window absorbs.
 *
 * Without a usable session a frame is staged on the peer (bounded) and the
 * peer's worker starts a handshake; the frames follow once it completes.
 *
 * Context: softirq (ndo_start_xmit runs with bottom halves off) or process
 * context for keepalives and staged frames; nothing here sleeps.
 */

#include <linux/etherdevice.h>
#include <linux/skbuff.h>

#include "device.h"
#include "send.h"
#include "socket.h"

static void hcx_send_drop(struct hcx_device *hcx, struct sk_buff *skb,
			  enum hcx_drop_reason reason)
{
	hcx_drop_count(&hcx->drops, reason);
	dev_core_stats_tx_dropped_inc(hcx->dev);
	kfree_skb(skb);
}

/* The sealed message is ready: send it. */
static void hcx_send_sealed(struct sk_buff *skb, int err)
{
	struct hcx_session *session = HCX_SKB_CB(skb)->session;
	unsigned int frame_len = HCX_SKB_CB(skb)->frame_len;
	struct hcx_peer *peer = session->peer;
	struct hcx_device *hcx = peer->hcx;

	if (unlikely(err)) {
		net_dbg_ratelimited("%s: sealing failed: %d\n",
				    hcx->dev->name, err);
		hcx_send_drop(hcx, skb, HCX_DROP_TX_UNREACHABLE);
		goto out;
	}
	if (hcx_socket_send_skb(peer, skb)) {
		dev_core_stats_tx_dropped_inc(hcx->dev);
		goto out;
	}
	if (frame_len) {
		dev_sw_netstats_tx_add(hcx->dev, 1, frame_len);
		if (!READ_ONCE(peer->unanswered_since_ns))
			WRITE_ONCE(peer->unanswered_since_ns,
				   ktime_get_coarse_boottime_ns());
	}
out:
	hcx_session_put(session);
}

/* Seal SKB as message COUNTER of SESSION, whose reference it takes over. */
static void hcx_send_seal(struct hcx_session *session, struct sk_buff *skb,
			  u64 counter)
{
	struct hcx_skb_cb *cb = HCX_SKB_CB(skb);
	unsigned int len = skb->len;
	struct hcx_msg_data *msg;
	struct sk_buff *trailer;
	int nsg;

	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		goto drop;
	if (skb_cow_head(skb, HCX_SEND_HEADROOM))
		goto drop;
	nsg = skb_cow_data(skb, HCX_TAG_LEN, &trailer);
	if (nsg < 0)
		goto drop;
	pskb_put(skb, trailer, HCX_TAG_LEN);

	msg = skb_push(skb, sizeof(*msg));
	memset(&msg->header, 0, sizeof(msg->header));
	msg->header.type = HCX_MSG_DATA;
	msg->receiver_index = session->remote_index;
	msg->counter = cpu_to_le64(counter);

	cb->session = session;
	cb->counter = counter;
	cb->done = hcx_send_sealed;
	cb->frame_len = len;
	hcx_session_crypt(skb, nsg, true, sizeof(*msg), len);
	return;

drop:
	hcx_send_drop(session->peer->hcx, skb, HCX_DROP_TX_UNREACHABLE);
	hcx_session_put(session);
}

/**
 * hcx_send_frame - seal and send a frame, or stage it for the next session
 * @peer: the peer
 * @skb: an Ethernet frame, or an empty skb for a keepalive; consumed
 */
void hcx_send_frame(struct hcx_peer *peer, struct sk_buff *skb)
{
	struct hcx_session *session;
	u64 counter, now;

	session = hcx_sessions_sending(&peer->sessions);
	if (!session)
		goto stage;
	counter = atomic64_fetch_inc(&session->send_counter);
	if (unlikely(counter >= HCX_REJECT_AFTER_MESSAGES)) {
		hcx_session_put(session);
		goto stage;
	}

	/* Rekey in time: the initiator by age, either side by count. */
	now = ktime_get_coarse_boottime_ns();
	if (counter >= hcx_rekey_after_messages() ||
	    (session->initiator &&
	     now - session->birth_ns >= hcx_rekey_after_ns()))
		hcx_peer_kick(peer, HCX_PEER_WANT_HANDSHAKE);

	hcx_send_seal(session, skb, counter);
	return;

stage:
	hcx_peer_stage(peer, skb);
	hcx_peer_kick(peer, HCX_PEER_WANT_HANDSHAKE);
}

/* Send the frames staged while there was no session. */
void hcx_send_staged(struct hcx_peer *peer)
{
	struct sk_buff_head frames;
	struct sk_buff *skb;
	unsigned long flags;

	__skb_queue_head_init(&frames);
	spin_lock_irqsave(&peer->staged.lock, flags);
	skb_queue_splice_init(&peer->staged, &frames);
	spin_unlock_irqrestore(&peer->staged.lock, flags);

	while ((skb = __skb_dequeue(&frames)))
		hcx_send_frame(peer, skb);
}

/* An empty data message: keeps NAT state and proves the session alive. */
void hcx_send_keepalive(struct hcx_peer *peer)
{
	struct sk_buff *skb;

	if (!skb_queue_empty_lockless(&peer->staged)) {
		hcx_send_staged(peer);
		return;
	}
	skb = alloc_skb(HCX_SEND_HEADROOM + HCX_TAG_LEN, GFP_ATOMIC);
	if (!skb)
		return;
	skb_reserve(skb, HCX_SEND_HEADROOM);
	hcx_send_frame(peer, skb);
}

netdev_tx_t hcx_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct hcx_device *hcx = netdev_priv(dev);
	struct hcx_peer *peer;

	if (unlikely(skb->len > hcx_max_frame(dev))) {
		hcx_send_drop(hcx, skb, HCX_DROP_TX_OVERSIZED);
		return NETDEV_TX_OK;
	}

	/* Called with bottom halves off: an RCU-bh read section. */
	peer = rcu_dereference_bh(hcx->peer);
	if (unlikely(!peer)) {
		hcx_send_drop(hcx, skb, HCX_DROP_TX_NO_SESSION);
		return NETDEV_TX_OK;
	}
	skb_orphan(skb);
	skb_dst_drop(skb);
	hcx_send_frame(peer, skb);
	return NETDEV_TX_OK;
}
