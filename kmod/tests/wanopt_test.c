// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of WAN optimization (kmod/wanopt.c): the data record's frame
 * for each way a block travels and each codec, byte for byte where it is
 * fixed and by round trip where a codec decides; the records a target must
 * refuse; the decision to send literal blocks uncompressed; and the
 * deduplication index's least-recently-used eviction.
 */

#include <crypto/sha2.h>
#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "../compat.h"
#include "../wanopt.h"

#define CHUNK	(4 * HCX_BLOCK_SIZE)

/* KUnit's own byte comparison came after 6.1. */
#define EXPECT_SAME(test, a, b, len) KUNIT_EXPECT_EQ(test, memcmp(a, b, len), 0)

/* A place at the target, for the index's calls. */
#define AT(d, p)	(&(struct hcx_block_at){ .disk = (d), .pos = (p) })

/* Bytes that no codec shrinks. */
static void fill_random(u8 *buf, size_t len, u64 seed)
{
	struct rnd_state rnd;

	prandom_seed_state(&rnd, seed);
	prandom_bytes_state(&rnd, buf, len);
}

/* Bytes that every codec shrinks a lot. */
static void fill_text(u8 *buf, size_t len)
{
	static const char line[] = "replicate the disk across the WAN, ";
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = line[i % (sizeof(line) - 1)];
}

struct fixture {
	u8 *bytes;		/* the chunk, clobbered by the encoder */
	u8 *orig;		/* a copy */
	u8 *out;		/* the target's rebuild */
	struct hcx_blocks *b;
	struct hcx_rec_data *rec;
	struct hcx_encoder enc;
	struct hcx_decoder dec;
	struct hcx_encoding how;
};

static void fixture_init(struct kunit *test, struct fixture *f,
			 enum hcxrepl_compress compress)
{
	struct hcx_wanopt_conf conf = {
		.compress = compress,
		.level = HCX_ZSTD_LEVEL_DEFAULT,
	};

	f->bytes = kunit_kzalloc(test, CHUNK, GFP_KERNEL);
	f->orig = kunit_kzalloc(test, CHUNK, GFP_KERNEL);
	f->out = kunit_kzalloc(test, CHUNK, GFP_KERNEL);
	f->b = kunit_kzalloc(test, hcx_blocks_size(CHUNK), GFP_KERNEL);
	f->rec = kunit_kzalloc(test, hcx_data_max(CHUNK), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, f->bytes && f->orig && f->out && f->b &&
			  f->rec);
	KUNIT_ASSERT_EQ(test, hcx_encoder_init(&f->enc, &conf, CHUNK), 0);
	memset(&f->dec, 0, sizeof(f->dec));
}

static void fixture_free(struct fixture *f)
{
	hcx_encoder_free(&f->enc);
	hcx_decoder_free(&f->dec);
}

/* Where the fixture's chunk, number 7, goes: disk 3 at the target. */
static const struct hcx_block_at chunk_7 = { .disk = 3, .pos = 7 * CHUNK };

/* Encode LEN bytes of f->bytes with DEDUP; return the record's length. */
static size_t encode(struct fixture *f, u32 len, struct hcx_dedup *dedup)
{
	memcpy(f->orig, f->bytes, len);
	hcx_blocks_scan(f->bytes, len, f->b, dedup);
	return hcx_encode(&f->enc, dedup, &chunk_7, 1, 7, f->bytes, len, f->b,
			  f->rec, &f->how);
}

/* Parse and expand the record as a target would; 0 when it rebuilt. */
static int decode(struct kunit *test, struct fixture *f, size_t len,
		  struct hcx_data_view *v)
{
	int ret = hcx_data_parse(f->rec, len, v);

	if (ret)
		return ret;
	memset(f->out, 0xa5, CHUNK);
	return hcx_data_expand(&f->dec, v, f->out);
}

static void zero_chunk_is_a_marker(struct kunit *test)
{
	static const u8 want[] = {
		3, 0, 0, 0,			/* data record */
		0x00, 0x40, 0x00, 0x00,		/* len 16384 */
		7, 0, 0, 0, 0, 0, 0, 0,		/* chunk 7 */
		0,				/* codec: none */
		0,				/* reserved */
		0, 0,				/* no references */
		0, 0, 0, 0,			/* empty literal section */
		1, 1, 1, 1,			/* four zero blocks */
	};
	struct hcx_data_view v;
	struct fixture f;
	size_t len;

	fixture_init(test, &f, HCXREPL_COMPRESS_LZ4);
	len = encode(&f, CHUNK, NULL);
	KUNIT_ASSERT_EQ(test, len, sizeof(want));
	EXPECT_SAME(test, f.rec, want, sizeof(want));
	KUNIT_EXPECT_EQ(test, f.how.zero, CHUNK);
	KUNIT_ASSERT_EQ(test, decode(test, &f, len, &v), 0);
	KUNIT_EXPECT_EQ(test, v.how.zero, CHUNK);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(f.out, 0, CHUNK));
	fixture_free(&f);
}

