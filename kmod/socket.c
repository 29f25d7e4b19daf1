// SPDX-License-Identifier: GPL-2.0
/*
 * The interconnect's UDP sockets, and the replication listeners beside them.
 *
 * While the device is up it has one kernel UDP socket per address family,
 * both bound to the listen port in the device's namespace (port 0 picks a
 * free one, which then becomes the listen port), and one TCP listener per
 * family on the same port number (target.c serves what they accept).  Received datagrams go to
 * hcx_receive() through the UDP encapsulation hook; sealed messages leave
 * through the UDP tunnel helpers, with the route to the peer cached per
 * CPU in the peer's dst_cache.  The sockets are opened in the namespace
 * the device is in when it comes up; the cached routes are dropped when
 * it goes down, since it may come up again in another namespace.
 *
 * Outer IPv4 datagrams are sent without DF, and IPv6 ones may be
 * fragmented by this host: a full 1500-byte frame plus the interconnect's
 * overhead does not fit a 1500-byte underlay, and dropping it would break
 * the extended segment (protocol.rst, "Frames larger than the underlay").
 *
 * Locking: hcx_device.sock4/sock6 are RCU pointers written under RTNL; a
 * replaced socket is released after a grace period.  Senders read them in
 * an RCU-bh section.  The peer's endpoint is read under its endpoint_lock.
 */

#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/addrconf.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/ipv6_stubs.h>
#include <net/route.h>
#include <net/udp_tunnel.h>

#include "device.h"
#include "receive.h"
#include "socket.h"
#include "target.h"

static int hcx_socket_create(struct hcx_device *hcx, int family, u16 port,
			     struct socket **sock)
{
	struct udp_tunnel_sock_cfg tunnel = {
		.sk_user_data = hcx,
		.encap_type = 1,
		.encap_rcv = hcx_receive,
	};
	struct udp_port_cfg cfg = {
		.family = family,
		.local_udp_port = htons(port),
		.use_udp_checksums = true,
		.use_udp6_tx_checksums = true,
		.use_udp6_rx_checksums = true,
		.ipv6_v6only = true,
	};
	struct net *net = dev_net(hcx->dev);
	int ret;

	ret = udp_sock_create(net, &cfg, sock);
	if (ret)
		return ret;
	setup_udp_tunnel_sock(net, *sock, &tunnel);
	return 0;
}

/**
 * hcx_socket_open - open the device's sockets on PORT
 * @hcx: the device
 * @port: the port, 0 for any free one
 * @socks: the sockets, on success
 *
 * Return: 0, or a negative errno (-EADDRINUSE when PORT is taken).
 */
int hcx_socket_open(struct hcx_device *hcx, u16 port,
		    struct hcx_sockets *socks)
{
	int tries, ret;

	for (tries = 0; tries < 16; tries++) {
		memset(socks, 0, sizeof(*socks));
		ret = hcx_socket_create(hcx, AF_INET, port, &socks->sock4);
		if (ret)
			return ret;
		socks->port = ntohs(inet_sk(socks->sock4->sk)->inet_sport);
		ret = hcx_target_listen(hcx->dev, AF_INET, socks->port,
					&socks->listen4);
		if (!ret && ipv6_mod_enabled()) {
			ret = hcx_socket_create(hcx, AF_INET6, socks->port,
						&socks->sock6);
			if (!ret)
				ret = hcx_target_listen(hcx->dev, AF_INET6,
							socks->port,
							&socks->listen6);
			if (ret == -EAFNOSUPPORT)
				ret = 0;
		}
		if (!ret)
			return 0;
		hcx_socket_release(socks);
		/* A free UDP port may be taken in TCP or IPv6: pick another. */
		if (ret != -EADDRINUSE || port)
			return ret;
	}
	return ret;
}

void hcx_socket_release(struct hcx_sockets *socks)
{
	if (socks->listen4)
		hcx_target_unlisten(socks->listen4);
	if (socks->listen6)
		hcx_target_unlisten(socks->listen6);
	if (socks->sock4)
		udp_tunnel_sock_release(socks->sock4);
	if (socks->sock6)
		udp_tunnel_sock_release(socks->sock6);
	socks->listen4 = NULL;
	socks->listen6 = NULL;
	socks->sock4 = NULL;
	socks->sock6 = NULL;
}

/*
 * Make SOCKS the device's sockets (both NULL to close them) and release
 * the previous ones, which SOCKS holds on return.  RTNL held.
 */
