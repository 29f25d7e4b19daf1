// SPDX-License-Identifier: GPL-2.0
/*
 * The sync engine of a source disk.
 *
 * An operation (a sync, continuous replication, or a verify) runs as a set
 * of streams, each a work item on hcx_channel_wq with its own channel to
 * the target.  The streams share one cursor over the disk, so each chunk
 * goes out on exactly one of them; each keeps up to HCX_STREAM_WINDOW
 * records unacknowledged, and the target answers them in order.
 *
 * The pipeline: a stream hands each chunk it picks to one of its
 * HCX_STREAM_PREP preparers, work items on the unbound hcx_prep_wq that
 * read, hash, encode (wanopt.c) and seal it, on whatever CPUs are free.
 * Each record's nonce is taken when it is handed out, so the stream sends
 * the prepared records in that order; it reads answers whenever some have
 * arrived, and blocks on them only when nothing is being prepared.  At
 * most HCX_STREAM_PREP records per stream are being prepared or waiting to
 * be sent, which bounds the pipeline's buffers; what is sent and
 * unanswered is bounded by the window.  Each record is drawn from the
 * device's rate limit (rate.c) just before it is sent.
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
 * generation) becomes a checksum sync when the first stream connects, and
 * any later welcome from another copy than the operation began with turns
 * the operation into a checksum pass.  Once a sweep ends with the map
 * trusted, the target is told to adopt this side's generation (an adopt
 * record), and only then holds it.
 *
 * Rounds: the streams' connections belong to a round (an epoch) that the
 * hello names and the target fences older ones by (target.c).  Each
 * operation starts a round, and so does each connection lost with records
 * unanswered, before they are put back: only the current round's streams
 * are given records, so what a lost connection left queued at the target
 * never lands after a newer copy of the same chunk.  A stream of an ended
 * round reconnects once its own records are answered.
 *
 * Locking: sync->lock guards the pass, cursor and counts of records in
 * flight; streams take it for each pick and each answer.  The streams
 * array is changed only under the disk's lock, by start and stop; stream
 * work never takes the disk's lock, so stop can wait for it.  A stream
 * that finishes only returns; the next start or stop frees it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "channel.h"
#include "device.h"
#include "disk.h"
#include "netlink.h"
#include "sync.h"

/* A switchover's operation fails after this long with no stream connected. */
#define HCX_SYNC_RUN_UNREACHABLE	(15 * HZ)

/* Records a stream prepares at once, each on a CPU of its own. */
#define HCX_STREAM_PREP		4

/* Reconnects wait this long at first, then twice as long up to the cap. */
#define HCX_BACKOFF_MIN_MS	200
#define HCX_BACKOFF_MAX_MS	(30 * 1000)

/**
 * struct hcx_stream_job - a record sent and not yet answered
 * @chunk: the chunk it is about
 * @len: the chunk's bytes
 * @type: HCX_REC_DATA, HCX_REC_OFFER or HCX_REC_ADOPT
 * @blocks: how its blocks travelled, and their hashes: what the answer
 *	teaches the deduplication index; the slot's own, kept across jobs
 */
struct hcx_stream_job {
	u64 chunk;
	u32 len;
	u8 type;
	struct hcx_blocks *blocks;
};

/**
 * struct hcx_prep - a preparer: reads, encodes and seals one record at a time
 * @work: prepares the record, on hcx_prep_wq
 * @st: its stream
 * @job: the record's job, in the stream's ring
 * @nonce: the record's place in the stream's order
 * @bytes: where the chunk is read
 * @buf: where the record is built, after HCX_REC_HEADROOM
 * @len: the record's plaintext length, once prepared
 * @how: how a data record's chunk travels, for the counters
 * @sealer: its sealer, for the stream's current connection
 * @err: why preparing failed, or 0
 * @done: completed once the record is prepared or failed
 *
 * The stream sets @job and @nonce and queues @work; the work sets the rest
 * and completes @done, after which the stream alone touches it again.
 */
