// SPDX-License-Identifier: GPL-2.0
/*
 * The replication channel: in-kernel TCP connections between the sites,
 * each opened by the pairing's handshake and then carrying records sealed
 * with AES-256-GCM (protocol.rst, "Replication channel").
 *
 * The source connects to the peer's endpoint address and port over TCP;
 * the target accepts on its listen port (target.c).  Both ends run the
 * interconnect's Noise handshake with the channel's own identifier, so a
 * message of one can never be used in the other.  The responder checks
 * mac1 before any public-key work, and refuses every static key but its
 * peer's, and every initiation it accepted before: the peer keeps a window
 * of the channel initiations accepted (replay.c), so a replayed one gets
 * no response.  Every connection has fresh keys, so counters start at 0.
 *
 * Time: the handshake has one absolute deadline, HCX_CHANNEL_HANDSHAKE_TIMEOUT
 * after the connection began (the connect, or the target's accept); each
 * read and write waits only for what is left of it, so a peer that trickles
 * its bytes gains nothing.  The initiator's deadline ends with its
 * handshake; the responder's lasts until its user ends it
 * (hcx_channel_end_deadline(), once the hello is answered).  Without a
 * deadline, the responder's reads and writes wait as long as TCP keeps the
 * connection (its peer, when it connects again, fences it), and the
 * initiator's as long as the connection has its path: every
 * HCX_CHANNEL_WATCH a waiting initiator looks at TCP, and ends the
 * connection (-ETIMEDOUT) once data in flight went unacknowledged, and no
 * new data was sent, for HCX_CHANNEL_STALL_MS (hcx_channel_stalled()), to
 * connect again.
 *
 * Locking: a channel belongs to the one thread that uses it;
 * hcx_channel_shutdown() is the only call from elsewhere, and only wakes
 * that thread.  That thread may have other threads seal records with
 * hcx_channel_seal(), each with a sealer of its own; it sends the records
 * itself, in the order it took their nonces.  The device's identity and
 * peer are copied out under RCU and the peer's handshake_lock; the window
 * of initiations is the peer's, under its handshake_lock.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/curve25519.h>
#include <kunit/visibility.h>
#include <linux/net.h>
#include <linux/scatterlist.h>
#include <linux/tcp.h>
#include <linux/vmalloc.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "channel.h"
#include "device.h"
#include "noise.h"

/* The handshake (and the responder's hello) must be over within this. */
#define HCX_CHANNEL_HANDSHAKE_TIMEOUT	(10 * HZ)
/* Unacknowledged data, or a silent peer, ends the connection after this. */
#define HCX_CHANNEL_USER_TIMEOUT_MS	(30 * 1000)
/*
 * Data in flight, and neither an acknowledgment nor new data sent for this
 * long and for four round trips, is a lost path; an initiator waiting on
 * the connection looks this often.
 */
#define HCX_CHANNEL_STALL_MS		1000
#define HCX_CHANNEL_WATCH		(HZ / 4)
#define HCX_CHANNEL_KEEPIDLE		10
#define HCX_CHANNEL_KEEPINTVL		5
#define HCX_CHANNEL_KEEPCNT		3
/* The congestion control of every connection, where the kernel has it. */
#define HCX_CHANNEL_CONGESTION		"bbr"

/* The kernel said it has no HCX_CHANNEL_CONGESTION: stop asking. */
static bool hcx_channel_no_congestion;

/**
 * struct hcx_channel_handshake - a channel handshake's working memory
 * @hs: the transcript
 * @local_private: this site's private key
 * @local_public: this site's public key
 * @mac1_key: checks mac1 of messages to this site
 * @peer_public: the peer's public key
 * @psk: the pre-shared key
 * @ephemeral: this side's ephemeral private key
 * @tx_key: the sending key agreed
 * @rx_key: the receiving key agreed
 * @initiation: message 1
 * @response: message 2
 *
 * On the heap, and wiped when done.
 */
struct hcx_channel_handshake {
	struct hcx_handshake_state hs;
	u8 local_private[HCXREPL_KEY_LEN];
	u8 local_public[HCXREPL_KEY_LEN];
	u8 mac1_key[HCX_HASH_LEN];
	u8 peer_public[HCXREPL_KEY_LEN];
	u8 psk[HCXREPL_KEY_LEN];
	u8 ephemeral[HCXREPL_KEY_LEN];
	u8 tx_key[HCXREPL_KEY_LEN];
	u8 rx_key[HCXREPL_KEY_LEN];
	struct hcx_msg_initiation initiation;
	struct hcx_msg_response response;
};

