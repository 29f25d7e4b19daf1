/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Disk commands of the CLI, and the parsers and requests under them that
 * plans reuse.
 */
#ifndef HCX_DISK_H
#define HCX_DISK_H

#include <linux/hcxrepl.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"

struct hcx_genl;

/* The WAN-optimization options of disk add and disk set; -1: not given. */
struct hcx_wanopt {
	int dedup;
	int compress;
	int level;			/* 0: not given */
};

#define HCX_WANOPT_INIT { .dedup = -1, .compress = -1 }

/*
 * What disk add sends; 0 (chunk, streams, priority) and -1 (wanopt) leave
 * defaults.
 */
struct hcx_disk_conf {
	const char *name;
	unsigned int ifindex;
	int role;
	const char *backing;
	uint32_t chunk;
	uint8_t streams;
	uint8_t priority;
	struct hcx_wanopt wanopt;
};

/* A disk as disk-get reports it. */
struct hcx_disk_info {
	char name[HCXREPL_DISK_NAME_MAX];
	char device[64];		/* the tracking device's path */
	char *backing;			/* as given to disk add; allocated */
	char ifname[IF_NAMESIZE];	/* its interconnect device */
	uint8_t role;
	uint8_t state;
	uint32_t chunk;
	uint8_t streams;
	uint8_t priority;
	struct hcx_wanopt wanopt;	/* every field given; level 0 unless zstd */
	uint64_t switchover_at;		/* 0: none scheduled */
};

/* Parsers of the command's words; they print nothing. */
/* A number of bytes, or with a K, M or G suffix (KiB, MiB, GiB). */
bool hcx_parse_size(const char *text, uint64_t *out);
/* 1 to 16. */
bool hcx_parse_streams(const char *text, uint8_t *out);
/* 1 to 9. */
bool hcx_parse_priority(const char *text, uint8_t *out);
/* "lz4", "zstd", "zstd:LEVEL" or "none" into W's compress and level. */
bool hcx_parse_compress(const char *text, struct hcx_wanopt *w);
/* HH:MM[:SS] (the next such instant), +N[s|m|h] or @EPOCH: seconds. */
bool hcx_parse_time(const char *text, uint64_t *out);

const char *hcx_disk_role_name(unsigned int role);
int hcx_disk_role_lookup(const char *word);	/* -1: neither */
const char *hcx_disk_state_name(unsigned int state);
const char *hcx_compress_name(unsigned int compress);

/*
 * Requests over an open conversation G.  Return: 0, or a negative errno
 * with the kernel's explanation in G (hcx_genl_strerror()).
 */
int hcx_disk_new(struct hcx_genl *g, const struct hcx_disk_conf *conf);
/* STREAMS and PRIORITY 0 leave them. */
int hcx_disk_set_options(struct hcx_genl *g, const char *name,
			 uint8_t streams, uint8_t priority,
			 const struct hcx_wanopt *w);
/* ACTION with a sync KIND (-1: none), a switchover time WHEN (0: none). */
int hcx_disk_act(struct hcx_genl *g, const char *name, uint8_t action,
		 int kind, uint64_t when, bool verify);
/*
 * Every disk of the namespace, or the one named NAME; free them with
 * hcx_disk_list_free().
 */
int hcx_disk_list(struct hcx_genl *g, const char *name,
		  struct hcx_disk_info **disks, size_t *n);
void hcx_disk_list_free(struct hcx_disk_info *disks, size_t n);

int hcx_cmd_disk(int argc, char **argv, const struct hcx_options *opt);
int hcx_cmd_monitor(int argc, char **argv, const struct hcx_options *opt);

#endif /* HCX_DISK_H */
