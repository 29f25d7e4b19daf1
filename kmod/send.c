// SPDX-License-Identifier: GPL-2.0
/*
 * Frames leaving through the interconnect: each becomes one data message,
 * sealed with the active session's sending key and sent to the peer.
 *
 * The device transmits locklessly and only queues: hcx_xmit() puts the
 * frame on the peer's transmit queue (bounded) and the peer's sender, a
 * work item, seals and sends the queue in order.  The device takes GSO
 * frames, which the sender segments, so that the stack above passes
 * large frames once instead of each segment.  Crypto thus runs off
 * the transmit path, on another CPU than the one producing the frames
 * while the receiver (receive.c) opens on a third, and a frame's counter
 * (its nonce) is taken in the order frames leave.
 *
 * Without a usable session a frame is staged on the peer (bounded) and the
 * peer's worker starts a handshake; the frames follow once it completes.
 *
 * Context: hcx_xmit() and hcx_send_queue() any context; the sender runs in
 * process context and does not sleep while it seals.
 */

#include <linux/etherdevice.h>
#include <linux/skbuff.h>

#include "compat.h"
#include "device.h"
#include "mss.h"
#include "send.h"
#include "socket.h"

/* Frames the sender handles before letting other work run. */
#define HCX_SEND_BATCH	16

/* Drop a frame that will not be sent, counted under REASON; any context. */
void hcx_send_drop(struct hcx_device *hcx, struct sk_buff *skb,
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

/* Seal and send a frame, or stage it for the next session. */
static void hcx_send_frame(struct hcx_peer *peer, struct sk_buff *skb)
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

/**
 * hcx_send_queue - queue a frame for the peer's sender
 * @peer: the peer, found under RCU or held
 * @skb: an Ethernet frame, or an empty skb for a keepalive; consumed
 */
void hcx_send_queue(struct hcx_peer *peer, struct sk_buff *skb)
{
	struct sk_buff_head *queue = &peer->tx_queue;
	unsigned long flags;

	spin_lock_irqsave(&queue->lock, flags);
	if (skb_queue_len(queue) >= HCX_MAX_QUEUED) {
		spin_unlock_irqrestore(&queue->lock, flags);
		hcx_send_drop(peer->hcx, skb, HCX_DROP_TX_QUEUE_FULL);
		return;
	}
	__skb_queue_tail(queue, skb);
	spin_unlock_irqrestore(&queue->lock, flags);
	hcx_peer_queue(peer, &peer->tx_work);
}

/* The peer's sender: seals and sends the transmit queue, in order. */
void hcx_send_work(struct work_struct *work)
{
	struct hcx_peer *peer = container_of(work, struct hcx_peer, tx_work);
	struct sk_buff *skb, *segs, *seg, *next;
	int done;

	for (done = 0; done < HCX_SEND_BATCH; done++) {
		skb = skb_dequeue(&peer->tx_queue);
		if (!skb)
			break;
		if (!skb_is_gso(skb)) {
			hcx_send_frame(peer, skb);
			continue;
		}
		/* Segmenting here, not in the stack, spares the sending CPU. */
		segs = skb_gso_segment(skb, 0);
		if (IS_ERR_OR_NULL(segs)) {
			hcx_send_drop(peer->hcx, skb, HCX_DROP_TX_OVERSIZED);
			continue;
		}
		consume_skb(skb);
		skb_list_walk_safe(segs, seg, next) {
			skb_mark_not_on_list(seg);
			hcx_send_frame(peer, seg);
		}
	}
	/* More to send: take turns with other work. */
	if (!skb_queue_empty_lockless(&peer->tx_queue))
		hcx_peer_queue(peer, work);
}

/* Drop the frames in QUEUE (staged or queued): no session will send them. */
void hcx_send_purge(struct hcx_peer *peer, struct sk_buff_head *queue)
{
	struct sk_buff *skb;

	while ((skb = skb_dequeue(queue)))
		hcx_send_drop(peer->hcx, skb, HCX_DROP_TX_NO_SESSION);
}

/* Send the frames staged while there was no session. */
void hcx_send_staged(struct hcx_peer *peer)
{
	struct sk_buff *skb;

	while ((skb = skb_dequeue(&peer->staged)))
		hcx_send_queue(peer, skb);
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
	hcx_send_queue(peer, skb);
}

netdev_tx_t hcx_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct hcx_device *hcx = netdev_priv(dev);
	struct hcx_peer *peer;

	if (unlikely(!skb_is_gso(skb) && skb->len > hcx_max_frame(dev))) {
		hcx_send_drop(hcx, skb, HCX_DROP_TX_OVERSIZED);
		return NETDEV_TX_OK;
	}

	/* Called with bottom halves off: an RCU-bh read section. */
	peer = rcu_dereference_bh(hcx->peer);
	if (unlikely(!peer)) {
		hcx_send_drop(hcx, skb, HCX_DROP_TX_NO_SESSION);
		return NETDEV_TX_OK;
	}
	skb_dst_drop(skb);
	hcx_mss_clamp(skb, hcx, peer);
	hcx_send_queue(peer, skb);
	return NETDEV_TX_OK;
}
