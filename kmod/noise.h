/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Noise_IKpsk2_25519_AESGCM_SHA256 handshake of the interconnect, as
 * pure functions over a transcript: no peers, sockets or timers here.
 */
#ifndef _HCX_NOISE_H
#define _HCX_NOISE_H

#include <linux/string.h>
#include <linux/types.h>

#include "messages.h"

/**
 * struct hcx_handshake_state - one side's transcript of a handshake
 * @chaining_key: Noise's ck
 * @hash: Noise's h, the associated data of every AEAD
 * @ephemeral_private: this side's ephemeral secret
 * @remote_ephemeral: the other side's ephemeral public key
 * @remote_static: the other side's static public key
 * @timestamp: the initiation's TAI64N timestamp (responder side)
 * @remote_index: the other side's session index, as on the wire
 * @channel: a replication channel's handshake, whose transcript starts
 *	from its own identifier; set by the caller before the first message
 * @scratch: AEAD works in place on this: the crypto API wants memory that
 *	scatterlists can map, which a vmalloc'ed stack is not
 *
 * Allocate it on the heap; hcx_noise_derive_keys() and every failure wipe
 * it.
 */
struct hcx_handshake_state {
	u8 chaining_key[HCX_HASH_LEN];
	u8 hash[HCX_HASH_LEN];
	u8 ephemeral_private[HCXREPL_KEY_LEN];
	u8 remote_ephemeral[HCXREPL_KEY_LEN];
	u8 remote_static[HCXREPL_KEY_LEN];
	u8 timestamp[HCX_TIMESTAMP_LEN];
	__le32 remote_index;
	bool channel;
	u8 scratch[HCXREPL_KEY_LEN + HCX_TAG_LEN];
};

int hcx_noise_init(void);
void hcx_noise_uninit(void);

/* The AEAD nonce of COUNTER: four zero bytes, then COUNTER big-endian. */
static inline void hcx_aead_nonce(u8 nonce[HCX_NONCE_LEN], u64 counter)
{
	__be64 be = cpu_to_be64(counter);

	memset(nonce, 0, HCX_NONCE_LEN - sizeof(be));
	memcpy(nonce + HCX_NONCE_LEN - sizeof(be), &be, sizeof(be));
}

void hcx_tai64n(u8 out[HCX_TIMESTAMP_LEN], u64 sec, u32 nsec);
void hcx_hmac(u8 out[HCX_HASH_LEN], const u8 *key, size_t key_len,
	      const u8 *in, size_t in_len);
void hcx_mac(u8 out[HCX_MAC_LEN], const u8 *key, size_t key_len,
	     const void *msg, size_t len);
void hcx_noise_mac1_key(u8 key[HCX_HASH_LEN], const u8 public[HCXREPL_KEY_LEN]);
void hcx_noise_cookie_key(u8 key[HCX_HASH_LEN],
			  const u8 public[HCXREPL_KEY_LEN]);
void hcx_noise_mac1(u8 out[HCX_MAC_LEN], const u8 remote_public[HCXREPL_KEY_LEN],
		    const void *msg, size_t len);

int hcx_aead_seal(const u8 key[HCXREPL_KEY_LEN], u64 counter, u8 *buf,
		  size_t len, const u8 *ad, size_t ad_len);
int hcx_aead_open(const u8 key[HCXREPL_KEY_LEN], u64 counter, u8 *buf,
		  size_t len, const u8 *ad, size_t ad_len);

int hcx_noise_create_initiation(struct hcx_handshake_state *hs,
				struct hcx_msg_initiation *msg,
				const u8 local_private[HCXREPL_KEY_LEN],
				const u8 local_public[HCXREPL_KEY_LEN],
				const u8 remote_public[HCXREPL_KEY_LEN],
				const u8 ephemeral_private[HCXREPL_KEY_LEN],
				const u8 timestamp[HCX_TIMESTAMP_LEN],
				u32 sender_index);
int hcx_noise_consume_initiation(struct hcx_handshake_state *hs,
				 const struct hcx_msg_initiation *msg,
				 const u8 local_private[HCXREPL_KEY_LEN],
				 const u8 local_public[HCXREPL_KEY_LEN]);
int hcx_noise_create_response(struct hcx_handshake_state *hs,
			      struct hcx_msg_response *msg,
			      const u8 ephemeral_private[HCXREPL_KEY_LEN],
			      const u8 preshared_key[HCXREPL_KEY_LEN],
			      u32 sender_index);
int hcx_noise_consume_response(struct hcx_handshake_state *hs,
			       const struct hcx_msg_response *msg,
			       const u8 local_private[HCXREPL_KEY_LEN],
			       const u8 preshared_key[HCXREPL_KEY_LEN]);
void hcx_noise_derive_keys(struct hcx_handshake_state *hs, bool initiator,
			   u8 send[HCXREPL_KEY_LEN], u8 recv[HCXREPL_KEY_LEN]);

#endif /* _HCX_NOISE_H */
