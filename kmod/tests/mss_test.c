// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the MSS clamp (kmod/mss.c): which frames it changes, to
 * what, that the TCP checksum still verifies after, and that fragments,
 * other traffic and malformed headers pass byte for byte untouched.
 */

#include <kunit/test.h>
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <net/tcp.h>

#include "../compat.h"
#include "../mss.h"

/* The room a 1500-byte IPv4 underlay leaves: 1500 - 28 - 32 - 14. */
#define ROOM		1426
#define FRAME_MAX	256

/* How a test frame is built. */
struct syn {
	bool ipv6;
	unsigned int tags;	/* VLAN tags: 802.1ad outside 802.1Q */
	u8 flags;		/* the TCP flags byte */
	const u8 *opts;		/* TCP options, a multiple of 4 bytes */
	unsigned int opts_len;
	bool hop_by_hop;	/* IPv6: an 8-byte hop-by-hop header first */
	bool fragment;		/* IPv4: MF set; IPv6: a fragment header */
	int doff_delta;		/* added to the TCP header's data offset */
	const u8 *pad;		/* 8 bytes after the IP packet, or NULL */
};

struct frame {
	u8 data[FRAME_MAX];
	unsigned int len;
	unsigned int ip_off;
	unsigned int tcp_off;
	unsigned int tcp_len;	/* the TCP header's real length */
	bool ipv6;
};

#define SYN	0x02
#define RST	0x04
#define ACK	0x10

static const u8 mss_1460[] = { TCPOPT_MSS, TCPOLEN_MSS, 0x05, 0xb4,
			       TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK_PERM, 2 };

static __sum16 tcp_sum(const struct frame *f, const u8 *data)
{
	const struct tcphdr *th = (const void *)(data + f->tcp_off);
	__wsum sum = csum_partial(th, f->tcp_len, 0);
	const struct ipv6hdr *ip6h = (const void *)(data + f->ip_off);
	const struct iphdr *iph = (const void *)(data + f->ip_off);

	if (f->ipv6)
		return csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, f->tcp_len,
				       IPPROTO_TCP, sum);
	return csum_tcpudp_magic(iph->saddr, iph->daddr, f->tcp_len,
				 IPPROTO_TCP, sum);
}

static void build(struct frame *f, const struct syn *s)
{
	static const __be16 tag_types[] = { htons(ETH_P_8021AD),
					    htons(ETH_P_8021Q) };
	unsigned int off = 2 * ETH_ALEN, i, ext = 0;
	struct ipv6hdr *ip6h;
	struct tcphdr *th;
	struct iphdr *iph;
	u8 *p = f->data;

	memset(f, 0, sizeof(*f));
	memset(p, 0x02, 2 * ETH_ALEN);
	for (i = 0; i < s->tags; i++) {
		*(__be16 *)(p + off) = tag_types[i + 2 - s->tags];
		*(__be16 *)(p + off + 2) = htons(100 + i);
		off += VLAN_HLEN;
	}
	*(__be16 *)(p + off) = htons(s->ipv6 ? ETH_P_IPV6 : ETH_P_IP);
	f->ip_off = off + 2;
	f->ipv6 = s->ipv6;
	f->tcp_len = sizeof(*th) + s->opts_len;
	if (s->ipv6) {
		ip6h = (void *)(p + f->ip_off);
		ip6h->version = 6;
		ip6h->hop_limit = 64;
		ip6h->saddr.s6_addr[0] = 0xfd;
		ip6h->saddr.s6_addr[15] = 1;
		ip6h->daddr.s6_addr[0] = 0xfd;
		ip6h->daddr.s6_addr[15] = 2;
		ip6h->nexthdr = s->hop_by_hop ? NEXTHDR_HOP :
				s->fragment ? NEXTHDR_FRAGMENT : NEXTHDR_TCP;
		off = f->ip_off + sizeof(*ip6h);
		if (s->hop_by_hop) {
			/* Next header, length 0, PadN of 4 bytes. */
			p[off] = s->fragment ? NEXTHDR_FRAGMENT : NEXTHDR_TCP;
			p[off + 2] = 1;
			p[off + 3] = 4;
			off += 8;
			ext += 8;
		}
		if (s->fragment) {
			/* The first fragment: offset 0, more to come. */
			p[off] = NEXTHDR_TCP;
			*(__be16 *)(p + off + 2) = htons(1);
			off += 8;
			ext += 8;
		}
		ip6h->payload_len = htons(ext + f->tcp_len);
	} else {
		iph = (void *)(p + f->ip_off);
		iph->version = 4;
		iph->ihl = 5;
		iph->ttl = 64;
		iph->protocol = IPPROTO_TCP;
		iph->tot_len = htons(sizeof(*iph) + f->tcp_len);
		iph->frag_off = htons(s->fragment ? IP_MF : IP_DF);
		iph->saddr = htonl(0xc0a83201);
		iph->daddr = htonl(0xc0a83202);
		iph->check = ip_fast_csum(iph, iph->ihl);
		off = f->ip_off + sizeof(*iph);
	}
	f->tcp_off = off;
	th = (void *)(p + off);
	th->source = htons(40000);
	th->dest = htons(5201);
	th->seq = htonl(1);
	th->doff = f->tcp_len / 4 + s->doff_delta;
	p[off + 13] = s->flags;
	th->window = htons(64240);
	memcpy(th + 1, s->opts, s->opts_len);
	th->check = tcp_sum(f, p);
	f->len = off + f->tcp_len;
	if (s->pad) {
		memcpy(p + f->len, s->pad, 8);
		f->len += 8;
	}
}

