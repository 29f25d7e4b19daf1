/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The wire format, byte for byte as Documentation/hcxrepl/protocol.rst
 * specifies it: the interconnect's datagrams, and the replication
 * channel's handshake and records.  Every message and record starts with
 * a type byte and three reserved zero bytes.
 */
#ifndef _HCX_MESSAGES_H
#define _HCX_MESSAGES_H

#include <asm/byteorder.h>
#include <linux/bits.h>
#include <linux/err.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <linux/types.h>
#include <uapi/linux/hcxrepl.h>

#define HCX_TAG_LEN		16
#define HCX_HASH_LEN		32
#define HCX_TIMESTAMP_LEN	12
#define HCX_MAC_LEN		16
#define HCX_NONCE_LEN		12
#define HCX_COOKIE_NONCE_LEN	24

enum hcx_message_type {
	HCX_MSG_INITIATION = 1,
	HCX_MSG_RESPONSE = 2,
	HCX_MSG_COOKIE = 3,
	HCX_MSG_DATA = 4,
	HCX_MSG_CHANNEL_INITIATION = 5,
	HCX_MSG_CHANNEL_RESPONSE = 6,
};

struct hcx_msg_header {
	u8 type;
	u8 reserved[3];
} __packed;

struct hcx_msg_macs {
	u8 mac1[HCX_MAC_LEN];
	u8 mac2[HCX_MAC_LEN];
} __packed;

struct hcx_msg_initiation {
	struct hcx_msg_header header;
	__le32 sender_index;
	u8 ephemeral[HCXREPL_KEY_LEN];
	u8 encrypted_static[HCXREPL_KEY_LEN + HCX_TAG_LEN];
	u8 encrypted_timestamp[HCX_TIMESTAMP_LEN + HCX_TAG_LEN];
	struct hcx_msg_macs macs;
} __packed;

struct hcx_msg_response {
	struct hcx_msg_header header;
	__le32 sender_index;
	__le32 receiver_index;
	u8 ephemeral[HCXREPL_KEY_LEN];
	u8 encrypted_nothing[HCX_TAG_LEN];
	struct hcx_msg_macs macs;
} __packed;

struct hcx_msg_cookie {
	struct hcx_msg_header header;
	__le32 receiver_index;
	u8 nonce[HCX_COOKIE_NONCE_LEN];
	u8 encrypted_cookie[HCX_MAC_LEN + HCX_TAG_LEN];
} __packed;

struct hcx_msg_data {
	struct hcx_msg_header header;
	__le32 receiver_index;
	__le64 counter;
	u8 encrypted_frame[];
} __packed;

/* What a data message adds to the frame it carries. */
#define HCX_DATA_OVERHEAD	(sizeof(struct hcx_msg_data) + HCX_TAG_LEN)

/**
 * hcx_msg_parse - the type of a received datagram
 * @hdr: its first bytes
 * @len: its length; at least sizeof(*hdr) bytes must be readable
 *
 * A datagram is well formed when its reserved bytes are zero and its
 * length is the exact length of a handshake message of its type, or, for
 * a data message, enough for the header and the tag.
 *
 * Return: the message type, or 0 for a malformed datagram.
 */
static inline int hcx_msg_parse(const struct hcx_msg_header *hdr, size_t len)
{
	if (len < sizeof(*hdr) || hdr->reserved[0] || hdr->reserved[1] ||
	    hdr->reserved[2])
		return 0;
	switch (hdr->type) {
	case HCX_MSG_INITIATION:
		return len == sizeof(struct hcx_msg_initiation) ? hdr->type : 0;
	case HCX_MSG_RESPONSE:
		return len == sizeof(struct hcx_msg_response) ? hdr->type : 0;
	case HCX_MSG_COOKIE:
		return len == sizeof(struct hcx_msg_cookie) ? hdr->type : 0;
	case HCX_MSG_DATA:
		return len >= HCX_DATA_OVERHEAD ? hdr->type : 0;
	default:
		return 0;
	}
}

/*
 * The replication channel.  After the handshake (an initiation and a
 * response of the sizes above, with the channel's types), each direction
 * carries records: a little-endian 32-bit length, then that many bytes of
 * AES-256-GCM ciphertext and tag.  The nonce is a per-direction counter
 * from 0, the associated data the length field.
 */
enum hcx_record_type {
	HCX_REC_HELLO = 1,	/* source: which disk, which generation */
	HCX_REC_WELCOME = 2,	/* target: the answer to a hello */
	HCX_REC_DATA = 3,	/* source: a chunk's blocks */
	HCX_REC_OFFER = 4,	/* source: a chunk's hash, to compare */
	HCX_REC_ACKS = 5,	/* target: what became of records, in order */
	HCX_REC_PROMOTE = 6,	/* source, switching over: take over */
	HCX_REC_PROMOTED = 7,	/* target: the answer */
	HCX_REC_ADOPT = 8,	/* source: hold this generation from now on */
	HCX_REC_RELEASE = 9,	/* source: done with the hello's disk for now */
};

