// SPDX-License-Identifier: GPL-2.0
/*
 * Interconnect device commands of the CLI: show and set.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/genetlink.h>
#include <net/if.h>
#include <netdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "device.h"
#include "disk.h"
#include "genl.h"
#include "json.h"
#include "key.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	unsigned int attr;
	const char *name;
} drop_names[] = {
	{ HCXREPL_A_DEVICE_STATS_RX_BAD_AUTH, "rx-bad-auth" },
	{ HCXREPL_A_DEVICE_STATS_RX_REPLAY, "rx-replay" },
	{ HCXREPL_A_DEVICE_STATS_RX_UNKNOWN_SESSION, "rx-unknown-session" },
	{ HCXREPL_A_DEVICE_STATS_RX_MALFORMED, "rx-malformed" },
	{ HCXREPL_A_DEVICE_STATS_RX_OVERSIZED, "rx-oversized" },
	{ HCXREPL_A_DEVICE_STATS_RX_HANDSHAKE_RATELIMITED,
	  "rx-handshake-ratelimited" },
	{ HCXREPL_A_DEVICE_STATS_TX_NO_SESSION, "tx-no-session" },
	{ HCXREPL_A_DEVICE_STATS_TX_OVERSIZED, "tx-oversized" },
	{ HCXREPL_A_DEVICE_STATS_RX_HANDSHAKE_INVALID,
	  "rx-handshake-invalid" },
	{ HCXREPL_A_DEVICE_STATS_TX_UNREACHABLE, "tx-unreachable" },
	{ HCXREPL_A_DEVICE_STATS_RX_QUEUE_FULL, "rx-queue-full" },
	{ HCXREPL_A_DEVICE_STATS_TX_QUEUE_FULL, "tx-queue-full" },
	{ HCXREPL_A_DEVICE_STATS_RX_CHANNEL_REPLAY, "rx-channel-replay" },
	{ HCXREPL_A_DEVICE_STATS_RX_CHANNEL_TIMEOUT, "rx-channel-timeout" },
	{ HCXREPL_A_DEVICE_STATS_RX_CHANNEL_EVICTED, "rx-channel-evicted" },
};

static const char *const session_names[] = {
	[HCXREPL_SESSION_STATE_NONE] = "none",
	[HCXREPL_SESSION_STATE_HANDSHAKING] = "handshaking",
	[HCXREPL_SESSION_STATE_ESTABLISHED] = "established",
};

/* A reply's attributes, nested ones parsed. */
struct device_reply {
	const struct nlattr *dev[HCXREPL_A_DEVICE_MAX + 1];
	const struct nlattr *peer[HCXREPL_A_PEER_MAX + 1];
	const struct nlattr *stats[HCXREPL_A_DEVICE_STATS_MAX + 1];
	const char *ifname;
	uint32_t ifindex;
	struct hcx_rate_limit rate;
	char public_key[HCX_KEY_B64_LEN];	/* "" when unset */
	char peer_key[HCX_KEY_B64_LEN];		/* "" when unset */
	char endpoint[INET6_ADDRSTRLEN + 8];	/* "" when unknown */
	const char *session;			/* NULL when not reported */
};

/* True when KEY is not all zeroes (an unset pre-shared key is). */
static bool key_is_set(const unsigned char *key)
{
	return !sodium_is_zero(key, HCXREPL_KEY_LEN);
}

static void key_text(char out[HCX_KEY_B64_LEN], const struct nlattr *attr)
{
	out[0] = '\0';
	attr = hcx_attr_sized(attr, HCXREPL_KEY_LEN);
	if (attr)
		hcx_key_to_base64(out, mnl_attr_get_payload(attr));
}

static void endpoint_text(struct device_reply *r)
{
	const struct nlattr *v4 = hcx_attr_sized(r->peer[HCXREPL_A_PEER_ENDPOINT_IPV4], 4);
	const struct nlattr *v6 = hcx_attr_sized(r->peer[HCXREPL_A_PEER_ENDPOINT_IPV6], 16);
	const struct nlattr *port = hcx_attr_sized(r->peer[HCXREPL_A_PEER_ENDPOINT_PORT], 2);
	char addr[INET6_ADDRSTRLEN];

	r->endpoint[0] = '\0';
	if (!port || (!v4 && !v6))
		return;
	inet_ntop(v4 ? AF_INET : AF_INET6, mnl_attr_get_payload(v4 ?: v6),
		  addr, sizeof(addr));
	snprintf(r->endpoint, sizeof(r->endpoint), v4 ? "%s:%u" : "[%s]:%u",
		 addr, ntohs(mnl_attr_get_u16(port)));
}

