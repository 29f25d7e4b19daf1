/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Replicated disks: the registry, the tracking block device stacked over
 * each backing device, and the gate that holds or refuses writes.
 */
#ifndef _HCX_DISK_H
#define _HCX_DISK_H

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/if.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/rwsem.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <net/net_namespace.h>
#include <uapi/linux/hcxrepl.h>

#include "bitmap.h"
#include "compat.h"
#include "pool.h"
#include "sync.h"

#define HCX_CHUNK_MIN		SZ_4K
#define HCX_CHUNK_MAX		SZ_1M
#define HCX_CHUNK_DEFAULT	SZ_64K

/* Numbers of tracking devices: /dev/hcxd0 to hcxd1023. */
#define HCX_DISKS_MAX		1024

/* What the tracking device does with a write. */
enum hcx_write_gate {
	HCX_WRITES_PASS,	/* track it and pass it down */
	HCX_WRITES_HOLD,	/* park it until the gate opens or refuses */
	HCX_WRITES_REFUSE,	/* fail it: the disk is a read-only target */
};

/**
 * struct hcx_disk - a replicated disk
 * @list: entry in the registry, under hcx_disks_lock
 * @refcount: the registry holds one reference; netlink handlers, sync
 *	streams and target connections one each while they use the disk
 * @net: the network namespace the disk was added in; its name is unique
 *	there and its device lives there
 * @name: the name that pairs it with the disk of the same name at the peer
 * @ifname: the interconnect device whose peer it replicates with, by name:
 *	a device deleted and created again under that name carries it again
 * @index: the tracking device's number, hcxd<index>
 * @gd: the tracking block device
 * @backing: the backing block device, claimed exclusively by the disk
 * @backing_path: the path it was opened by, for display
 * @size: bytes of the backing device, fixed at add
 * @chunk_shift: log2 of the tracking granularity
 * @nr_chunks: chunks of the disk, the last one possibly short
 * @map: chunks that may differ from the target's copy
 * @lock: serialises role changes and operations, and guards the fields
 *	down to @gen_seq
 * @role: source or target
 * @consistent: a target holds a copy that may be promoted
 * @deleting: the disk is being deleted: no new openers, no new work
 * @gen_id: generation of this side's change map: random per instance
 * @gen_seq: the generation's counter, bumped at each promotion
 * @fence: a target's replication writes hold it for reading, checking
 *	@epoch, and so do reads of its blocks that another disk's references
 *	name; whoever changes @epoch or @role holds it for writing (and
 *	@lock), so that no write of a fenced connection starts after that
 * @epoch: the newest round of the source's connections this target
 *	admitted; only connections of that round write (target.c)
 * @switchover_at: when a scheduled switchover runs, seconds since the
 *	epoch; 0 for none
 * @switchover_verify: the scheduled switchover verifies
 * @switchover_work: runs it
 * @io_lock: guards the gate, the count of bios in flight and @held;
 *	taken in bio completion (irq)
 * @gate: what happens to new writes
 * @in_flight: bios passed down and not completed, reads and writes
 * @writes_in_flight: of those, the writes: what a switchover waits for
 * @held: writes parked while the gate holds
 * @drained: woken when @in_flight or @writes_in_flight drops to zero
 * @sync: the replication engine (source side)
 * @pool: the lanes of its device pair, held from add to the last reference
 */
struct hcx_disk {
	struct list_head list;
	struct kref refcount;
	possible_net_t net;
	char name[HCXREPL_DISK_NAME_MAX];
	char ifname[IFNAMSIZ];
	int index;
	struct gendisk *gd;
	struct hcx_backing backing;
	char *backing_path;
	u64 size;
	unsigned int chunk_shift;
	u64 nr_chunks;
	struct hcx_bitmap map;

	struct mutex lock; /* role, state, generation */
	enum hcxrepl_disk_role role;
	bool consistent;
	bool deleting;
	u64 gen_id;
	u64 gen_seq;
	struct rw_semaphore fence; /* epoch, role: for replication's writes */
	u64 epoch;
	u64 switchover_at;
	bool switchover_verify;
	struct delayed_work switchover_work;

