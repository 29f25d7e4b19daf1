// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit fuzzing of every parser of what the peer site sends.
 *
 * Each case builds valid encodings with the module's own encoders (the
 * handshake messages, a cookie reply, data messages, every channel record,
 * data records of every codec with zero, literal and referenced blocks,
 * and sealed records), then feeds mutants of them to the parsers: bits
 * flipped, bytes set to 0, 0x7f, 0x80 or 0xff, every truncation, junk
 * appended, length and count fields set to edge values, two encodings
 * spliced.  Each mutant is copied into a buffer of its exact size, so that
 * KASAN sees any read past it, and every parser must either refuse it or
 * return what a model of protocol.rst computes from the same bytes, within
 * the bounds of its buffers and disks; an unmutated encoding must still
 * parse to what was encoded.
 *
 * The mutations come from a seeded PRNG: the seed is the module parameter
 * fuzz_seed, fixed by default, and printed with the counts of inputs.
 */

#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/curve25519.h>
#include <crypto/sha2.h>
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/in.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "../channel.h"
#include "../compat.h"
#include "../cookie.h"
#include "../noise.h"
#include "../peer.h"
#include "../target.h"
#include "../wanopt.h"

static unsigned long long fuzz_seed = 0x6863787265706cULL;
module_param(fuzz_seed, ullong, 0444);
MODULE_PARM_DESC(fuzz_seed, "Seed of the KUnit parser fuzzing");

/* Random mutants per case, beside the systematic ones. */
#define DGRAM_MUTANTS		30000
#define RECORD_MUTANTS		20000
#define DATA_MUTANTS		8000
#define SEALED_MUTANTS		6000
/*
 * Handshake mutants that go on to the public-key work: one in NOISE_ODDS,
 * at most NOISE_MUTANTS initiations and as many responses.
 */
#define NOISE_ODDS		8
#define NOISE_MUTANTS		16

/* Appended junk at most, and the room a mutant may take. */
#define JUNK_MAX		64
#define SEEDS_MAX		16

enum fuzz_parser {
	P_MSG_PARSE,		/* hcx_msg_parse() */
	P_MAC1,			/* receive.c's mac1 check */
	P_MAC2,			/* hcx_cookie_mac2_valid() */
	P_CONSUME_INIT,		/* hcx_noise_consume_initiation() */
	P_CONSUME_RESP,		/* hcx_noise_consume_response() */
	P_COOKIE_OPEN,		/* hcx_cookie_open_reply() */
	P_REC_PARSE,		/* hcx_rec_parse() */
	P_HELLO,		/* hcx_target_parse_hello() */
	P_STATUS,		/* hcx_rec_status() */
	P_DATA_PARSE,		/* hcx_data_parse() */
	P_DATA_CHECK,		/* hcx_target_check_data() */
	P_DATA_EXPAND,		/* hcx_data_expand() */
	P_SEALED_LEN,		/* hcx_channel_sealed_len() */
	P_OPEN,			/* hcx_channel_open() */
	P_COUNT
};

static const char * const fuzz_parser_names[P_COUNT] = {
	[P_MSG_PARSE] = "hcx_msg_parse",
	[P_MAC1] = "mac1 check",
	[P_MAC2] = "hcx_cookie_mac2_valid",
	[P_CONSUME_INIT] = "hcx_noise_consume_initiation",
	[P_CONSUME_RESP] = "hcx_noise_consume_response",
	[P_COOKIE_OPEN] = "hcx_cookie_open_reply",
	[P_REC_PARSE] = "hcx_rec_parse",
	[P_HELLO] = "hcx_target_parse_hello",
	[P_STATUS] = "hcx_rec_status",
	[P_DATA_PARSE] = "hcx_data_parse",
	[P_DATA_CHECK] = "hcx_target_check_data",
	[P_DATA_EXPAND] = "hcx_data_expand",
	[P_SEALED_LEN] = "hcx_channel_sealed_len",
	[P_OPEN] = "hcx_channel_open",
};

/* A field that says a length, a count or a position: WIDTH bytes at OFF. */
struct fuzz_field {
	u16 off;
	u8 width;
};

/**
 * struct fuzz_seed - a valid encoding
 * @bytes: its bytes
 * @len: how many
 * @fields: its length, count and position fields, ended by a zero width
 * @priv: what the case needs to check it
 */
struct fuzz_seed {
	const u8 *bytes;
	size_t len;
	const struct fuzz_field *fields;
	const void *priv;
};

/**
 * struct fuzz - a case's mutator
 * @test: the case
 * @rnd: the PRNG
 * @seeds: the valid encodings
 * @nseeds: how many
 * @buf: where mutants are made
 * @size: its size
 * @inputs: mutants made
 * @fed: mutants fed to each parser
 * @accepted: mutants each parser accepted
 */
struct fuzz {
	struct kunit *test;
	struct rnd_state rnd;
	struct fuzz_seed seeds[SEEDS_MAX];
	unsigned int nseeds;
	u8 *buf;
	size_t size;
	unsigned long inputs;
	unsigned long fed[P_COUNT];
	unsigned long accepted[P_COUNT];
};

static u32 rnd(struct fuzz *f, u32 n)
{
	return n ? ((u64)prandom_u32_state(&f->rnd) * n) >> 32 : 0;
}

static void fuzz_init(struct kunit *test, struct fuzz *f, u64 salt)
{
	memset(f, 0, sizeof(*f));
	f->test = test;
	prandom_seed_state(&f->rnd, fuzz_seed ^ salt);
}

static void fuzz_add_seed(struct fuzz *f, const void *bytes, size_t len,
			  const struct fuzz_field *fields, const void *priv)
{
	KUNIT_ASSERT_LT(f->test, f->nseeds, SEEDS_MAX);
	f->seeds[f->nseeds++] = (struct fuzz_seed){
		.bytes = bytes, .len = len, .fields = fields, .priv = priv,
	};
	f->size = max(f->size, len + JUNK_MAX);
}