static int parse_device(const struct nlmsghdr *nlh, struct device_reply *r)
{
	const struct nlattr *attr;

	memset(r, 0, sizeof(*r));
	if (hcx_attr_parse(nlh, r->dev, HCXREPL_A_DEVICE_MAX) < 0 ||
	    hcx_attr_parse_nested(r->dev[HCXREPL_A_DEVICE_PEER], r->peer, HCXREPL_A_PEER_MAX) < 0 ||
	    hcx_attr_parse_nested(r->dev[HCXREPL_A_DEVICE_STATS], r->stats,
			 HCXREPL_A_DEVICE_STATS_MAX) < 0 ||
	    hcx_rate_parse(nlh, &r->rate) < 0)
		return -1;
	attr = r->dev[HCXREPL_A_DEVICE_IFNAME];
	if (!attr || mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0 ||
	    !hcx_attr_sized(r->dev[HCXREPL_A_DEVICE_IFINDEX], 4))
		return -1;
	r->ifname = mnl_attr_get_str(attr);
	r->ifindex = mnl_attr_get_u32(r->dev[HCXREPL_A_DEVICE_IFINDEX]);
	key_text(r->public_key, r->dev[HCXREPL_A_DEVICE_PUBLIC_KEY]);
	key_text(r->peer_key, r->peer[HCXREPL_A_PEER_PUBLIC_KEY]);
	endpoint_text(r);
	attr = hcx_attr_sized(r->peer[HCXREPL_A_PEER_SESSION_STATE], 1);
	if (attr && mnl_attr_get_u8(attr) < ARRAY_SIZE(session_names))
		r->session = session_names[mnl_attr_get_u8(attr)];
	return 0;
}

static const struct {
	unsigned int attr;
	const char *key;
} peer_counters[] = {
	{ HCXREPL_A_PEER_LAST_HANDSHAKE_NS, "last_handshake_ns" },
	{ HCXREPL_A_PEER_RX_BYTES, "rx_bytes" },
	{ HCXREPL_A_PEER_TX_BYTES, "tx_bytes" },
	{ HCXREPL_A_PEER_RX_PACKETS, "rx_packets" },
	{ HCXREPL_A_PEER_TX_PACKETS, "tx_packets" },
};

static void print_rate_json(const struct device_reply *r)
{
	char span[HCX_SPAN_TEXT_LEN];
	unsigned int i;

	json_u64("rate_bps", r->rate.bps);
	json_u64("rate_now_bps", hcx_attr_u64(r->dev[HCXREPL_A_DEVICE_RATE_NOW_BPS]));
	json_array_start("rate_windows");
	for (i = 0; i < r->rate.nr_windows; i++) {
		hcx_span_text(&r->rate.windows[i], span);
		json_object_start(NULL);
		json_string("window", span);
		json_u64("rate_bps", r->rate.windows[i].bps);
		json_object_end();
	}
	json_array_end();
}

bool hcx_parse_dedup_cache(const char *text, uint64_t *out, const char *where)
{
	if (hcx_parse_size(text, out) && *out >= 1 << 20 && *out <= 1 << 30)
		return true;
	fprintf(stderr, "hcxrepl: %s: invalid dedup cache '%s' (a size from 1M to 1G)\n",
		where, text);
	return false;
}

bool hcx_parse_mss_clamp(const char *text, uint16_t *out, const char *where)
{
	unsigned long mss;
	char *end;

	if (!strcmp(text, "auto")) {
		*out = HCXREPL_MSS_CLAMP_AUTO;
		return true;
	}
	if (!strcmp(text, "off")) {
		*out = HCXREPL_MSS_CLAMP_OFF;
		return true;
	}
	errno = 0;
	mss = strtoul(text, &end, 10);
	if (isdigit((unsigned char)*text) && !*end && !errno &&
	    mss >= HCXREPL_MSS_CLAMP_MIN && mss <= HCXREPL_MSS_CLAMP_OFF) {
		*out = mss;
		return true;
	}
	fprintf(stderr, "hcxrepl: %s: invalid mss-clamp '%s' (auto, off, or an MSS from %u to %u)\n",
		where, text, HCXREPL_MSS_CLAMP_MIN, HCXREPL_MSS_CLAMP_OFF);
	return false;
}

void hcx_mss_clamp_text(uint16_t clamp, char out[HCX_MSS_TEXT_LEN])
{
	if (clamp == HCXREPL_MSS_CLAMP_AUTO)
		snprintf(out, HCX_MSS_TEXT_LEN, "auto");
	else if (clamp == HCXREPL_MSS_CLAMP_OFF)
		snprintf(out, HCX_MSS_TEXT_LEN, "off");
	else
		snprintf(out, HCX_MSS_TEXT_LEN, "%u", clamp);
}

void hcx_size_text(uint64_t bytes, char out[HCX_SIZE_TEXT_LEN])
{
	static const char units[] = "KMG";
	int u = -1;

	while (u < 2 && bytes && !(bytes & 1023)) {
		bytes >>= 10;
		u++;
	}
	if (u < 0)
		snprintf(out, HCX_SIZE_TEXT_LEN, "%" PRIu64, bytes);
	else
		snprintf(out, HCX_SIZE_TEXT_LEN, "%" PRIu64 "%c", bytes,
			 units[u]);
}