struct hcx_prep {
	struct work_struct work;
	struct hcx_stream *st;
	struct hcx_stream_job *job;
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
 * struct hcx_stream - one connection of an operation
 * @work: runs the stream, from connect to the operation's end
 * @disk: the disk; the stream never outlives its operation
 * @index: its number among the operation's streams
 * @stop: set by hcx_sync_stop()
 * @epoch: the round of connections its connection belongs to
 * @peer_gen_id: the generation the target held at its welcome
 * @peer_gen_seq: and its counter
 * @ch: its channel
 * @dedup: the disk's index, or NULL when the operation does not use it
 * @ring: records in flight, oldest first: being prepared, or sent and not
 *	answered
 * @head: the oldest
 * @count: how many
 * @prep: the preparers, handed records in ring order
 * @prep_head: the one with the oldest record not sent
 * @prep_count: how many have a record not sent
 * @ctl: where control records (hello, promote) are built
 * @rate: the rate limit of the device it last connected through, or NULL
 */
struct hcx_stream {
	struct work_struct work;
	struct hcx_disk *disk;
	unsigned int index;
	bool stop;
	u64 epoch;
	u64 peer_gen_id;
	u64 peer_gen_seq;
	struct hcx_channel ch;
	struct hcx_dedup *dedup;
	struct hcx_stream_job ring[HCX_STREAM_WINDOW];
	unsigned int head;
	unsigned int count;
	struct hcx_prep prep[HCX_STREAM_PREP];
	unsigned int prep_head;
	unsigned int prep_count;
	u8 ctl[HCX_REC_HEADROOM + sizeof(struct hcx_rec_hello) +
	       HCX_REC_TAILROOM];
	struct hcx_rate *rate;
};

/* Something may have created work: a resume, an answer, a write. */
static void hcx_sync_kick(struct hcx_sync *sync)
{
	atomic_inc(&sync->kicks);
	wake_up_all(&sync->wait);
}

void hcx_sync_dirtied(struct hcx_sync *sync)
{
	if (wq_has_sleeper(&sync->wait))
		hcx_sync_kick(sync);
}

/* Put a job back after its answer was lost. */
static void hcx_sync_requeue(struct hcx_disk *disk,
			     const struct hcx_stream_job *job)
{
	struct hcx_sync *sync = &disk->sync;

	lockdep_assert_held(&sync->lock);
	if (job->type == HCX_REC_DATA) {
		hcx_bitmap_mark(&disk->map, job->chunk);
		sync->requeued = true;
	} else if (job->type == HCX_REC_OFFER) {
		/* Room for every offer of every stream's window. */
		WARN_ON_ONCE(!kfifo_put(&sync->redo, job->chunk));
	}
	/* An adoption unanswered is asked for again at the end of a sweep. */
	sync->in_flight--;
	sync->in_flight_bytes -= job->len;
}

/*
 * The next job for a stream of round EPOCH, or false when there is none
 * now.  Under sync->lock.  Only the current round's streams get jobs: what
 * a lost connection put back goes again only once the target has fenced
 * its round.  An operation that has nothing left and nothing in flight
 * ends here.
 */
static bool hcx_sync_pick(struct hcx_disk *disk, u64 epoch,
			  struct hcx_stream_job *job)
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

/* Count a chunk sent (a source) or written (a target), and how it travelled. */
void hcx_sync_count(struct hcx_sync *sync, u32 len,
		    const struct hcx_encoding *how)
{
	atomic64_add(len, &sync->logical_bytes);
	atomic64_add(how->zero, &sync->zero_bytes);
	atomic64_add(how->dedup, &sync->dedup_bytes);
	atomic64_add(how->literal - how->stored, &sync->compress_saved_bytes);
}

/* Read a chunk, and build and seal its data record or offer. */
static void hcx_prep_work(struct work_struct *work)
{
	struct hcx_prep *p = container_of(work, struct hcx_prep, work);
	struct hcx_stream_job *job = p->job;
	struct hcx_stream *st = p->st;
	struct hcx_disk *disk = st->disk;
	u8 *plain = p->buf + HCX_REC_HEADROOM;
	struct hcx_rec_offer *offer = (void *)plain;
	struct hcx_rec_adopt *adopt = (void *)plain;

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
			job->type == HCX_REC_OFFER || st->dedup);
	if (job->type == HCX_REC_DATA) {
		p->len = hcx_encode(&disk->sync.enc, st->dedup, job->chunk,
				    job->chunk << disk->chunk_shift, p->bytes,
				    job->len, job->blocks, (void *)plain,
				    &p->how);
	} else {
		memset(offer, 0, sizeof(*offer));
		offer->header.type = HCX_REC_OFFER;
		offer->chunk = cpu_to_le64(job->chunk);
		hcx_blocks_digest(job->blocks, offer->hash);
		p->len = sizeof(*offer);
	}
seal:
	p->err = hcx_channel_seal(&st->ch, &p->sealer, p->nonce, plain, p->len);
out:
	complete(&p->done);
}