/* Room for the mutants, once every seed is in. */
static void fuzz_ready(struct fuzz *f)
{
	f->buf = kunit_kmalloc(f->test, f->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(f->test, f->buf);
}

static void fuzz_count(struct fuzz *f, enum fuzz_parser p, bool accepted)
{
	f->fed[p]++;
	f->accepted[p] += accepted;
}

static void fuzz_report(struct fuzz *f)
{
	int p;

	kunit_info(f->test, "seed %#llx: %lu mutated inputs\n", fuzz_seed,
		   f->inputs);
	for (p = 0; p < P_COUNT; p++)
		if (f->fed[p])
			kunit_info(f->test, "%s: %lu inputs, %lu accepted\n",
				   fuzz_parser_names[p], f->fed[p],
				   f->accepted[p]);
}

/* An edge value for a field of WIDTH bytes that held OLD. */
static u64 fuzz_edge(struct fuzz *f, unsigned int width, u64 old, size_t len)
{
	u64 max = width == 8 ? U64_MAX : (1ULL << (width * 8)) - 1;
	u64 v;

	switch (rnd(f, 10)) {
	case 0:
		v = 0;
		break;
	case 1:
		v = 1;
		break;
	case 2:
		v = old - 1;
		break;
	case 3:
		v = old + 1;
		break;
	case 4:
		v = max;
		break;
	case 5:
		v = max >> 1;
		break;
	case 6:
		v = (max >> 1) + 1;
		break;
	case 7:
		v = 1ULL << rnd(f, width * 8);
		break;
	case 8:
		v = len + rnd(f, 64) - 32;
		break;
	default:
		v = ((u64)prandom_u32_state(&f->rnd) << 32) |
		    prandom_u32_state(&f->rnd);
		break;
	}
	return v & max;
}

static u64 get_field(const u8 *p, unsigned int width)
{
	u64 v = 0;

	while (width--)
		v = v << 8 | p[width];
	return v;
}

static void put_field(u8 *p, unsigned int width, u64 v)
{
	unsigned int i;

	for (i = 0; i < width; i++, v >>= 8)
		p[i] = v;
}

static const u8 fuzz_boundary[] = { 0x00, 0xff, 0x7f, 0x80 };

/*
 * One mutation of the LEN bytes at f->buf, made from seed S; the new
 * length.
 */
static size_t fuzz_mutate_once(struct fuzz *f, const struct fuzz_seed *s,
			       size_t len)
{
	const struct fuzz_seed *other;
	const struct fuzz_field *fl;
	size_t at, n, nfields;
	u8 *p = f->buf;

	switch (rnd(f, 8)) {
	case 0:		/* flip a bit */
		if (len)
			p[rnd(f, len)] ^= 1 << rnd(f, 8);
		break;
	case 1:		/* a boundary value */
		if (len)
			p[rnd(f, len)] = fuzz_boundary[rnd(f, 4)];
		break;
	case 2:		/* cut short */
		len = rnd(f, len + 1);
		break;
	case 3:		/* junk after */
		n = 1 + rnd(f, JUNK_MAX);
		n = min(n, f->size - len);
		prandom_bytes_state(&f->rnd, p + len, n);
		len += n;
		break;
	case 4:		/* splice another encoding's tail */
		other = &f->seeds[rnd(f, f->nseeds)];
		at = rnd(f, len + 1);
		n = rnd(f, other->len + 1);
		n = min(other->len - n, f->size - at);
		memcpy(p + at, other->bytes + other->len - n, n);
		len = at + n;
		break;
	case 5:		/* a run of random bytes */
		if (len) {
			at = rnd(f, len);
			n = min_t(size_t, 1 + rnd(f, 8), len - at);
			prandom_bytes_state(&f->rnd, p + at, n);
		}
		break;
	default:	/* a length, count or position field */
		for (nfields = 0; s->fields && s->fields[nfields].width;)
			nfields++;
		if (!nfields)
			break;
		fl = &s->fields[rnd(f, nfields)];
		if (fl->off + fl->width <= len)
			put_field(p + fl->off, fl->width,
				  fuzz_edge(f, fl->width,
					    get_field(p + fl->off, fl->width),
					    len));
		break;
	}
	return len;
}

/*
 * A random mutant of a random seed, in a buffer of its exact size; its
 * seed in *SP.  NULL when it could not be allocated.
 */
static u8 *fuzz_mutant(struct fuzz *f, const struct fuzz_seed **sp,
		       size_t *lenp)
{
	const struct fuzz_seed *s = &f->seeds[rnd(f, f->nseeds)];
	unsigned int rounds = 1 + rnd(f, 3);
	size_t len = s->len;

	memcpy(f->buf, s->bytes, len);
	while (rounds--)
		len = fuzz_mutate_once(f, s, len);
	*sp = s;
	*lenp = len;
	f->inputs++;
	return kmemdup(f->buf, len, GFP_KERNEL);
}

/*
 * A case stops at its first failing mutant, whose report would be lost
 * among thousands.
 */
static bool fuzz_failed(struct fuzz *f)
{
	return READ_ONCE(f->test->status) == KUNIT_FAILURE;
}

/* Mutant BYTES (LEN bytes) is its seed unchanged. */
static bool fuzz_same(const struct fuzz_seed *s, const u8 *bytes, size_t len)
{
	return len == s->len && !memcmp(bytes, s->bytes, len);
}

/*
 * Feed FEED every systematic mutant of every seed: each truncation, each
 * byte of the first 256 set to each boundary value, and the seed itself.
 */
static void fuzz_sweep(struct fuzz *f,
		       void (*feed)(struct fuzz *f, const struct fuzz_seed *s,
				    const u8 *m, size_t len))
{
	const struct fuzz_seed *s;
	unsigned int i, b;
	size_t len, at;
	u8 *m;

	for (i = 0; i < f->nseeds; i++) {
		s = &f->seeds[i];
		for (len = 0; len <= s->len; len++) {
			m = kmemdup(s->bytes, len, GFP_KERNEL);
			KUNIT_ASSERT_TRUE(f->test, m || !len);
			f->inputs += len < s->len;
			feed(f, s, m, len);
			kfree(m);
			cond_resched();
			if (fuzz_failed(f))
				return;
		}
		for (at = 0; at < min_t(size_t, s->len, 256); at++) {
			for (b = 0; b < ARRAY_SIZE(fuzz_boundary); b++) {
				if (s->bytes[at] == fuzz_boundary[b])
					continue;
				m = kmemdup(s->bytes, s->len, GFP_KERNEL);
				KUNIT_ASSERT_NOT_NULL(f->test, m);
				m[at] = fuzz_boundary[b];
				f->inputs++;
				feed(f, s, m, s->len);
				kfree(m);
			}
			cond_resched();
			if (fuzz_failed(f))
				return;
		}
	}
}

/* Feed FEED N random mutants. */
static void fuzz_run(struct fuzz *f, unsigned int n,
		     void (*feed)(struct fuzz *f, const struct fuzz_seed *s,
				  const u8 *m, size_t len))
{
	const struct fuzz_seed *s;
	unsigned int i;
	size_t len;
	u8 *m;

	for (i = 0; i < n; i++) {
		m = fuzz_mutant(f, &s, &len);
		KUNIT_ASSERT_TRUE(f->test, m || !len);
		feed(f, s, m, len);
		kfree(m);
		cond_resched();
		if (fuzz_failed(f))
			break;
	}
}

/* Deterministic key material for the two sites. */
static void fuzz_key(u8 key[HCXREPL_KEY_LEN], u8 fill)
{
	int i;

	for (i = 0; i < HCXREPL_KEY_LEN; i++)
		key[i] = fill + i * 7;
}

/*
 * The interconnect's datagrams.
 */

struct dgram_sites {
	u8 i_priv[HCXREPL_KEY_LEN], i_pub[HCXREPL_KEY_LEN];
	u8 r_priv[HCXREPL_KEY_LEN], r_pub[HCXREPL_KEY_LEN];
	u8 e_priv[HCXREPL_KEY_LEN], er_priv[HCXREPL_KEY_LEN];
	u8 psk[HCXREPL_KEY_LEN];
	u8 i_mac1_key[HCX_HASH_LEN], r_mac1_key[HCX_HASH_LEN];
	u8 timestamp[HCX_TIMESTAMP_LEN];
	u8 cookie[HCX_MAC_LEN];		/* what the cookie reply carries */
	struct hcx_cookie_checker checker;
	union hcx_endpoint source;
	struct hcx_handshake_state initiator[2];	/* after initiating */
	struct hcx_handshake_state hs;			/* a working copy */
	struct hcx_msg_initiation initiation[2];	/* datagram, channel */
	struct hcx_msg_response response[2];
	struct hcx_msg_cookie reply;
	struct hcx_msg_initiation mutant_init;
	struct hcx_msg_response mutant_resp;
	u8 data[3][HCX_DATA_OVERHEAD + 1514];
	unsigned int noise_init, noise_resp;
};

static const struct fuzz_field dgram_fields[] = {
	{ 0, 1 }, { 4, 4 }, { 8, 4 }, { 8, 8 }, { 0, 0 },
};

/* The type of a datagram, as protocol.rst tells it. */
static int dgram_model(const u8 *m, size_t len)
{
	if (len < 4 || m[1] || m[2] || m[3])
		return 0;
	switch (m[0]) {
	case 1:
		return len == 148 ? 1 : 0;
	case 2:
		return len == 92 ? 2 : 0;
	case 3:
		return len == 64 ? 3 : 0;
	case 4:
		return len >= 32 ? 4 : 0;
	}
	return 0;
}

/*
 * What the responder (or the initiator, for a response) does with a
 * handshake message of LEN bytes at M: mac1, mac2, then, for a few, the
 * public-key work after a valid mac1 is put in.
 */
static void dgram_handshake(struct fuzz *f, struct dgram_sites *t,
			    const u8 *m, size_t len, bool initiation,
			    bool channel)
{
	const u8 *key = initiation ? t->r_mac1_key : t->i_mac1_key;
	size_t mac1_at = len - sizeof(struct hcx_msg_macs);
	size_t body = initiation ? offsetof(struct hcx_msg_initiation, macs) :
				   offsetof(struct hcx_msg_response, macs);
	/* What the AEAD covers: all but the header and the indexes. */
	size_t sealed_at = initiation ?
			   offsetof(struct hcx_msg_initiation, ephemeral) :
			   offsetof(struct hcx_msg_response, ephemeral);
	const u8 *orig = initiation ? (const u8 *)&t->initiation[channel] :
				      (const u8 *)&t->response[channel];
	u8 mac1[HCX_MAC_LEN];
	bool ok;
	int ret;

	hcx_mac(mac1, key, HCX_HASH_LEN, m, mac1_at);
	ok = !crypto_memneq(mac1, m + mac1_at, HCX_MAC_LEN);
	fuzz_count(f, P_MAC1, ok);
	/* A mac1 over other bytes would be a forgery. */
	KUNIT_EXPECT_EQ(f->test, ok, !memcmp(m, orig, mac1_at + HCX_MAC_LEN));
	if (!channel) {
		ok = hcx_cookie_mac2_valid(&t->checker, &t->source, m,
					   mac1_at + HCX_MAC_LEN);
		fuzz_count(f, P_MAC2, ok);
		KUNIT_EXPECT_FALSE(f->test, ok);
	}

	/* A few, with a mac1 that passes: the peer knows the public key. */
	if ((initiation ? t->noise_init : t->noise_resp) >= NOISE_MUTANTS ||
	    rnd(f, NOISE_ODDS))
		return;
	memset(&t->hs, 0, sizeof(t->hs));
	t->hs.channel = channel;
	if (initiation) {
		t->noise_init++;
		memcpy(&t->mutant_init, m, len);
		hcx_mac(t->mutant_init.macs.mac1, key, HCX_HASH_LEN, m, mac1_at);
		ret = hcx_noise_consume_initiation(&t->hs, &t->mutant_init,
						   t->r_priv, t->r_pub);
		fuzz_count(f, P_CONSUME_INIT, !ret);
	} else {
		t->noise_resp++;
		memcpy(&t->hs, &t->initiator[channel], sizeof(t->hs));
		memcpy(&t->mutant_resp, m, len);
		hcx_mac(t->mutant_resp.macs.mac1, key, HCX_HASH_LEN, m, mac1_at);
		ret = hcx_noise_consume_response(&t->hs, &t->mutant_resp,
						 t->i_priv, t->psk);
		fuzz_count(f, P_CONSUME_RESP, !ret);
	}
	KUNIT_EXPECT_EQ(f->test, !ret,
			!memcmp(m + sealed_at, orig + sealed_at,
				body - sealed_at));
	if (ret) {
		/* A refusal leaves no secret behind. */
		KUNIT_EXPECT_NULL(f->test, memchr_inv(&t->hs, 0, sizeof(t->hs)));
	} else if (initiation) {
		KUNIT_EXPECT_EQ(f->test, memcmp(t->hs.remote_static, t->i_pub,
						HCXREPL_KEY_LEN), 0);
		KUNIT_EXPECT_EQ(f->test, memcmp(t->hs.timestamp, t->timestamp,
						HCX_TIMESTAMP_LEN), 0);
	}
	memzero_explicit(&t->hs, sizeof(t->hs));
}

static void dgram_feed(struct fuzz *f, const struct fuzz_seed *s,
		       const u8 *m, size_t len)
{
	struct dgram_sites *t = f->test->priv;
	const struct hcx_msg_cookie *reply;
	u8 cookie[HCX_MAC_LEN];
	int type, want, ret;
	bool ok;

	type = hcx_msg_parse((const struct hcx_msg_header *)m, len);
	want = dgram_model(m, len);
	fuzz_count(f, P_MSG_PARSE, type);
	KUNIT_EXPECT_EQ_MSG(f->test, type, want, "%zu bytes: %*ph", len,
			    (int)min_t(size_t, len, 16), m);
	if (fuzz_same(s, m, len) && s->len > 8)
		KUNIT_EXPECT_EQ(f->test, type, s->bytes[0] > 4 ? 0 : s->bytes[0]);

	switch (type) {
	case HCX_MSG_INITIATION:
		dgram_handshake(f, t, m, len, true, false);
		break;
	case HCX_MSG_RESPONSE:
		dgram_handshake(f, t, m, len, false, false);
		break;
	case HCX_MSG_COOKIE:
		reply = (const struct hcx_msg_cookie *)m;
		ret = hcx_cookie_open_reply(cookie, reply, t->r_pub,
					    t->initiation[0].macs.mac1);
		fuzz_count(f, P_COOKIE_OPEN, !ret);
		/* The nonce and the sealed cookie are what is checked. */
		ok = !memcmp(reply->nonce, t->reply.nonce,
			     sizeof(reply->nonce) +
			     sizeof(reply->encrypted_cookie));
		KUNIT_EXPECT_EQ(f->test, !ret, ok);
		if (!ret)
			KUNIT_EXPECT_EQ(f->test,
					memcmp(cookie, t->cookie, HCX_MAC_LEN),
					0);
		break;
	case HCX_MSG_DATA:
		/* The frame the message carries, within the datagram. */
		KUNIT_EXPECT_LE(f->test, HCX_DATA_OVERHEAD, len);
		break;
	}

	/* The channel's handshake: its type and length never vary. */
	if (len == s->len && (s->bytes[0] == HCX_MSG_CHANNEL_INITIATION ||
			      s->bytes[0] == HCX_MSG_CHANNEL_RESPONSE) &&
	    hcx_header_is((const struct hcx_msg_header *)m, s->bytes[0]))
		dgram_handshake(f, t, m, len,
				s->bytes[0] == HCX_MSG_CHANNEL_INITIATION,
				true);
}

static int dgram_sites_init(struct kunit *test, struct dgram_sites *t)
{
	u8 cookie_key[HCX_HASH_LEN];
	int i, ret;

	fuzz_key(t->i_priv, 0x11);
	fuzz_key(t->r_priv, 0x22);
	fuzz_key(t->e_priv, 0x33);
	fuzz_key(t->er_priv, 0x44);
	fuzz_key(t->psk, 0x55);
	if (!curve25519_generate_public(t->i_pub, t->i_priv) ||
	    !curve25519_generate_public(t->r_pub, t->r_priv))
		return -EINVAL;
	hcx_noise_mac1_key(t->i_mac1_key, t->i_pub);
	hcx_noise_mac1_key(t->r_mac1_key, t->r_pub);
	hcx_tai64n(t->timestamp, 1700000000, 123456789);

	for (i = 0; i < 2; i++) {
		t->initiator[i].channel = i;
		t->hs.channel = i;
		ret = hcx_noise_create_initiation(&t->initiator[i],
						  &t->initiation[i], t->i_priv,
						  t->i_pub, t->r_pub, t->e_priv,
						  t->timestamp, 0x1000 + i) ?:
		      hcx_noise_consume_initiation(&t->hs, &t->initiation[i],
						   t->r_priv, t->r_pub) ?:
		      hcx_noise_create_response(&t->hs, &t->response[i],
						t->er_priv, t->psk, 0x2000 + i);
		memzero_explicit(&t->hs, sizeof(t->hs));
		if (ret)
			return ret;
	}

	hcx_cookie_init(&t->checker);
	hcx_noise_cookie_key(cookie_key, t->r_pub);
	t->source.addr4.sin_family = AF_INET;
	t->source.addr4.sin_addr.s_addr = htonl(0xc0000201);
	t->source.addr4.sin_port = htons(51820);
	ret = hcx_cookie_refresh_sealer(&t->checker, t->r_pub, cookie_key) ?:
	      hcx_cookie_make_reply(&t->checker, &t->reply,
				    t->initiation[0].sender_index,
				    t->initiation[0].macs.mac1, &t->source) ?:
	      hcx_cookie_open_reply(t->cookie, &t->reply, t->r_pub,
				    t->initiation[0].macs.mac1);
	return ret;
}

static void fuzz_datagrams(struct kunit *test)
{
	static const size_t frames[] = { 0, 60, 1514 };
	struct dgram_sites *t;
	struct hcx_msg_data *d;
	struct fuzz *f;
	int i;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, t && f);
	test->priv = t;
	KUNIT_ASSERT_EQ(test, dgram_sites_init(test, t), 0);

	fuzz_init(test, f, 1);
	for (i = 0; i < 2; i++) {
		fuzz_add_seed(f, &t->initiation[i], sizeof(t->initiation[i]),
			      dgram_fields, NULL);
		fuzz_add_seed(f, &t->response[i], sizeof(t->response[i]),
			      dgram_fields, NULL);
	}
	fuzz_add_seed(f, &t->reply, sizeof(t->reply), dgram_fields, NULL);
	for (i = 0; i < ARRAY_SIZE(frames); i++) {
		d = (struct hcx_msg_data *)t->data[i];
		d->header.type = HCX_MSG_DATA;
		d->receiver_index = cpu_to_le32(0x1000);
		d->counter = cpu_to_le64(i);
		prandom_bytes_state(&f->rnd, d->encrypted_frame,
				    frames[i] + HCX_TAG_LEN);
		fuzz_add_seed(f, d, HCX_DATA_OVERHEAD + frames[i],
			      dgram_fields, NULL);
	}
	fuzz_ready(f);

	fuzz_sweep(f, dgram_feed);
	fuzz_run(f, DGRAM_MUTANTS, dgram_feed);
	fuzz_report(f);
	KUNIT_EXPECT_GE(test, f->fed[P_CONSUME_INIT], 1);
	KUNIT_EXPECT_GE(test, f->fed[P_COOKIE_OPEN], 1);
	hcx_cookie_uninit(&t->checker);
}

