// SPDX-License-Identifier: GPL-2.0
/*
 * Replicated disks: the registry, and the tracking block device.
 *
 * Each disk stacks a bio-based block device, /dev/hcxd<N>, over its
 * backing device, which it claims exclusively so that nothing writes
 * behind the change map's back.  Every bio is cloned to the backing
 * device.  A write marks the chunks it touches dirty when it is submitted,
 * before it reaches the backing device, and again when it completes, so
 * that a sync which read the chunk meanwhile sends it again (bitmap.c).
 * Discards, write-zeroes and secure erases are writes here too.  Flush and
 * FUA flags travel with the clone unchanged.
 *
 * The write gate decides what happens to a write: pass (source), hold
 * (a switchover drains and sends the last changes while new writes wait)
 * or refuse (a target is written only by replication).  Flushes without
 * data always pass.
 *
 * Locking:
 *  - hcx_disks_lock guards the registry (the list, its generation); a
 *    disk's own lock is never held while taking it;
 *  - disk->lock guards role and generation, and orders their changes with
 *    the sync engine's start and stop; lane and connection work never
 *    waits for it while holding anything;
 *  - disk->io_lock (irq-safe) guards the gate, the count of bios in flight
 *    and the held writes;
 *  - the block layer calls the open method under the gendisk's
 *    open_mutex, which deletion takes to refuse new openers.
 *
 * Lifetime: the registry holds the first reference.  Deletion unlists the
 * disk, stops its sync and target connections, deletes the gendisk, waits
 * for bios in flight and for readers under its fence (other disks' target
 * connections reading a block a reference names, found while the registry
 * lists it) and only then releases the backing device, so that it is free
 * again when disk-del returns.  The memory goes with the last reference.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "disk.h"
#include "target.h"

static DEFINE_MUTEX(hcx_disks_lock);
static LIST_HEAD(hcx_disks);
/* Bumped by every add and delete, so that a dump sees a change. */
static unsigned long hcx_disks_gen;
static DEFINE_IDA(hcx_disk_ida);
static int hcx_disk_major;
static struct bio_set hcx_disk_bioset;

bool hcx_disk_name_valid(const char *name)
{
	size_t len = strlen(name);
	const char *c;

	if (!len || len >= HCXREPL_DISK_NAME_MAX)
		return false;
	for (c = name; *c; c++)
		if (!isalnum(*c) && *c != '-' && *c != '_' && *c != '.')
			return false;
	return true;
}

/* Mark the chunks a write of NR_SECTORS at SECTOR touches. */
static void hcx_disk_mark(struct hcx_disk *disk, sector_t sector,
			  unsigned int nr_sectors)
{
	unsigned int shift = disk->chunk_shift - SECTOR_SHIFT;
	u64 first = sector >> shift;
	u64 last = (sector + nr_sectors - 1) >> shift;

	if (hcx_bitmap_mark_range(&disk->map, first, last))
		hcx_sync_dirtied(&disk->sync);
}

static bool hcx_bio_writes(struct bio *bio)
{
	return op_is_write(bio_op(bio)) && bio_sectors(bio);
}

static void hcx_disk_io_done(struct hcx_disk *disk, bool writes)
{
	unsigned long flags;

	spin_lock_irqsave(&disk->io_lock, flags);
	disk->writes_in_flight -= writes;
	if (!--disk->in_flight || (writes && !disk->writes_in_flight))
		wake_up_all(&disk->drained);
	spin_unlock_irqrestore(&disk->io_lock, flags);
}

static void hcx_disk_clone_end_io(struct bio *clone)
{
	struct bio *bio = clone->bi_private;
	struct hcx_disk *disk = bio->bi_bdev->bd_disk->private_data;
	bool writes = hcx_bio_writes(bio);

	/* Whatever a sync read meanwhile, the chunk is sent again. */
	if (writes)
		hcx_disk_mark(disk, bio->bi_iter.bi_sector, bio_sectors(bio));
	bio->bi_status = clone->bi_status;
	bio_put(clone);
	bio_endio(bio);
	hcx_disk_io_done(disk, writes);
}