static void random_blocks_travel_raw(struct kunit *test)
{
	const enum hcxrepl_compress codecs[] = {
		HCXREPL_COMPRESS_NONE, HCXREPL_COMPRESS_LZ4,
		HCXREPL_COMPRESS_ZSTD,
	};
	struct hcx_data_view v;
	struct fixture f;
	size_t len;
	int i;

	for (i = 0; i < ARRAY_SIZE(codecs); i++) {
		fixture_init(test, &f, codecs[i]);
		fill_random(f.bytes, CHUNK, i);
		len = encode(&f, CHUNK, NULL);
		KUNIT_EXPECT_EQ(test, len, sizeof(*f.rec) + 4 + CHUNK);
		KUNIT_EXPECT_EQ(test, f.rec->codec, HCX_CODEC_NONE);
		KUNIT_EXPECT_EQ(test, get_unaligned_le32(&f.rec->literal_len),
				CHUNK);
		KUNIT_EXPECT_TRUE(test, !memchr_inv(f.rec->kinds,
						    HCX_BLOCK_LITERAL, 4));
		/* Raw: the literal section is the chunk itself. */
		EXPECT_SAME(test, f.rec->kinds + 4, f.orig, CHUNK);
		KUNIT_ASSERT_EQ(test, decode(test, &f, len, &v), 0);
		EXPECT_SAME(test, f.out, f.orig, CHUNK);
		fixture_free(&f);
	}
}

static void text_compresses_both_ways(struct kunit *test)
{
	const struct {
		enum hcxrepl_compress compress;
		u8 codec;
	} codecs[] = {
		{ HCXREPL_COMPRESS_LZ4, HCX_CODEC_LZ4 },
		{ HCXREPL_COMPRESS_ZSTD, HCX_CODEC_ZSTD },
	};
	struct hcx_data_view v;
	struct fixture f;
	size_t len;
	int i;

	for (i = 0; i < ARRAY_SIZE(codecs); i++) {
		fixture_init(test, &f, codecs[i].compress);
		fill_text(f.bytes, CHUNK);
		len = encode(&f, CHUNK, NULL);
		KUNIT_EXPECT_EQ(test, f.rec->codec, codecs[i].codec);
		KUNIT_EXPECT_LT(test, len, CHUNK / 8);
		KUNIT_EXPECT_EQ(test, f.how.literal, CHUNK);
		KUNIT_EXPECT_EQ(test, len, sizeof(*f.rec) + 4 + f.how.stored);
		KUNIT_ASSERT_EQ(test, decode(test, &f, len, &v), 0);
		EXPECT_SAME(test, f.out, f.orig, CHUNK);
		fixture_free(&f);
	}
}

/*
 * A literal section is compressed only when that saves an eighth: a block
 * that is nine tenths random saves less and travels raw; one that is three
 * quarters random saves more.
 */
static void compression_must_pay(struct kunit *test)
{
	struct hcx_data_view v;
	struct fixture f;
	size_t len;

	KUNIT_EXPECT_EQ(test, hcx_compress_limit(0), 0);
	KUNIT_EXPECT_EQ(test, hcx_compress_limit(4096), 3584);
	KUNIT_EXPECT_EQ(test, hcx_compress_limit(65536), 57344);

	fixture_init(test, &f, HCXREPL_COMPRESS_LZ4);
	fill_random(f.bytes, HCX_BLOCK_SIZE * 9 / 10, 1);
	len = encode(&f, HCX_BLOCK_SIZE, NULL);
	KUNIT_EXPECT_EQ(test, f.rec->codec, HCX_CODEC_NONE);
	KUNIT_EXPECT_EQ(test, f.how.stored, HCX_BLOCK_SIZE);

	memset(f.bytes, 0, HCX_BLOCK_SIZE);
	fill_random(f.bytes, HCX_BLOCK_SIZE * 3 / 4, 1);
	len = encode(&f, HCX_BLOCK_SIZE, NULL);
	KUNIT_EXPECT_EQ(test, f.rec->codec, HCX_CODEC_LZ4);
	KUNIT_EXPECT_LE(test, f.how.stored, hcx_compress_limit(HCX_BLOCK_SIZE));
	KUNIT_ASSERT_EQ(test, decode(test, &f, len, &v), 0);
	EXPECT_SAME(test, f.out, f.orig, HCX_BLOCK_SIZE);
	fixture_free(&f);
}

