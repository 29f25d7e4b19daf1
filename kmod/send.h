/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Frames leaving through the interconnect.
 */
#ifndef _HCX_SEND_H
#define _HCX_SEND_H

#include <linux/netdevice.h>

#include "stats.h"

struct hcx_device;
struct hcx_peer;
struct work_struct;

netdev_tx_t hcx_xmit(struct sk_buff *skb, struct net_device *dev);
void hcx_send_queue(struct hcx_peer *peer, struct sk_buff *skb);
void hcx_send_work(struct work_struct *work);
void hcx_send_drop(struct hcx_device *hcx, struct sk_buff *skb,
		   enum hcx_drop_reason reason);
void hcx_send_purge(struct hcx_peer *peer, struct sk_buff_head *queue);
void hcx_send_staged(struct hcx_peer *peer);
void hcx_send_keepalive(struct hcx_peer *peer);

#endif /* _HCX_SEND_H */