static void hcx_disk_submit_bio(struct bio *bio)
{
	struct hcx_disk *disk = bio->bi_bdev->bd_disk->private_data;
	bool writes = hcx_bio_writes(bio);
	struct bio *clone;

	spin_lock_irq(&disk->io_lock);
	if (writes && disk->gate == HCX_WRITES_HOLD) {
		bio_list_add(&disk->held, bio);
		spin_unlock_irq(&disk->io_lock);
		return;
	}
	if (writes && disk->gate == HCX_WRITES_REFUSE) {
		spin_unlock_irq(&disk->io_lock);
		bio_io_error(bio);
		return;
	}
	disk->in_flight++;
	disk->writes_in_flight += writes;
	spin_unlock_irq(&disk->io_lock);

	if (writes)
		hcx_disk_mark(disk, bio->bi_iter.bi_sector, bio_sectors(bio));
	/* From a mempool: with GFP_NOIO it waits rather than fails. */
	clone = bio_alloc_clone(disk->backing.bdev, bio, GFP_NOIO,
				&hcx_disk_bioset);
	clone->bi_private = bio;
	clone->bi_end_io = hcx_disk_clone_end_io;
	submit_bio_noacct(clone);
}

int hcx_disk_open(struct gendisk *gd)
{
	struct hcx_disk *disk = gd->private_data;

	/* Under gd->open_mutex, as deletion checks and sets it. */
	return READ_ONCE(disk->deleting) ? -ENXIO : 0;
}

static const struct block_device_operations hcx_disk_fops = {
	.owner = THIS_MODULE,
	.open = HCX_DISK_OPEN,
	.submit_bio = hcx_disk_submit_bio,
};

/*
 * Set the gate.  Opening it resubmits the held writes; refusing fails
 * them.  Process context; the caller keeps the read-only flag of the
 * gendisk in step.
 */
void hcx_disk_set_gate(struct hcx_disk *disk, enum hcx_write_gate gate)
{
	struct bio_list held;
	struct bio *bio;

	spin_lock_irq(&disk->io_lock);
	disk->gate = gate;
	held = disk->held;
	bio_list_init(&disk->held);
	if (gate == HCX_WRITES_HOLD)
		bio_list_merge(&disk->held, &held);
	spin_unlock_irq(&disk->io_lock);
	if (gate == HCX_WRITES_HOLD)
		return;
	while ((bio = bio_list_pop(&held)))
		hcx_disk_submit_bio(bio);
}

/*
 * Wait until no bio passed down is still in flight, or no write (a
 * switchover, which a steady read load must not hold off).
 */
void hcx_disk_drain(struct hcx_disk *disk, bool writes_only)
{
	if (writes_only)
		wait_event(disk->drained, !READ_ONCE(disk->writes_in_flight));
	else
		wait_event(disk->drained, !READ_ONCE(disk->in_flight));
}

/*
 * Drop the clean cached pages of a range written underneath the page
 * caches of the tracking device and of the backing device, so that a
 * reader of either sees what replication wrote.  Dirty pages stay: they
 * are another writer's, and the target refuses writes of its own.
 */
static void hcx_disk_forget_cached(struct hcx_disk *disk, u64 pos, u32 len)
{
	pgoff_t first = pos >> PAGE_SHIFT, last = (pos + len - 1) >> PAGE_SHIFT;

	invalidate_mapping_pages(hcx_bdev_mapping(disk->gd->part0), first, last);
	invalidate_mapping_pages(hcx_bdev_mapping(disk->backing.bdev), first,
				 last);
}

/**
 * hcx_disk_io - read or write the backing device directly
 * @disk: the disk
 * @opf: REQ_OP_READ or REQ_OP_WRITE
 * @pos: byte offset, a multiple of the logical block size
 * @buf: the bytes, page-aligned, in linear or vmalloc memory
 * @len: their length, at most a chunk
 *
 * Replication's own I/O: the source reads chunks to send, the target
 * writes and hashes what it receives.  It bypasses the tracking device, so
 * it marks nothing.
 *
 * Return: 0, or a negative errno.
 */
