/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What arrives on the interconnect's UDP sockets.
 */
#ifndef _HCX_RECEIVE_H
#define _HCX_RECEIVE_H

struct hcx_peer;
struct sock;
struct sk_buff;
struct work_struct;

int hcx_receive(struct sock *sk, struct sk_buff *skb);
void hcx_receive_work(struct work_struct *work);
void hcx_receive_purge(struct hcx_peer *peer);

#endif /* _HCX_RECEIVE_H */
