// SPDX-License-Identifier: GPL-2.0
/*
 * The replication pool of a device pair.
 *
 * Every source disk attached to one interconnect device (by its name, in
 * its namespace: a device deleted and created again under that name serves
 * the same disks) shares one pool of at most HCX_POOL_LANES lanes, each one
 * TCP connection to the peer with its preparers and buffers.  A disk at
 * rest costs its change map and its struct; what sending costs belongs to
 * the lanes, whatever the number of disks (design.rst, "Waves").
 *
 * Scheduling.  A disk whose operation runs is on its pool's ready list.  A
 * lane with nothing to do takes a disk from it that wants a lane (it has
 * records to hand out, or needs a welcome: hcx_sync_wants_lane()) and has
 * fewer lanes than its streams: one of the highest class (a disk in a
 * switchover above all, then by priority), and among those the one taken
 * least recently, so that running disks take turns.  The lane says hello
 * for that disk on its connection, which the target admits or refuses as
 * it would a new connection, sends the disk's records for a quantum
 * (HCX_LANE_QUANTUM_BYTES or HCX_LANE_QUANTUM, whichever comes first), and
 * at its end, if a disk of the same class that no lane serves waits, or
 * one of a higher class, waits for the answers and lets the disk go.  So a lane holds records
 * of one disk at a time, and what a lost connection leaves unanswered
 * belongs to one disk's round (sync.c, "Rounds").  A lane that found
 * nothing to do for its disk leaves it alone until something happens to
 * it (sync->idle_kicks), so no lane spins on a disk that waits.
 *
 * The pipeline of a lane: it hands each chunk it picks to one of its
 * HCX_LANE_PREP preparers, work items on the unbound hcx_prep_wq that
 * read, hash, encode (wanopt.c) and seal it, on whatever CPUs are free.
 * Each record's nonce is taken when it is handed out, so the lane sends
 * the prepared records in that order; it reads answers whenever some have
 * arrived, and blocks on them only when nothing is being prepared.  At
 * most HCX_LANE_PREP records are being prepared or waiting to be sent,
 * which bounds the buffers; what is sent and unanswered is bounded by the
 * window, HCX_STREAM_WINDOW.  Each record is drawn from the device's rate
 * limit (rate.c) just before it is sent.
 *
 * Memory: a lane's buffers fit the largest chunk of the disks it served;
 * it frees them, and closes its connection, once it has had nothing to do
 * for HCX_LANE_LINGER.  The pool's budget is then HCX_POOL_LANES lanes of
 * HCX_LANE_PREP preparers, each a chunk and a record of the largest chunk
 * size in use (design.rst says how much).
 *
 * Lifetime: a disk holds its pool from add to delete; the last one's put
 * stops the lanes and frees it.  Lanes start when disks want them
 * (hcx_pool_kick(), from any context, through pool->start).
 *
 * Locking: hcx_pools_lock guards the registry and each pool's references.
 * pool->lock guards the ready list, each lane's @active and @disk, each
 * disk's count of lanes (sync->lanes) and the pool's @established; a
 * disk's sync->lock is taken under it, never the other way round.  A
 * lane's connection, ring and preparers belong to its work alone; another
 * thread only aborts its connection (hcx_channel_abort()).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "channel.h"
#include "device.h"
#include "disk.h"
#include "pool.h"
#include "sync.h"

/* Records a lane prepares at once, each on a CPU of its own. */
#define HCX_LANE_PREP		4
/* A lane gives its disk up after this much, when another disk waits. */
#define HCX_LANE_QUANTUM_BYTES	(8 << 20)
#define HCX_LANE_QUANTUM	HZ
/* A lane waiting on the rate limit looks at its debt again this often. */
#define HCX_LANE_PACE_SLICE	(HZ / 10)
/* A lane waiting for a record to be prepared reads answers this often. */
#define HCX_LANE_ANSWER_POLL	(HZ / 100 ?: 1)
/* An idle lane keeps its connection this long. */
#define HCX_LANE_LINGER		(5 * HZ)

/* Reconnects wait this long at first, then twice as long up to the cap. */
#define HCX_BACKOFF_MIN_MS	200
#define HCX_BACKOFF_MAX_MS	(30 * 1000)
/*
 * A lane whose path went silent (a connection stalled, or a connect nobody
 * answered: -ETIMEDOUT) probes it instead, for HCX_PROBE_FOR: it connects
 * again within HCX_PROBE_JITTER_MS, each connect giving up after
 * HCX_PROBE_MS or three of the lost connection's shortest round trips,
 * whichever is longer (a new SYN, where TCP would wait a second for its
 * first retransmission).  A path that returns carries data again within
 * about a second, where backing off would leave it idle for up to as long
 * as it was gone (design.rst, "Long lossy paths").
 */
#define HCX_PROBE_MS		500
#define HCX_PROBE_JITTER_MS	100
#define HCX_PROBE_FOR		(60 * HZ)

struct hcx_lane;

/**
 * struct hcx_prep - a preparer: reads, encodes and seals one record at a time
 * @work: prepares the record, on hcx_prep_wq
 * @lane: its lane
 * @job: the record's job, in the lane's ring
 * @nonce: the record's place in the lane's order
 * @bytes: where the chunk is read
 * @buf: where the record is built, after HCX_REC_HEADROOM
 * @len: the record's plaintext length, once prepared
 * @how: how a data record's chunk travels, for the counters
 * @sealer: its sealer, for the lane's current connection
 * @err: why preparing failed, or 0
 * @done: completed once the record is prepared or failed
 *
 * The lane sets @job and @nonce and queues @work; the work sets the rest
 * and completes @done, after which the lane alone touches it again.
 */
struct hcx_prep {
	struct work_struct work;
	struct hcx_lane *lane;
	struct hcx_sync_job *job;
	u64 nonce;
	u8 *bytes;
	u8 *buf;
	size_t len;
	struct hcx_encoding how;
	struct hcx_sealer sealer;
	int err;
	struct completion done;
};

