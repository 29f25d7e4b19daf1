// SPDX-License-Identifier: GPL-2.0
/*
 * TCP flow conditioning for the extension: the MSS that TCP peers announce
 * in their SYNs is lowered so that their full-size segments, once sealed,
 * fit the underlay unfragmented (design.rst, "MSS clamping").  Only TCP is
 * conditioned; other traffic too large for the underlay is fragmented
 * there as before.
 *
 * hcx_mss_clamp() sees every frame the device sends (hcx_xmit(), before
 * the frame is queued for sealing) and every frame it receives (before
 * eth_type_trans()), so both directions of a flow are clamped whichever
 * site opened it, and whatever the other site's setting.
 *
 * The ceiling is the device's setting (hcx_device.mss_clamp): a fixed MSS
 * for both families, none, or automatic.  Automatic clamps only when a
 * full frame does not fit the underlay once sealed: the peer's route, as
 * last used (hcx_peer.path_room), carries messages of some size; less the
 * data message's overhead and the inner Ethernet header, that is the
 * largest inner IP packet that crosses whole, and the MSS is that less 40
 * bytes of IPv4 and TCP headers (60 for IPv6, 4 more per VLAN tag).
 *
 * A frame is changed only when it is an IPv4 or IPv6 TCP segment with SYN
 * set and RST clear, behind at most two VLAN tags, not a fragment,
 * carrying an MSS option larger than the clamp: the option is lowered in
 * place and the TCP checksum mended.  Anything else, a malformed frame
 * included, passes untouched: judging it is the receiver's business.
 *
 * Context: any; the caller owns the frame, which starts at skb->data with
 * its Ethernet header (VLAN tags, if any, are in the data: the device
 * offers no VLAN offload).
 */

#include <kunit/visibility.h>
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/ipv6.h>
#include <net/tcp.h>

#include "device.h"
#include "mss.h"

/* VLAN tags looked through: 802.1ad outside 802.1Q at most. */
#define HCX_MSS_TAGS	2

/*
 * Lower the MSS option of the TCP SYN whose header is at THOFF, in an IP
 * packet that ends at END, to at most MSS.  Only an option already there
 * is changed: a SYN without one means 536 (IPv4) or 1220 (IPv6), which
 * fits any underlay worth the name.
 */
