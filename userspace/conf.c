// SPDX-License-Identifier: GPL-2.0
/*
 * setconf: apply a configuration file in the format showconf prints, as
 * wg(8) does.  The file describes the whole device: a peer it does not
 * name is removed, and what its [Peer] leaves out is reset.
 */

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "device.h"
#include "key.h"

enum section { NONE, INTERFACE, PEER };

char *hcx_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* One "Key = Value" line of SECTION into CONF; false with a message. */
static bool parse_line(struct hcx_device_conf *conf, enum section section,
		       const char *key, const char *value, const char *where)
{
	unsigned long port;
	char *end;

	if (section == INTERFACE && !strcasecmp(key, "PrivateKey")) {
		conf->has_private_key = hcx_key_from_base64(conf->private_key, value);
		if (conf->has_private_key)
			return true;
	} else if (section == INTERFACE && !strcasecmp(key, "ListenPort")) {
		errno = 0;
		port = strtoul(value, &end, 10);
		if (*value && !*end && !errno && port <= 65535) {
			conf->port = port;
			return true;
		}
	} else if (section == INTERFACE && !strcasecmp(key, "Rate")) {
		return hcx_parse_rate_limit(value, &conf->rate.bps, where);
	} else if (section == INTERFACE && !strcasecmp(key, "RateWindow")) {
		return hcx_parse_rate_line(value, &conf->rate, where);
	} else if (section == INTERFACE && !strcasecmp(key, "DedupCache")) {
		return hcx_parse_dedup_cache(value, &conf->dedup_cache, where);
	} else if (section == INTERFACE && !strcasecmp(key, "MssClamp")) {
		return hcx_parse_mss_clamp(value, &conf->mss_clamp, where);
	} else if (section == PEER && !strcasecmp(key, "PublicKey")) {
		conf->has_peer_key = hcx_key_from_base64(conf->peer_key, value);
		if (conf->has_peer_key)
			return true;
	} else if (section == PEER && !strcasecmp(key, "PresharedKey")) {
		conf->has_psk = hcx_key_from_base64(conf->psk, value);
		if (conf->has_psk)
			return true;
	} else if (section == PEER && !strcasecmp(key, "Endpoint")) {
		conf->has_endpoint = hcx_parse_endpoint(value, &conf->endpoint,
							where);
		return conf->has_endpoint;
	} else if (section == PEER && !strcasecmp(key, "PersistentKeepalive")) {
		if (hcx_parse_keepalive(value, &conf->keepalive))
			return true;
	} else {
		fprintf(stderr, "hcxrepl: %s: unknown key '%s'%s\n", where, key,
			section == NONE ? " before any section" : "");
		return false;
	}
	fprintf(stderr, "hcxrepl: %s: invalid %s\n", where, key);
	return false;
}

static bool parse_file(FILE *f, const char *path, struct hcx_device_conf *conf)
{
	enum section section = NONE;
	bool seen[3] = { false };
	char line[512], where[300];
	unsigned int n = 0;
	char *s, *eq;

	while (fgets(line, sizeof(line), f)) {
		n++;
		snprintf(where, sizeof(where), "setconf: %s:%u", path, n);
		s = strchr(line, '#');
		if (s)
			*s = '\0';
		s = hcx_trim(line);
		if (!*s)
			continue;
		if (!strcasecmp(s, "[Interface]") || !strcasecmp(s, "[Peer]")) {
			section = !strcasecmp(s, "[Peer]") ? PEER : INTERFACE;
			if (seen[section]) {
				fprintf(stderr, "hcxrepl: %s: a second %s (a device has one peer)\n",
					where, s);
				return false;
			}
			seen[section] = true;
			continue;
		}
		eq = strchr(s, '=');
		if (!eq) {
			fprintf(stderr, "hcxrepl: %s: expected 'Key = Value' or a section\n",
				where);
			return false;
		}
		*eq = '\0';
		if (!parse_line(conf, section, hcx_trim(s), hcx_trim(eq + 1), where))
			return false;
	}
	sodium_memzero(line, sizeof(line));
	if (seen[PEER] && !conf->has_peer_key) {
		fprintf(stderr, "hcxrepl: setconf: %s: [Peer] without PublicKey\n",
			path);
		return false;
	}
	conf->has_port = true;
	conf->has_rate = true;
	if (!conf->dedup_cache)
		conf->dedup_cache = HCX_DEDUP_CACHE_DEFAULT;
	conf->has_dedup_cache = true;
	/* Zero-initialised: auto, the default, where the file says nothing. */
	conf->has_mss_clamp = true;
	conf->has_peer = true;
	if (seen[PEER])
		conf->replace_peer = true;
	else
		conf->peer_remove = true;
	return true;
}

int hcx_cmd_setconf(int argc, char **argv, const struct hcx_options *opt)
{
	struct hcx_device_conf conf;
	bool ok;
	FILE *f;

	(void)opt;
	if (argc != 3) {
		fprintf(stderr, "hcxrepl: setconf: want a device and a file (hcxrepl setconf DEV FILE)\n");
		return 1;
	}
	f = strcmp(argv[2], "-") ? fopen(argv[2], "r") : stdin;
	if (!f) {
		fprintf(stderr, "hcxrepl: setconf: cannot open '%s': %s\n",
			argv[2], strerror(errno));
		return 1;
	}
	hcx_device_conf_init(&conf);
	ok = parse_file(f, argv[2], &conf);
	if (f != stdin)
		fclose(f);
	if (!ok) {
		sodium_memzero(&conf, sizeof(conf));
		return 1;
	}
	return hcx_device_apply(argv[1], &conf, "setconf");
}