/*
 * A short chunk (the disk's last) of a zero block, a block the index
 * knows, and a short literal block: the frame, byte for byte up to the
 * literal section.
 */
static void reference_frame(struct kunit *test)
{
	const u32 len = 2 * HCX_BLOCK_SIZE + 512;
	const struct hcx_block_at held = { .disk = 0x0a0b0c0d, .pos = 0x123000 };
	struct hcx_data_view v;
	struct hcx_dedup d;
	u8 hash[HCX_HASH_LEN];
	struct hcx_block_ref *ref;
	struct fixture f;
	size_t rec_len;

	hcx_dedup_init(&d);
	KUNIT_ASSERT_EQ(test, hcx_dedup_resize(&d, SZ_64K), 0);
	fixture_init(test, &f, HCXREPL_COMPRESS_NONE);
	fill_random(f.bytes + HCX_BLOCK_SIZE, HCX_BLOCK_SIZE + 512, 3);
	sha256(f.bytes + HCX_BLOCK_SIZE, HCX_BLOCK_SIZE, hash);
	hcx_dedup_add(&d, hash, &held);

	rec_len = encode(&f, len, &d);
	KUNIT_ASSERT_EQ(test, rec_len, sizeof(*f.rec) + 3 + sizeof(*ref) + 512);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(&f.rec->len), len);
	KUNIT_EXPECT_EQ(test, get_unaligned_le16(&f.rec->refs), 1);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(&f.rec->literal_len), 512);
	KUNIT_EXPECT_EQ(test, f.rec->kinds[0], HCX_BLOCK_ZERO);
	KUNIT_EXPECT_EQ(test, f.rec->kinds[1], HCX_BLOCK_REF);
	KUNIT_EXPECT_EQ(test, f.rec->kinds[2], HCX_BLOCK_LITERAL);
	ref = (struct hcx_block_ref *)(f.rec->kinds + 3);
	EXPECT_SAME(test, (u8 *)ref, "\x0d\x0c\x0b\x0a\0\0\0\0", 8);
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(&ref->pos), 0x123000);
	/* A reference's hash is over its blocks' hashes, here one. */
	sha256(hash, HCX_HASH_LEN, hash);
	EXPECT_SAME(test, ref->hash, hash, HCX_HASH_LEN);
	EXPECT_SAME(test, (u8 *)(ref + 1), f.orig + 2 * HCX_BLOCK_SIZE, 512);
	KUNIT_EXPECT_EQ(test, f.how.zero, HCX_BLOCK_SIZE);
	KUNIT_EXPECT_EQ(test, f.how.dedup, HCX_BLOCK_SIZE);
	KUNIT_EXPECT_EQ(test, f.how.literal, 512);

	/* The target rebuilds all but the reference, which it reads itself. */
	KUNIT_ASSERT_EQ(test, decode(test, &f, rec_len, &v), 0);
	KUNIT_EXPECT_EQ(test, v.nrefs, 1);
	KUNIT_EXPECT_EQ(test, v.how.dedup, HCX_BLOCK_SIZE);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(&v.refs[0].disk), 0x0a0b0c0d);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(f.out, 0, HCX_BLOCK_SIZE));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(f.out + HCX_BLOCK_SIZE, 0xa5,
					    HCX_BLOCK_SIZE));
	EXPECT_SAME(test, f.out + 2 * HCX_BLOCK_SIZE, f.orig + 2 * HCX_BLOCK_SIZE,
		    512);
	/* A reference's reserved bytes are zero. */
	put_unaligned_le32(1, &ref->reserved);
	KUNIT_EXPECT_EQ(test, hcx_data_parse(f.rec, rec_len, &v), -EPROTO);
	fixture_free(&f);
	hcx_dedup_free(&d);
}

/*
 * Blocks the target holds one after the other on one disk travel as one
 * reference and its run, whose hash covers them all; a block held
 * elsewhere starts another reference.
 */
