// SPDX-License-Identifier: GPL-2.0
/*
 * The sync engine of a source disk: its passes, the chunks each hands
 * out, and what the target's answers say.  The connections that carry the
 * records are its device pair's lanes (pool.c), which take the disk in
 * turn with the pair's other disks.
 *
 * An operation (a sync, continuous replication, or a verify) puts the
 * disk on its pool's ready list.  The lanes serving it share one cursor
 * over the disk, so each chunk goes out on exactly one of them; each keeps
 * up to HCX_STREAM_WINDOW records unacknowledged, and the target answers
 * them in order.  At most sync->nr_streams lanes serve a disk at once.
 *
 * Passes:
 *  - offer (checksum sync, verify): the hash of every chunk goes to the
 *    target, which says whether its copy is the same; different chunks are
 *    marked dirty (a verify counts them instead);
 *  - send: every dirty chunk is cleared in the map, read, encoded (wanopt.c)
 *    and sent; it stays clean only if the target acknowledges it as written
 *    to stable storage; a write meanwhile dirties it again (disk.c), a lost
 *    connection or a stale reference puts it back and the pass sweeps again;
 *  - done: the operation ends once every record is answered; continuous
 *    replication instead waits for writes and sweeps again.
 *
 * The map is trusted only for this instance's generation and only once a
 * full sync started or a checksum pass ended: a delta sync the map cannot
 * answer for (a new instance, or a target that does not hold this
 * generation) becomes a checksum sync at the operation's first welcome,
 * and any later welcome from another copy than the operation began with
 * turns the operation into a checksum pass.  Once a sweep ends with the
 * map trusted, the target is told to adopt this side's generation (an
 * adopt record), and only then holds it.
 *
 * Rounds: each lane's hello for the disk names a round (an epoch) that the
 * target fences older ones by (target.c).  Each operation starts a round,
 * and so does each connection lost with the disk's records unanswered,
 * before they are put back: only the current round's lanes are given
 * records, so what a lost connection left queued at the target never
 * lands after a newer copy of the same chunk.  A lane of an ended round
 * says hello again once its own records are answered.
 *
 * Locking: sync->lock guards the pass, cursor and counts of records in
 * flight; lanes take it for each pick and each answer.  Start and stop
 * hold the disk's lock; lanes never take it, so stop can wait for them.
 * The pool's lock is taken before sync->lock, never after.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "channel.h"
#include "device.h"
#include "disk.h"
#include "netlink.h"
#include "pool.h"
#include "sync.h"

/* A switchover's operation fails after this long with no lane connected. */
#define HCX_SYNC_RUN_UNREACHABLE	(15 * HZ)

/* A disk whose hello the target refused waits this long, then longer. */
#define HCX_SYNC_DEFER_MIN_MS	200
#define HCX_SYNC_DEFER_MAX_MS	(30 * 1000)

/* Something may have created work: a resume, an answer, a write. */
static void hcx_sync_kick(struct hcx_sync *sync)
{
	struct hcx_disk *disk = container_of(sync, struct hcx_disk, sync);

	atomic_inc(&sync->kicks);
	wake_up_all(&sync->wait);
	if (disk->pool)
		hcx_pool_kick(disk->pool);
}

/*
 * A write dirtied chunks: continuous replication wants a lane, even when
 * one serves it now, which may be letting it go for want of work.  From
 * the write path, maybe in an interrupt.
 */
void hcx_sync_dirtied(struct hcx_sync *sync)
{
	if (READ_ONCE(sync->continuous) && !hcx_sync_over(sync))
		hcx_sync_kick(sync);
}

/* Put a job back after its answer was lost.  Under sync->lock. */
static void hcx_sync_requeue(struct hcx_disk *disk,
			     const struct hcx_sync_job *job)
{
	struct hcx_sync *sync = &disk->sync;

	lockdep_assert_held(&sync->lock);
	if (job->type == HCX_REC_DATA) {
		hcx_bitmap_mark(&disk->map, job->chunk);
		sync->requeued = true;
	} else if (job->type == HCX_REC_OFFER) {
		/* Room for every offer of every lane's window. */
		WARN_ON_ONCE(!kfifo_put(&sync->redo, job->chunk));
	}
	/* An adoption unanswered is asked for again at the end of a sweep. */
	sync->in_flight--;
	sync->in_flight_bytes -= job->len;
}

