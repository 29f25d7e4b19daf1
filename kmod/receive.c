// SPDX-License-Identifier: GPL-2.0
/*
 * What arrives on the interconnect's UDP sockets.
 *
 * Every datagram is classified by hcx_msg_parse() first; a malformed one
 * is dropped and counted before anything else looks at it.
 *
 * A data message is matched to the session its receiver index names and
 * queued on the peer's receive queue (bounded); the peer's receiver, a
 * work item, opens the queue in order, off the receiving CPU's softirq.
 * From then on its skb->cb is a struct hcx_skb_cb, which overwrites the
 * IPv6 control block: the incoming interface, which scopes a link-local
 * source address, is copied into it first.
 * Only after the tag verifies is the counter checked against the replay
 * window, the sender's address learnt (roaming), the responder's next
 * session confirmed, and the frame handed to the stack through GRO.
 *
 * Handshake messages go to the device's handshake worker, which does the
 * expensive part (X25519) in process context.  Before they are queued,
 * mac1 proves the sender knows this site's public key, the per-source rate
 * limit applies, and under load mac2 must prove the source address (see
 * cookie.c); the queue is bounded, so a flood cannot take memory.
 *
 * Context: hcx_receive() runs in softirq, called by UDP with the RCU read
 * lock held; the socket's user data is the device, which outlives its
 * sockets.  The receiver runs in process context.
 */

#include <crypto/algapi.h>
#include <linux/etherdevice.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/udp_tunnel.h>

#include "device.h"
#include "handshake.h"
#include "mss.h"
#include "noise.h"
#include "receive.h"
#include "send.h"
#include "socket.h"

/* Messages the receiver handles before letting other work run. */
#define HCX_RECEIVE_BATCH	16

static void hcx_receive_drop(struct hcx_device *hcx, struct sk_buff *skb,
			     enum hcx_drop_reason reason)
{
	hcx_drop_count(&hcx->drops, reason);
	dev_core_stats_rx_dropped_inc(hcx->dev);
	kfree_skb(skb);
}

/* A data message was opened (or failed to): deliver its frame. */
static void hcx_receive_opened(struct sk_buff *skb, int err)
{
	struct hcx_session *session = HCX_SKB_CB(skb)->session;
	struct hcx_peer *peer = session->peer;
	struct hcx_device *hcx = peer->hcx;
	struct net_device *dev = hcx->dev;
	union hcx_endpoint source;
	unsigned int message_len = skb->len;
	u64 now;

	if (unlikely(err)) {
		hcx_receive_drop(hcx, skb, err == -EBADMSG ?
				 HCX_DROP_RX_BAD_AUTH : HCX_DROP_RX_MALFORMED);
		goto out;
	}
	if (!hcx_replay_accept(&session->replay, HCX_SKB_CB(skb)->counter,
			       HCX_REJECT_AFTER_MESSAGES)) {
		hcx_receive_drop(hcx, skb, HCX_DROP_RX_REPLAY);
		goto out;
	}

	/* Authentic and new: the peer is alive and may have moved. */
	now = ktime_get_coarse_boottime_ns();
	WRITE_ONCE(peer->unanswered_since_ns, 0);
	hcx_endpoint_from_skb_iif(&source, skb, HCX_SKB_CB(skb)->iif);
	hcx_peer_set_endpoint(peer, &source);
	hcx_peer_stats_add(peer, true, message_len);
	if (hcx_sessions_confirm(&peer->sessions, session)) {
		clear_bit(HCX_PEER_WANT_HANDSHAKE, &peer->flags);
		hcx_send_staged(peer);
	}
	/* An initiator rekeys before its session runs out, even if idle. */
	if (session->initiator &&
	    now - session->birth_ns >= hcx_reject_after_ns() -
				       HCX_KEEPALIVE_NS - HCX_REKEY_TIMEOUT_NS)
		hcx_peer_kick(peer, HCX_PEER_WANT_HANDSHAKE);

	if (pskb_trim(skb, skb->len - HCX_TAG_LEN)) {
		hcx_receive_drop(hcx, skb, HCX_DROP_RX_MALFORMED);
		goto out;
	}
	__skb_pull(skb, sizeof(struct hcx_msg_data));
	if (!skb->len) {
		consume_skb(skb); /* a keepalive */
		goto out;
	}
	WRITE_ONCE(peer->last_data_received_ns, now);
	if (!pskb_may_pull(skb, ETH_HLEN)) {
		hcx_receive_drop(hcx, skb, HCX_DROP_RX_MALFORMED);
		goto out;
	}

	skb_scrub_packet(skb, false);
	/* The AEAD covers transport errors; inner checksums stay checked. */
	skb->ip_summed = CHECKSUM_NONE;
	hcx_mss_clamp(skb, hcx, peer);
	skb->protocol = eth_type_trans(skb, dev);
	skb_reset_network_header(skb);
	dev_sw_netstats_rx_add(dev, skb->len + ETH_HLEN);
	gro_cells_receive(&hcx->gro_cells, skb);
out:
	hcx_session_put(session);
}