int hcx_disk_io(struct hcx_disk *disk, blk_opf_t opf, u64 pos, void *buf,
		u32 len)
{
	bool vmem = is_vmalloc_addr(buf);
	unsigned int piece, done;
	struct bio *bio;
	int ret;

	/* From a mempool: with GFP_KERNEL it waits rather than fails. */
	bio = bio_alloc(disk->backing.bdev,
			DIV_ROUND_UP(offset_in_page(buf) + len, PAGE_SIZE), opf,
			GFP_KERNEL);
	bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
	if (vmem && op_is_write(opf))
		flush_kernel_vmap_range(buf, len);
	for (done = 0; done < len; done += piece) {
		piece = min_t(u32, len - done,
			      PAGE_SIZE - offset_in_page(buf + done));
		__bio_add_page(bio, vmem ? vmalloc_to_page(buf + done) :
				    virt_to_page(buf + done), piece,
			       offset_in_page(buf + done));
	}
	ret = submit_bio_wait(bio);
	bio_put(bio);
	if (vmem && !op_is_write(opf))
		invalidate_kernel_vmap_range(buf, len);
	if (op_is_write(opf))
		hcx_disk_forget_cached(disk, pos, len);
	return ret;
}

/*
 * Zero LEN bytes of the backing device at POS: with write-zeroes, which may
 * unmap, where the device guarantees zeroes that way; with plain writes
 * otherwise.
 */
int hcx_disk_zeroout(struct hcx_disk *disk, u64 pos, u32 len)
{
	int ret;

	ret = blkdev_issue_zeroout(disk->backing.bdev, pos >> SECTOR_SHIFT,
				   len >> SECTOR_SHIFT, GFP_KERNEL, 0);
	hcx_disk_forget_cached(disk, pos, len);
	return ret;
}

/**
 * hcx_disk_action - carry out an operator's action on a disk
 * @disk: the disk, whose lock is held
 * @req: what to do
 * @extack: why it is refused
 *
 * The rules are those of Documentation/hcxrepl/states.rst.
 *
 * Return: 0, or a negative errno with an extack message.
 */
int hcx_disk_action(struct hcx_disk *disk, const struct hcx_disk_request *req,
		    struct netlink_ext_ack *extack)
{
	bool source = disk->role == HCXREPL_DISK_ROLE_SOURCE;
	enum hcxrepl_sync_kind kind = req->kind;
	int ret;

	lockdep_assert_held(&disk->lock);
	/* Deletion took the disk off the registry after our reference. */
	if (READ_ONCE(disk->deleting)) {
		NL_SET_ERR_MSG(extack, "The disk is being deleted");
		return -ENOENT;
	}
	switch (req->action) {
	case HCXREPL_DISK_ACTION_SYNC:
	case HCXREPL_DISK_ACTION_REPLICATE_ON:
	case HCXREPL_DISK_ACTION_VERIFY:
		if (!source) {
			NL_SET_ERR_MSG(extack, "Only the source syncs and verifies");
			return -EINVAL;
		}
		if (hcx_sync_running(disk)) {
			NL_SET_ERR_MSG(extack, "Another operation runs on this disk");
			return -EBUSY;
		}
		if (req->action != HCXREPL_DISK_ACTION_SYNC)
			kind = HCXREPL_SYNC_KIND_DELTA;
		ret = hcx_sync_start(disk, kind,
				     req->action == HCXREPL_DISK_ACTION_REPLICATE_ON,
				     req->action == HCXREPL_DISK_ACTION_VERIFY);
		if (ret)
			NL_SET_ERR_MSG(extack, "Cannot start the operation");
		return ret;
	case HCXREPL_DISK_ACTION_REPLICATE_OFF:
		if (!source || !hcx_sync_running(disk) ||
		    !disk->sync.continuous) {
			NL_SET_ERR_MSG(extack, "Replication is not on");
			return -EINVAL;
		}
		hcx_sync_stop(disk);
		return 0;
	case HCXREPL_DISK_ACTION_PAUSE:
	case HCXREPL_DISK_ACTION_RESUME:
		if (!source || !hcx_sync_running(disk)) {
			NL_SET_ERR_MSG(extack, "No operation runs on this disk");
			return -EINVAL;
		}
		hcx_sync_pause(disk, req->action == HCXREPL_DISK_ACTION_PAUSE);
		return 0;
	case HCXREPL_DISK_ACTION_SWITCHOVER:
		return hcx_disk_schedule_switchover(disk, req->switchover_at,
						    req->verify, extack);
	case HCXREPL_DISK_ACTION_PROMOTE:
		return hcx_disk_promote(disk, extack);
	case HCXREPL_DISK_ACTION_DEMOTE:
		return hcx_disk_demote(disk, extack);
	default:
		NL_SET_ERR_MSG(extack, "Unknown action");
		return -EINVAL;
	}
}

