// SPDX-License-Identifier: GPL-2.0
/*
 * A device's replication rate limit in the CLI.  Rates are bits per
 * second with tc(8)'s units (powers of 1000).  The module keeps windows
 * in minutes of the day in UTC; the CLI reads and shows them in local
 * time, with the zone's offset of the moment, so a window set before a
 * daylight-saving change shows an hour off after it until it is set again
 * (a plan apply does that by itself).
 */

#include <ctype.h>
#include <inttypes.h>
#include <linux/genetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "genl.h"
#include "rate.h"

#define MINUTES_PER_DAY (24 * 60)

static const struct {
	const char *name;
	uint64_t scale;
} units[] = {
	{ "tbit", 1000000000000ULL },
	{ "gbit", 1000000000ULL },
	{ "mbit", 1000000ULL },
	{ "kbit", 1000ULL },
	{ "bit", 1ULL },
};

bool hcx_parse_rate_limit(const char *text, uint64_t *bps, const char *where)
{
	if (!hcx_parse_rate(text, bps)) {
		fprintf(stderr, "hcxrepl: %s: invalid rate '%s' (want off, or a number with bit, kbit, mbit or gbit)\n",
			where, text);
		return false;
	}
	if (*bps && *bps < HCXREPL_RATE_MIN_BPS) {
		fprintf(stderr, "hcxrepl: %s: rate '%s' is below the least, 100kbit\n",
			where, text);
		return false;
	}
	return true;
}

bool hcx_parse_rate(const char *text, uint64_t *bps)
{
	size_t digits = strspn(text, "0123456789"), i;
	unsigned long long n;
	char *end;

	if (!strcmp(text, "off")) {
		*bps = 0;
		return true;
	}
	if (!digits)
		return false;
	n = strtoull(text, &end, 10);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(end, units[i].name))
			continue;
		if (n > UINT64_MAX / units[i].scale)
			return false;
		*bps = n * units[i].scale;
		return true;
	}
	return false;
}

void hcx_rate_text(uint64_t bps, char out[HCX_RATE_TEXT_LEN])
{
	size_t i;

	if (!bps) {
		snprintf(out, HCX_RATE_TEXT_LEN, "off");
		return;
	}
	for (i = 0; units[i].scale > 1 && bps % units[i].scale; i++)
		;
	snprintf(out, HCX_RATE_TEXT_LEN, "%" PRIu64 "%s",
		 bps / units[i].scale, units[i].name);
}

/* Minutes to add to local time to get UTC, at this moment. */
static int utc_offset(void)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!localtime_r(&now, &tm))
		return 0;
	return -(int)(tm.tm_gmtoff / 60);
}

static uint16_t shift(int minute, int by)
{
	return ((minute + by) % MINUTES_PER_DAY + MINUTES_PER_DAY) %
	       MINUTES_PER_DAY;
}

/* "HH:MM" at TEXT, 00:00 to 23:59, into *MINUTE; the rest in *END. */
static bool parse_clock(const char *text, int *minute, const char **end)
{
	if (!isdigit((unsigned char)text[0]) || !isdigit((unsigned char)text[1]) ||
	    text[2] != ':' || !isdigit((unsigned char)text[3]) ||
	    !isdigit((unsigned char)text[4]))
		return false;
	*minute = ((text[0] - '0') * 10 + text[1] - '0') * 60 +
		  (text[3] - '0') * 10 + text[4] - '0';
	*end = text + 5;
	return (text[0] - '0') * 10 + text[1] - '0' < 24 &&
	       (text[3] - '0') * 10 + text[4] - '0' < 60;
}

bool hcx_parse_rate_window(const char *span, const char *rate,
			   struct hcx_rate_window *w, const char *where)
{
	int start, end, off = utc_offset();
	const char *rest;

	if (!parse_clock(span, &start, &rest) || *rest != '-' ||
	    !parse_clock(rest + 1, &end, &rest) || *rest) {
		fprintf(stderr, "hcxrepl: %s: invalid window '%s' (want HH:MM-HH:MM)\n",
			where, span);
		return false;
	}
	if (start == end) {
		fprintf(stderr, "hcxrepl: %s: window '%s' ends where it starts\n",
			where, span);
		return false;
	}
	if (!hcx_parse_rate_limit(rate, &w->bps, where))
		return false;
	w->start = shift(start, off);
	w->end = shift(end, off);
	return true;
}

/* Whether window W holds MINUTE of the day (as the module decides). */
static bool holds(const struct hcx_rate_window *w, unsigned int minute)
{
	if (w->start < w->end)
		return minute >= w->start && minute < w->end;
	return minute >= w->start || minute < w->end;
}

