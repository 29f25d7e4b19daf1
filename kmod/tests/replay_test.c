// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the replay window (kmod/replay.c): its edges one by one,
 * then a long random sequence against a plain model of the rule.
 */

#include <kunit/test.h>
#include <linux/prandom.h>

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

static struct kunit_case hcx_replay_cases[] = {
	KUNIT_CASE(each_counter_once),
	KUNIT_CASE(reordering_within_the_window),
	KUNIT_CASE(the_window_edge),
	KUNIT_CASE(a_jump_past_the_window_forgets_it),
	KUNIT_CASE(the_limit_is_refused),
	KUNIT_CASE(random_sequence_matches_the_model),
	{}
};

static struct kunit_suite hcx_replay_suite = {
	.name = "hcxrepl_replay",
	.test_cases = hcx_replay_cases,
};

kunit_test_suite(hcx_replay_suite);
