// SPDX-License-Identifier: GPL-2.0
/*
 * The interconnect device: an Ethernet-type netdevice, one per site pair,
 * created with "ip link add NAME type hcxrepl".
 *
 * Lifetime: the rtnl link ops own the netdevice; struct hcx_device lives in
 * its private area and dies with it.  Netlink handlers that use a device
 * outside RTNL hold a netdevice reference for the duration.
 *
 * Locking: RTNL for creation and deletion; hcx_device.conf_lock for the
 * configuration, peer included (see device.h and peer.c).
 *
 * Until a peer session exists every frame handed to the device is dropped
 * and counted as tx-no-session.
 */

#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/string.h>
#include <net/rtnetlink.h>
#include <crypto/curve25519.h>
#include <kunit/visibility.h>

#include "device.h"

static struct rtnl_link_ops hcx_link_ops;

bool hcx_is_device(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &hcx_link_ops;
}

/* The X25519 public key of PRIVATE, or -EINVAL for a zero or weak key. */
int hcx_key_public(u8 public[HCXREPL_KEY_LEN],
		   const u8 private[HCXREPL_KEY_LEN])
{
	return curve25519_generate_public(public, private) ? 0 : -EINVAL;
}

/* Set this site's key pair; conf_lock held, PUBLIC derived from PRIVATE. */
void hcx_device_set_identity(struct hcx_device *hcx,
			     const u8 private[HCXREPL_KEY_LEN],
			     const u8 public[HCXREPL_KEY_LEN])
{
	lockdep_assert_held(&hcx->conf_lock);

	memcpy(hcx->private_key, private, HCXREPL_KEY_LEN);
	memcpy(hcx->public_key, public, HCXREPL_KEY_LEN);
	hcx->has_identity = true;
}

/**
 * hcx_device_set_private_key - set this site's static key pair
 * @hcx: the device, with conf_lock held
 * @key: the X25519 private key
 *
 * Return: 0, or -EINVAL when the key is all zeroes or gives a weak public
 * key; the device is unchanged then.
 */
int hcx_device_set_private_key(struct hcx_device *hcx,
			       const u8 key[HCXREPL_KEY_LEN])
{
	u8 public_key[HCXREPL_KEY_LEN];
	int ret;

	ret = hcx_key_public(public_key, key);
	if (!ret)
		hcx_device_set_identity(hcx, key, public_key);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_device_set_private_key);

static netdev_tx_t hcx_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct hcx_device *hcx = netdev_priv(dev);

	/* No session to seal frames with: drop and account, as for any
	 * frame the interconnect cannot deliver.
	 */
	hcx_drop_count(&hcx->drops, HCX_DROP_TX_NO_SESSION);
	dev_core_stats_tx_dropped_inc(dev);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

static int hcx_dev_init(struct net_device *dev)
{
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	return dev->tstats ? 0 : -ENOMEM;
}

static void hcx_dev_uninit(struct net_device *dev)
{
	struct hcx_device *hcx = netdev_priv(dev);

	hcx_peer_remove(hcx);
	memzero_explicit(hcx->private_key, sizeof(hcx->private_key));
	free_percpu(dev->tstats);
}

static const struct net_device_ops hcx_netdev_ops = {
	.ndo_init		= hcx_dev_init,
	.ndo_uninit		= hcx_dev_uninit,
	.ndo_start_xmit		= hcx_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
};

static void hcx_setup(struct net_device *dev)
{
	struct hcx_device *hcx = netdev_priv(dev);

	ether_setup(dev);
	dev->netdev_ops = &hcx_netdev_ops;
	dev->needs_free_netdev = true;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	eth_hw_addr_random(dev);

	hcx->dev = dev;
	mutex_init(&hcx->conf_lock);
}

static struct rtnl_link_ops hcx_link_ops __read_mostly = {
	.kind		= KBUILD_MODNAME,
	.priv_size	= sizeof(struct hcx_device),
	.setup		= hcx_setup,
};

int __init hcx_device_init(void)
{
	return rtnl_link_register(&hcx_link_ops);
}

void hcx_device_uninit(void)
{
	/* Deletes every device of this kind, in every namespace. */
	rtnl_link_unregister(&hcx_link_ops);
	/* Their peers are freed after a grace period, by this module's code. */
	rcu_barrier();
}

MODULE_ALIAS_RTNL_LINK(KBUILD_MODNAME);