/* "replication rate: 200mbit, 08:00-18:00 50mbit (now 50mbit)", if any. */
static void print_rate_text(const struct device_reply *r)
{
	char rate[HCX_RATE_TEXT_LEN], span[HCX_SPAN_TEXT_LEN];
	unsigned int i;

	if (!r->rate.bps && !r->rate.nr_windows)
		return;
	hcx_rate_text(r->rate.bps, rate);
	printf("  replication rate: %s", rate);
	for (i = 0; i < r->rate.nr_windows; i++) {
		hcx_span_text(&r->rate.windows[i], span);
		hcx_rate_text(r->rate.windows[i].bps, rate);
		printf(", %s %s", span, rate);
	}
	hcx_rate_text(hcx_attr_u64(r->dev[HCXREPL_A_DEVICE_RATE_NOW_BPS]), rate);
	printf(" (now %s)\n", rate);
}

static void print_json(const struct device_reply *r)
{
	char key[64], mss[HCX_MSS_TEXT_LEN];
	size_t i, j;

	json_object_start(NULL);
	json_string("ifname", r->ifname);
	json_u64("ifindex", r->ifindex);
	if (r->public_key[0])
		json_string("public_key", r->public_key);
	if (r->dev[HCXREPL_A_DEVICE_LISTEN_PORT])
		json_u64("listen_port", hcx_attr_u16(r->dev[HCXREPL_A_DEVICE_LISTEN_PORT]));
	if (r->dev[HCXREPL_A_DEVICE_PEER]) {
		json_object_start("peer");
		if (r->peer_key[0])
			json_string("public_key", r->peer_key);
		if (r->endpoint[0])
			json_string("endpoint", r->endpoint);
		if (r->peer[HCXREPL_A_PEER_PERSISTENT_KEEPALIVE])
			json_u64("persistent_keepalive",
				 hcx_attr_u16(r->peer[HCXREPL_A_PEER_PERSISTENT_KEEPALIVE]));
		if (r->session)
			json_string("session_state", r->session);
		for (i = 0; i < ARRAY_SIZE(peer_counters); i++)
			if (r->peer[peer_counters[i].attr])
				json_u64(peer_counters[i].key,
					 hcx_attr_u64(r->peer[peer_counters[i].attr]));
		json_object_end();
	}
	print_rate_json(r);
	if (r->dev[HCXREPL_A_DEVICE_DEDUP_CACHE_BYTES])
		json_u64("dedup_cache_bytes",
			 hcx_attr_u64(r->dev[HCXREPL_A_DEVICE_DEDUP_CACHE_BYTES]));
	if (r->dev[HCXREPL_A_DEVICE_MSS_CLAMP]) {
		hcx_mss_clamp_text(hcx_attr_u16(r->dev[HCXREPL_A_DEVICE_MSS_CLAMP]),
				   mss);
		json_string("mss_clamp", mss);
		json_u64("mss_clamp_now",
			 hcx_attr_u16(r->dev[HCXREPL_A_DEVICE_MSS_CLAMP_NOW]));
	}
	if (r->dev[HCXREPL_A_DEVICE_STATS]) {
		json_object_start("stats");
		for (i = 0; i < ARRAY_SIZE(drop_names); i++) {
			if (!r->stats[drop_names[i].attr])
				continue;
			for (j = 0; drop_names[i].name[j] && j < sizeof(key) - 1; j++)
				key[j] = drop_names[i].name[j] == '-' ? '_' :
					 drop_names[i].name[j];
			key[j] = '\0';
			json_u64(key, hcx_attr_u64(r->stats[drop_names[i].attr]));
		}
		json_object_end();
	}
	json_object_end();
}

/* "auto (1386)": the setting, and what it clamps IPv4 SYNs to now. */
static void print_mss_text(const struct device_reply *r)
{
	uint16_t now = hcx_attr_u16(r->dev[HCXREPL_A_DEVICE_MSS_CLAMP_NOW]);
	char mss[HCX_MSS_TEXT_LEN];

	if (!r->dev[HCXREPL_A_DEVICE_MSS_CLAMP])
		return;
	hcx_mss_clamp_text(hcx_attr_u16(r->dev[HCXREPL_A_DEVICE_MSS_CLAMP]), mss);
	if (strcmp(mss, "auto"))
		printf("  mss clamp: %s\n", mss);
	else if (now)
		printf("  mss clamp: auto (%u)\n", now);
	else
		printf("  mss clamp: auto (none now)\n");
}