/*
 * The next job for a lane of round EPOCH, or false when there is none
 * now.  Under sync->lock.  Only the current round's lanes get jobs: what
 * a lost connection put back goes again only once the target has fenced
 * its round.  An operation that has nothing left and nothing in flight
 * ends here.
 */
static bool __hcx_sync_pick(struct hcx_disk *disk, u64 epoch,
			    struct hcx_sync_job *job)
{
	struct hcx_sync *sync = &disk->sync;
	u64 chunk;

	lockdep_assert_held(&sync->lock);
	if (sync->paused || !sync->decided || epoch != sync->epoch)
		return false;
	if (kfifo_get(&sync->redo, &chunk)) {
		job->type = HCX_REC_OFFER;
		goto found;
	}
	for (;;) {
		switch (sync->pass) {
		case HCX_PASS_NONE:
			return false;
		case HCX_PASS_OFFER:
			while (sync->cursor < disk->nr_chunks) {
				chunk = sync->cursor++;
				/* A verify skips what is being written. */
				if (sync->verify &&
				    hcx_bitmap_test(&disk->map, chunk)) {
					atomic64_inc(&sync->verify_skipped);
					continue;
				}
				job->type = HCX_REC_OFFER;
				goto found;
			}
			/* Differences are marked by the answers: wait. */
			if (sync->in_flight)
				return false;
			if (sync->verify) {
				sync->pass = HCX_PASS_NONE;
				hcx_sync_ended(sync);
				hcx_sync_kick(sync);
				return false;
			}
			sync->map_trusted = true;
			sync->pass = HCX_PASS_SEND;
			sync->cursor = 0;
			sync->requeued = false;
			break;
		case HCX_PASS_SEND:
			for (;;) {
				chunk = hcx_bitmap_next(&disk->map, sync->cursor);
				if (chunk >= disk->nr_chunks)
					break;
				sync->cursor = chunk + 1;
				if (hcx_bitmap_test_and_clear(&disk->map, chunk)) {
					job->type = HCX_REC_DATA;
					goto found;
				}
			}
			sync->pass = HCX_PASS_DONE;
			break;
		case HCX_PASS_DONE:
			if (sync->in_flight)
				return false;
			/*
			 * A full or checksum pass completed against the
			 * target's copy: whatever it lacks is dirty here, so
			 * it may hold this side's generation (states.rst).
			 */
			if (sync->map_trusted && !sync->peer_holds_gen &&
			    !sync->verify) {
				job->type = HCX_REC_ADOPT;
				chunk = 0;
				goto found;
			}
			if (sync->requeued ||
			    (sync->continuous && hcx_bitmap_dirty(&disk->map))) {
				sync->pass = HCX_PASS_SEND;
				sync->cursor = 0;
				sync->requeued = false;
				break;
			}
			if (!sync->continuous) {
				sync->pass = HCX_PASS_NONE;
				hcx_sync_ended(sync);
				hcx_sync_kick(sync);
			}
			return false;
		}
	}

found:
	job->chunk = chunk;
	job->len = job->type == HCX_REC_ADOPT ? 0 : hcx_chunk_len(disk, chunk);
	sync->in_flight++;
	sync->in_flight_bytes += job->len;
	return true;
}

/**
 * hcx_sync_pick - the next job for a lane
 * @disk: the disk the lane serves
 * @epoch: the round its hello named
 * @job: filled in
 *
 * Return: whether there is one now.
 */
bool hcx_sync_pick(struct hcx_disk *disk, u64 epoch, struct hcx_sync_job *job)
{
	bool picked;

	spin_lock(&disk->sync.lock);
	picked = __hcx_sync_pick(disk, epoch, job);
	spin_unlock(&disk->sync.lock);
	return picked;
}