/*
 * Copy this site's keys and the peer's into HS, and the peer's endpoint
 * into EP when EP is not NULL.
 */
static int hcx_channel_keys(struct net_device *dev,
			    struct hcx_channel_handshake *hs,
			    union hcx_endpoint *ep)
{
	struct hcx_device *hcx = netdev_priv(dev);
	struct hcx_identity *identity;
	struct hcx_peer *peer;

	rcu_read_lock();
	identity = rcu_dereference(hcx->identity);
	if (identity) {
		memcpy(hs->local_private, identity->private_key,
		       HCXREPL_KEY_LEN);
		memcpy(hs->local_public, identity->public_key,
		       HCXREPL_KEY_LEN);
		memcpy(hs->mac1_key, identity->mac1_key, HCX_HASH_LEN);
	}
	rcu_read_unlock();
	if (!identity)
		return -ENOKEY;
	peer = hcx_peer_get_rcu(hcx);
	if (!peer)
		return -ENOTCONN;
	memcpy(hs->peer_public, peer->public_key, HCXREPL_KEY_LEN);
	mutex_lock(&peer->handshake_lock);
	memcpy(hs->psk, peer->preshared_key, HCXREPL_KEY_LEN);
	mutex_unlock(&peer->handshake_lock);
	if (ep) {
		read_lock_bh(&peer->endpoint_lock);
		*ep = peer->endpoint;
		read_unlock_bh(&peer->endpoint_lock);
	}
	hcx_peer_put(peer);
	return 0;
}

static void hcx_channel_timeo(struct socket *sock, long timeout)
{
	struct sock *sk = sock->sk;

	lock_sock(sk);
	sk->sk_sndtimeo = timeout;
	sk->sk_rcvtimeo = timeout;
	release_sock(sk);
}

/*
 * Before each read or write under a deadline: wait only for what is left
 * of it, or -ETIMEDOUT when nothing is.
 */
static int hcx_channel_time_left(struct hcx_channel *ch)
{
	long left = (long)(ch->deadline - jiffies);

	if (left <= 0)
		return -ETIMEDOUT;
	hcx_channel_timeo(ch->sock, left);
	return 0;
}

/*
 * Whether the connection lost its path: TCP has data in flight, and has
 * neither heard an acknowledgment nor sent new data for HCX_CHANNEL_STALL_MS
 * and four round trips.  New data counts because the last acknowledgment
 * of a connection that was idle is as old as the idleness: its first
 * record after a pause has a round trip to be answered in.  Left to
 * itself, TCP retransmits on a timer that doubles through an outage and
 * finds the path again up to as long after its return as it was gone; a
 * new connection finds it within a second (pool.c, HCX_PROBE_MS).
 */
static bool hcx_channel_stalled(struct hcx_channel *ch)
{
	struct tcp_info info;

	tcp_get_info(ch->sock->sk, &info);
	return info.tcpi_unacked &&
	       min(info.tcpi_last_ack_recv, info.tcpi_last_data_sent) >=
	       max_t(u32, HCX_CHANNEL_STALL_MS,
		     4 * info.tcpi_rtt / USEC_PER_MSEC);
}

/**
 * hcx_channel_min_rtt_ms - the connection's shortest round trip lately
 * @ch: the channel
 *
 * The path's own delay, without what queues added.
 *
 * Return: milliseconds, 0 when it is not connected or has no sample yet.
 */
u32 hcx_channel_min_rtt_ms(struct hcx_channel *ch)
{
	struct tcp_info info;

	if (!ch->sock)
		return 0;
	tcp_get_info(ch->sock->sk, &info);
	return info.tcpi_min_rtt == ~0U ? 0 : info.tcpi_min_rtt / USEC_PER_MSEC;
}