void hcx_socket_publish(struct hcx_device *hcx, struct hcx_sockets *socks)
{
	struct hcx_sockets old;

	ASSERT_RTNL();
	old.sock4 = rtnl_dereference(hcx->sock4);
	old.sock6 = rtnl_dereference(hcx->sock6);
	old.listen4 = hcx->listen4;
	old.listen6 = hcx->listen6;
	rcu_assign_pointer(hcx->sock4, socks->sock4);
	rcu_assign_pointer(hcx->sock6, socks->sock6);
	hcx->listen4 = socks->listen4;
	hcx->listen6 = socks->listen6;
	synchronize_net();
	hcx_socket_release(&old);
	*socks = old;
}

static int hcx_send4(struct hcx_device *hcx, struct sk_buff *skb,
		     const struct sockaddr_in *dst, struct dst_cache *cache,
		     unsigned int *room)
{
	struct flowi4 fl = {
		.daddr = dst->sin_addr.s_addr,
		.fl4_dport = dst->sin_port,
		.flowi4_proto = IPPROTO_UDP,
	};
	struct rtable *rt = NULL;
	struct socket *sock;
	int ret;

	sock = rcu_dereference_bh(hcx->sock4);
	if (!sock)
		return -ENETDOWN;
	fl.fl4_sport = inet_sk(sock->sk)->inet_sport;
	if (cache)
		rt = dst_cache_get_ip4(cache, &fl.saddr);
	if (!rt) {
		rt = ip_route_output_flow(sock_net(sock->sk), &fl, sock->sk);
		if (IS_ERR(rt))
			return PTR_ERR(rt);
		if (cache)
			dst_cache_set_ip4(cache, &rt->dst, fl.saddr);
	}
	/* An endpoint routed through the interconnect itself would loop. */
	if (rt->dst.dev == hcx->dev) {
		ret = -ELOOP;
		goto err;
	}
	ret = skb_cow_head(skb, LL_RESERVED_SPACE(rt->dst.dev) +
				sizeof(struct iphdr) + sizeof(struct udphdr));
	if (ret)
		goto err;
	if (room)
		*room = dst_mtu(&rt->dst) - sizeof(struct iphdr) -
			sizeof(struct udphdr);
	/* Like any datagram this host sends: accounted on the underlay. */
	skb->dev = NULL;
	udp_tunnel_xmit_skb(rt, sock->sk, skb, fl.saddr, fl.daddr, 0,
			    ip4_dst_hoplimit(&rt->dst), 0, fl.fl4_sport,
			    fl.fl4_dport, false, false);
	return 0;
err:
	ip_rt_put(rt);
	return ret;
}

static int hcx_send6(struct hcx_device *hcx, struct sk_buff *skb,
		     const struct sockaddr_in6 *dst, struct dst_cache *cache,
		     unsigned int *room)
{
	struct flowi6 fl = {
		.daddr = dst->sin6_addr,
		.fl6_dport = dst->sin6_port,
		.flowi6_oif = dst->sin6_scope_id,
		.flowi6_proto = IPPROTO_UDP,
	};
	struct dst_entry *route = NULL;
	struct socket *sock;
	int ret;

	sock = rcu_dereference_bh(hcx->sock6);
	if (!sock)
		return -EAFNOSUPPORT;
	fl.fl6_sport = inet_sk(sock->sk)->inet_sport;
	if (cache)
		route = dst_cache_get_ip6(cache, &fl.saddr);
	if (!route) {
		route = ipv6_stub->ipv6_dst_lookup_flow(sock_net(sock->sk),
							sock->sk, &fl, NULL);
		if (IS_ERR(route))
			return PTR_ERR(route);
		if (cache)
			dst_cache_set_ip6(cache, route, &fl.saddr);
	}
	if (route->dev == hcx->dev) {
		ret = -ELOOP;
		goto err;
	}
	ret = skb_cow_head(skb, LL_RESERVED_SPACE(route->dev) +
				sizeof(struct ipv6hdr) + sizeof(struct udphdr));
	if (ret)
		goto err;
	if (room)
		*room = dst_mtu(route) - sizeof(struct ipv6hdr) -
			sizeof(struct udphdr);
	skb->dev = NULL;
	/* This host fragments what exceeds the path MTU (see above). */
	skb->ignore_df = 1;
	udp_tunnel6_xmit_skb(route, sock->sk, skb, NULL, &fl.saddr, &fl.daddr,
			     0, ip6_dst_hoplimit(route), 0, fl.fl6_sport,
			     fl.fl6_dport, false);
	return 0;
err:
	dst_release(route);
	return ret;
}

