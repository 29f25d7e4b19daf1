// SPDX-License-Identifier: GPL-2.0
/*
 * The handshake's defence against floods, as protocol.rst specifies it.
 *
 * A handshake message costs the responder two or three X25519 operations,
 * so the receive path checks mac1 (is the message for us?) before queueing
 * anything, limits each source address to a few handshakes a second, and,
 * once the handshake queue fills up ("under load"), also requires mac2: a
 * MAC under a cookie that only a sender able to receive at its source
 * address can have.  A message without it gets a cookie reply and is
 * dropped; nothing is allocated for it beyond the reply itself.
 *
 * Locking: checker.lock guards the cookie secret, checker.bucket_lock the
 * rate-limit buckets; both are taken with bottom halves off and held for a
 * few instructions.  The reply sealer is RCU: the handshake worker, and
 * device teardown after it, replace it.
 */

#include <crypto/aead.h>
#include <kunit/visibility.h>
#include <crypto/algapi.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "cookie.h"
#include "noise.h"
#include "peer.h"

/* Cookies and the sealer's key last this long. */
#define HCX_COOKIE_SECRET_NS	(120ULL * NSEC_PER_SEC)
/* Handshakes per second and burst allowed to one source address. */
#define HCX_RATELIMIT_PER_SEC	20
#define HCX_RATELIMIT_BURST	5
/* Replies under one sealer key before a new one is drawn. */
#define HCX_SEALER_MAX_REPLIES	BIT_ULL(32)

void hcx_cookie_init(struct hcx_cookie_checker *checker)
{
	spin_lock_init(&checker->lock);
	spin_lock_init(&checker->bucket_lock);
	checker->secret_birth_ns = 0;
	RCU_INIT_POINTER(checker->sealer, NULL);
	get_random_bytes(&checker->bucket_key, sizeof(checker->bucket_key));
	memset(checker->buckets, 0, sizeof(checker->buckets));
}
EXPORT_SYMBOL_IF_KUNIT(hcx_cookie_init);

static void hcx_sealer_free(struct hcx_cookie_sealer *sealer)
{
	if (sealer) {
		crypto_free_aead(sealer->aead);
		kfree_sensitive(sealer);
	}
}

/* Process context, readers gone (the device's sockets are closed). */
void hcx_cookie_uninit(struct hcx_cookie_checker *checker)
{
	hcx_sealer_free(rcu_dereference_protected(checker->sealer, true));
	RCU_INIT_POINTER(checker->sealer, NULL);
	memzero_explicit(checker->secret, sizeof(checker->secret));
}
EXPORT_SYMBOL_IF_KUNIT(hcx_cookie_uninit);

/**
 * hcx_cookie_refresh_sealer - draw a new reply key when the old one is due
 * @checker: the device's checker
 * @public_key: this site's public key
 * @cookie_key: HASH(LABEL_COOKIE || @public_key)
 *
 * Called by the handshake worker only, so sealers are replaced by one
 * thread.  Process context.
 *
 * Return: 0, or a negative errno; the old sealer stays then.
 */