/* Count a chunk sent (a source) or written (a target), and how it travelled. */
void hcx_sync_count(struct hcx_sync *sync, u32 len,
		    const struct hcx_encoding *how)
{
	atomic64_add(len, &sync->logical_bytes);
	atomic64_add(how->zero, &sync->zero_bytes);
	atomic64_add(how->dedup, &sync->dedup_bytes);
	atomic64_add(how->literal - how->stored, &sync->compress_saved_bytes);
}

/* What an answer about a chunk tells the deduplication index. */
enum hcx_lesson {
	HCX_LEARN_HELD,		/* the target holds the chunk's blocks */
	HCX_LEARN_STALE,	/* a reference the chunk used was stale */
	HCX_LEARN_DIFFERENT,	/* the target's copy differs somewhere */
	HCX_LEARN_LOST,		/* the record was not written, or not sent */
};

/*
 * Teach the index what the answer to JOB says: where the target holds its
 * blocks (zero blocks need no index); that the references it used are
 * stale; that the target's copy of the chunk may hold none of its blocks,
 * so the entries saying so go; or, whenever the chunk was not written,
 * that the blocks it claimed (wanopt.c) are not coming.
 */
static void hcx_sync_learn(struct hcx_disk *disk, struct hcx_dedup *dedup,
			   const struct hcx_sync_job *job,
			   enum hcx_lesson lesson)
{
	const struct hcx_blocks *b = job->blocks;
	struct hcx_block_at at = { .disk = job->peer_disk };
	unsigned int i;

	if (!dedup)
		return;
	for (i = 0; i < b->n; i++) {
		at.pos = (job->chunk << disk->chunk_shift) +
			 (i << HCX_BLOCK_SHIFT);
		if (b->kinds[i] == HCX_BLOCK_ZERO)
			continue;
		if (lesson == HCX_LEARN_HELD)
			hcx_dedup_add(dedup, b->hashes[i], &at);
		else if (lesson == HCX_LEARN_DIFFERENT)
			hcx_dedup_forget(dedup, b->hashes[i], &at);
		else if (b->kinds[i] == HCX_BLOCK_LITERAL)
			hcx_dedup_unclaim(dedup, b->hashes[i], job->seq);
		else if (lesson == HCX_LEARN_STALE)
			hcx_dedup_forget(dedup, b->hashes[i], NULL);
	}
}

/**
 * hcx_sync_answer - apply an answer to the oldest record a lane has in flight
 * @disk: the disk
 * @job: that record's job
 * @ack: the answer
 * @dedup: the index the operation teaches, or NULL
 *
 * Return: 0; -EIO when the target failed to write (the lane's failure puts
 * the job back); -EPROTO for an answer that does not fit the job.
 */
int hcx_sync_answer(struct hcx_disk *disk, const struct hcx_sync_job *job,
		    const struct hcx_rec_ack *ack, struct hcx_dedup *dedup)
{
	struct hcx_sync *sync = &disk->sync;
	bool data = job->type == HCX_REC_DATA;
	bool offer = job->type == HCX_REC_OFFER;
	bool stale = false;

	if (le64_to_cpu(ack->chunk) != job->chunk)
		return -EPROTO;
	switch (ack->status) {
	case HCX_ACK_ADOPTED:
		if (job->type != HCX_REC_ADOPT)
			return -EPROTO;
		spin_lock(&sync->lock);
		sync->peer_holds_gen = true;
		sync->adoptions++;
		spin_unlock(&sync->lock);
		break;
	case HCX_ACK_WRITTEN:
		if (!data)
			return -EPROTO;
		atomic64_add(job->len, &sync->acked_bytes);
		hcx_sync_learn(disk, dedup, job, HCX_LEARN_HELD);
		break;
	case HCX_ACK_STALE:
		if (!data)
			return -EPROTO;
		atomic64_inc(&sync->dedup_stale);
		hcx_sync_learn(disk, dedup, job, HCX_LEARN_STALE);
		stale = true;
		break;
	case HCX_ACK_SAME:
	case HCX_ACK_DIFFERENT:
		if (!offer)
			return -EPROTO;
		if (ack->status == HCX_ACK_SAME) {
			hcx_sync_learn(disk, dedup, job, HCX_LEARN_HELD);
			break;
		}
		hcx_sync_learn(disk, dedup, job, HCX_LEARN_DIFFERENT);
		if (!sync->verify)
			hcx_bitmap_mark(&disk->map, job->chunk);
		else if (hcx_bitmap_test(&disk->map, job->chunk))
			atomic64_inc(&sync->verify_skipped);
		else
			atomic64_inc(&sync->verify_mismatches);
		break;
	case HCX_ACK_FAILED:
		/* Left in the ring: the lane's failure puts it back. */
		return -EIO;
	default:
		return -EPROTO;
	}
	spin_lock(&sync->lock);
	/* Not written: it goes again, without the references. */
	if (stale) {
		hcx_sync_requeue(disk, job);
	} else {
		sync->in_flight--;
		sync->in_flight_bytes -= job->len;
	}
	spin_unlock(&sync->lock);
	if (!READ_ONCE(sync->in_flight))
		hcx_sync_kick(sync);
	return 0;
}

