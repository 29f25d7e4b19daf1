// SPDX-License-Identifier: GPL-2.0
/*
 * Disk commands of the CLI: add, del, show, set, the actions, and monitor.
 */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/genetlink.h>
#include <linux/hcxrepl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "disk.h"
#include "genl.h"
#include "json.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const role_names[] = {
	[HCXREPL_DISK_ROLE_SOURCE] = "source",
	[HCXREPL_DISK_ROLE_TARGET] = "target",
};

static const char *const state_names[] = {
	[HCXREPL_DISK_STATE_IDLE] = "idle",
	[HCXREPL_DISK_STATE_CONNECTING] = "connecting",
	[HCXREPL_DISK_STATE_SYNCING] = "syncing",
	[HCXREPL_DISK_STATE_REPLICATING] = "replicating",
	[HCXREPL_DISK_STATE_PAUSED] = "paused",
	[HCXREPL_DISK_STATE_VERIFYING] = "verifying",
	[HCXREPL_DISK_STATE_SWITCHOVER] = "switchover",
	[HCXREPL_DISK_STATE_WAITING] = "waiting",
};

static const char *const kind_names[] = {
	[HCXREPL_SYNC_KIND_FULL] = "full",
	[HCXREPL_SYNC_KIND_DELTA] = "delta",
	[HCXREPL_SYNC_KIND_CHECKSUM] = "checksum",
};

static const char *const compress_names[] = {
	[HCXREPL_COMPRESS_NONE] = "none",
	[HCXREPL_COMPRESS_LZ4] = "lz4",
	[HCXREPL_COMPRESS_ZSTD] = "zstd",
};

static const struct {
	unsigned int attr;
	const char *key;
} disk_counters[] = {
	{ HCXREPL_A_DISK_STATS_LOGICAL_BYTES, "logical_bytes" },
	{ HCXREPL_A_DISK_STATS_WIRE_BYTES, "wire_bytes" },
	{ HCXREPL_A_DISK_STATS_ZERO_BYTES, "zero_bytes" },
	{ HCXREPL_A_DISK_STATS_DEDUP_BYTES, "dedup_bytes" },
	{ HCXREPL_A_DISK_STATS_COMPRESS_SAVED_BYTES, "compress_saved_bytes" },
	{ HCXREPL_A_DISK_STATS_DEDUP_STALE, "dedup_stale" },
	{ HCXREPL_A_DISK_STATS_VERIFY_MISMATCHES, "verify_mismatches" },
	{ HCXREPL_A_DISK_STATS_VERIFY_SKIPPED, "verify_skipped" },
	{ HCXREPL_A_DISK_STATS_RECONNECTS, "reconnects" },
};

static const char *name_of(const char *const *names, size_t n, unsigned int v)
{
	return v < n && names[v] ? names[v] : "unknown";
}

/* Index of WORD in NAMES, or -1. */
static int lookup(const char *const *names, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], word))
			return i;
	return -1;
}

const char *hcx_disk_role_name(unsigned int role)
{
	return name_of(role_names, ARRAY_SIZE(role_names), role);
}

int hcx_disk_role_lookup(const char *word)
{
	return lookup(role_names, ARRAY_SIZE(role_names), word);
}

const char *hcx_disk_state_name(unsigned int state)
{
	return name_of(state_names, ARRAY_SIZE(state_names), state);
}

const char *hcx_compress_name(unsigned int compress)
{
	return name_of(compress_names, ARRAY_SIZE(compress_names), compress);
}

/* A disk reply's attributes, checked. */
struct disk_reply {
	const struct nlattr *a[HCXREPL_A_DISK_MAX + 1];
	const struct nlattr *stats[HCXREPL_A_DISK_STATS_MAX + 1];
	const char *name;
	const char *device;
	const char *backing;
	char ifname[IF_NAMESIZE];
};

static int parse_disk(const struct nlmsghdr *nlh, struct disk_reply *r)
{
	memset(r, 0, sizeof(*r));
	if (hcx_attr_parse(nlh, r->a, HCXREPL_A_DISK_MAX) < 0 ||
	    hcx_attr_parse_nested(r->a[HCXREPL_A_DISK_STATS], r->stats,
				  HCXREPL_A_DISK_STATS_MAX) < 0)
		return -1;
	r->name = hcx_attr_str(r->a[HCXREPL_A_DISK_NAME]);
	r->device = hcx_attr_str(r->a[HCXREPL_A_DISK_DEVICE]) ?: "";
	r->backing = hcx_attr_str(r->a[HCXREPL_A_DISK_BACKING]) ?: "";
	if (!r->name)
		return -1;
	/* The disk keeps its device's name, the index comes and goes. */
	snprintf(r->ifname, sizeof(r->ifname), "%s",
		 hcx_attr_str(r->a[HCXREPL_A_DISK_IFNAME]) ?: "");
	return 0;
}

static uint64_t disk_u64(const struct disk_reply *r, unsigned int attr)
{
	return hcx_attr_u64(r->a[attr]);
}

static unsigned int disk_compress(const struct disk_reply *r)
{
	return hcx_attr_u8(r->a[HCXREPL_A_DISK_COMPRESS]);
}

static int32_t disk_compress_level(const struct disk_reply *r)
{
	return hcx_attr_u32(r->a[HCXREPL_A_DISK_COMPRESS_LEVEL]);
}

/* Logical bytes per byte on the wire; false while nothing went on it. */
static bool reduction_ratio(const struct disk_reply *r, double *ratio)
{
	const struct nlattr *const *st = r->stats;
	uint64_t logical = hcx_attr_u64(st[HCXREPL_A_DISK_STATS_LOGICAL_BYTES]);
	uint64_t wire = hcx_attr_u64(st[HCXREPL_A_DISK_STATS_WIRE_BYTES]);

	if (!wire)
		return false;
	*ratio = (double)logical / wire;
	return true;
}

