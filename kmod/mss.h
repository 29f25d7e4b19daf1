/* SPDX-License-Identifier: GPL-2.0 */
/* TCP flow conditioning: the MSS of SYNs crossing the extension. */
#ifndef _HCX_MSS_H
#define _HCX_MSS_H

#include <linux/types.h>

struct hcx_device;
struct hcx_peer;
struct sk_buff;

void hcx_mss_clamp(struct sk_buff *skb, const struct hcx_device *hcx,
		   const struct hcx_peer *peer);
u16 hcx_mss_now(const struct hcx_device *hcx, const struct hcx_peer *peer);
void hcx_mss_clamp_frame(struct sk_buff *skb, unsigned int room, u16 max_mss);

#endif