static int hcx_channel_io(struct hcx_channel *ch, bool send, void *buf,
			  size_t len)
{
	struct kvec iov;
	int ret;

	while (len) {
		struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };

		if (ch->has_deadline) {
			ret = hcx_channel_time_left(ch);
			if (ret)
				return ret;
		}
		iov.iov_base = buf;
		iov.iov_len = len;
		if (send)
			ret = kernel_sendmsg(ch->sock, &msg, &iov, 1, len);
		else
			ret = kernel_recvmsg(ch->sock, &msg, &iov, 1, len,
					     MSG_WAITALL);
		/* The wait ended: the deadline decides, else the path. */
		if (ret == -EAGAIN) {
			if (ch->has_deadline || !hcx_channel_stalled(ch))
				continue;
			return -ETIMEDOUT;
		}
		if (ret < 0)
			return ret;
		if (!ret)
			return -ECONNRESET;
		if (ch->wire_bytes)
			atomic64_add(ret, ch->wire_bytes);
		buf += ret;
		len -= ret;
	}
	return 0;
}

/*
 * BBR: a loss-based control (CUBIC) takes random loss on a long path for
 * congestion and sends at a fraction of the link; BBR models the path's
 * bandwidth and round trip and paces what it sends (design.rst, "Long
 * lossy paths").  Asking loads tcp_bbr when it is not loaded (the module
 * also names it as a soft dependency).  A kernel without it leaves the
 * system's default in place: said once, and not asked again.
 */
static void hcx_channel_congestion(struct socket *sock)
{
	char name[] = HCX_CHANNEL_CONGESTION;
	int ret;

	if (READ_ONCE(hcx_channel_no_congestion))
		return;
	ret = sock->ops->setsockopt(sock, SOL_TCP, TCP_CONGESTION,
				    KERNEL_SOCKPTR(name), sizeof(name) - 1);
	if (ret == -ENOENT) {
		WRITE_ONCE(hcx_channel_no_congestion, true);
		pr_notice_once("congestion control %s not available: replication connections use the system's default\n",
			       name);
	}
}

static void hcx_channel_tune(struct socket *sock)
{
	struct sock *sk = sock->sk;

	hcx_channel_congestion(sock);
	tcp_sock_set_nodelay(sk);
	sock_set_keepalive(sk);
	tcp_sock_set_keepidle(sk, HCX_CHANNEL_KEEPIDLE);
	tcp_sock_set_keepintvl(sk, HCX_CHANNEL_KEEPINTVL);
	tcp_sock_set_keepcnt(sk, HCX_CHANNEL_KEEPCNT);
	tcp_sock_set_user_timeout(sk, HCX_CHANNEL_USER_TIMEOUT_MS);
}

static int hcx_channel_set_keys(struct hcx_channel *ch,
				struct hcx_channel_handshake *hs)
{
	struct crypto_aead *tfm[2];
	const u8 *key[2] = { hs->tx_key, hs->rx_key };
	int i, ret;

	for (i = 0; i < 2; i++) {
		tfm[i] = crypto_alloc_aead("gcm(aes)", 0, 0);
		if (IS_ERR(tfm[i])) {
			ret = PTR_ERR(tfm[i]);
			goto err;
		}
		ret = crypto_aead_setkey(tfm[i], key[i], HCXREPL_KEY_LEN) ?:
		      crypto_aead_setauthsize(tfm[i], HCX_TAG_LEN);
		if (ret) {
			crypto_free_aead(tfm[i]);
			goto err;
		}
	}
	ch->crypt.req = aead_request_alloc(tfm[0], GFP_KERNEL);
	if (!ch->crypt.req) {
		ret = -ENOMEM;
		i = 2;
		goto err;
	}
	ch->tx_aead = tfm[0];
	ch->rx_aead = tfm[1];
	return 0;

err:
	while (i--)
		crypto_free_aead(tfm[i]);
	return ret;
}

void hcx_channel_init(struct hcx_channel *ch)
{
	memset(ch, 0, sizeof(*ch));
	mutex_init(&ch->lock);
}
EXPORT_SYMBOL_IF_KUNIT(hcx_channel_init);

/*
 * Make SOCK the channel's socket, unless the channel was shut down; its
 * handshake must be over by DEADLINE (in jiffies).
 */
static int hcx_channel_attach(struct hcx_channel *ch, struct socket *sock,
			      unsigned long deadline)
{
	int ret = 0;

	mutex_lock(&ch->lock);
	if (ch->shut)
		ret = -ESHUTDOWN;
	else
		ch->sock = sock;
	mutex_unlock(&ch->lock);
	if (ret) {
		sock_release(sock);
		return ret;
	}
	hcx_channel_tune(sock);
	ch->deadline = deadline;
	ch->has_deadline = true;
	return hcx_channel_time_left(ch);
}

