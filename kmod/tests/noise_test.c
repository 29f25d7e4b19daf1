// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the handshake (kmod/noise.c) against the vectors that an
 * independent implementation, selftests/vectors/noise_ref.py, computes from
 * the same fixed keys, ephemerals, indexes and time.
 */

#include <kunit/test.h>
#include <linux/module.h>

#include "../noise.h"
#include "noise_vectors.h"

struct noise_test {
	struct hcx_handshake_state initiator;
	struct hcx_handshake_state responder;
	struct hcx_msg_initiation initiation;
	struct hcx_msg_response response;
	u8 send[HCXREPL_KEY_LEN];
	u8 recv[HCXREPL_KEY_LEN];
	u8 buf[sizeof(vec_frame) + HCX_TAG_LEN];
};

static void expect_bytes(struct kunit *test, const void *got, const void *want,
			 size_t len, const char *what)
{
	KUNIT_EXPECT_EQ_MSG(test, memcmp(got, want, len), 0,
			    "%s:\n got %*phN\nwant %*phN", what,
			    (int)min_t(size_t, len, 64), got,
			    (int)min_t(size_t, len, 64), want);
}

static struct noise_test *setup(struct kunit *test)
{
	struct noise_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	return t;
}

/* The four steps of the handshake, on the vectors' inputs. */
static int initiate(struct noise_test *t)
{
	u8 timestamp[HCX_TIMESTAMP_LEN];

	hcx_tai64n(timestamp, VEC_TIME_SEC, VEC_TIME_NSEC);
	return hcx_noise_create_initiation(&t->initiator, &t->initiation,
					   vec_si_priv, vec_si_pub, vec_sr_pub,
					   vec_ei_priv, timestamp, VEC_INDEX_I);
}

static int accept_initiation(struct noise_test *t)
{
	return hcx_noise_consume_initiation(&t->responder, &t->initiation,
					    vec_sr_priv, vec_sr_pub);
}

static int respond(struct noise_test *t)
{
	return hcx_noise_create_response(&t->responder, &t->response,
					 vec_er_priv, vec_psk, VEC_INDEX_R);
}

static int accept_response(struct noise_test *t, const u8 *psk)
{
	return hcx_noise_consume_response(&t->initiator, &t->response,
					  vec_si_priv, psk);
}

static void initiation_matches_vector(struct kunit *test)
{
	struct noise_test *t = setup(test);

	KUNIT_ASSERT_EQ(test, initiate(t), 0);
	expect_bytes(test, &t->initiation, vec_initiation,
		     sizeof(vec_initiation), "initiation");
}

static void responder_reads_initiation(struct kunit *test)
{
	struct noise_test *t = setup(test);
	u8 timestamp[HCX_TIMESTAMP_LEN];

	memcpy(&t->initiation, vec_initiation, sizeof(vec_initiation));
	KUNIT_ASSERT_EQ(test, accept_initiation(t), 0);
	expect_bytes(test, t->responder.remote_static, vec_si_pub,
		     HCXREPL_KEY_LEN, "initiator's static key");
	hcx_tai64n(timestamp, VEC_TIME_SEC, VEC_TIME_NSEC);
	expect_bytes(test, t->responder.timestamp, timestamp,
		     HCX_TIMESTAMP_LEN, "timestamp");
	KUNIT_EXPECT_EQ(test, le32_to_cpu(t->responder.remote_index),
			VEC_INDEX_I);
}

static void response_and_keys_match_vectors(struct kunit *test)
{
	struct noise_test *t = setup(test);

	KUNIT_ASSERT_EQ(test, initiate(t), 0);
	KUNIT_ASSERT_EQ(test, accept_initiation(t), 0);
	KUNIT_ASSERT_EQ(test, respond(t), 0);
	expect_bytes(test, &t->response, vec_response, sizeof(vec_response),
		     "response");

	KUNIT_ASSERT_EQ(test, accept_response(t, vec_psk), 0);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(t->initiator.remote_index),
			VEC_INDEX_R);

	hcx_noise_derive_keys(&t->initiator, true, t->send, t->recv);
	expect_bytes(test, t->send, vec_send_i, HCXREPL_KEY_LEN, "initiator send");
	expect_bytes(test, t->recv, vec_send_r, HCXREPL_KEY_LEN, "initiator recv");
	hcx_noise_derive_keys(&t->responder, false, t->send, t->recv);
	expect_bytes(test, t->send, vec_send_r, HCXREPL_KEY_LEN, "responder send");
	expect_bytes(test, t->recv, vec_send_i, HCXREPL_KEY_LEN, "responder recv");
	KUNIT_EXPECT_NULL(test, memchr_inv(&t->initiator, 0, sizeof(t->initiator)));
}

static void data_messages_match_vectors(struct kunit *test)
{
	static const struct {
		const u8 *key;
		u64 counter;
		const u8 *message;
	} cases[] = {
		{ vec_send_i, 0, vec_data_i0 },
		{ vec_send_i, 1, vec_data_i1 },
		{ vec_send_r, 0, vec_data_r0 },
	};
	struct noise_test *t = setup(test);
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const u8 *key = cases[i].key;
		u64 counter = cases[i].counter;
		int ret;

		memcpy(t->buf, vec_frame, sizeof(vec_frame));
		ret = hcx_aead_seal(key, counter, t->buf, sizeof(vec_frame),
				    NULL, 0);
		KUNIT_ASSERT_EQ(test, ret, 0);
		expect_bytes(test, t->buf, cases[i].message + 16,
			     sizeof(t->buf), "sealed frame");
		ret = hcx_aead_open(key, counter, t->buf, sizeof(vec_frame),
				    NULL, 0);
		KUNIT_EXPECT_EQ(test, ret, 0);
		expect_bytes(test, t->buf, vec_frame, sizeof(vec_frame),
			     "opened frame");
	}
}

