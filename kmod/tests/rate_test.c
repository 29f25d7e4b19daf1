// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the replication rate limit (kmod/rate.c): which limits
 * and windows are refused, which limit holds at a minute of the day, and
 * the bucket's refill, cap and debt.
 */

#include <kunit/test.h>

#include "../rate.h"

#define MBIT 1000000ULL

static struct hcx_rate_conf conf_of(u64 bps, unsigned int n,
				    const struct hcx_rate_window *w)
{
	struct hcx_rate_conf conf = { .bps = bps, .nr_windows = n };
	unsigned int i;

	for (i = 0; i < n; i++)
		conf.windows[i] = w[i];
	return conf;
}

static void limits_below_the_floor_are_refused(struct kunit *test)
{
	struct hcx_rate_window w = { 60, 120, HCXREPL_RATE_MIN_BPS - 1 };
	struct hcx_rate_conf c;

	c = conf_of(0, 0, NULL);
	KUNIT_EXPECT_EQ(test, hcx_rate_conf_check(&c), 0);
	c = conf_of(HCXREPL_RATE_MIN_BPS, 0, NULL);
	KUNIT_EXPECT_EQ(test, hcx_rate_conf_check(&c), 0);
	c = conf_of(HCXREPL_RATE_MIN_BPS - 1, 0, NULL);
	KUNIT_EXPECT_EQ(test, hcx_rate_conf_check(&c), -ERANGE);
	c = conf_of(0, 1, &w);
	KUNIT_EXPECT_EQ(test, hcx_rate_conf_check(&c), -ERANGE);
	w.bps = 0;
	c = conf_of(0, 1, &w);
	KUNIT_EXPECT_EQ(test, hcx_rate_conf_check(&c), 0);
}

static void windows_must_have_length_and_fit_the_day(struct kunit *test)
{
	struct hcx_rate_window w[] = {
		{ 480, 480, MBIT }, { 480, 1440, MBIT }, { 1440, 10, MBIT },
	};
	struct hcx_rate_conf c;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(w); i++) {
		c = conf_of(MBIT, 1, &w[i]);
		KUNIT_EXPECT_EQ(test, hcx_rate_conf_check(&c), -EINVAL);
	}
}

static void overlapping_windows_are_refused(struct kunit *test)
{
	static const struct {
		struct hcx_rate_window a, b;
		int want;
	} cases[] = {
		{ { 480, 1080, MBIT }, { 1080, 1140, MBIT }, 0 },	/* touch */
		{ { 480, 1080, MBIT }, { 1020, 1140, MBIT }, -EEXIST },
		{ { 480, 1080, MBIT }, { 600, 660, MBIT }, -EEXIST },	/* inside */
		{ { 1320, 360, MBIT }, { 360, 480, MBIT }, 0 },	/* midnight */
		{ { 1320, 360, MBIT }, { 0, 60, MBIT }, -EEXIST },
		{ { 1320, 360, MBIT }, { 1200, 1330, MBIT }, -EEXIST },
		{ { 1320, 360, MBIT }, { 1380, 300, MBIT }, -EEXIST },
	};
	struct hcx_rate_window w[2];
	struct hcx_rate_conf c;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		w[0] = cases[i].a;
		w[1] = cases[i].b;
		c = conf_of(MBIT, 2, w);
		KUNIT_EXPECT_EQ_MSG(test, hcx_rate_conf_check(&c), cases[i].want,
				    "case %u", i);
		w[0] = cases[i].b;
		w[1] = cases[i].a;
		c = conf_of(MBIT, 2, w);
		KUNIT_EXPECT_EQ_MSG(test, hcx_rate_conf_check(&c), cases[i].want,
				    "case %u, reversed", i);
	}
}