static void reference_runs(struct kunit *test)
{
	const u64 p = 0x40000;
	struct hcx_block_ref *ref;
	struct hcx_data_view v;
	u8 hash[HCX_HASH_LEN];
	struct hcx_dedup d;
	struct fixture f;
	size_t len;

	hcx_dedup_init(&d);
	KUNIT_ASSERT_EQ(test, hcx_dedup_resize(&d, SZ_64K), 0);
	fixture_init(test, &f, HCXREPL_COMPRESS_NONE);
	fill_random(f.bytes, 4 * HCX_BLOCK_SIZE, 6);
	sha256(f.bytes, HCX_BLOCK_SIZE, hash);
	hcx_dedup_add(&d, hash, AT(5, p));
	sha256(f.bytes + HCX_BLOCK_SIZE, HCX_BLOCK_SIZE, hash);
	hcx_dedup_add(&d, hash, AT(5, p + HCX_BLOCK_SIZE));
	sha256(f.bytes + 2 * HCX_BLOCK_SIZE, HCX_BLOCK_SIZE, hash);
	hcx_dedup_add(&d, hash, AT(6, p + 2 * HCX_BLOCK_SIZE));
	sha256(f.bytes + 3 * HCX_BLOCK_SIZE, HCX_BLOCK_SIZE, hash);
	hcx_dedup_add(&d, hash, AT(6, p));

	len = encode(&f, 4 * HCX_BLOCK_SIZE, &d);
	KUNIT_ASSERT_EQ(test, len, sizeof(*f.rec) + 4 + 3 * sizeof(*ref));
	EXPECT_SAME(test, f.rec->kinds, "\x02\x03\x02\x02", 4);
	KUNIT_EXPECT_EQ(test, get_unaligned_le16(&f.rec->refs), 3);
	ref = (struct hcx_block_ref *)(f.rec->kinds + 4);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(&ref[0].disk), 5);
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(&ref[0].pos), p);
	hcx_run_digest(f.orig, 2 * HCX_BLOCK_SIZE, hash);
	EXPECT_SAME(test, ref[0].hash, hash, HCX_HASH_LEN);
	/* Another disk, then not the block after it. */
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(&ref[1].disk), 6);
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(&ref[2].pos), p);
	hcx_run_digest(f.orig + 3 * HCX_BLOCK_SIZE, HCX_BLOCK_SIZE, hash);
	EXPECT_SAME(test, ref[2].hash, hash, HCX_HASH_LEN);
	KUNIT_EXPECT_EQ(test, f.how.dedup, 4 * HCX_BLOCK_SIZE);

	KUNIT_ASSERT_EQ(test, hcx_data_parse(f.rec, len, &v), 0);
	KUNIT_EXPECT_EQ(test, v.nrefs, 3);
	KUNIT_EXPECT_EQ(test, hcx_run_end(v.kinds, v.n, 0), 2);
	KUNIT_EXPECT_EQ(test, v.how.dedup, 4 * HCX_BLOCK_SIZE);
	/* A run follows a reference or a run, nothing else. */
	f.rec->kinds[0] = HCX_BLOCK_RUN;
	KUNIT_EXPECT_EQ(test, hcx_data_parse(f.rec, len, &v), -EPROTO);
	fixture_free(&f);
	hcx_dedup_free(&d);
}

/* Literal blocks between references and zeroes go back to their places. */
static void mixed_round_trip(struct kunit *test)
{
	struct hcx_data_view v;
	struct hcx_dedup d;
	u8 hash[HCX_HASH_LEN];
	struct fixture f;
	size_t len;

	hcx_dedup_init(&d);
	KUNIT_ASSERT_EQ(test, hcx_dedup_resize(&d, SZ_64K), 0);
	fixture_init(test, &f, HCXREPL_COMPRESS_ZSTD);
	fill_text(f.bytes, HCX_BLOCK_SIZE);
	fill_random(f.bytes + 2 * HCX_BLOCK_SIZE, 2 * HCX_BLOCK_SIZE, 4);
	sha256(f.bytes + 2 * HCX_BLOCK_SIZE, HCX_BLOCK_SIZE, hash);
	hcx_dedup_add(&d, hash, &chunk_7);

	len = encode(&f, CHUNK, &d);
	KUNIT_EXPECT_EQ(test, f.b->kinds[0], HCX_BLOCK_LITERAL);
	KUNIT_EXPECT_EQ(test, f.b->kinds[1], HCX_BLOCK_ZERO);
	KUNIT_EXPECT_EQ(test, f.b->kinds[2], HCX_BLOCK_REF);
	KUNIT_EXPECT_EQ(test, f.b->kinds[3], HCX_BLOCK_LITERAL);
	KUNIT_ASSERT_EQ(test, decode(test, &f, len, &v), 0);
	memcpy(f.out + 2 * HCX_BLOCK_SIZE, f.orig + 2 * HCX_BLOCK_SIZE,
	       HCX_BLOCK_SIZE);
	EXPECT_SAME(test, f.out, f.orig, CHUNK);
	fixture_free(&f);
	hcx_dedup_free(&d);
}

