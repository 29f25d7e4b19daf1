// SPDX-License-Identifier: GPL-2.0
/*
 * The replication rate limit of an interconnect device: a token bucket
 * that the source's lanes draw from for each record before they send it
 * (pool.c), so that what the device's replication sends, all disks
 * together, stays within the operator's limit.  The interconnect's own
 * frames never draw from it.
 *
 * The limit in force is that of the time window holding the current
 * minute of the day (UTC; the CLI translates local times), else the
 * default; a limit of 0 is none.  Windows are [start, end) in minutes and
 * span midnight when end comes before start; they never overlap.
 *
 * The bucket holds at most HCX_RATE_BURST_NS worth of the limit (at least
 * HCX_RATE_BURST_MIN bytes), refilled as time passes.  A sender takes its
 * record's bytes whatever the bucket holds and waits out the debt it
 * leaves, so a record larger than the bucket still goes, and senders that
 * draw together wait in turn: over any span longer than a few records the
 * device sends at its limit.  A waiting sender asks again what it still
 * owes (a draw of nothing) now and then, so a limit lifted applies at once.
 *
 * Locking: rate->lock guards the configuration and the bucket, held only
 * for arithmetic.  The configuration is set under the device's conf_lock
 * too, so a reader of it under conf_lock sees what was set.
 */

#include <kunit/visibility.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "rate.h"

/* The bucket holds this much time at the limit... */
#define HCX_RATE_BURST_NS	(20 * NSEC_PER_MSEC)
/* ...and at least this many bytes. */
#define HCX_RATE_BURST_MIN	(64 * 1024)
#define HCX_MINUTES_PER_DAY	(24 * 60)

struct hcx_rate *hcx_rate_new(void)
{
	struct hcx_rate *rate = kzalloc(sizeof(*rate), GFP_KERNEL);

	if (!rate)
		return NULL;
	kref_init(&rate->ref);
	spin_lock_init(&rate->lock);
	return rate;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_rate_new);

struct hcx_rate *hcx_rate_get(struct hcx_rate *rate)
{
	kref_get(&rate->ref);
	return rate;
}

static void hcx_rate_free(struct kref *ref)
{
	kfree(container_of(ref, struct hcx_rate, ref));
}

void hcx_rate_put(struct hcx_rate *rate)
{
	if (rate)
		kref_put(&rate->ref, hcx_rate_free);
}
EXPORT_SYMBOL_IF_KUNIT(hcx_rate_put);

/* Whether window W holds MINUTE of the day. */
static bool hcx_rate_window_holds(const struct hcx_rate_window *w,
				  unsigned int minute)
{
	if (w->start < w->end)
		return minute >= w->start && minute < w->end;
	return minute >= w->start || minute < w->end;
}

/**
 * hcx_rate_conf_check - check a configuration before it is set
 * @conf: the configuration
 *
 * Return: 0; -ERANGE when a limit is below HCXREPL_RATE_MIN_BPS; -EINVAL
 * when a window has a minute past the day's or no length; -EEXIST when two
 * windows overlap.
 */
