// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the wire format's first check: hcx_msg_parse() accepts
 * exactly the lengths protocol.rst gives each message type, with zero
 * reserved bytes, and nothing else; hcx_rec_parse() refuses a channel
 * record with a reserved byte set.
 */

#include <kunit/test.h>

#include "../messages.h"

/* Longer than any handshake message, and than the smallest data message. */
#define MAX_TRIED	200

static size_t exact_length(u8 type)
{
	switch (type) {
	case HCX_MSG_INITIATION:
		return 148;
	case HCX_MSG_RESPONSE:
		return 92;
	case HCX_MSG_COOKIE:
		return 64;
	}
	return 0;
}

static void every_length_of_every_type(struct kunit *test)
{
	struct hcx_msg_header hdr = { };
	unsigned int type;
	size_t len;

	for (type = 0; type <= 255; type++) {
		hdr.type = type;
		for (len = 0; len <= MAX_TRIED; len++) {
			int want;

			if (type == HCX_MSG_DATA)
				want = len >= 32 ? type : 0;
			else
				want = exact_length(type) == len && len ? type : 0;
			KUNIT_EXPECT_EQ_MSG(test, hcx_msg_parse(&hdr, len), want,
					    "type %u, %zu bytes", type, len);
		}
	}
}

static void reserved_bytes_must_be_zero(struct kunit *test)
{
	static const u8 types[] = {
		HCX_MSG_INITIATION, HCX_MSG_RESPONSE, HCX_MSG_COOKIE,
		HCX_MSG_DATA,
	};
	int i, byte;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		size_t len = exact_length(types[i]) ?: 100;

		for (byte = 0; byte < 3; byte++) {
			struct hcx_msg_header hdr = { .type = types[i] };

			KUNIT_EXPECT_EQ(test, hcx_msg_parse(&hdr, len), types[i]);
			hdr.reserved[byte] = 0x80;
			KUNIT_EXPECT_EQ_MSG(test, hcx_msg_parse(&hdr, len), 0,
					    "type %u, reserved byte %d",
					    types[i], byte);
		}
	}
}

/* Offer, promote, adopt and every ack of an acks record: as the header. */
static void record_reserved_bytes_must_be_zero(struct kunit *test)
{
	static const struct {
		u8 type;
		size_t len;
	} fixed[] = {
		{ HCX_REC_OFFER, sizeof(struct hcx_rec_offer) },
		{ HCX_REC_PROMOTE, sizeof(struct hcx_rec_promote) },
		{ HCX_REC_ADOPT, sizeof(struct hcx_rec_adopt) },
	};
	struct hcx_rec_acks *acks;
	u8 rec[sizeof(*acks) + 3 * sizeof(struct hcx_rec_ack)];
	int i, byte, ack;

	for (i = 0; i < ARRAY_SIZE(fixed); i++) {
		for (byte = 4; byte < 8; byte++) {
			memset(rec, 0, sizeof(rec));
			rec[0] = fixed[i].type;
			KUNIT_EXPECT_EQ(test, hcx_rec_parse((void *)rec,
							    fixed[i].len),
					fixed[i].type);
			rec[byte] = 1;
			KUNIT_EXPECT_EQ_MSG(test, hcx_rec_parse((void *)rec,
								fixed[i].len),
					    0, "type %u, byte %d",
					    fixed[i].type, byte);
		}
	}
	acks = (struct hcx_rec_acks *)rec;
	for (ack = 0; ack < 3; ack++) {
		for (byte = 0; byte < 7; byte++) {
			memset(rec, 0, sizeof(rec));
			acks->header.type = HCX_REC_ACKS;
			acks->count = cpu_to_le32(3);
			KUNIT_EXPECT_EQ(test, hcx_rec_parse(&acks->header,
							    sizeof(rec)),
					HCX_REC_ACKS);
			acks->acks[ack].reserved[byte] = 0x80;
			KUNIT_EXPECT_EQ_MSG(test, hcx_rec_parse(&acks->header,
								sizeof(rec)),
					    0, "ack %d, reserved byte %d",
					    ack, byte);
		}
	}
}

static void data_overhead_is_header_and_tag(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, HCX_DATA_OVERHEAD, 32);
	KUNIT_EXPECT_EQ(test, offsetof(struct hcx_msg_data, counter), 8);
	KUNIT_EXPECT_EQ(test, offsetof(struct hcx_msg_initiation, macs), 116);
	KUNIT_EXPECT_EQ(test, offsetof(struct hcx_msg_response, macs), 60);
	KUNIT_EXPECT_EQ(test, offsetof(struct hcx_msg_cookie, encrypted_cookie),
			32);
}

static struct kunit_case hcx_messages_cases[] = {
	KUNIT_CASE(every_length_of_every_type),
	KUNIT_CASE(reserved_bytes_must_be_zero),
	KUNIT_CASE(record_reserved_bytes_must_be_zero),
	KUNIT_CASE(data_overhead_is_header_and_tag),
	{}
};

static struct kunit_suite hcx_messages_suite = {
	.name = "hcxrepl_messages",
	.test_cases = hcx_messages_cases,
};

kunit_test_suite(hcx_messages_suite);