/* Every inconsistency of the frame is refused, and garbage does not expand. */
static void malformed_records(struct kunit *test)
{
	struct hcx_data_view v;
	struct fixture f;
	size_t len;

	fixture_init(test, &f, HCXREPL_COMPRESS_LZ4);
	fill_text(f.bytes, HCX_BLOCK_SIZE);
	fill_random(f.bytes + HCX_BLOCK_SIZE, HCX_BLOCK_SIZE, 5);
	len = encode(&f, 2 * HCX_BLOCK_SIZE, NULL);
	KUNIT_ASSERT_EQ(test, decode(test, &f, len, &v), 0);

	KUNIT_EXPECT_EQ(test, hcx_data_parse(f.rec, len - 1, &v), -EPROTO);
	KUNIT_EXPECT_EQ(test, hcx_data_parse(f.rec, sizeof(*f.rec) - 1, &v),
			-EPROTO);
	f.rec->reserved = 1;
	KUNIT_EXPECT_EQ(test, hcx_data_parse(f.rec, len, &v), -EPROTO);
	f.rec->reserved = 0;
	f.rec->codec = 3;
	KUNIT_EXPECT_EQ(test, hcx_data_parse(f.rec, len, &v), -EPROTO);
	f.rec->codec = HCX_CODEC_LZ4;
	f.rec->kinds[1] = 3;
	KUNIT_EXPECT_EQ(test, hcx_data_parse(f.rec, len, &v), -EPROTO);
	/* A reference the count does not announce. */
	f.rec->kinds[1] = HCX_BLOCK_REF;
	KUNIT_EXPECT_EQ(test, hcx_data_parse(f.rec, len, &v), -EPROTO);
	/* A zero block: the compressed section no longer matches its size. */
	f.rec->kinds[1] = HCX_BLOCK_ZERO;
	KUNIT_ASSERT_EQ(test, hcx_data_parse(f.rec, len, &v), 0);
	KUNIT_EXPECT_EQ(test, hcx_data_expand(&f.dec, &v, f.out), -EPROTO);
	f.rec->kinds[1] = HCX_BLOCK_LITERAL;
	/* Uncompressed, the section must be the literal blocks' size. */
	f.rec->codec = HCX_CODEC_NONE;
	KUNIT_EXPECT_EQ(test, hcx_data_parse(f.rec, len, &v), -EPROTO);
	f.rec->codec = HCX_CODEC_ZSTD;
	KUNIT_ASSERT_EQ(test, hcx_data_parse(f.rec, len, &v), 0);
	KUNIT_EXPECT_EQ(test, hcx_data_expand(&f.dec, &v, f.out), -EPROTO);
	put_unaligned_le32(0, &f.rec->len);
	KUNIT_EXPECT_EQ(test, hcx_data_parse(f.rec, len, &v), -EPROTO);
	put_unaligned_le32(SZ_1M + 1, &f.rec->len);
	KUNIT_EXPECT_EQ(test, hcx_data_parse(f.rec, len, &v), -EPROTO);
	fixture_free(&f);
}

/* The digest of a chunk is the hash of its blocks' hashes. */
static void digest_of_block_hashes(struct kunit *test)
{
	struct hcx_blocks *b = kunit_kzalloc(test, hcx_blocks_size(CHUNK),
					     GFP_KERNEL);
	u8 *bytes = kunit_kzalloc(test, CHUNK, GFP_KERNEL);
	u8 hashes[2][HCX_HASH_LEN], want[HCX_HASH_LEN], got[HCX_HASH_LEN];

	KUNIT_ASSERT_TRUE(test, b && bytes);
	fill_text(bytes + HCX_BLOCK_SIZE, HCX_BLOCK_SIZE);
	sha256(bytes, HCX_BLOCK_SIZE, hashes[0]);
	sha256(bytes + HCX_BLOCK_SIZE, HCX_BLOCK_SIZE, hashes[1]);
	sha256(&hashes[0][0], sizeof(hashes), want);
	hcx_blocks_scan(bytes, 2 * HCX_BLOCK_SIZE, b, true);
	KUNIT_EXPECT_EQ(test, b->n, 2);
	KUNIT_EXPECT_EQ(test, b->kinds[0], HCX_BLOCK_ZERO);
	KUNIT_EXPECT_EQ(test, b->kinds[1], HCX_BLOCK_LITERAL);
	hcx_blocks_digest(b, got);
	EXPECT_SAME(test, got, want, HCX_HASH_LEN);
}

