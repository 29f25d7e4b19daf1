// SPDX-License-Identifier: GPL-2.0
/*
 * plan apply|check FILE: one site's half of a pairing, declared in a file
 * (Documentation/hcxrepl/plans.rst): its interconnect device and peer, the
 * bridges the device joins, and its disks.
 *
 * A plan runs in two phases.  The first reads the file and the current
 * state and decides what to do, changing nothing, so that anything wrong
 * with the file, or anything in the way of it, is found before the first
 * change.  The second does it, setting only what differs from the current
 * state: a plan applied twice changes nothing the second time.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/netlink.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "device.h"
#include "disk.h"
#include "genl.h"
#include "key.h"
#include "link.h"
#include "plan.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum plan_section { SEC_NONE, SEC_INTERCONNECT, SEC_PEER, SEC_NETWORK, SEC_DISK };

static const char *const section_names[] = {
	[SEC_INTERCONNECT] = "Interconnect",
	[SEC_PEER] = "Peer",
	[SEC_NETWORK] = "Network",
	[SEC_DISK] = "Disk",
};

enum plan_key {
	K_DEVICE, K_PRIVATE_KEY_FILE, K_LISTEN_PORT, K_RATE, K_RATE_WINDOW,
	K_DEDUP_CACHE, K_MSS_CLAMP, K_PUBLIC_KEY, K_ENDPOINT, K_PSK_FILE, K_KEEPALIVE,
	K_BRIDGE, K_PORTS,
	K_NAME, K_BACKING, K_ROLE, K_CHUNK, K_STREAMS, K_PRIORITY, K_DEDUP,
	K_COMPRESS, K_SYNC, K_SWITCHOVER,
	K_COUNT
};

static const struct {
	const char *name;
	enum plan_section section;
} plan_keys[K_COUNT] = {
	[K_DEVICE] = { "Device", SEC_INTERCONNECT },
	[K_PRIVATE_KEY_FILE] = { "PrivateKeyFile", SEC_INTERCONNECT },
	[K_LISTEN_PORT] = { "ListenPort", SEC_INTERCONNECT },
	[K_RATE] = { "Rate", SEC_INTERCONNECT },
	[K_RATE_WINDOW] = { "RateWindow", SEC_INTERCONNECT },
	[K_DEDUP_CACHE] = { "DedupCache", SEC_INTERCONNECT },
	[K_MSS_CLAMP] = { "MssClamp", SEC_INTERCONNECT },
	[K_PUBLIC_KEY] = { "PublicKey", SEC_PEER },
	[K_ENDPOINT] = { "Endpoint", SEC_PEER },
	[K_PSK_FILE] = { "PresharedKeyFile", SEC_PEER },
	[K_KEEPALIVE] = { "PersistentKeepalive", SEC_PEER },
	[K_BRIDGE] = { "Bridge", SEC_NETWORK },
	[K_PORTS] = { "Ports", SEC_NETWORK },
	[K_NAME] = { "Name", SEC_DISK },
	[K_BACKING] = { "Backing", SEC_DISK },
	[K_ROLE] = { "Role", SEC_DISK },
	[K_CHUNK] = { "Chunk", SEC_DISK },
	[K_STREAMS] = { "Streams", SEC_DISK },
	[K_PRIORITY] = { "Priority", SEC_DISK },
	[K_DEDUP] = { "Dedup", SEC_DISK },
	[K_COMPRESS] = { "Compress", SEC_DISK },
	[K_SYNC] = { "Sync", SEC_DISK },
	[K_SWITCHOVER] = { "Switchover", SEC_DISK },
};

/* What a source does once it is added. */
enum plan_sync { SYNC_FULL, SYNC_CHECKSUM, SYNC_CONTINUOUS, SYNC_NONE };

static const char *const sync_names[] = {
	[SYNC_FULL] = "full",
	[SYNC_CHECKSUM] = "checksum",
	[SYNC_CONTINUOUS] = "continuous",
	[SYNC_NONE] = "none",
};

/* A link the plan names: the device, a bridge, a port. */
struct plan_link {
	char name[IFNAMSIZ];
	bool exists;
	struct hcx_link link;
	/* Phase 1's decisions. */
	bool join;		/* becomes a port of the network's bridge */
	bool up;		/* is set up */
};

struct plan_network {
	unsigned int line;		/* its [Network] */
	unsigned int at[K_COUNT];	/* the line of each key, 0 if absent */
	struct plan_link bridge;
	struct plan_link *ports;
	size_t nr_ports;
};

struct plan_disk {
	unsigned int line;		/* its [Disk] */
	unsigned int at[K_COUNT];
	char name[HCXREPL_DISK_NAME_MAX];
	char *backing;			/* as written */
	char *real;			/* the same, resolved (phase 1) */
	struct hcx_disk_conf conf;
	enum plan_sync sync;
	uint64_t switchover_at;		/* 0: none */
	bool switchover_relative;	/* +N: resolved when the plan runs */
	bool switchover_verify;
	/* Phase 1's findings and decisions. */
	const struct hcx_disk_info *cur;	/* NULL: the disk is added */
	uint8_t set_streams;		/* 0: unchanged */
	uint8_t set_priority;		/* 0: unchanged */
	struct hcx_wanopt set_wanopt;	/* -1, 0, false: unchanged */
	bool schedule;			/* schedule the switchover */
	char cur_device[64];		/* the tracking device, once added */
};

struct plan {
	const char *path;
	unsigned int lines;		/* lines read */
	unsigned int line;		/* the line being parsed */
	unsigned int iface_line;	/* [Interconnect], 0 if absent */
	unsigned int peer_line;		/* [Peer], 0 if absent */
	unsigned int at[K_COUNT];	/* [Interconnect] and [Peer] keys */
	struct hcx_device_conf want;	/* the device as the plan has it */
	struct plan_network *networks;
	size_t nr_networks;
	struct plan_disk *disks;
	size_t nr_disks;

	/* Phase 1: the current state and the decisions about the device. */
	struct plan_link dev;
	struct hcx_device_conf cur;	/* the device's configuration */
	struct hcx_device_conf send;	/* what differs: to send */
	struct hcx_disk_info *cur_disks;
	size_t nr_cur_disks;
	struct hcx_genl g;		/* hcxrepl family */
	struct hcx_genl rt;		/* rtnetlink */
};