/**
 * struct hcx_lane - one connection of a pool, serving a disk at a time
 * @work: runs the lane while disks want it
 * @pool: its pool; NULL for a promotion's lane
 * @net: the namespace of its device
 * @ifname: its device
 * @index: its number in the pool
 * @active: its work is queued or running (pool->lock)
 * @disk: the disk it serves, referenced, or NULL (pool->lock to change)
 * @epoch: the disk's round of connections its hello named
 * @peer_gen_id: the generation the target held at its welcome
 * @peer_gen_seq: and its counter
 * @peer_disk: the target disk's number, which references name
 * @adoptions: the disk's adoptions when it sent its last hello
 * @refused: the target refused its last hello (and ends the connection)
 * @ch: its channel
 * @connected: @ch is connected
 * @rate: the rate limit of the device it last connected through, or NULL
 * @dedup: the pool's index when the served disk uses one, or NULL
 * @buf_bytes: the chunk size its buffers hold, 0 for none
 * @sealed_bytes: the chunk size its sealers hold, 0 for none
 * @backoff: milliseconds before it tries to connect again after a failure
 * @probing: its path went silent: it probes until @probe_until
 *	(HCX_PROBE_MS), then backs off until it connects
 * @probe_until: until then
 * @probe_ms: how long each probe's connect waits
 * @ring: records in flight, oldest first: being prepared, or sent and not
 *	answered
 * @head: the oldest
 * @count: how many
 * @prep: the preparers, handed records in ring order
 * @prep_head: the one with the oldest record not sent
 * @prep_count: how many have a record not sent
 * @ctl: where control records (hello, promote) are built
 */
struct hcx_lane {
	struct work_struct work;
	struct hcx_pool *pool;
	struct net *net;
	const char *ifname;
	unsigned int index;
	bool active;
	struct hcx_disk *disk;
	u64 epoch;
	u64 peer_gen_id;
	u64 peer_gen_seq;
	u32 peer_disk;
	u64 adoptions;
	bool refused;
	struct hcx_channel ch;
	bool connected;
	struct hcx_rate *rate;
	struct hcx_dedup *dedup;
	u32 buf_bytes;
	u32 sealed_bytes;
	unsigned int backoff;
	bool probing;
	unsigned long probe_until;
	unsigned int probe_ms;
	struct hcx_sync_job ring[HCX_STREAM_WINDOW];
	unsigned int head;
	unsigned int count;
	struct hcx_prep prep[HCX_LANE_PREP];
	unsigned int prep_head;
	unsigned int prep_count;
	u8 ctl[HCX_REC_HEADROOM + sizeof(struct hcx_rec_hello) +
	       HCX_REC_TAILROOM];
};

/**
 * struct hcx_pool - the lanes of a device pair
 * @list: in hcx_pools
 * @refs: disks holding it (hcx_pools_lock)
 * @net: the namespace of its device
 * @ifname: its device, by name
 * @lock: see the top of the file
 * @ready: the disks whose operation runs (their sync->ready)
 * @established: lanes with a connection
 * @dying: the last disk went: lanes stop
 * @kicks: bumped whenever a disk may want a lane
 * @wait: idle lanes wait here
 * @start: starts lanes that disks want (kicks may come from interrupts)
 * @dedup: the deduplication index of every disk of the pair; sized, and
 *	resized, under hcx_pools_lock
 * @encoders: the encoders its disks' operations use, one for each set of
 *	options in use (struct hcx_pool_encoder), under hcx_pools_lock
 * @seq: the last sequence number a record was handed out with
 * @lanes: the lanes
 */
struct hcx_pool {
	struct list_head list;
	unsigned int refs;
	possible_net_t net;
	char ifname[IFNAMSIZ];
	spinlock_t lock; /* the ready list, lanes' disks, counts */
	struct list_head ready;
	unsigned int established;
	bool dying;
	atomic_t kicks;
	wait_queue_head_t wait;
	struct work_struct start;
	struct hcx_dedup dedup;
	struct list_head encoders;
	atomic64_t seq;
	struct hcx_lane lanes[HCX_POOL_LANES];
};

/**
 * struct hcx_pool_encoder - an encoder the operations of a pool share
 * @node: in the pool's list
 * @refs: the operations holding it
 * @chunk_bytes: the chunk size it was made for (zstd's workspace depends
 *	on it; 0 for the other codecs, whose workspaces do not)
 * @level: its zstd level, 0 for the other codecs
 * @enc: the encoder
 */
struct hcx_pool_encoder {
	struct list_head node;
	unsigned int refs;
	u32 chunk_bytes;
	int level;
	struct hcx_encoder enc;
};

static DEFINE_MUTEX(hcx_pools_lock);
static LIST_HEAD(hcx_pools);

static struct hcx_disk *hcx_disk_of(struct hcx_sync *sync)
{
	return container_of(sync, struct hcx_disk, sync);
}

/* Read a chunk, and build and seal its data record or offer. */
static void hcx_prep_work(struct work_struct *work)
{
	struct hcx_prep *p = container_of(work, struct hcx_prep, work);
	struct hcx_sync_job *job = p->job;
	struct hcx_lane *lane = p->lane;
	struct hcx_disk *disk = lane->disk;
	u8 *plain = p->buf + HCX_REC_HEADROOM;
	struct hcx_rec_offer *offer = (void *)plain;
	struct hcx_rec_adopt *adopt = (void *)plain;
	struct hcx_block_at here = {
		.disk = job->peer_disk,
		.pos = job->chunk << disk->chunk_shift,
	};

	if (job->type == HCX_REC_ADOPT) {
		/* The generation changes only while no operation runs. */
		memset(adopt, 0, sizeof(*adopt));
		adopt->header.type = HCX_REC_ADOPT;
		adopt->gen_id = cpu_to_le64(READ_ONCE(disk->gen_id));
		adopt->gen_seq = cpu_to_le64(READ_ONCE(disk->gen_seq));
		p->len = sizeof(*adopt);
		goto seal;
	}
	p->err = hcx_disk_read(disk, job->chunk, p->bytes, job->len);
	if (p->err)
		goto out;
	hcx_blocks_scan(p->bytes, job->len, job->blocks,
			job->type == HCX_REC_OFFER || lane->dedup);
	if (job->type == HCX_REC_DATA) {
		p->len = hcx_encode(disk->sync.enc, lane->dedup, &here,
				    job->seq, job->chunk, p->bytes, job->len,
				    job->blocks, (void *)plain, &p->how);
	} else {
		memset(offer, 0, sizeof(*offer));
		offer->header.type = HCX_REC_OFFER;
		offer->chunk = cpu_to_le64(job->chunk);
		hcx_blocks_digest(job->blocks, offer->hash);
		p->len = sizeof(*offer);
	}
seal:
	p->err = hcx_channel_seal(&lane->ch, &p->sealer, p->nonce, plain,
				  p->len);
out:
	complete(&p->done);
}

