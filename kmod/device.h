/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interconnect device: an Ethernet-type netdevice per site pair.
 */
#ifndef _HCX_DEVICE_H
#define _HCX_DEVICE_H

#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <uapi/linux/hcxrepl.h>

#include "peer.h"
#include "stats.h"

/**
 * struct hcx_device - private part of an interconnect netdevice
 * @dev: the netdevice this is the private area of
 * @conf_lock: serialises configuration changes and readers of the
 *	configuration fields below; taken after RTNL when both are held
 * @private_key: this site's X25519 static private key (@conf_lock)
 * @public_key: public key derived from @private_key (@conf_lock)
 * @has_identity: @private_key and @public_key are set (@conf_lock)
 * @listen_port: UDP port of the interconnect, TCP port of replication
 *	(@conf_lock)
 * @peer: the peer site, or NULL; RCU, written under @conf_lock
 * @drops: drop counters by reason, lockless
 */
struct hcx_device {
	struct net_device *dev;
	struct mutex conf_lock; /* configuration below; taken after RTNL */
	u8 private_key[HCXREPL_KEY_LEN];
	u8 public_key[HCXREPL_KEY_LEN];
	bool has_identity;
	u16 listen_port;
	struct hcx_peer __rcu *peer;
	struct hcx_drop_stats drops;
};

int hcx_device_init(void);
void hcx_device_uninit(void);
bool hcx_is_device(const struct net_device *dev);
int hcx_key_public(u8 public[HCXREPL_KEY_LEN],
		   const u8 private[HCXREPL_KEY_LEN]);
void hcx_device_set_identity(struct hcx_device *hcx,
			     const u8 private[HCXREPL_KEY_LEN],
			     const u8 public[HCXREPL_KEY_LEN]);
int hcx_device_set_private_key(struct hcx_device *hcx,
			       const u8 key[HCXREPL_KEY_LEN]);

#endif /* _HCX_DEVICE_H */