/* The length field of a record. */
#define HCX_REC_LEN_SIZE	sizeof(__le32)

struct hcx_rec_hello {
	struct hcx_msg_header header;
	__le16 stream;
	__le16 streams;
	__le32 chunk_bytes;
	__le64 size;
	__le64 gen_id;
	__le64 gen_seq;
	__le64 epoch;		/* the source's round of connections */
	char name[HCXREPL_DISK_NAME_MAX];
} __packed;

/* What a welcome answers; anything else is a positive errno. */
#define HCX_WELCOME_OK	0

struct hcx_rec_welcome {
	struct hcx_msg_header header;
	__le32 status;
	__le64 size;
	__le64 gen_id;
	__le64 gen_seq;
	__le64 epoch;		/* the newest round the target has admitted */
	__le32 disk;		/* the disk's number there, which references name */
	__le32 reserved;
} __packed;

/*
 * A data record carries a chunk as blocks of HCX_BLOCK_SIZE bytes (the
 * chunk's last block may be short).  After the fixed part come one kind
 * byte per block, then a reference for each HCX_BLOCK_REF block in block
 * order, then the literal section: the HCX_BLOCK_LITERAL blocks one after
 * the other, compressed as one by the codec.  A reference covers its
 * block and the HCX_BLOCK_RUN blocks right after it, which the target
 * holds right after it on the same disk.
 */
#define HCX_BLOCK_SHIFT		12
#define HCX_BLOCK_SIZE		BIT(HCX_BLOCK_SHIFT)

enum hcx_block_kind {
	HCX_BLOCK_LITERAL = 0,	/* in the literal section */
	HCX_BLOCK_ZERO = 1,	/* zero bytes */
	HCX_BLOCK_REF = 2,	/* the bytes the target holds at a position */
	HCX_BLOCK_RUN = 3,	/* the bytes after the previous block's there */
};

enum hcx_codec {
	HCX_CODEC_NONE = 0,	/* the literal section is the blocks' bytes */
	HCX_CODEC_LZ4 = 1,	/* an LZ4 block */
	HCX_CODEC_ZSTD = 2,	/* a zstd frame */
};

struct hcx_rec_data {
	struct hcx_msg_header header;
	__le32 len;		/* the chunk's bytes */
	__le64 chunk;
	u8 codec;
	u8 reserved;
	__le16 refs;		/* how many references follow the kinds */
	__le32 literal_len;	/* bytes of the literal section as sent */
	u8 kinds[];
} __packed;

/*
 * Blocks the target holds, on this disk or on another of the device's
 * target disks: it checks the hash before it copies them.
 */
struct hcx_block_ref {
	__le32 disk;		/* the disk's number, from its welcome */
	__le32 reserved;
	__le64 pos;		/* byte position of the first block on it */
	u8 hash[HCX_HASH_LEN];	/* SHA-256 over the blocks' SHA-256s */
} __packed;

struct hcx_rec_offer {
	struct hcx_msg_header header;
	__le32 reserved;
	__le64 chunk;
	u8 hash[HCX_HASH_LEN];
} __packed;

enum hcx_ack_status {
	HCX_ACK_WRITTEN = 1,	/* the chunk is on stable storage */
	HCX_ACK_SAME = 2,	/* the offered hash is the target's */
	HCX_ACK_DIFFERENT = 3,	/* it is not */
	HCX_ACK_FAILED = 4,	/* the target could not write or read it */
	HCX_ACK_STALE = 5,	/* a reference did not match: not written */
	HCX_ACK_ADOPTED = 6,	/* the target holds the generation adopted */
};

struct hcx_rec_ack {
	__le64 chunk;
	u8 status;
	u8 reserved[7];
} __packed;

/* Acks per record at most. */
#define HCX_ACKS_MAX		64

struct hcx_rec_acks {
	struct hcx_msg_header header;
	__le32 count;
	struct hcx_rec_ack acks[];
} __packed;

struct hcx_rec_promote {
	struct hcx_msg_header header;
	__le32 reserved;
	__le64 gen_id;
	__le64 gen_seq;
} __packed;

/* The same layout as a promotion: the generation the target holds next. */
struct hcx_rec_adopt {
	struct hcx_msg_header header;
	__le32 reserved;
	__le64 gen_id;
	__le64 gen_seq;
} __packed;

/* The header alone: the next record on the connection is a hello. */
struct hcx_rec_release {
	struct hcx_msg_header header;
} __packed;

struct hcx_rec_promoted {
	struct hcx_msg_header header;
	__le32 status;
} __packed;