/* "hcxrepl: plan FILE:LINE: what"; returns -1 for the caller to return. */
static int __attribute__((format(printf, 3, 4)))
plan_error(const struct plan *p, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hcxrepl: plan %s:%u: ", p->path, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* The place of line LINE, for the helpers that print their own messages. */
static const char *where(const struct plan *p, unsigned int line, char *buf,
			 size_t len)
{
	snprintf(buf, len, "plan %s:%u", p->path, line);
	return buf;
}

/* An interface name: 1 to 15 characters, no '/', ':' or space. */
static bool ifname_ok(const char *name)
{
	size_t i, len = strlen(name);

	if (!len || len >= IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == ':' ||
		    isspace((unsigned char)name[i]))
			return false;
	return true;
}

/* A disk name as the kernel takes it: 1 to 63 letters, digits, - _ . */
static bool disk_name_ok(const char *name)
{
	size_t len = strlen(name);

	return len && len < HCXREPL_DISK_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789-_.") == len;
}

static bool on_off(const char *text, int *out)
{
	if (!strcasecmp(text, "on") || !strcasecmp(text, "off")) {
		*out = !strcasecmp(text, "on");
		return true;
	}
	return false;
}

/* Ports = a b c: names separated by spaces or commas. */
static int parse_ports(struct plan *p, struct plan_network *net, char *value)
{
	struct plan_link *more;
	char *name, *save;

	for (name = strtok_r(value, " \t,", &save); name;
	     name = strtok_r(NULL, " \t,", &save)) {
		if (!ifname_ok(name))
			return plan_error(p, p->line, "invalid port name '%s'", name);
		more = realloc(net->ports, (net->nr_ports + 1) * sizeof(*more));
		if (!more)
			return plan_error(p, p->line, "out of memory");
		net->ports = more;
		memset(&more[net->nr_ports], 0, sizeof(*more));
		strcpy(more[net->nr_ports].name, name);
		net->nr_ports++;
	}
	if (!net->nr_ports)
		return plan_error(p, p->line, "Ports names no port");
	return 0;
}

/* Switchover = [at] TIME [verify] */
static int parse_switchover(struct plan *p, struct plan_disk *d, char *value)
{
	char *word, *save, *time_text = NULL;
	uint64_t now = time(NULL);

	for (word = strtok_r(value, " \t", &save); word;
	     word = strtok_r(NULL, " \t", &save)) {
		if (!strcasecmp(word, "verify") && !d->switchover_verify)
			d->switchover_verify = true;
		else if (!strcasecmp(word, "at") && !time_text)
			continue;
		else if (!time_text)
			time_text = word;
		else
			return plan_error(p, p->line, "invalid Switchover: unexpected '%s' (want [at] TIME [verify])",
					  word);
	}
	if (!time_text)
		return plan_error(p, p->line, "Switchover without a time (want [at] TIME [verify])");
	if (!hcx_parse_time(time_text, &d->switchover_at))
		return plan_error(p, p->line, "invalid Switchover time '%s' (HH:MM[:SS], +SECONDS or @EPOCH)",
				  time_text);
	if (d->switchover_at <= now)
		return plan_error(p, p->line, "the Switchover time '%s' is not in the future",
				  time_text);
	/* The module's limit, here so that it is refused before any change. */
	if (d->switchover_at - now > 366 * 24 * 3600)
		return plan_error(p, p->line, "the Switchover time '%s' is more than a year away",
				  time_text);
	d->switchover_relative = time_text[0] == '+';
	return 0;
}

static int parse_disk_key(struct plan *p, struct plan_disk *d,
			  enum plan_key key, char *value)
{
	uint64_t size;
	size_t i;

	switch (key) {
	case K_NAME:
		if (!disk_name_ok(value))
			return plan_error(p, p->line, "invalid Name '%s' (1 to 63 letters, digits, '-', '_' or '.')",
					  value);
		strcpy(d->name, value);
		return 0;
	case K_BACKING:
		d->backing = strdup(value);
		if (!d->backing)
			return plan_error(p, p->line, "out of memory");
		d->conf.backing = d->backing;
		return 0;
	case K_ROLE:
		d->conf.role = hcx_disk_role_lookup(value);
		if (d->conf.role < 0)
			return plan_error(p, p->line, "invalid Role '%s' (source or target)",
					  value);
		return 0;
	case K_CHUNK:
		if (!hcx_parse_size(value, &size) || size < 4096 || size > 1 << 20 ||
		    (size & (size - 1)))
			return plan_error(p, p->line, "invalid Chunk '%s' (a power of two from 4K to 1M)",
					  value);
		d->conf.chunk = size;
		return 0;
	case K_STREAMS:
		if (!hcx_parse_streams(value, &d->conf.streams))
			return plan_error(p, p->line, "invalid Streams '%s' (1 to 16)",
					  value);
		return 0;
	case K_PRIORITY:
		if (!hcx_parse_priority(value, &d->conf.priority))
			return plan_error(p, p->line, "invalid Priority '%s' (1 to 9)",
					  value);
		return 0;
	case K_DEDUP:
		if (!on_off(value, &d->conf.wanopt.dedup))
			return plan_error(p, p->line, "invalid Dedup '%s' (on or off)",
					  value);
		return 0;
	case K_COMPRESS:
		if (!hcx_parse_compress(value, &d->conf.wanopt))
			return plan_error(p, p->line, "invalid Compress '%s' (lz4, zstd[:LEVEL 1-22] or none)",
					  value);
		return 0;
	case K_SYNC:
		for (i = 0; i < ARRAY_SIZE(sync_names); i++)
			if (!strcasecmp(value, sync_names[i]))
				break;
		if (i == ARRAY_SIZE(sync_names))
			return plan_error(p, p->line, "invalid Sync '%s' (full, checksum, continuous or none)",
					  value);
		d->sync = i;
		return 0;
	case K_SWITCHOVER:
		return parse_switchover(p, d, value);
	default:
		return plan_error(p, p->line, "internal error: key %d", key);
	}
}

static int parse_device_key(struct plan *p, enum plan_key key, char *value)
{
	struct hcx_device_conf *want = &p->want;
	unsigned long port;
	char buf[PATH_MAX + 32];
	char *end;

	switch (key) {
	case K_DEVICE:
		if (!ifname_ok(value))
			return plan_error(p, p->line, "invalid Device '%s' (an interface name)",
					  value);
		strcpy(p->dev.name, value);
		return 0;
	case K_PRIVATE_KEY_FILE:
		/* Keys only ever come from files, never from the plan itself. */
		if (!hcx_key_read(want->private_key, value,
				  where(p, p->line, buf, sizeof(buf))))
			return -1;
		want->has_private_key = true;
		return 0;
	case K_LISTEN_PORT:
		errno = 0;
		port = strtoul(value, &end, 10);
		if (!isdigit((unsigned char)*value) || *end || errno || port > 65535)
			return plan_error(p, p->line, "invalid ListenPort '%s' (0 to 65535)",
					  value);
		want->has_port = true;
		want->port = port;
		return 0;
	case K_RATE:
		return hcx_parse_rate_limit(value, &want->rate.bps,
					    where(p, p->line, buf, sizeof(buf))) ? 0 : -1;
	case K_RATE_WINDOW:
		return hcx_parse_rate_line(value, &want->rate,
					   where(p, p->line, buf, sizeof(buf))) ? 0 : -1;
	case K_DEDUP_CACHE:
		return hcx_parse_dedup_cache(value, &want->dedup_cache,
					     where(p, p->line, buf, sizeof(buf))) ? 0 : -1;
	case K_MSS_CLAMP:
		return hcx_parse_mss_clamp(value, &want->mss_clamp,
					   where(p, p->line, buf, sizeof(buf))) ? 0 : -1;
	case K_PUBLIC_KEY:
		if (!hcx_key_from_base64(want->peer_key, value))
			return plan_error(p, p->line, "invalid PublicKey '%s' (a base64 X25519 key)",
					  value);
		want->has_peer = want->has_peer_key = true;
		return 0;
	case K_ENDPOINT:
		if (!hcx_parse_endpoint(value, &want->endpoint,
					where(p, p->line, buf, sizeof(buf))))
			return -1;
		want->has_endpoint = true;
		return 0;
	case K_PSK_FILE:
		if (!hcx_key_read(want->psk, value, where(p, p->line, buf, sizeof(buf))))
			return -1;
		want->has_psk = true;
		return 0;
	case K_KEEPALIVE:
		if (!hcx_parse_keepalive(value, &want->keepalive))
			return plan_error(p, p->line, "invalid PersistentKeepalive '%s' (seconds, or off)",
					  value);
		return 0;
	default:
		return plan_error(p, p->line, "internal error: key %d", key);
	}
}

/* The keys' lines of the section being read. */
static unsigned int *section_at(struct plan *p, enum plan_section section)
{
	switch (section) {
	case SEC_NETWORK:
		return p->networks[p->nr_networks - 1].at;
	case SEC_DISK:
		return p->disks[p->nr_disks - 1].at;
	default:
		return p->at;
	}
}

static int parse_key(struct plan *p, enum plan_section section,
		     const char *key, char *value)
{
	unsigned int *at;
	int k;

	for (k = 0; k < K_COUNT; k++)
		if (!strcasecmp(key, plan_keys[k].name) &&
		    plan_keys[k].section == section)
			break;
	if (section == SEC_NONE)
		return plan_error(p, p->line, "key '%s' before any section", key);
	if (k == K_COUNT) {
		for (k = 0; k < K_COUNT; k++)
			if (!strcasecmp(key, plan_keys[k].name))
				return plan_error(p, p->line, "%s belongs in [%s], not [%s]",
						  plan_keys[k].name,
						  section_names[plan_keys[k].section],
						  section_names[section]);
		return plan_error(p, p->line, "unknown key '%s' in [%s]", key,
				  section_names[section]);
	}
	at = section_at(p, section);
	/* A device has several rate windows. */
	if (at[k] && k != K_RATE_WINDOW)
		return plan_error(p, p->line, "%s is given twice in [%s] (first at line %u)",
				  plan_keys[k].name, section_names[section], at[k]);
	at[k] = p->line;
	if (!*value)
		return plan_error(p, p->line, "%s without a value", plan_keys[k].name);
	switch (section) {
	case SEC_NETWORK:
		if (k == K_BRIDGE) {
			if (!ifname_ok(value))
				return plan_error(p, p->line, "invalid Bridge '%s' (an interface name)",
						  value);
			strcpy(p->networks[p->nr_networks - 1].bridge.name, value);
			return 0;
		}
		return parse_ports(p, &p->networks[p->nr_networks - 1], value);
	case SEC_DISK:
		return parse_disk_key(p, &p->disks[p->nr_disks - 1], k, value);
	default:
		return parse_device_key(p, k, value);
	}
}

/* The section a header opens; a new [Network] or [Disk] is added. */
static int open_section(struct plan *p, const char *header,
			enum plan_section *section)
{
	struct plan_network *net;
	struct plan_disk *disk;
	size_t len = strlen(header);
	int s;

	for (s = SEC_INTERCONNECT; s < (int)ARRAY_SIZE(section_names); s++)
		if (strlen(section_names[s]) == len - 2 &&
		    !strncasecmp(header + 1, section_names[s], len - 2))
			break;
	if (s == ARRAY_SIZE(section_names))
		return plan_error(p, p->line, "unknown section '%s'", header);
	*section = s;
	switch (s) {
	case SEC_INTERCONNECT:
	case SEC_PEER: {
		unsigned int *first = s == SEC_PEER ? &p->peer_line : &p->iface_line;

		if (*first)
			return plan_error(p, p->line, "a second [%s] (first at line %u): a plan has one",
					  section_names[s], *first);
		*first = p->line;
		return 0;
	}
	case SEC_NETWORK:
		net = realloc(p->networks, (p->nr_networks + 1) * sizeof(*net));
		if (!net)
			return plan_error(p, p->line, "out of memory");
		p->networks = net;
		net += p->nr_networks++;
		memset(net, 0, sizeof(*net));
		net->line = p->line;
		return 0;
	default:
		disk = realloc(p->disks, (p->nr_disks + 1) * sizeof(*disk));
		if (!disk)
			return plan_error(p, p->line, "out of memory");
		p->disks = disk;
		disk += p->nr_disks++;
		memset(disk, 0, sizeof(*disk));
		disk->line = p->line;
		disk->conf.role = -1;
		disk->conf.wanopt = (struct hcx_wanopt)HCX_WANOPT_INIT;
		disk->set_wanopt = (struct hcx_wanopt)HCX_WANOPT_INIT;
		return 0;
	}
}

static int read_file(struct plan *p, FILE *f)
{
	enum plan_section section = SEC_NONE;
	size_t size = 0;
	char *line = NULL, *s, *eq;
	int ret = 0;

	while (!ret && getline(&line, &size, f) >= 0) {
		p->line = ++p->lines;
		s = strchr(line, '#');
		if (s)
			*s = '\0';
		s = hcx_trim(line);
		if (!*s)
			continue;
		if (s[0] == '[' && s[strlen(s) - 1] == ']') {
			ret = open_section(p, s, &section);
			continue;
		}
		eq = strchr(s, '=');
		if (!eq) {
			ret = plan_error(p, p->line, "expected 'Key = Value' or a [Section]");
			continue;
		}
		*eq = '\0';
		ret = parse_key(p, section, hcx_trim(s), hcx_trim(eq + 1));
	}
	if (!ret && ferror(f))
		ret = plan_error(p, p->lines, "cannot read it: %s", strerror(errno));
	free(line);
	return ret;
}

/* A section's required KEYS, checked once the whole file is read. */
static int require(const struct plan *p, const unsigned int *at,
		   unsigned int line, enum plan_section section,
		   const enum plan_key *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!at[keys[i]])
			return plan_error(p, line, "[%s] without %s",
					  section_names[section],
					  plan_keys[keys[i]].name);
	return 0;
}