static void hcx_lane_free_sealers(struct hcx_lane *lane)
{
	int i;

	for (i = 0; i < HCX_LANE_PREP; i++)
		hcx_sealer_free(&lane->prep[i].sealer);
	lane->sealed_bytes = 0;
}

static void hcx_lane_free_buffers(struct hcx_lane *lane)
{
	struct hcx_prep *p;
	int i;

	for (i = 0; i < HCX_LANE_PREP; i++) {
		p = &lane->prep[i];
		kvfree(p->bytes);
		kvfree(p->buf);
		p->bytes = NULL;
		p->buf = NULL;
	}
	/* The ring's blocks hang from its first slot. */
	kvfree(lane->ring[0].blocks);
	for (i = 0; i < HCX_STREAM_WINDOW; i++)
		lane->ring[i].blocks = NULL;
	lane->buf_bytes = 0;
}

/*
 * Buffers and sealers for chunks of CHUNK_BYTES: kept when they are large
 * enough, else made anew.  The sealers belong to the connection.
 */
static int hcx_lane_size(struct hcx_lane *lane, u32 chunk_bytes)
{
	size_t blocks_size = hcx_blocks_size(chunk_bytes);
	size_t max = hcx_data_max(chunk_bytes);
	struct hcx_prep *p;
	u8 *blocks;
	int i, ret;

	if (lane->buf_bytes < chunk_bytes) {
		hcx_lane_free_buffers(lane);
		blocks = kvmalloc_array(HCX_STREAM_WINDOW, blocks_size,
					GFP_KERNEL);
		if (!blocks)
			return -ENOMEM;
		for (i = 0; i < HCX_STREAM_WINDOW; i++)
			lane->ring[i].blocks = (void *)(blocks + i * blocks_size);
		for (i = 0; i < HCX_LANE_PREP; i++) {
			p = &lane->prep[i];
			p->bytes = kvmalloc(chunk_bytes, GFP_KERNEL);
			p->buf = kvmalloc(HCX_REC_HEADROOM + max +
					  HCX_REC_TAILROOM, GFP_KERNEL);
			if (!p->bytes || !p->buf) {
				hcx_lane_free_buffers(lane);
				return -ENOMEM;
			}
		}
		lane->buf_bytes = chunk_bytes;
	}
	if (lane->sealed_bytes >= chunk_bytes)
		return 0;
	hcx_lane_free_sealers(lane);
	ret = hcx_channel_reserve(&lane->ch, max);
	for (i = 0; !ret && i < HCX_LANE_PREP; i++)
		ret = hcx_sealer_init(&lane->prep[i].sealer, &lane->ch, max);
	if (ret) {
		hcx_lane_free_sealers(lane);
		return ret;
	}
	lane->sealed_bytes = chunk_bytes;
	return 0;
}

/* Close the connection, and what was keyed for it. */
static void hcx_lane_close(struct hcx_lane *lane)
{
	struct hcx_pool *pool = lane->pool;

	hcx_lane_free_sealers(lane);
	hcx_channel_close(&lane->ch);
	if (lane->connected && pool) {
		spin_lock(&pool->lock);
		pool->established--;
		spin_unlock(&pool->lock);
	}
	lane->connected = false;
}

/* The hcxrepl device IFNAME of NET, held (dev_put()), or NULL. */
static struct net_device *hcx_pool_dev_get(struct net *net,
					   const char *ifname)
{
	struct net_device *dev = dev_get_by_name(net, ifname);

	if (dev && !hcx_is_device(dev)) {
		dev_put(dev);
		dev = NULL;
	}
	return dev;
}

/*
 * The lane probes its path: it went silent less than HCX_PROBE_FOR ago.
 * Past that, connects wait as long as the handshake may take again, so
 * that a path whose round trip grew past the probes' time still connects.
 */
static bool hcx_lane_probes(const struct hcx_lane *lane)
{
	return lane->probing && time_before(jiffies, lane->probe_until);
}

static int hcx_lane_connect(struct hcx_lane *lane)
{
	struct hcx_pool *pool = lane->pool;
	struct hcx_device *hcx;
	struct net_device *dev;
	int ret;

	dev = hcx_pool_dev_get(lane->net, lane->ifname);
	if (!dev)
		return -ENODEV;
	/* The device may go, and come back with another limit. */
	hcx = netdev_priv(dev);
	hcx_rate_put(lane->rate);
	lane->rate = hcx_rate_get(hcx->rate);
	ret = hcx_channel_connect(&lane->ch, dev,
				  hcx_lane_probes(lane) ? lane->probe_ms : 0);
	dev_put(dev);
	if (ret)
		return ret;
	lane->connected = true;
	if (pool) {
		spin_lock(&pool->lock);
		pool->established++;
		spin_unlock(&pool->lock);
	}
	return 0;
}

/* The target admitted a newer round than this one: the next goes past it. */
static void hcx_lane_outrun(struct hcx_sync *sync, u64 epoch)
{
	spin_lock(&sync->lock);
	if (epoch >= sync->epoch)
		sync->epoch = epoch + 1;
	spin_unlock(&sync->lock);
}