/* The reduction ratio as "3.42x", or "-" while nothing went on the wire. */
static const char *reduction_text(char *buf, size_t len,
				  const struct disk_reply *r)
{
	double ratio;

	if (reduction_ratio(r, &ratio))
		snprintf(buf, len, "%.2fx", ratio);
	else
		snprintf(buf, len, "-");
	return buf;
}

static void print_disk_json(const struct disk_reply *r, bool stats)
{
	double ratio;
	size_t i;

	json_object_start(NULL);
	json_string("name", r->name);
	json_string("role", name_of(role_names, ARRAY_SIZE(role_names),
				    hcx_attr_u8(r->a[HCXREPL_A_DISK_ROLE])));
	json_string("state", name_of(state_names, ARRAY_SIZE(state_names),
				     hcx_attr_u8(r->a[HCXREPL_A_DISK_STATE])));
	json_bool("consistent", hcx_attr_u8(r->a[HCXREPL_A_DISK_CONSISTENT]));
	json_string("device", r->device);
	json_string("backing", r->backing);
	json_string("interconnect", r->ifname);
	json_u64("chunk_bytes", hcx_attr_u32(r->a[HCXREPL_A_DISK_CHUNK_BYTES]));
	json_u64("streams", hcx_attr_u8(r->a[HCXREPL_A_DISK_STREAMS]));
	json_u64("priority", hcx_attr_u8(r->a[HCXREPL_A_DISK_PRIORITY]));
	if (r->a[HCXREPL_A_DISK_DEDUP])
		json_bool("dedup", hcx_attr_u8(r->a[HCXREPL_A_DISK_DEDUP]));
	if (r->a[HCXREPL_A_DISK_COMPRESS])
		json_string("compress", name_of(compress_names,
						ARRAY_SIZE(compress_names),
						disk_compress(r)));
	if (disk_compress(r) == HCXREPL_COMPRESS_ZSTD &&
	    r->a[HCXREPL_A_DISK_COMPRESS_LEVEL])
		json_s64("compress_level", disk_compress_level(r));
	json_u64("total_bytes", disk_u64(r, HCXREPL_A_DISK_TOTAL_BYTES));
	json_u64("dirty_bytes", disk_u64(r, HCXREPL_A_DISK_DIRTY_BYTES));
	json_u64("synced_bytes", disk_u64(r, HCXREPL_A_DISK_SYNCED_BYTES));
	json_u64("throughput_bps", disk_u64(r, HCXREPL_A_DISK_THROUGHPUT_BPS));
	json_u64("lag_bytes", disk_u64(r, HCXREPL_A_DISK_LAG_BYTES));
	json_u64("generation_id", disk_u64(r, HCXREPL_A_DISK_GENERATION_ID));
	json_u64("generation_counter",
		 disk_u64(r, HCXREPL_A_DISK_GENERATION_COUNTER));
	json_u64("switchover_at", disk_u64(r, HCXREPL_A_DISK_SWITCHOVER_TIME));
	json_u64("last_error", hcx_attr_u32(r->a[HCXREPL_A_DISK_LAST_ERROR]));
	json_u64("end_ms", disk_u64(r, HCXREPL_A_DISK_END_TIME));
	if (stats && r->a[HCXREPL_A_DISK_STATS]) {
		json_object_start("stats");
		for (i = 0; i < ARRAY_SIZE(disk_counters); i++)
			json_u64(disk_counters[i].key,
				 hcx_attr_u64(r->stats[disk_counters[i].attr]));
		if (reduction_ratio(r, &ratio))
			json_double("reduction_ratio", ratio, 2);
		else
			json_null("reduction_ratio");
		json_object_end();
	}
	json_object_end();
}

static const char *const byte_units[] = { "B", "KiB", "MiB", "GiB", "TiB" };

/* BYTES in the largest binary unit that keeps a digit before the point. */
static const char *human_bytes(char *buf, size_t len, uint64_t bytes)
{
	double v = bytes;
	size_t u = 0;

	while (v >= 1024 && u < ARRAY_SIZE(byte_units) - 1) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, byte_units[u]);
	return buf;
}

static double percent_synced(const struct disk_reply *r)
{
	uint64_t total = disk_u64(r, HCXREPL_A_DISK_TOTAL_BYTES);

	return total ? 100.0 * disk_u64(r, HCXREPL_A_DISK_SYNCED_BYTES) / total :
		       100.0;
}

/* "  wan optimization: dedup on, compress zstd:3" */
static void print_wanopt_text(const struct disk_reply *r)
{
	bool dedup = hcx_attr_u8(r->a[HCXREPL_A_DISK_DEDUP]);

	/* A module that does not report the options. */
	if (!r->a[HCXREPL_A_DISK_DEDUP] || !r->a[HCXREPL_A_DISK_COMPRESS])
		return;
	printf("  wan optimization: dedup %s", dedup ? "on" : "off");
	printf(", compress %s", name_of(compress_names,
					ARRAY_SIZE(compress_names),
					disk_compress(r)));
	if (disk_compress(r) == HCXREPL_COMPRESS_ZSTD &&
	    r->a[HCXREPL_A_DISK_COMPRESS_LEVEL])
		printf(":%" PRId32, disk_compress_level(r));
	putchar('\n');
}

/*
 * The reason an operation ended.  The module says "the copies differ" with
 * EILSEQ, whose C library text is about multibyte characters.
 */
static const char *last_error_text(int err)
{
	if (err == EILSEQ)
		return "the copies differ (a switchover's verify)";
	return strerror(err);
}

