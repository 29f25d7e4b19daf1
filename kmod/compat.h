/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernel APIs of Linux 6.1 and 6.12, the two Debian
 * kernels hcxrepl supports.  Every version test lives here; the rest of the
 * module calls these helpers and stays free of #if.
 */
#ifndef _HCX_COMPAT_H
#define _HCX_COMPAT_H

#include <linux/crypto.h>
#include <linux/netdevice.h>
#include <linux/version.h>
#include <net/genetlink.h>

/* skb_gso_segment(): 6.4 moved it to its own header. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#include <net/gso.h>
#endif

/* The attributes of a dump request: 6.2 moved them into a genl_info. */
static inline struct nlattr **hcx_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return genl_dumpit_info(cb)->info.attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/* Lockless transmit: 6.12 moved the feature flag to a device field. */
static inline void hcx_set_lltx(struct net_device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	dev->lltx = true;
#else
	dev->features |= NETIF_F_LLTX;
#endif
}

/*
 * The completion of an asynchronous AEAD request: 6.3 passes the
 * request's data where 6.1 passes the request.  HCX_CRYPT_DONE adapts
 * hcx_crypt_done(data, err), the module's only completion.
 */
void hcx_crypt_done(void *data, int err);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define HCX_CRYPT_DONE hcx_crypt_done
#else
static inline void hcx_crypt_done_compat(struct crypto_async_request *req,
					 int err)
{
	hcx_crypt_done(req->data, err);
}

#define HCX_CRYPT_DONE hcx_crypt_done_compat
#endif

#endif /* _HCX_COMPAT_H */