/*
 * The replication channel's records.
 */

/* The chunks of the data records: 16 KiB, and a short last one. */
#define DATA_CHUNK_SHIFT	14
#define DATA_CHUNK		BIT(DATA_CHUNK_SHIFT)
/* The target disk's number, which its references name. */
#define DATA_DISK		7
#define DATA_SHORT		(2 * HCX_BLOCK_SIZE + 100)

/**
 * struct data_seed - a data record and what it was made from
 * @chunk: the chunk's bytes, unclobbered
 * @len: its length
 * @source_size: the source disk's size, whose last chunk it may be
 * @disk_size: the target's
 * @rec: the record
 * @rec_len: its length
 */
struct data_seed {
	u8 *chunk;
	u32 len;
	u64 source_size;
	u64 disk_size;
	struct hcx_rec_data *rec;
	size_t rec_len;
};

struct rec_fixture {
	struct hcx_rec_hello hello;
	struct hcx_rec_welcome welcome;
	struct hcx_rec_offer offer;
	u8 acks1[sizeof(struct hcx_rec_acks) + sizeof(struct hcx_rec_ack)];
	u8 acks64[sizeof(struct hcx_rec_acks) +
		  HCX_ACKS_MAX * sizeof(struct hcx_rec_ack)];
	struct hcx_rec_promote promote;
	struct hcx_rec_promoted promoted;
	struct hcx_rec_adopt adopt;
	struct hcx_rec_release release;
	struct data_seed data[10];
	unsigned int ndata;
	struct hcx_decoder dec;
	/* the sealed records */
	struct hcx_channel ch;
	u8 *wire[SEEDS_MAX];
	size_t max_plain;
};