static void print_disk_text(const struct disk_reply *r, bool stats)
{
	char a[32], b[32], c[32];
	uint64_t when;
	struct tm tm;
	size_t i;

	printf("disk: %s\n", r->name);
	printf("  role: %s%s\n",
	       name_of(role_names, ARRAY_SIZE(role_names),
		       hcx_attr_u8(r->a[HCXREPL_A_DISK_ROLE])),
	       hcx_attr_u8(r->a[HCXREPL_A_DISK_CONSISTENT]) ? ", consistent" : "");
	printf("  state: %s\n", name_of(state_names, ARRAY_SIZE(state_names),
					hcx_attr_u8(r->a[HCXREPL_A_DISK_STATE])));
	printf("  device: %s\n", r->device);
	printf("  backing: %s\n", r->backing);
	printf("  interconnect: %s\n", r->ifname);
	printf("  chunk: %s, %u streams, priority %u\n",
	       human_bytes(a, sizeof(a),
			   hcx_attr_u32(r->a[HCXREPL_A_DISK_CHUNK_BYTES])),
	       hcx_attr_u8(r->a[HCXREPL_A_DISK_STREAMS]),
	       hcx_attr_u8(r->a[HCXREPL_A_DISK_PRIORITY]));
	print_wanopt_text(r);
	printf("  synced: %.1f%% (%s of %s), lag %s, %.1f Mbit/s\n",
	       percent_synced(r),
	       human_bytes(a, sizeof(a), disk_u64(r, HCXREPL_A_DISK_SYNCED_BYTES)),
	       human_bytes(b, sizeof(b), disk_u64(r, HCXREPL_A_DISK_TOTAL_BYTES)),
	       human_bytes(c, sizeof(c), disk_u64(r, HCXREPL_A_DISK_LAG_BYTES)),
	       disk_u64(r, HCXREPL_A_DISK_THROUGHPUT_BPS) / 1e6);
	printf("  dirty: %s\n",
	       human_bytes(a, sizeof(a), disk_u64(r, HCXREPL_A_DISK_DIRTY_BYTES)));
	when = disk_u64(r, HCXREPL_A_DISK_SWITCHOVER_TIME);
	if (when) {
		strftime(a, sizeof(a), "%Y-%m-%d %H:%M:%S",
			 localtime_r(&(time_t){ when }, &tm));
		printf("  switchover at: %s\n", a);
	}
	when = disk_u64(r, HCXREPL_A_DISK_END_TIME) / 1000;
	if (when) {
		strftime(a, sizeof(a), "%Y-%m-%d %H:%M:%S",
			 localtime_r(&(time_t){ when }, &tm));
		printf("  last operation ended: %s\n", a);
	}
	if (hcx_attr_u32(r->a[HCXREPL_A_DISK_LAST_ERROR]))
		printf("  last error: %s\n",
		       last_error_text(hcx_attr_u32(r->a[HCXREPL_A_DISK_LAST_ERROR])));
	if (!stats)
		return;
	printf("  generation: %016" PRIx64 ":%" PRIu64 "\n",
	       disk_u64(r, HCXREPL_A_DISK_GENERATION_ID),
	       disk_u64(r, HCXREPL_A_DISK_GENERATION_COUNTER));
	for (i = 0; i < ARRAY_SIZE(disk_counters); i++)
		printf("  %s: %" PRIu64 "\n", disk_counters[i].key,
		       hcx_attr_u64(r->stats[disk_counters[i].attr]));
	printf("  reduction: %s\n", reduction_text(a, sizeof(a), r));
}

struct show_state {
	const struct hcx_options *opt;
	unsigned int count;
};

static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	struct show_state *s = data;
	struct disk_reply r;

	if (parse_disk(nlh, &r) < 0)
		return MNL_CB_ERROR;
	if (s->opt->json) {
		print_disk_json(&r, true);
	} else {
		if (s->count)
			putchar('\n');
		print_disk_text(&r, s->opt->stats);
	}
	s->count++;
	return MNL_CB_OK;
}

static bool name_ok(const char *name, const char *what)
{
	if (strlen(name) >= HCXREPL_DISK_NAME_MAX || !*name) {
		fprintf(stderr, "hcxrepl: disk %s: '%s' is not a disk name\n",
			what, name);
		return false;
	}
	return true;
}

static int disk_show(int argc, char **argv, const struct hcx_options *opt)
{
	struct show_state s = { opt, 0 };
	const char *name = argc > 1 ? argv[1] : NULL;

	if (argc > 2) {
		fprintf(stderr, "hcxrepl: disk show: unexpected argument '%s'\n",
			argv[2]);
		return 1;
	}
	if (name && !name_ok(name, "show"))
		return 1;
	return hcx_genl_show(&(struct hcx_show){
				.cmd = HCXREPL_CMD_DISK_GET,
				.attr = HCXREPL_A_DISK_NAME,
				.name = name,
				.json = opt->json,
				.what = "disk show",
				.objects = "disks",
			     }, show_cb, &s);
}

/* End a command's conversation: print the kernel's reason on error. */
static int disk_done(struct hcx_genl *g, int ret, const char *what,
		     const char *name)
{
	if (ret)
		fprintf(stderr, "hcxrepl: disk %s %s: %s\n", what, name,
			hcx_genl_strerror(g, ret));
	hcx_genl_close(g);
	return ret ? 1 : 0;
}

/* Send a request built by the caller; print the kernel's reason on error. */
static int disk_request(struct hcx_genl *g, struct nlmsghdr *nlh,
			const char *what, const char *name)
{
	return disk_done(g, hcx_genl_talk(g, nlh, NULL, NULL), what, name);
}