/* Say which disk and generation the lane is about; read the answer. */
static int hcx_lane_hello(struct hcx_lane *lane)
{
	struct hcx_disk *disk = lane->disk;
	struct hcx_rec_welcome *w;
	struct hcx_rec_hello *hello;
	size_t len;
	int ret;

	lane->refused = false;
	hello = (struct hcx_rec_hello *)(lane->ctl + HCX_REC_HEADROOM);
	memset(hello, 0, sizeof(*hello));
	hello->header.type = HCX_REC_HELLO;
	hello->stream = cpu_to_le16(lane->index);
	hello->streams = cpu_to_le16(disk->sync.nr_streams);
	hello->chunk_bytes = cpu_to_le32(hcx_chunk_bytes(disk));
	hello->size = cpu_to_le64(disk->size);
	hello->gen_id = cpu_to_le64(disk->gen_id);
	hello->gen_seq = cpu_to_le64(disk->gen_seq);
	lane->epoch = hcx_sync_epoch(&disk->sync);
	lane->adoptions = hcx_sync_adoptions(&disk->sync);
	hello->epoch = cpu_to_le64(lane->epoch);
	strscpy(hello->name, disk->name, sizeof(hello->name));
	lane->ch.wire_bytes = &disk->sync.wire_bytes;
	ret = hcx_channel_send(&lane->ch, (u8 *)hello, sizeof(*hello)) ?:
	      hcx_channel_recv(&lane->ch, (void **)&w, &len);
	if (ret)
		return ret;
	if (hcx_rec_parse(&w->header, len) != HCX_REC_WELCOME)
		return -EPROTO;
	/* The target's refusals; hcx_sync_final() says which end it all. */
	switch (le32_to_cpu(w->status)) {
	case HCX_WELCOME_OK:
		/* A target too small to hold the disk says ENOSPC instead. */
		if (le64_to_cpu(w->size) < disk->size)
			return -EPROTO;
		break;
	case ESTALE:
		hcx_lane_outrun(&disk->sync, le64_to_cpu(w->epoch));
		lane->refused = true;
		return -ESTALE;
	case ENOENT:
	case EROFS:
	case ENOSPC:
		lane->refused = true;
		return -(int)le32_to_cpu(w->status);
	default:
		return -EPROTO;
	}
	lane->peer_gen_id = le64_to_cpu(w->gen_id);
	lane->peer_gen_seq = le64_to_cpu(w->gen_seq);
	lane->peer_disk = le32_to_cpu(w->disk);
	return 0;
}

/* Tell the target the lane is done with its disk for now. */
static int hcx_lane_release(struct hcx_lane *lane)
{
	struct hcx_rec_release *release;

	release = (struct hcx_rec_release *)(lane->ctl + HCX_REC_HEADROOM);
	memset(release, 0, sizeof(*release));
	release->header.type = HCX_REC_RELEASE;
	return hcx_channel_send(&lane->ch, (u8 *)release, sizeof(*release));
}

/*
 * Draw a record of LEN bytes of plaintext from the device's rate limit,
 * and wait until it may go: -ESHUTDOWN when the disk's operation ends
 * meanwhile.  The debt is looked at again every HCX_LANE_PACE_SLICE, so a
 * limit lifted or raised meanwhile (a window's end) applies at once.
 */
static int hcx_lane_pace(struct hcx_lane *lane, size_t len)
{
	struct hcx_sync *sync = &lane->disk->sync;
	u64 wait = hcx_rate_draw(lane->rate, HCX_REC_HEADROOM + len +
				 HCX_REC_TAILROOM);

	while (wait) {
		wait_event_timeout(sync->wait, hcx_sync_over(sync),
				   min_t(unsigned long,
					 nsecs_to_jiffies(wait) + 1,
					 HCX_LANE_PACE_SLICE));
		if (hcx_sync_over(sync))
			return -ESHUTDOWN;
		/* What is still owed, at the limit in force now. */
		wait = hcx_rate_draw(lane->rate, 0);
	}
	return 0;
}

/* Hand what the disk has to send to the preparers, in order: how many. */
static unsigned int hcx_lane_dispatch(struct hcx_lane *lane)
{
	struct hcx_sync_job *job;
	unsigned int n = 0;
	struct hcx_prep *p;

	while (lane->count < HCX_STREAM_WINDOW &&
	       lane->prep_count < HCX_LANE_PREP) {
		job = &lane->ring[(lane->head + lane->count) %
				  HCX_STREAM_WINDOW];
		if (!hcx_sync_pick(lane->disk, lane->epoch, job))
			break;
		job->peer_disk = lane->peer_disk;
		job->seq = lane->pool ? atomic64_inc_return(&lane->pool->seq) :
					1;
		lane->count++;
		p = &lane->prep[(lane->prep_head + lane->prep_count++) %
				HCX_LANE_PREP];
		p->job = job;
		p->nonce = hcx_channel_take_nonce(&lane->ch);
		reinit_completion(&p->done);
		queue_work(hcx_prep_wq, &p->work);
		n++;
	}
	return n;
}

static int hcx_lane_recv_acks(struct hcx_lane *lane);

/*
 * Send the oldest record handed out, once it is prepared.  Its preparer
 * may wait for the answer to a record this lane sent (hcx_dedup_use()),
 * so answers are read meanwhile.
 */
static int hcx_lane_send_prepared(struct hcx_lane *lane)
{
	struct hcx_prep *p = &lane->prep[lane->prep_head];
	int ret;

	while (!wait_for_completion_timeout(&p->done, HCX_LANE_ANSWER_POLL)) {
		while (hcx_channel_pending(&lane->ch)) {
			ret = hcx_lane_recv_acks(lane);
			if (ret)
				return ret;
		}
	}
	lane->prep_head = (lane->prep_head + 1) % HCX_LANE_PREP;
	lane->prep_count--;
	ret = p->err ?: hcx_lane_pace(lane, p->len) ?:
	      hcx_channel_write(&lane->ch, p->buf + HCX_REC_HEADROOM, p->len);
	if (!ret && p->job->type == HCX_REC_DATA)
		hcx_sync_count(&lane->disk->sync, p->job->len, &p->how);
	return ret;
}

/*
 * Wait for the records still being prepared: they will not be sent.  The
 * claims of those sent and unanswered go first: their answers will not
 * come, and a preparer may be waiting for one.
 */
static void hcx_lane_drain(struct hcx_lane *lane)
{
	hcx_sync_unclaim(lane->disk, lane->ring, lane->head,
			 lane->count - lane->prep_count, lane->dedup);
	for (; lane->prep_count; lane->prep_count--) {
		wait_for_completion(&lane->prep[lane->prep_head].done);
		lane->prep_head = (lane->prep_head + 1) % HCX_LANE_PREP;
	}
}