bool hcx_rate_add_window(struct hcx_rate_limit *limit,
			 const struct hcx_rate_window *w, const char *where)
{
	char a[HCX_SPAN_TEXT_LEN], b[HCX_SPAN_TEXT_LEN];
	const struct hcx_rate_window *o;
	unsigned int i;

	for (i = 0; i < limit->nr_windows; i++) {
		o = &limit->windows[i];
		if (holds(w, o->start) || holds(o, w->start)) {
			hcx_span_text(w, a);
			hcx_span_text(o, b);
			fprintf(stderr, "hcxrepl: %s: window %s overlaps %s\n",
				where, a, b);
			return false;
		}
	}
	if (limit->nr_windows == HCXREPL_RATE_WINDOWS_MAX) {
		fprintf(stderr, "hcxrepl: %s: more than %u rate windows\n",
			where, HCXREPL_RATE_WINDOWS_MAX);
		return false;
	}
	for (i = limit->nr_windows; i && limit->windows[i - 1].start > w->start; i--)
		limit->windows[i] = limit->windows[i - 1];
	limit->windows[i] = *w;
	limit->nr_windows++;
	return true;
}

bool hcx_parse_rate_line(const char *text, struct hcx_rate_limit *limit,
			 const char *where)
{
	char span[HCX_SPAN_TEXT_LEN];
	struct hcx_rate_window w;
	size_t len = strcspn(text, " \t");
	const char *rate = text + len + strspn(text + len, " \t");

	if (len >= sizeof(span) || !*rate) {
		fprintf(stderr, "hcxrepl: %s: invalid RateWindow '%s' (want HH:MM-HH:MM RATE)\n",
			where, text);
		return false;
	}
	memcpy(span, text, len);
	span[len] = '\0';
	return hcx_parse_rate_window(span, rate, &w, where) &&
	       hcx_rate_add_window(limit, &w, where);
}

void hcx_span_text(const struct hcx_rate_window *w, char out[HCX_SPAN_TEXT_LEN])
{
	int off = utc_offset();
	uint16_t start = shift(w->start, -off), end = shift(w->end, -off);

	snprintf(out, HCX_SPAN_TEXT_LEN, "%02u:%02u-%02u:%02u", start / 60,
		 start % 60, end / 60, end % 60);
}

bool hcx_rate_equal(const struct hcx_rate_limit *a,
		    const struct hcx_rate_limit *b)
{
	unsigned int i;

	if (a->bps != b->bps || a->nr_windows != b->nr_windows)
		return false;
	for (i = 0; i < a->nr_windows; i++)
		if (a->windows[i].start != b->windows[i].start ||
		    a->windows[i].end != b->windows[i].end ||
		    a->windows[i].bps != b->windows[i].bps)
			return false;
	return true;
}

void hcx_rate_put(struct nlmsghdr *nlh, const struct hcx_rate_limit *limit)
{
	const struct hcx_rate_window *w;
	struct nlattr *nest;
	unsigned int i;

	mnl_attr_put_u64(nlh, HCXREPL_A_DEVICE_RATE_BPS, limit->bps);
	for (i = 0; i < limit->nr_windows; i++) {
		w = &limit->windows[i];
		nest = mnl_attr_nest_start(nlh, HCXREPL_A_DEVICE_RATE_WINDOW);
		mnl_attr_put_u16(nlh, HCXREPL_A_RATE_WINDOW_START, w->start);
		mnl_attr_put_u16(nlh, HCXREPL_A_RATE_WINDOW_END, w->end);
		mnl_attr_put_u64(nlh, HCXREPL_A_RATE_WINDOW_RATE_BPS, w->bps);
		mnl_attr_nest_end(nlh, nest);
	}
}

int hcx_rate_parse(const struct nlmsghdr *nlh, struct hcx_rate_limit *limit)
{
	const struct nlattr *tb[HCXREPL_A_RATE_WINDOW_MAX + 1];
	struct hcx_rate_window w;
	const struct nlattr *attr;

	memset(limit, 0, sizeof(*limit));
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(attr)) {
		case HCXREPL_A_DEVICE_RATE_BPS:
			if (!hcx_attr_sized(attr, 8))
				return -1;
			limit->bps = hcx_attr_u64(attr);
			break;
		case HCXREPL_A_DEVICE_RATE_WINDOW:
			if (hcx_attr_parse_nested(attr, tb, HCXREPL_A_RATE_WINDOW_MAX) < 0 ||
			    !hcx_attr_sized(tb[HCXREPL_A_RATE_WINDOW_START], 2) ||
			    !hcx_attr_sized(tb[HCXREPL_A_RATE_WINDOW_END], 2) ||
			    !hcx_attr_sized(tb[HCXREPL_A_RATE_WINDOW_RATE_BPS], 8) ||
			    limit->nr_windows == HCXREPL_RATE_WINDOWS_MAX)
				return -1;
			w.start = hcx_attr_u16(tb[HCXREPL_A_RATE_WINDOW_START]);
			w.end = hcx_attr_u16(tb[HCXREPL_A_RATE_WINDOW_END]);
			w.bps = hcx_attr_u64(tb[HCXREPL_A_RATE_WINDOW_RATE_BPS]);
			limit->windows[limit->nr_windows++] = w;
			break;
		}
	}
	return 0;
}