static void print_text(const struct device_reply *r, bool stats)
{
	char size[HCX_SIZE_TEXT_LEN];
	uint64_t when;
	size_t i;

	printf("interface: %s\n", r->ifname);
	printf("  ifindex: %" PRIu32 "\n", r->ifindex);
	if (r->public_key[0])
		printf("  public key: %s\n", r->public_key);
	if (hcx_attr_u16(r->dev[HCXREPL_A_DEVICE_LISTEN_PORT]))
		printf("  listening port: %u\n",
		       hcx_attr_u16(r->dev[HCXREPL_A_DEVICE_LISTEN_PORT]));
	print_rate_text(r);
	if (r->dev[HCXREPL_A_DEVICE_DEDUP_CACHE_BYTES]) {
		hcx_size_text(hcx_attr_u64(r->dev[HCXREPL_A_DEVICE_DEDUP_CACHE_BYTES]),
			      size);
		printf("  dedup cache: %s\n", size);
	}
	print_mss_text(r);
	if (stats && r->dev[HCXREPL_A_DEVICE_STATS]) {
		printf("  drops:\n");
		for (i = 0; i < ARRAY_SIZE(drop_names); i++)
			if (r->stats[drop_names[i].attr])
				printf("    %s: %" PRIu64 "\n", drop_names[i].name,
				       hcx_attr_u64(r->stats[drop_names[i].attr]));
	}
	if (!r->dev[HCXREPL_A_DEVICE_PEER])
		return;
	printf("\npeer: %s\n", r->peer_key[0] ? r->peer_key : "(no key)");
	if (r->endpoint[0])
		printf("  endpoint: %s\n", r->endpoint);
	if (r->session)
		printf("  session: %s\n", r->session);
	when = hcx_attr_u64(r->peer[HCXREPL_A_PEER_LAST_HANDSHAKE_NS]);
	if (when) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		printf("  latest handshake: %" PRIu64 " seconds ago\n",
		       ((uint64_t)now.tv_sec * 1000000000 + now.tv_nsec - when) /
		       1000000000);
	}
	if (r->peer[HCXREPL_A_PEER_RX_BYTES] || r->peer[HCXREPL_A_PEER_TX_BYTES])
		printf("  transfer: %" PRIu64 " B received, %" PRIu64 " B sent\n",
		       hcx_attr_u64(r->peer[HCXREPL_A_PEER_RX_BYTES]),
		       hcx_attr_u64(r->peer[HCXREPL_A_PEER_TX_BYTES]));
	if (hcx_attr_u16(r->peer[HCXREPL_A_PEER_PERSISTENT_KEEPALIVE]))
		printf("  persistent keepalive: every %u seconds\n",
		       hcx_attr_u16(r->peer[HCXREPL_A_PEER_PERSISTENT_KEEPALIVE]));
}

struct show_state {
	const struct hcx_options *opt;
	unsigned int count;
};

static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	struct show_state *s = data;
	struct device_reply r;

	if (parse_device(nlh, &r) < 0)
		return MNL_CB_ERROR;
	if (s->opt->json) {
		print_json(&r);
	} else {
		if (s->count)
			putchar('\n');
		print_text(&r, s->opt->stats);
	}
	s->count++;
	return MNL_CB_OK;
}

int hcx_cmd_show(int argc, char **argv, const struct hcx_options *opt)
{
	struct hcx_options show_opt = *opt;
	struct show_state s = { &show_opt, 0 };
	const char *dev = NULL;
	int i;

	/* "show [-s] [DEV]" as well as "-s show [DEV]". */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s") || !strcmp(argv[i], "--stats")) {
			show_opt.stats = true;
		} else if (!dev) {
			dev = argv[i];
		} else {
			fprintf(stderr, "hcxrepl: show: unexpected argument '%s'\n",
				argv[i]);
			return 1;
		}
	}
	if (dev && strlen(dev) >= IFNAMSIZ) {
		fprintf(stderr, "hcxrepl: show: '%s' is not a device name\n", dev);
		return 1;
	}
	return hcx_genl_show(&(struct hcx_show){
				.cmd = HCXREPL_CMD_DEV_GET,
				.attr = HCXREPL_A_DEVICE_IFNAME,
				.name = dev,
				.json = opt->json,
				.what = "show",
				.objects = "devices",
			     }, show_cb, &s);
}