/*
 * An operation or a switchover ended now: when, for the operator, who
 * tells by it which disks of a wave ended first.
 */
void hcx_sync_ended(struct hcx_sync *sync)
{
	WRITE_ONCE(sync->end_ms, ktime_to_ms(ktime_get_real()));
}

/* The operation cannot go on: end it for every lane. */
void hcx_sync_fail(struct hcx_sync *sync, int err)
{
	spin_lock(&sync->lock);
	sync->last_error = err;
	if (sync->pass != HCX_PASS_NONE)
		hcx_sync_ended(sync);
	sync->pass = HCX_PASS_NONE;
	spin_unlock(&sync->lock);
	hcx_sync_kick(sync);
}

/*
 * The target's copy is not the one the change map can answer for: compare
 * every chunk (a checksum pass), unless the operation only compares
 * already.  Under sync->lock.
 */
static void hcx_sync_distrust(struct hcx_sync *sync)
{
	lockdep_assert_held(&sync->lock);
	sync->map_trusted = false;
	sync->peer_holds_gen = false;
	if (sync->verify || sync->pass == HCX_PASS_NONE)
		return;
	sync->kind = HCXREPL_SYNC_KIND_CHECKSUM;
	sync->pass = HCX_PASS_OFFER;
	sync->cursor = 0;
}

/*
 * Every welcome tells which copy the target holds (states.rst,
 * "Generations").  The first of an operation settles its kind: a delta
 * needs a trusted map and a target holding this side's generation.  A
 * later one from a target holding neither this side's generation nor the
 * one it held at the first (a copy added again, restored or replaced
 * meanwhile), or no longer holding this side's, voids the map's trust.
 */
void hcx_sync_welcome(struct hcx_disk *disk, u64 gen_id, u64 gen_seq,
		      u64 adoptions)
{
	struct hcx_sync *sync = &disk->sync;
	bool ours = gen_id == disk->gen_id && gen_seq == disk->gen_seq;

	spin_lock(&sync->lock);
	sync->reachable = true;
	sync->defer_ms = 0;
	if (!sync->decided) {
		sync->decided = true;
		sync->peer_gen_id = gen_id;
		sync->peer_gen_seq = gen_seq;
		sync->peer_holds_gen = ours;
		if (sync->kind == HCXREPL_SYNC_KIND_DELTA &&
		    (!ours || !sync->map_trusted))
			hcx_sync_distrust(sync);
	} else if (ours) {
		sync->peer_holds_gen = true;
	} else if (adoptions != sync->adoptions &&
		   gen_id == sync->peer_gen_id &&
		   gen_seq == sync->peer_gen_seq) {
		/*
		 * The hello went before the target adopted this side's
		 * generation and the welcome tells the copy as it was then:
		 * no news (the welcome after a hello sent now would say).
		 */
	} else if (sync->peer_holds_gen ||
		   gen_id != sync->peer_gen_id ||
		   gen_seq != sync->peer_gen_seq) {
		sync->peer_gen_id = gen_id;
		sync->peer_gen_seq = gen_seq;
		hcx_sync_distrust(sync);
	}
	spin_unlock(&sync->lock);
	hcx_sync_kick(sync);
}