/* Clamp F's frame with ROOM and MAX; the frame after, in OUT. */
static void run_clamp(struct kunit *test, const struct frame *f,
		      unsigned int room, u16 max, u8 *out)
{
	struct sk_buff *skb;

	skb = alloc_skb(FRAME_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_put_data(skb, f->data, f->len);
	skb->ip_summed = CHECKSUM_NONE;
	hcx_mss_clamp_frame(skb, room, max);
	KUNIT_ASSERT_EQ(test, skb->len, f->len);
	memcpy(out, skb->data, skb->len);
	kfree_skb(skb);
}

/*
 * S's frame clamped with ROOM and MAX announces WANT in its MSS option at
 * OPT (from the TCP options' start), verifies, and has no other change.
 */
static void expect_clamped(struct kunit *test, const struct syn *s,
			   unsigned int room, u16 max, unsigned int opt,
			   u16 want)
{
	unsigned int check_off;
	u8 out[FRAME_MAX];
	struct frame f;

	build(&f, s);
	run_clamp(test, &f, room, max, out);
	KUNIT_EXPECT_EQ(test, get_unaligned_be16(out + f.tcp_off + 20 + opt + 2),
			want);
	KUNIT_EXPECT_EQ(test, (__force u16)tcp_sum(&f, out), 0);
	/* Only the option's value and the checksum changed. */
	check_off = f.tcp_off + offsetof(struct tcphdr, check);
	put_unaligned_be16(want, f.data + f.tcp_off + 20 + opt + 2);
	memcpy(f.data + check_off, out + check_off, 2);
	KUNIT_EXPECT_EQ(test, memcmp(out, f.data, f.len), 0);
}

static void expect_untouched(struct kunit *test, const struct syn *s,
			     unsigned int room, u16 max)
{
	u8 out[FRAME_MAX];
	struct frame f;

	build(&f, s);
	run_clamp(test, &f, room, max, out);
	KUNIT_EXPECT_EQ(test, memcmp(out, f.data, f.len), 0);
}

static void ipv4_syns_are_clamped(struct kunit *test)
{
	struct syn s = { .flags = SYN, .opts = mss_1460, .opts_len = 8 };

	expect_clamped(test, &s, ROOM, U16_MAX, 0, ROOM - 40);
	s.flags = SYN | ACK;
	expect_clamped(test, &s, ROOM, U16_MAX, 0, ROOM - 40);
	/* A frame room leaves the MSS as it is: unchanged, checksum too. */
	expect_untouched(test, &s, 1500, U16_MAX);
}

static void ipv6_syns_get_20_bytes_less(struct kunit *test)
{
	struct syn s = { .ipv6 = true, .flags = SYN, .opts = mss_1460,
			 .opts_len = 8 };

	expect_clamped(test, &s, ROOM, U16_MAX, 0, ROOM - 60);
	s.hop_by_hop = true;
	expect_clamped(test, &s, ROOM, U16_MAX, 0, ROOM - 60);
}

static void each_vlan_tag_takes_4_bytes(struct kunit *test)
{
	struct syn s = { .flags = SYN, .opts = mss_1460, .opts_len = 8 };

	s.tags = 1;
	expect_clamped(test, &s, ROOM, U16_MAX, 0, ROOM - 44);
	s.tags = 2;
	expect_clamped(test, &s, ROOM, U16_MAX, 0, ROOM - 48);
	s.ipv6 = true;
	expect_clamped(test, &s, ROOM, U16_MAX, 0, ROOM - 68);
}

static void a_fixed_clamp_holds_for_both_families(struct kunit *test)
{
	struct syn s = { .flags = SYN, .opts = mss_1460, .opts_len = 8 };

	expect_clamped(test, &s, U16_MAX, 1300, 0, 1300);
	s.ipv6 = true;
	expect_clamped(test, &s, U16_MAX, 1300, 0, 1300);
	s.tags = 1;
	expect_clamped(test, &s, U16_MAX, 1300, 0, 1300);
}

static void the_option_is_found_among_others(struct kunit *test)
{
	static const u8 opts[] = {
		TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TIMESTAMP, TCPOLEN_TIMESTAMP,
		1, 2, 3, 4, 0, 0, 0, 0, TCPOPT_MSS, TCPOLEN_MSS, 0x23, 0x28,
	};
	struct syn s = { .flags = SYN, .opts = opts, .opts_len = 16 };

	expect_clamped(test, &s, ROOM, U16_MAX, 12, ROOM - 40);
}

static void other_segments_and_traffic_pass_untouched(struct kunit *test)
{
	static const u8 mss_1200[] = { TCPOPT_MSS, TCPOLEN_MSS, 0x04, 0xb0 };
	struct syn s = { .flags = ACK, .opts = mss_1460, .opts_len = 8 };
	u8 out[FRAME_MAX];
	struct frame f;

	expect_untouched(test, &s, ROOM, U16_MAX);
	s.flags = SYN | RST;
	expect_untouched(test, &s, ROOM, U16_MAX);
	s.flags = SYN;
	s.opts = mss_1200;
	s.opts_len = 4;
	expect_untouched(test, &s, ROOM, U16_MAX);
	/* Not IP: the same bytes under ARP's ethertype. */
	s.opts = mss_1460;
	s.opts_len = 8;
	build(&f, &s);
	*(__be16 *)(f.data + f.ip_off - 2) = htons(ETH_P_ARP);
	run_clamp(test, &f, ROOM, U16_MAX, out);
	KUNIT_EXPECT_EQ(test, memcmp(out, f.data, f.len), 0);
	/* Three tags: the third is not looked through. */
	s.tags = 2;
	build(&f, &s);
	memmove(f.data + 16, f.data + 12, f.len - 12);
	*(__be16 *)(f.data + 12) = htons(ETH_P_8021AD);
	f.len += 4;
	run_clamp(test, &f, ROOM, U16_MAX, out);
	KUNIT_EXPECT_EQ(test, memcmp(out, f.data, f.len), 0);
}

static void fragments_pass_untouched(struct kunit *test)
{
	struct syn s = { .flags = SYN, .opts = mss_1460, .opts_len = 8,
			 .fragment = true };

	expect_untouched(test, &s, ROOM, U16_MAX);
	s.ipv6 = true;
	expect_untouched(test, &s, ROOM, U16_MAX);
	s.hop_by_hop = true;
	expect_untouched(test, &s, ROOM, U16_MAX);
}

static void malformed_headers_pass_untouched(struct kunit *test)
{
	static const u8 zero_len[] = { 3, 0, 0, 0, TCPOPT_MSS, TCPOLEN_MSS,
				       0x05, 0xb4 };
	static const u8 overrun[] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_NOP, 8,
				      12, 0, 0, 0 };
	static const u8 eol_first[] = { TCPOPT_EOL, 0, 0, 0, TCPOPT_MSS,
					TCPOLEN_MSS, 0x05, 0xb4 };
	static const u8 short_mss[] = { TCPOPT_NOP, TCPOPT_NOP, TCPOPT_MSS, 3,
					0x05, 0xb4, 0, 0 };
	static const u8 pad[] = { TCPOPT_MSS, TCPOLEN_MSS, 0x05, 0xb4,
				  TCPOPT_NOP, TCPOPT_NOP, TCPOPT_NOP,
				  TCPOPT_NOP };
	static const u8 *const bad[] = { zero_len, overrun, eol_first,
					 short_mss };
	struct syn s = { .flags = SYN, .opts_len = 8 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		s.opts = bad[i];
		expect_untouched(test, &s, ROOM, U16_MAX);
		s.ipv6 = true;
		expect_untouched(test, &s, ROOM, U16_MAX);
		s.ipv6 = false;
	}
	/* A data offset under 5, or past the packet into the padding. */
	s.opts = mss_1460;
	s.doff_delta = -3;
	expect_untouched(test, &s, ROOM, U16_MAX);
	s.opts = NULL;
	s.opts_len = 0;
	s.doff_delta = 2;
	s.pad = pad;
	expect_untouched(test, &s, ROOM, U16_MAX);
	s.ipv6 = true;
	expect_untouched(test, &s, ROOM, U16_MAX);
}

