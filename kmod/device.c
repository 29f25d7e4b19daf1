// SPDX-License-Identifier: GPL-2.0
/*
 * The interconnect device: an Ethernet-type netdevice, one per site pair,
 * created with "ip link add NAME type hcxrepl".
 *
 * Lifetime: the rtnl link ops own the netdevice; struct hcx_device lives in
 * its private area and dies with it.  Netlink handlers that use a device
 * outside RTNL hold a netdevice reference for the duration.
 *
 * While up, the device listens on its UDP port (socket.c); frames it is
 * given are sealed for the peer (send.c), datagrams it receives are opened
 * and delivered (receive.c).  The device holds its peer, the peer holds
 * the device (a tracked reference) until the peer is freed.
 *
 * Namespaces: the sockets are opened, when the device comes up, in the
 * namespace it is in then.  A device is moved to another namespace only
 * while down (the move closes it), and closing it drops the peer's cached
 * routes with the sockets: moved, it comes up with its underlay in the
 * new namespace (design.rst, "Namespaces").
 *
 * Locking: RTNL for creation, deletion, open, stop and the sockets;
 * hcx_device.conf_lock for the configuration, identity and peer included
 * (see device.h and peer.c), taken after RTNL.
 */

#include <crypto/curve25519.h>
#include <kunit/visibility.h>
#include <linux/etherdevice.h>
#include <linux/ipv6.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/string.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/rtnetlink.h>

#include "compat.h"
#include "device.h"
#include "handshake.h"
#include "noise.h"
#include "send.h"
#include "socket.h"
#include "wanopt.h"

static struct rtnl_link_ops hcx_link_ops;

#define HCX_FEATURES	(NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_HIGHDMA | \
			 NETIF_F_GSO_SOFTWARE)

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

static void hcx_identity_free_rcu(struct rcu_head *rcu)
{
	kfree_sensitive(container_of(rcu, struct hcx_identity, rcu));
}

/**
 * hcx_identity_new - an identity for a key pair
 * @private: the X25519 private key
 * @public: its public key, derived by the caller
 *
 * Return: the identity, or NULL when out of memory.
 */
struct hcx_identity *hcx_identity_new(const u8 private[HCXREPL_KEY_LEN],
				      const u8 public[HCXREPL_KEY_LEN])
{
	struct hcx_identity *identity;

	identity = kzalloc(sizeof(*identity), GFP_KERNEL);
	if (!identity)
		return NULL;
	memcpy(identity->private_key, private, HCXREPL_KEY_LEN);
	memcpy(identity->public_key, public, HCXREPL_KEY_LEN);
	hcx_noise_mac1_key(identity->mac1_key, public);
	hcx_noise_cookie_key(identity->cookie_key, public);
	return identity;
}

/* Make IDENTITY (or none) this site's; conf_lock held; cannot fail. */
void hcx_device_set_identity(struct hcx_device *hcx,
			     struct hcx_identity *identity)
{
	struct hcx_identity *old;

	old = rcu_replace_pointer(hcx->identity, identity,
				  lockdep_is_held(&hcx->conf_lock));
	if (old)
		call_rcu(&old->rcu, hcx_identity_free_rcu);
}
EXPORT_SYMBOL_IF_KUNIT(hcx_device_set_identity);

/* This site's identity, or NULL; conf_lock held. */
struct hcx_identity *hcx_device_identity(struct hcx_device *hcx)
{
	return rcu_dereference_protected(hcx->identity,
					 lockdep_is_held(&hcx->conf_lock));
}
EXPORT_SYMBOL_IF_KUNIT(hcx_device_identity);

/**
 * hcx_device_set_private_key - set this site's static key pair
 * @hcx: the device, with conf_lock held
 * @key: the X25519 private key
 *
 * Return: 0, -EINVAL when the key is all zeroes or gives a weak public
 * key, or -ENOMEM; the device is unchanged on error.
 */
int hcx_device_set_private_key(struct hcx_device *hcx,
			       const u8 key[HCXREPL_KEY_LEN])
{
	u8 public_key[HCXREPL_KEY_LEN];
	struct hcx_identity *identity;
	int ret;

	lockdep_assert_held(&hcx->conf_lock);
	ret = hcx_key_public(public_key, key);
	if (ret)
		return ret;
	identity = hcx_identity_new(key, public_key);
	if (!identity)
		return -ENOMEM;
	hcx_device_set_identity(hcx, identity);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_device_set_private_key);

static int hcx_dev_init(struct net_device *dev)
{
	struct hcx_device *hcx = netdev_priv(dev);
	int ret;

	hcx->rate = hcx_rate_new();
	if (!hcx->rate)
		return -ENOMEM;
	hcx->dedup_cache = HCX_DEDUP_CACHE_DEFAULT;
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats) {
		ret = -ENOMEM;
		goto err_rate;
	}
	ret = gro_cells_init(&hcx->gro_cells, dev);
	if (ret)
		goto err_stats;
	skb_queue_head_init(&hcx->handshake_queue);
	INIT_WORK(&hcx->handshake_work, hcx_handshake_work);
	hcx_cookie_init(&hcx->cookies);
	return 0;