/* Adoptions the target acknowledged so far, for hcx_sync_welcome(). */
u64 hcx_sync_adoptions(struct hcx_sync *sync)
{
	u64 n;

	spin_lock(&sync->lock);
	n = sync->adoptions;
	spin_unlock(&sync->lock);
	return n;
}

/* The current round of the disk's connections. */
u64 hcx_sync_epoch(struct hcx_sync *sync)
{
	u64 epoch;

	spin_lock(&sync->lock);
	epoch = sync->epoch;
	spin_unlock(&sync->lock);
	return epoch;
}

/* A round of its own, which fences every connection before it. */
void hcx_sync_new_round(struct hcx_sync *sync)
{
	spin_lock(&sync->lock);
	sync->epoch++;
	spin_unlock(&sync->lock);
}

/* The round EPOCH ended: a lane of it says hello again. */
bool hcx_sync_round_over(struct hcx_sync *sync, u64 epoch)
{
	return hcx_sync_epoch(sync) != epoch;
}

void hcx_sync_count_connected(struct hcx_sync *sync, int delta)
{
	spin_lock(&sync->lock);
	sync->connected += delta;
	spin_unlock(&sync->lock);
}

/*
 * The target refused the disk's hello: no lane takes the disk again for a
 * while, twice as long each time up to HCX_SYNC_DEFER_MAX, with jitter.
 */
void hcx_sync_defer(struct hcx_sync *sync)
{
	unsigned int ms;

	spin_lock(&sync->lock);
	ms = clamp(sync->defer_ms * 2, HCX_SYNC_DEFER_MIN_MS,
		   HCX_SYNC_DEFER_MAX_MS);
	sync->defer_ms = ms;
	sync->retry_at = jiffies +
			 msecs_to_jiffies(ms / 2 + get_random_u32_below(ms));
	spin_unlock(&sync->lock);
}

/* A lane could not reach the target for the disk, or lost it. */
void hcx_sync_unreachable(struct hcx_sync *sync)
{
	spin_lock(&sync->lock);
	sync->reachable = false;
	spin_unlock(&sync->lock);
}

/*
 * COUNT records of a lane's RING from HEAD will not be answered: the
 * claims of their blocks go (wanopt.c).
 */
void hcx_sync_unclaim(struct hcx_disk *disk, const struct hcx_sync_job *ring,
		      unsigned int head, unsigned int count,
		      struct hcx_dedup *dedup)
{
	const struct hcx_sync_job *job;

	for (; count; count--) {
		job = &ring[head];
		if (job->type == HCX_REC_DATA)
			hcx_sync_learn(disk, dedup, job, HCX_LEARN_LOST);
		head = (head + 1) % HCX_STREAM_WINDOW;
	}
}

/**
 * hcx_sync_lost - put back what a lane's connection never answered
 * @disk: the disk
 * @epoch: the round the lane's hello named
 * @ring: the lane's ring
 * @head: its oldest job
 * @count: how many it holds
 * @dedup: the index their blocks were claimed in, or NULL
 *
 * The records may still wait at the target: first a new round, which the
 * target fences the lane's for before anything put back goes again.  The
 * claims of their blocks go, since no answer will settle them.
 */
void hcx_sync_lost(struct hcx_disk *disk, u64 epoch,
		   const struct hcx_sync_job *ring, unsigned int head,
		   unsigned int count, struct hcx_dedup *dedup)
{
	struct hcx_sync *sync = &disk->sync;

	if (!count)
		return;
	hcx_sync_unclaim(disk, ring, head, count, dedup);
	spin_lock(&sync->lock);
	if (epoch == sync->epoch)
		sync->epoch++;
	for (; count; count--) {
		hcx_sync_requeue(disk, &ring[head]);
		head = (head + 1) % HCX_STREAM_WINDOW;
	}
	spin_unlock(&sync->lock);
	hcx_sync_kick(sync);
}

