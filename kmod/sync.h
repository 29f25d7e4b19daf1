/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sync engine of a source disk: which chunks go to the target, and
 * what the target acknowledged.  Its device pair's lanes (pool.h) carry
 * the records.
 */
#ifndef _HCX_SYNC_H
#define _HCX_SYNC_H

#include <linux/atomic.h>
#include <linux/kfifo.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <uapi/linux/hcxrepl.h>

#include "wanopt.h"

struct hcx_disk;
struct hcx_rec_ack;

/* Where lanes prepare their records (pool.c): CPU work, unbound. */
extern struct workqueue_struct *hcx_prep_wq;

/* Records a lane has sent and not had acknowledged, at most. */
#define HCX_STREAM_WINDOW	32
/* Lanes serving one disk at once, at most: its "streams". */
#define HCX_STREAMS_MAX		16
#define HCX_STREAMS_DEFAULT	4
/* Disks of higher priority are served first; a switchover's above all. */
#define HCX_PRIORITY_DEFAULT	5
#define HCX_PRIORITY_SWITCHOVER	10

/* The passes of an operation. */
enum hcx_sync_pass {
	HCX_PASS_NONE,		/* no operation */
	HCX_PASS_OFFER,		/* hashes of every chunk, compared there */
	HCX_PASS_SEND,		/* dirty chunks, sent */
	HCX_PASS_DONE,		/* nothing left: wait for acks, or writes */
};

/**
 * struct hcx_sync_job - a record sent and not yet answered
 * @chunk: the chunk it is about
 * @len: the chunk's bytes
 * @type: HCX_REC_DATA, HCX_REC_OFFER or HCX_REC_ADOPT
 * @peer_disk: the target disk's number, from the lane's welcome
 * @seq: its place in the order records were handed out across the pool,
 *	which claims in the deduplication index compare (wanopt.c)
 * @blocks: how its blocks travelled, and their hashes: what the answer
 *	teaches the deduplication index; the ring slot's own, kept across jobs
 */
struct hcx_sync_job {
	u64 chunk;
	u32 len;
	u8 type;
	u32 peer_disk;
	u64 seq;
	struct hcx_blocks *blocks;
};

/**
 * struct hcx_sync - the replication engine of a source disk
 * @lock: guards everything down to @last_error
 * @pass: the current pass
 * @kind: the sync asked for; delta becomes checksum when the map cannot be
 *	trusted
 * @continuous: keep sending what writes dirty, until turned off
 * @verify: the offer pass only counts differences and moves nothing
 * @paused: no new records until resumed
 * @decided: the first welcome of this operation settled its kind
 * @map_trusted: every chunk that may differ at the target is dirty; set by
 *	a full sync's start and a checksum pass's end, for this instance's
 *	generation; voided by a welcome from another copy
 * @peer_holds_gen: the target holds this side's generation: it said so in
 *	a welcome, or adopted it in this operation
 * @peer_gen_id: the generation the target held at this operation's first
 *	welcome, or at the last that voided the map's trust
 * @peer_gen_seq: and its counter
 * @adoptions: adopt records the target acknowledged in this instance
 * @epoch: the current round of connections: bumped by each operation's
 *	start and by each connection lost with records unanswered; only its
 *	lanes get records to send
 * @requeued: a failure put chunks back behind the cursor: sweep again
 * @switchover: a switchover runs the operation; the state says so
 * @cursor: the next chunk of the pass
 * @connected: lanes serving the disk that the target welcomed
 * @reachable: the last lane to try reached the target: a disk no lane
 *	serves waits its turn, rather than for a connection
 * @defer_ms: how long the target's last refusal deferred the disk
 * @retry_at: no lane takes the disk before this (jiffies)
 * @idle: a lane found nothing to do at @idle_kicks
 * @idle_kicks: @kicks then: lanes leave the disk alone until a kick
 * @in_flight: records sent and not acknowledged, all streams
 * @in_flight_bytes: their chunks' bytes
 * @redo: offers that a lost connection never got an answer to
 * @last_error: why the last operation stopped, 0 when it finished
 * @end_ms: when the last operation or switchover ended (real time, in
 *	milliseconds), 0 before any; read and written without a lock
 * @nr_streams: lanes that may serve the disk at once
 * @priority: 1 to 9: disks of a higher one are served first
 * @ready: in its pool's list of disks whose operation runs (pool.c)
 * @lanes: lanes serving it now, under the pool's lock
 * @wanopt: the disk's WAN optimization options; under the disk's lock,
 *	changed only between operations
 * @enc: the encoder of the preparers serving the operation, the pool's
 *	for @wanopt when it starts (hcx_pool_encoder_get()), given back when
 *	it is reaped; NULL between
 * @kicks: bumped whenever work may have appeared
 * @wait: woken at each kick: the end of the operation, lanes going
 * @tick: once a second while an operation runs: throughput, events
 * @acked_bytes: chunk bytes the target acknowledged as written
 * @wire_bytes: bytes this side sent and received on the channel's sockets
 * @logical_bytes: chunk bytes sent (a source) or written (a target)
 * @zero_bytes: of those, bytes that travelled as zero blocks
 * @dedup_bytes: bytes that travelled as references
 * @compress_saved_bytes: bytes compression saved
 * @dedup_stale: data records the target answered stale
 * @verify_mismatches: chunks a verify found different
 * @verify_skipped: chunks a verify skipped because they were written
 * @reconnects: connections lost and opened again
 * @tick_bytes: @acked_bytes at the last tick
 * @throughput_bps: acknowledged bytes per second over the last tick
 */