err_stats:
	free_percpu(dev->tstats);
	dev->tstats = NULL;
err_rate:
	hcx_rate_put(hcx->rate);
	hcx->rate = NULL;
	return ret;
}

/* The device goes; it was closed first, so its sockets are gone. */
static void hcx_dev_uninit(struct net_device *dev)
{
	struct hcx_device *hcx = netdev_priv(dev);

	hcx_peer_remove(hcx);
	cancel_work_sync(&hcx->handshake_work);
	skb_queue_purge(&hcx->handshake_queue);
	gro_cells_destroy(&hcx->gro_cells);
	hcx_cookie_uninit(&hcx->cookies);
	mutex_lock(&hcx->conf_lock);
	hcx_device_set_identity(hcx, NULL);
	mutex_unlock(&hcx->conf_lock);
}

/*
 * The last reference is gone.  An asynchronous AEAD completion holds a
 * session, hence the peer and the device, and still counts what it sealed
 * or opened in dev->tstats: they are freed here, not in ndo_uninit, which
 * runs before those references drop.  The device's reference on its rate
 * limit goes here too; streams may hold theirs longer.
 * register_netdevice() calls this too when it fails after ndo_init.
 */
static void hcx_dev_free(struct net_device *dev)
{
	struct hcx_device *hcx = netdev_priv(dev);

	free_percpu(dev->tstats);
	hcx_rate_put(hcx->rate);
}

/**
 * hcx_device_rebind - move a running device's sockets to PORT
 * @hcx: the device, with RTNL and conf_lock held
 * @socks: sockets already opened on the new port by hcx_socket_open()
 *
 * Cannot fail, so that a configuration change can open the sockets
 * first, while it may still refuse, and switch to them last.
 */
void hcx_device_rebind(struct hcx_device *hcx, struct hcx_sockets *socks)
{
	ASSERT_RTNL();
	lockdep_assert_held(&hcx->conf_lock);

	hcx->listen_port = socks->port;
	hcx_socket_publish(hcx, socks);
}

static int hcx_open(struct net_device *dev)
{
	struct hcx_device *hcx = netdev_priv(dev);
	struct hcx_sockets socks;
	struct hcx_peer *peer;
	int ret;

	mutex_lock(&hcx->conf_lock);
	ret = hcx_socket_open(hcx, hcx->listen_port, &socks);
	if (ret) {
		netdev_err(dev, "cannot listen on UDP port %u: %d\n",
			   hcx->listen_port, ret);
		goto out;
	}
	hcx_device_rebind(hcx, &socks);
	/* A configured keepalive starts the handshake right away. */
	peer = rcu_dereference_protected(hcx->peer,
					 lockdep_is_held(&hcx->conf_lock));
	if (peer && READ_ONCE(peer->persistent_keepalive))
		hcx_peer_kick(peer, HCX_PEER_WANT_KEEPALIVE);
out:
	mutex_unlock(&hcx->conf_lock);
	return ret;
}

static int hcx_stop(struct net_device *dev)
{
	struct hcx_device *hcx = netdev_priv(dev);
	struct hcx_sockets none = { };
	struct hcx_peer *peer;

	hcx_socket_publish(hcx, &none);
	/* The device may come up again in another namespace (see above). */
	mutex_lock(&hcx->conf_lock);
	peer = rcu_dereference_protected(hcx->peer,
					 lockdep_is_held(&hcx->conf_lock));
	if (peer)
		hcx_peer_forget_routes(peer);
	mutex_unlock(&hcx->conf_lock);
	return 0;
}

static const struct net_device_ops hcx_netdev_ops = {
	.ndo_init		= hcx_dev_init,
	.ndo_uninit		= hcx_dev_uninit,
	.ndo_open		= hcx_open,
	.ndo_stop		= hcx_stop,
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
	dev->priv_destructor = hcx_dev_free;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	hcx_set_lltx(dev);
	/* Large frames from the stack; the sender segments and checksums. */
	dev->features |= HCX_FEATURES;
	dev->hw_features |= HCX_FEATURES;
	dev->needed_headroom = HCX_SEND_HEADROOM;
	dev->needed_tailroom = HCX_TAG_LEN;
	/* The outer datagram must stay within 64 KiB. */
	dev->max_mtu = IP_MAX_MTU - sizeof(struct ipv6hdr) -
		       sizeof(struct udphdr) - HCX_DATA_OVERHEAD -
		       ETH_HLEN - VLAN_HLEN;
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
	/* Their peers and identities are freed after a grace period. */
	rcu_barrier();
}

MODULE_ALIAS_RTNL_LINK(KBUILD_MODNAME);