/* The disk of a disk-get reply, copied out of the socket's buffer. */
static int info_of(const struct nlmsghdr *nlh, struct hcx_disk_info *d)
{
	struct disk_reply r;

	if (parse_disk(nlh, &r) < 0)
		return -1;
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", r.name);
	snprintf(d->device, sizeof(d->device), "%s", r.device);
	d->backing = strdup(r.backing);
	if (!d->backing)
		return -1;
	snprintf(d->ifname, sizeof(d->ifname), "%s", r.ifname);
	d->role = hcx_attr_u8(r.a[HCXREPL_A_DISK_ROLE]);
	d->state = hcx_attr_u8(r.a[HCXREPL_A_DISK_STATE]);
	d->chunk = hcx_attr_u32(r.a[HCXREPL_A_DISK_CHUNK_BYTES]);
	d->streams = hcx_attr_u8(r.a[HCXREPL_A_DISK_STREAMS]);
	d->priority = hcx_attr_u8(r.a[HCXREPL_A_DISK_PRIORITY]);
	d->wanopt.dedup = hcx_attr_u8(r.a[HCXREPL_A_DISK_DEDUP]);
	d->wanopt.compress = disk_compress(&r);
	d->wanopt.level = disk_compress(&r) == HCXREPL_COMPRESS_ZSTD ?
			  disk_compress_level(&r) : 0;
	d->switchover_at = disk_u64(&r, HCXREPL_A_DISK_SWITCHOVER_TIME);
	return 0;
}

struct disk_list {
	struct hcx_disk_info *disks;
	size_t n;
};

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct disk_list *l = data;
	struct hcx_disk_info *more;

	more = realloc(l->disks, (l->n + 1) * sizeof(*more));
	if (!more)
		return MNL_CB_ERROR;
	l->disks = more;
	if (info_of(nlh, &l->disks[l->n]) < 0)
		return MNL_CB_ERROR;
	l->n++;
	return MNL_CB_OK;
}

int hcx_disk_list(struct hcx_genl *g, const char *name,
		  struct hcx_disk_info **disks, size_t *n)
{
	struct disk_list l = { NULL, 0 };
	struct nlmsghdr *nlh;
	int ret;

	nlh = hcx_genl_request(g, HCXREPL_CMD_DISK_GET, name ? 0 : NLM_F_DUMP);
	if (name)
		mnl_attr_put_strz(nlh, HCXREPL_A_DISK_NAME, name);
	ret = hcx_genl_talk(g, nlh, list_cb, &l);
	if (ret) {
		hcx_disk_list_free(l.disks, l.n);
		return ret;
	}
	*disks = l.disks;
	*n = l.n;
	return 0;
}

void hcx_disk_list_free(struct hcx_disk_info *disks, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(disks[i].backing);
	free(disks);
}

/* A size: a number of bytes, or with a K, M or G suffix (KiB, MiB, GiB). */
bool hcx_parse_size(const char *text, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift;
	char *end;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || end == text || *text == '-')
		return false;
	if (!strcmp(end, "K") || !strcmp(end, "KiB") || !strcmp(end, "k"))
		shift = 10;
	else if (!strcmp(end, "M") || !strcmp(end, "MiB"))
		shift = 20;
	else if (!strcmp(end, "G") || !strcmp(end, "GiB"))
		shift = 30;
	else if (!*end)
		shift = 0;
	else
		return false;
	if (v > UINT64_MAX >> shift)
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