static void hash_of(u8 *hash, u8 n)
{
	memset(hash, 0, HCX_HASH_LEN);
	hash[0] = n;		/* the bucket */
	hash[31] = n;
}

/* The index keeps the most recently used entries its cap allows. */
static void index_evicts_least_recently_used(struct kunit *test)
{
	u8 a[HCX_HASH_LEN], b[HCX_HASH_LEN], c[HCX_HASH_LEN], e[HCX_HASH_LEN];
	size_t entry = hcx_dedup_entry_size();
	struct hcx_block_at at;
	struct hcx_dedup d;

	hcx_dedup_init(&d);
	KUNIT_EXPECT_FALSE(test, hcx_dedup_find(&d, a, &at));
	/* Four buckets and three entries. */
	KUNIT_ASSERT_EQ(test,
			hcx_dedup_resize(&d, 4 * 8 + 3 * entry + entry - 1),
			0);
	KUNIT_ASSERT_EQ(test, d.bits, 2);
	KUNIT_ASSERT_EQ(test, d.max, 3);

	hash_of(a, 1);
	hash_of(b, 2);
	hash_of(c, 5);		/* a's bucket */
	hash_of(e, 6);
	hcx_dedup_add(&d, a, AT(1, 100));
	hcx_dedup_add(&d, b, AT(1, 200));
	hcx_dedup_add(&d, c, AT(2, 300));
	KUNIT_EXPECT_EQ(test, d.count, 3);
	KUNIT_EXPECT_TRUE(test, hcx_dedup_find(&d, a, &at));
	KUNIT_EXPECT_EQ(test, at.disk, 1);
	KUNIT_EXPECT_EQ(test, at.pos, 100);

	/* b is the least recently used now. */
	hcx_dedup_add(&d, e, AT(2, 400));
	KUNIT_EXPECT_EQ(test, d.count, 3);
	KUNIT_EXPECT_FALSE(test, hcx_dedup_find(&d, b, &at));
	KUNIT_EXPECT_TRUE(test, hcx_dedup_find(&d, c, &at));
	KUNIT_EXPECT_EQ(test, at.disk, 2);
	KUNIT_EXPECT_EQ(test, at.pos, 300);
	KUNIT_EXPECT_TRUE(test, hcx_dedup_find(&d, e, &at));
	KUNIT_EXPECT_EQ(test, at.pos, 400);

	/* A newer place replaces the old one and refreshes the entry. */
	hcx_dedup_add(&d, a, AT(2, 150));
	KUNIT_EXPECT_EQ(test, d.count, 3);
	hcx_dedup_add(&d, b, AT(1, 200));	/* evicts c */
	KUNIT_EXPECT_FALSE(test, hcx_dedup_find(&d, c, &at));
	KUNIT_EXPECT_TRUE(test, hcx_dedup_find(&d, a, &at));
	KUNIT_EXPECT_EQ(test, at.disk, 2);
	KUNIT_EXPECT_EQ(test, at.pos, 150);

	/* Forgotten where it is said to be (disk and position), or anywhere. */
	hcx_dedup_forget(&d, a, AT(2, 100));
	hcx_dedup_forget(&d, a, AT(1, 150));
	KUNIT_EXPECT_EQ(test, d.count, 3);
	hcx_dedup_forget(&d, a, AT(2, 150));
	KUNIT_EXPECT_EQ(test, d.count, 2);
	KUNIT_EXPECT_FALSE(test, hcx_dedup_find(&d, a, &at));
	hcx_dedup_forget(&d, e, NULL);
	hcx_dedup_forget(&d, e, NULL);
	KUNIT_EXPECT_EQ(test, d.count, 1);
	KUNIT_EXPECT_FALSE(test, hcx_dedup_find(&d, e, &at));
	KUNIT_EXPECT_TRUE(test, hcx_dedup_find(&d, b, &at));

	/* A new cap starts empty. */
	KUNIT_ASSERT_EQ(test, hcx_dedup_resize(&d, SZ_1M), 0);
	KUNIT_EXPECT_EQ(test, d.count, 0);
	KUNIT_EXPECT_EQ(test, d.cap, SZ_1M);
	KUNIT_EXPECT_FALSE(test, hcx_dedup_find(&d, b, &at));
	hcx_dedup_free(&d);
	KUNIT_EXPECT_EQ(test, d.max, 0);
	hcx_dedup_add(&d, b, AT(1, 200));
	KUNIT_EXPECT_FALSE(test, hcx_dedup_find(&d, b, &at));
}

