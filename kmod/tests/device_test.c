// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the interconnect device's pure logic: the site key pair
 * and the drop counters.
 */

#include <kunit/test.h>
#include <linux/module.h>

#include "../device.h"
#include "../noise.h"

/* RFC 7748, section 6.1: Alice's and Bob's key pairs. */
static const u8 alice_private[HCXREPL_KEY_LEN] = {
	0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d, 0x3c, 0x16, 0xc1, 0x72,
	0x51, 0xb2, 0x66, 0x45, 0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0, 0x99, 0x2a,
	0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9, 0x2c, 0x2a,
};

static const u8 alice_public[HCXREPL_KEY_LEN] = {
	0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54, 0x74, 0x8b, 0x7d, 0xdc,
	0xb4, 0x3e, 0xf7, 0x5a, 0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38, 0x1a, 0xf4,
	0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a,
};

static const u8 bob_private[HCXREPL_KEY_LEN] = {
	0x5d, 0xab, 0x08, 0x7e, 0x62, 0x4a, 0x8a, 0x4b, 0x79, 0xe1, 0x7f, 0x8b,
	0x83, 0x80, 0x0e, 0xe6, 0x6f, 0x3b, 0xb1, 0x29, 0x26, 0x18, 0xb6, 0xfd,
	0x1c, 0x2f, 0x8b, 0x27, 0xff, 0x88, 0xe0, 0xeb,
};

static const u8 bob_public[HCXREPL_KEY_LEN] = {
	0xde, 0x9e, 0xdb, 0x7d, 0x7b, 0x7d, 0xc1, 0xb4, 0xd3, 0x5b, 0x61, 0xc2,
	0xec, 0xe4, 0x35, 0x37, 0x3f, 0x83, 0x43, 0xc8, 0x5b, 0x78, 0x67, 0x4d,
	0xad, 0xfc, 0x7e, 0x14, 0x6f, 0x88, 0x2b, 0x4f,
};

/* Each test gets a fresh device in test->priv. */
static int device_test_init(struct kunit *test)
{
	struct hcx_device *hcx = kunit_kzalloc(test, sizeof(*hcx), GFP_KERNEL);

	if (!hcx)
		return -ENOMEM;
	mutex_init(&hcx->conf_lock);
	test->priv = hcx;
	return 0;
}

/* Free the identity the test left, as the device's teardown does. */
static void device_test_exit(struct kunit *test)
{
	struct hcx_device *hcx = test->priv;

	mutex_lock(&hcx->conf_lock);
	hcx_device_set_identity(hcx, NULL);
	mutex_unlock(&hcx->conf_lock);
	rcu_barrier();
}

/* 6.1 has no KUNIT_EXPECT_MEMEQ. */
static void expect_key(struct kunit *test, const u8 *got, const u8 *want)
{
	KUNIT_EXPECT_EQ_MSG(test, memcmp(got, want, HCXREPL_KEY_LEN), 0,
			    "got %*phN, want %*phN", HCXREPL_KEY_LEN, got,
			    HCXREPL_KEY_LEN, want);
}

static const struct hcx_identity *identity(struct hcx_device *hcx)
{
	const struct hcx_identity *id;

	mutex_lock(&hcx->conf_lock);
	id = hcx_device_identity(hcx);
	mutex_unlock(&hcx->conf_lock);
	return id;
}

static int set_key(struct hcx_device *hcx, const u8 *key)
{
	int ret;

	mutex_lock(&hcx->conf_lock);
	ret = hcx_device_set_private_key(hcx, key);
	mutex_unlock(&hcx->conf_lock);
	return ret;
}

static void public_key_matches_rfc7748(struct kunit *test)
{
	struct hcx_device *hcx = test->priv;

	u8 mac1_key[HCX_HASH_LEN];

	KUNIT_EXPECT_NULL(test, identity(hcx));
	KUNIT_ASSERT_EQ(test, set_key(hcx, alice_private), 0);
	KUNIT_ASSERT_NOT_NULL(test, identity(hcx));
	expect_key(test, identity(hcx)->public_key, alice_public);
	expect_key(test, identity(hcx)->private_key, alice_private);
	/* mac1 of messages to us is keyed by our own public key. */
	hcx_noise_mac1_key(mac1_key, alice_public);
	expect_key(test, identity(hcx)->mac1_key, mac1_key);

	KUNIT_ASSERT_EQ(test, set_key(hcx, bob_private), 0);
	expect_key(test, identity(hcx)->public_key, bob_public);
}

static void zero_key_is_refused_and_changes_nothing(struct kunit *test)
{
	static const u8 zero[HCXREPL_KEY_LEN];
	struct hcx_device *hcx = test->priv;

	KUNIT_EXPECT_EQ(test, set_key(hcx, zero), -EINVAL);
	KUNIT_EXPECT_NULL(test, identity(hcx));

	KUNIT_ASSERT_EQ(test, set_key(hcx, alice_private), 0);
	KUNIT_EXPECT_EQ(test, set_key(hcx, zero), -EINVAL);
	KUNIT_ASSERT_NOT_NULL(test, identity(hcx));
	expect_key(test, identity(hcx)->private_key, alice_private);
	expect_key(test, identity(hcx)->public_key, alice_public);
}

static void drop_counters_are_per_reason(struct kunit *test)
{
	struct hcx_device *hcx = test->priv;
	int reason;

	hcx_drop_count(&hcx->drops, HCX_DROP_RX_REPLAY);
	hcx_drop_count(&hcx->drops, HCX_DROP_RX_REPLAY);
	hcx_drop_count(&hcx->drops, HCX_DROP_TX_NO_SESSION);
	for (reason = 0; reason < HCX_DROP_MAX; reason++) {
		u64 want = reason == HCX_DROP_RX_REPLAY ? 2 :
			   reason == HCX_DROP_TX_NO_SESSION ? 1 : 0;

		KUNIT_EXPECT_EQ_MSG(test, hcx_drop_read(&hcx->drops, reason),
				    want, "reason %d", reason);
	}
}

static struct kunit_case hcx_device_cases[] = {
	KUNIT_CASE(public_key_matches_rfc7748),
	KUNIT_CASE(zero_key_is_refused_and_changes_nothing),
	KUNIT_CASE(drop_counters_are_per_reason),
	{}
};

static struct kunit_suite hcx_device_suite = {
	.name = "hcxrepl_device",
	.init = device_test_init,
	.exit = device_test_exit,
	.test_cases = hcx_device_cases,
};

kunit_test_suite(hcx_device_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of hcxrepl");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