/**
 * hcx_socket_send_to - send a sealed message to DST
 * @hcx: the device
 * @skb: the message, consumed
 * @dst: where to
 * @cache: the route cache for @dst, or NULL
 * @room: set to the largest message the route carries unfragmented
 *	(its MTU less the outer headers), when sent; or NULL
 *
 * Any context.
 *
 * Return: 0, or a negative errno when the message could not be sent.
 */
int hcx_socket_send_to(struct hcx_device *hcx, struct sk_buff *skb,
		       const union hcx_endpoint *dst, struct dst_cache *cache,
		       unsigned int *room)
{
	int ret;

	skb->ip_summed = CHECKSUM_NONE;
	rcu_read_lock_bh();
	if (dst->addr.sa_family == AF_INET)
		ret = hcx_send4(hcx, skb, &dst->addr4, cache, room);
	else if (dst->addr.sa_family == AF_INET6)
		ret = hcx_send6(hcx, skb, &dst->addr6, cache, room);
	else
		ret = -EDESTADDRREQ;
	rcu_read_unlock_bh();
	if (ret)
		kfree_skb(skb);
	return ret;
}

/* Send SKB to the peer's endpoint; on failure it is dropped and counted. */
int hcx_socket_send_skb(struct hcx_peer *peer, struct sk_buff *skb)
{
	unsigned int len = skb->len, room;
	int ret;

	read_lock_bh(&peer->endpoint_lock);
	ret = hcx_socket_send_to(peer->hcx, skb, &peer->endpoint,
				 &peer->dst_cache, &room);
	read_unlock_bh(&peer->endpoint_lock);
	if (ret) {
		hcx_drop_count(&peer->hcx->drops, HCX_DROP_TX_UNREACHABLE);
		net_dbg_ratelimited("%s: peer unreachable: %d\n",
				    peer->hcx->dev->name, ret);
		return ret;
	}
	hcx_peer_stats_add(peer, false, len);
	WRITE_ONCE(peer->last_sent_ns, ktime_get_coarse_boottime_ns());
	/* Written only when it changes: every sender reads it (mss.c). */
	if (READ_ONCE(peer->path_room) != room)
		WRITE_ONCE(peer->path_room, room);
	return 0;
}

/* Send a copy of the handshake message BUF to the peer. */
int hcx_socket_send_buffer(struct hcx_peer *peer, const void *buf, size_t len)
{
	struct sk_buff *skb;

	skb = alloc_skb(HCX_SEND_HEADROOM + len, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	skb_reserve(skb, HCX_SEND_HEADROOM);
	skb_put_data(skb, buf, len);
	return hcx_socket_send_skb(peer, skb);
}

/*
 * The interface a datagram received by UDP arrived on, as IPv6 recorded it
 * in skb->cb: read it before the cb is put to another use.
 */
int hcx_socket_iif(const struct sk_buff *skb)
{
	return ip_hdr(skb)->version == 6 ? inet6_iif(skb) : 0;
}

/**
 * hcx_endpoint_from_skb_iif - the outer source of a datagram received by UDP
 * @ep: the source address and port
 * @skb: the datagram; its cb may hold anything
 * @iif: what hcx_socket_iif() said of it, which scopes a link-local source
 */
void hcx_endpoint_from_skb_iif(union hcx_endpoint *ep,
			       const struct sk_buff *skb, int iif)
{
	memset(ep, 0, sizeof(*ep));
	if (ip_hdr(skb)->version == 4) {
		ep->addr4.sin_family = AF_INET;
		ep->addr4.sin_port = udp_hdr(skb)->source;
		ep->addr4.sin_addr.s_addr = ip_hdr(skb)->saddr;
	} else if (ip_hdr(skb)->version == 6) {
		ep->addr6.sin6_family = AF_INET6;
		ep->addr6.sin6_port = udp_hdr(skb)->source;
		ep->addr6.sin6_addr = ipv6_hdr(skb)->saddr;
		if (ipv6_addr_type(&ep->addr6.sin6_addr) &
		    IPV6_ADDR_LINKLOCAL)
			ep->addr6.sin6_scope_id = iif;
	}
}

/* The same, of a datagram whose cb is still the one UDP received it with. */
void hcx_endpoint_from_skb(union hcx_endpoint *ep, const struct sk_buff *skb)
{
	hcx_endpoint_from_skb_iif(ep, skb, hcx_socket_iif(skb));
}
