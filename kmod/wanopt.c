// SPDX-License-Identifier: GPL-2.0
/*
 * WAN optimization of the replication channel.
 *
 * A chunk travels as blocks of HCX_BLOCK_SIZE bytes, each zero, a
 * reference, or literal; the literal blocks travel together, compressed
 * when that saves at least an eighth of their bytes (messages.h, and
 * protocol.rst "Data records").  Dedup, then compression, then sealing.
 *
 * The source's index, one per device pair, maps the SHA-256 of a block to
 * a disk and position where the target holds those bytes: blocks it
 * acknowledged as written, and blocks of chunks a checksum pass found the
 * same; or to a record in flight that carries them there (a claim), whose
 * answer younger records wait for rather than send the bytes again.  The
 * index may be stale, since the target's copies change behind it; the
 * target checks every reference against the bytes it reads before it uses
 * them, and answers HCX_ACK_STALE when one does not match.  So a stale
 * index costs a round trip, never a wrong byte; and it is only ever a
 * hint, so an entry that cannot be allocated is simply not kept.
 *
 * Locking: a decoder belongs to one thread.  An encoder is shared by the
 * threads encoding the chunks of the disks whose operations have the same
 * options (pool.c): its workspaces, one per CPU at most, are handed out
 * under its spinlock for one compression each, and freed only while no
 * thread encodes.  The index's table, entries and LRU list
 * are under its spinlock, which is dropped to allocate and to wait.
 */

#include <crypto/sha2.h>
#include <kunit/visibility.h>
#include <linux/cpumask.h>
#include <linux/lz4.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "compat.h"
#include "wanopt.h"

/**
 * struct hcx_dedup_entry - a block the target holds, or will
 * @node: in its bucket's chain
 * @lru: in the index's LRU list
 * @at: where
 * @claim: 0 when the target said it holds the block there; else the
 *	sequence number of the record in flight that carries it there
 * @hash: its SHA-256
 */
struct hcx_dedup_entry {
	struct hlist_node node;
	struct list_head lru;
	struct hcx_block_at at;
	u64 claim;
	u8 hash[HCX_HASH_LEN];
};

static_assert(sizeof(struct hcx_dedup_entry) == 88);

static struct kmem_cache *hcx_dedup_entries;

/* The SHA-256 of a zero block, which offers hash often. */
static u8 hcx_zero_hash[HCX_HASH_LEN];

/**
 * hcx_blocks_scan - sort the blocks of a chunk into zero and literal
 * @bytes: the chunk
 * @len: its bytes
 * @b: the blocks
 * @hash: hash every block too
 */
void hcx_blocks_scan(const u8 *bytes, u32 len, struct hcx_blocks *b,
		     bool hash)
{
	const u8 *block;
	unsigned int i;
	u32 blen;

	b->n = DIV_ROUND_UP(len, HCX_BLOCK_SIZE);
	for (i = 0; i < b->n; i++) {
		block = bytes + (i << HCX_BLOCK_SHIFT);
		blen = hcx_block_len(len, i);
		b->kinds[i] = memchr_inv(block, 0, blen) ? HCX_BLOCK_LITERAL :
							   HCX_BLOCK_ZERO;
		if (!hash)
			continue;
		if (b->kinds[i] == HCX_BLOCK_ZERO && blen == HCX_BLOCK_SIZE)
			memcpy(b->hashes[i], hcx_zero_hash, HCX_HASH_LEN);
		else
			sha256(block, blen, b->hashes[i]);
	}
}
EXPORT_SYMBOL_IF_KUNIT(hcx_blocks_scan);

/*
 * The hash offers carry: SHA-256 over the hashes of the chunk's blocks, so
 * that a chunk found the same also vouches for each of its blocks.
 */
void hcx_blocks_digest(const struct hcx_blocks *b, u8 *digest)
{
	sha256(b->hashes[0], b->n * HCX_HASH_LEN, digest);
}
EXPORT_SYMBOL_IF_KUNIT(hcx_blocks_digest);

