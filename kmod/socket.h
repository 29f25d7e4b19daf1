/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interconnect's UDP sockets: open, close, send.
 */
#ifndef _HCX_SOCKET_H
#define _HCX_SOCKET_H

#include <linux/types.h>

struct dst_cache;
struct hcx_device;
struct hcx_listener;
struct hcx_peer;
struct sk_buff;
struct socket;
union hcx_endpoint;

/**
 * struct hcx_sockets - a device's sockets, bound to one port number
 * @sock4: IPv4 UDP
 * @sock6: IPv6 UDP, NULL when the kernel has no IPv6
 * @listen4: IPv4 TCP, for replication connections
 * @listen6: IPv6 TCP, NULL when the kernel has no IPv6
 * @port: the port all are bound to
 */
struct hcx_sockets {
	struct socket *sock4;
	struct socket *sock6;
	struct hcx_listener *listen4;
	struct hcx_listener *listen6;
	u16 port;
};

int hcx_socket_open(struct hcx_device *hcx, u16 port,
		    struct hcx_sockets *socks);
void hcx_socket_release(struct hcx_sockets *socks);
void hcx_socket_publish(struct hcx_device *hcx, struct hcx_sockets *socks);
int hcx_socket_send_to(struct hcx_device *hcx, struct sk_buff *skb,
		       const union hcx_endpoint *dst, struct dst_cache *cache,
		       unsigned int *room);
int hcx_socket_send_skb(struct hcx_peer *peer, struct sk_buff *skb);
int hcx_socket_send_buffer(struct hcx_peer *peer, const void *buf,
			   size_t len);
int hcx_socket_iif(const struct sk_buff *skb);
void hcx_endpoint_from_skb_iif(union hcx_endpoint *ep,
			       const struct sk_buff *skb, int iif);
void hcx_endpoint_from_skb(union hcx_endpoint *ep, const struct sk_buff *skb);

/* Room a sealed frame needs in front of it, outer headers included. */
#define HCX_SEND_HEADROOM	(16 + 8 + 40 + 32)

#endif /* _HCX_SOCKET_H */