/* What the file cannot say by itself line by line. */
static int check_file(struct plan *p)
{
	static const enum plan_key iface_keys[] = { K_DEVICE, K_PRIVATE_KEY_FILE };
	static const enum plan_key net_keys[] = { K_BRIDGE };
	static const enum plan_key disk_keys[] = { K_NAME, K_BACKING, K_ROLE };
	unsigned char own[HCXREPL_KEY_LEN];
	unsigned int end = p->lines ?: 1;
	struct plan_network *net;
	struct plan_disk *d;
	size_t i, j, k;

	if (!p->iface_line)
		return plan_error(p, end, "missing [Interconnect]");
	if (require(p, p->at, p->iface_line, SEC_INTERCONNECT, iface_keys,
		    ARRAY_SIZE(iface_keys)))
		return -1;
	if (!p->peer_line)
		return plan_error(p, end, "missing peer: the plan has no [Peer]");
	if (!p->at[K_PUBLIC_KEY])
		return plan_error(p, p->peer_line, "missing peer: [Peer] without PublicKey");
	if (!p->at[K_ENDPOINT])
		return plan_error(p, p->peer_line, "[Peer] without Endpoint");
	if (crypto_scalarmult_base(own, p->want.private_key) == 0 &&
	    !memcmp(own, p->want.peer_key, sizeof(own)))
		return plan_error(p, p->at[K_PUBLIC_KEY],
				  "the peer's PublicKey is this site's own");

	for (i = 0; i < p->nr_networks; i++) {
		net = &p->networks[i];
		if (require(p, net->at, net->line, SEC_NETWORK, net_keys,
			    ARRAY_SIZE(net_keys)))
			return -1;
		/* A link is a port of one bridge at most: the device too. */
		if (i && !strcmp(net->bridge.name, p->networks[0].bridge.name))
			return plan_error(p, net->at[K_BRIDGE],
					  "bridge '%s' is planned twice (first at line %u)",
					  net->bridge.name, p->networks[0].at[K_BRIDGE]);
		if (i)
			return plan_error(p, net->line,
					  "a second [Network]: %s joins one bridge, '%s' (line %u)",
					  p->dev.name, p->networks[0].bridge.name,
					  p->networks[0].line);
		if (!strcmp(net->bridge.name, p->dev.name))
			return plan_error(p, net->at[K_BRIDGE],
					  "Bridge '%s' is the interconnect device",
					  net->bridge.name);
		for (j = 0; j < net->nr_ports; j++) {
			const char *port = net->ports[j].name;

			if (!strcmp(port, p->dev.name) || !strcmp(port, net->bridge.name))
				return plan_error(p, net->at[K_PORTS],
						  "port '%s' is the %s itself", port,
						  strcmp(port, p->dev.name) ? "bridge" :
						  "interconnect device, which joins anyway");
			for (k = 0; k < j; k++)
				if (!strcmp(port, net->ports[k].name))
					return plan_error(p, net->at[K_PORTS],
							  "port '%s' is named twice", port);
		}
	}

	for (i = 0; i < p->nr_disks; i++) {
		d = &p->disks[i];
		if (require(p, d->at, d->line, SEC_DISK, disk_keys,
			    ARRAY_SIZE(disk_keys)))
			return -1;
		for (k = 0; k < i; k++)
			if (!strcmp(p->disks[k].name, d->name))
				return plan_error(p, d->at[K_NAME],
						  "disk '%s' is planned twice (first at line %u)",
						  d->name, p->disks[k].at[K_NAME]);
		if (d->conf.role != HCXREPL_DISK_ROLE_TARGET)
			continue;
		if (d->at[K_SYNC])
			return plan_error(p, d->at[K_SYNC],
					  "Sync on target disk '%s': only a source syncs",
					  d->name);
		if (d->at[K_SWITCHOVER])
			return plan_error(p, d->at[K_SWITCHOVER],
					  "Switchover on target disk '%s': only a source switches over",
					  d->name);
		d->sync = SYNC_NONE;
	}
	return 0;
}

