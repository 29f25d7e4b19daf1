// SPDX-License-Identifier: GPL-2.0
/*
 * The replay window: a data message's counter is accepted once, and only
 * while it is at most HCX_REPLAY_WINDOW behind the greatest counter seen, so
 * that reordering on the WAN costs nothing and a replayed capture is
 * dropped.  Callers check a message's tag before its counter: a forged
 * message cannot move the window.
 *
 * The bitmap is a ring indexed by counter modulo the window; moving the
 * window forward clears the slots it leaves behind.
 *
 * Locking: hcx_replay.lock, a spinlock taken with bottom halves off, since
 * the receive path runs in softirq context on several CPUs at once.
 */

#include <kunit/visibility.h>
#include <linux/bitmap.h>

#include "replay.h"

void hcx_replay_init(struct hcx_replay *replay)
{
	spin_lock_init(&replay->lock);
	replay->top = 0;
	bitmap_zero(replay->seen, HCX_REPLAY_WINDOW);
}
EXPORT_SYMBOL_IF_KUNIT(hcx_replay_init);

/* Clear the slots of counters [from, to), at most a whole window. */
static void clear_slots(struct hcx_replay *replay, u64 from, u64 to)
{
	unsigned int start, count, first;

	if (to - from >= HCX_REPLAY_WINDOW) {
		bitmap_zero(replay->seen, HCX_REPLAY_WINDOW);
		return;
	}
	start = from % HCX_REPLAY_WINDOW;
	count = to - from;
	first = min_t(unsigned int, count, HCX_REPLAY_WINDOW - start);
	bitmap_clear(replay->seen, start, first);
	bitmap_clear(replay->seen, 0, count - first);
}

/**
 * hcx_replay_accept - accept COUNTER if it is new and recent enough
 * @replay: the session's window
 * @counter: the counter of a message whose tag verified
 * @limit: counters from here on are refused (the session is spent)
 *
 * Return: true exactly once for each counter below @limit that is not
 * older than the window when it arrives.
 */
bool hcx_replay_accept(struct hcx_replay *replay, u64 counter, u64 limit)
{
	bool accept = false;

	if (counter >= limit)
		return false;

	spin_lock_bh(&replay->lock);
	if (counter >= replay->top) {
		clear_slots(replay, replay->top, counter + 1);
		replay->top = counter + 1;
		__set_bit(counter % HCX_REPLAY_WINDOW, replay->seen);
		accept = true;
	} else if (replay->top - counter <= HCX_REPLAY_WINDOW) {
		accept = !__test_and_set_bit(counter % HCX_REPLAY_WINDOW,
					     replay->seen);
	}
	spin_unlock_bh(&replay->lock);
	return accept;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_replay_accept);