/**
 * hcx_channel_end_deadline - the handshake's deadline no longer applies
 * @ch: the channel, connected
 *
 * Reads and writes wait as long as TCP keeps the connection (its
 * keepalives and user timeout end a dead one); the initiator's wait as
 * long as it has its path (see the top of the file).
 */
void hcx_channel_end_deadline(struct hcx_channel *ch)
{
	ch->has_deadline = false;
	hcx_channel_timeo(ch->sock, MAX_SCHEDULE_TIMEOUT);
}

static struct hcx_channel_handshake *hcx_channel_handshake_new(void)
{
	struct hcx_channel_handshake *hs = kzalloc(sizeof(*hs), GFP_KERNEL);

	if (hs)
		hs->hs.channel = true;
	return hs;
}

/* The transcript is wiped on every path; the keys after use. */
static int hcx_channel_finish(struct hcx_channel *ch,
			      struct hcx_channel_handshake *hs, bool initiator)
{
	int ret;

	hcx_noise_derive_keys(&hs->hs, initiator, hs->tx_key, hs->rx_key);
	/* Room for the control records; data records need a reserve. */
	ret = hcx_channel_set_keys(ch, hs) ?:
	      hcx_channel_reserve(ch, sizeof(struct hcx_rec_hello));
	/*
	 * Only the initiator watches the path: it can connect again.  A
	 * responder that gave up would only send a FIN that an outage may
	 * lose, and leave its peer waiting for answers TCP already
	 * acknowledged the records of.
	 */
	if (!ret && initiator) {
		hcx_channel_end_deadline(ch);
		hcx_channel_timeo(ch->sock, HCX_CHANNEL_WATCH);
	}
	return ret;
}

/* A handshake message to this site: its type, zero reserved bytes, mac1. */
static bool hcx_channel_msg_ok(const struct hcx_channel_handshake *hs,
			       const void *msg, size_t len, u8 type)
{
	const struct hcx_msg_macs *macs = msg + len - sizeof(*macs);
	u8 mac1[HCX_MAC_LEN];

	hcx_mac(mac1, hs->mac1_key, sizeof(hs->mac1_key), msg,
		(const u8 *)macs - (const u8 *)msg);
	return hcx_header_is(msg, type) &&
	       !crypto_memneq(mac1, macs->mac1, HCX_MAC_LEN);
}

static int hcx_channel_initiate(struct hcx_channel *ch,
				struct hcx_channel_handshake *hs)
{
	struct hcx_msg_response *resp = &hs->response;
	u32 index = get_random_u32();
	struct timespec64 now;
	u8 timestamp[HCX_TIMESTAMP_LEN];
	int ret;

	curve25519_generate_secret(hs->ephemeral);
	ktime_get_real_ts64(&now);
	hcx_tai64n(timestamp, now.tv_sec, now.tv_nsec);
	ret = hcx_noise_create_initiation(&hs->hs, &hs->initiation,
					  hs->local_private, hs->local_public,
					  hs->peer_public, hs->ephemeral,
					  timestamp, index);
	if (ret)
		return ret;
	ret = hcx_channel_io(ch, true, &hs->initiation,
			     sizeof(hs->initiation)) ?:
	      hcx_channel_io(ch, false, resp, sizeof(*resp));
	if (ret)
		return ret;
	if (!hcx_channel_msg_ok(hs, resp, sizeof(*resp),
				HCX_MSG_CHANNEL_RESPONSE) ||
	    le32_to_cpu(resp->receiver_index) != index)
		return -EBADMSG;
	ret = hcx_noise_consume_response(&hs->hs, resp, hs->local_private,
					 hs->psk);
	if (ret)
		return -EKEYREJECTED;
	return hcx_channel_finish(ch, hs, true);
}

/**
 * hcx_channel_connect - open a channel to the peer of DEV
 * @ch: the channel, closed
 * @dev: the interconnect device
 * @connect_ms: how long TCP may take to connect, 0 for as long as the
 *	handshake may take: a probe of a path that went silent gives up
 *	sooner, and is tried again
 *
 * Connects over TCP to the peer's endpoint and runs the handshake as the
 * initiator.  Sleeps for up to HCX_CHANNEL_HANDSHAKE_TIMEOUT.
 *
 * Return: 0, or a negative errno (-ETIMEDOUT when nothing answered); the
 * channel is closed on failure.
 */