/**
 * hcx_run_digest - what a reference's hash says of the blocks it names
 * @bytes: the blocks, one after the other
 * @len: their bytes; the last block may be short
 * @digest: SHA-256 over their SHA-256s
 */
void hcx_run_digest(const u8 *bytes, u32 len, u8 *digest)
{
	u8 hash[HCX_HASH_LEN];
	struct sha256_state s;
	u32 at, blen;

	sha256_init(&s);
	for (at = 0; at < len; at += blen) {
		blen = min_t(u32, HCX_BLOCK_SIZE, len - at);
		sha256(bytes + at, blen, hash);
		sha256_update(&s, hash, HCX_HASH_LEN);
	}
	sha256_final(&s, digest);
}
EXPORT_SYMBOL_IF_KUNIT(hcx_run_digest);

void hcx_dedup_init(struct hcx_dedup *d)
{
	spin_lock_init(&d->lock);
	INIT_LIST_HEAD(&d->lru);
	init_waitqueue_head(&d->claims);
	d->buckets = NULL;
	d->bits = 0;
	d->count = 0;
	d->max = 0;
	d->cap = 0;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_dedup_init);

/* Bytes of one entry, which the memory cap counts. */
size_t hcx_dedup_entry_size(void)
{
	return sizeof(struct hcx_dedup_entry);
}
EXPORT_SYMBOL_IF_KUNIT(hcx_dedup_entry_size);

/*
 * Forget every entry and the table.  They are taken out under the lock, so
 * that a lookup or a change racing with this finds an empty index, and
 * freed after it (the table may be vmalloc()ed).  Records waiting for a
 * claim find it gone.
 */
void hcx_dedup_free(struct hcx_dedup *d)
{
	struct hcx_dedup_entry *e, *tmp;
	struct hlist_head *buckets;
	LIST_HEAD(entries);

	spin_lock(&d->lock);
	list_splice_init(&d->lru, &entries);
	buckets = d->buckets;
	d->buckets = NULL;
	d->bits = 0;
	d->count = 0;
	d->max = 0;
	d->cap = 0;
	spin_unlock(&d->lock);
	wake_up_all(&d->claims);
	list_for_each_entry_safe(e, tmp, &entries, lru)
		kmem_cache_free(hcx_dedup_entries, e);
	kvfree(buckets);
}
EXPORT_SYMBOL_IF_KUNIT(hcx_dedup_free);

/**
 * hcx_dedup_resize - start an empty index under a memory cap
 * @d: the index
 * @cap_bytes: what its table and entries may take
 *
 * The table gets a bucket for every one or two entries the cap allows,
 * allocated whole; the entries the rest, each allocated when first needed.
 *
 * Return: 0, or -ENOMEM with the index left as it was.
 */
int hcx_dedup_resize(struct hcx_dedup *d, u64 cap_bytes)
{
	u64 entries = max_t(u64, cap_bytes / sizeof(struct hcx_dedup_entry),
			    2);
	unsigned int bits = min_t(unsigned int, ilog2(entries), 30);
	size_t table = sizeof(*d->buckets) << bits;
	struct hlist_head *buckets;

	buckets = kvcalloc(1UL << bits, sizeof(*buckets), GFP_KERNEL);
	if (!buckets)
		return -ENOMEM;
	hcx_dedup_free(d);
	spin_lock(&d->lock);
	d->buckets = buckets;
	d->bits = bits;
	d->max = cap_bytes > table ?
		 (cap_bytes - table) / sizeof(struct hcx_dedup_entry) : 0;
	d->cap = cap_bytes;
	spin_unlock(&d->lock);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_dedup_resize);

/* A hash is uniformly random: its first bytes pick the bucket. */
static struct hlist_head *hcx_dedup_bucket(struct hcx_dedup *d,
					   const u8 *hash)
{
	return &d->buckets[get_unaligned((const u64 *)hash) &
			   ((1ULL << d->bits) - 1)];
}

