// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the change map (kmod/bitmap.c): the dirty count follows
 * every transition, ranges are clipped to the disk, and a random sequence
 * of operations agrees with a plain byte-per-chunk model.
 */

#include <kunit/test.h>
#include <linux/prandom.h>

#include "../bitmap.h"

static struct hcx_bitmap *new_map(struct kunit *test, u64 nbits)
{
	struct hcx_bitmap *bm = kunit_kzalloc(test, sizeof(*bm), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, bm);
	KUNIT_ASSERT_EQ(test, hcx_bitmap_init(bm, nbits), 0);
	return bm;
}

static void empty_and_invalid(struct kunit *test)
{
	struct hcx_bitmap *bm = new_map(test, 1000);
	struct hcx_bitmap none = {};

	KUNIT_EXPECT_EQ(test, hcx_bitmap_dirty(bm), 0);
	KUNIT_EXPECT_EQ(test, hcx_bitmap_next(bm, 0), 1000);
	KUNIT_EXPECT_EQ(test, hcx_bitmap_next(bm, 5000), 1000);
	KUNIT_EXPECT_EQ(test, hcx_bitmap_init(&none, 0), -EINVAL);
	hcx_bitmap_free(bm);
}

static void count_follows_transitions(struct kunit *test)
{
	struct hcx_bitmap *bm = new_map(test, 130);

	KUNIT_EXPECT_TRUE(test, hcx_bitmap_mark(bm, 64));
	KUNIT_EXPECT_FALSE(test, hcx_bitmap_mark(bm, 64));
	KUNIT_EXPECT_EQ(test, hcx_bitmap_dirty(bm), 1);
	/* 60..70 holds 64 already: ten are new. */
	KUNIT_EXPECT_EQ(test, hcx_bitmap_mark_range(bm, 60, 70), 10);
	KUNIT_EXPECT_EQ(test, hcx_bitmap_dirty(bm), 11);
	KUNIT_EXPECT_EQ(test, hcx_bitmap_next(bm, 0), 60);
	KUNIT_EXPECT_EQ(test, hcx_bitmap_next(bm, 71), 130);
	KUNIT_EXPECT_TRUE(test, hcx_bitmap_test_and_clear(bm, 60));
	KUNIT_EXPECT_FALSE(test, hcx_bitmap_test_and_clear(bm, 60));
	KUNIT_EXPECT_EQ(test, hcx_bitmap_dirty(bm), 10);
	KUNIT_EXPECT_EQ(test, hcx_bitmap_next(bm, 0), 61);
	hcx_bitmap_free(bm);
}

static void range_clipped_to_the_disk(struct kunit *test)
{
	struct hcx_bitmap *bm = new_map(test, 100);

	KUNIT_EXPECT_EQ(test, hcx_bitmap_mark_range(bm, 0, U64_MAX), 100);
	KUNIT_EXPECT_EQ(test, hcx_bitmap_dirty(bm), 100);
	KUNIT_EXPECT_TRUE(test, hcx_bitmap_test(bm, 99));
	KUNIT_EXPECT_EQ(test, hcx_bitmap_mark_range(bm, 99, 200), 0);
	hcx_bitmap_free(bm);
}

static void random_against_a_model(struct kunit *test)
{
	const u64 n = 777;
	struct hcx_bitmap *bm = new_map(test, n);
	u8 *model = kunit_kzalloc(test, n, GFP_KERNEL);
	u64 i, bit, count = 0, first, last, newly;
	struct rnd_state rnd;

	KUNIT_ASSERT_NOT_NULL(test, model);
	prandom_seed_state(&rnd, 42);
	for (i = 0; i < 20000; i++) {
		bit = prandom_u32_state(&rnd) % n;
		switch (prandom_u32_state(&rnd) % 3) {
		case 0:
			KUNIT_ASSERT_EQ(test, hcx_bitmap_mark(bm, bit), !model[bit]);
			count += !model[bit];
			model[bit] = 1;
			break;
		case 1:
			KUNIT_ASSERT_EQ(test, hcx_bitmap_test_and_clear(bm, bit),
					!!model[bit]);
			count -= model[bit];
			model[bit] = 0;
			break;
		default:
			first = bit;
			last = first + prandom_u32_state(&rnd) % 40;
			newly = 0;
			for (bit = first; bit <= last && bit < n; bit++) {
				newly += !model[bit];
				model[bit] = 1;
			}
			KUNIT_ASSERT_EQ(test,
					hcx_bitmap_mark_range(bm, first, last),
					newly);
			count += newly;
		}
		KUNIT_ASSERT_EQ(test, hcx_bitmap_dirty(bm), count);
	}
	/* next() visits exactly the model's set bits, in order. */
	bit = hcx_bitmap_next(bm, 0);
	for (i = 0; i < n; i++) {
		if (!model[i])
			continue;
		KUNIT_ASSERT_EQ(test, bit, i);
		bit = hcx_bitmap_next(bm, bit + 1);
	}
	KUNIT_EXPECT_EQ(test, bit, n);
	hcx_bitmap_free(bm);
}

static struct kunit_case hcx_bitmap_cases[] = {
	KUNIT_CASE(empty_and_invalid),
	KUNIT_CASE(count_follows_transitions),
	KUNIT_CASE(range_clipped_to_the_disk),
	KUNIT_CASE(random_against_a_model),
	{}
};

static struct kunit_suite hcx_bitmap_suite = {
	.name = "hcxrepl_bitmap",
	.test_cases = hcx_bitmap_cases,
};

kunit_test_suite(hcx_bitmap_suite);
