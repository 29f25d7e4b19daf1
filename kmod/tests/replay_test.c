// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the replay window (kmod/replay.c): its edges one by one,
 * then a long random sequence against a plain model of the rule.  Then the
 * window of channel initiations: out of order within it, replays however
 * late, its floor, and a full window.
 */

#include <kunit/test.h>
#include <linux/math64.h>
#include <linux/prandom.h>

#include "../compat.h"
#include "../replay.h"

#define W HCX_REPLAY_WINDOW
#define NO_LIMIT U64_MAX

static struct hcx_replay *new_window(struct kunit *test)
{
	struct hcx_replay *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	hcx_replay_init(r);
	return r;
}

static void each_counter_once(struct kunit *test)
{
	struct hcx_replay *r = new_window(test);
	u64 c;

	for (c = 0; c < 3 * W; c++)
		KUNIT_EXPECT_TRUE(test, hcx_replay_accept(r, c, NO_LIMIT));
	for (c = 2 * W; c < 3 * W; c++)
		KUNIT_EXPECT_FALSE(test, hcx_replay_accept(r, c, NO_LIMIT));
}

static void reordering_within_the_window(struct kunit *test)
{
	struct hcx_replay *r = new_window(test);

	KUNIT_EXPECT_TRUE(test, hcx_replay_accept(r, 100, NO_LIMIT));
	KUNIT_EXPECT_TRUE(test, hcx_replay_accept(r, 0, NO_LIMIT));
	KUNIT_EXPECT_TRUE(test, hcx_replay_accept(r, 99, NO_LIMIT));
	KUNIT_EXPECT_FALSE(test, hcx_replay_accept(r, 99, NO_LIMIT));
	KUNIT_EXPECT_FALSE(test, hcx_replay_accept(r, 100, NO_LIMIT));
	KUNIT_EXPECT_TRUE(test, hcx_replay_accept(r, 50, NO_LIMIT));
}

static void the_window_edge(struct kunit *test)
{
	struct hcx_replay *r = new_window(test);
	const u64 top = 5 * W + 17;

	KUNIT_EXPECT_TRUE(test, hcx_replay_accept(r, top - 1, NO_LIMIT));
	/* The oldest counter still in the window, and the first one out. */
	KUNIT_EXPECT_TRUE(test, hcx_replay_accept(r, top - W, NO_LIMIT));
	KUNIT_EXPECT_FALSE(test, hcx_replay_accept(r, top - W, NO_LIMIT));
	KUNIT_EXPECT_FALSE(test, hcx_replay_accept(r, top - W - 1, NO_LIMIT));
	/* One step forward pushes the oldest out; its slot is reused. */
	KUNIT_EXPECT_TRUE(test, hcx_replay_accept(r, top, NO_LIMIT));
	KUNIT_EXPECT_FALSE(test, hcx_replay_accept(r, top - W, NO_LIMIT));
	KUNIT_EXPECT_TRUE(test, hcx_replay_accept(r, top - W + 1, NO_LIMIT));
}

static void a_jump_past_the_window_forgets_it(struct kunit *test)
{
	struct hcx_replay *r = new_window(test);
	u64 c;

	for (c = 0; c < 64; c++)
		KUNIT_EXPECT_TRUE(test, hcx_replay_accept(r, c, NO_LIMIT));
	KUNIT_EXPECT_TRUE(test, hcx_replay_accept(r, 10 * W, NO_LIMIT));
	KUNIT_EXPECT_FALSE(test, hcx_replay_accept(r, 63, NO_LIMIT));
	/* Slots of the old counters were cleared for the new ones. */
	for (c = 9 * W + 1; c < 9 * W + 64; c++)
		KUNIT_EXPECT_TRUE(test, hcx_replay_accept(r, c, NO_LIMIT));
}

static void the_limit_is_refused(struct kunit *test)
{
	struct hcx_replay *r = new_window(test);

	KUNIT_EXPECT_TRUE(test, hcx_replay_accept(r, 999, 1000));
	KUNIT_EXPECT_FALSE(test, hcx_replay_accept(r, 1000, 1000));
	KUNIT_EXPECT_FALSE(test, hcx_replay_accept(r, U64_MAX, NO_LIMIT));
	KUNIT_EXPECT_TRUE(test, hcx_replay_accept(r, U64_MAX - 1, NO_LIMIT));
	KUNIT_EXPECT_FALSE(test, hcx_replay_accept(r, U64_MAX - 1, NO_LIMIT));
}