/* Phase 1, on this machine alone: the backing devices and the ports. */
static int check_backing(struct plan *p)
{
	struct plan_disk *d;
	struct stat st;
	size_t i, k;

	for (i = 0; i < p->nr_disks; i++) {
		d = &p->disks[i];
		if (stat(d->backing, &st) < 0)
			return plan_error(p, d->at[K_BACKING],
					  "backing device '%s' of disk '%s' %s",
					  d->backing, d->name, errno == ENOENT ?
					  "does not exist" : strerror(errno));
		if (!S_ISBLK(st.st_mode))
			return plan_error(p, d->at[K_BACKING],
					  "backing '%s' of disk '%s' is not a block device",
					  d->backing, d->name);
		d->real = realpath(d->backing, NULL);
		if (!d->real)
			return plan_error(p, d->at[K_BACKING], "backing '%s': %s",
					  d->backing, strerror(errno));
		for (k = 0; k < i; k++)
			if (!strcmp(p->disks[k].real, d->real))
				return plan_error(p, d->at[K_BACKING],
						  "backing '%s' is disk '%s''s too (line %u)",
						  d->backing, p->disks[k].name,
						  p->disks[k].at[K_BACKING]);
	}
	return 0;
}

/* Look L up; false (with a message at LINE) on an error but absence. */
static bool lookup_link(struct plan *p, struct plan_link *l, unsigned int line)
{
	int ret = hcx_link_get(&p->rt, l->name, &l->link);

	l->exists = !ret;
	if (ret && ret != -ENODEV) {
		plan_error(p, line, "cannot look '%s' up: %s", l->name,
			   hcx_genl_strerror(&p->rt, ret));
		return false;
	}
	return true;
}

/* The name of the link of IFINDEX, for messages. */
static const char *ifname_of(unsigned int ifindex, char *buf)
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IFNAMSIZ, "%u", ifindex);
	return buf;
}

/*
 * L is to be a port of BRIDGE (which may not exist yet): it must not be a
 * port of another one, which the plan would otherwise take it from.
 */