static struct hcx_dedup_entry *hcx_dedup_lookup(struct hcx_dedup *d,
						const u8 *hash)
{
	struct hcx_dedup_entry *e;

	lockdep_assert_held(&d->lock);
	if (!d->count)
		return NULL;
	hlist_for_each_entry(e, hcx_dedup_bucket(d, hash), node)
		if (!memcmp(e->hash, hash, HCX_HASH_LEN))
			return e;
	return NULL;
}

/* Where the target holds the bytes of HASH, if the index knows. */
bool hcx_dedup_find(struct hcx_dedup *d, const u8 *hash,
		    struct hcx_block_at *at)
{
	struct hcx_dedup_entry *e;

	spin_lock(&d->lock);
	e = hcx_dedup_lookup(d, hash);
	if (e && e->claim)
		e = NULL;
	if (e) {
		list_move(&e->lru, &d->lru);
		*at = e->at;
	}
	spin_unlock(&d->lock);
	return e;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_dedup_find);

static void hcx_dedup_remove(struct hcx_dedup *d, struct hcx_dedup_entry *e)
{
	lockdep_assert_held(&d->lock);
	hlist_del(&e->node);
	list_del(&e->lru);
	d->count--;
}

/*
 * Say that the bytes of HASH are AT, held there (CLAIM 0) or on their way
 * there in record CLAIM; the index takes the newer news.  A full index
 * gives up its least recently used entry; without memory, nothing is
 * kept.  Called with the lock held, which it may drop and take again to
 * allocate: the entry for HASH, if any, is then in *E.
 */
static void hcx_dedup_put(struct hcx_dedup *d, struct hcx_dedup_entry *e,
			  const u8 *hash, const struct hcx_block_at *at,
			  u64 claim)
{
	struct hcx_dedup_entry *fresh = NULL;

	lockdep_assert_held(&d->lock);
	if (!e && d->count < d->max) {
		spin_unlock(&d->lock);
		fresh = kmem_cache_alloc(hcx_dedup_entries,
					 GFP_KERNEL | __GFP_NOWARN);
		spin_lock(&d->lock);
		/* Freed meanwhile: no table to put it in. */
		if (!d->max)
			goto out;
		e = hcx_dedup_lookup(d, hash);
	}
	if (!e) {
		if (fresh && d->count < d->max) {
			e = fresh;
			fresh = NULL;
		} else if (d->count) {
			e = list_last_entry(&d->lru, struct hcx_dedup_entry, lru);
			/* A record may wait for the claim it had. */
			if (e->claim)
				wake_up_all(&d->claims);
			hcx_dedup_remove(d, e);
		} else {
			goto out;
		}
		memcpy(e->hash, hash, HCX_HASH_LEN);
		hlist_add_head(&e->node, hcx_dedup_bucket(d, hash));
		list_add(&e->lru, &d->lru);
		d->count++;
	}
	if (e->claim && e->claim != claim)
		wake_up_all(&d->claims);
	e->at = *at;
	e->claim = claim;
	list_move(&e->lru, &d->lru);
out:
	if (fresh) {
		spin_unlock(&d->lock);
		kmem_cache_free(hcx_dedup_entries, fresh);
		spin_lock(&d->lock);
	}
}

/* The target holds the bytes of HASH at AT.  May sleep. */
void hcx_dedup_add(struct hcx_dedup *d, const u8 *hash,
		   const struct hcx_block_at *at)
{
	spin_lock(&d->lock);
	if (d->max)
		hcx_dedup_put(d, hcx_dedup_lookup(d, hash), hash, at, 0);
	spin_unlock(&d->lock);
}
EXPORT_SYMBOL_IF_KUNIT(hcx_dedup_add);

/*
 * The target does not hold the bytes of HASH where the index said, or,
 * when AT is given, at *AT: the entry goes if it says so.
 */
