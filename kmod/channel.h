/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The replication channel: a TCP connection to the peer site, opened by
 * the pairing's handshake and carrying sealed records.
 */
#ifndef _HCX_CHANNEL_H
#define _HCX_CHANNEL_H

#include <linux/mutex.h>
#include <linux/types.h>

#include "messages.h"

/* Streams and target connections: long-running, blocking work. */
extern struct workqueue_struct *hcx_channel_wq;

struct crypto_aead;
struct aead_request;
struct net_device;
struct scatterlist;
struct socket;

/*
 * Room a record buffer needs: the length field before the plaintext, the
 * tag after it.  hcx_channel_send() seals in place.
 */
#define HCX_REC_HEADROOM	HCX_REC_LEN_SIZE
#define HCX_REC_TAILROOM	HCX_TAG_LEN

/**
 * struct hcx_sealer - what one thread needs to seal or open records
 * @req: the AEAD request
 * @sg: a scatterlist over a record, which may be in vmalloc memory
 * @nsg: entries of @sg
 */
struct hcx_sealer {
	struct aead_request *req;
	struct scatterlist *sg;
	unsigned int nsg;
};

/**
 * struct hcx_channel - one end of a replication channel
 * @lock: guards @sock's replacement and @shut against a shutdown from
 *	another thread; never held across I/O
 * @shut: shut down for good: no new connection, no more records read
 * @sock: the connected TCP socket
 * @tx_aead: seals what this end sends
 * @rx_aead: opens what it receives
 * @crypt: the channel's own sealer, for what its user sends and receives
 * @tx_counter: nonce of the next record sent
 * @rx_counter: nonce of the next record received
 * @rx_buf: where received records are opened
 * @rx_max: the largest plaintext @rx_buf takes
 * @wire_bytes: where to count the bytes sent and received, or NULL; set
 *	by the user, kept across connections
 * @deadline: when @has_deadline, reads and writes fail with -ETIMEDOUT
 *	from this time on (jiffies): the handshake's deadline
 * @has_deadline: @deadline applies
 *
 * A channel is used by one thread at a time, which may connect and close
 * it again and again; another thread may only hcx_channel_shutdown() it,
 * which wakes the user and makes every later connect fail.
 */
struct hcx_channel {
	struct mutex lock; /* sock and shut */
	bool shut;
	struct socket *sock;
	struct crypto_aead *tx_aead;
	struct crypto_aead *rx_aead;
	struct hcx_sealer crypt;
	u64 tx_counter;
	u64 rx_counter;
	u8 *rx_buf;
	size_t rx_max;
	atomic64_t *wire_bytes;
	unsigned long deadline;
	bool has_deadline;
};

void hcx_channel_init(struct hcx_channel *ch);
int hcx_channel_connect(struct hcx_channel *ch, struct net_device *dev,
			unsigned int connect_ms);
u32 hcx_channel_min_rtt_ms(struct hcx_channel *ch);
int hcx_channel_accept(struct hcx_channel *ch, struct net_device *dev,
		       struct socket *sock, unsigned long accepted);
void hcx_channel_end_deadline(struct hcx_channel *ch);
int hcx_channel_reserve(struct hcx_channel *ch, size_t max_plain);
int hcx_channel_send(struct hcx_channel *ch, u8 *plain, size_t len);
int hcx_sealer_init(struct hcx_sealer *s, struct hcx_channel *ch,
		    size_t max_plain);
void hcx_sealer_free(struct hcx_sealer *s);
u64 hcx_channel_take_nonce(struct hcx_channel *ch);
int hcx_channel_seal(struct hcx_channel *ch, struct hcx_sealer *s, u64 nonce,
		     u8 *plain, size_t len);
int hcx_channel_write(struct hcx_channel *ch, u8 *plain, size_t len);
int hcx_channel_recv(struct hcx_channel *ch, void **plain, size_t *len);
ssize_t hcx_channel_sealed_len(struct hcx_channel *ch);
int hcx_channel_open(struct hcx_channel *ch, size_t sealed, void **plain,
		     size_t *len);
bool hcx_channel_pending(struct hcx_channel *ch);
void hcx_channel_shutdown(struct hcx_channel *ch);
void hcx_channel_abort(struct hcx_channel *ch);
void hcx_channel_close(struct hcx_channel *ch);

#endif /* _HCX_CHANNEL_H */
