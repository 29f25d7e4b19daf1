/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sessions: the transport keys one handshake agreed, their counters and
 * replay window, and the three session slots of a peer.
 */
#ifndef _HCX_SESSION_H
#define _HCX_SESSION_H

#include <linux/kref.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/time64.h>
#include <linux/workqueue.h>
#include <uapi/linux/hcxrepl.h>

#include "replay.h"

struct crypto_aead;
struct sk_buff;
struct hcx_peer;

/* Handshake and session timing, as protocol.rst gives it. */
#define HCX_REKEY_TIMEOUT_NS	(5 * NSEC_PER_SEC)
#define HCX_REKEY_ATTEMPT_NS	(90 * NSEC_PER_SEC)
#define HCX_KEEPALIVE_NS	(10 * NSEC_PER_SEC)
/* A session may be used this much longer than its rekey time. */
#define HCX_REJECT_MARGIN_NS	(60 * NSEC_PER_SEC)
/* The last counters are never used, so that the window cannot wrap. */
#define HCX_REJECT_AFTER_MESSAGES (U64_MAX - HCX_REPLAY_WINDOW - 1)

u64 hcx_rekey_after_ns(void);
u64 hcx_rekey_after_messages(void);

static inline u64 hcx_reject_after_ns(void)
{
	return hcx_rekey_after_ns() + HCX_REJECT_MARGIN_NS;
}

/**
 * struct hcx_session - the keys of one completed handshake
 * @refcount: slots hold one reference, packets in flight one each
 * @free_work: frees the session after a grace period, in process context,
 *	since crypto transforms are freed there
 * @peer: the peer, on which the session holds a reference
 * @send_aead: AES-256-GCM keyed with the sending key
 * @recv_aead: AES-256-GCM keyed with the receiving key
 * @send_counter: the next counter to send; nonces come from it
 * @replay: counters received
 * @local_index: this side's index, which the peer's data messages carry
 * @remote_index: the peer's index, which this side's data messages carry
 * @birth_ns: boot-time clock when the handshake completed
 * @initiator: this side sent the initiation
 *
 * Everything but the counters and the window is fixed once created.
 */
struct hcx_session {
	struct kref refcount;
	struct rcu_work free_work;
	struct hcx_peer *peer;
	struct crypto_aead *send_aead;
	struct crypto_aead *recv_aead;
	atomic64_t send_counter;
	struct hcx_replay replay;
	__le32 local_index;
	__le32 remote_index;
	u64 birth_ns;
	bool initiator;
};

/**
 * struct hcx_sessions - a peer's session slots
 * @lock: serialises changes of the slots; taken with bottom halves off
 * @next: a responder's session that the initiator has not used yet
 * @active: the session data is sent with
 * @previous: the session before @active, kept to receive what was in flight
 *
 * Readers use RCU and take a reference for work that outlives it.
 */
struct hcx_sessions {
	spinlock_t lock; /* protects the three slots */
	struct hcx_session __rcu *next;
	struct hcx_session __rcu *active;
	struct hcx_session __rcu *previous;
};

struct hcx_session *hcx_session_create(struct hcx_peer *peer,
				       const u8 send_key[HCXREPL_KEY_LEN],
				       const u8 recv_key[HCXREPL_KEY_LEN],
				       __le32 local_index, __le32 remote_index,
				       bool initiator);
void hcx_session_put(struct hcx_session *session);

static inline bool hcx_session_get(struct hcx_session *session)
{
	return kref_get_unless_zero(&session->refcount);
}

static inline bool hcx_session_expired(const struct hcx_session *session,
				       u64 now)
{
	return now - session->birth_ns >= hcx_reject_after_ns();
}

/**
 * struct hcx_skb_cb - what a data message carries through its crypto
 * @session: the session sealing or opening it; the skb holds a reference
 * @counter: its counter
 * @done: called when the crypto is done, in softirq or a crypto worker
 *	with bottom halves off
 * @req: the crypto request, freed before @done
 * @frame_len: the length of the frame it carries
 * @iif: a received message's incoming interface, which scopes a link-local
 *	source: taken from the IPv6 control block this one overwrites
 */
struct hcx_skb_cb {
	struct hcx_session *session;
	u64 counter;
	void (*done)(struct sk_buff *skb, int err);
	void *req;
	unsigned int frame_len;
	int iif;
};

#define HCX_SKB_CB(skb) ((struct hcx_skb_cb *)(skb)->cb)

void hcx_session_crypt(struct sk_buff *skb, int nsg, bool seal,
		       unsigned int offset, unsigned int len);

void hcx_sessions_init(struct hcx_sessions *sessions);
void hcx_sessions_install(struct hcx_sessions *sessions,
			  struct hcx_session *session);
bool hcx_sessions_confirm(struct hcx_sessions *sessions,
			  struct hcx_session *session);
struct hcx_session *hcx_sessions_lookup(struct hcx_sessions *sessions,
					__le32 local_index);
struct hcx_session *hcx_sessions_sending(struct hcx_sessions *sessions);
bool hcx_sessions_index_used(struct hcx_sessions *sessions, __le32 index);
bool hcx_sessions_expire(struct hcx_sessions *sessions, u64 now);
void hcx_sessions_clear(struct hcx_sessions *sessions);

#endif /* _HCX_SESSION_H */
