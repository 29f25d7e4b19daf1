/* SPDX-License-Identifier: GPL-2.0 */
/*
 * WAN optimization: how the blocks of a chunk travel (as zeroes, as
 * references to the target's copy, or literally, compressed), the source's
 * deduplication index, and the codecs.
 */
#ifndef _HCX_WANOPT_H
#define _HCX_WANOPT_H

#include <linux/list.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/zstd.h>
#include <uapi/linux/hcxrepl.h>

#include "messages.h"

/* Blocks of the largest chunk. */
#define HCX_BLOCKS_MAX		(SZ_1M >> HCX_BLOCK_SHIFT)

#define HCX_DEDUP_CACHE_DEFAULT	SZ_64M
#define HCX_DEDUP_CACHE_MIN	SZ_1M
/*
 * Kernel memory, per device pair, its table (up to an eleventh of it)
 * allocated whole: 1 GiB remembers some 45 GiB of the target's blocks
 * (design.rst).
 */
#define HCX_DEDUP_CACHE_MAX	SZ_1G
/* A record waits this long at most for older ones' answers. */
#define HCX_DEDUP_CLAIM_WAIT	HZ
#define HCX_ZSTD_LEVEL_DEFAULT	3

/**
 * struct hcx_wanopt_conf - a disk's options
 * @dedup: send blocks the target holds as references
 * @compress: the codec of literal blocks
 * @level: the zstd level
 */
struct hcx_wanopt_conf {
	bool dedup;
	enum hcxrepl_compress compress;
	int level;
};

/**
 * struct hcx_blocks - what the blocks of a chunk are
 * @n: how many blocks the chunk has
 * @kinds: for each, an enum hcx_block_kind
 * @hashes: for each, its SHA-256 (when the scan was asked for hashes)
 */
struct hcx_blocks {
	unsigned int n;
	u8 kinds[HCX_BLOCKS_MAX];
	u8 hashes[][HCX_HASH_LEN];
};

/* Bytes of a struct hcx_blocks for chunks of CHUNK_BYTES. */
static inline size_t hcx_blocks_size(u32 chunk_bytes)
{
	return sizeof(struct hcx_blocks) +
	       (chunk_bytes >> HCX_BLOCK_SHIFT) * HCX_HASH_LEN;
}

static inline u32 hcx_block_len(u32 chunk_len, unsigned int i)
{
	return min_t(u32, HCX_BLOCK_SIZE, chunk_len - (i << HCX_BLOCK_SHIFT));
}

void hcx_blocks_scan(const u8 *bytes, u32 len, struct hcx_blocks *b,
		     bool hash);
void hcx_blocks_digest(const struct hcx_blocks *b, u8 *digest);
void hcx_run_digest(const u8 *bytes, u32 len, u8 *digest);

/* The block after the run of references starting at block I of N. */
static inline unsigned int hcx_run_end(const u8 *kinds, unsigned int n,
				       unsigned int i)
{
	while (++i < n && kinds[i] == HCX_BLOCK_RUN)
		;
	return i;
}

/**
 * struct hcx_block_at - where the target holds a block
 * @disk: the target disk's number there, which its welcome gave
 * @pos: the block's byte position on it
 */
struct hcx_block_at {
	u32 disk;
	u64 pos;
};

/**
 * struct hcx_dedup - the source's index of what the target holds
 * @lock: guards the rest; a tiny critical section per lookup or change
 * @claims: records waiting for another's answer (hcx_dedup_use())
 * @buckets: the hash table, NULL until sized
 * @bits: log2 of its size
 * @lru: entries, most recently used first
 * @count: entries
 * @max: entries the memory cap allows
 * @cap: the memory cap it was sized for
 *
 * One index serves every disk of a device pair (pool.c), so a block any
 * of them brought to the target travels as a reference for the others.
 * Entries come and go under @lock, and so do the table and its size: an
 * index emptied or resized under its users finds nothing meanwhile.
 */
struct hcx_dedup {
	spinlock_t lock; /* buckets' chains, lru, count, sizes */
	wait_queue_head_t claims;
	struct hlist_head *buckets;
	unsigned int bits;
	struct list_head lru;
	unsigned long count;
	unsigned long max;
	u64 cap;
};