int hcx_channel_connect(struct hcx_channel *ch, struct net_device *dev,
			unsigned int connect_ms)
{
	struct hcx_channel_handshake *hs;
	union hcx_endpoint ep;
	struct socket *sock;
	int ret, len;

	hs = hcx_channel_handshake_new();
	if (!hs)
		return -ENOMEM;
	ret = hcx_channel_keys(dev, hs, &ep);
	if (ret)
		goto out;
	ret = -EDESTADDRREQ;
	if (ep.addr.sa_family == AF_INET)
		len = sizeof(ep.addr4);
	else if (ep.addr.sa_family == AF_INET6)
		len = sizeof(ep.addr6);
	else
		goto out;
	ret = sock_create_kern(dev_net(dev), ep.addr.sa_family, SOCK_STREAM,
			       IPPROTO_TCP, &sock);
	if (ret)
		goto out;
	ret = hcx_channel_attach(ch, sock,
				 jiffies + HCX_CHANNEL_HANDSHAKE_TIMEOUT);
	if (ret)
		goto out;
	if (connect_ms)
		hcx_channel_timeo(ch->sock, min_t(unsigned long,
						  msecs_to_jiffies(connect_ms),
						  HCX_CHANNEL_HANDSHAKE_TIMEOUT));
	ret = kernel_connect(ch->sock, &ep.addr, len, 0);
	/* A blocking connect whose time ran out says it is still going. */
	if (ret == -EINPROGRESS)
		ret = -ETIMEDOUT;
	ret = ret ?: hcx_channel_initiate(ch, hs);
out:
	kfree_sensitive(hs);
	if (ret)
		hcx_channel_close(ch);
	return ret;
}

/*
 * The initiation that HS consumed, from the peer whose key HS holds, was
 * not accepted before (replay.c): 0, -ESTALE for a replay, -EPERM when
 * that peer is gone.
 */
static int hcx_channel_fresh(struct net_device *dev,
			     struct hcx_channel_handshake *hs)
{
	struct hcx_peer *peer = hcx_peer_get_rcu(netdev_priv(dev));
	int ret = -EPERM;

	if (!peer)
		return ret;
	mutex_lock(&peer->handshake_lock);
	if (!peer->dead &&
	    !memcmp(peer->public_key, hs->peer_public, HCXREPL_KEY_LEN))
		ret = hcx_initiations_accept(&peer->channel_initiations,
					     hs->hs.timestamp,
					     hs->hs.remote_ephemeral) ?
		      0 : -ESTALE;
	mutex_unlock(&peer->handshake_lock);
	hcx_peer_put(peer);
	return ret;
}

static int hcx_channel_respond(struct hcx_channel *ch, struct net_device *dev,
			       struct hcx_channel_handshake *hs)
{
	struct hcx_device *hcx = netdev_priv(dev);
	struct hcx_msg_initiation *init = &hs->initiation;
	int ret;

	ret = hcx_channel_io(ch, false, init, sizeof(*init));
	if (ret)
		return ret;
	/* Cheap checks first: no public-key work for a stranger. */
	if (!hcx_channel_msg_ok(hs, init, sizeof(*init),
				HCX_MSG_CHANNEL_INITIATION))
		return -EBADMSG;
	ret = hcx_noise_consume_initiation(&hs->hs, init, hs->local_private,
					   hs->local_public);
	if (ret)
		return -EKEYREJECTED;
	if (crypto_memneq(hs->hs.remote_static, hs->peer_public,
			  HCXREPL_KEY_LEN)) {
		memzero_explicit(&hs->hs, sizeof(hs->hs));
		return -EPERM;
	}
	ret = hcx_channel_fresh(dev, hs);
	if (ret) {
		if (ret == -ESTALE)
			hcx_drop_count(&hcx->drops,
				       HCX_DROP_RX_CHANNEL_REPLAY);
		memzero_explicit(&hs->hs, sizeof(hs->hs));
		return ret;
	}
	curve25519_generate_secret(hs->ephemeral);
	ret = hcx_noise_create_response(&hs->hs, &hs->response, hs->ephemeral,
					hs->psk, get_random_u32());
	if (ret)
		return ret;
	ret = hcx_channel_io(ch, true, &hs->response, sizeof(hs->response));
	if (ret) {
		memzero_explicit(&hs->hs, sizeof(hs->hs));
		return ret;
	}
	return hcx_channel_finish(ch, hs, false);
}