static const struct fuzz_field hello_fields[] = {
	{ 4, 2 }, { 6, 2 }, { 8, 4 }, { 12, 8 }, { 36, 8 },
	{ 44 + HCXREPL_DISK_NAME_MAX - 1, 1 }, { 0, 0 },
};

static const struct fuzz_field status_fields[] = {
	{ 4, 4 }, { 8, 8 }, { 32, 8 }, { 0, 0 },
};

static const struct fuzz_field welcome_fields[] = {
	{ 4, 4 }, { 8, 8 }, { 32, 8 }, { 40, 4 }, { 44, 4 }, { 0, 0 },
};

static const struct fuzz_field chunk_fields[] = {
	{ 4, 4 }, { 8, 8 }, { 16, 8 }, { 0, 0 },
};

static const struct fuzz_field release_fields[] = {
	{ 0, 1 }, { 1, 1 }, { 0, 0 },
};

static const struct fuzz_field acks_fields[] = {
	{ 4, 4 }, { 8, 8 }, { 16, 1 }, { 17, 1 }, { 0, 0 },
};

/*
 * The data record's length, chunk, codec, reserved, refs, literal_len;
 * kinds, and the first reference's disk, reserved and position of a
 * 16 KiB chunk.
 */
static const struct fuzz_field data_fields[] = {
	{ 4, 4 }, { 4, 2 }, { 8, 8 }, { 16, 1 }, { 17, 1 }, { 18, 2 },
	{ 20, 4 }, { 24, 1 }, { 25, 1 }, { 27, 1 }, { 28, 4 }, { 32, 4 },
	{ 36, 8 }, { 37, 8 }, { 0, 0 },
};