/*
 * A lane that took the disk when its kicks were at KICKS found nothing to
 * do: no lane comes back before a kick after that one (a kick while the
 * lane looked is not lost).
 */
void hcx_sync_idle(struct hcx_sync *sync, int kicks)
{
	spin_lock(&sync->lock);
	sync->idle_kicks = kicks;
	sync->idle = true;
	spin_unlock(&sync->lock);
}

/* The disk's kicks so far, for hcx_sync_idle(). */
int hcx_sync_kicks(struct hcx_sync *sync)
{
	return atomic_read(&sync->kicks);
}

/**
 * hcx_sync_wants_lane - whether a lane would find work on the disk
 * @disk: the disk, on its pool's ready list (the pool's lock is held)
 * @class: which lanes serve first: its priority, HCX_PRIORITY_SWITCHOVER
 *	in a switchover
 *
 * True when picking might hand something out or move the operation on
 * (see __hcx_sync_pick()), unless a lane found nothing since the last
 * kick.  Erring towards true costs a lane a hello.
 */
bool hcx_sync_wants_lane(struct hcx_disk *disk, int *class)
{
	struct hcx_sync *sync = &disk->sync;
	bool wants;

	spin_lock(&sync->lock);
	*class = sync->switchover ? HCX_PRIORITY_SWITCHOVER :
		 READ_ONCE(sync->priority);
	if (sync->pass == HCX_PASS_NONE || sync->paused ||
	    (sync->idle && sync->idle_kicks == atomic_read(&sync->kicks)) ||
	    time_before(jiffies, sync->retry_at))
		wants = false;
	else if (!sync->decided || !kfifo_is_empty(&sync->redo))
		wants = true;
	else if (sync->pass == HCX_PASS_OFFER)
		wants = sync->cursor < disk->nr_chunks || !sync->in_flight;
	else if (sync->pass == HCX_PASS_SEND)
		wants = hcx_bitmap_dirty(&disk->map) || !sync->in_flight;
	else
		wants = !sync->in_flight &&
			(!sync->continuous || sync->requeued ||
			 (sync->map_trusted && !sync->peer_holds_gen &&
			  !sync->verify) || hcx_bitmap_dirty(&disk->map));
	spin_unlock(&sync->lock);
	return wants;
}

/*
 * Errors that the operator must fix end the operation.  A target without the
 * disk is one only until the operation's first welcome: after that, the
 * target is being restarted or set up again, and the operation waits for it.
 */
bool hcx_sync_final(struct hcx_sync *sync, int err)
{
	bool decided;

	if (err != -ENOENT)
		return err == -EROFS || err == -ENOSPC || err == -EIO;
	spin_lock(&sync->lock);
	decided = sync->decided;
	spin_unlock(&sync->lock);
	return !decided;
}

static void hcx_sync_tick(struct work_struct *work)
{
	struct hcx_sync *sync = container_of(to_delayed_work(work),
					     struct hcx_sync, tick);
	struct hcx_disk *disk = container_of(sync, struct hcx_disk, sync);
	u64 acked = atomic64_read(&sync->acked_bytes);
	bool over = hcx_sync_over(sync);

	WRITE_ONCE(sync->throughput_bps,
		   over ? 0 : (acked - sync->tick_bytes) * 8);
	sync->tick_bytes = acked;
	hcx_nl_disk_notify(disk);
	/* A disk the target refused: lanes look again once its time came. */
	if (!over && READ_ONCE(sync->defer_ms) && !READ_ONCE(sync->lanes))
		hcx_pool_kick(disk->pool);
	if (!over)
		queue_delayed_work(hcx_wq, &sync->tick, HZ);
}

void hcx_sync_init(struct hcx_sync *sync, u8 streams,
		   const struct hcx_wanopt_conf *wanopt)
{
	spin_lock_init(&sync->lock);
	INIT_KFIFO(sync->redo);
	INIT_LIST_HEAD(&sync->ready);
	init_waitqueue_head(&sync->wait);
	INIT_DELAYED_WORK(&sync->tick, hcx_sync_tick);
	sync->nr_streams = streams;
	sync->wanopt = *wanopt;
}

