/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The change map of a disk: one bit per chunk, set when the chunk may
 * differ from the target's copy.
 */
#ifndef _HCX_BITMAP_H
#define _HCX_BITMAP_H

#include <linux/atomic.h>
#include <linux/types.h>

/**
 * struct hcx_bitmap - one bit per chunk, and how many are set
 * @bits: the bits; every operation is atomic, so no lock guards them
 * @nbits: the number of chunks
 * @dirty: how many bits are set; it moves with each transition of a bit,
 *	so it is exact whenever no operation is running
 */
struct hcx_bitmap {
	unsigned long *bits;
	u64 nbits;
	atomic64_t dirty;
};

int hcx_bitmap_init(struct hcx_bitmap *bm, u64 nbits);
void hcx_bitmap_free(struct hcx_bitmap *bm);
u64 hcx_bitmap_mark_range(struct hcx_bitmap *bm, u64 first, u64 last);
bool hcx_bitmap_mark(struct hcx_bitmap *bm, u64 bit);
bool hcx_bitmap_test_and_clear(struct hcx_bitmap *bm, u64 bit);
void hcx_bitmap_clear_all(struct hcx_bitmap *bm);
u64 hcx_bitmap_next(const struct hcx_bitmap *bm, u64 from);

static inline u64 hcx_bitmap_dirty(const struct hcx_bitmap *bm)
{
	return atomic64_read(&bm->dirty);
}

static inline bool hcx_bitmap_test(const struct hcx_bitmap *bm, u64 bit)
{
	return test_bit(bit, bm->bits);
}

#endif /* _HCX_BITMAP_H */
