/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The receive-side replay window of a session, and the window of the
 * replication channel's initiations.
 */
#ifndef _HCX_REPLAY_H
#define _HCX_REPLAY_H

#include <linux/spinlock.h>
#include <linux/types.h>
#include <uapi/linux/hcxrepl.h>

#include "messages.h"

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

/*
 * Channel initiations this far (in the initiator's clock) behind the newest
 * accepted are still accepted once: a source's parallel streams connect
 * together, and each handshake may take up to 10 s.
 */
#define HCX_INITIATION_WINDOW_NS	(20ULL * NSEC_PER_SEC)
/* Initiations the window remembers; more within it raise its floor. */
#define HCX_INITIATIONS_KEPT		64

/**
 * struct hcx_initiations - which recent channel initiations were accepted
 * @newest: the newest timestamp accepted, in ns since the epoch
 * @floor: timestamps at or below this are refused
 * @n: entries of @seen in use
 * @seen: every initiation accepted whose timestamp is above @floor
 * @seen.ns: its timestamp
 * @seen.ephemeral: its ephemeral public key, which tells it from another
 *	of the same timestamp
 *
 * Zeroed, it is empty.  The caller serialises its use (the peer's
 * handshake_lock).
 */
struct hcx_initiations {
	u64 newest;
	u64 floor;
	unsigned int n;
	struct {
		u64 ns;
		u8 ephemeral[HCXREPL_KEY_LEN];
	} seen[HCX_INITIATIONS_KEPT];
};

u64 hcx_tai64n_ns(const u8 tai64n[HCX_TIMESTAMP_LEN]);
bool hcx_initiations_accept(struct hcx_initiations *w,
			    const u8 tai64n[HCX_TIMESTAMP_LEN],
			    const u8 ephemeral[HCXREPL_KEY_LEN]);

#endif /* _HCX_REPLAY_H */
