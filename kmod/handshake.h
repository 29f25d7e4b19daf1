/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Handshakes with the peer site, and the peer's timers.
 */
#ifndef _HCX_HANDSHAKE_H
#define _HCX_HANDSHAKE_H

#include <linux/types.h>

struct hcx_device;
struct sk_buff;
struct work_struct;

/* Handshake messages queued at most; an eighth of it is "under load". */
#define HCX_HANDSHAKE_QUEUE_LEN	1024

bool hcx_handshake_enqueue(struct hcx_device *hcx, struct sk_buff *skb);
void hcx_handshake_work(struct work_struct *work);
void hcx_peer_work(struct work_struct *work);

#endif /* _HCX_HANDSHAKE_H */