/* A whole number from LO to HI. */
static bool parse_small(const char *text, long lo, long hi, uint8_t *out)
{
	char *end;
	long v = strtol(text, &end, 10);

	if (*end || end == text || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

bool hcx_parse_streams(const char *text, uint8_t *out)
{
	return parse_small(text, 1, 16, out);
}

bool hcx_parse_priority(const char *text, uint8_t *out)
{
	return parse_small(text, 1, 9, out);
}

/* KEY's value by PARSE, or a message saying it must be LO to HI. */
static bool parse_option(bool (*parse)(const char *, uint8_t *),
			 const char *key, int lo, int hi, const char *text,
			 uint8_t *out, const char *what)
{
	if (parse(text, out))
		return true;
	fprintf(stderr, "hcxrepl: disk %s: %s must be %d to %d, not '%s'\n",
		what, key, lo, hi, text);
	return false;
}

static bool parse_streams(const char *text, uint8_t *out, const char *what)
{
	return parse_option(hcx_parse_streams, "streams", 1, 16, text, out,
			    what);
}

static bool parse_priority(const char *text, uint8_t *out, const char *what)
{
	return parse_option(hcx_parse_priority, "priority", 1, 9, text, out,
			    what);
}

bool hcx_parse_compress(const char *text, struct hcx_wanopt *w)
{
	const char *colon = strchr(text, ':');
	size_t n = colon ? (size_t)(colon - text) : strlen(text);
	int i, compress = -1;
	char *end;
	long level;

	for (i = 0; i < (int)ARRAY_SIZE(compress_names); i++)
		if (strlen(compress_names[i]) == n &&
		    !strncmp(text, compress_names[i], n))
			compress = i;
	if (compress < 0)
		return false;
	level = 0;
	if (colon) {
		if (compress != HCXREPL_COMPRESS_ZSTD ||
		    !isdigit((unsigned char)colon[1]))
			return false;
		errno = 0;
		level = strtol(colon + 1, &end, 10);
		if (errno || *end || level < 1 || level > 22)
			return false;
	}
	w->compress = compress;
	w->level = level;
	return true;
}

/*
 * KEY VAL into W when KEY is a WAN-optimization option.  Return: 1 when it
 * is one, 0 when it is not, -1 (with a message) when VAL is bad.
 */
static int parse_wanopt(const char *key, const char *val, struct hcx_wanopt *w,
			const char *what)
{
	if (!strcmp(key, "dedup")) {
		if (!strcmp(val, "on") || !strcmp(val, "off")) {
			w->dedup = !strcmp(val, "on");
			return 1;
		}
		fprintf(stderr, "hcxrepl: disk %s: dedup must be on or off, not '%s'\n",
			what, val);
		return -1;
	}
	if (!strcmp(key, "compress")) {
		if (hcx_parse_compress(val, w))
			return 1;
		fprintf(stderr, "hcxrepl: disk %s: compress must be lz4, zstd[:LEVEL 1-22] or none, not '%s'\n",
			what, val);
		return -1;
	}
	return 0;
}

static void put_wanopt(struct nlmsghdr *nlh, const struct hcx_wanopt *w)
{
	if (w->dedup >= 0)
		mnl_attr_put_u8(nlh, HCXREPL_A_DISK_DEDUP, w->dedup);
	if (w->compress >= 0)
		mnl_attr_put_u8(nlh, HCXREPL_A_DISK_COMPRESS, w->compress);
	if (w->level)
		mnl_attr_put_u32(nlh, HCXREPL_A_DISK_COMPRESS_LEVEL, w->level);
}

int hcx_disk_new(struct hcx_genl *g, const struct hcx_disk_conf *conf)
{
	struct nlmsghdr *nlh = hcx_genl_request(g, HCXREPL_CMD_DISK_NEW, 0);

	mnl_attr_put_strz(nlh, HCXREPL_A_DISK_NAME, conf->name);
	mnl_attr_put_u32(nlh, HCXREPL_A_DISK_IFINDEX, conf->ifindex);
	mnl_attr_put_u8(nlh, HCXREPL_A_DISK_ROLE, conf->role);
	mnl_attr_put_strz(nlh, HCXREPL_A_DISK_BACKING, conf->backing);
	if (conf->chunk)
		mnl_attr_put_u32(nlh, HCXREPL_A_DISK_CHUNK_BYTES, conf->chunk);
	if (conf->streams)
		mnl_attr_put_u8(nlh, HCXREPL_A_DISK_STREAMS, conf->streams);
	if (conf->priority)
		mnl_attr_put_u8(nlh, HCXREPL_A_DISK_PRIORITY, conf->priority);
	put_wanopt(nlh, &conf->wanopt);
	return hcx_genl_talk(g, nlh, NULL, NULL);
}

int hcx_disk_set_options(struct hcx_genl *g, const char *name,
			 uint8_t streams, uint8_t priority,
			 const struct hcx_wanopt *w)
{
	struct nlmsghdr *nlh = hcx_genl_request(g, HCXREPL_CMD_DISK_SET, 0);

	mnl_attr_put_strz(nlh, HCXREPL_A_DISK_NAME, name);
	if (streams)
		mnl_attr_put_u8(nlh, HCXREPL_A_DISK_STREAMS, streams);
	if (priority)
		mnl_attr_put_u8(nlh, HCXREPL_A_DISK_PRIORITY, priority);
	put_wanopt(nlh, w);
	return hcx_genl_talk(g, nlh, NULL, NULL);
}

static int disk_add(int argc, char **argv)
{
	struct hcx_disk_conf conf = { .wanopt = HCX_WANOPT_INIT };
	const char *name, *dev = NULL, *backing = NULL;
	uint64_t chunk = 0;
	int role = -1, i, ret;
	struct hcx_genl g;

	if (argc < 2) {
		fprintf(stderr, "hcxrepl: disk add: which disk? (disk add NAME dev DEV backing PATH role source|target)\n");
		return 1;
	}
	name = argv[1];
	if (!name_ok(name, "add"))
		return 1;
	for (i = 2; i < argc; i += 2) {
		const char *key = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!val) {
			fprintf(stderr, "hcxrepl: disk add: '%s' needs a value\n", key);
			return 1;
		}
		if (!strcmp(key, "dev")) {
			dev = val;
		} else if (!strcmp(key, "backing")) {
			backing = val;
		} else if (!strcmp(key, "role")) {
			role = lookup(role_names, ARRAY_SIZE(role_names), val);
			if (role < 0) {
				fprintf(stderr, "hcxrepl: disk add: role must be source or target, not '%s'\n",
					val);
				return 1;
			}
		} else if (!strcmp(key, "chunk")) {
			if (!hcx_parse_size(val, &chunk) || chunk > UINT32_MAX) {
				fprintf(stderr, "hcxrepl: disk add: '%s' is not a chunk size (say 64K)\n",
					val);
				return 1;
			}
		} else if (!strcmp(key, "streams")) {
			if (!parse_streams(val, &conf.streams, "add"))
				return 1;
		} else if (!strcmp(key, "priority")) {
			if (!parse_priority(val, &conf.priority, "add"))
				return 1;
		} else if ((ret = parse_wanopt(key, val, &conf.wanopt, "add"))) {
			if (ret < 0)
				return 1;
		} else {
			fprintf(stderr, "hcxrepl: disk add: unknown argument '%s'\n", key);
			return 1;
		}
	}
	if (!dev || !backing || role < 0) {
		fprintf(stderr, "hcxrepl: disk add: %s is missing\n",
			!dev ? "dev DEV" : !backing ? "backing PATH" :
			"role source|target");
		return 1;
	}
	conf.ifindex = if_nametoindex(dev);
	if (!conf.ifindex) {
		fprintf(stderr, "hcxrepl: disk add: no device '%s'\n", dev);
		return 1;
	}
	conf.name = name;
	conf.role = role;
	conf.backing = backing;
	conf.chunk = chunk;
	if (hcx_genl_open(&g) < 0)
		return 1;
	return disk_done(&g, hcx_disk_new(&g, &conf), "add", name);
}

static int disk_set(int argc, char **argv)
{
	struct hcx_wanopt w = HCX_WANOPT_INIT;
	uint8_t streams = 0, priority = 0;
	struct hcx_genl g;
	int i, ret;

	if (argc < 2) {
		fprintf(stderr, "hcxrepl: disk set: which disk?\n");
		return 1;
	}
	if (!name_ok(argv[1], "set"))
		return 1;
	for (i = 2; i < argc; i += 2) {
		const char *key = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!val) {
			fprintf(stderr, "hcxrepl: disk set: '%s' needs a value\n", key);
			return 1;
		}
		if (!strcmp(key, "streams")) {
			if (!parse_streams(val, &streams, "set"))
				return 1;
		} else if (!strcmp(key, "priority")) {
			if (!parse_priority(val, &priority, "set"))
				return 1;
		} else if ((ret = parse_wanopt(key, val, &w, "set"))) {
			if (ret < 0)
				return 1;
		} else {
			fprintf(stderr, "hcxrepl: disk set: unknown argument '%s'\n",
				key);
			return 1;
		}
	}
	if (hcx_genl_open(&g) < 0)
		return 1;
	return disk_done(&g, hcx_disk_set_options(&g, argv[1], streams,
						  priority, &w),
			 "set", argv[1]);
}