/*
 * A literal block is claimed by its record: younger records wait for the
 * claim's answer (here: no time to wait), older ones take the claim over,
 * the same record sends the block again, and only the claimer's answer or
 * loss settles it.
 */
static void index_claims(struct kunit *test)
{
	const struct hcx_block_at mine = { .disk = 4, .pos = 8192 };
	struct hcx_block_at at = { };
	u8 h[HCX_HASH_LEN];
	struct hcx_dedup d;

	hcx_dedup_init(&d);
	KUNIT_ASSERT_EQ(test, hcx_dedup_resize(&d, SZ_64K), 0);
	hash_of(h, 9);

	/* Record 5 claims it; a claim is no place the target holds. */
	KUNIT_EXPECT_FALSE(test, hcx_dedup_use(&d, h, &mine, 5, jiffies, &at));
	KUNIT_EXPECT_EQ(test, d.count, 1);
	KUNIT_EXPECT_FALSE(test, hcx_dedup_find(&d, h, &at));
	/* Record 5 again (a second block of its chunk): literal as well. */
	KUNIT_EXPECT_FALSE(test, hcx_dedup_use(&d, h, AT(4, 0), 5, jiffies,
					       &at));
	/* Record 7 would wait for 5, but has no time: literal, unclaimed. */
	KUNIT_EXPECT_FALSE(test, hcx_dedup_use(&d, h, AT(6, 0), 7, jiffies,
					       &at));
	hcx_dedup_unclaim(&d, h, 7);
	KUNIT_EXPECT_EQ(test, d.count, 1);
	/* Record 3, older, takes it over: 5's loss no longer settles it. */
	KUNIT_EXPECT_FALSE(test, hcx_dedup_use(&d, h, AT(2, 4096), 3,
					       jiffies, &at));
	hcx_dedup_unclaim(&d, h, 5);
	KUNIT_EXPECT_EQ(test, d.count, 1);
	/* 3 is lost: the claim goes. */
	hcx_dedup_unclaim(&d, h, 3);
	KUNIT_EXPECT_EQ(test, d.count, 0);

	/* Claimed by 5, then answered: the next record refers to it. */
	KUNIT_EXPECT_FALSE(test, hcx_dedup_use(&d, h, &mine, 5, jiffies, &at));
	hcx_dedup_add(&d, h, &mine);
	hcx_dedup_unclaim(&d, h, 5);
	KUNIT_EXPECT_TRUE(test, hcx_dedup_use(&d, h, AT(6, 0), 8, jiffies,
					      &at));
	KUNIT_EXPECT_EQ(test, at.disk, 4);
	KUNIT_EXPECT_EQ(test, at.pos, 8192);
	hcx_dedup_free(&d);
}

struct answer_later {
	struct delayed_work work;
	struct hcx_dedup *d;
	u8 hash[HCX_HASH_LEN];
};

static void answer_later_work(struct work_struct *work)
{
	struct answer_later *a = container_of(to_delayed_work(work),
					      struct answer_later, work);

	hcx_dedup_add(a->d, a->hash, AT(4, 8192));
}

/* A younger record waits for the claim's answer, and then refers to it. */
static void index_claim_waits_for_answer(struct kunit *test)
{
	struct answer_later a = { };
	struct hcx_block_at at;
	struct hcx_dedup d;

	hcx_dedup_init(&d);
	KUNIT_ASSERT_EQ(test, hcx_dedup_resize(&d, SZ_64K), 0);
	hash_of(a.hash, 9);
	a.d = &d;
	INIT_DELAYED_WORK(&a.work, answer_later_work);
	KUNIT_EXPECT_FALSE(test, hcx_dedup_use(&d, a.hash, AT(4, 8192), 5,
					       jiffies, &at));
	schedule_delayed_work(&a.work, HZ / 20);
	KUNIT_EXPECT_TRUE(test, hcx_dedup_use(&d, a.hash, AT(6, 0), 6,
					      jiffies + 10 * HZ, &at));
	KUNIT_EXPECT_EQ(test, at.disk, 4);
	KUNIT_EXPECT_EQ(test, at.pos, 8192);
	cancel_delayed_work_sync(&a.work);
	hcx_dedup_free(&d);
}