/* Read a batch of answers and apply each to the oldest record in flight. */
static int hcx_lane_recv_acks(struct hcx_lane *lane)
{
	struct hcx_rec_acks *acks;
	size_t len;
	u32 i, n;
	int ret;

	ret = hcx_channel_recv(&lane->ch, (void **)&acks, &len);
	if (ret)
		return ret;
	if (hcx_rec_parse(&acks->header, len) != HCX_REC_ACKS)
		return -EPROTO;
	n = le32_to_cpu(acks->count);
	for (i = 0; i < n; i++) {
		/* Only a record sent is answered: the rest are being prepared. */
		if (lane->count == lane->prep_count)
			return -EPROTO;
		ret = hcx_sync_answer(lane->disk, &lane->ring[lane->head],
				      &acks->acks[i], lane->dedup);
		if (ret)
			return ret;
		lane->head = (lane->head + 1) % HCX_STREAM_WINDOW;
		lane->count--;
	}
	return 0;
}

/*
 * Another disk, of DISK's class or above, waits for a lane while this lane
 * serves DISK: one no lane serves, or one of a higher class.
 */
static bool hcx_pool_others_wait(struct hcx_pool *pool, struct hcx_disk *disk)
{
	int mine, class;
	struct hcx_sync *sync;
	bool waits = false;

	if (!pool)
		return false;
	spin_lock(&pool->lock);
	if (!hcx_sync_wants_lane(disk, &mine))
		mine = 0;
	list_for_each_entry(sync, &pool->ready, ready) {
		if (sync == &disk->sync ||
		    sync->lanes >= sync->nr_streams ||
		    !hcx_sync_wants_lane(hcx_disk_of(sync), &class))
			continue;
		if (class > mine || (class == mine && !sync->lanes)) {
			waits = true;
			break;
		}
	}
	spin_unlock(&pool->lock);
	return waits;
}

/*
 * Exchange records of the lane's disk until its operation ends or it has
 * nothing for the lane (0), its quantum is over while another disk waits
 * (0), a new round began (-EAGAIN), or the connection failed.  *MOVED says
 * whether anything was handed out or answered.
 */
static int hcx_lane_run(struct hcx_lane *lane, bool *moved)
{
	struct hcx_disk *disk = lane->disk;
	struct hcx_sync *sync = &disk->sync;
	unsigned long until = jiffies + HCX_LANE_QUANTUM;
	u64 handed = 0;
	bool more = true;
	unsigned int n;
	int ret;

	for (;;) {
		if (more) {
			n = hcx_lane_dispatch(lane);
			handed += (u64)n << disk->chunk_shift;
			*moved |= n;
		}
		/*
		 * At the end of each quantum: go if a disk of this one's class
		 * or above waits.
		 */
		if (more && (handed >= HCX_LANE_QUANTUM_BYTES ||
			     time_after(jiffies, until))) {
			more = !hcx_pool_others_wait(lane->pool, disk);
			handed = 0;
			until = jiffies + HCX_LANE_QUANTUM;
		}
		if (hcx_sync_over(sync) && !lane->count)
			return 0;
		/* A new round began: join it once this one's are answered. */
		if (!lane->count && hcx_sync_round_over(sync, lane->epoch))
			return -EAGAIN;
		if (lane->prep_count) {
			ret = hcx_lane_send_prepared(lane);
			/* Answers that arrived meanwhile free the window. */
			while (!ret && hcx_channel_pending(&lane->ch))
				ret = hcx_lane_recv_acks(lane);
			if (ret)
				return ret;
			*moved = true;
			continue;
		}
		/* Everything handed out is sent: wait for answers. */
		if (lane->count) {
			ret = hcx_lane_recv_acks(lane);
			if (ret)
				return ret;
			*moved = true;
			continue;
		}
		/* Nothing in flight: let the disk go, for now or for its turn. */
		return 0;
	}
}

/*
 * The lane's connection, or its connect, failed with ERR: probe the path
 * while it is silent (-ETIMEDOUT), else back off.  A lane still silent
 * once its probing time is over backs off until it connects again.
 */
static void hcx_lane_path_failed(struct hcx_lane *lane, int err)
{
	if (err != -ETIMEDOUT) {
		lane->probing = false;
		return;
	}
	if (lane->probing)
		return;
	lane->probing = true;
	lane->probe_until = jiffies + HCX_PROBE_FOR;
	lane->probe_ms = max_t(u32, HCX_PROBE_MS,
			       3 * hcx_channel_min_rtt_ms(&lane->ch));
}

/* How long the lane waits before it connects again after a failure. */
static unsigned long hcx_lane_backoff(struct hcx_lane *lane)
{
	unsigned int ms = lane->backoff;

	if (hcx_lane_probes(lane))
		return msecs_to_jiffies(get_random_u32_below(HCX_PROBE_JITTER_MS));
	lane->backoff = min(lane->backoff * 2, HCX_BACKOFF_MAX_MS);
	/* With jitter, so that lanes do not reconnect in step. */
	return msecs_to_jiffies(ms / 2 + get_random_u32_below(ms));
}

/*
 * Serve the lane's disk: connect if need be, say hello, and run.  Return:
 * 0 when the lane may take the next disk at once; a negative errno when
 * it could not reach the target (its connection closed by then), after
 * which it backs off.
 */