/* Every byte of the initiation matters: a flipped bit is refused. */
static void tampered_initiation_is_refused(struct kunit *test)
{
	struct noise_test *t = setup(test);
	size_t offset;

	for (offset = offsetof(struct hcx_msg_initiation, ephemeral);
	     offset < offsetof(struct hcx_msg_initiation, macs); offset += 7) {
		memcpy(&t->initiation, vec_initiation, sizeof(vec_initiation));
		((u8 *)&t->initiation)[offset] ^= 0x01;
		KUNIT_EXPECT_NE_MSG(test, accept_initiation(t), 0,
				    "bit flipped at offset %zu", offset);
		KUNIT_EXPECT_NULL(test, memchr_inv(&t->responder, 0,
						   sizeof(t->responder)));
	}
}

static void wrong_psk_is_refused(struct kunit *test)
{
	struct noise_test *t = setup(test);
	u8 *psk = kunit_kzalloc(test, HCXREPL_KEY_LEN, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, psk);
	KUNIT_ASSERT_EQ(test, initiate(t), 0);
	KUNIT_ASSERT_EQ(test, accept_initiation(t), 0);
	KUNIT_ASSERT_EQ(test, respond(t), 0);
	KUNIT_EXPECT_EQ(test, accept_response(t, psk), -EBADMSG);
}

static void mac1_is_keyed_by_the_receiver(struct kunit *test)
{
	const size_t at = offsetof(struct hcx_msg_initiation, macs.mac1);
	u8 mac[HCX_MAC_LEN];

	hcx_noise_mac1(mac, vec_sr_pub, vec_initiation, at);
	expect_bytes(test, mac, vec_initiation + at, HCX_MAC_LEN, "mac1");
	hcx_noise_mac1(mac, vec_si_pub, vec_initiation, at);
	KUNIT_EXPECT_NE(test, memcmp(mac, vec_initiation + at, HCX_MAC_LEN), 0);
}

/*
 * The replication channel's handshake starts from its own identifier: each
 * side completes it with the other, and neither protocol accepts the
 * other's initiation.  The identifier binds the transcript (every AEAD's
 * associated data), not the keys: those come from the Diffie-Hellman
 * results alone, so with the vectors' fixed ephemerals they are the
 * interconnect's.
 */
static void channel_is_its_own_protocol(struct kunit *test)
{
	struct noise_test *t = setup(test);
	u8 send_r[HCXREPL_KEY_LEN], recv_r[HCXREPL_KEY_LEN];

	t->initiator.channel = true;
	KUNIT_ASSERT_EQ(test, initiate(t), 0);
	KUNIT_EXPECT_EQ(test, t->initiation.header.type,
			HCX_MSG_CHANNEL_INITIATION);
	KUNIT_EXPECT_NE(test, memcmp(&t->initiation, vec_initiation,
				     sizeof(vec_initiation)), 0);
	KUNIT_EXPECT_NE(test, accept_initiation(t), 0);

	t->responder.channel = true;
	KUNIT_ASSERT_EQ(test, accept_initiation(t), 0);
	KUNIT_ASSERT_EQ(test, respond(t), 0);
	KUNIT_EXPECT_EQ(test, t->response.header.type,
			HCX_MSG_CHANNEL_RESPONSE);
	KUNIT_ASSERT_EQ(test, accept_response(t, vec_psk), 0);
	hcx_noise_derive_keys(&t->initiator, true, t->send, t->recv);
	hcx_noise_derive_keys(&t->responder, false, send_r, recv_r);
	expect_bytes(test, t->send, recv_r, HCXREPL_KEY_LEN, "initiator to responder");
	expect_bytes(test, t->recv, send_r, HCXREPL_KEY_LEN, "responder to initiator");

	/* An interconnect initiation is no channel initiation. */
	memcpy(&t->initiation, vec_initiation, sizeof(vec_initiation));
	t->responder.channel = true;
	KUNIT_EXPECT_NE(test, accept_initiation(t), 0);
}

static struct kunit_case hcx_noise_cases[] = {
	KUNIT_CASE(channel_is_its_own_protocol),
	KUNIT_CASE(initiation_matches_vector),
	KUNIT_CASE(responder_reads_initiation),
	KUNIT_CASE(response_and_keys_match_vectors),
	KUNIT_CASE(data_messages_match_vectors),
	KUNIT_CASE(tampered_initiation_is_refused),
	KUNIT_CASE(wrong_psk_is_refused),
	KUNIT_CASE(mac1_is_keyed_by_the_receiver),
	{}
};

static struct kunit_suite hcx_noise_suite = {
	.name = "hcxrepl_noise",
	.test_cases = hcx_noise_cases,
};

kunit_test_suite(hcx_noise_suite);
