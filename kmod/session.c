// SPDX-License-Identifier: GPL-2.0
/*
 * Sessions: the transport keys of a completed handshake and the peer's
 * three slots for them.
 *
 * An initiator's new session becomes active at once: the response proved
 * the responder holds the same keys.  A responder's waits in the next slot
 * until the first data message on it proves the initiator has the keys too;
 * then it becomes active and the active one previous.  The previous session
 * still receives, so that a rekey loses nothing that was in flight.
 *
 * Every session has fresh keys, so its counters start at zero; counters
 * are never reused within a session, and a session sends at most
 * HCX_REJECT_AFTER_MESSAGES messages and lives at most
 * hcx_reject_after_ns().
 *
 * Locking: hcx_sessions.lock (bottom halves off) for the slots, RCU for
 * readers; a reference keeps a session alive across asynchronous crypto.
 * The last reference frees it after a grace period from a workqueue,
 * wiping nothing itself: the crypto API zeroes a transform's key when
 * freeing it.
 */

#include <crypto/aead.h>
#include <linux/moduleparam.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <linux/slab.h>

#include "compat.h"
#include "device.h"
#include "noise.h"
#include "peer.h"
#include "session.h"

static_assert(sizeof(struct hcx_skb_cb) <= sizeof_field(struct sk_buff, cb));

static unsigned int rekey_after_seconds = 120;
module_param(rekey_after_seconds, uint, 0644);
MODULE_PARM_DESC(rekey_after_seconds,
		 "Start a new handshake when a session is this old (tests shorten it)");

static ulong rekey_after_messages = 1UL << 60;
module_param(rekey_after_messages, ulong, 0644);
MODULE_PARM_DESC(rekey_after_messages,
		 "Start a new handshake after sending this many messages in a session");

u64 hcx_rekey_after_ns(void)
{
	return (u64)max(READ_ONCE(rekey_after_seconds), 1U) * NSEC_PER_SEC;
}

u64 hcx_rekey_after_messages(void)
{
	return min_t(u64, max(READ_ONCE(rekey_after_messages), 1UL),
		     HCX_REJECT_AFTER_MESSAGES);
}

static struct crypto_aead *hcx_session_aead(const u8 key[HCXREPL_KEY_LEN])
{
	struct crypto_aead *aead;
	int ret;

	/* Asynchronous implementations allowed: AES-NI comes wrapped so. */
	aead = crypto_alloc_aead("gcm(aes)", 0, 0);
	if (IS_ERR(aead))
		return aead;
	ret = crypto_aead_setkey(aead, key, HCXREPL_KEY_LEN) ?:
	      crypto_aead_setauthsize(aead, HCX_TAG_LEN);
	if (ret) {
		crypto_free_aead(aead);
		return ERR_PTR(ret);
	}
	return aead;
}

static void hcx_session_free(struct work_struct *work)
{
	struct hcx_session *session =
		container_of(to_rcu_work(work), struct hcx_session, free_work);

	crypto_free_aead(session->send_aead);
	crypto_free_aead(session->recv_aead);
	hcx_peer_put(session->peer);
	kfree_sensitive(session);
}

static void hcx_session_release(struct kref *ref)
{
	struct hcx_session *session =
		container_of(ref, struct hcx_session, refcount);

	queue_rcu_work(hcx_wq, &session->free_work);
}

void hcx_session_put(struct hcx_session *session)
{
	if (session)
		kref_put(&session->refcount, hcx_session_release);
}

/**
 * hcx_session_create - a session from a handshake's transport keys
 * @peer: the peer; the session takes a reference on it
 * @send_key: the key this side seals with
 * @recv_key: the key this side opens with
 * @local_index: this side's index for the session
 * @remote_index: the peer's index for the session
 * @initiator: whether this side initiated the handshake
 *
 * Process context.  The caller wipes the keys.
 *
 * Return: the session with one reference, or an ERR_PTR.
 */
struct hcx_session *hcx_session_create(struct hcx_peer *peer,
				       const u8 send_key[HCXREPL_KEY_LEN],
				       const u8 recv_key[HCXREPL_KEY_LEN],
				       __le32 local_index, __le32 remote_index,
				       bool initiator)
{
	struct hcx_session *session;
	int ret;

	session = kzalloc(sizeof(*session), GFP_KERNEL);
	if (!session)
		return ERR_PTR(-ENOMEM);
	session->send_aead = hcx_session_aead(send_key);
	if (IS_ERR(session->send_aead)) {
		ret = PTR_ERR(session->send_aead);
		goto err_free;
	}
	session->recv_aead = hcx_session_aead(recv_key);
	if (IS_ERR(session->recv_aead)) {
		ret = PTR_ERR(session->recv_aead);
		goto err_send;
	}
	kref_init(&session->refcount);
	INIT_RCU_WORK(&session->free_work, hcx_session_free);
	hcx_peer_get(peer);
	session->peer = peer;
	atomic64_set(&session->send_counter, 0);
	hcx_replay_init(&session->replay);
	session->local_index = local_index;
	session->remote_index = remote_index;
	session->birth_ns = ktime_get_coarse_boottime_ns();
	session->initiator = initiator;
	return session;

err_send:
	crypto_free_aead(session->send_aead);
err_free:
	kfree(session);
	return ERR_PTR(ret);
}