static int hcx_lane_serve(struct hcx_lane *lane)
{
	struct hcx_disk *disk = lane->disk;
	struct hcx_sync *sync = &disk->sync;
	bool moved = false;
	int kicks = 0;
	int ret;

	for (;;) {
		ret = lane->connected ? 0 : hcx_lane_connect(lane);
		ret = ret ?: hcx_lane_size(lane, hcx_chunk_bytes(disk)) ?:
		      hcx_lane_hello(lane);
		/* Unreachable, or refused: the target ends what it refuses. */
		if (ret)
			goto failed;
		/* The path carries records again. */
		lane->probing = false;
		lane->dedup = READ_ONCE(sync->wanopt.dedup) && lane->pool ?
			      &lane->pool->dedup : NULL;
		hcx_sync_welcome(disk, lane->peer_gen_id, lane->peer_gen_seq,
				 lane->adoptions);
		/* Kicks from now on are news to this lane (not its welcome's). */
		kicks = hcx_sync_kicks(sync);
		hcx_sync_count_connected(sync, 1);
		ret = hcx_lane_run(lane, &moved);
		hcx_lane_drain(lane);
		/* What is unanswered goes again, in a newer round. */
		hcx_sync_lost(disk, lane->epoch, lane->ring, lane->head,
			      lane->count, lane->dedup);
		lane->count = 0;
		hcx_sync_count_connected(sync, -1);
		/* Joining a new round is no fault: at once, on this connection. */
		if (ret != -EAGAIN || hcx_sync_over(sync))
			break;
	}
	if (!ret || ret == -EAGAIN) {
		/* The target lets the disk go too; the connection stays. */
		ret = hcx_lane_release(lane);
		lane->ch.wire_bytes = NULL;
		if (ret)
			hcx_lane_close(lane);
		if (!moved)
			hcx_sync_idle(sync, kicks);
		lane->backoff = HCX_BACKOFF_MIN_MS;
		return 0;
	}
	/* Lost while serving; a stopped operation's abort is no loss. */
	if (!hcx_sync_over(sync))
		atomic64_inc(&sync->reconnects);
failed:
	hcx_lane_path_failed(lane, ret);
	lane->ch.wire_bytes = NULL;
	hcx_lane_close(lane);
	if (hcx_sync_over(sync))
		return 0;
	if (hcx_sync_final(sync, ret)) {
		hcx_sync_fail(sync, ret);
		return 0;
	}
	/*
	 * A refusal is about the disk (its target is away, or a newer round
	 * was admitted): the disk waits, the lane goes on with the others.
	 */
	if (lane->refused) {
		hcx_sync_defer(sync);
		return 0;
	}
	hcx_sync_unreachable(sync);
	if (hcx_lane_probes(lane))
		net_dbg_ratelimited("disk %s lane %u: %d, probing the path\n",
				    disk->name, lane->index, ret);
	else
		net_dbg_ratelimited("disk %s lane %u: %d, retrying in %u ms\n",
				    disk->name, lane->index, ret,
				    lane->backoff);
	return ret;
}

/*
 * Take a disk for LANE: see the top of the file.  With none, and RETIRE,
 * the lane stops being active.  Return: whether it has a disk.
 */
static bool hcx_pool_take(struct hcx_pool *pool, struct hcx_lane *lane,
			  bool retire)
{
	struct hcx_sync *sync, *best = NULL;
	int class, best_class = -1;

	spin_lock(&pool->lock);
	list_for_each_entry(sync, &pool->ready, ready) {
		if (sync->lanes >= sync->nr_streams ||
		    !hcx_sync_wants_lane(hcx_disk_of(sync), &class))
			continue;
		if (class > best_class) {
			best = sync;
			best_class = class;
		}
	}
	if (best) {
		best->lanes++;
		/* Its turn is over: the others come first next time. */
		list_move_tail(&best->ready, &pool->ready);
		lane->disk = hcx_disk_of(best);
		kref_get(&lane->disk->refcount);
	} else if (retire || pool->dying) {
		lane->active = false;
	}
	spin_unlock(&pool->lock);
	return best;
}

/*
 * Let the lane's disk go.  Its reference goes first: while the lane counts
 * in sync->lanes, deleting the disk waits (hcx_pool_unready()), so this is
 * never its last reference, whose release puts the pool.
 */
static void hcx_pool_release(struct hcx_pool *pool, struct hcx_lane *lane)
{
	struct hcx_disk *disk = lane->disk;

	hcx_disk_put(disk);
	spin_lock(&pool->lock);
	lane->disk = NULL;
	disk->sync.lanes--;
	/* Under the lock, which hcx_pool_lanes_gone() takes before it returns. */
	wake_up_all(&disk->sync.wait);
	spin_unlock(&pool->lock);
}

static void hcx_lane_work(struct work_struct *work)
{
	struct hcx_lane *lane = container_of(work, struct hcx_lane, work);
	struct hcx_pool *pool = lane->pool;
	unsigned long idle = jiffies;
	int kicks, ret;

	for (;;) {
		kicks = atomic_read(&pool->kicks);
		if (!hcx_pool_take(pool, lane,
				   time_after(jiffies, idle + HCX_LANE_LINGER))) {
			if (!READ_ONCE(lane->active))
				break;
			wait_event_timeout(pool->wait, READ_ONCE(pool->dying) ||
					   atomic_read(&pool->kicks) != kicks,
					   HCX_LANE_LINGER);
			continue;
		}
		ret = hcx_lane_serve(lane);
		hcx_pool_release(pool, lane);
		idle = jiffies;
		if (!ret)
			continue;
		wait_event_timeout(pool->wait, READ_ONCE(pool->dying),
				   hcx_lane_backoff(lane));
	}
	/* Idle for long: the connection and the buffers go. */
	hcx_lane_close(lane);
	hcx_lane_free_buffers(lane);
}

/* Start idle lanes while the ready disks want more than the active ones. */
static void hcx_pool_start_work(struct work_struct *work)
{
	struct hcx_pool *pool = container_of(work, struct hcx_pool, start);
	unsigned int want = 0, idle = 0, i;
	struct hcx_sync *sync;
	int class;

	spin_lock(&pool->lock);
	if (pool->dying)
		goto out;
	list_for_each_entry(sync, &pool->ready, ready)
		if (sync->lanes < sync->nr_streams &&
		    hcx_sync_wants_lane(hcx_disk_of(sync), &class))
			want += sync->nr_streams - sync->lanes;
	for (i = 0; i < HCX_POOL_LANES; i++)
		idle += pool->lanes[i].active && !pool->lanes[i].disk;
	for (i = 0; i < HCX_POOL_LANES && want > idle; i++) {
		if (pool->lanes[i].active)
			continue;
		pool->lanes[i].active = true;
		queue_work(hcx_channel_wq, &pool->lanes[i].work);
		want--;
	}
out:
	spin_unlock(&pool->lock);
}

/* Something may want a lane: wake the idle ones, start more. Any context. */
void hcx_pool_kick(struct hcx_pool *pool)
{
	atomic_inc(&pool->kicks);
	wake_up_all(&pool->wait);
	queue_work(hcx_wq, &pool->start);
}