/**
 * hcx_channel_accept - run the responder's handshake on an accepted socket
 * @ch: the channel, closed
 * @dev: the interconnect device that accepted it
 * @sock: the socket, which the channel owns from now on (or releases)
 * @accepted: when it was accepted (jiffies): the deadline runs from then
 *
 * The deadline still applies on success, to what the user reads and
 * writes next, until hcx_channel_end_deadline().
 *
 * Return: 0, -ETIMEDOUT when the deadline passed, -ESTALE for a replayed
 * initiation, or another negative errno; the channel is closed on failure.
 */
int hcx_channel_accept(struct hcx_channel *ch, struct net_device *dev,
		       struct socket *sock, unsigned long accepted)
{
	struct hcx_channel_handshake *hs;
	int ret;

	ret = hcx_channel_attach(ch, sock,
				 accepted + HCX_CHANNEL_HANDSHAKE_TIMEOUT);
	if (ret) {
		hcx_channel_close(ch);
		return ret;
	}
	hs = hcx_channel_handshake_new();
	ret = hs ? hcx_channel_keys(dev, hs, NULL) : -ENOMEM;
	if (!ret)
		ret = hcx_channel_respond(ch, dev, hs);
	kfree_sensitive(hs);
	if (ret)
		hcx_channel_close(ch);
	return ret;
}

/*
 * Scatterlist entries for a record of up to MAX_PLAIN bytes of plaintext:
 * one for the length field, one per page the rest may touch.
 */
static unsigned int hcx_sealer_entries(size_t max_plain)
{
	return 2 + DIV_ROUND_UP(HCX_REC_HEADROOM + max_plain + HCX_TAG_LEN,
				PAGE_SIZE);
}

/*
 * Size the channel for plaintexts of up to MAX_PLAIN bytes, either way:
 * the receive buffer, and the scatterlist that seals or opens them.
 */
int hcx_channel_reserve(struct hcx_channel *ch, size_t max_plain)
{
	size_t rx_size = HCX_REC_HEADROOM + max_plain + HCX_TAG_LEN;
	unsigned int nsg = hcx_sealer_entries(max_plain);
	struct scatterlist *sg;
	u8 *buf;

	if (max_plain <= ch->rx_max)
		return 0;
	buf = kvmalloc(rx_size, GFP_KERNEL);
	sg = kmalloc_array(nsg, sizeof(*sg), GFP_KERNEL);
	if (!buf || !sg) {
		kvfree(buf);
		kfree(sg);
		return -ENOMEM;
	}
	kvfree(ch->rx_buf);
	kfree(ch->crypt.sg);
	ch->rx_buf = buf;
	ch->rx_max = max_plain;
	ch->crypt.sg = sg;
	ch->crypt.nsg = nsg;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_channel_reserve);

/**
 * hcx_sealer_init - a sealer for another thread
 * @s: the sealer
 * @ch: the channel, connected: its sending key
 * @max_plain: the largest plaintext it will seal
 *
 * Return: 0 or -ENOMEM.
 */
int hcx_sealer_init(struct hcx_sealer *s, struct hcx_channel *ch,
		    size_t max_plain)
{
	s->nsg = hcx_sealer_entries(max_plain);
	s->sg = kmalloc_array(s->nsg, sizeof(*s->sg), GFP_KERNEL);
	s->req = aead_request_alloc(ch->tx_aead, GFP_KERNEL);
	if (!s->sg || !s->req) {
		hcx_sealer_free(s);
		return -ENOMEM;
	}
	return 0;
}

void hcx_sealer_free(struct hcx_sealer *s)
{
	aead_request_free(s->req);
	kfree(s->sg);
	s->req = NULL;
	s->sg = NULL;
	s->nsg = 0;
}