/* Wait for the lanes of the last operation to let the disk go. */
static void hcx_sync_reap(struct hcx_disk *disk)
{
	struct hcx_sync *sync = &disk->sync;

	lockdep_assert_held(&disk->lock);
	if (disk->pool)
		hcx_pool_unready(disk->pool, disk);
	/* No preparer of this disk is left to use the encoder. */
	hcx_pool_encoder_put(sync->enc);
	sync->enc = NULL;
	/* The operation is over: a pending tick's event would be its last. */
	if (cancel_delayed_work_sync(&sync->tick))
		hcx_sync_tick(&sync->tick.work);
}

bool hcx_sync_running(struct hcx_disk *disk)
{
	return !hcx_sync_over(&disk->sync);
}

/**
 * hcx_sync_start - start an operation on a source disk
 * @disk: the disk, whose lock is held
 * @kind: full, delta or checksum
 * @continuous: replicate continuously (delta, then every write)
 * @verify: compare hashes only
 *
 * Return: 0, -EBUSY while another operation runs, or -ENOMEM.
 */
int hcx_sync_start(struct hcx_disk *disk, enum hcxrepl_sync_kind kind,
		   bool continuous, bool verify)
{
	struct hcx_sync *sync = &disk->sync;
	int ret;

	lockdep_assert_held(&disk->lock);
	if (hcx_sync_running(disk))
		return -EBUSY;
	if (!disk->pool)
		return -ENOMEM;
	hcx_sync_reap(disk);
	if (sync->wanopt.dedup) {
		ret = hcx_pool_dedup_prepare(disk->pool);
		if (ret)
			return ret;
	}
	/* The preparers' encoder, for the disk's options of the moment. */
	sync->enc = hcx_pool_encoder_get(disk->pool, &sync->wanopt,
					 hcx_chunk_bytes(disk));
	if (IS_ERR(sync->enc)) {
		ret = PTR_ERR(sync->enc);
		sync->enc = NULL;
		return ret;
	}
	/* No lane serves the disk yet: no need to hold its lock for this. */
	if (kind == HCXREPL_SYNC_KIND_FULL)
		hcx_bitmap_mark_range(&disk->map, 0, disk->nr_chunks - 1);
	spin_lock(&sync->lock);
	/* Whatever an earlier operation left at the target is fenced. */
	sync->epoch++;
	sync->kind = kind;
	sync->continuous = continuous;
	sync->verify = verify;
	sync->paused = false;
	sync->decided = false;
	sync->requeued = false;
	sync->cursor = 0;
	sync->idle = false;
	sync->reachable = false;
	sync->defer_ms = 0;
	sync->retry_at = jiffies;
	sync->last_error = 0;
	kfifo_reset(&sync->redo);
	if (kind == HCXREPL_SYNC_KIND_FULL)
		sync->map_trusted = true;
	sync->pass = kind == HCXREPL_SYNC_KIND_CHECKSUM || verify ?
		     HCX_PASS_OFFER : HCX_PASS_SEND;
	spin_unlock(&sync->lock);
	atomic64_set(&sync->verify_mismatches, 0);
	atomic64_set(&sync->verify_skipped, 0);

	sync->tick_bytes = atomic64_read(&sync->acked_bytes);
	queue_delayed_work(hcx_wq, &sync->tick, HZ);
	hcx_pool_ready(disk->pool, disk);
	return 0;
}

/* End the running operation, if any, and wait for its lanes. */
void hcx_sync_stop(struct hcx_disk *disk)
{
	struct hcx_sync *sync = &disk->sync;

	lockdep_assert_held(&disk->lock);
	spin_lock(&sync->lock);
	if (sync->pass != HCX_PASS_NONE)
		hcx_sync_ended(sync);
	sync->pass = HCX_PASS_NONE;
	spin_unlock(&sync->lock);
	/* Lanes waiting on the rate limit see it at once. */
	wake_up_all(&sync->wait);
	hcx_sync_reap(disk);
}