/* What an answer about a chunk tells the deduplication index. */
enum hcx_lesson {
	HCX_LEARN_HELD,		/* the target holds the chunk's blocks */
	HCX_LEARN_STALE,	/* a reference the chunk used was stale */
	HCX_LEARN_DIFFERENT,	/* the target's copy differs somewhere */
};

/*
 * Teach the index what the answer to JOB says: where the target holds its
 * blocks (zero blocks need no index); that the references it used are
 * stale; or that the target's copy of the chunk may hold none of its
 * blocks, so the entries saying so go.
 */
static void hcx_stream_learn(struct hcx_stream *st,
			     const struct hcx_stream_job *job,
			     enum hcx_lesson lesson)
{
	const struct hcx_blocks *b = job->blocks;
	u64 pos = job->chunk << st->disk->chunk_shift, at;
	unsigned int i;

	if (!st->dedup)
		return;
	for (i = 0; i < b->n; i++) {
		at = pos + (i << HCX_BLOCK_SHIFT);
		if (b->kinds[i] == HCX_BLOCK_ZERO)
			continue;
		if (lesson == HCX_LEARN_HELD)
			hcx_dedup_add(st->dedup, b->hashes[i], at);
		else if (lesson == HCX_LEARN_DIFFERENT)
			hcx_dedup_forget(st->dedup, b->hashes[i], &at);
		else if (b->kinds[i] == HCX_BLOCK_REF)
			hcx_dedup_forget(st->dedup, b->hashes[i], NULL);
	}
}

/* Hand what the operation has to send to the preparers, in order. */
static void hcx_stream_dispatch(struct hcx_stream *st)
{
	struct hcx_sync *sync = &st->disk->sync;
	struct hcx_stream_job *job;
	struct hcx_prep *p;
	bool picked;

	while (st->count < HCX_STREAM_WINDOW &&
	       st->prep_count < HCX_STREAM_PREP && !READ_ONCE(st->stop)) {
		job = &st->ring[(st->head + st->count) % HCX_STREAM_WINDOW];
		spin_lock(&sync->lock);
		picked = hcx_sync_pick(st->disk, st->epoch, job);
		spin_unlock(&sync->lock);
		if (!picked)
			return;
		st->count++;
		p = &st->prep[(st->prep_head + st->prep_count++) %
			      HCX_STREAM_PREP];
		p->job = job;
		p->nonce = hcx_channel_take_nonce(&st->ch);
		reinit_completion(&p->done);
		queue_work(hcx_prep_wq, &p->work);
	}
}

/*
 * Wait until the device's rate limit lets a record of LEN bytes of
 * plaintext go: -ESHUTDOWN when the stream is stopped meanwhile.
 */
static int hcx_stream_pace(struct hcx_stream *st, size_t len)
{
	u64 wait = hcx_rate_draw(st->rate, HCX_REC_HEADROOM + len +
				 HCX_REC_TAILROOM);

	if (wait)
		wait_event_timeout(st->disk->sync.wait, READ_ONCE(st->stop),
				   nsecs_to_jiffies(wait) + 1);
	return READ_ONCE(st->stop) ? -ESHUTDOWN : 0;
}

/* Send the oldest record handed out, once it is prepared. */
static int hcx_stream_send_prepared(struct hcx_stream *st)
{
	struct hcx_prep *p = &st->prep[st->prep_head];
	int ret;

	wait_for_completion(&p->done);
	st->prep_head = (st->prep_head + 1) % HCX_STREAM_PREP;
	st->prep_count--;
	ret = p->err ?: hcx_stream_pace(st, p->len) ?:
	      hcx_channel_write(&st->ch, p->buf + HCX_REC_HEADROOM, p->len);
	if (!ret && p->job->type == HCX_REC_DATA)
		hcx_sync_count(&st->disk->sync, p->job->len, &p->how);
	return ret;
}

/* Wait for the records still being prepared: they will not be sent. */
static void hcx_stream_drain(struct hcx_stream *st)
{
	for (; st->prep_count; st->prep_count--) {
		wait_for_completion(&st->prep[st->prep_head].done);
		st->prep_head = (st->prep_head + 1) % HCX_STREAM_PREP;
	}
}

