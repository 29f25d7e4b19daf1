/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The replication pool of a device pair: the connections (lanes) that
 * every source disk of one interconnect device shares.
 */
#ifndef _HCX_POOL_H
#define _HCX_POOL_H

#include <linux/types.h>

struct hcx_disk;
struct hcx_encoder;
struct hcx_pool;
struct hcx_wanopt_conf;
struct net;

/* Lanes of a pool, at most: its connections to the peer. */
#define HCX_POOL_LANES		16

struct hcx_pool *hcx_pool_get(struct net *net, const char *ifname);
void hcx_pool_put(struct hcx_pool *pool);
void hcx_pool_ready(struct hcx_pool *pool, struct hcx_disk *disk);
void hcx_pool_unready(struct hcx_pool *pool, struct hcx_disk *disk);
void hcx_pool_kick(struct hcx_pool *pool);
bool hcx_pool_connected(struct hcx_pool *pool);
int hcx_pool_dedup_prepare(struct hcx_pool *pool);
struct hcx_encoder *hcx_pool_encoder_get(struct hcx_pool *pool,
					 const struct hcx_wanopt_conf *conf,
					 u32 chunk_bytes);
void hcx_pool_encoder_put(struct hcx_encoder *enc);
int hcx_pool_dedup_resize(struct net *net, const char *ifname, u64 cap);
int hcx_pool_promote(struct hcx_disk *disk);

#endif /* _HCX_POOL_H */
