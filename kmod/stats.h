/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Drop counters of an interconnect device, one per reason.
 *
 * Drops are exceptional, so plain atomic counters are cheap enough and need
 * no lock; readers may see them in any order.
 */
#ifndef _HCX_STATS_H
#define _HCX_STATS_H

#include <linux/atomic.h>

enum hcx_drop_reason {
	HCX_DROP_RX_BAD_AUTH,
	HCX_DROP_RX_REPLAY,
	HCX_DROP_RX_UNKNOWN_SESSION,
	HCX_DROP_RX_MALFORMED,
	HCX_DROP_RX_OVERSIZED,
	HCX_DROP_RX_HANDSHAKE_RATELIMITED,
	HCX_DROP_RX_HANDSHAKE_INVALID,
	HCX_DROP_TX_NO_SESSION,
	HCX_DROP_TX_OVERSIZED,
	HCX_DROP_TX_UNREACHABLE,
	HCX_DROP_RX_QUEUE_FULL,
	HCX_DROP_TX_QUEUE_FULL,
	HCX_DROP_RX_CHANNEL_REPLAY,
	HCX_DROP_RX_CHANNEL_TIMEOUT,
	HCX_DROP_RX_CHANNEL_EVICTED,
	HCX_DROP_MAX,
};

struct hcx_drop_stats {
	atomic64_t count[HCX_DROP_MAX];
};

static inline void hcx_drop_count(struct hcx_drop_stats *stats,
				  enum hcx_drop_reason reason)
{
	atomic64_inc(&stats->count[reason]);
}

static inline u64 hcx_drop_read(const struct hcx_drop_stats *stats,
				enum hcx_drop_reason reason)
{
	return atomic64_read(&stats->count[reason]);
}

#endif /* _HCX_STATS_H */