int hcx_rate_conf_check(const struct hcx_rate_conf *conf)
{
	const struct hcx_rate_window *w, *o;
	unsigned int i, j;

	if (conf->bps && conf->bps < HCXREPL_RATE_MIN_BPS)
		return -ERANGE;
	for (i = 0; i < conf->nr_windows; i++) {
		w = &conf->windows[i];
		if (w->bps && w->bps < HCXREPL_RATE_MIN_BPS)
			return -ERANGE;
		if (w->start >= HCX_MINUTES_PER_DAY ||
		    w->end >= HCX_MINUTES_PER_DAY || w->start == w->end)
			return -EINVAL;
		/* Two windows overlap when one holds the other's start. */
		for (j = 0; j < i; j++) {
			o = &conf->windows[j];
			if (hcx_rate_window_holds(w, o->start) ||
			    hcx_rate_window_holds(o, w->start))
				return -EEXIST;
		}
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_rate_conf_check);

/* The limit in force at MINUTE of the day (UTC), 0 for none. */
u64 hcx_rate_conf_bps_at(const struct hcx_rate_conf *conf,
			 unsigned int minute)
{
	unsigned int i;

	for (i = 0; i < conf->nr_windows; i++)
		if (hcx_rate_window_holds(&conf->windows[i], minute))
			return conf->windows[i].bps;
	return conf->bps;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_rate_conf_bps_at);

/**
 * hcx_rate_bucket - the bucket after a draw
 * @tokens: what it held at its last update, in bytes
 * @elapsed_ns: the time since
 * @bps: the limit in force, not 0
 * @bytes: what is drawn now
 *
 * Return: what it holds after refilling for @elapsed_ns, up to its size,
 * and giving @bytes; below zero, the debt the sender waits out.
 */
s64 hcx_rate_bucket(s64 tokens, u64 elapsed_ns, u64 bps, size_t bytes)
{
	u64 size = max_t(u64, mul_u64_u64_div_u64(HCX_RATE_BURST_NS, bps,
						  8 * NSEC_PER_SEC),
			 HCX_RATE_BURST_MIN);

	/* A second refills more than any bucket holds. */
	elapsed_ns = min_t(u64, elapsed_ns, NSEC_PER_SEC);
	tokens += mul_u64_u64_div_u64(elapsed_ns, bps, 8 * NSEC_PER_SEC);
	tokens = min_t(s64, tokens, size);
	return tokens - bytes;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_rate_bucket);

static unsigned int hcx_rate_minute_now(void)
{
	u32 minute;

	div_u64_rem(div_u64(ktime_get_real_seconds(), 60), HCX_MINUTES_PER_DAY,
		    &minute);
	return minute;
}

/* The limit in force now, 0 for none. */
u64 hcx_rate_now_bps(struct hcx_rate *rate)
{
	unsigned int minute = hcx_rate_minute_now();
	u64 bps;

	spin_lock(&rate->lock);
	bps = hcx_rate_conf_bps_at(&rate->conf, minute);
	spin_unlock(&rate->lock);
	return bps;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_rate_now_bps);

/**
 * hcx_rate_draw - draw a record's bytes from the bucket
 * @rate: the device's limit
 * @bytes: what the record takes on the wire; 0 to ask what is still owed
 *
 * Return: how long the sender waits before it sends, in nanoseconds, at
 * the limit in force now.
 */
u64 hcx_rate_draw(struct hcx_rate *rate, size_t bytes)
{
	unsigned int minute = hcx_rate_minute_now();
	u64 now = ktime_get_ns(), bps, wait = 0;

	spin_lock(&rate->lock);
	bps = hcx_rate_conf_bps_at(&rate->conf, minute);
	if (bps) {
		rate->tokens = hcx_rate_bucket(rate->tokens, now - rate->stamp,
					       bps, bytes);
		if (rate->tokens < 0)
			wait = mul_u64_u64_div_u64(-rate->tokens,
						   8 * NSEC_PER_SEC, bps);
	} else {
		/* No limit: the bucket starts empty when one comes. */
		rate->tokens = 0;
	}
	rate->stamp = now;
	spin_unlock(&rate->lock);
	return wait;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_rate_draw);

/* Set the limits, checked by hcx_rate_conf_check(). */
void hcx_rate_set(struct hcx_rate *rate, const struct hcx_rate_conf *conf)
{
	spin_lock(&rate->lock);
	rate->conf = *conf;
	spin_unlock(&rate->lock);
}
EXPORT_SYMBOL_IF_KUNIT(hcx_rate_set);

/* Read the limits. */
void hcx_rate_conf(struct hcx_rate *rate, struct hcx_rate_conf *conf)
{
	spin_lock(&rate->lock);
	*conf = rate->conf;
	spin_unlock(&rate->lock);
}