static void hcx_receive_data(struct hcx_device *hcx, struct sk_buff *skb)
{
	struct hcx_skb_cb *cb = HCX_SKB_CB(skb);
	struct hcx_session *session = NULL;
	const struct hcx_msg_data *msg;
	struct sk_buff_head *queue;
	struct hcx_peer *peer;
	unsigned int len;
	int iif;

	BUILD_BUG_ON(sizeof(*cb) > sizeof_field(struct sk_buff, cb));
	/* From IPv6's control block, which ours replaces. */
	iif = hcx_socket_iif(skb);
	__skb_pull(skb, sizeof(struct udphdr));
	if (!pskb_may_pull(skb, sizeof(*msg))) {
		hcx_receive_drop(hcx, skb, HCX_DROP_RX_MALFORMED);
		return;
	}
	msg = (const struct hcx_msg_data *)skb->data;
	len = skb->len - HCX_DATA_OVERHEAD;
	if (len > hcx_max_frame(hcx->dev)) {
		hcx_receive_drop(hcx, skb, HCX_DROP_RX_OVERSIZED);
		return;
	}

	peer = rcu_dereference_bh(hcx->peer);
	if (peer)
		session = hcx_sessions_lookup(&peer->sessions,
					      msg->receiver_index);
	if (!session || hcx_session_expired(session,
					    ktime_get_coarse_boottime_ns())) {
		hcx_session_put(session);
		hcx_receive_drop(hcx, skb, HCX_DROP_RX_UNKNOWN_SESSION);
		return;
	}

	cb->session = session;
	cb->counter = le64_to_cpu(msg->counter);
	cb->done = hcx_receive_opened;
	cb->frame_len = len;
	cb->iif = iif;
	queue = &peer->rx_queue;
	spin_lock_bh(&queue->lock);
	if (skb_queue_len(queue) >= HCX_MAX_QUEUED) {
		spin_unlock_bh(&queue->lock);
		hcx_receive_drop(hcx, skb, HCX_DROP_RX_QUEUE_FULL);
		hcx_session_put(session);
		return;
	}
	__skb_queue_tail(queue, skb);
	spin_unlock_bh(&queue->lock);
	hcx_peer_queue(peer, &peer->rx_work);
}

/* The peer's receiver: opens and delivers the receive queue, in order. */
void hcx_receive_work(struct work_struct *work)
{
	struct hcx_peer *peer = container_of(work, struct hcx_peer, rx_work);
	struct sk_buff *trailer, *skb;
	struct hcx_session *session;
	struct hcx_skb_cb *cb;
	int done, nsg;

	for (done = 0; done < HCX_RECEIVE_BATCH; done++) {
		skb = skb_dequeue(&peer->rx_queue);
		if (!skb)
			break;
		cb = HCX_SKB_CB(skb);
		nsg = skb_cow_data(skb, 0, &trailer);
		if (nsg < 0) {
			/* The control block goes with the frame: read it first. */
			session = cb->session;
			local_bh_disable();
			hcx_receive_drop(peer->hcx, skb, HCX_DROP_RX_MALFORMED);
			local_bh_enable();
			hcx_session_put(session);
			continue;
		}
		hcx_session_crypt(skb, nsg, false, sizeof(struct hcx_msg_data),
				  cb->frame_len);
	}
	/* More to open: take turns with other work. */
	if (!skb_queue_empty_lockless(&peer->rx_queue))
		hcx_peer_queue(peer, work);
}

/* Drop what waits in the receive queue of a dead peer. */
void hcx_receive_purge(struct hcx_peer *peer)
{
	struct sk_buff *skb;

	while ((skb = skb_dequeue(&peer->rx_queue))) {
		hcx_session_put(HCX_SKB_CB(skb)->session);
		kfree_skb(skb);
	}
}

