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

/* Encode LEN bytes of f->bytes with DEDUP; return the record's length. */
static size_t encode(struct fixture *f, u32 len, struct hcx_dedup *dedup)
{
	memcpy(f->orig, f->bytes, len);
	hcx_blocks_scan(f->bytes, len, f->b, dedup);
	return hcx_encode(&f->enc, dedup, 7, 7 * CHUNK, f->bytes, len, f->b,
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
	struct hcx_data_view v;
	struct hcx_dedup d;
	u8 hash[HCX_HASH_LEN];
	struct hcx_block_ref *ref;
	struct fixture f;
	size_t rec_len;

	hcx_dedup_init(&d);
	KUNIT_ASSERT_EQ(test, hcx_dedup_resize(&d, SZ_64K, U64_MAX), 0);
	fixture_init(test, &f, HCXREPL_COMPRESS_NONE);
	fill_random(f.bytes + HCX_BLOCK_SIZE, HCX_BLOCK_SIZE + 512, 3);
	sha256(f.bytes + HCX_BLOCK_SIZE, HCX_BLOCK_SIZE, hash);
	hcx_dedup_add(&d, hash, 0x123000);

	rec_len = encode(&f, len, &d);
	KUNIT_ASSERT_EQ(test, rec_len, sizeof(*f.rec) + 3 + sizeof(*ref) + 512);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(&f.rec->len), len);
	KUNIT_EXPECT_EQ(test, get_unaligned_le16(&f.rec->refs), 1);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(&f.rec->literal_len), 512);
	KUNIT_EXPECT_EQ(test, f.rec->kinds[0], HCX_BLOCK_ZERO);
	KUNIT_EXPECT_EQ(test, f.rec->kinds[1], HCX_BLOCK_REF);
	KUNIT_EXPECT_EQ(test, f.rec->kinds[2], HCX_BLOCK_LITERAL);
	ref = (struct hcx_block_ref *)(f.rec->kinds + 3);
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(&ref->pos), 0x123000);
	EXPECT_SAME(test, ref->hash, hash, HCX_HASH_LEN);
	EXPECT_SAME(test, (u8 *)(ref + 1), f.orig + 2 * HCX_BLOCK_SIZE, 512);
	KUNIT_EXPECT_EQ(test, f.how.zero, HCX_BLOCK_SIZE);
	KUNIT_EXPECT_EQ(test, f.how.dedup, HCX_BLOCK_SIZE);
	KUNIT_EXPECT_EQ(test, f.how.literal, 512);

	/* The target rebuilds all but the reference, which it reads itself. */
	KUNIT_ASSERT_EQ(test, decode(test, &f, rec_len, &v), 0);
	KUNIT_EXPECT_EQ(test, v.nrefs, 1);
	KUNIT_EXPECT_EQ(test, v.how.dedup, HCX_BLOCK_SIZE);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(f.out, 0, HCX_BLOCK_SIZE));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(f.out + HCX_BLOCK_SIZE, 0xa5,
					    HCX_BLOCK_SIZE));
	EXPECT_SAME(test, f.out + 2 * HCX_BLOCK_SIZE, f.orig + 2 * HCX_BLOCK_SIZE,
		    512);
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
	KUNIT_ASSERT_EQ(test, hcx_dedup_resize(&d, SZ_64K, U64_MAX), 0);
	fixture_init(test, &f, HCXREPL_COMPRESS_ZSTD);
	fill_text(f.bytes, HCX_BLOCK_SIZE);
	fill_random(f.bytes + 2 * HCX_BLOCK_SIZE, 2 * HCX_BLOCK_SIZE, 4);
	sha256(f.bytes + 2 * HCX_BLOCK_SIZE, HCX_BLOCK_SIZE, hash);
	hcx_dedup_add(&d, hash, 0);

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
	struct hcx_dedup d;
	u64 pos;

	hcx_dedup_init(&d);
	KUNIT_EXPECT_FALSE(test, hcx_dedup_find(&d, a, &pos));
	/* Four buckets and three entries. */
	KUNIT_ASSERT_EQ(test,
			hcx_dedup_resize(&d, 4 * 8 + 3 * 72 + 71, U64_MAX), 0);
	KUNIT_ASSERT_EQ(test, d.bits, 2);
	KUNIT_ASSERT_EQ(test, d.max, 3);

	hash_of(a, 1);
	hash_of(b, 2);
	hash_of(c, 5);		/* a's bucket */
	hash_of(e, 6);
	hcx_dedup_add(&d, a, 100);
	hcx_dedup_add(&d, b, 200);
	hcx_dedup_add(&d, c, 300);
	KUNIT_EXPECT_EQ(test, d.count, 3);
	KUNIT_EXPECT_TRUE(test, hcx_dedup_find(&d, a, &pos));
	KUNIT_EXPECT_EQ(test, pos, 100);

	/* b is the least recently used now. */
	hcx_dedup_add(&d, e, 400);
	KUNIT_EXPECT_EQ(test, d.count, 3);
	KUNIT_EXPECT_FALSE(test, hcx_dedup_find(&d, b, &pos));
	KUNIT_EXPECT_TRUE(test, hcx_dedup_find(&d, c, &pos));
	KUNIT_EXPECT_EQ(test, pos, 300);
	KUNIT_EXPECT_TRUE(test, hcx_dedup_find(&d, e, &pos));
	KUNIT_EXPECT_EQ(test, pos, 400);

	/* A newer position replaces the old one and refreshes the entry. */
	hcx_dedup_add(&d, a, 150);
	KUNIT_EXPECT_EQ(test, d.count, 3);
	hcx_dedup_add(&d, b, 200);	/* evicts c */
	KUNIT_EXPECT_FALSE(test, hcx_dedup_find(&d, c, &pos));
	KUNIT_EXPECT_TRUE(test, hcx_dedup_find(&d, a, &pos));
	KUNIT_EXPECT_EQ(test, pos, 150);

	/* Forgotten where it is said to be, or anywhere. */
	pos = 100;
	hcx_dedup_forget(&d, a, &pos);
	KUNIT_EXPECT_EQ(test, d.count, 3);
	pos = 150;
	hcx_dedup_forget(&d, a, &pos);
	KUNIT_EXPECT_EQ(test, d.count, 2);
	KUNIT_EXPECT_FALSE(test, hcx_dedup_find(&d, a, &pos));
	hcx_dedup_forget(&d, e, NULL);
	hcx_dedup_forget(&d, e, NULL);
	KUNIT_EXPECT_EQ(test, d.count, 1);
	KUNIT_EXPECT_FALSE(test, hcx_dedup_find(&d, e, &pos));
	KUNIT_EXPECT_TRUE(test, hcx_dedup_find(&d, b, &pos));

	/* A new cap starts empty. */
	KUNIT_ASSERT_EQ(test, hcx_dedup_resize(&d, SZ_1M, U64_MAX), 0);
	KUNIT_EXPECT_EQ(test, d.count, 0);
	KUNIT_EXPECT_FALSE(test, hcx_dedup_find(&d, b, &pos));

	/* A disk of 2048 blocks needs no more, whatever the cap. */
	KUNIT_ASSERT_EQ(test, hcx_dedup_resize(&d, SZ_1G, 2048), 0);
	KUNIT_EXPECT_EQ(test, d.bits, 11);
	KUNIT_EXPECT_EQ(test, d.max, 2048);
	hcx_dedup_free(&d);
	KUNIT_EXPECT_EQ(test, d.max, 0);
	hcx_dedup_add(&d, b, 200);
	KUNIT_EXPECT_FALSE(test, hcx_dedup_find(&d, b, &pos));
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
	e->len = hcx_encode(e->enc, NULL, 7, 7 * CHUNK, e->f.bytes, CHUNK,
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
	KUNIT_CASE(mixed_round_trip),
	KUNIT_CASE(malformed_records),
	KUNIT_CASE(digest_of_block_hashes),
	KUNIT_CASE(index_evicts_least_recently_used),
	KUNIT_CASE(encoder_shares_workspaces),
	{}
};

static struct kunit_suite hcx_wanopt_suite = {
	.name = "hcxrepl_wanopt",
	.test_cases = hcx_wanopt_cases,
};

kunit_test_suite(hcx_wanopt_suite);