/* The type of a record, as protocol.rst tells it. */
static int rec_model(const u8 *m, size_t len)
{
	static const size_t exact[] = {
		[1] = 108, [2] = 48, [4] = 48, [6] = 24, [7] = 8, [8] = 24,
		[9] = 4,
	};
	u32 i, n;

	if (len < 4 || m[1] || m[2] || m[3])
		return 0;
	switch (m[0]) {
	case 3:
		return len >= 24 ? 3 : 0;
	case 5:
		if (len < 8)
			return 0;
		n = get_unaligned_le32(m + 4);
		if (n < 1 || n > 64 || len != 8 + 16 * (size_t)n)
			return 0;
		/* Each ack: chunk (8), status (1), reserved (7), zero. */
		for (i = 0; i < n; i++)
			if (memchr_inv(m + 8 + 16 * i + 9, 0, 7))
				return 0;
		return 5;
	case 4: case 6: case 8:
		/* Offer, promote, adopt: reserved (4), zero. */
		if (len == exact[m[0]] && get_unaligned_le32(m + 4))
			return 0;
		fallthrough;
	case 2:
		/* Welcome: reserved (4) at its end, zero. */
		if (m[0] == 2 && len == exact[2] && get_unaligned_le32(m + 44))
			return 0;
		fallthrough;
	case 1: case 7: case 9:
		return len == exact[m[0]] ? m[0] : 0;
	}
	return 0;
}

/* A hello's chunk shift, as protocol.rst and the disk's limits tell it. */
static int hello_model(const u8 *m, size_t len)
{
	u32 chunk;

	if (rec_model(m, len) != HCX_REC_HELLO)
		return -EPROTO;
	chunk = get_unaligned_le32(m + 8);
	if (!get_unaligned_le64(m + 12) || !memchr(m + 44, 0, 64))
		return -EPROTO;
	if (chunk & (chunk - 1) || chunk < SZ_4K || chunk > SZ_1M)
		return -EPROTO;
	return ilog2(chunk);
}

/**
 * struct data_model - what a data record says, by protocol.rst
 * @chunk: its chunk
 * @len: the chunk's length
 * @n: its blocks
 * @refs: references
 * @stored: bytes of the literal section
 * @literal: bytes of the literal blocks
 * @zero: bytes of the zero blocks
 * @dedup: bytes of the referenced blocks
 * @head: bytes before the literal section
 */
struct data_model {
	u64 chunk;
	u32 len;
	unsigned int n;
	unsigned int refs;
	u32 stored;
	u32 literal;
	u32 zero;
	u32 dedup;
	size_t head;
};

static bool data_model(const u8 *m, size_t len, struct data_model *d)
{
	unsigned int i, refs = 0;
	u32 blen;
	u8 codec;

	memset(d, 0, sizeof(*d));
	if (len < 24 || m[17] || m[16] > 2)
		return false;
	codec = m[16];
	d->len = get_unaligned_le32(m + 4);
	d->chunk = get_unaligned_le64(m + 8);
	if (!d->len || d->len > SZ_1M)
		return false;
	d->n = (d->len + 4095) / 4096;
	d->refs = get_unaligned_le16(m + 18);
	d->stored = get_unaligned_le32(m + 20);
	d->head = 24 + d->n + 48 * (size_t)d->refs;
	if (len < d->head || len - d->head != d->stored)
		return false;
	/* Each reference: disk (4), reserved (4), zero, position, hash. */
	for (i = 0; i < d->refs; i++)
		if (get_unaligned_le32(m + 24 + d->n + 48 * i + 4))
			return false;
	for (i = 0; i < d->n; i++) {
		blen = i == d->n - 1 ? d->len - i * 4096 : 4096;
		if (m[24 + i] == 0) {
			d->literal += blen;
		} else if (m[24 + i] == 1) {
			d->zero += blen;
		} else if (m[24 + i] == 2) {
			d->dedup += blen;
			refs++;
		} else if (m[24 + i] == 3 && i &&
			   (m[24 + i - 1] == 2 || m[24 + i - 1] == 3)) {
			/* A run: the block after the previous one's. */
			d->dedup += blen;
		} else {
			return false;
		}
	}
	if (refs != d->refs)
		return false;
	return codec ? d->literal && d->stored : d->stored == d->literal;
}

/* Whether a parsed record fits the disks, by protocol.rst. */
static bool check_model(const u8 *m, const struct data_model *d,
			const struct data_seed *ds)
{
	u64 chunks = DIV_ROUND_UP(ds->source_size, DATA_CHUNK);
	const u8 *ref = m + 24 + d->n;
	unsigned int i, end;
	u64 pos;
	u32 blen;

	if (d->chunk >= chunks ||
	    d->len != min_t(u64, DATA_CHUNK,
			    ds->source_size - d->chunk * DATA_CHUNK))
		return false;
	for (i = 0; i < d->n; i++) {
		if (m[24 + i] != HCX_BLOCK_REF)
			continue;
		/* The reference's block and the run after it. */
		for (end = i + 1; end < d->n && m[24 + end] == 3; end++)
			;
		blen = min_t(u64, d->len, end * 4096) - i * 4096;
		pos = get_unaligned_le64(ref + 8);
		/* Another disk's are read, or found stale, later. */
		if (pos % 4096 || (get_unaligned_le32(ref) == DATA_DISK &&
				   (pos > ds->disk_size ||
				    ds->disk_size - pos < blen)))
			return false;
		ref += 48;
	}
	return true;
}

/*
 * A data record at M, LEN bytes, which seed DS's record was mutated into:
 * parse it, check it against the disks, expand it into a buffer of the
 * chunk's exact size.
 */
