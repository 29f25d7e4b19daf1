/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A device's replication rate limit in the CLI: rates as text, time
 * windows between local time and the module's minutes of the day in UTC.
 */
#ifndef HCX_RATE_H
#define HCX_RATE_H

#include <libmnl/libmnl.h>
#include <linux/hcxrepl.h>
#include <stdbool.h>
#include <stdint.h>

/* A time of the day with a limit of its own, in minutes from midnight UTC. */
struct hcx_rate_window {
	uint16_t start;
	uint16_t end;		/* the minute after the last */
	uint64_t bps;		/* 0: none */
};

/* The whole limit: a default and windows, sorted by start. */
struct hcx_rate_limit {
	uint64_t bps;		/* outside the windows; 0: none */
	unsigned int nr_windows;
	struct hcx_rate_window windows[HCXREPL_RATE_WINDOWS_MAX];
};

/* Longest text of a rate ("18446744073709551615bit"), NUL included. */
#define HCX_RATE_TEXT_LEN	24
/* "HH:MM-HH:MM", NUL included. */
#define HCX_SPAN_TEXT_LEN	12

/* "off", or a whole number with a unit (bit, kbit, mbit, gbit, tbit). */
bool hcx_parse_rate(const char *text, uint64_t *bps);
/* The same, and at least HCXREPL_RATE_MIN_BPS; false after a message. */
bool hcx_parse_rate_limit(const char *text, uint64_t *bps, const char *where);
/*
 * "HH:MM-HH:MM RATE", local time, into W in UTC; print why it is wrong
 * (WHERE: the command, or the file and line) and return false.
 */
bool hcx_parse_rate_window(const char *span, const char *rate,
			   struct hcx_rate_window *w, const char *where);
/* "HH:MM-HH:MM RATE" as one text (a file's line) added to LIMIT. */
bool hcx_parse_rate_line(const char *text, struct hcx_rate_limit *limit,
			 const char *where);
/*
 * Add W to LIMIT, kept sorted; false with a message when it overlaps a
 * window of LIMIT or LIMIT is full.
 */
bool hcx_rate_add_window(struct hcx_rate_limit *limit,
			 const struct hcx_rate_window *w, const char *where);
void hcx_rate_text(uint64_t bps, char out[HCX_RATE_TEXT_LEN]);
/* A window's span in local time. */
void hcx_span_text(const struct hcx_rate_window *w,
		   char out[HCX_SPAN_TEXT_LEN]);
bool hcx_rate_equal(const struct hcx_rate_limit *a,
		    const struct hcx_rate_limit *b);
/* The attributes that set LIMIT, in a dev-set request. */
void hcx_rate_put(struct nlmsghdr *nlh, const struct hcx_rate_limit *limit);
/* LIMIT from a dev-get reply: -1 when an attribute is malformed. */
int hcx_rate_parse(const struct nlmsghdr *nlh, struct hcx_rate_limit *limit);

#endif /* HCX_RATE_H */
