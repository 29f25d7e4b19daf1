/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interconnect device commands of the CLI.
 */
#ifndef HCX_DEVICE_H
#define HCX_DEVICE_H

#include <linux/hcxrepl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "rate.h"

struct hcx_options {
	bool json;	/* -j: JSON output */
	bool stats;	/* -s: statistics */
};

/* A device configuration to send: what set and setconf change. */
struct hcx_device_conf {
	bool has_private_key;
	unsigned char private_key[HCXREPL_KEY_LEN];
	bool has_port;
	uint16_t port;
	bool has_peer;		/* the fields below are meaningful */
	bool replace_peer;	/* what the peer leaves out is reset */
	bool peer_remove;
	bool has_peer_key;
	unsigned char peer_key[HCXREPL_KEY_LEN];
	bool has_psk;
	unsigned char psk[HCXREPL_KEY_LEN];
	bool has_endpoint;
	struct sockaddr_storage endpoint;
	int keepalive;		/* -1: leave it */
	bool has_rate;		/* the replication rate limit, whole */
	struct hcx_rate_limit rate;
	bool has_dedup_cache;	/* the memory cap of the disks' dedup index */
	uint64_t dedup_cache;
	bool has_mss_clamp;	/* HCXREPL_MSS_CLAMP_AUTO, _OFF or an MSS */
	uint16_t mss_clamp;
};

/* What a device's dedup index may take unless told (the module's too). */
#define HCX_DEDUP_CACHE_DEFAULT	(64ULL << 20)
/* Longest text of a size ("18446744073709551615"), NUL included. */
#define HCX_SIZE_TEXT_LEN	24

/* A dedup cache from 1M to 1G; print why not (WHERE: the command). */
bool hcx_parse_dedup_cache(const char *text, uint64_t *out, const char *where);
/* An MSS clamp: auto, off, or 536 to 65535; print why not (WHERE). */
bool hcx_parse_mss_clamp(const char *text, uint16_t *out, const char *where);
/* Longest text of an MSS clamp ("65534"), NUL included. */
#define HCX_MSS_TEXT_LEN	6
/* An MSS clamp as hcx_parse_mss_clamp() reads it back. */
void hcx_mss_clamp_text(uint16_t clamp, char out[HCX_MSS_TEXT_LEN]);
/* BYTES as the shortest text hcx_parse_size() reads back: "64M". */
void hcx_size_text(uint64_t bytes, char out[HCX_SIZE_TEXT_LEN]);

void hcx_device_conf_init(struct hcx_device_conf *conf);
/* Parse HOST:PORT or [HOST]:PORT; print why it failed (WHAT: the command). */
bool hcx_parse_endpoint(const char *text, struct sockaddr_storage *out,
			const char *what);
bool hcx_parse_keepalive(const char *text, int *out);
struct hcx_genl;
/*
 * Read DEV's configuration, keys included, into CONF in the form a request
 * takes: has_port, has_rate, has_dedup_cache and has_mss_clamp always, has_peer and the peer's fields when
 * it has one, keepalive 0 when off.  Return: 0, or a negative errno (G's extack set).
 */
int hcx_device_read(struct hcx_genl *g, const char *dev,
		    struct hcx_device_conf *conf);
/*
 * Send CONF to DEV over G, then wipe CONF.  Return: 0, or a negative errno
 * (G's extack set).
 */
int hcx_device_send(struct hcx_genl *g, const char *dev,
		    struct hcx_device_conf *conf);
/* Send CONF to DEV; print the kernel's reason on failure (WHAT: command). */
int hcx_device_apply(const char *dev, struct hcx_device_conf *conf,
		     const char *what);

/* S without its leading and trailing whitespace, cut in place (conf.c). */
char *hcx_trim(char *s);

int hcx_cmd_show(int argc, char **argv, const struct hcx_options *opt);
int hcx_cmd_set(int argc, char **argv, const struct hcx_options *opt);
int hcx_cmd_showconf(int argc, char **argv, const struct hcx_options *opt);
int hcx_cmd_setconf(int argc, char **argv, const struct hcx_options *opt);

#endif /* HCX_DEVICE_H */