static void data_feed(struct fuzz *f, const struct data_seed *ds,
		      const u8 *m, size_t len)
{
	struct rec_fixture *t = f->test->priv;
	struct hcx_data_view v;
	struct data_model d;
	bool want, same = ds && len == ds->rec_len &&
			  !memcmp(m, ds->rec, len);
	unsigned int i, at;
	u32 blen;
	u8 *out;
	int ret;

	ret = hcx_data_parse((const struct hcx_rec_data *)m, len, &v);
	want = data_model(m, len, &d);
	fuzz_count(f, P_DATA_PARSE, !ret);
	KUNIT_EXPECT_EQ(f->test, !ret, want);
	if (same)
		KUNIT_EXPECT_EQ(f->test, ret, 0);
	if (ret || !want)
		return;
	KUNIT_EXPECT_EQ(f->test, v.len, d.len);
	KUNIT_EXPECT_EQ(f->test, v.chunk, d.chunk);
	KUNIT_EXPECT_EQ(f->test, v.n, d.n);
	KUNIT_EXPECT_EQ(f->test, v.nrefs, d.refs);
	KUNIT_EXPECT_EQ(f->test, v.how.stored, d.stored);
	KUNIT_EXPECT_EQ(f->test, v.how.literal, d.literal);
	KUNIT_EXPECT_EQ(f->test, v.how.zero, d.zero);
	KUNIT_EXPECT_EQ(f->test, v.how.dedup, d.dedup);
	KUNIT_EXPECT_PTR_EQ(f->test, v.kinds, m + 24);
	KUNIT_EXPECT_PTR_EQ(f->test, (const u8 *)v.refs, m + 24 + d.n);
	KUNIT_EXPECT_PTR_EQ(f->test, v.literal, m + d.head);

	if (ds) {
		ret = hcx_target_check_data(&v, ds->source_size,
					    DATA_CHUNK_SHIFT, DATA_DISK,
					    ds->disk_size);
		fuzz_count(f, P_DATA_CHECK, !ret);
		KUNIT_EXPECT_EQ(f->test, !ret, check_model(m, &d, ds));
		if (same)
			KUNIT_EXPECT_EQ(f->test, ret, 0);
	}

	out = kmalloc(v.len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(f->test, out);
	ret = hcx_data_expand(&t->dec, &v, out);
	fuzz_count(f, P_DATA_EXPAND, !ret);
	KUNIT_EXPECT_TRUE(f->test, !ret || ret == -EPROTO);
	if (same)
		KUNIT_EXPECT_EQ(f->test, ret, 0);
	if (ret)
		goto out;
	/* Every block the record carries, where it belongs. */
	for (i = 0, at = 0; i < v.n; i++) {
		blen = hcx_block_len(v.len, i);
		if (v.kinds[i] == HCX_BLOCK_ZERO) {
			KUNIT_EXPECT_NULL(f->test,
					  memchr_inv(out + i * HCX_BLOCK_SIZE,
						     0, blen));
		} else if (v.kinds[i] == HCX_BLOCK_LITERAL) {
			if (v.codec == HCX_CODEC_NONE)
				KUNIT_EXPECT_EQ(f->test,
						memcmp(out + i * HCX_BLOCK_SIZE,
						       v.literal + at, blen),
						0);
			at += blen;
		}
		if (same && v.kinds[i] != HCX_BLOCK_REF)
			KUNIT_EXPECT_EQ(f->test,
					memcmp(out + i * HCX_BLOCK_SIZE,
					       ds->chunk + i * HCX_BLOCK_SIZE,
					       blen), 0);
	}
	KUNIT_EXPECT_EQ(f->test, at, v.how.literal);
out:
	kfree(out);
}

static void rec_feed(struct fuzz *f, const struct fuzz_seed *s, const u8 *m,
		     size_t len)
{
	const struct hcx_msg_header *hdr = (const void *)m;
	int type, want, ret;

	type = hcx_rec_parse(hdr, len);
	want = rec_model(m, len);
	fuzz_count(f, P_REC_PARSE, type);
	KUNIT_EXPECT_EQ_MSG(f->test, type, want, "%zu bytes: %*ph", len,
			    (int)min_t(size_t, len, 16), m);
	if (fuzz_same(s, m, len))
		KUNIT_EXPECT_EQ(f->test, type, s->bytes[0]);

	ret = hcx_target_parse_hello((const struct hcx_rec_hello *)m, len);
	fuzz_count(f, P_HELLO, ret >= 0);
	KUNIT_EXPECT_EQ(f->test, ret, hello_model(m, len));

	switch (type) {
	case HCX_REC_PROMOTED:
		ret = hcx_rec_status(((const struct hcx_rec_promoted *)m)->status);
		fuzz_count(f, P_STATUS, !ret);
		/* Zero, or an errno for the caller to return. */
		KUNIT_EXPECT_LE_MSG(f->test, ret, 0, "status %*ph", 4, m + 4);
		KUNIT_EXPECT_GE_MSG(f->test, ret, -MAX_ERRNO, "status %*ph",
				    4, m + 4);
		break;
	case HCX_REC_DATA:
		data_feed(f, s->priv, m, len);
		break;
	}
}

/* A data record of the LEN bytes at BYTES, encoded with COMPRESS and DEDUP. */
static void rec_add_data(struct kunit *test, struct rec_fixture *t,
			 const u8 *bytes, u32 len,
			 enum hcxrepl_compress compress,
			 struct hcx_dedup *dedup)
{
	struct hcx_wanopt_conf conf = {
		.compress = compress, .level = HCX_ZSTD_LEVEL_DEFAULT,
	};
	struct data_seed *ds = &t->data[t->ndata++];
	const struct hcx_block_at here = {
		.disk = DATA_DISK, .pos = 5 * (u64)DATA_CHUNK,
	};
	struct hcx_encoding how;
	struct hcx_encoder enc;
	struct hcx_blocks *b;
	u8 *work;

	ds->len = len;
	ds->chunk = kunit_kmalloc(test, len, GFP_KERNEL);
	work = kunit_kmalloc(test, len, GFP_KERNEL);
	b = kunit_kzalloc(test, hcx_blocks_size(DATA_CHUNK), GFP_KERNEL);
	ds->rec = kunit_kzalloc(test, hcx_data_max(DATA_CHUNK), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, ds->chunk && work && b && ds->rec);
	memcpy(ds->chunk, bytes, len);
	memcpy(work, bytes, len);
	/* The chunk is the last of its disk, whole or short. */
	ds->source_size = 5 * (u64)DATA_CHUNK + len;
	ds->disk_size = ds->source_size + SZ_1M;
	KUNIT_ASSERT_EQ(test, hcx_encoder_init(&enc, &conf, DATA_CHUNK), 0);
	hcx_blocks_scan(work, len, b, !!dedup);
	ds->rec_len = hcx_encode(&enc, dedup, &here, 1, 5, work, len, b,
				 ds->rec, &how);
	hcx_encoder_free(&enc);
	KUNIT_ASSERT_LE(test, ds->rec_len, hcx_data_max(DATA_CHUNK));
}

static void rec_fixture_init(struct kunit *test, struct rec_fixture *t,
			     struct fuzz *f)
{
	static const char line[] = "the seed of a fuzzed data record, ";
	struct hcx_rec_acks *acks;
	const struct hcx_block_at held = {
		.disk = DATA_DISK, .pos = 3 * HCX_BLOCK_SIZE,
	};
	const struct hcx_block_at other = {
		.disk = DATA_DISK + 1, .pos = SZ_1G,
	};
	struct hcx_dedup dedup;
	u8 hash[HCX_HASH_LEN];
	unsigned int i;
	u8 *bytes;

	t->hello.header.type = HCX_REC_HELLO;
	t->hello.stream = cpu_to_le16(1);
	t->hello.streams = cpu_to_le16(4);
	t->hello.chunk_bytes = cpu_to_le32(DATA_CHUNK);
	t->hello.size = cpu_to_le64(SZ_1G);
	t->hello.gen_id = cpu_to_le64(0x1234);
	t->hello.gen_seq = cpu_to_le64(7);
	t->hello.epoch = cpu_to_le64(3);
	strscpy(t->hello.name, "vm-disk-0", sizeof(t->hello.name));
	t->welcome.header.type = HCX_REC_WELCOME;
	t->welcome.status = cpu_to_le32(ESTALE);
	t->welcome.size = cpu_to_le64(SZ_1G);
	t->welcome.epoch = cpu_to_le64(4);
	t->offer.header.type = HCX_REC_OFFER;
	t->offer.chunk = cpu_to_le64(9);
	memset(t->offer.hash, 0xc3, sizeof(t->offer.hash));
	acks = (struct hcx_rec_acks *)t->acks1;
	acks->header.type = HCX_REC_ACKS;
	acks->count = cpu_to_le32(1);
	acks->acks[0].chunk = cpu_to_le64(9);
	acks->acks[0].status = HCX_ACK_SAME;
	acks = (struct hcx_rec_acks *)t->acks64;
	acks->header.type = HCX_REC_ACKS;
	acks->count = cpu_to_le32(HCX_ACKS_MAX);
	for (i = 0; i < HCX_ACKS_MAX; i++) {
		acks->acks[i].chunk = cpu_to_le64(i);
		acks->acks[i].status = HCX_ACK_WRITTEN;
	}
	t->promote.header.type = HCX_REC_PROMOTE;
	t->promote.gen_id = cpu_to_le64(0x1234);
	t->promote.gen_seq = cpu_to_le64(8);
	t->promoted.header.type = HCX_REC_PROMOTED;
	t->promoted.status = cpu_to_le32(EROFS);
	t->adopt.header.type = HCX_REC_ADOPT;
	t->adopt.gen_id = cpu_to_le64(0x1234);
	t->adopt.gen_seq = cpu_to_le64(7);
	t->release.header.type = HCX_REC_RELEASE;

	/* Zero, text, random and repeated blocks of a 16 KiB chunk. */
	bytes = kunit_kzalloc(test, DATA_CHUNK, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bytes);
	for (i = HCX_BLOCK_SIZE; i < 2 * HCX_BLOCK_SIZE; i++)
		bytes[i] = line[i % (sizeof(line) - 1)];
	prandom_bytes_state(&f->rnd, bytes + 2 * HCX_BLOCK_SIZE,
			    HCX_BLOCK_SIZE);
	memcpy(bytes + 3 * HCX_BLOCK_SIZE, bytes + HCX_BLOCK_SIZE, 1000);
	rec_add_data(test, t, bytes, DATA_CHUNK, HCXREPL_COMPRESS_NONE, NULL);
	rec_add_data(test, t, bytes, DATA_CHUNK, HCXREPL_COMPRESS_LZ4, NULL);
	rec_add_data(test, t, bytes, DATA_CHUNK, HCXREPL_COMPRESS_ZSTD, NULL);
	/* The target holds the random block: it goes as a reference. */
	hcx_dedup_init(&dedup);
	KUNIT_ASSERT_EQ(test, hcx_dedup_resize(&dedup, SZ_64K), 0);
	sha256(bytes + 2 * HCX_BLOCK_SIZE, HCX_BLOCK_SIZE, hash);
	hcx_dedup_add(&dedup, hash, &held);
	rec_add_data(test, t, bytes, DATA_CHUNK, HCXREPL_COMPRESS_LZ4, &dedup);
	rec_add_data(test, t, bytes, DATA_SHORT, HCXREPL_COMPRESS_NONE,
		     &dedup);
	rec_add_data(test, t, bytes, DATA_SHORT, HCXREPL_COMPRESS_ZSTD,
		     &dedup);
	/* Another disk holds it, past the end of this one. */
	hcx_dedup_add(&dedup, hash, &other);
	rec_add_data(test, t, bytes, DATA_CHUNK, HCXREPL_COMPRESS_NONE,
		     &dedup);
	hcx_dedup_free(&dedup);
	/* All zero; all text, short. */
	memset(bytes, 0, DATA_CHUNK);
	rec_add_data(test, t, bytes, DATA_CHUNK, HCXREPL_COMPRESS_LZ4, NULL);
	for (i = 0; i < DATA_SHORT; i++)
		bytes[i] = line[i % (sizeof(line) - 1)];
	rec_add_data(test, t, bytes, DATA_SHORT, HCXREPL_COMPRESS_LZ4, NULL);
	rec_add_data(test, t, bytes, DATA_SHORT, HCXREPL_COMPRESS_ZSTD, NULL);
	KUNIT_ASSERT_LE(test, t->ndata, ARRAY_SIZE(t->data));
}

/* The control records, and data records FIRST to LAST. */
static void rec_add_seeds(struct fuzz *f, struct rec_fixture *t,
			  unsigned int first, unsigned int last)
{
	unsigned int i;

	fuzz_add_seed(f, &t->hello, sizeof(t->hello), hello_fields, NULL);
	fuzz_add_seed(f, &t->welcome, sizeof(t->welcome), welcome_fields,
		      NULL);
	fuzz_add_seed(f, &t->offer, sizeof(t->offer), chunk_fields, NULL);
	fuzz_add_seed(f, t->acks1, sizeof(t->acks1), acks_fields, NULL);
	fuzz_add_seed(f, t->acks64, sizeof(t->acks64), acks_fields, NULL);
	fuzz_add_seed(f, &t->promote, sizeof(t->promote), chunk_fields, NULL);
	fuzz_add_seed(f, &t->promoted, sizeof(t->promoted), status_fields,
		      NULL);
	fuzz_add_seed(f, &t->adopt, sizeof(t->adopt), chunk_fields, NULL);
	fuzz_add_seed(f, &t->release, sizeof(t->release), release_fields,
		      NULL);
	for (i = first; i <= last; i++)
		fuzz_add_seed(f, t->data[i].rec, t->data[i].rec_len,
			      data_fields, &t->data[i]);
}

static void fuzz_records(struct kunit *test)
{
	struct rec_fixture *t;
	struct fuzz *f;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, t && f);
	test->priv = t;
	fuzz_init(test, f, 2);
	rec_fixture_init(test, t, f);
	rec_add_seeds(f, t, 3, 3);
	fuzz_ready(f);

	fuzz_sweep(f, rec_feed);
	fuzz_run(f, RECORD_MUTANTS, rec_feed);
	fuzz_report(f);
	hcx_decoder_free(&t->dec);
}

