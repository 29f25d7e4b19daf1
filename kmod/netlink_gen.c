// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/hcxrepl.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netlink_gen.h"

#include <uapi/linux/hcxrepl.h>

/* Common nested types */
const struct nla_policy hcxrepl_peer_nl_policy[HCXREPL_A_PEER_TX_PACKETS + 1] = {
	[HCXREPL_A_PEER_PUBLIC_KEY] = NLA_POLICY_EXACT_LEN(HCXREPL_KEY_LEN),
	[HCXREPL_A_PEER_PRESHARED_KEY] = NLA_POLICY_EXACT_LEN(HCXREPL_KEY_LEN),
	[HCXREPL_A_PEER_ENDPOINT_IPV4] = { .type = NLA_U32, },
	[HCXREPL_A_PEER_ENDPOINT_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[HCXREPL_A_PEER_ENDPOINT_PORT] = { .type = NLA_U16, },
	[HCXREPL_A_PEER_PERSISTENT_KEEPALIVE] = { .type = NLA_U16, },
	[HCXREPL_A_PEER_REMOVE] = { .type = NLA_FLAG, },
	[HCXREPL_A_PEER_SESSION_STATE] = NLA_POLICY_MAX(NLA_U8, 2),
	[HCXREPL_A_PEER_LAST_HANDSHAKE_NS] = { .type = NLA_U64, },
	[HCXREPL_A_PEER_RX_BYTES] = { .type = NLA_U64, },
	[HCXREPL_A_PEER_TX_BYTES] = { .type = NLA_U64, },
	[HCXREPL_A_PEER_RX_PACKETS] = { .type = NLA_U64, },
	[HCXREPL_A_PEER_TX_PACKETS] = { .type = NLA_U64, },
};

const struct nla_policy hcxrepl_rate_window_nl_policy[HCXREPL_A_RATE_WINDOW_RATE_BPS + 1] = {
	[HCXREPL_A_RATE_WINDOW_START] = NLA_POLICY_MAX(NLA_U16, 1439),
	[HCXREPL_A_RATE_WINDOW_END] = NLA_POLICY_MAX(NLA_U16, 1439),
	[HCXREPL_A_RATE_WINDOW_RATE_BPS] = { .type = NLA_U64, },
};

/* HCXREPL_CMD_DEV_GET - do */
const struct nla_policy hcxrepl_dev_get_nl_policy[HCXREPL_A_DEVICE_SECRETS + 1] = {
	[HCXREPL_A_DEVICE_IFINDEX] = { .type = NLA_U32, },
	[HCXREPL_A_DEVICE_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[HCXREPL_A_DEVICE_SECRETS] = { .type = NLA_FLAG, },
};

/* HCXREPL_CMD_DEV_SET - do */
const struct nla_policy hcxrepl_dev_set_nl_policy[HCXREPL_A_DEVICE_MSS_CLAMP + 1] = {
	[HCXREPL_A_DEVICE_IFINDEX] = { .type = NLA_U32, },
	[HCXREPL_A_DEVICE_IFNAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[HCXREPL_A_DEVICE_PRIVATE_KEY] = NLA_POLICY_EXACT_LEN(HCXREPL_KEY_LEN),
	[HCXREPL_A_DEVICE_LISTEN_PORT] = { .type = NLA_U16, },
	[HCXREPL_A_DEVICE_PEER] = NLA_POLICY_NESTED(hcxrepl_peer_nl_policy),
	[HCXREPL_A_DEVICE_REPLACE_PEER] = { .type = NLA_FLAG, },
	[HCXREPL_A_DEVICE_RATE_BPS] = { .type = NLA_U64, },
	[HCXREPL_A_DEVICE_RATE_WINDOW] = NLA_POLICY_NESTED(hcxrepl_rate_window_nl_policy),
	[HCXREPL_A_DEVICE_DEDUP_CACHE_BYTES] = { .type = NLA_U64, },
	[HCXREPL_A_DEVICE_MSS_CLAMP] = { .type = NLA_U16, },
};

/* HCXREPL_CMD_DISK_NEW - do */
const struct nla_policy hcxrepl_disk_new_nl_policy[HCXREPL_A_DISK_PRIORITY + 1] = {
	[HCXREPL_A_DISK_NAME] = { .type = NLA_NUL_STRING, .len = 63, },
	[HCXREPL_A_DISK_IFINDEX] = { .type = NLA_U32, },
	[HCXREPL_A_DISK_ROLE] = NLA_POLICY_MAX(NLA_U8, 1),
	[HCXREPL_A_DISK_BACKING] = { .type = NLA_NUL_STRING, .len = 4095, },
	[HCXREPL_A_DISK_CHUNK_BYTES] = { .type = NLA_U32, },
	[HCXREPL_A_DISK_STREAMS] = { .type = NLA_U8, },
	[HCXREPL_A_DISK_DEDUP] = NLA_POLICY_MAX(NLA_U8, 1),
	[HCXREPL_A_DISK_COMPRESS] = NLA_POLICY_MAX(NLA_U8, 2),
	[HCXREPL_A_DISK_COMPRESS_LEVEL] = NLA_POLICY_RANGE(NLA_S32, 1, 22),
	[HCXREPL_A_DISK_PRIORITY] = NLA_POLICY_RANGE(NLA_U8, 1, 9),
};

/* HCXREPL_CMD_DISK_DEL - do */
const struct nla_policy hcxrepl_disk_del_nl_policy[HCXREPL_A_DISK_NAME + 1] = {
	[HCXREPL_A_DISK_NAME] = { .type = NLA_NUL_STRING, .len = 63, },
};

/* HCXREPL_CMD_DISK_GET - do */
const struct nla_policy hcxrepl_disk_get_nl_policy[HCXREPL_A_DISK_NAME + 1] = {
	[HCXREPL_A_DISK_NAME] = { .type = NLA_NUL_STRING, .len = 63, },
};

/* HCXREPL_CMD_DISK_SET - do */
const struct nla_policy hcxrepl_disk_set_nl_policy[HCXREPL_A_DISK_PRIORITY + 1] = {
	[HCXREPL_A_DISK_NAME] = { .type = NLA_NUL_STRING, .len = 63, },
	[HCXREPL_A_DISK_STREAMS] = { .type = NLA_U8, },
	[HCXREPL_A_DISK_DEDUP] = NLA_POLICY_MAX(NLA_U8, 1),
	[HCXREPL_A_DISK_COMPRESS] = NLA_POLICY_MAX(NLA_U8, 2),
	[HCXREPL_A_DISK_COMPRESS_LEVEL] = NLA_POLICY_RANGE(NLA_S32, 1, 22),
	[HCXREPL_A_DISK_PRIORITY] = NLA_POLICY_RANGE(NLA_U8, 1, 9),
};

/* HCXREPL_CMD_DISK_ACTION - do */
const struct nla_policy hcxrepl_disk_action_nl_policy[HCXREPL_A_DISK_VERIFY + 1] = {
	[HCXREPL_A_DISK_NAME] = { .type = NLA_NUL_STRING, .len = 63, },
	[HCXREPL_A_DISK_ACTION] = NLA_POLICY_MAX(NLA_U8, 8),
	[HCXREPL_A_DISK_SYNC_KIND] = NLA_POLICY_MAX(NLA_U8, 2),
	[HCXREPL_A_DISK_SWITCHOVER_TIME] = { .type = NLA_U64, },
	[HCXREPL_A_DISK_VERIFY] = { .type = NLA_FLAG, },
};

/* Ops table for hcxrepl */
const struct genl_ops hcxrepl_nl_ops[7] = {
	{
		.cmd		= HCXREPL_CMD_DEV_GET,
		.doit		= hcxrepl_nl_dev_get_doit,
		.dumpit		= hcxrepl_nl_dev_get_dumpit,
		.policy		= hcxrepl_dev_get_nl_policy,
		.maxattr	= HCXREPL_A_DEVICE_SECRETS,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= HCXREPL_CMD_DEV_SET,
		.doit		= hcxrepl_nl_dev_set_doit,
		.policy		= hcxrepl_dev_set_nl_policy,
		.maxattr	= HCXREPL_A_DEVICE_MSS_CLAMP,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= HCXREPL_CMD_DISK_NEW,
		.doit		= hcxrepl_nl_disk_new_doit,
		.policy		= hcxrepl_disk_new_nl_policy,
		.maxattr	= HCXREPL_A_DISK_PRIORITY,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= HCXREPL_CMD_DISK_DEL,
		.doit		= hcxrepl_nl_disk_del_doit,
		.policy		= hcxrepl_disk_del_nl_policy,
		.maxattr	= HCXREPL_A_DISK_NAME,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= HCXREPL_CMD_DISK_GET,
		.doit		= hcxrepl_nl_disk_get_doit,
		.dumpit		= hcxrepl_nl_disk_get_dumpit,
		.policy		= hcxrepl_disk_get_nl_policy,
		.maxattr	= HCXREPL_A_DISK_NAME,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= HCXREPL_CMD_DISK_SET,
		.doit		= hcxrepl_nl_disk_set_doit,
		.policy		= hcxrepl_disk_set_nl_policy,
		.maxattr	= HCXREPL_A_DISK_PRIORITY,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= HCXREPL_CMD_DISK_ACTION,
		.doit		= hcxrepl_nl_disk_action_doit,
		.policy		= hcxrepl_disk_action_nl_policy,
		.maxattr	= HCXREPL_A_DISK_VERIFY,
		.flags		= GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group hcxrepl_nl_mcgrps[] = {
	[HCXREPL_NLGRP_EVENTS] = { "events", .flags = GENL_MCAST_CAP_NET_ADMIN, },
};
