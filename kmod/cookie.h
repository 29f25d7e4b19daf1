/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The handshake's defence against floods: mac2 cookies bound to a source
 * address, and a per-source rate limit.
 */
#ifndef _HCX_COOKIE_H
#define _HCX_COOKIE_H

#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <uapi/linux/hcxrepl.h>

#include "messages.h"

union hcx_endpoint;
struct crypto_aead;
struct sk_buff;

#define HCX_RATELIMIT_BUCKETS	1024

/**
 * struct hcx_cookie_sealer - the key cookie replies are sealed with
 * @rcu: freed after readers are done
 * @aead: AES-256-GCM under HMAC(cookie key, @nonce_prefix), synchronous
 * @nonce_prefix: random; the first half of every reply's nonce field
 * @counter: the next AEAD counter, the second half
 * @birth_ns: when it was made (boot clock)
 * @public_key: the site public key it was made for
 */
struct hcx_cookie_sealer {
	struct rcu_head rcu;
	struct crypto_aead *aead;
	u8 nonce_prefix[HCX_NONCE_LEN];
	atomic64_t counter;
	u64 birth_ns;
	u8 public_key[HCXREPL_KEY_LEN];
};

/**
 * struct hcx_cookie_checker - a device's cookie and rate-limit state
 * @lock: guards @secret and @secret_birth_ns (bh)
 * @secret: R, the secret cookies are computed with
 * @secret_birth_ns: when @secret was drawn, 0 before the first
 * @sealer: cookie replies' key; RCU, replaced by the handshake worker only
 * @bucket_lock: guards @buckets (bh)
 * @bucket_key: hashes a source address to its bucket
 * @buckets: per-source rate limit, as the time the bucket is full again
 */
struct hcx_cookie_checker {
	spinlock_t lock; /* secret */
	u8 secret[HCX_HASH_LEN];
	u64 secret_birth_ns;
	struct hcx_cookie_sealer __rcu *sealer;
	spinlock_t bucket_lock; /* buckets */
	siphash_key_t bucket_key;
	u64 buckets[HCX_RATELIMIT_BUCKETS];
};

void hcx_cookie_init(struct hcx_cookie_checker *checker);
void hcx_cookie_uninit(struct hcx_cookie_checker *checker);
int hcx_cookie_refresh_sealer(struct hcx_cookie_checker *checker,
			      const u8 public_key[HCXREPL_KEY_LEN],
			      const u8 cookie_key[HCX_HASH_LEN]);
bool hcx_cookie_mac2_valid(struct hcx_cookie_checker *checker,
			   const union hcx_endpoint *src,
			   const void *msg, size_t mac2_offset);
int hcx_cookie_make_reply(struct hcx_cookie_checker *checker,
			  struct hcx_msg_cookie *reply, __le32 receiver_index,
			  const u8 mac1[HCX_MAC_LEN],
			  const union hcx_endpoint *src);
int hcx_cookie_open_reply(u8 cookie[HCX_MAC_LEN],
			  const struct hcx_msg_cookie *reply,
			  const u8 sender_public[HCXREPL_KEY_LEN],
			  const u8 mac1[HCX_MAC_LEN]);
bool hcx_ratelimit_allow(struct hcx_cookie_checker *checker,
			 const union hcx_endpoint *src);

#endif /* _HCX_COOKIE_H */