/* Only data records: every codec, zero, literal and referenced blocks. */
static void data_only_feed(struct fuzz *f, const struct fuzz_seed *s,
			   const u8 *m, size_t len)
{
	rec_feed(f, s, m, len);
}

static void fuzz_data_records(struct kunit *test)
{
	struct rec_fixture *t;
	struct fuzz *f;
	unsigned int i;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, t && f);
	test->priv = t;
	fuzz_init(test, f, 3);
	rec_fixture_init(test, t, f);
	for (i = 0; i < t->ndata; i++)
		fuzz_add_seed(f, t->data[i].rec, t->data[i].rec_len,
			      data_fields, &t->data[i]);
	fuzz_ready(f);

	fuzz_sweep(f, data_only_feed);
	fuzz_run(f, DATA_MUTANTS, data_only_feed);
	fuzz_report(f);
	KUNIT_EXPECT_GE(test, f->accepted[P_DATA_EXPAND], t->ndata);
	hcx_decoder_free(&t->dec);
}

/*
 * Sealed records, as the channel receives them: the length field, then
 * ciphertext and tag.
 */

static int sealed_keys(struct hcx_channel *ch)
{
	struct crypto_aead *tfm[2];
	u8 key[HCXREPL_KEY_LEN];
	int i, ret;

	fuzz_key(key, 0x66);
	for (i = 0; i < 2; i++) {
		tfm[i] = crypto_alloc_aead("gcm(aes)", 0, 0);
		if (IS_ERR(tfm[i]))
			return PTR_ERR(tfm[i]);
		if (i)
			ch->rx_aead = tfm[i];
		else
			ch->tx_aead = tfm[i];
		ret = crypto_aead_setkey(tfm[i], key, sizeof(key)) ?:
		      crypto_aead_setauthsize(tfm[i], HCX_TAG_LEN);
		if (ret)
			return ret;
	}
	ch->crypt.req = aead_request_alloc(ch->tx_aead, GFP_KERNEL);
	return ch->crypt.req ? 0 : -ENOMEM;
}