/* 200000 counters from a narrow, moving range, against the rule itself. */
static void random_sequence_matches_the_model(struct kunit *test)
{
	const unsigned int span = 6 * W, steps = 200000;
	struct hcx_replay *r = new_window(test);
	unsigned long *seen;
	struct rnd_state rnd;
	u64 top = 0, base = 0;
	unsigned int i, wrong = 0;

	seen = kunit_kzalloc(test, BITS_TO_LONGS(steps + span) * sizeof(long),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	prandom_seed_state(&rnd, 20261124);
	for (i = 0; i < steps; i++) {
		u64 c = base + prandom_u32_state(&rnd) % span;
		bool want = !test_bit(c, seen) &&
			    (c >= top || top - c <= W);

		if (want) {
			__set_bit(c, seen);
			top = max(top, c + 1);
		}
		if (hcx_replay_accept(r, c, NO_LIMIT) != want)
			wrong++;
		base += prandom_u32_state(&rnd) % 2;
	}
	KUNIT_EXPECT_EQ(test, wrong, 0);
}

/* A TAI64N timestamp of NS ns past the epoch. */
static void tai64n(u8 out[HCX_TIMESTAMP_LEN], u64 ns)
{
	put_unaligned_be64(BIT_ULL(62) + div_u64(ns, NSEC_PER_SEC), out);
	put_unaligned_be32(do_div(ns, NSEC_PER_SEC), out + 8);
}

/* Offer the initiation of timestamp NS whose ephemeral key is all KEY. */
static bool offer(struct hcx_initiations *w, u64 ns, u8 key)
{
	u8 ts[HCX_TIMESTAMP_LEN], eph[HCXREPL_KEY_LEN];

	tai64n(ts, ns);
	memset(eph, key, sizeof(eph));
	return hcx_initiations_accept(w, ts, eph);
}

#define T0	(1700000000ULL * NSEC_PER_SEC)
#define IW	HCX_INITIATION_WINDOW_NS

static struct hcx_initiations *new_initiations(struct kunit *test)
{
	struct hcx_initiations *w = kunit_kzalloc(test, sizeof(*w),
						  GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, w);
	return w;
}

static void tai64n_converts(struct kunit *test)
{
	u8 ts[HCX_TIMESTAMP_LEN] = { };

	tai64n(ts, T0 + 123456789);
	KUNIT_EXPECT_EQ(test, hcx_tai64n_ns(ts), T0 + 123456789);
	/* Before the epoch, and past what 64 bits of ns hold. */
	memset(ts, 0, sizeof(ts));
	KUNIT_EXPECT_EQ(test, hcx_tai64n_ns(ts), 0);
	memset(ts, 0xff, sizeof(ts));
	KUNIT_EXPECT_EQ(test, hcx_tai64n_ns(ts), U64_MAX);
}

static void initiations_in_any_order_once(struct kunit *test)
{
	struct hcx_initiations *w = new_initiations(test);

	/* Four streams: out of order, two with the same timestamp. */
	KUNIT_EXPECT_TRUE(test, offer(w, T0 + 3000, 3));
	KUNIT_EXPECT_TRUE(test, offer(w, T0 + 1000, 1));
	KUNIT_EXPECT_TRUE(test, offer(w, T0 + 1000, 2));
	KUNIT_EXPECT_TRUE(test, offer(w, T0 + 2000, 4));
	/* Each again: refused. */
	KUNIT_EXPECT_FALSE(test, offer(w, T0 + 3000, 3));
	KUNIT_EXPECT_FALSE(test, offer(w, T0 + 1000, 1));
	KUNIT_EXPECT_FALSE(test, offer(w, T0 + 1000, 2));
	KUNIT_EXPECT_FALSE(test, offer(w, T0 + 2000, 4));
	/* Late but within the window, and new: accepted. */
	KUNIT_EXPECT_TRUE(test, offer(w, T0 + 3000 - IW + 1, 5));
}

static void initiations_floor_trails_the_newest(struct kunit *test)
{
	struct hcx_initiations *w = new_initiations(test);

	KUNIT_EXPECT_TRUE(test, offer(w, T0, 1));
	KUNIT_EXPECT_TRUE(test, offer(w, T0 + IW + 5, 2));
	/* T0 fell to the floor: refused, whatever its key. */
	KUNIT_EXPECT_FALSE(test, offer(w, T0, 1));
	KUNIT_EXPECT_FALSE(test, offer(w, T0 + 5, 3));
	KUNIT_EXPECT_TRUE(test, offer(w, T0 + 6, 4));
	/* A replay an hour later, the source idle all along. */
	KUNIT_EXPECT_FALSE(test, offer(w, T0 + IW + 5, 2));
	KUNIT_EXPECT_FALSE(test, offer(w, T0 + 6, 4));
}

static void a_full_window_raises_its_floor(struct kunit *test)
{
	struct hcx_initiations *w = new_initiations(test);
	unsigned int i;

	for (i = 0; i < HCX_INITIATIONS_KEPT; i++)
		KUNIT_EXPECT_TRUE(test, offer(w, T0 + 10 + i, i));
	/* No newer than all it remembers: it could not be told again. */
	KUNIT_EXPECT_FALSE(test, offer(w, T0 + 5, 200));
	/* Newer: accepted, and the oldest (T0 + 10) is forgotten... */
	KUNIT_EXPECT_TRUE(test, offer(w, T0 + 100, 201));
	/* ...so that its time is refused from now on. */
	KUNIT_EXPECT_FALSE(test, offer(w, T0 + 10, 0));
	KUNIT_EXPECT_FALSE(test, offer(w, T0 + 10, 202));
	/* The others are still remembered one by one. */
	for (i = 1; i < HCX_INITIATIONS_KEPT; i++)
		KUNIT_EXPECT_FALSE(test, offer(w, T0 + 10 + i, i));
	KUNIT_EXPECT_FALSE(test, offer(w, T0 + 100, 201));
	KUNIT_EXPECT_TRUE(test, offer(w, T0 + 74, 203));
}

static struct kunit_case hcx_replay_cases[] = {
	KUNIT_CASE(each_counter_once),
	KUNIT_CASE(reordering_within_the_window),
	KUNIT_CASE(the_window_edge),
	KUNIT_CASE(a_jump_past_the_window_forgets_it),
	KUNIT_CASE(the_limit_is_refused),
	KUNIT_CASE(random_sequence_matches_the_model),
	KUNIT_CASE(tai64n_converts),
	KUNIT_CASE(initiations_in_any_order_once),
	KUNIT_CASE(initiations_floor_trails_the_newest),
	KUNIT_CASE(a_full_window_raises_its_floor),
	{}
};

static struct kunit_suite hcx_replay_suite = {
	.name = "hcxrepl_replay",
	.test_cases = hcx_replay_cases,
};

kunit_test_suite(hcx_replay_suite);