static void the_window_holding_the_minute_rules(struct kunit *test)
{
	struct hcx_rate_window w[] = {
		{ 480, 1080, 50 * MBIT }, { 1320, 360, 0 },
	};
	struct hcx_rate_conf c = conf_of(200 * MBIT, 2, w);

	KUNIT_EXPECT_EQ(test, hcx_rate_conf_bps_at(&c, 479), 200 * MBIT);
	KUNIT_EXPECT_EQ(test, hcx_rate_conf_bps_at(&c, 480), 50 * MBIT);
	KUNIT_EXPECT_EQ(test, hcx_rate_conf_bps_at(&c, 1079), 50 * MBIT);
	KUNIT_EXPECT_EQ(test, hcx_rate_conf_bps_at(&c, 1080), 200 * MBIT);
	KUNIT_EXPECT_EQ(test, hcx_rate_conf_bps_at(&c, 1319), 200 * MBIT);
	KUNIT_EXPECT_EQ(test, hcx_rate_conf_bps_at(&c, 1320), 0);
	KUNIT_EXPECT_EQ(test, hcx_rate_conf_bps_at(&c, 0), 0);
	KUNIT_EXPECT_EQ(test, hcx_rate_conf_bps_at(&c, 359), 0);
	KUNIT_EXPECT_EQ(test, hcx_rate_conf_bps_at(&c, 360), 200 * MBIT);
}

static void the_bucket_refills_caps_and_owes(struct kunit *test)
{
	/* 80 Mbit/s: 10 MB a second, 200 KB in the 20 ms the bucket holds. */
	u64 bps = 80 * MBIT;

	/* 10 ms refill 100 KB. */
	KUNIT_EXPECT_EQ(test, hcx_rate_bucket(0, 10 * NSEC_PER_MSEC, bps, 0),
			100000);
	/* A minute idle fills it no more than 20 ms would. */
	KUNIT_EXPECT_EQ(test, hcx_rate_bucket(0, 60 * NSEC_PER_SEC, bps, 0),
			200000);
	/* A draw larger than the bucket leaves a debt. */
	KUNIT_EXPECT_EQ(test, hcx_rate_bucket(200000, 0, bps, 1048576),
			200000 - 1048576);
	/* Which time repays. */
	KUNIT_EXPECT_EQ(test, hcx_rate_bucket(-500000, 50 * NSEC_PER_MSEC, bps,
					      0), 0);
	/* A slow limit's bucket still holds 64 KiB. */
	KUNIT_EXPECT_EQ(test, hcx_rate_bucket(0, NSEC_PER_SEC,
					      HCXREPL_RATE_MIN_BPS, 0), 12500);
	KUNIT_EXPECT_EQ(test, hcx_rate_bucket(65536, NSEC_PER_SEC,
					      HCXREPL_RATE_MIN_BPS, 0), 65536);
}

static void draws_add_up_to_the_limit(struct kunit *test)
{
	/* 64 KiB records at 8 Mbit/s: a second of them waits a second. */
	struct hcx_rate *rate = hcx_rate_new();
	struct hcx_rate_conf c = conf_of(8 * MBIT, 0, NULL);
	u64 wait = 0;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, rate);
	hcx_rate_set(rate, &c);
	for (i = 0; i < 16; i++)
		wait = hcx_rate_draw(rate, 65536);
	/* 1 MiB drawn at once, 64 KiB of it from the bucket: ~0.98 s owed. */
	KUNIT_EXPECT_GE(test, wait, 900 * NSEC_PER_MSEC);
	KUNIT_EXPECT_LE(test, wait, 1050 * NSEC_PER_MSEC);
	c.bps = 0;
	hcx_rate_set(rate, &c);
	KUNIT_EXPECT_EQ(test, hcx_rate_draw(rate, 1 << 30), 0);
	KUNIT_EXPECT_EQ(test, hcx_rate_now_bps(rate), 0);
	hcx_rate_put(rate);
}

static struct kunit_case hcx_rate_cases[] = {
	KUNIT_CASE(limits_below_the_floor_are_refused),
	KUNIT_CASE(windows_must_have_length_and_fit_the_day),
	KUNIT_CASE(overlapping_windows_are_refused),
	KUNIT_CASE(the_window_holding_the_minute_rules),
	KUNIT_CASE(the_bucket_refills_caps_and_owes),
	KUNIT_CASE(draws_add_up_to_the_limit),
	{}
};

static struct kunit_suite hcx_rate_suite = {
	.name = "hcxrepl_rate",
	.test_cases = hcx_rate_cases,
};

kunit_test_suite(hcx_rate_suite);
