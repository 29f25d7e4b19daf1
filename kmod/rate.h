/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The replication rate limit of an interconnect device.
 */
#ifndef _HCX_RATE_H
#define _HCX_RATE_H

#include <linux/kref.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <uapi/linux/hcxrepl.h>

/**
 * struct hcx_rate_window - a time of the day with a rate of its own
 * @start: its first minute of the day, UTC
 * @end: the minute after its last; before @start when it spans midnight
 * @bps: its limit in bits per second, 0 for none
 */
struct hcx_rate_window {
	u16 start;
	u16 end;
	u64 bps;
};

/**
 * struct hcx_rate_conf - what the operator sets
 * @bps: the limit outside the windows, bits per second, 0 for none
 * @nr_windows: how many windows
 * @windows: the windows, which do not overlap
 */
struct hcx_rate_conf {
	u64 bps;
	unsigned int nr_windows;
	struct hcx_rate_window windows[HCXREPL_RATE_WINDOWS_MAX];
};

/**
 * struct hcx_rate - a token bucket that the device's replication draws from
 * @ref: the device holds one reference, each lane connected through it
 *	another, so that a lane may wait on it while the device goes
 * @lock: guards the rest; held for arithmetic only
 * @conf: the limits
 * @tokens: bytes that may be sent now; below zero, a debt that senders
 *	wait out
 * @stamp: when @tokens was last brought up to date (ktime_get_ns())
 */
struct hcx_rate {
	struct kref ref;
	spinlock_t lock; /* the bucket and its limits */
	struct hcx_rate_conf conf;
	s64 tokens;
	u64 stamp;
};

struct hcx_rate *hcx_rate_new(void);
void hcx_rate_put(struct hcx_rate *rate);
struct hcx_rate *hcx_rate_get(struct hcx_rate *rate);
void hcx_rate_set(struct hcx_rate *rate, const struct hcx_rate_conf *conf);
void hcx_rate_conf(struct hcx_rate *rate, struct hcx_rate_conf *conf);
u64 hcx_rate_now_bps(struct hcx_rate *rate);
u64 hcx_rate_draw(struct hcx_rate *rate, size_t bytes);
int hcx_rate_conf_check(const struct hcx_rate_conf *conf);
u64 hcx_rate_conf_bps_at(const struct hcx_rate_conf *conf,
			 unsigned int minute);
s64 hcx_rate_bucket(s64 tokens, u64 elapsed_ns, u64 bps, size_t bytes);

#endif /* _HCX_RATE_H */