/* Called once per request, by the crypto API or hcx_session_crypt(). */
void hcx_crypt_done(void *data, int err)
{
	struct sk_buff *skb = data;
	struct hcx_skb_cb *cb = HCX_SKB_CB(skb);

	kfree(cb->req);
	cb->req = NULL;
	/* Asynchronous completions may come from a worker. */
	local_bh_disable();
	cb->done(skb, err);
	local_bh_enable();
}

/**
 * hcx_session_crypt - seal or open the data message in SKB, in place
 * @skb: the message, with its hcx_skb_cb filled in; writable (after
 *	skb_cow_data()), with room for the tag when sealing
 * @nsg: the scatterlist entries skb_cow_data() said SKB needs
 * @seal: seal with the session's sending key, or open with its receiving key
 * @offset: where the text starts in SKB
 * @len: the text's length, without the tag
 *
 * Calls the cb's done() with 0, or -EBADMSG when the tag does not verify,
 * or another negative errno; maybe before returning, maybe later.
 */
void hcx_session_crypt(struct sk_buff *skb, int nsg, bool seal,
		       unsigned int offset, unsigned int len)
{
	struct hcx_skb_cb *cb = HCX_SKB_CB(skb);
	struct crypto_aead *aead = seal ? cb->session->send_aead :
					  cb->session->recv_aead;
	size_t reqsize = ALIGN(sizeof(struct aead_request) +
			       crypto_aead_reqsize(aead),
			       __alignof__(struct scatterlist));
	struct aead_request *req;
	struct scatterlist *sg;
	u8 *nonce;
	int ret;

	req = kmalloc(reqsize + nsg * sizeof(*sg) + HCX_NONCE_LEN, GFP_ATOMIC);
	cb->req = req;
	if (!req) {
		ret = -ENOMEM;
		goto done;
	}
	sg = (struct scatterlist *)((u8 *)req + reqsize);
	nonce = (u8 *)(sg + nsg);

	sg_init_table(sg, nsg);
	ret = skb_to_sgvec(skb, sg, offset, len + HCX_TAG_LEN);
	if (ret < 0)
		goto done;
	hcx_aead_nonce(nonce, cb->counter);
	aead_request_set_tfm(req, aead);
	aead_request_set_callback(req, 0, HCX_CRYPT_DONE, skb);
	aead_request_set_crypt(req, sg, sg, seal ? len : len + HCX_TAG_LEN,
			       nonce);
	aead_request_set_ad(req, 0);
	ret = seal ? crypto_aead_encrypt(req) : crypto_aead_decrypt(req);
	if (ret == -EINPROGRESS)
		return;
done:
	hcx_crypt_done(skb, ret);
}

void hcx_sessions_init(struct hcx_sessions *sessions)
{
	spin_lock_init(&sessions->lock);
	RCU_INIT_POINTER(sessions->next, NULL);
	RCU_INIT_POINTER(sessions->active, NULL);
	RCU_INIT_POINTER(sessions->previous, NULL);
}

/* The session in SLOT, one of SESSIONS' slots; its lock held. */
static struct hcx_session *hcx_slot(struct hcx_sessions *sessions,
				    struct hcx_session __rcu *const *slot)
{
	return rcu_dereference_protected(*slot,
					 lockdep_is_held(&sessions->lock));
}

/**
 * hcx_sessions_install - make a new session usable, taking its reference
 * @sessions: the peer's slots
 * @session: an initiator's session becomes active; a responder's next
 *
 * When both sides initiate at once, each ends up with the other's
 * handshake as an unconfirmed next session and its own as active: the
 * next one is kept as previous then, so that what the peer sends on it
 * is still received.
 */
void hcx_sessions_install(struct hcx_sessions *sessions,
			  struct hcx_session *session)
{
	struct hcx_session *next, *active, *previous;