static int disk_del(int argc, char **argv)
{
	struct nlmsghdr *nlh;
	struct hcx_genl g;

	if (argc != 2) {
		fprintf(stderr, "hcxrepl: disk del: %s\n",
			argc < 2 ? "which disk?" : "too many arguments");
		return 1;
	}
	if (!name_ok(argv[1], "del") || hcx_genl_open(&g) < 0)
		return 1;
	nlh = hcx_genl_request(&g, HCXREPL_CMD_DISK_DEL, 0);
	mnl_attr_put_strz(nlh, HCXREPL_A_DISK_NAME, argv[1]);
	return disk_request(&g, nlh, "del", argv[1]);
}

/*
 * A switchover time: "@SECONDS" since the epoch, "+N" seconds from now
 * (with an s, m or h suffix), or "HH:MM[:SS]" today, or tomorrow once
 * that has passed.
 */
bool hcx_parse_time(const char *text, uint64_t *out)
{
	time_t now = time(NULL);
	unsigned int h, m, s = 0;
	struct tm tm;
	long long v;
	char *end;
	int n;

	if (*text == '@' || *text == '+') {
		errno = 0;
		v = strtoll(text + 1, &end, 10);
		if (errno || end == text + 1 || v < 0)
			return false;
		if (*text == '+') {
			if (!strcmp(end, "m"))
				v *= 60;
			else if (!strcmp(end, "h"))
				v *= 3600;
			else if (*end && strcmp(end, "s"))
				return false;
			v += now;
		} else if (*end) {
			return false;
		}
		*out = v;
		return true;
	}
	n = 0;
	if (sscanf(text, "%2u:%2u:%2u%n", &h, &m, &s, &n) != 3) {
		s = 0;
		n = 0;
		if (sscanf(text, "%2u:%2u%n", &h, &m, &n) != 2)
			return false;
	}
	if (!n || text[n] || h > 23 || m > 59 || s > 59)
		return false;
	localtime_r(&now, &tm);
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = s;
	*out = mktime(&tm);
	if ((time_t)*out <= now)
		*out += 24 * 3600;
	return true;
}

static const struct {
	const char *verb;
	uint8_t action;
} simple_actions[] = {
	{ "verify", HCXREPL_DISK_ACTION_VERIFY },
	{ "promote", HCXREPL_DISK_ACTION_PROMOTE },
	{ "demote", HCXREPL_DISK_ACTION_DEMOTE },
	{ "pause", HCXREPL_DISK_ACTION_PAUSE },
	{ "resume", HCXREPL_DISK_ACTION_RESUME },
};

int hcx_disk_act(struct hcx_genl *g, const char *name, uint8_t action,
		 int kind, uint64_t when, bool verify)
{
	struct nlmsghdr *nlh = hcx_genl_request(g, HCXREPL_CMD_DISK_ACTION, 0);

	mnl_attr_put_strz(nlh, HCXREPL_A_DISK_NAME, name);
	mnl_attr_put_u8(nlh, HCXREPL_A_DISK_ACTION, action);
	if (kind >= 0)
		mnl_attr_put_u8(nlh, HCXREPL_A_DISK_SYNC_KIND, kind);
	if (when)
		mnl_attr_put_u64(nlh, HCXREPL_A_DISK_SWITCHOVER_TIME, when);
	if (verify)
		mnl_attr_put(nlh, HCXREPL_A_DISK_VERIFY, 0, NULL);
	return hcx_genl_talk(g, nlh, NULL, NULL);
}