/* A channel handshake message or record header: TYPE, reserved zero. */
static inline bool hcx_header_is(const struct hcx_msg_header *hdr, u8 type)
{
	return hdr->type == type && !hdr->reserved[0] && !hdr->reserved[1] &&
	       !hdr->reserved[2];
}

/**
 * hcx_rec_parse - the type of a record's plaintext
 * @hdr: its first bytes
 * @len: its length; at least sizeof(*hdr) bytes must be readable
 *
 * A record is well formed when its reserved bytes are zero (the header's,
 * a welcome's, an offer's, a promotion's, an adoption's and every ack's
 * and reference's, the last checked by hcx_data_parse(): a later
 * version may give them a meaning, which an older peer must not take for
 * zero) and its length is the exact length of a record of its type: for
 * an acks record, of as many acks as it counts, 1 to HCX_ACKS_MAX; for a
 * data record, enough for its fixed part (hcx_data_parse() checks the
 * rest).  The offer, promote and adopt records share their reserved
 * field's place.
 *
 * Return: the record type, or 0 for a malformed record.
 */
static inline int hcx_rec_parse(const struct hcx_msg_header *hdr, size_t len)
{
	const struct hcx_rec_acks *acks;
	size_t want;
	u32 i, n;

	if (len < sizeof(*hdr) || !hcx_header_is(hdr, hdr->type))
		return 0;
	switch (hdr->type) {
	case HCX_REC_HELLO:
		want = sizeof(struct hcx_rec_hello);
		break;
	case HCX_REC_WELCOME:
		want = sizeof(struct hcx_rec_welcome);
		break;
	case HCX_REC_DATA:
		return len >= sizeof(struct hcx_rec_data) ? hdr->type : 0;
	case HCX_REC_OFFER:
		want = sizeof(struct hcx_rec_offer);
		break;
	case HCX_REC_ACKS:
		if (len < sizeof(*acks))
			return 0;
		acks = (const struct hcx_rec_acks *)hdr;
		n = le32_to_cpu(acks->count);
		if (!n || n > HCX_ACKS_MAX)
			return 0;
		want = struct_size(acks, acks, n);
		if (len != want)
			return 0;
		for (i = 0; i < n; i++)
			if (memchr_inv(acks->acks[i].reserved, 0,
				       sizeof(acks->acks[i].reserved)))
				return 0;
		return hdr->type;
	case HCX_REC_PROMOTE:
		want = sizeof(struct hcx_rec_promote);
		break;
	case HCX_REC_PROMOTED:
		want = sizeof(struct hcx_rec_promoted);
		break;
	case HCX_REC_ADOPT:
		want = sizeof(struct hcx_rec_adopt);
		break;
	case HCX_REC_RELEASE:
		want = sizeof(struct hcx_rec_release);
		break;
	default:
		return 0;
	}
	if (len != want)
		return 0;
	if ((hdr->type == HCX_REC_OFFER || hdr->type == HCX_REC_PROMOTE ||
	     hdr->type == HCX_REC_ADOPT) &&
	    ((const struct hcx_rec_promote *)hdr)->reserved)
		return 0;
	if (hdr->type == HCX_REC_WELCOME &&
	    ((const struct hcx_rec_welcome *)hdr)->reserved)
		return 0;
	return hdr->type;
}

/*
 * A status from the peer, 0 or a positive errno, as this side returns it:
 * negated, or -EPROTO for a number no errno has.
 */
static inline int hcx_rec_status(__le32 status)
{
	u32 err = le32_to_cpu(status);

	return err <= MAX_ERRNO ? -(int)err : -EPROTO;
}

static_assert(sizeof(struct hcx_msg_initiation) == 148);
static_assert(sizeof(struct hcx_msg_response) == 92);
static_assert(sizeof(struct hcx_msg_cookie) == 64);
static_assert(sizeof(struct hcx_msg_data) == 16);
static_assert(sizeof(struct hcx_rec_hello) == 108);
static_assert(sizeof(struct hcx_rec_welcome) == 48);
static_assert(sizeof(struct hcx_rec_data) == 24);
static_assert(sizeof(struct hcx_block_ref) == 48);
static_assert(sizeof(struct hcx_rec_offer) == 48);
static_assert(sizeof(struct hcx_rec_ack) == 16);
static_assert(sizeof(struct hcx_rec_acks) == 8);
static_assert(sizeof(struct hcx_rec_promote) == 24);
static_assert(offsetof(struct hcx_rec_offer, reserved) ==
	      offsetof(struct hcx_rec_promote, reserved));
static_assert(offsetof(struct hcx_rec_adopt, reserved) ==
	      offsetof(struct hcx_rec_promote, reserved));
static_assert(sizeof(struct hcx_rec_adopt) == 24);
static_assert(sizeof(struct hcx_rec_promoted) == 8);
static_assert(sizeof(struct hcx_rec_release) == 4);

#endif /* _HCX_MESSAGES_H */