/*
 * Make the disk a ROLE: a source's tracking device takes writes, a
 * target's refuses them.  Either way it holds a consistent copy now.
 */
void hcx_disk_become(struct hcx_disk *disk, enum hcxrepl_disk_role role)
{
	bool source = role == HCXREPL_DISK_ROLE_SOURCE;

	lockdep_assert_held(&disk->lock);
	/*
	 * Once the writes under way end, no connection admitted before the
	 * change writes again, whatever the role becomes (target.c).
	 */
	down_write(&disk->fence);
	WRITE_ONCE(disk->role, role);
	disk->epoch++;
	up_write(&disk->fence);
	WRITE_ONCE(disk->consistent, true);
	set_disk_ro(disk->gd, !source);
	/* What readers cached while replication wrote underneath is stale. */
	if (source)
		invalidate_bdev(disk->gd->part0);
	hcx_disk_set_gate(disk, source ? HCX_WRITES_PASS : HCX_WRITES_REFUSE);
}

static void hcx_disk_free(struct kref *ref)
{
	struct hcx_disk *disk = container_of(ref, struct hcx_disk, refcount);

	/* Lanes never hold a disk's last reference (pool.c). */
	hcx_pool_put(disk->pool);
	put_disk(disk->gd);
	ida_free(&hcx_disk_ida, disk->index);
	hcx_bitmap_free(&disk->map);
	kfree(disk->backing_path);
	kfree(disk);
}

void hcx_disk_put(struct hcx_disk *disk)
{
	kref_put(&disk->refcount, hcx_disk_free);
}

static struct hcx_disk *hcx_disk_find(struct net *net, const char *name)
{
	struct hcx_disk *disk;

	lockdep_assert_held(&hcx_disks_lock);
	list_for_each_entry(disk, &hcx_disks, list)
		if (net_eq(read_pnet(&disk->net), net) &&
		    !strcmp(disk->name, name))
			return disk;
	return NULL;
}

/* A reference to the disk NAME of NET, or NULL. */
struct hcx_disk *hcx_disk_get(struct net *net, const char *name)
{
	struct hcx_disk *disk;

	mutex_lock(&hcx_disks_lock);
	disk = hcx_disk_find(net, name);
	if (disk)
		kref_get(&disk->refcount);
	mutex_unlock(&hcx_disks_lock);
	return disk;
}

/**
 * hcx_disk_read_replica - read a block of another disk a reference names
 * @net: the namespace of the device that accepted the connection
 * @ifname: that device
 * @nr: the disk's number (its tracking device's, which its welcome gave)
 * @pos: the block's byte position
 * @buf: where it is read
 * @len: its bytes
 *
 * Only a target disk of that device is read: it holds what this device's
 * peer sent it.  Its fence, taken while the registry still lists it, is
 * held across the read, and deletion waits for it before the backing
 * device and the disk go (hcx_disk_destroy()), so no reference is needed,
 * nor dropped here.  A fence being taken for writing (a role change, a
 * newer round) is not waited for: the reference is merely stale.
 *
 * Return: 0; -ENOENT when no such disk is there, the block lies past its
 * end or its fence is busy; or the read's error.
 */