static void hcx_lane_init(struct hcx_lane *lane, struct hcx_pool *pool,
			  struct net *net, const char *ifname,
			  unsigned int index)
{
	struct hcx_prep *p;
	int i;

	INIT_WORK(&lane->work, hcx_lane_work);
	lane->pool = pool;
	lane->net = net;
	lane->ifname = ifname;
	lane->index = index;
	lane->backoff = HCX_BACKOFF_MIN_MS;
	hcx_channel_init(&lane->ch);
	for (i = 0; i < HCX_LANE_PREP; i++) {
		p = &lane->prep[i];
		INIT_WORK(&p->work, hcx_prep_work);
		init_completion(&p->done);
		p->lane = lane;
	}
}

/* The pool of the device IFNAME of NET, or NULL. */
static struct hcx_pool *hcx_pool_find(struct net *net, const char *ifname)
{
	struct hcx_pool *pool;

	lockdep_assert_held(&hcx_pools_lock);
	list_for_each_entry(pool, &hcx_pools, list)
		if (net_eq(read_pnet(&pool->net), net) &&
		    !strcmp(pool->ifname, ifname))
			return pool;
	return NULL;
}

/**
 * hcx_pool_get - the pool of a device, made when first needed
 * @net: the device's namespace
 * @ifname: its name
 *
 * Return: a reference, or NULL without memory.
 */
struct hcx_pool *hcx_pool_get(struct net *net, const char *ifname)
{
	struct hcx_pool *pool;
	unsigned int i;

	mutex_lock(&hcx_pools_lock);
	pool = hcx_pool_find(net, ifname);
	if (pool) {
		pool->refs++;
		goto out;
	}
	pool = kvzalloc(sizeof(*pool), GFP_KERNEL);
	if (!pool)
		goto out;
	pool->refs = 1;
	write_pnet(&pool->net, net);
	strscpy(pool->ifname, ifname, sizeof(pool->ifname));
	spin_lock_init(&pool->lock);
	INIT_LIST_HEAD(&pool->ready);
	init_waitqueue_head(&pool->wait);
	INIT_WORK(&pool->start, hcx_pool_start_work);
	hcx_dedup_init(&pool->dedup);
	INIT_LIST_HEAD(&pool->encoders);
	for (i = 0; i < HCX_POOL_LANES; i++)
		hcx_lane_init(&pool->lanes[i], pool, net, pool->ifname, i);
	list_add(&pool->list, &hcx_pools);
out:
	mutex_unlock(&hcx_pools_lock);
	return pool;
}

/* Drop a disk's reference; the last one stops the lanes, no disk ready. */
void hcx_pool_put(struct hcx_pool *pool)
{
	unsigned int i;

	if (!pool)
		return;
	mutex_lock(&hcx_pools_lock);
	if (--pool->refs) {
		mutex_unlock(&hcx_pools_lock);
		return;
	}
	list_del(&pool->list);
	mutex_unlock(&hcx_pools_lock);

	spin_lock(&pool->lock);
	WARN_ON_ONCE(!list_empty(&pool->ready));
	pool->dying = true;
	spin_unlock(&pool->lock);
	wake_up_all(&pool->wait);
	cancel_work_sync(&pool->start);
	for (i = 0; i < HCX_POOL_LANES; i++) {
		hcx_channel_shutdown(&pool->lanes[i].ch);
		flush_work(&pool->lanes[i].work);
		hcx_rate_put(pool->lanes[i].rate);
	}
	hcx_dedup_free(&pool->dedup);
	/* Every operation gave its encoder back when its disk was reaped. */
	WARN_ON_ONCE(!list_empty(&pool->encoders));
	kvfree(pool);
}

/* The cap of the deduplication index the device asks for, or 0 without it. */
static u64 hcx_pool_dedup_cap(struct hcx_pool *pool)
{
	struct net_device *dev;
	u64 cap;

	dev = hcx_pool_dev_get(read_pnet(&pool->net), pool->ifname);
	if (!dev)
		return 0;
	cap = hcx_device_dedup_cache(netdev_priv(dev));
	dev_put(dev);
	return cap;
}

/**
 * hcx_pool_dedup_prepare - size the index before an operation uses it
 * @pool: the pool
 *
 * To the cap its device asks for now; while the device is away, as it is,
 * or to the default when it has no table yet.  A new cap starts an empty
 * index.
 *
 * Return: 0, or -ENOMEM.
 */
int hcx_pool_dedup_prepare(struct hcx_pool *pool)
{
	u64 cap = hcx_pool_dedup_cap(pool);
	int ret = 0;

	mutex_lock(&hcx_pools_lock);
	if (!cap)
		cap = pool->dedup.cap ?: HCX_DEDUP_CACHE_DEFAULT;
	if (cap != pool->dedup.cap)
		ret = hcx_dedup_resize(&pool->dedup, cap);
	mutex_unlock(&hcx_pools_lock);
	return ret;
}

/**
 * hcx_pool_dedup_resize - a device's cap changed: apply it to its pool's index
 * @net: the device's namespace
 * @ifname: its name
 * @cap: the new cap
 *
 * An index in use starts again, empty, under the new cap; one not made
 * yet is made with it when first needed.
 *
 * Return: 0, or -ENOMEM with the index as it was.
 */
int hcx_pool_dedup_resize(struct net *net, const char *ifname, u64 cap)
{
	struct hcx_pool *pool;
	int ret = 0;

	mutex_lock(&hcx_pools_lock);
	pool = hcx_pool_find(net, ifname);
	if (pool && pool->dedup.cap && pool->dedup.cap != cap)
		ret = hcx_dedup_resize(&pool->dedup, cap);
	mutex_unlock(&hcx_pools_lock);
	return ret;
}

/**
 * hcx_pool_encoder_get - the encoder for an operation's options
 * @pool: the disk's pool
 * @conf: the options
 * @chunk_bytes: the disk's chunk size
 *
 * The operations of a pool with the same codec (and, for zstd, level and
 * chunk size) share one encoder, and so its workspaces, at most one per
 * CPU: a wave of disks costs the workspaces of its distinct options, not
 * of its disks.
 *
 * Return: a reference, or an ERR_PTR(): -ENOMEM, or -EINVAL for options no
 * codec takes.
 */
