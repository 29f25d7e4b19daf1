/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The receive-side replay window of a session.
 */
#ifndef _HCX_REPLAY_H
#define _HCX_REPLAY_H

#include <linux/spinlock.h>
#include <linux/types.h>

/* Counters this far behind the greatest one seen are still accepted once. */
#define HCX_REPLAY_WINDOW	8192

/**
 * struct hcx_replay - which recent counters were received
 * @lock: serialises hcx_replay_accept(); receive runs on several CPUs
 * @top: the greatest counter accepted plus one, 0 before the first
 * @seen: bit (counter % HCX_REPLAY_WINDOW) is set when that counter of the
 *	window [@top - HCX_REPLAY_WINDOW, @top) was accepted
 */
struct hcx_replay {
	spinlock_t lock; /* protects top and seen */
	u64 top;
	unsigned long seen[BITS_TO_LONGS(HCX_REPLAY_WINDOW)];
};

void hcx_replay_init(struct hcx_replay *replay);
bool hcx_replay_accept(struct hcx_replay *replay, u64 counter, u64 limit);

#endif /* _HCX_REPLAY_H */