/* showconf: the configuration in the format setconf reads. */
static int showconf_cb(const struct nlmsghdr *nlh, void *data)
{
	char rate[HCX_RATE_TEXT_LEN], span[HCX_SPAN_TEXT_LEN];
	char key[HCX_KEY_B64_LEN], size[HCX_SIZE_TEXT_LEN];
	unsigned int i;
	struct device_reply r;
	const struct nlattr *attr;
	char mss_text[HCX_MSS_TEXT_LEN];
	uint64_t cache;
	uint16_t mss;

	(void)data;
	if (parse_device(nlh, &r) < 0)
		return MNL_CB_ERROR;
	printf("[Interface]\n");
	if (hcx_attr_u16(r.dev[HCXREPL_A_DEVICE_LISTEN_PORT]))
		printf("ListenPort = %u\n",
		       hcx_attr_u16(r.dev[HCXREPL_A_DEVICE_LISTEN_PORT]));
	key_text(key, r.dev[HCXREPL_A_DEVICE_PRIVATE_KEY]);
	if (key[0])
		printf("PrivateKey = %s\n", key);
	if (r.rate.bps || r.rate.nr_windows) {
		hcx_rate_text(r.rate.bps, rate);
		printf("Rate = %s\n", rate);
	}
	for (i = 0; i < r.rate.nr_windows; i++) {
		hcx_span_text(&r.rate.windows[i], span);
		hcx_rate_text(r.rate.windows[i].bps, rate);
		printf("RateWindow = %s %s\n", span, rate);
	}
	/* setconf sets the default where the file says nothing. */
	cache = hcx_attr_u64(r.dev[HCXREPL_A_DEVICE_DEDUP_CACHE_BYTES]);
	if (cache && cache != HCX_DEDUP_CACHE_DEFAULT) {
		hcx_size_text(cache, size);
		printf("DedupCache = %s\n", size);
	}
	mss = hcx_attr_u16(r.dev[HCXREPL_A_DEVICE_MSS_CLAMP]);
	if (mss != HCXREPL_MSS_CLAMP_AUTO) {
		hcx_mss_clamp_text(mss, mss_text);
		printf("MssClamp = %s\n", mss_text);
	}
	if (r.dev[HCXREPL_A_DEVICE_PEER]) {
		printf("\n[Peer]\nPublicKey = %s\n", r.peer_key);
		attr = hcx_attr_sized(r.peer[HCXREPL_A_PEER_PRESHARED_KEY], HCXREPL_KEY_LEN);
		if (attr && key_is_set(mnl_attr_get_payload(attr))) {
			key_text(key, attr);
			printf("PresharedKey = %s\n", key);
		}
		if (r.endpoint[0])
			printf("Endpoint = %s\n", r.endpoint);
		if (hcx_attr_u16(r.peer[HCXREPL_A_PEER_PERSISTENT_KEEPALIVE]))
			printf("PersistentKeepalive = %u\n",
			       hcx_attr_u16(r.peer[HCXREPL_A_PEER_PERSISTENT_KEEPALIVE]));
	}
	sodium_memzero(key, sizeof(key));
	return MNL_CB_OK;
}

int hcx_cmd_showconf(int argc, char **argv, const struct hcx_options *opt)
{
	struct nlmsghdr *nlh;
	struct hcx_genl g;
	int ret;

	(void)opt;
	if (argc != 2 || strlen(argv[1]) >= IFNAMSIZ) {
		fprintf(stderr, "hcxrepl: showconf: name one device (hcxrepl showconf DEV)\n");
		return 1;
	}
	if (hcx_genl_open(&g) < 0)
		return 1;
	nlh = hcx_genl_request(&g, HCXREPL_CMD_DEV_GET, 0);
	mnl_attr_put_strz(nlh, HCXREPL_A_DEVICE_IFNAME, argv[1]);
	mnl_attr_put(nlh, HCXREPL_A_DEVICE_SECRETS, 0, NULL);
	ret = hcx_genl_talk(&g, nlh, showconf_cb, NULL);
	/* The reply in the buffer held the keys. */
	sodium_memzero(g.buf, MNL_SOCKET_BUFFER_SIZE);
	if (ret)
		fprintf(stderr, "hcxrepl: showconf %s: %s\n", argv[1],
			hcx_genl_strerror(&g, ret));
	hcx_genl_close(&g);
	return ret ? 1 : 0;
}

/* The peer's endpoint in R as a socket address; false when it has none. */
static bool endpoint_addr(const struct device_reply *r,
			  struct sockaddr_storage *out)
{
	const struct nlattr *v4 = hcx_attr_sized(r->peer[HCXREPL_A_PEER_ENDPOINT_IPV4], 4);
	const struct nlattr *v6 = hcx_attr_sized(r->peer[HCXREPL_A_PEER_ENDPOINT_IPV6], 16);
	const struct nlattr *port = hcx_attr_sized(r->peer[HCXREPL_A_PEER_ENDPOINT_PORT], 2);
	struct sockaddr_in6 *in6 = (void *)out;
	struct sockaddr_in *in4 = (void *)out;

	memset(out, 0, sizeof(*out));
	if (!port || (!v4 && !v6))
		return false;
	if (v4) {
		in4->sin_family = AF_INET;
		memcpy(&in4->sin_addr, mnl_attr_get_payload(v4), 4);
		memcpy(&in4->sin_port, mnl_attr_get_payload(port), 2);
	} else {
		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, mnl_attr_get_payload(v6), 16);
		memcpy(&in6->sin6_port, mnl_attr_get_payload(port), 2);
	}
	return true;
}