/* Answer a handshake message that lacks mac2 under load with a cookie. */
static void hcx_receive_send_cookie(struct hcx_device *hcx,
				    const union hcx_endpoint *source,
				    __le32 sender_index, const u8 *mac1)
{
	struct sk_buff *skb;

	skb = alloc_skb(HCX_SEND_HEADROOM + sizeof(struct hcx_msg_cookie),
			GFP_ATOMIC);
	if (!skb)
		return;
	skb_reserve(skb, HCX_SEND_HEADROOM);
	if (hcx_cookie_make_reply(&hcx->cookies,
				  skb_put(skb, sizeof(struct hcx_msg_cookie)),
				  sender_index, mac1, source)) {
		kfree_skb(skb);
		return;
	}
	hcx_socket_send_to(hcx, skb, source, NULL, NULL);
}

static void hcx_receive_handshake(struct hcx_device *hcx, struct sk_buff *skb,
				  int type)
{
	const size_t off = sizeof(struct udphdr);
	size_t len = skb->len - off, mac1_at, mac2_at;
	const struct hcx_msg_initiation *init;
	const struct hcx_identity *identity;
	union hcx_endpoint source;
	u8 mac1[HCX_MAC_LEN];
	const u8 *msg;
	bool under_load;

	if (!pskb_may_pull(skb, off + len)) {
		hcx_receive_drop(hcx, skb, HCX_DROP_RX_MALFORMED);
		return;
	}
	msg = skb->data + off;
	hcx_endpoint_from_skb(&source, skb);

	/* Cookie replies carry no MACs: they are small and rate-limited. */
	if (type != HCX_MSG_COOKIE) {
		mac1_at = len - sizeof(struct hcx_msg_macs);
		mac2_at = mac1_at + HCX_MAC_LEN;
		identity = rcu_dereference_bh(hcx->identity);
		if (!identity) {
			hcx_receive_drop(hcx, skb, HCX_DROP_RX_HANDSHAKE_INVALID);
			return;
		}
		hcx_mac(mac1, identity->mac1_key, sizeof(identity->mac1_key),
			msg, mac1_at);
		if (crypto_memneq(mac1, msg + mac1_at, HCX_MAC_LEN)) {
			hcx_receive_drop(hcx, skb, HCX_DROP_RX_HANDSHAKE_INVALID);
			return;
		}

		under_load = skb_queue_len_lockless(&hcx->handshake_queue) >=
			     HCX_HANDSHAKE_QUEUE_LEN / 8;
		if (under_load &&
		    !hcx_cookie_mac2_valid(&hcx->cookies, &source, msg,
					   mac2_at)) {
			/* Initiation and response both start so. */
			init = (const struct hcx_msg_initiation *)msg;
			hcx_receive_send_cookie(hcx, &source,
						init->sender_index, mac1);
			hcx_receive_drop(hcx, skb,
					 HCX_DROP_RX_HANDSHAKE_RATELIMITED);
			return;
		}
	}

	if (!hcx_ratelimit_allow(&hcx->cookies, &source) ||
	    !hcx_handshake_enqueue(hcx, skb))
		hcx_receive_drop(hcx, skb, HCX_DROP_RX_HANDSHAKE_RATELIMITED);
}

/**
 * hcx_receive - the encapsulation hook of the device's UDP sockets
 * @sk: the socket
 * @skb: a datagram, its data at the UDP header; consumed
 *
 * Return: 0: every datagram on the port is the interconnect's.
 */
int hcx_receive(struct sock *sk, struct sk_buff *skb)
{
	struct hcx_device *hcx = rcu_dereference_sk_user_data(sk);
	const struct hcx_msg_header *hdr;
	int type;

	if (unlikely(!hcx)) {
		kfree_skb(skb);
		return 0;
	}
	if (!pskb_may_pull(skb, sizeof(struct udphdr) + sizeof(*hdr))) {
		hcx_receive_drop(hcx, skb, HCX_DROP_RX_MALFORMED);
		return 0;
	}
	hdr = (const struct hcx_msg_header *)(skb->data +
					      sizeof(struct udphdr));
	type = hcx_msg_parse(hdr, skb->len - sizeof(struct udphdr));
	if (type == HCX_MSG_DATA)
		hcx_receive_data(hcx, skb);
	else if (type)
		hcx_receive_handshake(hcx, skb, type);
	else
		hcx_receive_drop(hcx, skb, HCX_DROP_RX_MALFORMED);
	return 0;
}
