// SPDX-License-Identifier: GPL-2.0
/*
 * The change map of a disk.
 *
 * A bit is set when a write to its chunk is submitted and again when the
 * write completes (disk.c), and cleared by the sync engine just before it
 * reads the chunk to send it (sync.c).  A write that races with the read
 * therefore always leaves the bit set behind it: the chunk is sent again.
 * The engine sets the bit back when the target never acknowledged it.
 *
 * Locking: none; every bit operation is atomic and the count follows the
 * transitions each operation caused.  The map costs one bit per chunk.
 */

#include <kunit/visibility.h>
#include <linux/bitmap.h>
#include <linux/slab.h>

#include "bitmap.h"

int hcx_bitmap_init(struct hcx_bitmap *bm, u64 nbits)
{
	if (!nbits || nbits > ULONG_MAX / 2)
		return -EINVAL;
	bm->bits = kvcalloc(BITS_TO_LONGS(nbits), sizeof(unsigned long),
			    GFP_KERNEL);
	if (!bm->bits)
		return -ENOMEM;
	bm->nbits = nbits;
	atomic64_set(&bm->dirty, 0);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_bitmap_init);

void hcx_bitmap_free(struct hcx_bitmap *bm)
{
	kvfree(bm->bits);
	bm->bits = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_bitmap_free);

/* Set bit BIT; true when it was clear. */
bool hcx_bitmap_mark(struct hcx_bitmap *bm, u64 bit)
{
	if (test_bit(bit, bm->bits) || test_and_set_bit(bit, bm->bits))
		return false;
	atomic64_inc(&bm->dirty);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_bitmap_mark);

/*
 * Set bits FIRST to LAST inclusive; returns how many were clear.  A word at
 * a time: a full sync marks a whole map, and a discard may cover a whole
 * disk in a bio's completion, so its cost is that of a memset, not one
 * atomic operation per chunk.
 */
u64 hcx_bitmap_mark_range(struct hcx_bitmap *bm, u64 first, u64 last)
{
	unsigned long mask, old;
	u64 w, newly = 0;

	if (last >= bm->nbits)
		last = bm->nbits - 1;
	if (first > last)
		return 0;
	for (w = BIT_WORD(first); w <= BIT_WORD(last); w++) {
		mask = ~0UL;
		if (w == BIT_WORD(first))
			mask &= BITMAP_FIRST_WORD_MASK(first);
		if (w == BIT_WORD(last))
			mask &= BITMAP_LAST_WORD_MASK(last + 1);
		if ((READ_ONCE(bm->bits[w]) & mask) == mask)
			continue;
		old = set_mask_bits(&bm->bits[w], 0, mask);
		newly += hweight_long(mask & ~old);
	}
	atomic64_add(newly, &bm->dirty);
	return newly;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_bitmap_mark_range);

/* Clear bit BIT; true when it was set. */
bool hcx_bitmap_test_and_clear(struct hcx_bitmap *bm, u64 bit)
{
	if (!test_and_clear_bit(bit, bm->bits))
		return false;
	atomic64_dec(&bm->dirty);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_bitmap_test_and_clear);

/* The first set bit at or after FROM, or nbits when there is none. */
u64 hcx_bitmap_next(const struct hcx_bitmap *bm, u64 from)
{
	if (from >= bm->nbits)
		return bm->nbits;
	return find_next_bit(bm->bits, bm->nbits, from);
}
EXPORT_SYMBOL_IF_KUNIT(hcx_bitmap_next);

/* Clear every bit: a new relationship starts from a known state. */
void hcx_bitmap_clear_all(struct hcx_bitmap *bm)
{
	bitmap_zero(bm->bits, bm->nbits);
	atomic64_set(&bm->dirty, 0);
}
EXPORT_SYMBOL_IF_KUNIT(hcx_bitmap_clear_all);