void hcx_dedup_forget(struct hcx_dedup *d, const u8 *hash,
		      const struct hcx_block_at *at)
{
	struct hcx_dedup_entry *e;

	spin_lock(&d->lock);
	e = hcx_dedup_lookup(d, hash);
	if (e && at && (e->at.disk != at->disk || e->at.pos != at->pos))
		e = NULL;
	if (e) {
		if (e->claim)
			wake_up_all(&d->claims);
		hcx_dedup_remove(d, e);
	}
	spin_unlock(&d->lock);
	if (e)
		kmem_cache_free(hcx_dedup_entries, e);
}
EXPORT_SYMBOL_IF_KUNIT(hcx_dedup_forget);

/* Record SEQ will not bring the bytes of HASH: its claim goes, if it holds. */
void hcx_dedup_unclaim(struct hcx_dedup *d, const u8 *hash, u64 seq)
{
	struct hcx_dedup_entry *e;

	spin_lock(&d->lock);
	e = hcx_dedup_lookup(d, hash);
	if (e && e->claim == seq)
		hcx_dedup_remove(d, e);
	else
		e = NULL;
	spin_unlock(&d->lock);
	if (e) {
		wake_up_all(&d->claims);
		kmem_cache_free(hcx_dedup_entries, e);
	}
}
EXPORT_SYMBOL_IF_KUNIT(hcx_dedup_unclaim);

/* The entry of HASH no longer carries claim CLAIM. */
static bool hcx_dedup_claim_settled(struct hcx_dedup *d, const u8 *hash,
				    u64 claim)
{
	struct hcx_dedup_entry *e;
	bool settled;

	spin_lock(&d->lock);
	e = hcx_dedup_lookup(d, hash);
	settled = !e || e->claim != claim;
	spin_unlock(&d->lock);
	return settled;
}

/**
 * hcx_dedup_use - decide how a block travels in a record
 * @d: the index
 * @hash: the block's SHA-256
 * @here: where the record puts it
 * @seq: the record's sequence number, from 1, in the order records were
 *	handed out across the pool
 * @until: when the record stops waiting (jiffies)
 * @at: where the target holds it, for a reference
 *
 * A block the target holds travels as a reference.  One that an older
 * record (a lower @seq) carries, sent or about to be, waits for that
 * record's answer, until @until at most: the target must hold the bytes
 * before it reads them.  Otherwise the block travels literally, and
 * this record claims it, so that younger records wait for it in turn.
 *
 * A record waits only for older ones, and each lane sends its records in
 * the order they were handed out, so the oldest record not yet sent never
 * waits: waiting cannot go round in a circle.  The wait's bound only
 * covers an older record whose lane lost its connection, until the lane
 * gives its claims up.  May sleep.
 *
 * Return: true for a reference, with *@at set.
 */
bool hcx_dedup_use(struct hcx_dedup *d, const u8 *hash,
		   const struct hcx_block_at *here, u64 seq,
		   unsigned long until, struct hcx_block_at *at)
{
	struct hcx_dedup_entry *e;
	long left;
	u64 claim;

	spin_lock(&d->lock);
	while ((e = hcx_dedup_lookup(d, hash)) && e->claim &&
	       e->claim < seq) {
		claim = e->claim;
		spin_unlock(&d->lock);
		left = (long)(until - jiffies);
		if (left <= 0 ||
		    !wait_event_timeout(d->claims,
					hcx_dedup_claim_settled(d, hash, claim),
					left))
			return false;
		spin_lock(&d->lock);
	}
	if (e && !e->claim) {
		list_move(&e->lru, &d->lru);
		*at = e->at;
		spin_unlock(&d->lock);
		return true;
	}
	/* Unclaimed, or claimed by a younger record or by this one. */
	if (d->max && (!e || e->claim > seq))
		hcx_dedup_put(d, e, hash, here, seq);
	spin_unlock(&d->lock);
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_dedup_use);

/**
 * struct hcx_workspace - the memory one compression works in
 * @node: in its encoder's idle list, while no thread holds it
 * @cctx: zstd's context in @mem
 * @mem: LZ4's or zstd's workspace
 */
struct hcx_workspace {
	struct list_head node;
	zstd_cctx *cctx;
	u8 mem[] __aligned(8);
};