int hcx_disk_read_replica(struct net *net, const char *ifname, u32 nr,
			  u64 pos, void *buf, u32 len)
{
	struct hcx_disk *disk, *found = NULL;
	int ret = -ENOENT;

	mutex_lock(&hcx_disks_lock);
	list_for_each_entry(disk, &hcx_disks, list) {
		if (disk->index == nr && net_eq(read_pnet(&disk->net), net) &&
		    !strcmp(disk->ifname, ifname)) {
			if (down_read_trylock(&disk->fence))
				found = disk;
			break;
		}
	}
	mutex_unlock(&hcx_disks_lock);
	if (!found)
		return -ENOENT;
	if (!READ_ONCE(found->deleting) &&
	    found->role == HCXREPL_DISK_ROLE_TARGET &&
	    pos <= found->size && len <= found->size - pos)
		ret = hcx_disk_io(found, REQ_OP_READ, pos, buf, len);
	up_read(&found->fence);
	return ret;
}

/*
 * A reference to the Nth disk of NET, or NULL past the last; *GEN gets the
 * registry's generation, so that a dump notices changes between calls.
 */
struct hcx_disk *hcx_disk_get_nth(struct net *net, unsigned long n,
				  unsigned long *gen)
{
	struct hcx_disk *disk;

	mutex_lock(&hcx_disks_lock);
	*gen = hcx_disks_gen;
	list_for_each_entry(disk, &hcx_disks, list) {
		if (!net_eq(read_pnet(&disk->net), net) || n--)
			continue;
		kref_get(&disk->refcount);
		mutex_unlock(&hcx_disks_lock);
		return disk;
	}
	mutex_unlock(&hcx_disks_lock);
	return NULL;
}

static int hcx_disk_open_backing(struct hcx_disk *disk, const char *path,
				 struct netlink_ext_ack *extack)
{
	int ret = hcx_backing_open(&disk->backing, path, disk);

	switch (ret) {
	case 0:
		break;
	case -ENOTBLK:
		NL_SET_ERR_MSG(extack, "Backing path is not a block device");
		return ret;
	case -EBUSY:
		NL_SET_ERR_MSG(extack, "Backing device is in use (mounted, or another disk's)");
		return ret;
	case -ENOENT:
		NL_SET_ERR_MSG(extack, "Backing path does not exist");
		return ret;
	default:
		NL_SET_ERR_MSG(extack, "Cannot open the backing device");
		return ret;
	}
	disk->size = bdev_nr_bytes(disk->backing.bdev);
	if (!disk->size) {
		NL_SET_ERR_MSG(extack, "Backing device is empty");
		ret = -EINVAL;
	} else if (bdev_logical_block_size(disk->backing.bdev) >
		   hcx_chunk_bytes(disk)) {
		NL_SET_ERR_MSG(extack, "Chunk is smaller than the backing device's block");
		ret = -EINVAL;
	}
	if (ret)
		hcx_backing_close(&disk->backing);
	return ret;
}

static int hcx_disk_create_gendisk(struct hcx_disk *disk)
{
	struct gendisk *gd;
	int ret;

	gd = hcx_alloc_disk(disk->backing.bdev);
	if (IS_ERR(gd))
		return PTR_ERR(gd);
	gd->major = hcx_disk_major;
	gd->first_minor = disk->index;
	gd->minors = 1;
	gd->flags |= GENHD_FL_NO_PART;
	gd->fops = &hcx_disk_fops;
	gd->private_data = disk;
	snprintf(gd->disk_name, sizeof(gd->disk_name), "hcxd%d", disk->index);
	set_capacity(gd, disk->size >> SECTOR_SHIFT);
	set_disk_ro(gd, disk->gate == HCX_WRITES_REFUSE);
	disk->gd = gd;
	ret = add_disk(gd);
	if (ret) {
		put_disk(gd);
		disk->gd = NULL;
	}
	return ret;
}