/* sync, replicate, switchover and the simple actions. */
static int disk_action(int argc, char **argv)
{
	const char *verb = argv[0], *name = argc > 1 ? argv[1] : NULL;
	uint64_t when = 0;
	bool verify = false;
	int action = -1, kind = -1, i;
	struct hcx_genl g;

	if (!name) {
		fprintf(stderr, "hcxrepl: disk %s: which disk?\n", verb);
		return 1;
	}
	if (!name_ok(name, verb))
		return 1;
	if (!strcmp(verb, "sync")) {
		if (argc != 3 ||
		    (kind = lookup(kind_names, ARRAY_SIZE(kind_names), argv[2])) < 0) {
			fprintf(stderr, "hcxrepl: disk sync: say full, delta or checksum\n");
			return 1;
		}
		action = HCXREPL_DISK_ACTION_SYNC;
	} else if (!strcmp(verb, "replicate")) {
		if (argc != 3 || (strcmp(argv[2], "on") && strcmp(argv[2], "off"))) {
			fprintf(stderr, "hcxrepl: disk replicate: say on or off\n");
			return 1;
		}
		action = strcmp(argv[2], "on") ? HCXREPL_DISK_ACTION_REPLICATE_OFF :
						 HCXREPL_DISK_ACTION_REPLICATE_ON;
	} else if (!strcmp(verb, "switchover")) {
		for (i = 2; i < argc; i++) {
			if (!strcmp(argv[i], "verify")) {
				verify = true;
			} else if (!strcmp(argv[i], "at") && i + 1 < argc) {
				if (!hcx_parse_time(argv[++i], &when)) {
					fprintf(stderr, "hcxrepl: disk switchover: '%s' is not a time (HH:MM[:SS], +SECONDS or @EPOCH)\n",
						argv[i]);
					return 1;
				}
			} else {
				fprintf(stderr, "hcxrepl: disk switchover: unknown argument '%s'\n",
					argv[i]);
				return 1;
			}
		}
		action = HCXREPL_DISK_ACTION_SWITCHOVER;
	} else {
		for (i = 0; i < (int)ARRAY_SIZE(simple_actions); i++)
			if (!strcmp(verb, simple_actions[i].verb))
				action = simple_actions[i].action;
		if (argc != 2) {
			fprintf(stderr, "hcxrepl: disk %s: unexpected argument '%s'\n",
				verb, argv[2]);
			return 1;
		}
	}
	if (hcx_genl_open(&g) < 0)
		return 1;
	return disk_done(&g, hcx_disk_act(&g, name, action, kind, when, verify),
			 verb, name);
}

/*
 * monitor: the disks' progress, as events arrive.  A summary line first
 * (the wave: disks done, running, waiting, failed; the aggregate rate and
 * ETA), then a line per disk; every line fits 80 columns.  On a terminal
 * the block is redrawn in place; otherwise each event prints the disk's
 * line, and the summary whenever it changed.
 */
struct monitor_disk {
	char name[HCXREPL_DISK_NAME_MAX];
	uint8_t role;
	uint8_t state;
	bool failed;			/* its last operation failed */
	uint64_t lag;
	uint64_t bps;
	char line[96];
};

struct monitor {
	const char *name;		/* only this disk, or all */
	bool json;
	bool tty;
	size_t n;			/* disks known */
	size_t cap;
	struct monitor_disk *disks;
	unsigned int drawn;		/* lines drawn last time */
	char summary[96];
};

static void eta_text(char *buf, size_t len, uint64_t lag, uint64_t bps)
{
	uint64_t s;

	if (!lag) {
		snprintf(buf, len, "done");
		return;
	}
	if (!bps) {
		snprintf(buf, len, "-");
		return;
	}
	s = lag * 8 / bps;
	if (s > 99 * 3600 + 59 * 60 + 59)
		snprintf(buf, len, ">99h");
	else
		snprintf(buf, len, "%" PRIu64 ":%02" PRIu64 ":%02" PRIu64,
			 s / 3600, s / 60 % 60, s % 60);
}

/* One line, at most 79 characters: name, state, bar, percent, rate, ETA, reduction. */
static void monitor_line(char *buf, size_t len, const struct disk_reply *r)
{
	uint64_t lag = disk_u64(r, HCXREPL_A_DISK_LAG_BYTES);
	uint64_t bps = disk_u64(r, HCXREPL_A_DISK_THROUGHPUT_BPS);
	double pct = percent_synced(r);
	char bar[13], eta[16], reduction[32];
	int i, fill = pct * 12 / 100;

	for (i = 0; i < 12; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[12] = '\0';
	eta_text(eta, sizeof(eta), lag, bps);
	snprintf(buf, len, "%-12.12s %-11s [%s] %5.1f%% %6.1f Mb/s ETA %-8s %.7s",
		 r->name, name_of(state_names, ARRAY_SIZE(state_names),
				  hcx_attr_u8(r->a[HCXREPL_A_DISK_STATE])),
		 bar, pct, bps / 1e6, eta,
		 reduction_text(reduction, sizeof(reduction), r));
}

/*
 * "disks 200: done 150, running 16, waiting 34, failed 0; 812.3 Mb/s,
 * ETA 0:00:42": the sources only (a target's progress is its
 * source's).  A source is done when no operation runs and nothing is
 * left to send, failed when its last operation failed.
 */
static void monitor_summary(struct monitor *m)
{
	unsigned int done = 0, running = 0, waiting = 0, failed = 0, n = 0;
	uint64_t lag = 0, bps = 0;
	char eta[16];
	size_t i;

	for (i = 0; i < m->n; i++) {
		const struct monitor_disk *d = &m->disks[i];

		if (d->role != HCXREPL_DISK_ROLE_SOURCE)
			continue;
		n++;
		lag += d->lag;
		bps += d->bps;
		if (d->state == HCXREPL_DISK_STATE_WAITING)
			waiting++;
		else if (d->state != HCXREPL_DISK_STATE_IDLE)
			running++;
		else if (d->failed)
			failed++;
		else if (!d->lag)
			done++;
	}
	eta_text(eta, sizeof(eta), lag, bps);
	snprintf(m->summary, sizeof(m->summary),
		 "disks %u: done %u, running %u, waiting %u, failed %u; %.1f Mb/s, ETA %s",
		 n, done, running, waiting, failed, bps / 1e6, eta);
}

/* The disk's entry, added when new; NULL without memory. */
static struct monitor_disk *monitor_disk(struct monitor *m, const char *name)
{
	struct monitor_disk *d;
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->disks[i].name, name))
			return &m->disks[i];
	if (m->n == m->cap) {
		d = realloc(m->disks, (m->cap ? 2 * m->cap : 64) * sizeof(*d));
		if (!d)
			return NULL;
		m->disks = d;
		m->cap = m->cap ? 2 * m->cap : 64;
	}
	d = &m->disks[m->n++];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	return d;
}