static int check_member(struct plan *p, struct plan_link *l,
			const struct plan_link *bridge, unsigned int line)
{
	char name[IFNAMSIZ];

	if (!l->exists) {
		l->join = l->up = true;
		return 0;
	}
	if (l->link.master && (!bridge->exists ||
			       l->link.master != bridge->link.ifindex))
		return plan_error(p, line, "'%s' is a port of '%s', not of '%s'",
				  l->name, ifname_of(l->link.master, name),
				  bridge->name);
	l->join = !l->link.master;
	l->up = !(l->link.flags & IFF_UP);
	return 0;
}

static int check_links(struct plan *p)
{
	struct plan_network *net;
	size_t i, j;

	if (!lookup_link(p, &p->dev, p->at[K_DEVICE]))
		return -1;
	if (p->dev.exists && strcmp(p->dev.link.kind, "hcxrepl"))
		return plan_error(p, p->at[K_DEVICE],
				  "'%s' exists and is not an hcxrepl device",
				  p->dev.name);
	p->dev.up = !p->dev.exists || !(p->dev.link.flags & IFF_UP);
	for (i = 0; i < p->nr_networks; i++) {
		net = &p->networks[i];
		if (!lookup_link(p, &net->bridge, net->at[K_BRIDGE]))
			return -1;
		if (net->bridge.exists && strcmp(net->bridge.link.kind, "bridge"))
			return plan_error(p, net->at[K_BRIDGE],
					  "'%s' exists and is not a bridge",
					  net->bridge.name);
		net->bridge.up = !net->bridge.exists ||
				 !(net->bridge.link.flags & IFF_UP);
		for (j = 0; j < net->nr_ports; j++) {
			if (!lookup_link(p, &net->ports[j], net->at[K_PORTS]))
				return -1;
			if (!net->ports[j].exists)
				return plan_error(p, net->at[K_PORTS],
						  "port '%s' does not exist",
						  net->ports[j].name);
			if (check_member(p, &net->ports[j], &net->bridge,
					 net->at[K_PORTS]))
				return -1;
		}
	}
	/* The device is a port of the plan's bridge, or of none. */
	if (p->nr_networks)
		return check_member(p, &p->dev, &p->networks[0].bridge,
				    p->networks[0].at[K_BRIDGE]);
	return 0;
}

static bool same_endpoint(const struct sockaddr_storage *a,
			  const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		       a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port == b6->sin6_port &&
	       !memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr));
}

/*
 * What of the device's configuration differs from the plan, into p->send.
 * A plan describes the whole peer: a pre-shared key or keepalive it leaves
 * out is none.
 */
static int check_device(struct plan *p)
{
	const struct hcx_device_conf *want = &p->want, *cur = &p->cur;
	struct hcx_device_conf *send = &p->send;
	int keepalive = want->keepalive < 0 ? 0 : want->keepalive;
	int ret;

	hcx_device_conf_init(&p->cur);
	if (p->dev.exists) {
		ret = hcx_device_read(&p->g, p->dev.name, &p->cur);
		if (ret)
			return plan_error(p, p->at[K_DEVICE], "cannot read '%s': %s",
					  p->dev.name, hcx_genl_strerror(&p->g, ret));
	}
	hcx_device_conf_init(send);
	if (!cur->has_private_key ||
	    sodium_memcmp(cur->private_key, want->private_key, HCXREPL_KEY_LEN)) {
		send->has_private_key = true;
		memcpy(send->private_key, want->private_key, HCXREPL_KEY_LEN);
	}
	if (want->has_port && (!cur->has_port || cur->port != want->port)) {
		send->has_port = true;
		send->port = want->port;
	}
	/* The plan's limit, none when it sets none (as a new device has). */
	if (!hcx_rate_equal(&cur->rate, &want->rate)) {
		send->has_rate = true;
		send->rate = want->rate;
	}
	/* Likewise the dedup cache, the default when it says none. */
	send->dedup_cache = want->dedup_cache ?: HCX_DEDUP_CACHE_DEFAULT;
	send->has_dedup_cache = send->dedup_cache !=
				(cur->has_dedup_cache ? cur->dedup_cache :
							HCX_DEDUP_CACHE_DEFAULT);
	/* And the MSS clamp: auto (0, the default) when it says none. */
	send->mss_clamp = want->mss_clamp;
	send->has_mss_clamp = send->mss_clamp !=
			      (cur->has_mss_clamp ? cur->mss_clamp :
						    HCXREPL_MSS_CLAMP_AUTO);
	memcpy(send->peer_key, want->peer_key, HCXREPL_KEY_LEN);
	send->has_peer_key = true;
	memcpy(&send->endpoint, &want->endpoint, sizeof(send->endpoint));
	if (!cur->has_peer || !cur->has_peer_key ||
	    memcmp(cur->peer_key, want->peer_key, HCXREPL_KEY_LEN)) {
		/* Another peer, or none: the plan's replaces it whole. */
		send->has_peer = send->replace_peer = true;
		send->has_endpoint = true;
		send->has_psk = want->has_psk;
		memcpy(send->psk, want->psk, HCXREPL_KEY_LEN);
		send->keepalive = keepalive;
		return 0;
	}
	if (!cur->has_endpoint || !same_endpoint(&cur->endpoint, &want->endpoint))
		send->has_endpoint = true;
	/* Zeroes are no pre-shared key: that is how one is taken away. */
	if (cur->has_psk != want->has_psk ||
	    sodium_memcmp(cur->psk, want->psk, HCXREPL_KEY_LEN)) {
		send->has_psk = true;
		memcpy(send->psk, want->psk, HCXREPL_KEY_LEN);
	}
	if (cur->keepalive != keepalive)
		send->keepalive = keepalive;
	send->has_peer = send->has_endpoint || send->has_psk ||
			 send->keepalive >= 0;
	return 0;
}

static const struct hcx_disk_info *find_disk(const struct plan *p,
					     const char *name)
{
	size_t i;

	for (i = 0; i < p->nr_cur_disks; i++)
		if (!strcmp(p->cur_disks[i].name, name))
			return &p->cur_disks[i];
	return NULL;
}

/* The zstd level a request leaves a disk with; 0 for other codecs. */
static int level_of(const struct hcx_wanopt *w)
{
	if (w->compress != HCXREPL_COMPRESS_ZSTD)
		return 0;
	return w->level ?: 3;
}