/**
 * hcx_encoder_init - prepare to encode chunks with a disk's options
 * @enc: the encoder
 * @conf: the options
 * @chunk_bytes: the disk's chunk size, which sizes zstd's workspace
 *
 * Return: 0, or -EINVAL for an unknown codec or level.
 */
int hcx_encoder_init(struct hcx_encoder *enc,
		     const struct hcx_wanopt_conf *conf, u32 chunk_bytes)
{
	memset(enc, 0, sizeof(*enc));
	spin_lock_init(&enc->lock);
	INIT_LIST_HEAD(&enc->idle);
	init_waitqueue_head(&enc->wait);
	enc->max = max(num_online_cpus(), 1U);
	enc->compress = conf->compress;
	switch (conf->compress) {
	case HCXREPL_COMPRESS_NONE:
		return 0;
	case HCXREPL_COMPRESS_LZ4:
		enc->size = LZ4_MEM_COMPRESS;
		return 0;
	case HCXREPL_COMPRESS_ZSTD:
		enc->params = zstd_get_params(conf->level, chunk_bytes);
		enc->size = zstd_cctx_workspace_bound(&enc->params.cParams);
		return enc->size ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}
EXPORT_SYMBOL_IF_KUNIT(hcx_encoder_init);

/* Free the workspaces, which no thread may hold any more. */
void hcx_encoder_free(struct hcx_encoder *enc)
{
	struct hcx_workspace *ws, *tmp;
	unsigned int freed = 0;

	if (!enc->count)
		return;
	list_for_each_entry_safe(ws, tmp, &enc->idle, node) {
		kvfree(ws);
		freed++;
	}
	WARN_ON_ONCE(freed != enc->count);
	INIT_LIST_HEAD(&enc->idle);
	enc->count = 0;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_encoder_free);

static struct hcx_workspace *hcx_workspace_new(struct hcx_encoder *enc)
{
	struct hcx_workspace *ws;

	ws = kvmalloc(struct_size(ws, mem, enc->size), GFP_KERNEL);
	if (!ws)
		return NULL;
	ws->cctx = NULL;
	if (enc->compress == HCXREPL_COMPRESS_ZSTD) {
		ws->cctx = zstd_init_cctx(ws->mem, enc->size);
		if (!ws->cctx) {
			kvfree(ws);
			return NULL;
		}
	}
	return ws;
}

static bool hcx_workspace_idle(struct hcx_encoder *enc)
{
	bool idle;

	spin_lock(&enc->lock);
	idle = !list_empty(&enc->idle);
	spin_unlock(&enc->lock);
	return idle;
}

/*
 * An idle workspace, a new one while there are fewer than one per CPU, or
 * the next one put back.  When memory is short the encoder makes do with
 * the workspaces it has; with none at all, NULL: the chunk travels
 * uncompressed.  May sleep.
 */
static struct hcx_workspace *hcx_workspace_get(struct hcx_encoder *enc)
{
	struct hcx_workspace *ws;
	bool grow;

	spin_lock(&enc->lock);
	for (;;) {
		ws = list_first_entry_or_null(&enc->idle, struct hcx_workspace,
					      node);
		if (ws) {
			list_del(&ws->node);
			break;
		}
		grow = enc->count < enc->max;
		enc->count += grow;
		spin_unlock(&enc->lock);
		if (grow) {
			ws = hcx_workspace_new(enc);
			if (ws)
				return ws;
			spin_lock(&enc->lock);
			enc->count--;
			enc->max = enc->count;
			if (!enc->count)
				break;
			continue;
		}
		wait_event(enc->wait, hcx_workspace_idle(enc));
		spin_lock(&enc->lock);
	}
	spin_unlock(&enc->lock);
	return ws;
}

static void hcx_workspace_put(struct hcx_encoder *enc,
			      struct hcx_workspace *ws)
{
	spin_lock(&enc->lock);
	list_add(&ws->node, &enc->idle);
	spin_unlock(&enc->lock);
	wake_up(&enc->wait);
}

/* The longest data record of a chunk of CHUNK_BYTES. */
size_t hcx_data_max(u32 chunk_bytes)
{
	unsigned int n = DIV_ROUND_UP(chunk_bytes, HCX_BLOCK_SIZE);

	return sizeof(struct hcx_rec_data) + n +
	       n * sizeof(struct hcx_block_ref) + chunk_bytes;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_data_max);

/*
 * The most a compressed literal section of LITERAL bytes may take: it must
 * save an eighth, or the target's work to decompress it does not pay.
 */
u32 hcx_compress_limit(u32 literal)
{
	return literal - literal / 8;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_compress_limit);

/* Compress LEN bytes of SRC into DST: the length, or 0 when it did not pay. */
static u32 hcx_compress(struct hcx_encoder *enc, const u8 *src, u32 len,
			u8 *dst)
{
	u32 limit = hcx_compress_limit(len);
	struct hcx_workspace *ws;
	u32 out = 0;
	size_t ret;
	int n;

	if (!limit || enc->compress == HCXREPL_COMPRESS_NONE)
		return 0;
	ws = hcx_workspace_get(enc);
	if (!ws)
		return 0;
	switch (enc->compress) {
	case HCXREPL_COMPRESS_LZ4:
		n = LZ4_compress_default((const char *)src, (char *)dst, len,
					 limit, ws->mem);
		out = n > 0 ? n : 0;
		break;
	case HCXREPL_COMPRESS_ZSTD:
		ret = zstd_compress_cctx(ws->cctx, dst, limit, src, len,
					 &enc->params);
		out = zstd_is_error(ret) ? 0 : ret;
		break;
	default:
		break;
	}
	hcx_workspace_put(enc, ws);
	return out;
}

static const u8 hcx_codec_of[] = {
	[HCXREPL_COMPRESS_NONE] = HCX_CODEC_NONE,
	[HCXREPL_COMPRESS_LZ4] = HCX_CODEC_LZ4,
	[HCXREPL_COMPRESS_ZSTD] = HCX_CODEC_ZSTD,
};

/*
 * A reference's hash, once its run of blocks FIRST to END - 1 is known: the
 * digest of their hashes.  Nothing without a reference.
 */
static void hcx_ref_seal(struct hcx_block_ref *ref, const struct hcx_blocks *b,
			 unsigned int first, unsigned int end)
{
	if (ref)
		sha256(b->hashes[first], (end - first) * HCX_HASH_LEN,
		       ref->hash);
}

/**
 * hcx_encode - build the data record of a chunk
 * @enc: the encoder
 * @dedup: the index, or NULL for no references
 * @here: where the chunk goes at the target
 * @seq: the record's place among the records of the pool (hcx_dedup_use())
 * @chunk: the chunk's number
 * @bytes: its bytes, which the literal blocks are gathered in: clobbered
 * @len: its length
 * @b: its blocks, scanned, hashed when @dedup is given; the kinds are
 *	updated to say which became references and runs
 * @rec: the record, with room for hcx_data_max() bytes
 * @how: how the chunk's bytes travelled
 *
 * Return: the record's length.
 */
size_t hcx_encode(struct hcx_encoder *enc, struct hcx_dedup *dedup,
		  const struct hcx_block_at *here, u64 seq, u64 chunk,
		  u8 *bytes, u32 len, struct hcx_blocks *b,
		  struct hcx_rec_data *rec, struct hcx_encoding *how)
{
	struct hcx_block_ref *ref = (struct hcx_block_ref *)(rec->kinds + b->n);
	unsigned long until = jiffies + HCX_DEDUP_CLAIM_WAIT;
	struct hcx_block_ref *open = NULL;
	struct hcx_block_at block, at, last = { };
	unsigned int i, first = 0, refs = 0;
	u32 blen, literal = 0;
	u8 *section;

	memset(how, 0, sizeof(*how));
	for (i = 0; i < b->n; i++) {
		blen = hcx_block_len(len, i);
		block.disk = here->disk;
		block.pos = here->pos + (i << HCX_BLOCK_SHIFT);
		if (b->kinds[i] != HCX_BLOCK_ZERO && dedup &&
		    hcx_dedup_use(dedup, b->hashes[i], &block, seq, until, &at)) {
			how->dedup += blen;
			/* Held right after the previous block: one reference. */
			if (open && at.disk == last.disk &&
			    at.pos == last.pos + HCX_BLOCK_SIZE) {
				b->kinds[i] = HCX_BLOCK_RUN;
			} else {
				hcx_ref_seal(open, b, first, i);
				b->kinds[i] = HCX_BLOCK_REF;
				open = ref++;
				first = i;
				refs++;
				put_unaligned_le32(at.disk, &open->disk);
				open->reserved = 0;
				put_unaligned_le64(at.pos, &open->pos);
			}
			last = at;
			rec->kinds[i] = b->kinds[i];
			continue;
		}
		hcx_ref_seal(open, b, first, i);
		open = NULL;
		if (b->kinds[i] == HCX_BLOCK_ZERO) {
			how->zero += blen;
		} else {
			/* Literal blocks move down to follow one another. */
			if (literal != i << HCX_BLOCK_SHIFT)
				memmove(bytes + literal,
					bytes + (i << HCX_BLOCK_SHIFT), blen);
			literal += blen;
		}
		rec->kinds[i] = b->kinds[i];
	}
	hcx_ref_seal(open, b, first, b->n);

	section = (u8 *)ref;
	how->literal = literal;
	how->stored = hcx_compress(enc, bytes, literal, section);
	rec->codec = how->stored ? hcx_codec_of[enc->compress] : HCX_CODEC_NONE;
	if (!how->stored) {
		memcpy(section, bytes, literal);
		how->stored = literal;
	}
	rec->header = (struct hcx_msg_header){ .type = HCX_REC_DATA };
	rec->len = cpu_to_le32(len);
	rec->chunk = cpu_to_le64(chunk);
	rec->reserved = 0;
	rec->refs = cpu_to_le16(refs);
	rec->literal_len = cpu_to_le32(how->stored);
	return section + how->stored - (u8 *)rec;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_encode);

/**
 * hcx_data_parse - check the layout of a data record
 * @rec: the record
 * @len: its length
 * @v: what it says, on success
 *
 * The chunk's number and length, and the references' positions, are for
 * the caller to check against the disks.
 *
 * Return: 0, or -EPROTO.
 */
int hcx_data_parse(const struct hcx_rec_data *rec, size_t len,
		   struct hcx_data_view *v)
{
	unsigned int i, refs = 0;
	size_t head;
	u32 blen;

	if (len < sizeof(*rec) || rec->reserved || rec->codec > HCX_CODEC_ZSTD)
		return -EPROTO;
	v->chunk = le64_to_cpu(rec->chunk);
	v->len = le32_to_cpu(rec->len);
	if (!v->len || v->len > HCX_BLOCKS_MAX * HCX_BLOCK_SIZE)
		return -EPROTO;
	v->n = DIV_ROUND_UP(v->len, HCX_BLOCK_SIZE);
	v->nrefs = le16_to_cpu(rec->refs);
	v->codec = rec->codec;
	memset(&v->how, 0, sizeof(v->how));
	v->how.stored = le32_to_cpu(rec->literal_len);
	head = sizeof(*rec) + v->n + v->nrefs * sizeof(struct hcx_block_ref);
	if (len < head || len - head != v->how.stored)
		return -EPROTO;
	v->kinds = rec->kinds;
	v->refs = (const struct hcx_block_ref *)(rec->kinds + v->n);
	v->literal = (const u8 *)rec + head;
	for (i = 0; i < v->n; i++) {
		blen = hcx_block_len(v->len, i);
		switch (v->kinds[i]) {
		case HCX_BLOCK_LITERAL:
			v->how.literal += blen;
			break;
		case HCX_BLOCK_ZERO:
			v->how.zero += blen;
			break;
		case HCX_BLOCK_REF:
			v->how.dedup += blen;
			refs++;
			break;
		case HCX_BLOCK_RUN:
			/* It extends the reference of the block before it. */
			if (!i || (v->kinds[i - 1] != HCX_BLOCK_REF &&
				   v->kinds[i - 1] != HCX_BLOCK_RUN))
				return -EPROTO;
			v->how.dedup += blen;
			break;
		default:
			return -EPROTO;
		}
	}
	if (refs != v->nrefs)
		return -EPROTO;
	for (i = 0; i < v->nrefs; i++)
		if (v->refs[i].reserved)
			return -EPROTO;
	if (v->codec == HCX_CODEC_NONE ? v->how.stored != v->how.literal :
					  !v->how.literal || !v->how.stored)
		return -EPROTO;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_data_parse);

/* Decompress the literal section to the start of OUT. */
static int hcx_decompress(struct hcx_decoder *dec,
			  const struct hcx_data_view *v, u8 *out)
{
	size_t size, ret;
	int n;

	switch (v->codec) {
	case HCX_CODEC_NONE:
		memcpy(out, v->literal, v->how.stored);
		return 0;
	case HCX_CODEC_LZ4:
		n = LZ4_decompress_safe((const char *)v->literal, (char *)out,
					v->how.stored, v->how.literal);
		return n == v->how.literal ? 0 : -EPROTO;
	case HCX_CODEC_ZSTD:
		if (!dec->dctx) {
			size = zstd_dctx_workspace_bound();
			dec->wrkmem = kvmalloc(size, GFP_KERNEL);
			if (!dec->wrkmem)
				return -ENOMEM;
			dec->dctx = zstd_init_dctx(dec->wrkmem, size);
			if (!dec->dctx) {
				hcx_decoder_free(dec);
				return -ENOMEM;
			}
		}
		ret = zstd_decompress_dctx(dec->dctx, out, v->how.literal,
					   v->literal, v->how.stored);
		return !zstd_is_error(ret) && ret == v->how.literal ? 0 : -EPROTO;
	default:
		return -EPROTO;
	}
}

/**
 * hcx_data_expand - rebuild a chunk's literal and zero blocks
 * @dec: the decoder
 * @v: the record, parsed
 * @out: room for the chunk's bytes
 *
 * The referenced blocks are left for the caller, who reads and checks them.
 *
 * Return: 0, -EPROTO for a literal section that does not decompress to
 * the literal blocks' bytes, or -ENOMEM.
 */
int hcx_data_expand(struct hcx_decoder *dec, const struct hcx_data_view *v,
		    u8 *out)
{
	u32 at = v->how.literal, blen, start;
	unsigned int i;
	int ret;

	ret = hcx_decompress(dec, v, out);
	if (ret)
		return ret;
	/*
	 * The literal blocks lie gathered at the start: from the last, each
	 * moves up to its place, clear of those still to move.
	 */
	for (i = v->n; i-- > 0;) {
		blen = hcx_block_len(v->len, i);
		start = i << HCX_BLOCK_SHIFT;
		if (v->kinds[i] == HCX_BLOCK_ZERO) {
			memset(out + start, 0, blen);
		} else if (v->kinds[i] == HCX_BLOCK_LITERAL) {
			at -= blen;
			if (at != start)
				memmove(out + start, out + at, blen);
		}
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_data_expand);

void hcx_decoder_free(struct hcx_decoder *dec)
{
	kvfree(dec->wrkmem);
	dec->wrkmem = NULL;
	dec->dctx = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_decoder_free);

int __init hcx_wanopt_init(void)
{
	BUILD_BUG_ON(HCX_BLOCK_SIZE > PAGE_SIZE);
	hcx_dedup_entries = KMEM_CACHE(hcx_dedup_entry, 0);
	if (!hcx_dedup_entries)
		return -ENOMEM;
	sha256(page_address(ZERO_PAGE(0)), HCX_BLOCK_SIZE, hcx_zero_hash);
	return 0;
}

void hcx_wanopt_uninit(void)
{
	kmem_cache_destroy(hcx_dedup_entries);
}