/* Apply one answer to the oldest record in flight. */
static int hcx_stream_answer(struct hcx_stream *st,
			     const struct hcx_rec_ack *ack)
{
	struct hcx_stream_job *job = &st->ring[st->head];
	struct hcx_disk *disk = st->disk;
	struct hcx_sync *sync = &disk->sync;
	bool data = job->type == HCX_REC_DATA;
	bool offer = job->type == HCX_REC_OFFER;
	bool stale = false;

	if (!st->count || le64_to_cpu(ack->chunk) != job->chunk)
		return -EPROTO;
	switch (ack->status) {
	case HCX_ACK_ADOPTED:
		if (job->type != HCX_REC_ADOPT)
			return -EPROTO;
		spin_lock(&sync->lock);
		sync->peer_holds_gen = true;
		spin_unlock(&sync->lock);
		break;
	case HCX_ACK_WRITTEN:
		if (!data)
			return -EPROTO;
		atomic64_add(job->len, &sync->acked_bytes);
		hcx_stream_learn(st, job, HCX_LEARN_HELD);
		break;
	case HCX_ACK_STALE:
		if (!data)
			return -EPROTO;
		atomic64_inc(&sync->dedup_stale);
		hcx_stream_learn(st, job, HCX_LEARN_STALE);
		stale = true;
		break;
	case HCX_ACK_SAME:
	case HCX_ACK_DIFFERENT:
		if (!offer)
			return -EPROTO;
		if (ack->status == HCX_ACK_SAME) {
			hcx_stream_learn(st, job, HCX_LEARN_HELD);
			break;
		}
		hcx_stream_learn(st, job, HCX_LEARN_DIFFERENT);
		if (!sync->verify)
			hcx_bitmap_mark(&disk->map, job->chunk);
		else if (hcx_bitmap_test(&disk->map, job->chunk))
			atomic64_inc(&sync->verify_skipped);
		else
			atomic64_inc(&sync->verify_mismatches);
		break;
	case HCX_ACK_FAILED:
		/* Left in the ring: the stream's failure puts it back. */
		return -EIO;
	default:
		return -EPROTO;
	}
	st->head = (st->head + 1) % HCX_STREAM_WINDOW;
	st->count--;
	spin_lock(&sync->lock);
	/* Not written: it goes again, without the references. */
	if (stale) {
		hcx_sync_requeue(disk, job);
	} else {
		sync->in_flight--;
		sync->in_flight_bytes -= job->len;
	}
	if (!sync->in_flight)
		hcx_sync_kick(sync);
	spin_unlock(&sync->lock);
	return 0;
}