/* The wire bytes of the LEN bytes of plaintext at PLAIN, sealed as nonce 0. */
static u8 *sealed_wire(struct kunit *test, struct rec_fixture *t,
		       const void *plain, size_t len)
{
	u8 *buf = kunit_kzalloc(test, HCX_REC_HEADROOM + len + HCX_TAG_LEN,
				GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	memcpy(buf + HCX_REC_HEADROOM, plain, len);
	KUNIT_ASSERT_EQ(test, hcx_channel_seal(&t->ch, &t->ch.crypt, 0,
					       buf + HCX_REC_HEADROOM, len), 0);
	return buf;
}

static const struct fuzz_field sealed_fields[] = {
	{ 0, 4 }, { 0, 2 }, { 0, 1 }, { 3, 1 }, { 0, 0 },
};

/* The seed whose record the N bytes at M are, if any: a splice may be. */
static const struct fuzz_seed *sealed_match(struct fuzz *f, const u8 *m,
					    size_t n)
{
	unsigned int i;

	for (i = 0; i < f->nseeds; i++)
		if (f->seeds[i].len == n && !memcmp(m, f->seeds[i].bytes, n))
			return &f->seeds[i];
	return NULL;
}

static void sealed_feed(struct fuzz *f, const struct fuzz_seed *s,
			const u8 *m, size_t len)
{
	struct rec_fixture *t = f->test->priv;
	const struct fuzz_seed *plain, *same;
	size_t field, got;
	ssize_t sealed;
	void *opened;
	int ret;

	/* The length field: a shorter stream ends the connection. */
	if (len < HCX_REC_HEADROOM)
		return;
	memcpy(t->ch.rx_buf, m, HCX_REC_HEADROOM);
	sealed = hcx_channel_sealed_len(&t->ch);
	field = get_unaligned_le32(m);
	fuzz_count(f, P_SEALED_LEN, sealed >= 0);
	KUNIT_EXPECT_EQ(f->test, sealed >= 0,
			field >= HCX_TAG_LEN + 4 &&
			field - HCX_TAG_LEN <= t->max_plain);
	if (sealed < 0)
		return;
	KUNIT_EXPECT_EQ(f->test, sealed, field);
	if (len - HCX_REC_HEADROOM < sealed)
		return;
	/* The buffer holds any length it accepted: KASAN tells otherwise. */
	memcpy(t->ch.rx_buf + HCX_REC_HEADROOM, m + HCX_REC_HEADROOM, sealed);
	t->ch.rx_counter = 0;
	ret = hcx_channel_open(&t->ch, sealed, &opened, &got);
	fuzz_count(f, P_OPEN, !ret);
	same = sealed_match(f, m, HCX_REC_HEADROOM + sealed);
	KUNIT_EXPECT_EQ(f->test, !ret, !!same);
	if (ret || !same)
		return;
	plain = same->priv;
	KUNIT_EXPECT_EQ(f->test, got, plain->len);
	KUNIT_EXPECT_EQ(f->test, memcmp(opened, plain->bytes, plain->len), 0);
	KUNIT_EXPECT_EQ(f->test,
			hcx_rec_parse(opened, got), plain->bytes[0]);
}

static void fuzz_sealed_records(struct kunit *test)
{
	struct fuzz_seed *plain;
	struct rec_fixture *t;
	struct fuzz *f, *p;
	unsigned int i;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, t && f && p);
	test->priv = t;
	fuzz_init(test, p, 4);
	rec_fixture_init(test, t, p);
	/* The control records and the shortest data records. */
	rec_add_seeds(p, t, 6, 7);
	for (i = 0; i < p->nseeds; i++)
		t->max_plain = max(t->max_plain, p->seeds[i].len);

	hcx_channel_init(&t->ch);
	KUNIT_ASSERT_EQ(test, sealed_keys(&t->ch), 0);
	KUNIT_ASSERT_EQ(test, hcx_channel_reserve(&t->ch, t->max_plain), 0);

	fuzz_init(test, f, 5);
	plain = kunit_kmalloc_array(test, p->nseeds, sizeof(*plain), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, plain);
	for (i = 0; i < p->nseeds; i++) {
		plain[i] = p->seeds[i];
		fuzz_add_seed(f, sealed_wire(test, t, plain[i].bytes,
					     plain[i].len),
			      HCX_REC_HEADROOM + plain[i].len + HCX_TAG_LEN,
			      sealed_fields, &plain[i]);
	}
	fuzz_ready(f);

	fuzz_sweep(f, sealed_feed);
	fuzz_run(f, SEALED_MUTANTS, sealed_feed);
	fuzz_report(f);
	KUNIT_EXPECT_GE(test, f->accepted[P_OPEN], p->nseeds);
	hcx_channel_close(&t->ch);
}

static struct kunit_case hcx_fuzz_cases[] = {
	KUNIT_CASE(fuzz_datagrams),
	KUNIT_CASE(fuzz_records),
	KUNIT_CASE(fuzz_data_records),
	KUNIT_CASE(fuzz_sealed_records),
	{}
};

static struct kunit_suite hcx_fuzz_suite = {
	.name = "hcxrepl_fuzz",
	.test_cases = hcx_fuzz_cases,
};

kunit_test_suite(hcx_fuzz_suite);