void hcx_dedup_init(struct hcx_dedup *d);
size_t hcx_dedup_entry_size(void);
int hcx_dedup_resize(struct hcx_dedup *d, u64 cap_bytes);
void hcx_dedup_free(struct hcx_dedup *d);
bool hcx_dedup_find(struct hcx_dedup *d, const u8 *hash,
		    struct hcx_block_at *at);
void hcx_dedup_add(struct hcx_dedup *d, const u8 *hash,
		   const struct hcx_block_at *at);
void hcx_dedup_forget(struct hcx_dedup *d, const u8 *hash,
		      const struct hcx_block_at *at);
bool hcx_dedup_use(struct hcx_dedup *d, const u8 *hash,
		   const struct hcx_block_at *here, u64 seq,
		   unsigned long until, struct hcx_block_at *at);
void hcx_dedup_unclaim(struct hcx_dedup *d, const u8 *hash, u64 seq);

/**
 * struct hcx_encoder - what threads encoding with one set of options share
 * @compress: the codec
 * @params: the zstd parameters
 * @size: the size of a workspace of the codec
 * @lock: guards @idle, @count and @max
 * @idle: the workspaces no thread holds
 * @count: the workspaces allocated
 * @max: how many there may be: one per CPU, since no more can compress at
 *	once (zstd's take up to 17 MiB each)
 * @wait: threads waiting for a workspace
 *
 * Workspaces are allocated when first needed, and all freed together.
 */
struct hcx_encoder {
	enum hcxrepl_compress compress;
	zstd_parameters params;
	size_t size;
	spinlock_t lock; /* the workspaces' list and counts */
	struct list_head idle;
	unsigned int count;
	unsigned int max;
	wait_queue_head_t wait;
};

/**
 * struct hcx_encoding - how a chunk travelled, for the counters
 * @zero: bytes of zero blocks
 * @dedup: bytes of referenced blocks
 * @literal: bytes of literal blocks
 * @stored: bytes of the literal section, compressed or not
 */
struct hcx_encoding {
	u32 zero;
	u32 dedup;
	u32 literal;
	u32 stored;
};

int hcx_encoder_init(struct hcx_encoder *enc,
		     const struct hcx_wanopt_conf *conf, u32 chunk_bytes);
void hcx_encoder_free(struct hcx_encoder *enc);
size_t hcx_data_max(u32 chunk_bytes);
u32 hcx_compress_limit(u32 literal);
size_t hcx_encode(struct hcx_encoder *enc, struct hcx_dedup *dedup,
		  const struct hcx_block_at *here, u64 seq, u64 chunk,
		  u8 *bytes, u32 len, struct hcx_blocks *b,
		  struct hcx_rec_data *rec, struct hcx_encoding *how);

/**
 * struct hcx_data_view - a data record, checked
 * @chunk: the chunk
 * @len: its bytes
 * @n: its blocks
 * @kinds: one per block
 * @refs: the references, in block order
 * @nrefs: how many
 * @codec: the literal section's
 * @literal: the literal section
 * @how: the bytes of each kind of block, and of the literal section
 */
struct hcx_data_view {
	u64 chunk;
	u32 len;
	unsigned int n;
	const u8 *kinds;
	const struct hcx_block_ref *refs;
	unsigned int nrefs;
	u8 codec;
	const u8 *literal;
	struct hcx_encoding how;
};

/**
 * struct hcx_decoder - what one connection needs to decode chunks
 * @wrkmem: the zstd workspace, allocated at the first zstd record
 * @dctx: the zstd context in it
 */
struct hcx_decoder {
	void *wrkmem;
	zstd_dctx *dctx;
};

int hcx_data_parse(const struct hcx_rec_data *rec, size_t len,
		   struct hcx_data_view *v);
int hcx_data_expand(struct hcx_decoder *dec, const struct hcx_data_view *v,
		    u8 *out);
void hcx_decoder_free(struct hcx_decoder *dec);

int hcx_wanopt_init(void);
void hcx_wanopt_uninit(void);

#endif /* _HCX_WANOPT_H */