/* A dev-get reply, secrets included, as the request that would set it. */
static int read_cb(const struct nlmsghdr *nlh, void *data)
{
	struct hcx_device_conf *conf = data;
	const struct nlattr *attr;
	struct device_reply r;

	if (parse_device(nlh, &r) < 0)
		return MNL_CB_ERROR;
	attr = hcx_attr_sized(r.dev[HCXREPL_A_DEVICE_PRIVATE_KEY], HCXREPL_KEY_LEN);
	if (attr) {
		memcpy(conf->private_key, mnl_attr_get_payload(attr), HCXREPL_KEY_LEN);
		conf->has_private_key = true;
	}
	conf->port = hcx_attr_u16(r.dev[HCXREPL_A_DEVICE_LISTEN_PORT]);
	conf->has_port = true;
	conf->rate = r.rate;
	conf->has_rate = true;
	conf->dedup_cache = hcx_attr_u64(r.dev[HCXREPL_A_DEVICE_DEDUP_CACHE_BYTES]);
	conf->has_dedup_cache = true;
	conf->mss_clamp = hcx_attr_u16(r.dev[HCXREPL_A_DEVICE_MSS_CLAMP]);
	conf->has_mss_clamp = true;
	if (!r.dev[HCXREPL_A_DEVICE_PEER])
		return MNL_CB_OK;
	conf->has_peer = true;
	attr = hcx_attr_sized(r.peer[HCXREPL_A_PEER_PUBLIC_KEY], HCXREPL_KEY_LEN);
	if (attr) {
		memcpy(conf->peer_key, mnl_attr_get_payload(attr), HCXREPL_KEY_LEN);
		conf->has_peer_key = true;
	}
	/* An unset pre-shared key reads as zeroes. */
	attr = hcx_attr_sized(r.peer[HCXREPL_A_PEER_PRESHARED_KEY], HCXREPL_KEY_LEN);
	if (attr && key_is_set(mnl_attr_get_payload(attr))) {
		memcpy(conf->psk, mnl_attr_get_payload(attr), HCXREPL_KEY_LEN);
		conf->has_psk = true;
	}
	conf->has_endpoint = endpoint_addr(&r, &conf->endpoint);
	conf->keepalive = hcx_attr_u16(r.peer[HCXREPL_A_PEER_PERSISTENT_KEEPALIVE]);
	return MNL_CB_OK;
}

int hcx_device_read(struct hcx_genl *g, const char *dev,
		    struct hcx_device_conf *conf)
{
	struct nlmsghdr *nlh;
	int ret;

	hcx_device_conf_init(conf);
	nlh = hcx_genl_request(g, HCXREPL_CMD_DEV_GET, 0);
	mnl_attr_put_strz(nlh, HCXREPL_A_DEVICE_IFNAME, dev);
	mnl_attr_put(nlh, HCXREPL_A_DEVICE_SECRETS, 0, NULL);
	ret = hcx_genl_talk(g, nlh, read_cb, conf);
	/* The reply in the buffer held the keys. */
	sodium_memzero(g->buf, MNL_SOCKET_BUFFER_SIZE);
	if (ret)
		sodium_memzero(conf, sizeof(*conf));
	return ret;
}

/* A number in 0..MAX, digits only. */
static bool parse_number(const char *text, unsigned long max,
			 unsigned long *out)
{
	char *end;

	if (!*text || strspn(text, "0123456789") != strlen(text))
		return false;
	errno = 0;
	*out = strtoul(text, &end, 10);
	return !errno && *out <= max;
}

bool hcx_parse_keepalive(const char *text, int *out)
{
	unsigned long value;

	if (!strcmp(text, "off")) {
		*out = 0;
		return true;
	}
	if (!parse_number(text, 65535, &value))
		return false;
	*out = value;
	return true;
}

bool hcx_parse_endpoint(const char *text, struct sockaddr_storage *out,
			const char *what)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *res;
	const char *port, *endpoint = text;
	char host[256];
	unsigned long number;
	size_t len;
	int ret;

	if (text[0] == '[') {
		port = strstr(text, "]:");
		len = port ? (size_t)(port - text - 1) : 0;
		text++;
		port = port ? port + 2 : NULL;
	} else {
		port = strrchr(text, ':');
		len = port ? (size_t)(port - text) : 0;
		port = port ? port + 1 : NULL;
	}
	if (!port || !len || len >= sizeof(host) ||
	    !parse_number(port, 65535, &number) || !number) {
		fprintf(stderr, "hcxrepl: %s: invalid endpoint '%s' (want HOST:PORT or [HOST]:PORT)\n",
			what, endpoint);
		return false;
	}
	memcpy(host, text, len);
	host[len] = '\0';
	ret = getaddrinfo(host, port, &hints, &res);
	if (ret) {
		fprintf(stderr, "hcxrepl: %s: endpoint '%s': %s\n", what, host,
			gai_strerror(ret));
		return false;
	}
	memset(out, 0, sizeof(*out));
	memcpy(out, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return true;
}