/* The options of an existing disk D that differ from the plan's. */
static bool options_differ(struct plan_disk *d)
{
	const struct hcx_wanopt *want = &d->conf.wanopt, *cur = &d->cur->wanopt;
	struct hcx_wanopt *set = &d->set_wanopt;

	if (d->conf.streams && d->conf.streams != d->cur->streams)
		d->set_streams = d->conf.streams;
	if (d->conf.priority && d->conf.priority != d->cur->priority)
		d->set_priority = d->conf.priority;
	if (want->dedup >= 0 && want->dedup != cur->dedup)
		set->dedup = want->dedup;
	if (want->compress >= 0 && (want->compress != cur->compress ||
				    level_of(want) != cur->level)) {
		set->compress = want->compress;
		set->level = want->compress == HCXREPL_COMPRESS_ZSTD ?
			     level_of(want) : 0;
	}
	return d->set_streams || d->set_priority || set->dedup >= 0 ||
	       set->compress >= 0;
}

/* The disk that holds backing REAL already, if any. */
static const struct hcx_disk_info *holder_of(const struct plan *p,
					     const char *real)
{
	const struct hcx_disk_info *found = NULL;
	char *other;
	size_t i;

	for (i = 0; i < p->nr_cur_disks && !found; i++) {
		other = realpath(p->cur_disks[i].backing, NULL);
		if (other && !strcmp(other, real))
			found = &p->cur_disks[i];
		free(other);
	}
	return found;
}

static int check_disk(struct plan *p, struct plan_disk *d)
{
	const struct hcx_disk_info *cur, *holder;
	char *real;
	bool same;
	int fd;

	cur = d->cur = find_disk(p, d->name);
	if (!cur) {
		holder = holder_of(p, d->real);
		if (holder)
			return plan_error(p, d->at[K_BACKING],
					  "backing '%s' of disk '%s' is held by disk '%s'",
					  d->backing, d->name, holder->name);
		/* Mounted, or claimed by another driver: disk add would fail. */
		fd = open(d->real, O_RDONLY | O_EXCL | O_CLOEXEC);
		if (fd < 0)
			return plan_error(p, d->at[K_BACKING],
					  "backing '%s' of disk '%s': %s",
					  d->backing, d->name,
					  errno == EBUSY ? "in use (mounted or held)" :
					  strerror(errno));
		close(fd);
		d->schedule = d->switchover_at != 0;
		return 0;
	}
	if (strcmp(cur->ifname, p->dev.name))
		return plan_error(p, d->at[K_NAME], "disk '%s' exists on '%s', not on '%s'",
				  d->name, cur->ifname, p->dev.name);
	real = realpath(cur->backing, NULL);
	same = real && !strcmp(real, d->real);
	free(real);
	if (!same)
		return plan_error(p, d->at[K_BACKING],
				  "disk '%s' exists with backing '%s', not '%s'",
				  d->name, cur->backing, d->backing);
	if (cur->role != d->conf.role)
		return plan_error(p, d->at[K_ROLE], "disk '%s' exists as %s, not %s",
				  d->name, hcx_disk_role_name(cur->role),
				  hcx_disk_role_name(d->conf.role));
	if (d->conf.chunk && cur->chunk != d->conf.chunk)
		return plan_error(p, d->at[K_CHUNK],
				  "disk '%s' exists with chunk %" PRIu32 ", not %" PRIu32,
				  d->name, cur->chunk, d->conf.chunk);
	/* A priority changes at any time; the other options do not. */
	if (options_differ(d) && cur->state != HCXREPL_DISK_STATE_IDLE &&
	    (d->set_streams || d->set_wanopt.dedup >= 0 ||
	     d->set_wanopt.compress >= 0))
		return plan_error(p, d->line,
				  "disk '%s' is %s: its options change between operations only",
				  d->name, hcx_disk_state_name(cur->state));
	/* A relative time would move on at every apply: it is kept. */
	d->schedule = d->switchover_at &&
		      (!cur->switchover_at ||
		       (!d->switchover_relative &&
			cur->switchover_at != d->switchover_at));
	return 0;
}

/* Phase 1: everything that could stop the plan, before anything changes. */
static int prepare(struct plan *p)
{
	size_t i;
	int ret;

	if (check_backing(p))
		return -1;
	if (hcx_nl_open(&p->rt, NETLINK_ROUTE) < 0)
		return -1;
	if (check_links(p))
		return -1;
	if (hcx_genl_open(&p->g) < 0)
		return -1;
	if (check_device(p))
		return -1;
	ret = hcx_disk_list(&p->g, NULL, &p->cur_disks, &p->nr_cur_disks);
	if (ret)
		return plan_error(p, p->disks ? p->disks[0].line : p->iface_line,
				  "cannot list the disks: %s",
				  hcx_genl_strerror(&p->g, ret));
	for (i = 0; i < p->nr_disks; i++)
		if (check_disk(p, &p->disks[i]))
			return -1;
	return 0;
}

/* A report line: parts joined by "; ", a part's items by ", ". */
struct report {
	char text[2048];
	size_t len;
};

static void __attribute__((format(printf, 3, 4)))
report_add(struct report *r, const char *sep, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->len >= sizeof(r->text) - 1)
		return;
	if (r->len && sep)
		r->len += snprintf(r->text + r->len, sizeof(r->text) - r->len,
				   "%s", sep);
	if (r->len >= sizeof(r->text) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->text + r->len, sizeof(r->text) - r->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->len += n;
	if (r->len > sizeof(r->text) - 1)
		r->len = sizeof(r->text) - 1;
}

static void report_print(const char *what, const char *name,
			 const struct report *r)
{
	printf("%s %s: %s\n", what, name, r->len ? r->text : "unchanged");
	fflush(stdout);
}

static const char *endpoint_text(const struct sockaddr_storage *ss, char *buf,
				 size_t len)
{
	const struct sockaddr_in *in4 = (const void *)ss;
	const struct sockaddr_in6 *in6 = (const void *)ss;
	char addr[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &in4->sin_addr, addr, sizeof(addr));
		snprintf(buf, len, "%s:%u", addr, ntohs(in4->sin_port));
	} else {
		inet_ntop(AF_INET6, &in6->sin6_addr, addr, sizeof(addr));
		snprintf(buf, len, "[%s]:%u", addr, ntohs(in6->sin6_port));
	}
	return buf;
}

/* "rate 200mbit, 08:00-18:00 50mbit" */
static void report_rate(struct report *r, const struct hcx_rate_limit *limit)
{
	char rate[HCX_RATE_TEXT_LEN], span[HCX_SPAN_TEXT_LEN];
	unsigned int i;

	hcx_rate_text(limit->bps, rate);
	report_add(r, ", ", "rate %s", rate);
	for (i = 0; i < limit->nr_windows; i++) {
		hcx_span_text(&limit->windows[i], span);
		hcx_rate_text(limit->windows[i].bps, rate);
		report_add(r, ", ", "%s %s", span, rate);
	}
}