	spin_lock_bh(&sessions->lock);
	next = hcx_slot(sessions, &sessions->next);
	active = hcx_slot(sessions, &sessions->active);
	previous = hcx_slot(sessions, &sessions->previous);
	if (session->initiator) {
		RCU_INIT_POINTER(sessions->next, NULL);
		if (next) {
			rcu_assign_pointer(sessions->previous, next);
			next = NULL;
		} else {
			rcu_assign_pointer(sessions->previous, active);
			active = NULL;
		}
		rcu_assign_pointer(sessions->active, session);
	} else {
		/* The previous session would go at confirmation anyway. */
		rcu_assign_pointer(sessions->next, session);
		RCU_INIT_POINTER(sessions->previous, NULL);
		active = NULL;
	}
	spin_unlock_bh(&sessions->lock);
	hcx_session_put(next);
	hcx_session_put(active);
	hcx_session_put(previous);
}

/**
 * hcx_sessions_confirm - promote SESSION if it is the next one
 * @sessions: the peer's slots
 * @session: the session a data message just authenticated on
 *
 * Return: true when SESSION became active.
 */
bool hcx_sessions_confirm(struct hcx_sessions *sessions,
			  struct hcx_session *session)
{
	struct hcx_session *drop = NULL;
	bool promoted = false;

	if (rcu_access_pointer(sessions->next) != session)
		return false;

	spin_lock_bh(&sessions->lock);
	if (hcx_slot(sessions, &sessions->next) == session) {
		drop = hcx_slot(sessions, &sessions->previous);
		rcu_assign_pointer(sessions->previous,
				   hcx_slot(sessions, &sessions->active));
		rcu_assign_pointer(sessions->active, session);
		RCU_INIT_POINTER(sessions->next, NULL);
		promoted = true;
	}
	spin_unlock_bh(&sessions->lock);
	hcx_session_put(drop);
	return promoted;
}

/* The session whose local index is INDEX, with a reference, or NULL. */
struct hcx_session *hcx_sessions_lookup(struct hcx_sessions *sessions,
					__le32 index)
{
	struct hcx_session __rcu *const *slots[] = {
		&sessions->active, &sessions->previous, &sessions->next,
	};
	struct hcx_session *session = NULL;
	int i;

	rcu_read_lock_bh();
	for (i = 0; i < ARRAY_SIZE(slots); i++) {
		struct hcx_session *s = rcu_dereference_bh(*slots[i]);

		if (s && s->local_index == index) {
			if (hcx_session_get(s))
				session = s;
			break;
		}
	}
	rcu_read_unlock_bh();
	return session;
}

/* The active session, with a reference, if it may still send. */
struct hcx_session *hcx_sessions_sending(struct hcx_sessions *sessions)
{
	struct hcx_session *session;
	u64 now = ktime_get_coarse_boottime_ns();

	rcu_read_lock_bh();
	session = rcu_dereference_bh(sessions->active);
	if (session && (hcx_session_expired(session, now) ||
			atomic64_read(&session->send_counter) >=
				HCX_REJECT_AFTER_MESSAGES ||
			!hcx_session_get(session)))
		session = NULL;
	rcu_read_unlock_bh();
	return session;
}

/* Whether INDEX is taken by a session in a slot. */
bool hcx_sessions_index_used(struct hcx_sessions *sessions, __le32 index)
{
	struct hcx_session *session = hcx_sessions_lookup(sessions, index);

	hcx_session_put(session);
	return session;
}

/*
 * Drop the sessions that are too old to use.
 * Return: whether any session is left.
 */
bool hcx_sessions_expire(struct hcx_sessions *sessions, u64 now)
{
	struct hcx_session __rcu **slots[] = {
		&sessions->active, &sessions->previous, &sessions->next,
	};
	struct hcx_session *drop[ARRAY_SIZE(slots)] = { NULL };
	bool left = false;
	int i;

	spin_lock_bh(&sessions->lock);
	for (i = 0; i < ARRAY_SIZE(slots); i++) {
		struct hcx_session *s = hcx_slot(sessions, slots[i]);

		if (s && hcx_session_expired(s, now)) {
			drop[i] = s;
			RCU_INIT_POINTER(*slots[i], NULL);
		} else if (s) {
			left = true;
		}
	}
	spin_unlock_bh(&sessions->lock);
	for (i = 0; i < ARRAY_SIZE(drop); i++)
		hcx_session_put(drop[i]);
	return left;
}

void hcx_sessions_clear(struct hcx_sessions *sessions)
{
	struct hcx_session *next, *active, *previous;

	spin_lock_bh(&sessions->lock);
	next = hcx_slot(sessions, &sessions->next);
	active = hcx_slot(sessions, &sessions->active);
	previous = hcx_slot(sessions, &sessions->previous);
	RCU_INIT_POINTER(sessions->next, NULL);
	RCU_INIT_POINTER(sessions->active, NULL);
	RCU_INIT_POINTER(sessions->previous, NULL);
	spin_unlock_bh(&sessions->lock);
	hcx_session_put(next);
	hcx_session_put(active);
	hcx_session_put(previous);
}