	spinlock_t io_lock; /* gate, bios in flight, held writes */
	enum hcx_write_gate gate;
	unsigned int in_flight;
	unsigned int writes_in_flight;
	struct bio_list held;
	wait_queue_head_t drained;

	struct hcx_sync sync;
	struct hcx_pool *pool;
};

static inline u32 hcx_chunk_bytes(const struct hcx_disk *disk)
{
	return 1U << disk->chunk_shift;
}

/* Bytes of chunk CHUNK: the last chunk of the disk may be short. */
static inline u32 hcx_chunk_len(const struct hcx_disk *disk, u64 chunk)
{
	u64 start = chunk << disk->chunk_shift;

	return min_t(u64, hcx_chunk_bytes(disk), disk->size - start);
}

/**
 * struct hcx_disk_conf - what disk-new asks for
 * @name: the disk's name
 * @ifname: its interconnect device, already checked
 * @role: source or target
 * @backing: path of the backing block device
 * @chunk_bytes: tracking granularity
 * @streams: lanes that may serve the disk at once
 * @priority: which disks lanes serve first
 * @wanopt: WAN optimization
 */
struct hcx_disk_conf {
	const char *name;
	char ifname[IFNAMSIZ];
	enum hcxrepl_disk_role role;
	const char *backing;
	u32 chunk_bytes;
	u8 streams;
	u8 priority;
	struct hcx_wanopt_conf wanopt;
};

int hcx_disk_init(void);
void hcx_disk_uninit(void);
int hcx_disk_add(struct net *net, const struct hcx_disk_conf *conf,
		 struct netlink_ext_ack *extack);
int hcx_disk_del(struct net *net, const char *name,
		 struct netlink_ext_ack *extack);
struct hcx_disk *hcx_disk_get(struct net *net, const char *name);
int hcx_disk_read_replica(struct net *net, const char *ifname, u32 nr,
			  u64 pos, void *buf, u32 len);
struct hcx_disk *hcx_disk_get_nth(struct net *net, unsigned long n,
				  unsigned long *gen);
void hcx_disk_put(struct hcx_disk *disk);
bool hcx_disk_name_valid(const char *name);
/**
 * struct hcx_disk_request - an action and its arguments
 * @action: what to do
 * @kind: the kind of a sync
 * @switchover_at: when to switch over, 0 for now
 * @verify: the switchover verifies
 */
struct hcx_disk_request {
	u8 action;
	enum hcxrepl_sync_kind kind;
	u64 switchover_at;
	bool verify;
};

int hcx_disk_action(struct hcx_disk *disk, const struct hcx_disk_request *req,
		    struct netlink_ext_ack *extack);
void hcx_disk_become(struct hcx_disk *disk, enum hcxrepl_disk_role role);
int hcx_disk_switchover(struct hcx_disk *disk, bool verify,
			struct netlink_ext_ack *extack);
int hcx_disk_schedule_switchover(struct hcx_disk *disk, u64 at, bool verify,
				 struct netlink_ext_ack *extack);
void hcx_disk_init_switchover(struct hcx_disk *disk);
int hcx_disk_promote(struct hcx_disk *disk, struct netlink_ext_ack *extack);
int hcx_disk_demote(struct hcx_disk *disk, struct netlink_ext_ack *extack);
void hcx_disk_set_gate(struct hcx_disk *disk, enum hcx_write_gate gate);
void hcx_disk_drain(struct hcx_disk *disk, bool writes_only);
int hcx_disk_io(struct hcx_disk *disk, blk_opf_t opf, u64 pos, void *buf,
		u32 len);
int hcx_disk_zeroout(struct hcx_disk *disk, u64 pos, u32 len);

static inline int hcx_disk_read(struct hcx_disk *disk, u64 chunk, void *buf,
				u32 len)
{
	return hcx_disk_io(disk, REQ_OP_READ, chunk << disk->chunk_shift, buf,
			   len);
}

#endif /* _HCX_DISK_H */