/* Map BUF, which may be in vmalloc memory, into S's list after AD. */
static int hcx_sealer_map(struct hcx_sealer *s, __le32 *ad, u8 *buf,
			  size_t len)
{
	unsigned int n = 1, piece;
	struct page *page;

	sg_init_table(s->sg, s->nsg);
	sg_set_buf(&s->sg[0], ad, sizeof(*ad));
	while (len) {
		if (n == s->nsg)
			return -EMSGSIZE;
		piece = min_t(size_t, len, PAGE_SIZE - offset_in_page(buf));
		page = is_vmalloc_addr(buf) ? vmalloc_to_page(buf) :
					       virt_to_page(buf);
		sg_set_page(&s->sg[n++], page, piece, offset_in_page(buf));
		buf += piece;
		len -= piece;
	}
	sg_mark_end(&s->sg[n - 1]);
	return 0;
}

/*
 * Seal or open in place, with key TFM and nonce COUNTER, the record at BUF
 * whose length field AD is: LEN bytes of plaintext, or of ciphertext and
 * tag.
 */
static int hcx_sealer_crypt(struct hcx_sealer *s, struct crypto_aead *tfm,
			    bool seal, u64 counter, __le32 *ad, u8 *buf,
			    size_t len)
{
	size_t mapped = seal ? len + HCX_TAG_LEN : len;
	u8 nonce[HCX_NONCE_LEN];
	DECLARE_CRYPTO_WAIT(wait);
	int ret;

	ret = hcx_sealer_map(s, ad, buf, mapped);
	if (ret)
		return ret;
	hcx_aead_nonce(nonce, counter);
	aead_request_set_tfm(s->req, tfm);
	aead_request_set_callback(s->req, CRYPTO_TFM_REQ_MAY_SLEEP,
				  crypto_req_done, &wait);
	aead_request_set_ad(s->req, sizeof(*ad));
	aead_request_set_crypt(s->req, s->sg, s->sg, len, nonce);
	return crypto_wait_req(seal ? crypto_aead_encrypt(s->req) :
				      crypto_aead_decrypt(s->req), &wait);
}

/* The nonce of the next record this end sends: its place in the order. */
u64 hcx_channel_take_nonce(struct hcx_channel *ch)
{
	return ch->tx_counter++;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_channel_take_nonce);

/**
 * hcx_channel_seal - seal a record, to be sent in its nonce's place
 * @ch: the channel
 * @s: the sealer of the calling thread
 * @nonce: from hcx_channel_take_nonce()
 * @plain: the record's plaintext, with HCX_REC_HEADROOM bytes before it and
 *	HCX_REC_TAILROOM after it that the record may use
 * @len: the plaintext's length, at most what hcx_channel_reserve() allowed
 *
 * Return: 0, or a negative errno.
 */
int hcx_channel_seal(struct hcx_channel *ch, struct hcx_sealer *s, u64 nonce,
		     u8 *plain, size_t len)
{
	__le32 *ad = (__le32 *)(plain - HCX_REC_HEADROOM);

	if (len > ch->rx_max)
		return -EMSGSIZE;
	put_unaligned_le32(len + HCX_TAG_LEN, ad);
	return hcx_sealer_crypt(s, ch->tx_aead, true, nonce, ad, plain, len);
}
EXPORT_SYMBOL_IF_KUNIT(hcx_channel_seal);

/**
 * hcx_channel_write - send a sealed record
 * @ch: the channel
 * @plain: where its plaintext was
 * @len: the plaintext's length
 *
 * Return: 0, or a negative errno; the channel is unusable after an error.
 */
int hcx_channel_write(struct hcx_channel *ch, u8 *plain, size_t len)
{
	return hcx_channel_io(ch, true, plain - HCX_REC_HEADROOM,
			      HCX_REC_HEADROOM + len + HCX_TAG_LEN);
}

/**
 * hcx_channel_send - seal and send one record, next in the order
 * @ch: the channel
 * @plain: as for hcx_channel_seal()
 * @len: the plaintext's length
 *
 * Return: 0, or a negative errno; the channel is unusable after an error.
 */
int hcx_channel_send(struct hcx_channel *ch, u8 *plain, size_t len)
{
	return hcx_channel_seal(ch, &ch->crypt, hcx_channel_take_nonce(ch),
				plain, len) ?:
	       hcx_channel_write(ch, plain, len);
}

