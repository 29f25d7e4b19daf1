// SPDX-License-Identifier: GPL-2.0
/*
 * Role changes of a disk: the switchover, promotion and demotion.
 *
 * A switchover runs on the source, under the disk's lock from start to
 * end: it stops the running operation, holds new writes, waits for the
 * writes in flight, sends what is dirty (a delta sync, which becomes a
 * checksum sync when the map cannot be trusted), verifies by hash when
 * asked to, and asks the target to take over with the next generation.
 * Only once the target answered that it did does the source become a
 * read-only target; the writes it held then fail.  Any failure before that
 * rolls back: the held writes go down, continuous replication starts
 * again if it ran, and the reason is kept in last_error.
 *
 * A switchover may be scheduled; the delayed work runs it at that time, on
 * hcx_channel_wq beside the streams it stops.
 *
 * Locking: the disk's lock, held by every entry point here; the target
 * connections and the sync streams never wait for it while the disk waits
 * for them.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/timekeeping.h>

#include "channel.h"
#include "device.h"
#include "disk.h"
#include "netlink.h"
#include "pool.h"
#include "sync.h"
#include "target.h"

static int hcx_switchover_run(struct hcx_disk *disk, bool verify,
			      struct netlink_ext_ack *extack)
{
	int ret;

	ret = hcx_sync_run(disk, HCXREPL_SYNC_KIND_DELTA, false);
	if (ret == -EHOSTUNREACH) {
		NL_SET_ERR_MSG(extack, "The peer cannot be reached: the source goes on");
		return ret;
	}
	if (ret) {
		NL_SET_ERR_MSG(extack, "The last changes could not be sent: the source goes on");
		return ret;
	}
	/* Writes are held: a sync that ended left nothing dirty. */
	if (WARN_ON_ONCE(hcx_bitmap_dirty(&disk->map)))
		return -EAGAIN;
	if (verify) {
		ret = hcx_sync_run(disk, HCXREPL_SYNC_KIND_DELTA, true);
		if (!ret && (atomic64_read(&disk->sync.verify_mismatches) ||
			     atomic64_read(&disk->sync.verify_skipped)))
			ret = -EILSEQ;
		if (ret) {
			NL_SET_ERR_MSG(extack, "The copies differ: the source goes on");
			return ret;
		}
	}
	ret = hcx_pool_promote(disk);
	if (ret)
		NL_SET_ERR_MSG(extack, "The target did not take over: the source goes on");
	return ret;
}

/**
 * hcx_disk_switchover - hand the disk over to the target
 * @disk: a source disk, whose lock is held
 * @verify: compare both copies by hash before handing over
 * @extack: why it failed
 *
 * Return: 0 when the target took over and this side became a target, or a
 * negative errno when it rolled back.
 */
int hcx_disk_switchover(struct hcx_disk *disk, bool verify,
			struct netlink_ext_ack *extack)
{
	bool continuous;
	int ret;

	lockdep_assert_held(&disk->lock);
	if (READ_ONCE(disk->deleting))
		return -ENOENT;
	if (disk->role != HCXREPL_DISK_ROLE_SOURCE) {
		NL_SET_ERR_MSG(extack, "Only a source switches over");
		return -EINVAL;
	}
	continuous = hcx_sync_running(disk) && disk->sync.continuous;
	hcx_sync_stop(disk);
	hcx_sync_set_switchover(disk, true);
	hcx_disk_set_gate(disk, HCX_WRITES_HOLD);
	hcx_disk_drain(disk, true);

	ret = hcx_switchover_run(disk, verify, extack);
	if (ret) {
		hcx_sync_set_switchover(disk, false);
		hcx_disk_set_gate(disk, HCX_WRITES_PASS);
		if (continuous)
			hcx_sync_start(disk, HCXREPL_SYNC_KIND_DELTA, true, false);
		WRITE_ONCE(disk->sync.last_error, ret);
		hcx_sync_ended(&disk->sync);
		return ret;
	}
	disk->gen_seq++;
	hcx_disk_become(disk, HCXREPL_DISK_ROLE_TARGET);
	hcx_sync_reset_map(disk, false);
	hcx_sync_set_switchover(disk, false);
	WRITE_ONCE(disk->sync.last_error, 0);
	hcx_sync_ended(&disk->sync);
	return 0;
}

static void hcx_switchover_work(struct work_struct *work)
{
	struct hcx_disk *disk = container_of(to_delayed_work(work),
					     struct hcx_disk, switchover_work);

	mutex_lock(&disk->lock);
	WRITE_ONCE(disk->switchover_at, 0);
	hcx_disk_switchover(disk, disk->switchover_verify, NULL);
	mutex_unlock(&disk->lock);
	hcx_nl_disk_notify(disk);
}

/*
 * Switch over at AT, seconds since the epoch (0, or a time past: now).  A
 * new schedule replaces the previous one.
 */
int hcx_disk_schedule_switchover(struct hcx_disk *disk, u64 at, bool verify,
				 struct netlink_ext_ack *extack)
{
	u64 now = ktime_get_real_seconds();

	lockdep_assert_held(&disk->lock);
	if (at <= now)
		return hcx_disk_switchover(disk, verify, extack);
	if (disk->role != HCXREPL_DISK_ROLE_SOURCE) {
		NL_SET_ERR_MSG(extack, "Only a source switches over");
		return -EINVAL;
	}
	if (at - now > 366 * 24 * 3600) {
		NL_SET_ERR_MSG(extack, "The switchover time is more than a year away");
		return -ERANGE;
	}
	disk->switchover_verify = verify;
	WRITE_ONCE(disk->switchover_at, at);
	/*
	 * Not on hcx_wq: the switchover waits for the streams' work, which a
	 * WQ_MEM_RECLAIM workqueue must not wait for.
	 */
	mod_delayed_work(hcx_channel_wq, &disk->switchover_work,
			 (at - now) * HZ);
	return 0;
}

void hcx_disk_init_switchover(struct hcx_disk *disk)
{
	INIT_DELAYED_WORK(&disk->switchover_work, hcx_switchover_work);
}

/* Promote a consistent target to a source by hand (disaster recovery). */
int hcx_disk_promote(struct hcx_disk *disk, struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&disk->lock);
	if (disk->role != HCXREPL_DISK_ROLE_TARGET) {
		NL_SET_ERR_MSG(extack, "The disk is a source already");
		return -EINVAL;
	}
	if (!disk->consistent) {
		NL_SET_ERR_MSG(extack, "The target is inconsistent: a sync wrote it since");
		return -EPERM;
	}
	/* Its own generation moves on: the old source's is no longer trusted. */
	disk->gen_seq++;
	hcx_disk_become(disk, HCXREPL_DISK_ROLE_SOURCE);
	hcx_sync_reset_map(disk, true);
	return 0;
}

/* Demote a source to a read-only, consistent target. */
int hcx_disk_demote(struct hcx_disk *disk, struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&disk->lock);
	if (disk->role != HCXREPL_DISK_ROLE_SOURCE) {
		NL_SET_ERR_MSG(extack, "The disk is a target already");
		return -EINVAL;
	}
	if (disk_openers(disk->gd)) {
		NL_SET_ERR_MSG(extack, "The tracking device is open: close it first");
		return -EBUSY;
	}
	hcx_sync_stop(disk);
	hcx_disk_become(disk, HCXREPL_DISK_ROLE_TARGET);
	hcx_disk_drain(disk, true);
	hcx_sync_reset_map(disk, false);
	return 0;
}