int hcx_disk_add(struct net *net, const struct hcx_disk_conf *conf,
		 struct netlink_ext_ack *extack)
{
	struct hcx_disk *disk;
	int ret;

	if (!is_power_of_2(conf->chunk_bytes) ||
	    conf->chunk_bytes < HCX_CHUNK_MIN ||
	    conf->chunk_bytes > HCX_CHUNK_MAX) {
		NL_SET_ERR_MSG(extack, "Chunk size must be a power of two from 4 KiB to 1 MiB");
		return -EINVAL;
	}
	if (!conf->streams || conf->streams > HCX_STREAMS_MAX) {
		NL_SET_ERR_MSG(extack, "Streams must be 1 to 16");
		return -EINVAL;
	}
	disk = kzalloc(sizeof(*disk), GFP_KERNEL);
	if (!disk)
		return -ENOMEM;
	kref_init(&disk->refcount);
	write_pnet(&disk->net, net);
	strscpy(disk->name, conf->name, sizeof(disk->name));
	strscpy(disk->ifname, conf->ifname, sizeof(disk->ifname));
	disk->chunk_shift = ilog2(conf->chunk_bytes);
	mutex_init(&disk->lock);
	init_rwsem(&disk->fence);
	disk->role = conf->role;
	disk->gen_id = get_random_u64();
	spin_lock_init(&disk->io_lock);
	disk->gate = conf->role == HCXREPL_DISK_ROLE_SOURCE ?
		     HCX_WRITES_PASS : HCX_WRITES_REFUSE;
	bio_list_init(&disk->held);
	init_waitqueue_head(&disk->drained);
	hcx_sync_init(&disk->sync, conf->streams, &conf->wanopt);
	disk->sync.priority = conf->priority;
	hcx_disk_init_switchover(disk);

	ret = -ENOMEM;
	disk->backing_path = kstrdup(conf->backing, GFP_KERNEL);
	disk->pool = hcx_pool_get(net, conf->ifname);
	if (!disk->backing_path || !disk->pool)
		goto err_free;
	disk->index = ida_alloc_max(&hcx_disk_ida, HCX_DISKS_MAX - 1,
				    GFP_KERNEL);
	if (disk->index < 0) {
		ret = disk->index;
		NL_SET_ERR_MSG(extack, "Too many disks");
		goto err_free;
	}

	mutex_lock(&hcx_disks_lock);
	if (hcx_disk_find(net, conf->name)) {
		NL_SET_ERR_MSG(extack, "A disk of that name exists");
		ret = -EEXIST;
		goto err_unlock;
	}
	ret = hcx_disk_open_backing(disk, conf->backing, extack);
	if (ret)
		goto err_unlock;
	disk->nr_chunks = DIV_ROUND_UP_ULL(disk->size, hcx_chunk_bytes(disk));
	ret = hcx_bitmap_init(&disk->map, disk->nr_chunks);
	if (ret)
		goto err_backing;
	ret = hcx_disk_create_gendisk(disk);
	if (ret) {
		NL_SET_ERR_MSG(extack, "Cannot create the tracking block device");
		goto err_backing;
	}
	list_add_tail(&disk->list, &hcx_disks);
	hcx_disks_gen++;
	mutex_unlock(&hcx_disks_lock);
	return 0;

err_backing:
	hcx_backing_close(&disk->backing);
err_unlock:
	mutex_unlock(&hcx_disks_lock);
	ida_free(&hcx_disk_ida, disk->index);
err_free:
	hcx_pool_put(disk->pool);
	hcx_bitmap_free(&disk->map);
	kfree(disk->backing_path);
	kfree(disk);
	return ret;
}

/* Refuse new openers; false when the tracking device is open. */
static bool hcx_disk_close_doors(struct hcx_disk *disk, bool force)
{
	bool busy;

	mutex_lock(&disk->gd->open_mutex);
	busy = disk_openers(disk->gd) && !force;
	if (!busy)
		WRITE_ONCE(disk->deleting, true);
	mutex_unlock(&disk->gd->open_mutex);
	return !busy;
}