/**
 * hcx_channel_sealed_len - the length field of a record received
 * @ch: the channel, the field at the start of its receive buffer
 *
 * Return: the bytes of ciphertext and tag that follow, or -EBADMSG when
 * they cannot hold a record's header or the buffer cannot hold them.
 */
ssize_t hcx_channel_sealed_len(struct hcx_channel *ch)
{
	size_t sealed = get_unaligned_le32(ch->rx_buf);

	if (sealed < HCX_TAG_LEN + sizeof(struct hcx_msg_header) ||
	    sealed - HCX_TAG_LEN > ch->rx_max)
		return -EBADMSG;
	return sealed;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_channel_sealed_len);

/**
 * hcx_channel_open - open the next record, received in the channel's buffer
 * @ch: the channel
 * @sealed: its length field, from hcx_channel_sealed_len()
 * @plain: the plaintext, in the channel's buffer until the next call
 * @len: its length
 *
 * Return: 0, or -EBADMSG for a record that does not open.
 */
int hcx_channel_open(struct hcx_channel *ch, size_t sealed, void **plain,
		     size_t *len)
{
	u8 *buf = ch->rx_buf + HCX_REC_HEADROOM;

	if (hcx_sealer_crypt(&ch->crypt, ch->rx_aead, false, ch->rx_counter++,
			     (__le32 *)ch->rx_buf, buf, sealed))
		return -EBADMSG;
	*plain = buf;
	*len = sealed - HCX_TAG_LEN;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_channel_open);

/**
 * hcx_channel_recv - receive and open one record
 * @ch: the channel
 * @plain: the plaintext, in the channel's buffer until the next call
 * @len: its length
 *
 * Return: 0, -EBADMSG for a record that is too short, too long or does not
 * open, or another negative errno; the channel is unusable after an error.
 */
int hcx_channel_recv(struct hcx_channel *ch, void **plain, size_t *len)
{
	ssize_t sealed;
	int ret;

	/*
	 * Shut down: what TCP still holds is not read, so that a fenced
	 * connection's backlog costs no CPU that its successor needs.
	 */
	if (READ_ONCE(ch->shut))
		return -ESHUTDOWN;
	ret = hcx_channel_io(ch, false, ch->rx_buf, HCX_REC_HEADROOM);
	if (ret)
		return ret;
	sealed = hcx_channel_sealed_len(ch);
	if (sealed < 0)
		return sealed;
	ret = hcx_channel_io(ch, false, ch->rx_buf + HCX_REC_HEADROOM, sealed);
	if (ret)
		return ret;
	return hcx_channel_open(ch, sealed, plain, len);
}

/* Bytes received and not read yet: more records are on their way. */
bool hcx_channel_pending(struct hcx_channel *ch)
{
	return tcp_inq(ch->sock->sk) > 0;
}

/*
 * Wake the channel's user from any connect, send or receive, and fail its
 * later connects: the user is being stopped.
 */
void hcx_channel_shutdown(struct hcx_channel *ch)
{
	mutex_lock(&ch->lock);
	WRITE_ONCE(ch->shut, true);
	if (ch->sock)
		kernel_sock_shutdown(ch->sock, SHUT_RDWR);
	mutex_unlock(&ch->lock);
}

/*
 * End the current connection from another thread, as a peer's reset would:
 * its user's reads and writes fail, and it may connect again.
 */
void hcx_channel_abort(struct hcx_channel *ch)
{
	mutex_lock(&ch->lock);
	if (ch->sock)
		kernel_sock_shutdown(ch->sock, SHUT_RDWR);
	mutex_unlock(&ch->lock);
}

/* Close the connection; the channel may connect again. */
void hcx_channel_close(struct hcx_channel *ch)
{
	struct socket *sock;

	mutex_lock(&ch->lock);
	sock = ch->sock;
	ch->sock = NULL;
	mutex_unlock(&ch->lock);
	if (sock)
		sock_release(sock);
	hcx_sealer_free(&ch->crypt);
	crypto_free_aead(ch->tx_aead);
	crypto_free_aead(ch->rx_aead);
	kvfree(ch->rx_buf);
	ch->tx_aead = NULL;
	ch->rx_aead = NULL;
	ch->rx_buf = NULL;
	ch->rx_max = 0;
	ch->tx_counter = 0;
	ch->rx_counter = 0;
	ch->has_deadline = false;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_channel_close);
