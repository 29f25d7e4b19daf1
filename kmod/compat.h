/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernel APIs of Linux 6.1 and 6.12, the two Debian
 * kernels hcxrepl supports.  Every version test lives here; the rest of the
 * module calls these helpers and stays free of #if.
 */
#ifndef _HCX_COMPAT_H
#define _HCX_COMPAT_H

#include <linux/blkdev.h>
#include <linux/crypto.h>
#include <linux/file.h>
#include <linux/netdevice.h>
#include <linux/version.h>
#include <net/genetlink.h>

/* skb_gso_segment(): 6.4 moved it to its own header. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#include <net/gso.h>
#endif

/* The unaligned accessors: 6.12 moved their header out of asm/. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
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

/*
 * A multicast group that only CAP_NET_ADMIN may join: 6.7 named the flag
 * GENL_MCAST_CAP_NET_ADMIN, and 6.1.176 took the name.  From 6.1.68 to
 * 6.1.175 the same check reads GENL_UNS_ADMIN_PERM; before 6.1.68 nothing
 * checks, and the group is open to every process.
 */
#ifndef GENL_MCAST_CAP_NET_ADMIN
#define GENL_MCAST_CAP_NET_ADMIN	GENL_UNS_ADMIN_PERM
#endif

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

/*
 * A disk's backing device, open for reading and writing and claimed
 * exclusively by HOLDER: 6.9 opens block devices as files, and a holder
 * makes the claim.
 */
struct hcx_backing {
	struct block_device *bdev;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	struct file *file;
#endif
};

static inline int hcx_backing_open(struct hcx_backing *b, const char *path,
				   void *holder)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	b->file = bdev_file_open_by_path(path, BLK_OPEN_READ | BLK_OPEN_WRITE,
					 holder, NULL);
	if (IS_ERR(b->file))
		return PTR_ERR(b->file);
	b->bdev = file_bdev(b->file);
#else
	b->bdev = blkdev_get_by_path(path, FMODE_READ | FMODE_WRITE |
				     FMODE_EXCL, holder);
	if (IS_ERR(b->bdev))
		return PTR_ERR(b->bdev);
#endif
	return 0;
}

/* Release the claim now, not when a deferred fput runs. */
static inline void hcx_backing_close(struct hcx_backing *b)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	bdev_fput(b->file);
#else
	blkdev_put(b->bdev, FMODE_READ | FMODE_WRITE | FMODE_EXCL);
#endif
}

/*
 * A bio-based gendisk whose limits are those of BACKING, with a volatile
 * write cache and FUA so that flushes reach it: 6.11 sets limits and
 * features before allocation, 6.1 on the queue after.
 */
static inline struct gendisk *hcx_alloc_disk(struct block_device *backing)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	struct queue_limits lim;

	blk_set_stacking_limits(&lim);
	queue_limits_stack_bdev(&lim, backing, 0, "hcxrepl");
	lim.features |= BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA;
	return blk_alloc_disk(&lim, NUMA_NO_NODE);
#else
	struct gendisk *gd = blk_alloc_disk(NUMA_NO_NODE);

	if (!gd)
		return ERR_PTR(-ENOMEM);
	blk_set_stacking_limits(&gd->queue->limits);
	disk_stack_limits(gd, backing, 0);
	blk_queue_write_cache(gd->queue, true, true);
	return gd;
#endif
}

/* The page cache of a block device: 6.10 points at it from the bdev. */
static inline struct address_space *hcx_bdev_mapping(struct block_device *bdev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
	return bdev->bd_mapping;
#else
	return bdev->bd_inode->i_mapping;
#endif
}

/*
 * block_device_operations.open: 6.5 passes the gendisk and a blk_mode_t.
 * HCX_DISK_OPEN adapts hcx_disk_open(gd), the module's only open.
 */
int hcx_disk_open(struct gendisk *gd);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
static inline int hcx_disk_open_compat(struct gendisk *gd, blk_mode_t mode)
{
	return hcx_disk_open(gd);
}
#else
static inline int hcx_disk_open_compat(struct block_device *bdev,
				       fmode_t mode)
{
	return hcx_disk_open(bdev->bd_disk);
}
#endif
#define HCX_DISK_OPEN hcx_disk_open_compat

#endif /* _HCX_COMPAT_H */