struct hcx_encoder *hcx_pool_encoder_get(struct hcx_pool *pool,
					 const struct hcx_wanopt_conf *conf,
					 u32 chunk_bytes)
{
	bool zstd = conf->compress == HCXREPL_COMPRESS_ZSTD;
	struct hcx_pool_encoder *pe;
	int ret;

	if (!zstd)
		chunk_bytes = 0;
	mutex_lock(&hcx_pools_lock);
	list_for_each_entry(pe, &pool->encoders, node) {
		if (pe->enc.compress == conf->compress &&
		    pe->chunk_bytes == chunk_bytes &&
		    pe->level == (zstd ? conf->level : 0)) {
			pe->refs++;
			goto out;
		}
	}
	pe = kzalloc(sizeof(*pe), GFP_KERNEL);
	if (!pe) {
		pe = ERR_PTR(-ENOMEM);
		goto out;
	}
	/* LZ4's and no codec's encoders fit any chunk size. */
	ret = hcx_encoder_init(&pe->enc, conf, chunk_bytes ?: HCX_CHUNK_MAX);
	if (ret) {
		kfree(pe);
		pe = ERR_PTR(ret);
		goto out;
	}
	pe->refs = 1;
	pe->chunk_bytes = chunk_bytes;
	pe->level = zstd ? conf->level : 0;
	list_add(&pe->node, &pool->encoders);
out:
	mutex_unlock(&hcx_pools_lock);
	return IS_ERR(pe) ? ERR_CAST(pe) : &pe->enc;
}

/*
 * An operation is done with ENC (none of its preparers holds it); the
 * last one frees it, workspaces and all.  NULL is nothing.
 */
void hcx_pool_encoder_put(struct hcx_encoder *enc)
{
	struct hcx_pool_encoder *pe;

	if (!enc)
		return;
	pe = container_of(enc, struct hcx_pool_encoder, enc);
	mutex_lock(&hcx_pools_lock);
	if (--pe->refs)
		pe = NULL;
	else
		list_del(&pe->node);
	mutex_unlock(&hcx_pools_lock);
	if (pe) {
		hcx_encoder_free(&pe->enc);
		kfree(pe);
	}
}

/* DISK's operation started: it may take lanes. */
void hcx_pool_ready(struct hcx_pool *pool, struct hcx_disk *disk)
{
	spin_lock(&pool->lock);
	if (list_empty(&disk->sync.ready))
		list_add_tail(&disk->sync.ready, &pool->ready);
	spin_unlock(&pool->lock);
	hcx_pool_kick(pool);
}

static bool hcx_pool_lanes_gone(struct hcx_pool *pool, struct hcx_disk *disk)
{
	bool gone;

	spin_lock(&pool->lock);
	gone = !disk->sync.lanes;
	spin_unlock(&pool->lock);
	return gone;
}

/*
 * DISK's operation ended or was stopped (its pass is over): it takes no
 * more lanes, the connections of the lanes serving it are aborted (their
 * records' answers no longer matter), and this waits for them to go.
 */
void hcx_pool_unready(struct hcx_pool *pool, struct hcx_disk *disk)
{
	DECLARE_BITMAP(serving, HCX_POOL_LANES);
	unsigned int i;

	bitmap_zero(serving, HCX_POOL_LANES);
	spin_lock(&pool->lock);
	list_del_init(&disk->sync.ready);
	for (i = 0; i < HCX_POOL_LANES; i++)
		if (pool->lanes[i].disk == disk)
			__set_bit(i, serving);
	spin_unlock(&pool->lock);
	/*
	 * A lane may have let the disk go and taken another meanwhile: its
	 * connection is aborted all the same, which only costs it a new one.
	 */
	for_each_set_bit(i, serving, HCX_POOL_LANES)
		hcx_channel_abort(&pool->lanes[i].ch);
	wait_event(disk->sync.wait, hcx_pool_lanes_gone(pool, disk));
}

/* Some lane of the pool holds a connection to the peer. */
bool hcx_pool_connected(struct hcx_pool *pool)
{
	return READ_ONCE(pool->established);
}

/**
 * hcx_pool_promote - ask the target to take over
 * @disk: the disk, whose lock is held; no operation runs
 *
 * With the next generation, over a connection of its own (a lane of no
 * pool), in a round of its own, which fences every connection before it.
 *
 * Return: 0 once the target answered that it took over; a negative errno
 * when it refused or the connection failed, in which case it may or may
 * not have taken over if the answer alone was lost (states.rst).
 */
int hcx_pool_promote(struct hcx_disk *disk)
{
	struct hcx_rec_promoted *answer;
	struct hcx_rec_promote *promote;
	struct hcx_lane *lane;
	size_t len;
	int ret;

	lockdep_assert_held(&disk->lock);
	lane = kzalloc(sizeof(*lane), GFP_KERNEL);
	if (!lane)
		return -ENOMEM;
	hcx_lane_init(lane, NULL, read_pnet(&disk->net), disk->ifname, 0);
	lane->disk = disk;
	hcx_sync_new_round(&disk->sync);
	ret = hcx_lane_connect(lane) ?: hcx_lane_hello(lane);
	/* Once more past a round the target admitted from elsewhere. */
	if (ret == -ESTALE) {
		hcx_lane_close(lane);
		ret = hcx_lane_connect(lane) ?: hcx_lane_hello(lane);
	}
	if (ret)
		goto out;
	/* Only the copy the last sync brought up to date takes over. */
	if (lane->peer_gen_id != disk->gen_id ||
	    lane->peer_gen_seq != disk->gen_seq) {
		ret = -ESTALE;
		goto out;
	}
	promote = (struct hcx_rec_promote *)(lane->ctl + HCX_REC_HEADROOM);
	memset(promote, 0, sizeof(*promote));
	promote->header.type = HCX_REC_PROMOTE;
	promote->gen_id = cpu_to_le64(disk->gen_id);
	promote->gen_seq = cpu_to_le64(disk->gen_seq + 1);
	ret = hcx_channel_send(&lane->ch, (u8 *)promote, sizeof(*promote)) ?:
	      hcx_channel_recv(&lane->ch, (void **)&answer, &len);
	if (!ret && hcx_rec_parse(&answer->header, len) != HCX_REC_PROMOTED)
		ret = -EPROTO;
	if (!ret)
		ret = hcx_rec_status(answer->status);
out:
	lane->ch.wire_bytes = NULL;
	hcx_lane_close(lane);
	hcx_rate_put(lane->rate);
	kfree(lane);
	return ret;
}