int hcx_cookie_refresh_sealer(struct hcx_cookie_checker *checker,
			      const u8 public_key[HCXREPL_KEY_LEN],
			      const u8 cookie_key[HCX_HASH_LEN])
{
	struct hcx_cookie_sealer *old, *sealer;
	u64 now = ktime_get_coarse_boottime_ns();
	u8 key[HCX_HASH_LEN];
	int ret;

	old = rcu_dereference_protected(checker->sealer, true);
	if (old && now - old->birth_ns < HCX_COOKIE_SECRET_NS &&
	    atomic64_read(&old->counter) < HCX_SEALER_MAX_REPLIES &&
	    !memcmp(old->public_key, public_key, HCXREPL_KEY_LEN))
		return 0;

	sealer = kzalloc(sizeof(*sealer), GFP_KERNEL);
	if (!sealer)
		return -ENOMEM;
	/* Synchronous: replies are sealed in softirq, without a callback. */
	sealer->aead = crypto_alloc_aead("gcm(aes)", 0, CRYPTO_ALG_ASYNC);
	if (IS_ERR(sealer->aead)) {
		ret = PTR_ERR(sealer->aead);
		kfree(sealer);
		return ret;
	}
	get_random_bytes(sealer->nonce_prefix, sizeof(sealer->nonce_prefix));
	hcx_hmac(key, cookie_key, HCX_HASH_LEN, sealer->nonce_prefix,
		 sizeof(sealer->nonce_prefix));
	ret = crypto_aead_setkey(sealer->aead, key, sizeof(key)) ?:
	      crypto_aead_setauthsize(sealer->aead, HCX_TAG_LEN);
	memzero_explicit(key, sizeof(key));
	if (ret) {
		hcx_sealer_free(sealer);
		return ret;
	}
	atomic64_set(&sealer->counter, 0);
	sealer->birth_ns = now;
	memcpy(sealer->public_key, public_key, HCXREPL_KEY_LEN);

	rcu_assign_pointer(checker->sealer, sealer);
	if (old) {
		synchronize_net();
		hcx_sealer_free(old);
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_cookie_refresh_sealer);

/* The bytes a cookie binds: the address, then the port. */
static size_t hcx_source_bytes(u8 out[18], const union hcx_endpoint *src)
{
	if (src->addr.sa_family == AF_INET6) {
		memcpy(out, &src->addr6.sin6_addr, 16);
		memcpy(out + 16, &src->addr6.sin6_port, 2);
		return 18;
	}
	memcpy(out, &src->addr4.sin_addr, 4);
	memcpy(out + 4, &src->addr4.sin_port, 2);
	return 6;
}

/* cookie = MAC(R, source address || source port); R changes every 2 min. */
static void hcx_cookie_compute(struct hcx_cookie_checker *checker,
			       u8 cookie[HCX_MAC_LEN],
			       const union hcx_endpoint *src)
{
	u64 now = ktime_get_coarse_boottime_ns();
	u8 source[18];
	size_t len = hcx_source_bytes(source, src);

	spin_lock_bh(&checker->lock);
	if (!checker->secret_birth_ns ||
	    now - checker->secret_birth_ns >= HCX_COOKIE_SECRET_NS) {
		get_random_bytes(checker->secret, sizeof(checker->secret));
		checker->secret_birth_ns = now ?: 1;
	}
	hcx_mac(cookie, checker->secret, sizeof(checker->secret), source, len);
	spin_unlock_bh(&checker->lock);
}

/* Whether the mac2 at MSG + MAC2_OFFSET is right for a sender at SRC. */
bool hcx_cookie_mac2_valid(struct hcx_cookie_checker *checker,
			   const union hcx_endpoint *src,
			   const void *msg, size_t mac2_offset)
{
	u8 cookie[HCX_MAC_LEN], mac2[HCX_MAC_LEN];
	bool valid;

	hcx_cookie_compute(checker, cookie, src);
	hcx_mac(mac2, cookie, sizeof(cookie), msg, mac2_offset);
	valid = !crypto_memneq(mac2, (const u8 *)msg + mac2_offset,
			       HCX_MAC_LEN);
	memzero_explicit(cookie, sizeof(cookie));
	return valid;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_cookie_mac2_valid);

/**
 * hcx_cookie_make_reply - a cookie reply to a message from SRC
 * @checker: the device's checker
 * @reply: the reply, in memory a scatterlist can map (an skb's data)
 * @receiver_index: the sender index of the message answered
 * @mac1: that message's mac1, the reply's associated data
 * @src: where that message came from
 *
 * Any context.
 *
 * Return: 0, -EAGAIN when no sealer exists yet, or another negative errno.
 */
int hcx_cookie_make_reply(struct hcx_cookie_checker *checker,
			  struct hcx_msg_cookie *reply, __le32 receiver_index,
			  const u8 mac1[HCX_MAC_LEN],
			  const union hcx_endpoint *src)
{
	struct aead_request *req = NULL;
	struct hcx_cookie_sealer *sealer;
	struct scatterlist sg[2];
	size_t reqsize;
	u8 *ad;
	int ret;

	memset(reply, 0, sizeof(*reply));
	reply->header.type = HCX_MSG_COOKIE;
	reply->receiver_index = receiver_index;
	hcx_cookie_compute(checker, reply->encrypted_cookie, src);

	rcu_read_lock_bh();
	sealer = rcu_dereference_bh(checker->sealer);
	if (!sealer) {
		ret = -EAGAIN;
		goto out;
	}
	reqsize = sizeof(*req) + crypto_aead_reqsize(sealer->aead);
	req = kmalloc(reqsize + HCX_MAC_LEN, GFP_ATOMIC);
	if (!req) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(reply->nonce, sealer->nonce_prefix, HCX_NONCE_LEN);
	hcx_aead_nonce(reply->nonce + HCX_NONCE_LEN,
		       atomic64_fetch_inc(&sealer->counter));

	ad = (u8 *)req + reqsize;
	memcpy(ad, mac1, HCX_MAC_LEN);
	sg_init_table(sg, 2);
	sg_set_buf(&sg[0], ad, HCX_MAC_LEN);
	sg_set_buf(&sg[1], reply->encrypted_cookie,
		   sizeof(reply->encrypted_cookie));
	aead_request_set_tfm(req, sealer->aead);
	aead_request_set_callback(req, 0, NULL, NULL);
	aead_request_set_crypt(req, sg, sg, HCX_MAC_LEN,
			       reply->nonce + HCX_NONCE_LEN);
	aead_request_set_ad(req, HCX_MAC_LEN);
	ret = crypto_aead_encrypt(req);
out:
	rcu_read_unlock_bh();
	kfree_sensitive(req);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_cookie_make_reply);

/**
 * hcx_cookie_open_reply - the cookie a reply carries
 * @cookie: where to put it
 * @reply: the cookie reply received
 * @sender_public: the public key of its sender, our peer
 * @mac1: the mac1 of the message of ours it answers
 *
 * Process context (the handshake AEAD sleeps).
 *
 * Return: 0, or -EBADMSG when the reply does not open.
 */
int hcx_cookie_open_reply(u8 cookie[HCX_MAC_LEN],
			  const struct hcx_msg_cookie *reply,
			  const u8 sender_public[HCXREPL_KEY_LEN],
			  const u8 mac1[HCX_MAC_LEN])
{
	static const u8 zero[HCX_NONCE_LEN - sizeof(u64)];
	const u8 *gcm_nonce = reply->nonce + HCX_NONCE_LEN;
	u8 cookie_key[HCX_HASH_LEN], key[HCX_HASH_LEN];
	__be64 counter;
	u8 *buf;
	int ret;

	if (memcmp(gcm_nonce, zero, sizeof(zero)))
		return -EBADMSG;
	memcpy(&counter, gcm_nonce + sizeof(zero), sizeof(counter));

	/* Heap, for the scatterlists: the text, its tag, then the AD. */
	buf = kmalloc(sizeof(reply->encrypted_cookie) + HCX_MAC_LEN,
		      GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, reply->encrypted_cookie, sizeof(reply->encrypted_cookie));
	memcpy(buf + sizeof(reply->encrypted_cookie), mac1, HCX_MAC_LEN);

	hcx_noise_cookie_key(cookie_key, sender_public);
	hcx_hmac(key, cookie_key, sizeof(cookie_key), reply->nonce,
		 HCX_NONCE_LEN);
	ret = hcx_aead_open(key, be64_to_cpu(counter), buf, HCX_MAC_LEN,
			    buf + sizeof(reply->encrypted_cookie), HCX_MAC_LEN);
	if (!ret)
		memcpy(cookie, buf, HCX_MAC_LEN);
	memzero_explicit(key, sizeof(key));
	kfree_sensitive(buf);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_cookie_open_reply);

/* Whether SRC may have one more handshake processed now. */
bool hcx_ratelimit_allow(struct hcx_cookie_checker *checker,
			 const union hcx_endpoint *src)
{
	const u64 interval = NSEC_PER_SEC / HCX_RATELIMIT_PER_SEC;
	u64 now = ktime_get_coarse_boottime_ns();
	u8 source[18];
	size_t len = hcx_source_bytes(source, src);
	u32 bucket;
	bool allow;
	u64 *full;

	/* The port is left out: a source may change ports at will. */
	len -= 2;
	bucket = siphash(source, len, &checker->bucket_key) %
		 HCX_RATELIMIT_BUCKETS;

	spin_lock_bh(&checker->bucket_lock);
	full = &checker->buckets[bucket];
	if (*full < now)
		*full = now;
	allow = *full + interval <= now + HCX_RATELIMIT_BURST * interval;
	if (allow)
		*full += interval;
	spin_unlock_bh(&checker->bucket_lock);
	return allow;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_ratelimit_allow);
