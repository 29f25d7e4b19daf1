// SPDX-License-Identifier: GPL-2.0
/*
 * The interconnect's handshake, Noise_IKpsk2_25519_AESGCM_SHA256, exactly as
 * Documentation/hcxrepl/protocol.rst specifies it; the KUnit suite
 * hcxrepl_noise checks it against an independent implementation's vectors.
 *
 * Everything here works on a caller-owned transcript (struct
 * hcx_handshake_state) and takes its randomness (ephemeral keys, indexes,
 * time) as arguments, so that tests can fix it.
 *
 * Locking: the handshake AEAD is one synchronous gcm(aes) transform shared
 * by all handshakes and serialised by hs_aead_lock, since a transform's key
 * is per transform.  Handshakes are rare and rate-limited, and run in
 * process context, so a mutex is enough.  The data path keys its own.
 */

#include <crypto/aead.h>
#include <crypto/curve25519.h>
#include <crypto/sha2.h>
#include <kunit/visibility.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/string.h>

#include "noise.h"

static const u8 hcx_construction[] = "Noise_IKpsk2_25519_AESGCM_SHA256";
static const u8 hcx_identifier[] = "hcxrepl v1 interconnect";
static const u8 hcx_channel_identifier[] = "hcxrepl v1 replication channel";
static const u8 hcx_label_mac1[] = "mac1----";
static const u8 hcx_label_cookie[] = "cookie--";

/*
 * HASH(CONSTRUCTION), and HASH(it || IDENTIFIER) for the interconnect and
 * for the replication channel, computed once.
 */
static u8 hcx_initial_chaining_key[HCX_HASH_LEN] __ro_after_init;
static u8 hcx_initial_hash[HCX_HASH_LEN] __ro_after_init;
static u8 hcx_channel_initial_hash[HCX_HASH_LEN] __ro_after_init;

static struct crypto_aead *hs_aead;
static DEFINE_MUTEX(hs_aead_lock);

