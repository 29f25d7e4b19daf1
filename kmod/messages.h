/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interconnect's wire format, byte for byte as
 * Documentation/hcxrepl/protocol.rst specifies it.  Every message starts
 * with a type byte and three reserved zero bytes.
 */
#ifndef _HCX_MESSAGES_H
#define _HCX_MESSAGES_H

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

static_assert(sizeof(struct hcx_msg_initiation) == 148);
static_assert(sizeof(struct hcx_msg_response) == 92);
static_assert(sizeof(struct hcx_msg_cookie) == 64);
static_assert(sizeof(struct hcx_msg_data) == 16);

#endif /* _HCX_MESSAGES_H */