/* Tear down an unlisted disk and drop the registry's reference. */
static void hcx_disk_destroy(struct hcx_disk *disk)
{
	/*
	 * Actions that got their reference before the disk was unlisted
	 * find it deleting once they hold its lock, and start nothing: a
	 * switchover scheduled before runs now or never, and does nothing.
	 */
	mutex_lock(&disk->lock);
	hcx_sync_stop(disk);
	mutex_unlock(&disk->lock);
	cancel_delayed_work_sync(&disk->switchover_work);
	hcx_target_disconnect(disk);
	del_gendisk(disk->gd);
	/* Bios in flight end at the backing device; held ones fail. */
	hcx_disk_set_gate(disk, HCX_WRITES_REFUSE);
	hcx_disk_drain(disk, false);
	/*
	 * Another disk's connection may be reading a block that a reference
	 * named: it holds the fence, and finds the disk deleting after this.
	 */
	down_write(&disk->fence);
	up_write(&disk->fence);
	hcx_backing_close(&disk->backing);
	hcx_disk_put(disk);
}

int hcx_disk_del(struct net *net, const char *name,
		 struct netlink_ext_ack *extack)
{
	struct hcx_disk *disk;

	mutex_lock(&hcx_disks_lock);
	disk = hcx_disk_find(net, name);
	if (!disk) {
		mutex_unlock(&hcx_disks_lock);
		NL_SET_ERR_MSG(extack, "No such disk");
		return -ENOENT;
	}
	if (!hcx_disk_close_doors(disk, false)) {
		mutex_unlock(&hcx_disks_lock);
		NL_SET_ERR_MSG(extack, "The disk's tracking device is open");
		return -EBUSY;
	}
	list_del(&disk->list);
	hcx_disks_gen++;
	mutex_unlock(&hcx_disks_lock);
	hcx_disk_destroy(disk);
	return 0;
}

/*
 * A namespace's disks go with it, as its devices do, and then the target
 * connections that still have sockets in it.
 */
static void __net_exit hcx_disk_net_exit(struct net *net)
{
	struct hcx_disk *disk, *tmp;
	LIST_HEAD(doomed);

	mutex_lock(&hcx_disks_lock);
	list_for_each_entry_safe(disk, tmp, &hcx_disks, list) {
		if (!net_eq(read_pnet(&disk->net), net))
			continue;
		hcx_disk_close_doors(disk, true);
		list_move(&disk->list, &doomed);
		hcx_disks_gen++;
	}
	mutex_unlock(&hcx_disks_lock);
	list_for_each_entry_safe(disk, tmp, &doomed, list)
		hcx_disk_destroy(disk);
	hcx_target_net_gone(net);
}

static struct pernet_operations hcx_disk_net_ops = {
	.exit = hcx_disk_net_exit,
};

int __init hcx_disk_init(void)
{
	int ret;

	ret = register_blkdev(0, "hcxrepl");
	if (ret < 0)
		return ret;
	hcx_disk_major = ret;
	ret = bioset_init(&hcx_disk_bioset, BIO_POOL_SIZE, 0, BIOSET_NEED_BVECS);
	if (ret)
		goto err_blkdev;
	ret = register_pernet_subsys(&hcx_disk_net_ops);
	if (ret)
		goto err_bioset;
	return 0;

err_bioset:
	bioset_exit(&hcx_disk_bioset);
err_blkdev:
	unregister_blkdev(hcx_disk_major, "hcxrepl");
	return ret;
}

/*
 * Unregistering runs the namespace exit for every namespace: all disks are
 * gone after it.  An open tracking device holds the module, so unloading
 * never pulls a disk from under a user.
 */
void hcx_disk_uninit(void)
{
	unregister_pernet_subsys(&hcx_disk_net_ops);
	bioset_exit(&hcx_disk_bioset);
	unregister_blkdev(hcx_disk_major, "hcxrepl");
}
