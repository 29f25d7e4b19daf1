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
 * The replication channel's responder keeps a window of the initiations
 * it accepted (struct hcx_initiations): an initiation is accepted once,
 * and only while its timestamp is above the window's floor, which trails
 * the newest timestamp accepted by HCX_INITIATION_WINDOW_NS.  Timestamps
 * need not increase: a source's streams connect in parallel and their
 * handshakes finish in any order.  Every initiation accepted above the
 * floor is remembered; when more are than the window keeps, the oldest is
 * forgotten and the floor rises to its timestamp.  So a replay is refused
 * whether it comes a second or a year later.
 *
 * Locking: hcx_replay.lock, a spinlock taken with bottom halves off, since
 * the receive path runs in softirq context on several CPUs at once.  An
 * initiation window has no lock of its own: its caller holds the peer's
 * handshake_lock.
 */

#include <crypto/algapi.h>
#include <kunit/visibility.h>
#include <linux/bitmap.h>
#include <linux/overflow.h>
#include <linux/time64.h>

#include "compat.h"
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

/* TAI64N labels the Unix epoch with this many seconds. */
#define HCX_TAI64_EPOCH	BIT_ULL(62)

/**
 * hcx_tai64n_ns - a TAI64N timestamp in ns since the Unix epoch
 * @tai64n: the timestamp
 *
 * Return: the time, 0 for times before the epoch and U64_MAX for those
 * past 2554; nanoseconds above a second count as a second.
 */
u64 hcx_tai64n_ns(const u8 tai64n[HCX_TIMESTAMP_LEN])
{
	u64 sec = get_unaligned_be64(tai64n);
	u32 nsec = get_unaligned_be32(tai64n + sizeof(sec));
	u64 ns;

	if (sec < HCX_TAI64_EPOCH)
		return 0;
	if (check_mul_overflow(sec - HCX_TAI64_EPOCH, (u64)NSEC_PER_SEC, &ns) ||
	    check_add_overflow(ns, (u64)min_t(u32, nsec, NSEC_PER_SEC), &ns))
		return U64_MAX;
	return ns;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_tai64n_ns);

/**
 * hcx_initiations_accept - accept a channel initiation if it is new
 * @w: the peer's window
 * @tai64n: the initiation's timestamp, which authenticated
 * @ephemeral: its ephemeral public key
 *
 * Return: true exactly once for each initiation whose timestamp is above
 * the floor when it arrives, and that the window can tell from those it
 * accepted; false for a replay, and for an initiation older than all of a
 * full window's.
 */
bool hcx_initiations_accept(struct hcx_initiations *w,
			    const u8 tai64n[HCX_TIMESTAMP_LEN],
			    const u8 ephemeral[HCXREPL_KEY_LEN])
{
	u64 t = hcx_tai64n_ns(tai64n), newest, floor;
	unsigned int i, j, oldest;

	if (t <= w->floor)
		return false;
	for (i = 0; i < w->n; i++)
		if (w->seen[i].ns == t &&
		    !crypto_memneq(w->seen[i].ephemeral, ephemeral,
				   HCXREPL_KEY_LEN))
			return false;

	newest = max(w->newest, t);
	floor = newest > HCX_INITIATION_WINDOW_NS ?
		max(w->floor, newest - HCX_INITIATION_WINDOW_NS) : w->floor;
	/* Forget what fell below the floor. */
	for (i = 0, j = 0; i < w->n; i++)
		if (w->seen[i].ns > floor)
			w->seen[j++] = w->seen[i];
	w->n = j;
	if (w->n == HCX_INITIATIONS_KEPT) {
		oldest = 0;
		for (i = 1; i < w->n; i++)
			if (w->seen[i].ns < w->seen[oldest].ns)
				oldest = i;
		/* Older than all it remembers: it could not be told again. */
		if (t <= w->seen[oldest].ns) {
			w->floor = floor;
			return false;
		}
		floor = w->seen[oldest].ns;
		i = oldest;
	} else {
		i = w->n++;
	}
	w->seen[i].ns = t;
	memcpy(w->seen[i].ephemeral, ephemeral, HCXREPL_KEY_LEN);
	w->newest = newest;
	w->floor = floor;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_initiations_accept);