void hcx_hmac(u8 out[HCX_HASH_LEN], const u8 *key, size_t key_len,
	      const u8 *in, size_t in_len)
{
	u8 pad[SHA256_BLOCK_SIZE] = { 0 };
	u8 inner[SHA256_DIGEST_SIZE];
	struct sha256_state state;
	int i;

	if (key_len > SHA256_BLOCK_SIZE)
		sha256(key, key_len, pad);
	else
		memcpy(pad, key, key_len);

	for (i = 0; i < SHA256_BLOCK_SIZE; i++)
		pad[i] ^= 0x36;
	sha256_init(&state);
	sha256_update(&state, pad, SHA256_BLOCK_SIZE);
	sha256_update(&state, in, in_len);
	sha256_final(&state, inner);

	for (i = 0; i < SHA256_BLOCK_SIZE; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	sha256_init(&state);
	sha256_update(&state, pad, SHA256_BLOCK_SIZE);
	sha256_update(&state, inner, SHA256_DIGEST_SIZE);
	sha256_final(&state, out);

	memzero_explicit(pad, sizeof(pad));
	memzero_explicit(inner, sizeof(inner));
}

/*
 * Noise's HKDF: up to three 32-byte outputs of the chaining key and DATA.
 * Outputs may alias the chaining key.
 */
static void hcx_kdf(u8 *first, u8 *second, u8 *third, const u8 *data,
		    size_t data_len, const u8 chaining_key[HCX_HASH_LEN])
{
	u8 *outputs[] = { first, second, third };
	u8 block[HCX_HASH_LEN + 1];
	u8 secret[HCX_HASH_LEN];
	size_t prev_len = 0;
	int i;

	hcx_hmac(secret, chaining_key, HCX_HASH_LEN, data, data_len);
	for (i = 0; i < ARRAY_SIZE(outputs) && outputs[i]; i++) {
		block[prev_len] = i + 1;
		hcx_hmac(block, secret, HCX_HASH_LEN, block, prev_len + 1);
		memcpy(outputs[i], block, HCX_HASH_LEN);
		prev_len = HCX_HASH_LEN;
	}
	memzero_explicit(secret, sizeof(secret));
	memzero_explicit(block, sizeof(block));
}

static void mix_hash(u8 hash[HCX_HASH_LEN], const u8 *data, size_t len)
{
	struct sha256_state state;

	sha256_init(&state);
	sha256_update(&state, hash, HCX_HASH_LEN);
	sha256_update(&state, data, len);
	sha256_final(&state, hash);
}

/* ck, key = HKDF2(ck, DH(private, public)); key may be NULL. */
static int mix_dh(u8 chaining_key[HCX_HASH_LEN], u8 *key,
		  const u8 private[HCXREPL_KEY_LEN],
		  const u8 public[HCXREPL_KEY_LEN])
{
	u8 shared[HCXREPL_KEY_LEN];

	/* curve25519() refuses an all-zero result: a low-order point. */
	if (!curve25519(shared, private, public))
		return -EINVAL;
	hcx_kdf(chaining_key, key, NULL, shared, sizeof(shared), chaining_key);
	memzero_explicit(shared, sizeof(shared));
	return 0;
}

static void mix_ephemeral(struct hcx_handshake_state *hs,
			  const u8 ephemeral[HCXREPL_KEY_LEN])
{
	hcx_kdf(hs->chaining_key, NULL, NULL, ephemeral, HCXREPL_KEY_LEN,
		hs->chaining_key);
	mix_hash(hs->hash, ephemeral, HCXREPL_KEY_LEN);
}

/* Ci and Hi: the state both sides start from, for responder RESPONDER. */
static void handshake_start(struct hcx_handshake_state *hs,
			    const u8 responder[HCXREPL_KEY_LEN])
{
	memcpy(hs->chaining_key, hcx_initial_chaining_key, HCX_HASH_LEN);
	memcpy(hs->hash, hs->channel ? hcx_channel_initial_hash :
	       hcx_initial_hash, HCX_HASH_LEN);
	mix_hash(hs->hash, responder, HCXREPL_KEY_LEN);
}

void hcx_tai64n(u8 out[HCX_TIMESTAMP_LEN], u64 sec, u32 nsec)
{
	__be64 seconds = cpu_to_be64(sec + (1ULL << 62));
	__be32 nanoseconds = cpu_to_be32(nsec);

	memcpy(out, &seconds, sizeof(seconds));
	memcpy(out + sizeof(seconds), &nanoseconds, sizeof(nanoseconds));
}
EXPORT_SYMBOL_IF_KUNIT(hcx_tai64n);

/* HASH(LABEL || PUBLIC): the key of mac1 (or of cookie replies) to PUBLIC. */
static void mac_key(u8 key[HCX_HASH_LEN], const u8 *label, size_t label_len,
		    const u8 public[HCXREPL_KEY_LEN])
{
	struct sha256_state state;

	sha256_init(&state);
	sha256_update(&state, label, label_len);
	sha256_update(&state, public, HCXREPL_KEY_LEN);
	sha256_final(&state, key);
}

void hcx_noise_mac1_key(u8 key[HCX_HASH_LEN], const u8 public[HCXREPL_KEY_LEN])
{
	mac_key(key, hcx_label_mac1, sizeof(hcx_label_mac1) - 1, public);
}
EXPORT_SYMBOL_IF_KUNIT(hcx_noise_mac1_key);

void hcx_noise_cookie_key(u8 key[HCX_HASH_LEN],
			  const u8 public[HCXREPL_KEY_LEN])
{
	mac_key(key, hcx_label_cookie, sizeof(hcx_label_cookie) - 1, public);
}
EXPORT_SYMBOL_IF_KUNIT(hcx_noise_cookie_key);

/* MAC(key, msg): HMAC-SHA256 truncated to 16 bytes. */
void hcx_mac(u8 out[HCX_MAC_LEN], const u8 *key, size_t key_len,
	     const void *msg, size_t len)
{
	u8 mac[HCX_HASH_LEN];

	hcx_hmac(mac, key, key_len, msg, len);
	memcpy(out, mac, HCX_MAC_LEN);
	memzero_explicit(mac, sizeof(mac));
}
EXPORT_SYMBOL_IF_KUNIT(hcx_mac);

void hcx_noise_mac1(u8 out[HCX_MAC_LEN], const u8 remote_public[HCXREPL_KEY_LEN],
		    const void *msg, size_t len)
{
	u8 key[HCX_HASH_LEN];

	hcx_noise_mac1_key(key, remote_public);
	hcx_mac(out, key, sizeof(key), msg, len);
}
EXPORT_SYMBOL_IF_KUNIT(hcx_noise_mac1);

/*
 * AES-256-GCM on BUF in place: LEN bytes of text, followed by room for the
 * tag when sealing.  BUF and AD must be memory a scatterlist can map.
 */
static int hcx_aead(bool seal, const u8 key[HCXREPL_KEY_LEN], u64 counter,
		    u8 *buf, size_t len, const u8 *ad, size_t ad_len)
{
	size_t in_len = seal ? len : len + HCX_TAG_LEN;
	struct scatterlist sg[2];
	struct aead_request *req;
	u8 nonce[HCX_NONCE_LEN];
	int ret;

	hcx_aead_nonce(nonce, counter);
	sg_init_table(sg, ad_len ? 2 : 1);
	if (ad_len)
		sg_set_buf(&sg[0], ad, ad_len);
	sg_set_buf(&sg[ad_len ? 1 : 0], buf, len + HCX_TAG_LEN);

	mutex_lock(&hs_aead_lock);
	ret = crypto_aead_setkey(hs_aead, key, HCXREPL_KEY_LEN);
	if (ret)
		goto out;
	req = aead_request_alloc(hs_aead, GFP_KERNEL);
	if (!req) {
		ret = -ENOMEM;
		goto out;
	}
	aead_request_set_callback(req, 0, NULL, NULL);
	aead_request_set_crypt(req, sg, sg, in_len, nonce);
	aead_request_set_ad(req, ad_len);
	ret = seal ? crypto_aead_encrypt(req) : crypto_aead_decrypt(req);
	aead_request_free(req);
out:
	mutex_unlock(&hs_aead_lock);
	return ret;
}

int hcx_aead_seal(const u8 key[HCXREPL_KEY_LEN], u64 counter, u8 *buf,
		  size_t len, const u8 *ad, size_t ad_len)
{
	return hcx_aead(true, key, counter, buf, len, ad, ad_len);
}
EXPORT_SYMBOL_IF_KUNIT(hcx_aead_seal);

/* Return: 0, or -EBADMSG when the tag does not verify. */
int hcx_aead_open(const u8 key[HCXREPL_KEY_LEN], u64 counter, u8 *buf,
		  size_t len, const u8 *ad, size_t ad_len)
{
	return hcx_aead(false, key, counter, buf, len, ad, ad_len);
}
EXPORT_SYMBOL_IF_KUNIT(hcx_aead_open);

/* Seal LEN bytes of PLAIN into OUT (LEN + tag), and mix OUT into the hash. */
static int seal_and_hash(struct hcx_handshake_state *hs, u8 *out,
			 const u8 *plain, size_t len, const u8 key[HCXREPL_KEY_LEN])
{
	int ret;

	if (len)
		memcpy(hs->scratch, plain, len);
	ret = hcx_aead_seal(key, 0, hs->scratch, len, hs->hash, HCX_HASH_LEN);
	if (ret)
		return ret;
	memcpy(out, hs->scratch, len + HCX_TAG_LEN);
	mix_hash(hs->hash, out, len + HCX_TAG_LEN);
	return 0;
}

/* Open IN (LEN + tag) into PLAIN, and mix IN into the hash. */
static int open_and_hash(struct hcx_handshake_state *hs, u8 *plain,
			 const u8 *in, size_t len, const u8 key[HCXREPL_KEY_LEN])
{
	int ret;

	memcpy(hs->scratch, in, len + HCX_TAG_LEN);
	ret = hcx_aead_open(key, 0, hs->scratch, len, hs->hash, HCX_HASH_LEN);
	if (ret)
		return ret;
	if (len)
		memcpy(plain, hs->scratch, len);
	mix_hash(hs->hash, in, len + HCX_TAG_LEN);
	return 0;
}

/* ck, t, key = HKDF3(ck, psk); h = HASH(h || t). */
static void mix_psk(struct hcx_handshake_state *hs, u8 key[HCXREPL_KEY_LEN],
		    const u8 preshared_key[HCXREPL_KEY_LEN])
{
	u8 tau[HCX_HASH_LEN];

	hcx_kdf(hs->chaining_key, tau, key, preshared_key, HCXREPL_KEY_LEN,
		hs->chaining_key);
	mix_hash(hs->hash, tau, sizeof(tau));
	memzero_explicit(tau, sizeof(tau));
}

static int fail(struct hcx_handshake_state *hs, u8 *key, int ret)
{
	memzero_explicit(key, HCXREPL_KEY_LEN);
	memzero_explicit(hs, sizeof(*hs));
	return ret;
}

int hcx_noise_create_initiation(struct hcx_handshake_state *hs,
				struct hcx_msg_initiation *msg,
				const u8 local_private[HCXREPL_KEY_LEN],
				const u8 local_public[HCXREPL_KEY_LEN],
				const u8 remote_public[HCXREPL_KEY_LEN],
				const u8 ephemeral_private[HCXREPL_KEY_LEN],
				const u8 timestamp[HCX_TIMESTAMP_LEN],
				u32 sender_index)
{
	u8 key[HCXREPL_KEY_LEN];
	int ret;

	memset(msg, 0, sizeof(*msg));
	msg->header.type = hs->channel ? HCX_MSG_CHANNEL_INITIATION :
					 HCX_MSG_INITIATION;
	msg->sender_index = cpu_to_le32(sender_index);

	handshake_start(hs, remote_public);
	memcpy(hs->remote_static, remote_public, HCXREPL_KEY_LEN);
	memcpy(hs->ephemeral_private, ephemeral_private, HCXREPL_KEY_LEN);
	if (!curve25519_generate_public(msg->ephemeral, ephemeral_private))
		return fail(hs, key, -EINVAL);
	mix_ephemeral(hs, msg->ephemeral);

	ret = mix_dh(hs->chaining_key, key, ephemeral_private, remote_public) ?:
	      seal_and_hash(hs, msg->encrypted_static, local_public,
			    HCXREPL_KEY_LEN, key) ?:
	      mix_dh(hs->chaining_key, key, local_private, remote_public) ?:
	      seal_and_hash(hs, msg->encrypted_timestamp, timestamp,
			    HCX_TIMESTAMP_LEN, key);
	if (ret)
		return fail(hs, key, ret);
	memzero_explicit(key, sizeof(key));

	hcx_noise_mac1(msg->macs.mac1, remote_public, msg,
		       offsetof(struct hcx_msg_initiation, macs.mac1));
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_noise_create_initiation);

/*
 * The responder's side of message 1.  On success the transcript holds the
 * initiator's static key and timestamp: the caller checks that the key is
 * its peer's and that the timestamp is newer than the last one accepted.
 */
int hcx_noise_consume_initiation(struct hcx_handshake_state *hs,
				 const struct hcx_msg_initiation *msg,
				 const u8 local_private[HCXREPL_KEY_LEN],
				 const u8 local_public[HCXREPL_KEY_LEN])
{
	u8 key[HCXREPL_KEY_LEN];
	int ret;

	handshake_start(hs, local_public);
	memcpy(hs->remote_ephemeral, msg->ephemeral, HCXREPL_KEY_LEN);
	mix_ephemeral(hs, msg->ephemeral);

	ret = mix_dh(hs->chaining_key, key, local_private, msg->ephemeral) ?:
	      open_and_hash(hs, hs->remote_static, msg->encrypted_static,
			    HCXREPL_KEY_LEN, key) ?:
	      mix_dh(hs->chaining_key, key, local_private, hs->remote_static) ?:
	      open_and_hash(hs, hs->timestamp, msg->encrypted_timestamp,
			    HCX_TIMESTAMP_LEN, key);
	if (ret)
		return fail(hs, key, ret);
	memzero_explicit(key, sizeof(key));
	hs->remote_index = msg->sender_index;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_noise_consume_initiation);

int hcx_noise_create_response(struct hcx_handshake_state *hs,
			      struct hcx_msg_response *msg,
			      const u8 ephemeral_private[HCXREPL_KEY_LEN],
			      const u8 preshared_key[HCXREPL_KEY_LEN],
			      u32 sender_index)
{
	u8 key[HCXREPL_KEY_LEN];
	int ret;

	memset(msg, 0, sizeof(*msg));
	msg->header.type = hs->channel ? HCX_MSG_CHANNEL_RESPONSE :
					 HCX_MSG_RESPONSE;
	msg->sender_index = cpu_to_le32(sender_index);
	msg->receiver_index = hs->remote_index;

	memcpy(hs->ephemeral_private, ephemeral_private, HCXREPL_KEY_LEN);
	if (!curve25519_generate_public(msg->ephemeral, ephemeral_private))
		return fail(hs, key, -EINVAL);
	mix_ephemeral(hs, msg->ephemeral);

	ret = mix_dh(hs->chaining_key, NULL, ephemeral_private,
		     hs->remote_ephemeral) ?:
	      mix_dh(hs->chaining_key, NULL, ephemeral_private,
		     hs->remote_static);
	if (ret)
		return fail(hs, key, ret);
	mix_psk(hs, key, preshared_key);
	ret = seal_and_hash(hs, msg->encrypted_nothing, NULL, 0, key);
	if (ret)
		return fail(hs, key, ret);
	memzero_explicit(key, sizeof(key));

	hcx_noise_mac1(msg->macs.mac1, hs->remote_static, msg,
		       offsetof(struct hcx_msg_response, macs.mac1));
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_noise_create_response);

/* The initiator's side of message 2; the caller matched receiver_index. */
int hcx_noise_consume_response(struct hcx_handshake_state *hs,
			       const struct hcx_msg_response *msg,
			       const u8 local_private[HCXREPL_KEY_LEN],
			       const u8 preshared_key[HCXREPL_KEY_LEN])
{
	u8 key[HCXREPL_KEY_LEN];
	int ret;

	memcpy(hs->remote_ephemeral, msg->ephemeral, HCXREPL_KEY_LEN);
	mix_ephemeral(hs, msg->ephemeral);
	ret = mix_dh(hs->chaining_key, NULL, hs->ephemeral_private,
		     msg->ephemeral) ?:
	      mix_dh(hs->chaining_key, NULL, local_private, msg->ephemeral);
	if (ret)
		return fail(hs, key, ret);
	mix_psk(hs, key, preshared_key);
	ret = open_and_hash(hs, NULL, msg->encrypted_nothing, 0, key);
	if (ret)
		return fail(hs, key, ret);
	memzero_explicit(key, sizeof(key));
	hs->remote_index = msg->sender_index;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_noise_consume_response);

/* The session's transport keys; the transcript is wiped. */
void hcx_noise_derive_keys(struct hcx_handshake_state *hs, bool initiator,
			   u8 send[HCXREPL_KEY_LEN], u8 recv[HCXREPL_KEY_LEN])
{
	if (initiator)
		hcx_kdf(send, recv, NULL, NULL, 0, hs->chaining_key);
	else
		hcx_kdf(recv, send, NULL, NULL, 0, hs->chaining_key);
	memzero_explicit(hs, sizeof(*hs));
}
EXPORT_SYMBOL_IF_KUNIT(hcx_noise_derive_keys);

int __init hcx_noise_init(void)
{
	struct sha256_state state;
	int ret;

	sha256(hcx_construction, sizeof(hcx_construction) - 1,
	       hcx_initial_chaining_key);
	sha256_init(&state);
	sha256_update(&state, hcx_initial_chaining_key, HCX_HASH_LEN);
	sha256_update(&state, hcx_identifier, sizeof(hcx_identifier) - 1);
	sha256_final(&state, hcx_initial_hash);
	sha256_init(&state);
	sha256_update(&state, hcx_initial_chaining_key, HCX_HASH_LEN);
	sha256_update(&state, hcx_channel_identifier,
		      sizeof(hcx_channel_identifier) - 1);
	sha256_final(&state, hcx_channel_initial_hash);

	/* Synchronous only: handshakes run in process context, one at a time. */
	hs_aead = crypto_alloc_aead("gcm(aes)", 0, CRYPTO_ALG_ASYNC);
	if (IS_ERR(hs_aead))
		return PTR_ERR(hs_aead);
	ret = crypto_aead_setauthsize(hs_aead, HCX_TAG_LEN);
	if (ret)
		crypto_free_aead(hs_aead);
	return ret;
}

void hcx_noise_uninit(void)
{
	crypto_free_aead(hs_aead);
}