void hcx_device_conf_init(struct hcx_device_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->keepalive = -1;
}

static void put_peer(struct nlmsghdr *nlh, const struct hcx_device_conf *conf)
{
	const struct sockaddr_in *in4 = (const void *)&conf->endpoint;
	const struct sockaddr_in6 *in6 = (const void *)&conf->endpoint;
	struct nlattr *nest = mnl_attr_nest_start(nlh, HCXREPL_A_DEVICE_PEER);

	if (conf->peer_remove)
		mnl_attr_put(nlh, HCXREPL_A_PEER_REMOVE, 0, NULL);
	if (conf->has_peer_key)
		mnl_attr_put(nlh, HCXREPL_A_PEER_PUBLIC_KEY, HCXREPL_KEY_LEN,
			     conf->peer_key);
	if (conf->has_psk)
		mnl_attr_put(nlh, HCXREPL_A_PEER_PRESHARED_KEY, HCXREPL_KEY_LEN,
			     conf->psk);
	if (conf->has_endpoint && conf->endpoint.ss_family == AF_INET) {
		mnl_attr_put(nlh, HCXREPL_A_PEER_ENDPOINT_IPV4, 4,
			     &in4->sin_addr);
		mnl_attr_put(nlh, HCXREPL_A_PEER_ENDPOINT_PORT, 2, &in4->sin_port);
	} else if (conf->has_endpoint) {
		mnl_attr_put(nlh, HCXREPL_A_PEER_ENDPOINT_IPV6, 16,
			     &in6->sin6_addr);
		mnl_attr_put(nlh, HCXREPL_A_PEER_ENDPOINT_PORT, 2,
			     &in6->sin6_port);
	}
	if (conf->keepalive >= 0)
		mnl_attr_put_u16(nlh, HCXREPL_A_PEER_PERSISTENT_KEEPALIVE,
				 conf->keepalive);
	mnl_attr_nest_end(nlh, nest);
}

int hcx_device_send(struct hcx_genl *g, const char *dev,
		    struct hcx_device_conf *conf)
{
	struct nlmsghdr *nlh;
	int ret;

	nlh = hcx_genl_request(g, HCXREPL_CMD_DEV_SET, 0);
	mnl_attr_put_strz(nlh, HCXREPL_A_DEVICE_IFNAME, dev);
	if (conf->has_private_key)
		mnl_attr_put(nlh, HCXREPL_A_DEVICE_PRIVATE_KEY, HCXREPL_KEY_LEN,
			     conf->private_key);
	if (conf->has_port)
		mnl_attr_put_u16(nlh, HCXREPL_A_DEVICE_LISTEN_PORT, conf->port);
	if (conf->has_rate)
		hcx_rate_put(nlh, &conf->rate);
	if (conf->has_dedup_cache)
		mnl_attr_put_u64(nlh, HCXREPL_A_DEVICE_DEDUP_CACHE_BYTES,
				 conf->dedup_cache);
	if (conf->has_mss_clamp)
		mnl_attr_put_u16(nlh, HCXREPL_A_DEVICE_MSS_CLAMP, conf->mss_clamp);
	if (conf->has_peer)
		put_peer(nlh, conf);
	if (conf->has_peer && conf->replace_peer)
		mnl_attr_put(nlh, HCXREPL_A_DEVICE_REPLACE_PEER, 0, NULL);
	sodium_memzero(conf, sizeof(*conf));
	ret = hcx_genl_talk(g, nlh, NULL, NULL);
	/* The request in the buffer held the keys. */
	sodium_memzero(g->buf, MNL_SOCKET_BUFFER_SIZE);
	return ret;
}

int hcx_device_apply(const char *dev, struct hcx_device_conf *conf,
		     const char *what)
{
	struct hcx_genl g;
	int ret;

	if (hcx_genl_open(&g) < 0) {
		sodium_memzero(conf, sizeof(*conf));
		return 1;
	}
	ret = hcx_device_send(&g, dev, conf);
	if (ret)
		fprintf(stderr, "hcxrepl: %s %s: %s\n", what, dev,
			hcx_genl_strerror(&g, ret));
	hcx_genl_close(&g);
	return ret ? 1 : 0;
}

static int set_fail(struct hcx_device_conf *conf)
{
	sodium_memzero(conf, sizeof(*conf));
	return 1;
}

/* The words after "peer KEY": [remove] [preshared-key FILE] [endpoint E]
 * [persistent-keepalive N|off].
 */
