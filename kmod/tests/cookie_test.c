// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the handshake's flood defence: a cookie reply sealed by
 * one site opens at the other with the sealer's public key and the mac1 it
 * answers, and gives a cookie whose mac2 the sealer accepts from that
 * source only; the per-source rate limit allows a burst, then refuses.
 */

#include <kunit/test.h>
#include <linux/in.h>
#include <linux/slab.h>

#include "../cookie.h"
#include "../noise.h"
#include "../peer.h"

/* RFC 7748's Bob: the site that seals cookie replies. */
static const u8 bob_public[HCXREPL_KEY_LEN] = {
	0xde, 0x9e, 0xdb, 0x7d, 0x7b, 0x7d, 0xc1, 0xb4, 0xd3, 0x5b, 0x61, 0xc2,
	0xec, 0xe4, 0x35, 0x37, 0x3f, 0x83, 0x43, 0xc8, 0x5b, 0x78, 0x67, 0x4d,
	0xad, 0xfc, 0x7e, 0x14, 0x6f, 0x88, 0x2b, 0x4f,
};

struct cookie_test {
	struct hcx_cookie_checker checker;
	struct hcx_msg_cookie reply;	/* on the heap, for scatterlists */
	struct hcx_msg_initiation msg;
	union hcx_endpoint source;
};

static int cookie_test_init(struct kunit *test)
{
	struct cookie_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	u8 cookie_key[HCX_HASH_LEN];

	if (!t)
		return -ENOMEM;
	hcx_cookie_init(&t->checker);
	hcx_noise_cookie_key(cookie_key, bob_public);
	if (hcx_cookie_refresh_sealer(&t->checker, bob_public, cookie_key))
		return -ENOMEM;
	memset(&t->msg, 0x5a, sizeof(t->msg));
	t->source.addr4.sin_family = AF_INET;
	t->source.addr4.sin_addr.s_addr = htonl(0xc0000201);
	t->source.addr4.sin_port = htons(51820);
	test->priv = t;
	return 0;
}

static void cookie_test_exit(struct kunit *test)
{
	struct cookie_test *t = test->priv;

	hcx_cookie_uninit(&t->checker);
}

/* mac2 of the test's initiation under COOKIE. */
static void put_mac2(struct cookie_test *t, const u8 cookie[HCX_MAC_LEN])
{
	hcx_mac(t->msg.macs.mac2, cookie, HCX_MAC_LEN, &t->msg,
		offsetof(struct hcx_msg_initiation, macs.mac2));
}

static bool mac2_valid(struct cookie_test *t)
{
	return hcx_cookie_mac2_valid(&t->checker, &t->source, &t->msg,
				     offsetof(struct hcx_msg_initiation,
					      macs.mac2));
}

static void reply_opens_and_its_cookie_passes_mac2(struct kunit *test)
{
	struct cookie_test *t = test->priv;
	u8 cookie[HCX_MAC_LEN];

	KUNIT_ASSERT_EQ(test, hcx_cookie_make_reply(&t->checker, &t->reply,
						    cpu_to_le32(7),
						    t->msg.macs.mac1,
						    &t->source), 0);
	KUNIT_EXPECT_EQ(test, t->reply.header.type, HCX_MSG_COOKIE);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(t->reply.receiver_index), 7);
	KUNIT_ASSERT_EQ(test, hcx_cookie_open_reply(cookie, &t->reply,
						    bob_public,
						    t->msg.macs.mac1), 0);

	KUNIT_EXPECT_FALSE(test, mac2_valid(t));
	put_mac2(t, cookie);
	KUNIT_EXPECT_TRUE(test, mac2_valid(t));
	/* The cookie is bound to the source port too. */
	t->source.addr4.sin_port = htons(51821);
	KUNIT_EXPECT_FALSE(test, mac2_valid(t));
}

static void reply_refuses_wrong_key_mac1_or_bits(struct kunit *test)
{
	struct cookie_test *t = test->priv;
	u8 cookie[HCX_MAC_LEN], other_mac1[HCX_MAC_LEN] = { 1 };
	u8 other_public[HCXREPL_KEY_LEN];

	KUNIT_ASSERT_EQ(test, hcx_cookie_make_reply(&t->checker, &t->reply,
						    cpu_to_le32(7),
						    t->msg.macs.mac1,
						    &t->source), 0);
	memcpy(other_public, bob_public, sizeof(other_public));
	other_public[0] ^= 1;
	KUNIT_EXPECT_EQ(test, hcx_cookie_open_reply(cookie, &t->reply,
						    other_public,
						    t->msg.macs.mac1), -EBADMSG);
	KUNIT_EXPECT_EQ(test, hcx_cookie_open_reply(cookie, &t->reply,
						    bob_public, other_mac1),
			-EBADMSG);
	t->reply.encrypted_cookie[3] ^= 0x10;
	KUNIT_EXPECT_EQ(test, hcx_cookie_open_reply(cookie, &t->reply,
						    bob_public,
						    t->msg.macs.mac1), -EBADMSG);
}

static void nonces_are_never_repeated(struct kunit *test)
{
	struct cookie_test *t = test->priv;
	u8 first[HCX_COOKIE_NONCE_LEN];

	KUNIT_ASSERT_EQ(test, hcx_cookie_make_reply(&t->checker, &t->reply,
						    0, t->msg.macs.mac1,
						    &t->source), 0);
	memcpy(first, t->reply.nonce, sizeof(first));
	KUNIT_ASSERT_EQ(test, hcx_cookie_make_reply(&t->checker, &t->reply,
						    0, t->msg.macs.mac1,
						    &t->source), 0);
	KUNIT_EXPECT_NE(test, memcmp(first, t->reply.nonce, sizeof(first)), 0);
	/* Same key (first half), next counter (second half). */
	KUNIT_EXPECT_EQ(test, memcmp(first, t->reply.nonce, HCX_NONCE_LEN), 0);
}

static void rate_limit_allows_a_burst_per_source(struct kunit *test)
{
	struct cookie_test *t = test->priv;
	union hcx_endpoint other = t->source;
	int allowed = 0, i;

	for (i = 0; i < 10; i++)
		allowed += hcx_ratelimit_allow(&t->checker, &t->source);
	/* Five at once, and at most one more as 50 ms pass. */
	KUNIT_EXPECT_GE(test, allowed, 5);
	KUNIT_EXPECT_LE(test, allowed, 6);
	/* Another address has its own bucket (or shares one by chance). */
	other.addr4.sin_addr.s_addr = htonl(0xc0000202);
	if (!hcx_ratelimit_allow(&t->checker, &other))
		kunit_info(test, "the two addresses share a bucket");
}

static struct kunit_case hcx_cookie_cases[] = {
	KUNIT_CASE(reply_opens_and_its_cookie_passes_mac2),
	KUNIT_CASE(reply_refuses_wrong_key_mac1_or_bits),
	KUNIT_CASE(nonces_are_never_repeated),
	KUNIT_CASE(rate_limit_allows_a_burst_per_source),
	{}
};

static struct kunit_suite hcx_cookie_suite = {
	.name = "hcxrepl_cookie",
	.init = cookie_test_init,
	.exit = cookie_test_exit,
	.test_cases = hcx_cookie_cases,
};

kunit_test_suite(hcx_cookie_suite);