static void hcx_mss_clamp_tcp(struct sk_buff *skb, unsigned int thoff,
			      unsigned int end, u16 mss)
{
	unsigned int hdrlen, i;
	struct tcphdr *th;
	u16 old;
	u8 *opt;

	if (!pskb_may_pull(skb, thoff + sizeof(*th)))
		return;
	th = (struct tcphdr *)(skb->data + thoff);
	if (!th->syn || th->rst || th->doff < sizeof(*th) / 4)
		return;
	hdrlen = th->doff * 4;
	/* Options beyond the packet (in the frame's padding) are none. */
	if (thoff + hdrlen > end || skb_ensure_writable(skb, thoff + hdrlen))
		return;
	/* The head may have moved. */
	th = (struct tcphdr *)(skb->data + thoff);
	opt = (u8 *)(th + 1);
	hdrlen -= sizeof(*th);
	for (i = 0; i < hdrlen; ) {
		if (opt[i] == TCPOPT_EOL)
			return;
		if (opt[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= hdrlen || opt[i + 1] < 2 || opt[i + 1] > hdrlen - i)
			return;
		if (opt[i] == TCPOPT_MSS && opt[i + 1] == TCPOLEN_MSS) {
			old = get_unaligned_be16(opt + i + 2);
			if (old <= mss)
				return;
			put_unaligned_be16(mss, opt + i + 2);
			/*
			 * Not in the pseudo-header: a partial checksum is
			 * completed over the new value later, a complete one
			 * sums the same (option and checksum moved together).
			 */
			inet_proto_csum_replace2(&th->check, skb, htons(old),
						 htons(mss), false);
			return;
		}
		i += opt[i + 1];
	}
}

/**
 * hcx_mss_clamp_frame - clamp the SYN in a frame, if it is one
 * @skb: the frame, from its Ethernet header; the caller owns it
 * @room: the largest IP packet an untagged frame may carry (a VLAN tag
 *	takes its four bytes from it; the MSS of an IPv4 flow is what is
 *	left without 40 bytes of headers, of an IPv6 flow without 60)
 * @max_mss: a lower ceiling, or U16_MAX for none
 */
void hcx_mss_clamp_frame(struct sk_buff *skb, unsigned int room, u16 max_mss)
{
	unsigned int off = ETH_HLEN, tags = 0, hdrs, thoff, end;
	struct ipv6hdr *ip6h;
	struct iphdr *iph;
	__be16 proto, frag;
	u8 nexthdr;
	int ret;

	if (!pskb_may_pull(skb, ETH_HLEN))
		return;
	proto = ((struct ethhdr *)skb->data)->h_proto;
	while (eth_type_vlan(proto) && tags < HCX_MSS_TAGS) {
		if (!pskb_may_pull(skb, off + VLAN_HLEN))
			return;
		proto = ((struct vlan_hdr *)(skb->data + off))->h_vlan_encapsulated_proto;
		off += VLAN_HLEN;
		tags++;
	}
	if (proto == htons(ETH_P_IP)) {
		if (!pskb_may_pull(skb, off + sizeof(*iph)))
			return;
		iph = (struct iphdr *)(skb->data + off);
		/* A fragment's options may be cut: SYNs come whole. */
		if (iph->version != 4 || iph->ihl < 5 ||
		    iph->protocol != IPPROTO_TCP ||
		    (iph->frag_off & htons(IP_MF | IP_OFFSET)))
			return;
		thoff = off + iph->ihl * 4;
		end = off + ntohs(iph->tot_len);
		hdrs = sizeof(*iph) + sizeof(struct tcphdr);
	} else if (proto == htons(ETH_P_IPV6)) {
		if (!pskb_may_pull(skb, off + sizeof(*ip6h)))
			return;
		ip6h = (struct ipv6hdr *)(skb->data + off);
		if (ip6h->version != 6)
			return;
		nexthdr = ip6h->nexthdr;
		end = off + sizeof(*ip6h) + ntohs(ip6h->payload_len);
		ret = ipv6_skip_exthdr(skb, off + sizeof(*ip6h), &nexthdr,
				       &frag);
		/* Any fragment header (offset or more to come) is skipped. */
		if (ret < 0 || nexthdr != IPPROTO_TCP || frag)
			return;
		thoff = ret;
		hdrs = sizeof(*ip6h) + sizeof(struct tcphdr);
	} else {
		return;
	}
	if (room <= tags * VLAN_HLEN + hdrs)
		return;
	room -= tags * VLAN_HLEN + hdrs;
	hcx_mss_clamp_tcp(skb, thoff, end, min_t(unsigned int, max_mss, room));
}
EXPORT_SYMBOL_IF_KUNIT(hcx_mss_clamp_frame);

/*
 * The largest inner IP packet of an untagged frame that crosses the
 * underlay whole once sealed, when a full frame does not; else 0.
 */
static unsigned int hcx_mss_room(const struct hcx_device *hcx,
				 const struct hcx_peer *peer)
{
	unsigned int path = READ_ONCE(peer->path_room);
	unsigned int room;

	/* Not sent yet, or a path too small for any frame: nothing known. */
	if (path <= HCX_DATA_OVERHEAD + ETH_HLEN)
		return 0;
	room = path - HCX_DATA_OVERHEAD - ETH_HLEN;
	return room < READ_ONCE(hcx->dev->mtu) ? room : 0;
}

/*
 * What the device's setting clamps SYNs to now, as hcx_mss_clamp_frame()
 * takes it: false when it clamps none, else the room and the ceiling.
 */
static bool hcx_mss_limits(const struct hcx_device *hcx,
			   const struct hcx_peer *peer, unsigned int *room,
			   u16 *max_mss)
{
	u16 setting = READ_ONCE(hcx->mss_clamp);

	if (setting == HCXREPL_MSS_CLAMP_OFF)
		return false;
	if (setting != HCXREPL_MSS_CLAMP_AUTO) {
		*room = U16_MAX;
		*max_mss = setting;
		return true;
	}
	*room = peer ? hcx_mss_room(hcx, peer) : 0;
	*max_mss = U16_MAX;
	return *room;
}

/**
 * hcx_mss_now - the MSS ceiling the device applies now
 * @hcx: the device
 * @peer: its peer, held or under RCU; NULL for none
 *
 * Return: the ceiling for IPv4 SYNs (an automatic one is 20 bytes lower
 * for IPv6), or 0 when no SYN is clamped now.
 */
u16 hcx_mss_now(const struct hcx_device *hcx, const struct hcx_peer *peer)
{
	const unsigned int hdrs = sizeof(struct iphdr) + sizeof(struct tcphdr);
	unsigned int room;
	u16 max_mss;

	if (!hcx_mss_limits(hcx, peer, &room, &max_mss) || room <= hdrs)
		return 0;
	return min_t(unsigned int, max_mss, room - hdrs);
}

/**
 * hcx_mss_clamp - clamp the MSS of a TCP SYN crossing the extension
 * @skb: the frame, from its Ethernet header; the caller owns it
 * @hcx: the device it crosses
 * @peer: the device's peer, held or under RCU
 *
 * Any context.  Changes only the MSS option of a SYN, if above the
 * device's ceiling (see above); the checksum follows.
 */
void hcx_mss_clamp(struct sk_buff *skb, const struct hcx_device *hcx,
		   const struct hcx_peer *peer)
{
	unsigned int room;
	u16 max_mss;

	/* A SYN is never a GSO frame: the bulk of the traffic stops here. */
	if (!skb_is_gso(skb) && hcx_mss_limits(hcx, peer, &room, &max_mss))
		hcx_mss_clamp_frame(skb, room, max_mss);
}