void hcx_sync_pause(struct hcx_disk *disk, bool paused)
{
	struct hcx_sync *sync = &disk->sync;

	spin_lock(&sync->lock);
	sync->paused = paused;
	spin_unlock(&sync->lock);
	hcx_sync_kick(sync);
}

/* What the target lacks: dirty chunks and chunks in flight, in bytes. */
u64 hcx_sync_lag_bytes(struct hcx_disk *disk)
{
	struct hcx_sync *sync = &disk->sync;
	u64 lag;

	spin_lock(&sync->lock);
	if (!sync->map_trusted)
		lag = disk->size;
	else
		lag = min(disk->size, (hcx_bitmap_dirty(&disk->map) <<
				       disk->chunk_shift) +
			  sync->in_flight_bytes);
	spin_unlock(&sync->lock);
	return lag;
}

/* The state a source disk shows. */
enum hcxrepl_disk_state hcx_sync_state(struct hcx_disk *disk)
{
	struct hcx_sync *sync = &disk->sync;
	enum hcxrepl_disk_state state;

	spin_lock(&sync->lock);
	if (sync->pass == HCX_PASS_NONE && !sync->switchover)
		state = HCXREPL_DISK_STATE_IDLE;
	else if (sync->switchover)
		state = HCXREPL_DISK_STATE_SWITCHOVER;
	else if (sync->paused)
		state = HCXREPL_DISK_STATE_PAUSED;
	else if (sync->continuous && sync->pass == HCX_PASS_DONE)
		state = HCXREPL_DISK_STATE_REPLICATING;
	else if (sync->connected && sync->verify)
		state = HCXREPL_DISK_STATE_VERIFYING;
	else if (sync->connected)
		state = HCXREPL_DISK_STATE_SYNCING;
	/* No lane serves it: the disk waits its turn, or the peer is away. */
	else if (sync->reachable)
		state = HCXREPL_DISK_STATE_WAITING;
	else
		state = HCXREPL_DISK_STATE_CONNECTING;
	spin_unlock(&sync->lock);
	return state;
}

/* A switchover runs: say so in the state, whatever operation it runs. */
void hcx_sync_set_switchover(struct hcx_disk *disk, bool on)
{
	spin_lock(&disk->sync.lock);
	disk->sync.switchover = on;
	spin_unlock(&disk->sync.lock);
}

/*
 * Forget what the map says (no operation runs): from now on it tracks
 * changes against a state the peer holds under this side's generation
 * (TRUSTED), or nothing.
 */
void hcx_sync_reset_map(struct hcx_disk *disk, bool trusted)
{
	hcx_bitmap_clear_all(&disk->map);
	spin_lock(&disk->sync.lock);
	disk->sync.map_trusted = trusted;
	spin_unlock(&disk->sync.lock);
}

/**
 * hcx_sync_run - run an operation to its end
 * @disk: the disk, whose lock is held
 * @kind: the sync
 * @verify: a verify instead
 *
 * For a switchover: it fails when no lane serves the disk for
 * HCX_SYNC_RUN_UNREACHABLE (a switchover's disk comes first in the pool),
 * and otherwise waits as long as lanes serve it.
 *
 * Return: 0, -EHOSTUNREACH, or why the operation failed.
 */
int hcx_sync_run(struct hcx_disk *disk, enum hcxrepl_sync_kind kind,
		 bool verify)
{
	struct hcx_sync *sync = &disk->sync;
	unsigned long alone = jiffies;
	int ret;

	ret = hcx_sync_start(disk, kind, false, verify);
	if (ret)
		return ret;
	while (!wait_event_timeout(sync->wait, hcx_sync_over(sync), HZ)) {
		if (READ_ONCE(sync->connected))
			alone = jiffies;
		else if (time_after(jiffies, alone + HCX_SYNC_RUN_UNREACHABLE))
			break;
	}
	ret = hcx_sync_over(sync) ? READ_ONCE(sync->last_error) : -EHOSTUNREACH;
	hcx_sync_stop(disk);
	return ret;
}