static int hcx_stream_recv_acks(struct hcx_stream *st)
{
	struct hcx_rec_acks *acks;
	size_t len;
	u32 i, n;
	int ret;

	ret = hcx_channel_recv(&st->ch, (void **)&acks, &len);
	if (ret)
		return ret;
	if (hcx_rec_parse(&acks->header, len) != HCX_REC_ACKS)
		return -EPROTO;
	n = le32_to_cpu(acks->count);
	for (i = 0; i < n; i++) {
		ret = hcx_stream_answer(st, &acks->acks[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* The operation is over: ended, stopped or failed. */
static bool hcx_sync_over(struct hcx_sync *sync)
{
	return READ_ONCE(sync->pass) == HCX_PASS_NONE;
}

/* The stream's connection belongs to a round that ended. */
static bool hcx_sync_round_over(struct hcx_stream *st)
{
	struct hcx_sync *sync = &st->disk->sync;
	bool over;

	spin_lock(&sync->lock);
	over = st->epoch != sync->epoch;
	spin_unlock(&sync->lock);
	return over;
}

/*
 * Exchange records until the operation ends (0) or the connection fails
 * (a negative errno).
 */
static int hcx_stream_run(struct hcx_stream *st)
{
	struct hcx_sync *sync = &st->disk->sync;
	int kicks, ret;

	for (;;) {
		kicks = atomic_read(&sync->kicks);
		hcx_stream_dispatch(st);
		if (READ_ONCE(st->stop))
			return -ESHUTDOWN;
		/* A new round began: join it once this one's records are answered. */
		if (!st->count && hcx_sync_round_over(st))
			return -EAGAIN;
		if (st->prep_count) {
			ret = hcx_stream_send_prepared(st);
			/* Answers that arrived meanwhile free the window. */
			while (!ret && hcx_channel_pending(&st->ch))
				ret = hcx_stream_recv_acks(st);
			if (ret)
				return ret;
			continue;
		}
		/* Everything handed out is sent: wait for answers. */
		if (st->count) {
			ret = hcx_stream_recv_acks(st);
			if (ret)
				return ret;
			continue;
		}
		if (hcx_sync_over(sync))
			return 0;
		wait_event_timeout(sync->wait, READ_ONCE(st->stop) ||
				   atomic_read(&sync->kicks) != kicks, HZ);
	}
}

/* The operation cannot go on: end it for every stream. */
static void hcx_sync_fail(struct hcx_sync *sync, int err)
{
	spin_lock(&sync->lock);
	sync->last_error = err;
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
static void hcx_sync_welcome(struct hcx_disk *disk, struct hcx_stream *st)
{
	struct hcx_sync *sync = &disk->sync;
	bool ours = st->peer_gen_id == disk->gen_id &&
		    st->peer_gen_seq == disk->gen_seq;

	spin_lock(&sync->lock);
	if (!sync->decided) {
		sync->decided = true;
		sync->peer_gen_id = st->peer_gen_id;
		sync->peer_gen_seq = st->peer_gen_seq;
		sync->peer_holds_gen = ours;
		if (sync->kind == HCXREPL_SYNC_KIND_DELTA &&
		    (!ours || !sync->map_trusted))
			hcx_sync_distrust(sync);
	} else if (ours) {
		sync->peer_holds_gen = true;
	} else if (sync->peer_holds_gen ||
		   st->peer_gen_id != sync->peer_gen_id ||
		   st->peer_gen_seq != sync->peer_gen_seq) {
		sync->peer_gen_id = st->peer_gen_id;
		sync->peer_gen_seq = st->peer_gen_seq;
		hcx_sync_distrust(sync);
	}
	spin_unlock(&sync->lock);
	hcx_sync_kick(sync);
}

/* The target admitted a newer round than this one: the next goes past it. */
static void hcx_sync_outrun(struct hcx_sync *sync, u64 epoch)
{
	spin_lock(&sync->lock);
	if (epoch >= sync->epoch)
		sync->epoch = epoch + 1;
	spin_unlock(&sync->lock);
	hcx_sync_kick(sync);
}

/* Say which disk and generation this stream is about; read the answer. */
static int hcx_stream_hello(struct hcx_stream *st)
{
	struct hcx_disk *disk = st->disk;
	struct hcx_rec_welcome *w;
	struct hcx_rec_hello *hello;
	size_t len;
	int ret;

	hello = (struct hcx_rec_hello *)(st->ctl + HCX_REC_HEADROOM);
	memset(hello, 0, sizeof(*hello));
	hello->header.type = HCX_REC_HELLO;
	hello->stream = cpu_to_le16(st->index);
	hello->streams = cpu_to_le16(disk->sync.nr_streams);
	hello->chunk_bytes = cpu_to_le32(hcx_chunk_bytes(disk));
	hello->size = cpu_to_le64(disk->size);
	hello->gen_id = cpu_to_le64(disk->gen_id);
	hello->gen_seq = cpu_to_le64(disk->gen_seq);
	spin_lock(&disk->sync.lock);
	st->epoch = disk->sync.epoch;
	spin_unlock(&disk->sync.lock);
	hello->epoch = cpu_to_le64(st->epoch);
	strscpy(hello->name, disk->name, sizeof(hello->name));
	ret = hcx_channel_send(&st->ch, (u8 *)hello, sizeof(*hello)) ?:
	      hcx_channel_recv(&st->ch, (void **)&w, &len);
	if (ret)
		return ret;
	if (hcx_rec_parse(&w->header, len) != HCX_REC_WELCOME)
		return -EPROTO;
	/* The target's refusals; hcx_error_is_final() says which end it all. */
	switch (le32_to_cpu(w->status)) {
	case HCX_WELCOME_OK:
		/* A target too small to hold the disk says ENOSPC instead. */
		if (le64_to_cpu(w->size) < disk->size)
			return -EPROTO;
		break;
	case ESTALE:
		hcx_sync_outrun(&disk->sync, le64_to_cpu(w->epoch));
		return -ESTALE;
	case ENOENT:
	case EROFS:
	case ENOSPC:
		return -(int)le32_to_cpu(w->status);
	default:
		return -EPROTO;
	}
	st->peer_gen_id = le64_to_cpu(w->gen_id);
	st->peer_gen_seq = le64_to_cpu(w->gen_seq);
	return 0;
}

/* Close the connection, and what was keyed for it. */
static void hcx_stream_close(struct hcx_stream *st)
{
	int i;

	for (i = 0; i < HCX_STREAM_PREP; i++)
		hcx_sealer_free(&st->prep[i].sealer);
	hcx_channel_close(&st->ch);
}

static int hcx_stream_connect(struct hcx_stream *st)
{
	struct hcx_disk *disk = st->disk;
	size_t max = hcx_data_max(hcx_chunk_bytes(disk));
	struct hcx_device *hcx;
	struct net_device *dev;
	int i, ret;

	dev = dev_get_by_name(read_pnet(&disk->net), disk->ifname);
	if (!dev)
		return -ENODEV;
	if (!hcx_is_device(dev)) {
		dev_put(dev);
		return -ENODEV;
	}
	/* The device may go, and come back with another limit. */
	hcx = netdev_priv(dev);
	hcx_rate_put(st->rate);
	st->rate = hcx_rate_get(hcx->rate);
	ret = hcx_channel_connect(&st->ch, dev);
	dev_put(dev);
	if (ret)
		return ret;
	ret = hcx_channel_reserve(&st->ch, max);
	for (i = 0; !ret && i < HCX_STREAM_PREP; i++)
		ret = hcx_sealer_init(&st->prep[i].sealer, &st->ch, max);
	ret = ret ?: hcx_stream_hello(st);
	if (ret)
		hcx_stream_close(st);
	return ret;
}

/*
 * Put back what the lost connection never answered.  Its records may still
 * wait at the target: first a new round, which the target fences this
 * one's connections for before anything put back goes again.
 */
static void hcx_stream_requeue_all(struct hcx_stream *st)
{
	struct hcx_sync *sync = &st->disk->sync;

	spin_lock(&sync->lock);
	if (st->count && st->epoch == sync->epoch)
		sync->epoch++;
	for (; st->count; st->count--) {
		hcx_sync_requeue(st->disk, &st->ring[st->head]);
		st->head = (st->head + 1) % HCX_STREAM_WINDOW;
	}
	spin_unlock(&sync->lock);
	hcx_sync_kick(sync);
}

static void hcx_sync_count_connected(struct hcx_sync *sync, int delta)
{
	spin_lock(&sync->lock);
	sync->connected += delta;
	spin_unlock(&sync->lock);
}

/*
 * Errors that the operator must fix end the operation.  A target without the
 * disk is one only until the operation's first welcome: after that, the
 * target is being restarted or set up again, and the operation waits for it.
 */
static bool hcx_error_is_final(struct hcx_sync *sync, int err)
{
	bool decided;

	if (err != -ENOENT)
		return err == -EROFS || err == -ENOSPC || err == -EIO;
	spin_lock(&sync->lock);
	decided = sync->decided;
	spin_unlock(&sync->lock);
	return !decided;
}

static void hcx_stream_work(struct work_struct *work)
{
	struct hcx_stream *st = container_of(work, struct hcx_stream, work);
	struct hcx_sync *sync = &st->disk->sync;
	unsigned int backoff = HCX_BACKOFF_MIN_MS;
	int ret;

	while (!READ_ONCE(st->stop) && !hcx_sync_over(sync)) {
		ret = hcx_stream_connect(st);
		if (!ret) {
			hcx_sync_welcome(st->disk, st);
			hcx_sync_count_connected(sync, 1);
			backoff = HCX_BACKOFF_MIN_MS;
			ret = hcx_stream_run(st);
			hcx_stream_drain(st);
			hcx_stream_requeue_all(st);
			hcx_sync_count_connected(sync, -1);
			hcx_stream_close(st);
			if (!ret)
				break;
			/* Joining a new round is no fault: at once. */
			if (ret == -EAGAIN)
				continue;
			if (!READ_ONCE(st->stop))
				atomic64_inc(&sync->reconnects);
		}
		if (READ_ONCE(st->stop))
			break;
		if (hcx_error_is_final(sync, ret)) {
			hcx_sync_fail(sync, ret);
			break;
		}
		net_dbg_ratelimited("disk %s stream %u: %d, retrying in %u ms\n",
				    st->disk->name, st->index, ret, backoff);
		/* With jitter, so that streams and disks do not reconnect in step. */
		wait_event_timeout(sync->wait,
				   READ_ONCE(st->stop) || hcx_sync_over(sync),
				   msecs_to_jiffies(backoff / 2 +
						    get_random_u32_below(backoff)));
		backoff = min(backoff * 2, HCX_BACKOFF_MAX_MS);
	}
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
	if (!over)
		queue_delayed_work(hcx_wq, &sync->tick, HZ);
}

void hcx_sync_init(struct hcx_sync *sync, u8 streams,
		   const struct hcx_wanopt_conf *wanopt)
{
	spin_lock_init(&sync->lock);
	INIT_KFIFO(sync->redo);
	init_waitqueue_head(&sync->wait);
	INIT_DELAYED_WORK(&sync->tick, hcx_sync_tick);
	sync->nr_streams = streams;
	sync->wanopt = *wanopt;
	hcx_dedup_init(&sync->dedup);
}

static void hcx_stream_free(struct hcx_stream *st)
{
	struct hcx_prep *p;
	int i;

	hcx_stream_close(st);
	for (i = 0; i < HCX_STREAM_PREP; i++) {
		p = &st->prep[i];
		kvfree(p->bytes);
		kvfree(p->buf);
	}
	kvfree(st->ring[0].blocks);
	hcx_rate_put(st->rate);
	kfree(st);
}

static struct hcx_stream *hcx_stream_new(struct hcx_disk *disk,
					 unsigned int index)
{
	u32 chunk_bytes = hcx_chunk_bytes(disk);
	size_t blocks_size = hcx_blocks_size(chunk_bytes);
	struct hcx_stream *st;
	struct hcx_prep *p;
	bool ok;
	u8 *blocks;
	int i;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return NULL;
	blocks = kvmalloc_array(HCX_STREAM_WINDOW, blocks_size, GFP_KERNEL);
	ok = blocks;
	for (i = 0; ok && i < HCX_STREAM_WINDOW; i++)
		st->ring[i].blocks = (void *)(blocks + i * blocks_size);
	for (i = 0; i < HCX_STREAM_PREP; i++) {
		p = &st->prep[i];
		INIT_WORK(&p->work, hcx_prep_work);
		init_completion(&p->done);
		p->st = st;
		p->bytes = kvmalloc(chunk_bytes, GFP_KERNEL);
		p->buf = kvmalloc(HCX_REC_HEADROOM + hcx_data_max(chunk_bytes) +
				  HCX_REC_TAILROOM, GFP_KERNEL);
		ok = ok && p->bytes && p->buf;
	}
	/* The ring's blocks, if any, hang from its first slot. */
	if (!ok) {
		hcx_stream_free(st);
		return NULL;
	}
	INIT_WORK(&st->work, hcx_stream_work);
	st->disk = disk;
	st->index = index;
	hcx_channel_init(&st->ch);
	st->ch.wire_bytes = &disk->sync.wire_bytes;
	return st;
}

/* Wait for the streams of the last operation and free them. */
static void hcx_sync_reap(struct hcx_disk *disk)
{
	struct hcx_sync *sync = &disk->sync;
	struct hcx_stream *st;
	int i;

	lockdep_assert_held(&disk->lock);
	for (i = 0; i < HCX_STREAMS_MAX; i++) {
		st = sync->streams[i];
		if (!st)
			continue;
		flush_work(&st->work);
		hcx_stream_free(st);
		sync->streams[i] = NULL;
	}
	/* No preparer is left to hold a workspace. */
	hcx_encoder_free(&sync->enc);
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
	struct hcx_stream *st;
	int i, ret;

	lockdep_assert_held(&disk->lock);
	if (hcx_sync_running(disk))
		return -EBUSY;
	hcx_sync_reap(disk);
	/* The preparers' encoder, with the disk's options of the moment. */
	ret = hcx_encoder_init(&sync->enc, &sync->wanopt, hcx_chunk_bytes(disk));
	if (ret)
		return ret;
	if (sync->wanopt.dedup && !sync->dedup.buckets) {
		ret = hcx_dedup_resize(&sync->dedup, sync->wanopt.cache_bytes,
				       DIV_ROUND_UP_ULL(disk->size,
							HCX_BLOCK_SIZE));
		if (ret)
			return ret;
	}
	for (i = 0; i < sync->nr_streams; i++) {
		st = hcx_stream_new(disk, i);
		if (!st) {
			hcx_sync_reap(disk);
			return -ENOMEM;
		}
		sync->streams[i] = st;
		st->dedup = sync->wanopt.dedup ? &sync->dedup : NULL;
	}

	/* Streams are not running yet: no need to hold their lock for this. */
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
	sync->last_error = 0;
	kfifo_reset(&sync->redo);
	if (kind == HCXREPL_SYNC_KIND_FULL)
		sync->map_trusted = true;
	sync->pass = kind == HCXREPL_SYNC_KIND_CHECKSUM || verify ?
		     HCX_PASS_OFFER : HCX_PASS_SEND;
	spin_unlock(&sync->lock);
	atomic64_set(&sync->verify_mismatches, 0);
	atomic64_set(&sync->verify_skipped, 0);

	for (i = 0; i < sync->nr_streams; i++)
		queue_work(hcx_channel_wq, &sync->streams[i]->work);
	sync->tick_bytes = atomic64_read(&sync->acked_bytes);
	queue_delayed_work(hcx_wq, &sync->tick, HZ);
	return 0;
}

/* End the running operation, if any, and wait for its streams. */
void hcx_sync_stop(struct hcx_disk *disk)
{
	struct hcx_sync *sync = &disk->sync;
	int i;

	lockdep_assert_held(&disk->lock);
	spin_lock(&sync->lock);
	sync->pass = HCX_PASS_NONE;
	spin_unlock(&sync->lock);
	for (i = 0; i < HCX_STREAMS_MAX; i++) {
		if (!sync->streams[i])
			continue;
		WRITE_ONCE(sync->streams[i]->stop, true);
		hcx_channel_shutdown(&sync->streams[i]->ch);
	}
	hcx_sync_kick(sync);
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
	else if (!sync->connected)
		state = HCXREPL_DISK_STATE_CONNECTING;
	else if (sync->verify)
		state = HCXREPL_DISK_STATE_VERIFYING;
	else if (sync->continuous && sync->pass == HCX_PASS_DONE)
		state = HCXREPL_DISK_STATE_REPLICATING;
	else
		state = HCXREPL_DISK_STATE_SYNCING;
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
 * For a switchover: it fails when no stream is connected for
 * HCX_SYNC_RUN_UNREACHABLE, and otherwise waits as long as streams are
 * connected.
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

/*
 * Ask the target to take over, with the next generation, over a channel of
 * its own.  The disk's lock is held and no operation runs.
 *
 * Return: 0 once the target answered that it took over; a negative errno
 * when it refused or the connection failed, in which case it may or may
 * not have taken over if the answer alone was lost (states.rst).
 */
int hcx_sync_promote_peer(struct hcx_disk *disk)
{
	struct hcx_rec_promoted *answer;
	struct hcx_rec_promote *promote;
	struct hcx_stream *st;
	size_t len;
	int ret;

	lockdep_assert_held(&disk->lock);
	st = hcx_stream_new(disk, 0);
	if (!st)
		return -ENOMEM;
	/* A round of its own, which fences every connection before it. */
	spin_lock(&disk->sync.lock);
	disk->sync.epoch++;
	spin_unlock(&disk->sync.lock);
	ret = hcx_stream_connect(st);
	/* Once more past a round the target admitted from elsewhere. */
	if (ret == -ESTALE)
		ret = hcx_stream_connect(st);
	if (ret)
		goto out;
	/* Only the copy the last sync brought up to date takes over. */
	if (st->peer_gen_id != disk->gen_id ||
	    st->peer_gen_seq != disk->gen_seq) {
		ret = -ESTALE;
		goto out;
	}
	promote = (struct hcx_rec_promote *)(st->ctl + HCX_REC_HEADROOM);
	memset(promote, 0, sizeof(*promote));
	promote->header.type = HCX_REC_PROMOTE;
	promote->gen_id = cpu_to_le64(disk->gen_id);
	promote->gen_seq = cpu_to_le64(disk->gen_seq + 1);
	ret = hcx_channel_send(&st->ch, (u8 *)promote, sizeof(*promote)) ?:
	      hcx_channel_recv(&st->ch, (void **)&answer, &len);
	if (!ret && hcx_rec_parse(&answer->header, len) != HCX_REC_PROMOTED)
		ret = -EPROTO;
	if (!ret)
		ret = hcx_rec_status(answer->status);
out:
	hcx_stream_free(st);
	return ret;
}