static void describe_device(const struct plan *p, bool would,
			    struct report *r)
{
	const struct hcx_device_conf *send = &p->send;
	char key[HCX_KEY_B64_LEN], endpoint[INET6_ADDRSTRLEN + 8];
	char size[HCX_SIZE_TEXT_LEN], mss[HCX_MSS_TEXT_LEN];
	struct report items = { .len = 0 };

	if (!p->dev.exists)
		report_add(r, "; ", would ? "would be created" : "created");
	if (send->has_private_key)
		report_add(&items, ", ", "private key");
	if (send->has_port)
		report_add(&items, ", ", "listen port %u", send->port);
	if (send->has_rate)
		report_rate(&items, &send->rate);
	if (send->has_dedup_cache) {
		hcx_size_text(send->dedup_cache, size);
		report_add(&items, ", ", "dedup cache %s", size);
	}
	if (send->has_mss_clamp) {
		hcx_mss_clamp_text(send->mss_clamp, mss);
		report_add(&items, ", ", "mss clamp %s", mss);
	}
	endpoint_text(&send->endpoint, endpoint, sizeof(endpoint));
	if (send->replace_peer) {
		hcx_key_to_base64(key, send->peer_key);
		report_add(&items, ", ", "peer %s at %s", key, endpoint);
		if (send->has_psk)
			report_add(&items, ", ", "pre-shared key");
		if (send->keepalive > 0)
			report_add(&items, ", ", "persistent keepalive %d",
				   send->keepalive);
	} else {
		if (send->has_endpoint)
			report_add(&items, ", ", "endpoint %s", endpoint);
		if (send->has_psk)
			report_add(&items, ", ", "%s",
				   p->want.has_psk ? "pre-shared key" :
						     "no pre-shared key");
		if (send->keepalive > 0)
			report_add(&items, ", ", "persistent keepalive %d",
				   send->keepalive);
		else if (send->keepalive == 0)
			report_add(&items, ", ", "persistent keepalive off");
	}
	if (items.len)
		report_add(r, "; ", "%s %s", items.text,
			   would ? "would be set" : "set");
	if (p->dev.exists && p->dev.up)
		report_add(r, "; ", would ? "would be set up" : "set up");
}

static void describe_network(const struct plan *p,
			     const struct plan_network *net, bool would,
			     struct report *r)
{
	struct report joined = { .len = 0 }, up = { .len = 0 };
	size_t i;

	if (!net->bridge.exists)
		report_add(r, "; ", would ? "would be created" : "created");
	else if (net->bridge.up)
		report_add(r, "; ", would ? "would be set up" : "set up");
	if (p->dev.join)
		report_add(&joined, ", ", "%s", p->dev.name);
	for (i = 0; i < net->nr_ports; i++) {
		if (net->ports[i].join)
			report_add(&joined, ", ", "%s", net->ports[i].name);
		else if (net->ports[i].up)
			report_add(&up, ", ", "%s", net->ports[i].name);
	}
	if (joined.len)
		report_add(r, "; ", "%s %s", joined.text,
			   would ? "would join" : "joined");
	if (up.len)
		report_add(r, "; ", "%s %s", up.text,
			   would ? "would be set up" : "set up");
}

static void describe_disk(const struct plan_disk *d, bool would,
			  struct report *r)
{
	static const char *const started[] = {
		[SYNC_FULL] = "full sync",
		[SYNC_CHECKSUM] = "checksum sync",
		[SYNC_CONTINUOUS] = "continuous replication",
	};
	const struct hcx_wanopt *set = &d->set_wanopt;
	struct report items = { .len = 0 };
	char when[64];
	struct tm tm;

	if (!d->cur) {
		report_add(r, "; ", "%s as %s", would ? "would be added" : "added",
			   hcx_disk_role_name(d->conf.role));
		if (!would && d->cur_device[0])
			report_add(r, NULL, " (%s)", d->cur_device);
		if (d->sync != SYNC_NONE)
			report_add(r, "; ", "%s %s", started[d->sync],
				   would ? "would start" : "started");
	} else {
		if (d->set_streams)
			report_add(&items, ", ", "streams %u", d->set_streams);
		if (d->set_priority)
			report_add(&items, ", ", "priority %u", d->set_priority);
		if (set->dedup >= 0)
			report_add(&items, ", ", "dedup %s", set->dedup ? "on" : "off");
		if (set->compress == HCXREPL_COMPRESS_ZSTD)
			report_add(&items, ", ", "compress zstd:%d", set->level);
		else if (set->compress >= 0)
			report_add(&items, ", ", "compress %s",
				   hcx_compress_name(set->compress));
		if (items.len)
			report_add(r, "; ", "%s %s", items.text,
				   would ? "would be set" : "set");
	}
	if (d->schedule) {
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
			 localtime_r(&(time_t){ d->switchover_at }, &tm));
		report_add(r, "; ", "switchover at %s%s%s", when,
			   d->switchover_verify ? " with verify" : "",
			   would ? " would be scheduled" : "");
	}
}

/* Phase 2's failures: the kernel's reason, on one line. */
static int refused(struct plan *p, struct hcx_genl *g, unsigned int line,
		   const char *what, const char *name, int err)
{
	return plan_error(p, line, "%s %s: %s", what, name,
			  hcx_genl_strerror(g, err));
}

static int apply_device(struct plan *p)
{
	struct report r = { .len = 0 };
	int ret;

	describe_device(p, false, &r);
	if (!p->dev.exists) {
		ret = hcx_link_create(&p->rt, p->dev.name, "hcxrepl");
		if (ret)
			return refused(p, &p->rt, p->iface_line, "interconnect",
				       p->dev.name, ret);
		ret = hcx_link_get(&p->rt, p->dev.name, &p->dev.link);
		if (ret)
			return refused(p, &p->rt, p->iface_line, "interconnect",
				       p->dev.name, ret);
	}
	if (p->send.has_private_key || p->send.has_port || p->send.has_peer ||
	    p->send.has_rate || p->send.has_dedup_cache ||
	    p->send.has_mss_clamp) {
		ret = hcx_device_send(&p->g, p->dev.name, &p->send);
		if (ret)
			return refused(p, &p->g, p->iface_line, "interconnect",
				       p->dev.name, ret);
	}
	/* Set up once configured: it listens on its own port from the start. */
	if (p->dev.up) {
		ret = hcx_link_join_up(&p->rt, p->dev.link.ifindex, 0);
		if (ret)
			return refused(p, &p->rt, p->iface_line, "interconnect",
				       p->dev.name, ret);
	}
	report_print("interconnect", p->dev.name, &r);
	return 0;
}

