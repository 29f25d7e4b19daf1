/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What arrives on the interconnect's UDP sockets.
 */
#ifndef _HCX_RECEIVE_H
#define _HCX_RECEIVE_H

struct sock;
struct sk_buff;

int hcx_receive(struct sock *sk, struct sk_buff *skb);

#endif /* _HCX_RECEIVE_H */