static int parse_peer_words(int argc, char **argv, struct hcx_device_conf *conf)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *word = argv[i], *value = argv[i + 1];

		if (!strcmp(word, "remove")) {
			conf->peer_remove = true;
			continue;
		}
		if (strcmp(word, "preshared-key") && strcmp(word, "endpoint") &&
		    strcmp(word, "persistent-keepalive")) {
			fprintf(stderr, "hcxrepl: set: unknown argument '%s'\n", word);
			return -1;
		}
		if (++i >= argc) {
			fprintf(stderr, "hcxrepl: set: '%s' needs a value\n", word);
			return -1;
		}
		if (!strcmp(word, "preshared-key")) {
			if (!hcx_key_read(conf->psk, value, "set"))
				return -1;
			conf->has_psk = true;
		} else if (!strcmp(word, "endpoint")) {
			if (!hcx_parse_endpoint(value, &conf->endpoint, "set"))
				return -1;
			conf->has_endpoint = true;
		} else if (!hcx_parse_keepalive(value, &conf->keepalive)) {
			fprintf(stderr, "hcxrepl: set: invalid persistent-keepalive '%s'\n",
				value);
			return -1;
		}
	}
	return 0;
}

/*
 * The words after "rate": RATE [window HH:MM-HH:MM RATE]...  Return: how
 * many there were, or -1 after a message.
 */
static int parse_rate_words(int argc, char **argv, struct hcx_rate_limit *limit)
{
	struct hcx_rate_window w;
	int i;

	memset(limit, 0, sizeof(*limit));
	if (!hcx_parse_rate_limit(argv[0], &limit->bps, "set"))
		return -1;
	for (i = 1; i < argc && !strcmp(argv[i], "window"); i += 3) {
		if (i + 2 >= argc) {
			fprintf(stderr, "hcxrepl: set: 'window' needs HH:MM-HH:MM and a rate\n");
			return -1;
		}
		if (!hcx_parse_rate_window(argv[i + 1], argv[i + 2], &w, "set") ||
		    !hcx_rate_add_window(limit, &w, "set"))
			return -1;
	}
	return i;
}

int hcx_cmd_set(int argc, char **argv, const struct hcx_options *opt)
{
	struct hcx_device_conf conf;
	unsigned long port;
	const char *dev;
	int i, n;

	(void)opt;
	if (argc < 2) {
		fprintf(stderr, "hcxrepl: set: which device? (hcxrepl set DEV ...)\n");
		return 1;
	}
	dev = argv[1];
	if (strlen(dev) >= IFNAMSIZ) {
		fprintf(stderr, "hcxrepl: set: '%s' is not a device name\n", dev);
		return 1;
	}
	hcx_device_conf_init(&conf);
	for (i = 2; i < argc; i += 2) {
		const char *word = argv[i], *value = argv[i + 1];

		if (strcmp(word, "private-key") && strcmp(word, "listen-port") &&
		    strcmp(word, "peer") && strcmp(word, "rate") &&
		    strcmp(word, "dedup-cache") && strcmp(word, "mss-clamp")) {
			fprintf(stderr, "hcxrepl: set: unknown argument '%s'\n", word);
			return set_fail(&conf);
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "hcxrepl: set: '%s' needs a value\n", word);
			return set_fail(&conf);
		}
		if (!strcmp(word, "private-key")) {
			if (!hcx_key_read(conf.private_key, value, "set"))
				return set_fail(&conf);
			conf.has_private_key = true;
		} else if (!strcmp(word, "rate")) {
			n = parse_rate_words(argc - i - 1, argv + i + 1, &conf.rate);
			if (n < 0)
				return set_fail(&conf);
			conf.has_rate = true;
			i += n - 1;
		} else if (!strcmp(word, "dedup-cache")) {
			if (!hcx_parse_dedup_cache(value, &conf.dedup_cache,
						   "set"))
				return set_fail(&conf);
			conf.has_dedup_cache = true;
		} else if (!strcmp(word, "mss-clamp")) {
			if (!hcx_parse_mss_clamp(value, &conf.mss_clamp, "set"))
				return set_fail(&conf);
			conf.has_mss_clamp = true;
		} else if (!strcmp(word, "listen-port")) {
			if (!parse_number(value, 65535, &port)) {
				fprintf(stderr, "hcxrepl: set: invalid listen-port '%s'\n",
					value);
				return set_fail(&conf);
			}
			conf.port = port;
			conf.has_port = true;
		} else {
			/* Everything after the peer's key is about the peer. */
			if (!hcx_key_from_base64(conf.peer_key, value)) {
				fprintf(stderr, "hcxrepl: set: invalid peer key '%s'\n",
					value);
				return set_fail(&conf);
			}
			conf.has_peer = conf.has_peer_key = true;
			if (parse_peer_words(argc - i - 2, argv + i + 2, &conf))
				return set_fail(&conf);
			break;
		}
	}
	return hcx_device_apply(dev, &conf, "set");
}