static int apply_network(struct plan *p, struct plan_network *net)
{
	struct plan_link *bridge = &net->bridge;
	struct report r = { .len = 0 };
	size_t i;
	int ret;

	describe_network(p, net, false, &r);
	if (!bridge->exists) {
		ret = hcx_link_create(&p->rt, bridge->name, "bridge");
		if (!ret)
			ret = hcx_link_get(&p->rt, bridge->name, &bridge->link);
		if (ret)
			return refused(p, &p->rt, net->line, "network",
				       bridge->name, ret);
	}
	if (bridge->up) {
		ret = hcx_link_join_up(&p->rt, bridge->link.ifindex, 0);
		if (ret)
			return refused(p, &p->rt, net->line, "network",
				       bridge->name, ret);
	}
	/* apply_device() set it up already. */
	if (p->dev.join) {
		ret = hcx_link_join_up(&p->rt, p->dev.link.ifindex,
				       bridge->link.ifindex);
		if (ret)
			return refused(p, &p->rt, net->line, "network",
				       bridge->name, ret);
	}
	for (i = 0; i < net->nr_ports; i++) {
		struct plan_link *port = &net->ports[i];

		if (!port->join && !port->up)
			continue;
		ret = hcx_link_join_up(&p->rt, port->link.ifindex,
				       port->join ? bridge->link.ifindex : 0);
		if (ret)
			return refused(p, &p->rt, net->at[K_PORTS], "network",
				       bridge->name, ret);
	}
	report_print("network", bridge->name, &r);
	return 0;
}

/* Add D, start its sync; its tracking device's path for the report. */
static int add_disk(struct plan *p, struct plan_disk *d)
{
	struct hcx_disk_info *disks;
	size_t i, n;
	int ret;

	/* Not at parse time: the array of disks moves as the plan grows. */
	d->conf.name = d->name;
	d->conf.ifindex = p->dev.link.ifindex;
	ret = hcx_disk_new(&p->g, &d->conf);
	if (ret)
		return ret;
	/* Its tracking device, for the report: this disk alone. */
	if (!hcx_disk_list(&p->g, d->name, &disks, &n)) {
		for (i = 0; i < n; i++)
			snprintf(d->cur_device, sizeof(d->cur_device), "%s",
				 disks[i].device);
		hcx_disk_list_free(disks, n);
	}
	switch (d->sync) {
	case SYNC_FULL:
		return hcx_disk_act(&p->g, d->name, HCXREPL_DISK_ACTION_SYNC,
				    HCXREPL_SYNC_KIND_FULL, 0, false);
	case SYNC_CHECKSUM:
		return hcx_disk_act(&p->g, d->name, HCXREPL_DISK_ACTION_SYNC,
				    HCXREPL_SYNC_KIND_CHECKSUM, 0, false);
	case SYNC_CONTINUOUS:
		return hcx_disk_act(&p->g, d->name,
				    HCXREPL_DISK_ACTION_REPLICATE_ON, -1, 0,
				    false);
	default:
		return 0;
	}
}

static int apply_disk(struct plan *p, struct plan_disk *d)
{
	const struct hcx_wanopt *set = &d->set_wanopt;
	struct report r = { .len = 0 };
	int ret = 0;

	if (!d->cur)
		ret = add_disk(p, d);
	else if (d->set_streams || d->set_priority || set->dedup >= 0 ||
		 set->compress >= 0)
		ret = hcx_disk_set_options(&p->g, d->name, d->set_streams,
					   d->set_priority, set);
	if (!ret && d->schedule)
		ret = hcx_disk_act(&p->g, d->name, HCXREPL_DISK_ACTION_SWITCHOVER,
				   -1, d->switchover_at, d->switchover_verify);
	if (ret)
		return refused(p, &p->g, d->line, "disk", d->name, ret);
	describe_disk(d, false, &r);
	report_print("disk", d->name, &r);
	return 0;
}

static int apply(struct plan *p)
{
	size_t i;

	if (apply_device(p))
		return -1;
	for (i = 0; i < p->nr_networks; i++)
		if (apply_network(p, &p->networks[i]))
			return -1;
	for (i = 0; i < p->nr_disks; i++)
		if (apply_disk(p, &p->disks[i]))
			return -1;
	return 0;
}

static void check(const struct plan *p)
{
	struct report r;
	size_t i;

	r.len = 0;
	describe_device(p, true, &r);
	report_print("interconnect", p->dev.name, &r);
	for (i = 0; i < p->nr_networks; i++) {
		r.len = 0;
		describe_network(p, &p->networks[i], true, &r);
		report_print("network", p->networks[i].bridge.name, &r);
	}
	for (i = 0; i < p->nr_disks; i++) {
		r.len = 0;
		describe_disk(&p->disks[i], true, &r);
		report_print("disk", p->disks[i].name, &r);
	}
}

static void plan_free(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->nr_networks; i++)
		free(p->networks[i].ports);
	free(p->networks);
	for (i = 0; i < p->nr_disks; i++) {
		free(p->disks[i].backing);
		free(p->disks[i].real);
	}
	free(p->disks);
	hcx_disk_list_free(p->cur_disks, p->nr_cur_disks);
	if (p->g.sock)
		hcx_genl_close(&p->g);
	if (p->rt.sock)
		hcx_genl_close(&p->rt);
	/* The keys: the plan's, the device's, and what was to be sent. */
	sodium_memzero(&p->want, sizeof(p->want));
	sodium_memzero(&p->cur, sizeof(p->cur));
	sodium_memzero(&p->send, sizeof(p->send));
}

int hcx_cmd_plan(int argc, char **argv, const struct hcx_options *opt)
{
	struct plan p = { 0 };
	bool apply_it;
	FILE *f;
	int ret;

	(void)opt;
	if (argc != 3 || (strcmp(argv[1], "apply") && strcmp(argv[1], "check"))) {
		fprintf(stderr, "hcxrepl: plan: say apply or check, and a file (hcxrepl plan apply|check FILE)\n");
		return 1;
	}
	apply_it = !strcmp(argv[1], "apply");
	p.path = argv[2];
	f = strcmp(p.path, "-") ? fopen(p.path, "r") : stdin;
	if (!f) {
		fprintf(stderr, "hcxrepl: plan: cannot open '%s': %s\n", p.path,
			strerror(errno));
		return 1;
	}
	hcx_device_conf_init(&p.want);
	ret = read_file(&p, f);
	if (f != stdin)
		fclose(f);
	if (!ret)
		ret = check_file(&p);
	if (!ret)
		ret = prepare(&p);
	if (!ret && apply_it)
		ret = apply(&p);
	else if (!ret)
		check(&p);
	plan_free(&p);
	return ret ? 1 : 0;
}
