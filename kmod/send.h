/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Frames leaving through the interconnect.
 */
#ifndef _HCX_SEND_H
#define _HCX_SEND_H

#include <linux/netdevice.h>

struct hcx_peer;

netdev_tx_t hcx_xmit(struct sk_buff *skb, struct net_device *dev);
void hcx_send_frame(struct hcx_peer *peer, struct sk_buff *skb);
void hcx_send_staged(struct hcx_peer *peer);
void hcx_send_keepalive(struct hcx_peer *peer);

#endif /* _HCX_SEND_H */