struct shared_encode {
	struct work_struct work;
	struct hcx_encoder *enc;
	struct fixture f;
	size_t len;
};

static void shared_encode_work(struct work_struct *work)
{
	struct shared_encode *e = container_of(work, struct shared_encode,
					       work);

	hcx_blocks_scan(e->f.bytes, CHUNK, e->f.b, false);
	e->len = hcx_encode(e->enc, NULL, &chunk_7, 1, 7, e->f.bytes, CHUNK,
			    e->f.b, e->f.rec, &e->f.how);
}

/*
 * The threads of a disk share its encoder's workspaces: made when first
 * needed, at most one per CPU; with one allowed, eight encodings at once
 * take turns with it, and each record still rebuilds its chunk.
 */
static void encoder_shares_workspaces(struct kunit *test)
{
	struct shared_encode *e;
	struct hcx_data_view v;
	struct fixture f;
	int i;

	fixture_init(test, &f, HCXREPL_COMPRESS_ZSTD);
	KUNIT_EXPECT_EQ(test, f.enc.max, num_online_cpus());
	KUNIT_EXPECT_EQ(test, f.enc.count, 0);
	encode(&f, CHUNK, NULL);		/* zeroes: nothing to compress */
	KUNIT_EXPECT_EQ(test, f.enc.count, 0);
	for (i = 0; i < 3; i++) {
		fill_text(f.bytes, CHUNK);
		KUNIT_ASSERT_EQ(test, decode(test, &f, encode(&f, CHUNK, NULL),
					     &v), 0);
		EXPECT_SAME(test, f.out, f.orig, CHUNK);
	}
	KUNIT_EXPECT_EQ(test, f.enc.count, 1);

	f.enc.max = 1;
	e = kunit_kcalloc(test, 8, sizeof(*e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	for (i = 0; i < 8; i++) {
		fixture_init(test, &e[i].f, HCXREPL_COMPRESS_ZSTD);
		e[i].enc = &f.enc;
		fill_text(e[i].f.bytes, CHUNK);
		e[i].f.bytes[i] = 'A' + i;
		memcpy(e[i].f.orig, e[i].f.bytes, CHUNK);
		INIT_WORK(&e[i].work, shared_encode_work);
		queue_work(system_unbound_wq, &e[i].work);
	}
	for (i = 0; i < 8; i++) {
		flush_work(&e[i].work);
		KUNIT_EXPECT_NE(test, e[i].f.rec->codec, HCX_CODEC_NONE);
		KUNIT_ASSERT_EQ(test, decode(test, &e[i].f, e[i].len, &v), 0);
		EXPECT_SAME(test, e[i].f.out, e[i].f.orig, CHUNK);
		fixture_free(&e[i].f);
	}
	KUNIT_EXPECT_EQ(test, f.enc.count, 1);
	fixture_free(&f);
	KUNIT_EXPECT_EQ(test, f.enc.count, 0);
}

static struct kunit_case hcx_wanopt_cases[] = {
	KUNIT_CASE(zero_chunk_is_a_marker),
	KUNIT_CASE(random_blocks_travel_raw),
	KUNIT_CASE(text_compresses_both_ways),
	KUNIT_CASE(compression_must_pay),
	KUNIT_CASE(reference_frame),
	KUNIT_CASE(reference_runs),
	KUNIT_CASE(mixed_round_trip),
	KUNIT_CASE(malformed_records),
	KUNIT_CASE(digest_of_block_hashes),
	KUNIT_CASE(index_evicts_least_recently_used),
	KUNIT_CASE(index_claims),
	KUNIT_CASE(index_claim_waits_for_answer),
	KUNIT_CASE(encoder_shares_workspaces),
	{}
};

static struct kunit_suite hcx_wanopt_suite = {
	.name = "hcxrepl_wanopt",
	.test_cases = hcx_wanopt_cases,
};

kunit_test_suite(hcx_wanopt_suite);