struct hcx_sync {
	spinlock_t lock; /* the pass and its cursor */
	enum hcx_sync_pass pass;
	enum hcxrepl_sync_kind kind;
	bool continuous;
	bool verify;
	bool paused;
	bool decided;
	bool map_trusted;
	bool peer_holds_gen;
	u64 peer_gen_id;
	u64 peer_gen_seq;
	u64 adoptions;
	u64 epoch;
	bool requeued;
	bool switchover;
	u64 cursor;
	unsigned int connected;
	bool reachable;
	unsigned int defer_ms;
	unsigned long retry_at;
	bool idle;
	int idle_kicks;
	unsigned int in_flight;
	u64 in_flight_bytes;
	DECLARE_KFIFO(redo, u64, HCX_STREAM_WINDOW * HCX_STREAMS_MAX);
	int last_error;
	u64 end_ms;

	u8 nr_streams;
	u8 priority;
	struct list_head ready;
	unsigned int lanes;
	struct hcx_wanopt_conf wanopt;
	struct hcx_encoder *enc;
	atomic_t kicks;
	wait_queue_head_t wait;
	struct delayed_work tick;

	atomic64_t acked_bytes;
	atomic64_t wire_bytes;
	atomic64_t logical_bytes;
	atomic64_t zero_bytes;
	atomic64_t dedup_bytes;
	atomic64_t compress_saved_bytes;
	atomic64_t dedup_stale;
	atomic64_t verify_mismatches;
	atomic64_t verify_skipped;
	atomic64_t reconnects;
	u64 tick_bytes;
	u64 throughput_bps;
};

/* The operation is over: ended, stopped or failed. */
static inline bool hcx_sync_over(struct hcx_sync *sync)
{
	return READ_ONCE(sync->pass) == HCX_PASS_NONE;
}

void hcx_sync_init(struct hcx_sync *sync, u8 streams,
		   const struct hcx_wanopt_conf *wanopt);
void hcx_sync_count(struct hcx_sync *sync, u32 len,
		    const struct hcx_encoding *how);
int hcx_sync_start(struct hcx_disk *disk, enum hcxrepl_sync_kind kind,
		   bool continuous, bool verify);
void hcx_sync_stop(struct hcx_disk *disk);
void hcx_sync_pause(struct hcx_disk *disk, bool paused);
bool hcx_sync_running(struct hcx_disk *disk);
u64 hcx_sync_lag_bytes(struct hcx_disk *disk);
enum hcxrepl_disk_state hcx_sync_state(struct hcx_disk *disk);
void hcx_sync_dirtied(struct hcx_sync *sync);
int hcx_sync_run(struct hcx_disk *disk, enum hcxrepl_sync_kind kind,
		 bool verify);

/* For the lanes (pool.c). */
bool hcx_sync_pick(struct hcx_disk *disk, u64 epoch, struct hcx_sync_job *job);
int hcx_sync_answer(struct hcx_disk *disk, const struct hcx_sync_job *job,
		    const struct hcx_rec_ack *ack, struct hcx_dedup *dedup);
void hcx_sync_welcome(struct hcx_disk *disk, u64 gen_id, u64 gen_seq,
		      u64 adoptions);
u64 hcx_sync_adoptions(struct hcx_sync *sync);
u64 hcx_sync_epoch(struct hcx_sync *sync);
void hcx_sync_new_round(struct hcx_sync *sync);
bool hcx_sync_round_over(struct hcx_sync *sync, u64 epoch);
void hcx_sync_count_connected(struct hcx_sync *sync, int delta);
void hcx_sync_unreachable(struct hcx_sync *sync);
void hcx_sync_defer(struct hcx_sync *sync);
void hcx_sync_unclaim(struct hcx_disk *disk, const struct hcx_sync_job *ring,
		      unsigned int head, unsigned int count,
		      struct hcx_dedup *dedup);
void hcx_sync_lost(struct hcx_disk *disk, u64 epoch,
		   const struct hcx_sync_job *ring, unsigned int head,
		   unsigned int count, struct hcx_dedup *dedup);
void hcx_sync_idle(struct hcx_sync *sync, int kicks);
int hcx_sync_kicks(struct hcx_sync *sync);
bool hcx_sync_wants_lane(struct hcx_disk *disk, int *class);
bool hcx_sync_final(struct hcx_sync *sync, int err);
void hcx_sync_fail(struct hcx_sync *sync, int err);
void hcx_sync_ended(struct hcx_sync *sync);
void hcx_sync_reset_map(struct hcx_disk *disk, bool trusted);
void hcx_sync_set_switchover(struct hcx_disk *disk, bool on);

#endif /* _HCX_SYNC_H */