static void monitor_show(struct monitor *m, const struct disk_reply *r)
{
	char before[sizeof(m->summary)];
	struct monitor_disk *d;
	size_t i;

	if (m->name && strcmp(m->name, r->name))
		return;
	if (m->json) {
		print_disk_json(r, true);
		json_done();
		fflush(stdout);
		return;
	}
	d = monitor_disk(m, r->name);
	if (!d)
		return;
	d->role = hcx_attr_u8(r->a[HCXREPL_A_DISK_ROLE]);
	d->state = hcx_attr_u8(r->a[HCXREPL_A_DISK_STATE]);
	d->failed = hcx_attr_u32(r->a[HCXREPL_A_DISK_LAST_ERROR]);
	d->lag = disk_u64(r, HCXREPL_A_DISK_LAG_BYTES);
	d->bps = disk_u64(r, HCXREPL_A_DISK_THROUGHPUT_BPS);
	monitor_line(d->line, sizeof(d->line), r);
	memcpy(before, m->summary, sizeof(before));
	monitor_summary(m);
	if (!m->tty) {
		if (strcmp(before, m->summary))
			printf("%s\n", m->summary);
		printf("%s\n", d->line);
	} else {
		/* Redraw the block of lines in place. */
		if (m->drawn)
			printf("\033[%uA", m->drawn);
		printf("\r%s\033[K\n", m->summary);
		for (i = 0; i < m->n; i++)
			printf("\r%s\033[K\n", m->disks[i].line);
		m->drawn = m->n + 1;
	}
	fflush(stdout);
}

static int monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	struct disk_reply r;

	if (genl->cmd != HCXREPL_CMD_DISK_CHANGE_NTF &&
	    genl->cmd != HCXREPL_CMD_DISK_GET)
		return MNL_CB_OK;
	if (parse_disk(nlh, &r) == 0)
		monitor_show(data, &r);
	return MNL_CB_OK;
}

/* Every disk's state, again while events overran the socket meanwhile. */
static int monitor_dump(struct hcx_genl *g, struct monitor *m)
{
	struct nlmsghdr *nlh;
	int ret;

	do {
		nlh = hcx_genl_request(g, HCXREPL_CMD_DISK_GET, NLM_F_DUMP);
		ret = hcx_genl_talk(g, nlh, monitor_cb, m);
	} while (ret == -ENOBUFS);
	return ret;
}

/* monitor [NAME]: the current state, then every event, until killed. */
static int disk_monitor(int argc, char **argv, const struct hcx_options *opt)
{
	struct monitor m = {
		.name = argc > 1 ? argv[1] : NULL,
		.json = opt->json,
		.tty = isatty(STDOUT_FILENO),
	};
	int rcvbuf = 4 << 20;
	struct hcx_genl g;
	ssize_t len;
	int ret;

	if (argc > 2) {
		fprintf(stderr, "hcxrepl: monitor: unexpected argument '%s'\n",
			argv[2]);
		return 1;
	}
	if ((m.name && !name_ok(m.name, "monitor")) || hcx_genl_open(&g) < 0)
		return 1;
	if (mnl_socket_setsockopt(g.sock, NETLINK_ADD_MEMBERSHIP,
				  &g.events_group, sizeof(g.events_group)) < 0) {
		fprintf(stderr, "hcxrepl: monitor: cannot join the events group: %s\n",
			strerror(errno));
		hcx_genl_close(&g);
		return 1;
	}
	/* Room for a wave's events: hundreds of disks report every second. */
	setsockopt(mnl_socket_get_fd(g.sock), SOL_SOCKET, SO_RCVBUFFORCE,
		   &rcvbuf, sizeof(rcvbuf));
	ret = monitor_dump(&g, &m);
	while (!ret) {
		len = mnl_socket_recvfrom(g.sock, g.buf, MNL_SOCKET_BUFFER_SIZE);
		/* Events were lost: read every disk's state again. */
		if (len < 0 && errno == ENOBUFS) {
			ret = monitor_dump(&g, &m);
			continue;
		}
		if (len < 0) {
			ret = -errno;
			break;
		}
		if (mnl_cb_run(g.buf, len, 0, 0, monitor_cb, &m) < MNL_CB_STOP)
			ret = -EBADMSG;
	}
	fprintf(stderr, "hcxrepl: monitor: %s\n", hcx_genl_strerror(&g, ret));
	hcx_genl_close(&g);
	free(m.disks);
	return 1;
}

static bool is_action(const char *verb)
{
	size_t i;

	if (!strcmp(verb, "sync") || !strcmp(verb, "replicate") ||
	    !strcmp(verb, "switchover"))
		return true;
	for (i = 0; i < ARRAY_SIZE(simple_actions); i++)
		if (!strcmp(verb, simple_actions[i].verb))
			return true;
	return false;
}

int hcx_cmd_monitor(int argc, char **argv, const struct hcx_options *opt)
{
	return disk_monitor(argc, argv, opt);
}

int hcx_cmd_disk(int argc, char **argv, const struct hcx_options *opt)
{
	const char *verb = argc > 1 ? argv[1] : "show";

	argc--;
	argv++;
	if (!strcmp(verb, "show") || !strcmp(verb, "list"))
		return disk_show(argc ?: 1, argc ? argv : (char *[]){ "show" },
				 opt);
	if (!strcmp(verb, "add"))
		return disk_add(argc, argv);
	if (!strcmp(verb, "del"))
		return disk_del(argc, argv);
	if (!strcmp(verb, "set"))
		return disk_set(argc, argv);
	if (is_action(verb))
		return disk_action(argc, argv);
	fprintf(stderr, "hcxrepl: disk: unknown command '%s' (try 'hcxrepl help')\n",
		verb);
	return 1;
}