static void truncated_frames_pass_untouched(struct kunit *test)
{
	struct syn s = { .flags = SYN, .opts = mss_1460, .opts_len = 8 };
	unsigned int len, cut;
	u8 out[FRAME_MAX];
	struct frame f;

	for (s.ipv6 = false; ; s.ipv6 = true) {
		build(&f, &s);
		len = f.len;
		/* Every length short of the whole SYN: no change, no read past. */
		for (cut = 1; cut < len; cut++) {
			f.len = len - cut;
			run_clamp(test, &f, ROOM, U16_MAX, out);
			KUNIT_EXPECT_EQ(test, memcmp(out, f.data, f.len), 0);
		}
		if (s.ipv6)
			break;
	}
}

static struct kunit_case hcx_mss_cases[] = {
	KUNIT_CASE(ipv4_syns_are_clamped),
	KUNIT_CASE(ipv6_syns_get_20_bytes_less),
	KUNIT_CASE(each_vlan_tag_takes_4_bytes),
	KUNIT_CASE(a_fixed_clamp_holds_for_both_families),
	KUNIT_CASE(the_option_is_found_among_others),
	KUNIT_CASE(other_segments_and_traffic_pass_untouched),
	KUNIT_CASE(fragments_pass_untouched),
	KUNIT_CASE(malformed_headers_pass_untouched),
	KUNIT_CASE(truncated_frames_pass_untouched),
	{}
};

static struct kunit_suite hcx_mss_suite = {
	.name = "hcxrepl_mss",
	.test_cases = hcx_mss_cases,
};

kunit_test_suite(hcx_mss_suite);
