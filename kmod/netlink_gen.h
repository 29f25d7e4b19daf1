/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/hcxrepl.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_HCXREPL_GEN_H
#define _LINUX_HCXREPL_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/hcxrepl.h>

/* Common nested types */
extern const struct nla_policy hcxrepl_peer_nl_policy[HCXREPL_A_PEER_TX_PACKETS + 1];
extern const struct nla_policy hcxrepl_rate_window_nl_policy[HCXREPL_A_RATE_WINDOW_RATE_BPS + 1];

extern const struct nla_policy hcxrepl_dev_get_nl_policy[HCXREPL_A_DEVICE_SECRETS + 1];

extern const struct nla_policy hcxrepl_dev_set_nl_policy[HCXREPL_A_DEVICE_MSS_CLAMP + 1];

extern const struct nla_policy hcxrepl_disk_new_nl_policy[HCXREPL_A_DISK_PRIORITY + 1];

extern const struct nla_policy hcxrepl_disk_del_nl_policy[HCXREPL_A_DISK_NAME + 1];

extern const struct nla_policy hcxrepl_disk_get_nl_policy[HCXREPL_A_DISK_NAME + 1];

extern const struct nla_policy hcxrepl_disk_set_nl_policy[HCXREPL_A_DISK_PRIORITY + 1];

extern const struct nla_policy hcxrepl_disk_action_nl_policy[HCXREPL_A_DISK_VERIFY + 1];

/* Ops table for hcxrepl */
extern const struct genl_ops hcxrepl_nl_ops[7];

int hcxrepl_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info);
int hcxrepl_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int hcxrepl_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info);
int hcxrepl_nl_disk_new_doit(struct sk_buff *skb, struct genl_info *info);
int hcxrepl_nl_disk_del_doit(struct sk_buff *skb, struct genl_info *info);
int hcxrepl_nl_disk_get_doit(struct sk_buff *skb, struct genl_info *info);
int hcxrepl_nl_disk_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb);
int hcxrepl_nl_disk_set_doit(struct sk_buff *skb, struct genl_info *info);
int hcxrepl_nl_disk_action_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	HCXREPL_NLGRP_EVENTS,
};

#endif /* _LINUX_HCXREPL_GEN_H */
