// SPDX-License-Identifier: GPL-2.0
/*
 * The target side of replication.
 *
 * While a device is up it listens on TCP on its listen port, beside its
 * UDP sockets (socket.c opens and closes both).  Each accepted connection
 * becomes a work item on hcx_channel_wq that runs the responder's
 * handshake, reads the hello naming a disk of this device, and then serves
 * records; a release lets the disk go and a later hello names another
 * (the source's lanes serve the device pair's disks in turn, pool.c).  A
 * data record is decoded (wanopt.c), its references checked against the
 * target's own blocks, and written to the backing device; an offer is
 * compared with the digest of the target's own copy.  Answers go back in
 * order, batched; before answers that report writes, the backing device is
 * flushed, so "written" always means on stable storage.
 *
 * Fencing: each hello names the source's round of connections (its epoch).
 * A disk admits the newest round it has seen: a hello of a newer round
 * fences the older ones (waiting for their writes under way) and ends them
 * before its welcome, one of an older round is refused (ESTALE), and a
 * data record writes only while its connection's round is still the disk's
 * and the disk still a target, checked under the disk's fence where the
 * write is issued.  So a record a stopped operation or a lost connection
 * left behind never lands over what a newer connection wrote and had
 * acknowledged.  Role changes fence too (hcx_disk_become()).
 *
 * Admission: a connection must complete its handshake and hello within
 * one deadline, HCX_CHANNEL_HANDSHAKE_TIMEOUT from its accept, however it
 * trickles its bytes; its initiation must carry a valid mac1 before any
 * public-key work, and must not be one accepted before (channel.c).  Until
 * its initiation is accepted it holds one of the device's
 * HCX_TARGET_HANDSHAKES handshake slots, and an address holds at most
 * HCX_TARGET_PER_SOURCE of them.  A new connection is never refused for
 * want of a slot: one from an address at its limit ends that address's
 * oldest handshake, and when every slot is held it ends the oldest
 * handshake.  A real source's handshake takes milliseconds, and the
 * oldest handshakes are the flood's, so a flood cannot keep a source out
 * unless it opens HCX_TARGET_HANDSHAKES connections within one of the
 * source's handshakes.  Replays, handshakes past their deadline and
 * evictions are counted (rx-channel-replay, rx-channel-timeout,
 * rx-channel-evicted).
 *
 * Locking: hcx_target_lock guards the list of connections and each one's
 * device, disk, epoch, and handshake state; under it only a channel's own
 * lock is taken (hcx_channel_shutdown()), and it is not taken under a
 * disk's lock.  A disk's lock, then its fence, guard its
 * generation, epoch and role.  A connection
 * holds a reference on its device only during the handshake and hello,
 * and one on its disk after the hello.  Closing a listener ends the
 * handshakes of its device, and deleting or promoting a disk ends its
 * connections (hcx_target_disconnect), so that the device can go and the
 * backing device be released; a namespace that goes ends the rest of its
 * connections (hcx_target_net_gone()).  A connection that
 * ends by itself frees itself, unless a stopper claimed it first; then the
 * stopper frees it after waiting for its work.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <crypto/sha2.h>
#include <kunit/visibility.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ipv6.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "channel.h"
#include "device.h"
#include "disk.h"
#include "netlink.h"
#include "target.h"

#define HCX_TARGET_HANDSHAKES	16
/* Handshake slots one source address may hold: half of them. */
#define HCX_TARGET_PER_SOURCE	8
#define HCX_TARGET_BACKLOG	16

/**
 * struct hcx_listener - a device's TCP listening socket
 * @sock: the socket
 * @dev: the device; the listener is closed before the device goes
 * @work: accepts what the socket has queued
 * @data_ready: the socket's callback before ours
 */
struct hcx_listener {
	struct socket *sock;
	struct net_device *dev;
	struct work_struct work;
	void (*data_ready)(struct sock *sk);
};

/**
 * struct hcx_target_conn - a connection from the peer's source
 * @list: in hcx_target_conns
 * @work: serves the connection, from handshake to close
 * @dev: the device, during the handshake and first hello; NULL after
 * @dev_tracker: tracks that reference
 * @net: the device's namespace, where hellos find their disks
 * @ifname: the device's name: a hello names one of its disks
 * @disk: the disk it writes, after a hello; NULL before
 * @epoch: the source's round of connections it belongs to, from the hello
 * @accepted: when it was accepted (jiffies); its deadline runs from then
 * @from: the address it came from, port zero
 * @authenticated: its initiation was accepted: it holds no handshake slot
 * @evicted: a newer connection took its handshake slot; it is ending
 * @claimed: a stopper took it off the list and will free it
 * @sock: the accepted socket, until the channel owns it
 * @ch: the channel
 * @chunk_shift: the source's chunk size, which positions its chunks
 * @source_size: the source disk's size
 * @acks: where answers are gathered, with the room a record needs around
 * @nacks: answers gathered and not sent yet
 * @flush: some of them report writes: flush before sending them
 * @bytes: where a chunk is decoded, or read to be hashed
 * @blocks: the blocks of a chunk read to be hashed
 * @buf_bytes: the chunk size @bytes and @blocks hold
 * @dec: the decoder
 */
struct hcx_target_conn {
	struct list_head list;
	struct work_struct work;
	struct net_device *dev;
	netdevice_tracker dev_tracker;
	possible_net_t net;
	char ifname[IFNAMSIZ];
	struct hcx_disk *disk;
	u64 epoch;
	unsigned long accepted;
	union hcx_endpoint from;
	bool authenticated;
	bool evicted;
	bool claimed;
	struct socket *sock;
	struct hcx_channel ch;
	unsigned int chunk_shift;
	u64 source_size;
	struct hcx_rec_acks *acks;
	u32 nacks;
	bool flush;
	u8 *bytes;
	struct hcx_blocks *blocks;
	u32 buf_bytes;
	struct hcx_decoder dec;
};

static DEFINE_MUTEX(hcx_target_lock);
static LIST_HEAD(hcx_target_conns);

static void hcx_target_end(bool (*match)(struct hcx_target_conn *conn,
					 const void *arg), const void *arg);
static int hcx_target_release(struct hcx_target_conn *conn);
static int hcx_target_rehello(struct hcx_target_conn *conn,
			      struct hcx_rec_hello *hello, size_t len);

#define HCX_ACKS_BYTES	(HCX_REC_HEADROOM + sizeof(struct hcx_rec_acks) + \
			 HCX_ACKS_MAX * sizeof(struct hcx_rec_ack) + \
			 HCX_REC_TAILROOM)

static void hcx_target_conn_free(struct hcx_target_conn *conn)
{
	hcx_channel_close(&conn->ch);
	if (conn->sock)
		sock_release(conn->sock);
	if (conn->dev)
		netdev_put(conn->dev, &conn->dev_tracker);
	if (conn->disk)
		hcx_disk_put(conn->disk);
	hcx_decoder_free(&conn->dec);
	kvfree(conn->blocks);
	kvfree(conn->bytes);
	kfree((u8 *)conn->acks - HCX_REC_HEADROOM);
	kfree(conn);
}

/*
 * Send the answers gathered, after a flush when they report writes.  The
 * record is sealed in place: it is built anew each time.
 */
static int hcx_target_send_acks(struct hcx_target_conn *conn)
{
	struct hcx_rec_acks *acks = conn->acks;
	u32 i, n = conn->nacks;

	if (!n)
		return 0;
	if (conn->flush && blkdev_issue_flush(conn->disk->backing.bdev))
		for (i = 0; i < n; i++)
			if (acks->acks[i].status == HCX_ACK_WRITTEN)
				acks->acks[i].status = HCX_ACK_FAILED;
	conn->flush = false;
	conn->nacks = 0;
	memset(acks, 0, sizeof(*acks));
	acks->header.type = HCX_REC_ACKS;
	acks->count = cpu_to_le32(n);
	return hcx_channel_send(&conn->ch, (u8 *)acks,
				struct_size(acks, acks, n));
}

static void hcx_target_answer(struct hcx_target_conn *conn, u64 chunk,
			      u8 status)
{
	struct hcx_rec_ack *ack = &conn->acks->acks[conn->nacks++];

	memset(ack, 0, sizeof(*ack));
	ack->chunk = cpu_to_le64(chunk);
	ack->status = status;
	if (status == HCX_ACK_WRITTEN)
		conn->flush = true;
}

/*
 * The length of one of the source's chunks (the last one may be short), or
 * -EPROTO for a chunk past the source's end.
 */
static s64 hcx_target_chunk_len(u64 source_size, unsigned int chunk_shift,
				u64 chunk)
{
	if (chunk > (source_size - 1) >> chunk_shift)
		return -EPROTO;
	return min_t(u64, 1ULL << chunk_shift,
		     source_size - (chunk << chunk_shift));
}

/* Bytes of the run of references starting at block I of V. */
static u32 hcx_run_len(const struct hcx_data_view *v, unsigned int i)
{
	u32 end = hcx_run_end(v->kinds, v->n, i) << HCX_BLOCK_SHIFT;

	return min(end, v->len) - (i << HCX_BLOCK_SHIFT);
}

/**
 * hcx_target_check_data - check a parsed data record against the disks
 * @v: the record, parsed by hcx_data_parse()
 * @source_size: the source disk's size, from the hello
 * @chunk_shift: log2 of the source's chunk size, from the hello
 * @disk_nr: this side's disk's number, from its welcome
 * @disk_size: the size of this side's disk, at least @source_size
 *
 * The record must carry a whole chunk of the source, and its references
 * must name whole blocks: of this disk, inside it, with their runs; of
 * another disk, aligned (whether that disk holds them is looked at when
 * they are read).
 *
 * Return: 0, or -EPROTO.
 */
int hcx_target_check_data(const struct hcx_data_view *v, u64 source_size,
			  unsigned int chunk_shift, u32 disk_nr, u64 disk_size)
{
	const struct hcx_block_ref *ref = v->refs;
	unsigned int i;
	u64 pos;

	if (v->len != hcx_target_chunk_len(source_size, chunk_shift, v->chunk))
		return -EPROTO;
	for (i = 0; i < v->n; i++) {
		if (v->kinds[i] != HCX_BLOCK_REF)
			continue;
		pos = get_unaligned_le64(&ref->pos);
		if (!IS_ALIGNED(pos, HCX_BLOCK_SIZE) ||
		    (get_unaligned_le32(&ref->disk) == disk_nr &&
		     pos > disk_size - hcx_run_len(v, i)))
			return -EPROTO;
		ref++;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(hcx_target_check_data);

/*
 * Read the referenced blocks into their places in OUT, each checked against
 * the hash the source sent: HCX_ACK_WRITTEN when all match.  A block of
 * another disk is read only from a target disk of the device that accepted
 * the connection, which holds what this source's peer sent it; one that
 * is not there is stale, not a failure: the source sends the bytes.
 */
static u8 hcx_target_fetch_refs(struct hcx_target_conn *conn,
				const struct hcx_data_view *v, u8 *out)
{
	const struct hcx_block_ref *ref = v->refs;
	u8 digest[HCX_HASH_LEN];
	unsigned int i;
	u8 *run;
	u32 len;
	u64 pos;
	u32 nr;

	for (i = 0; i < v->n; i++) {
		if (v->kinds[i] != HCX_BLOCK_REF)
			continue;
		run = out + (i << HCX_BLOCK_SHIFT);
		len = hcx_run_len(v, i);
		nr = get_unaligned_le32(&ref->disk);
		pos = get_unaligned_le64(&ref->pos);
		if (nr == conn->disk->index) {
			if (hcx_disk_io(conn->disk, REQ_OP_READ, pos, run, len))
				return HCX_ACK_FAILED;
		} else if (hcx_disk_read_replica(read_pnet(&conn->net),
						 conn->ifname, nr, pos, run,
						 len)) {
			return HCX_ACK_STALE;
		}
		hcx_run_digest(run, len, digest);
		if (crypto_memneq(digest, ref->hash, HCX_HASH_LEN))
			return HCX_ACK_STALE;
		ref++;
	}
	return HCX_ACK_WRITTEN;
}

static int hcx_target_data(struct hcx_target_conn *conn,
			   struct hcx_rec_data *rec, size_t len)
{
	struct hcx_disk *disk = conn->disk;
	struct hcx_data_view v;
	u8 status;
	u64 pos;
	int ret;

	ret = hcx_data_parse(rec, len, &v) ?:
	      hcx_target_check_data(&v, conn->source_size, conn->chunk_shift,
				    disk->index, disk->size);
	if (ret)
		return ret;
	ret = hcx_data_expand(&conn->dec, &v, conn->bytes);
	if (ret)
		return ret;
	pos = v.chunk << conn->chunk_shift;
	/*
	 * The referenced blocks are read first, outside this disk's fence:
	 * another disk's fence is taken to read its blocks, and no fence is
	 * ever taken under another.  What was read is checked by its hash,
	 * whenever it was read.
	 */
	status = hcx_target_fetch_refs(conn, &v, conn->bytes);
	/*
	 * Fenced meanwhile (a newer round of the source's connections was
	 * admitted, or the disk changed roles): the record is older than
	 * what may already be written and acknowledged, and is never
	 * written.  Checked where the write is issued, under the fence.
	 */
	down_read(&disk->fence);
	if (disk->epoch != conn->epoch ||
	    disk->role != HCXREPL_DISK_ROLE_TARGET) {
		up_read(&disk->fence);
		return -ESTALE;
	}
	if (status == HCX_ACK_WRITTEN &&
	    (v.how.zero == v.len ? hcx_disk_zeroout(disk, pos, v.len) :
	     hcx_disk_io(disk, REQ_OP_WRITE, pos, conn->bytes, v.len)))
		status = HCX_ACK_FAILED;
	up_read(&disk->fence);
	if (status == HCX_ACK_WRITTEN)
		hcx_sync_count(&disk->sync, v.len, &v.how);
	hcx_target_answer(conn, v.chunk, status);
	return 0;
}

static int hcx_target_offer(struct hcx_target_conn *conn,
			    struct hcx_rec_offer *rec)
{
	u64 chunk = le64_to_cpu(rec->chunk);
	s64 n = hcx_target_chunk_len(conn->source_size, conn->chunk_shift,
				     chunk);
	u8 digest[HCX_HASH_LEN];
	u8 status;

	if (n < 0)
		return -EPROTO;
	if (hcx_disk_io(conn->disk, REQ_OP_READ, chunk << conn->chunk_shift,
			conn->bytes, n)) {
		status = HCX_ACK_FAILED;
	} else {
		hcx_blocks_scan(conn->bytes, n, conn->blocks, true);
		hcx_blocks_digest(conn->blocks, digest);
		status = crypto_memneq(digest, rec->hash, HCX_HASH_LEN) ?
			 HCX_ACK_DIFFERENT : HCX_ACK_SAME;
	}
	hcx_target_answer(conn, chunk, status);
	return 0;
}

/*
 * A connection still admitted, to a disk still a target: under the disk's
 * lock, which every change of the two holds (with the fence).
 */
static bool hcx_target_admitted(struct hcx_target_conn *conn)
{
	struct hcx_disk *disk = conn->disk;

	lockdep_assert_held(&disk->lock);
	return disk->epoch == conn->epoch &&
	       disk->role == HCXREPL_DISK_ROLE_TARGET;
}

/*
 * The source completed a full or checksum pass against this copy: what it
 * does not hold, the source's change map has dirty.  Only now does the
 * copy hold the source's generation, which a later delta trusts.
 */
static int hcx_target_adopt(struct hcx_target_conn *conn,
			    struct hcx_rec_adopt *rec)
{
	struct hcx_disk *disk = conn->disk;
	int ret = 0;

	mutex_lock(&disk->lock);
	if (hcx_target_admitted(conn)) {
		disk->gen_id = le64_to_cpu(rec->gen_id);
		disk->gen_seq = le64_to_cpu(rec->gen_seq);
	} else {
		ret = -ESTALE;
	}
	mutex_unlock(&disk->lock);
	if (!ret)
		hcx_target_answer(conn, 0, HCX_ACK_ADOPTED);
	return ret;
}

/*
 * Take over at a switchover: the source sent everything, and it holds its
 * writes until this answer.  The disk becomes a writable source whose
 * change map starts empty, against the generation both sides now hold.
 */
static int hcx_target_promote(struct hcx_target_conn *conn,
			      struct hcx_rec_promote *rec)
{
	struct hcx_disk *disk = conn->disk;
	struct hcx_rec_promoted *answer;
	int err = 0, ret;

	ret = hcx_target_send_acks(conn);
	if (ret)
		return ret;
	mutex_lock(&disk->lock);
	if (disk->role != HCXREPL_DISK_ROLE_TARGET) {
		err = -EROFS;
	} else if (disk->epoch != conn->epoch ||
		   disk->gen_id != le64_to_cpu(rec->gen_id) ||
		   disk->gen_seq + 1 != le64_to_cpu(rec->gen_seq)) {
		/*
		 * Fenced, or this copy does not hold the generation just
		 * before the one offered: it is not the copy the source
		 * brought up to date (added again, restored, replaced).
		 */
		err = -ESTALE;
	} else if (blkdev_issue_flush(disk->backing.bdev)) {
		err = -EIO;
	} else {
		disk->gen_id = le64_to_cpu(rec->gen_id);
		disk->gen_seq = le64_to_cpu(rec->gen_seq);
		hcx_disk_become(disk, HCXREPL_DISK_ROLE_SOURCE);
		hcx_sync_reset_map(disk, true);
	}
	mutex_unlock(&disk->lock);
	if (!err)
		hcx_nl_disk_notify(disk);

	answer = (struct hcx_rec_promoted *)conn->acks;
	memset(answer, 0, sizeof(*answer));
	answer->header.type = HCX_REC_PROMOTED;
	answer->status = cpu_to_le32(-err);
	ret = hcx_channel_send(&conn->ch, (u8 *)answer, sizeof(*answer));
	/* Nothing may follow: the connection's work is done. */
	return ret ?: -ESHUTDOWN;
}

/* Serve records until the connection ends. */
static int hcx_target_serve(struct hcx_target_conn *conn)
{
	struct hcx_msg_header *hdr;
	size_t len;
	int type, ret;

	for (;;) {
		ret = hcx_channel_recv(&conn->ch, (void **)&hdr, &len);
		if (ret)
			return ret;
		type = hcx_rec_parse(hdr, len);
		/* After a release, only a hello. */
		if (!conn->disk && type != HCX_REC_HELLO)
			return -EPROTO;
		switch (type) {
		case HCX_REC_DATA:
			ret = hcx_target_data(conn, (void *)hdr, len);
			break;
		case HCX_REC_OFFER:
			ret = hcx_target_offer(conn, (void *)hdr);
			break;
		case HCX_REC_PROMOTE:
			ret = hcx_target_promote(conn, (void *)hdr);
			break;
		case HCX_REC_ADOPT:
			ret = hcx_target_adopt(conn, (void *)hdr);
			break;
		case HCX_REC_HELLO:
			ret = hcx_target_rehello(conn, (void *)hdr, len);
			break;
		case HCX_REC_RELEASE:
			ret = hcx_target_release(conn);
			break;
		default:
			ret = -EPROTO;
		}
		if (ret)
			return ret;
		/* Answer in batches, and whenever the source waits. */
		if (conn->nacks == HCX_ACKS_MAX ||
		    !hcx_channel_pending(&conn->ch)) {
			ret = hcx_target_send_acks(conn);
			if (ret)
				return ret;
		}
	}
}

/**
 * hcx_target_parse_hello - check a hello's layout and fields
 * @hello: the record
 * @len: its length
 *
 * Return: log2 of the source's chunk size, or -EPROTO.
 */
int hcx_target_parse_hello(const struct hcx_rec_hello *hello, size_t len)
{
	u32 chunk_bytes;

	if (hcx_rec_parse(&hello->header, len) != HCX_REC_HELLO)
		return -EPROTO;
	chunk_bytes = le32_to_cpu(hello->chunk_bytes);
	if (!is_power_of_2(chunk_bytes) || chunk_bytes < HCX_CHUNK_MIN ||
	    chunk_bytes > HCX_CHUNK_MAX || !le64_to_cpu(hello->size) ||
	    strnlen(hello->name, sizeof(hello->name)) == sizeof(hello->name))
		return -EPROTO;
	return ilog2(chunk_bytes);
}
EXPORT_SYMBOL_IF_KUNIT(hcx_target_parse_hello);

/* Check a hello against the disk it names, which must be this device's. */
static int hcx_target_check(struct hcx_target_conn *conn,
			    struct hcx_disk *disk,
			    const struct hcx_rec_hello *hello)
{
	if (!disk || strcmp(disk->ifname, conn->ifname))
		return -ENOENT;
	if (READ_ONCE(disk->role) != HCXREPL_DISK_ROLE_TARGET ||
	    READ_ONCE(disk->deleting))
		return -EROFS;
	if (disk->size < le64_to_cpu(hello->size))
		return -ENOSPC;
	return 0;
}

static bool hcx_target_fenced(struct hcx_target_conn *conn, const void *newer)
{
	const struct hcx_target_conn *n = newer;

	return conn->disk == n->disk && conn->epoch < n->epoch;
}

/*
 * Admit the connection's round of the source's connections, under the
 * disk's lock: a newer round fences the older ones (their writes end
 * before this returns, and none starts after), the current one joins, an
 * older one is refused with -ESTALE.  *FENCED says whether older
 * connections remain to be ended.
 *
 * Return: 0, -ESTALE, or -EROFS when the disk is no longer a target.
 */
static int hcx_target_admit(struct hcx_target_conn *conn, bool *fenced)
{
	struct hcx_disk *disk = conn->disk;
	int ret = 0;

	lockdep_assert_held(&disk->lock);
	*fenced = false;
	down_write(&disk->fence);
	if (disk->role != HCXREPL_DISK_ROLE_TARGET) {
		ret = -EROFS;
	} else if (conn->epoch < disk->epoch) {
		ret = -ESTALE;
	} else if (conn->epoch > disk->epoch) {
		disk->epoch = conn->epoch;
		*fenced = true;
	}
	up_write(&disk->fence);
	return ret;
}

/*
 * Serve a hello: attach the disk it names, admit the connection's round
 * and welcome the source with the generation this target holds.  The
 * target holds the source's generation only once the source says it
 * completed a full or checksum pass (hcx_target_adopt()), and is no
 * longer consistent from now on.
 */
static int hcx_target_hello(struct hcx_target_conn *conn,
			    struct hcx_rec_hello *hello, size_t len)
{
	struct hcx_rec_welcome *w;
	struct hcx_disk *disk;
	bool fenced = false;
	u32 chunk_bytes;
	char name[HCXREPL_DISK_NAME_MAX];
	int err;
	int ret;

	ret = hcx_target_parse_hello(hello, len);
	if (ret < 0)
		return ret;
	conn->chunk_shift = ret;
	chunk_bytes = 1U << ret;
	conn->source_size = le64_to_cpu(hello->size);
	strscpy(name, hello->name, sizeof(name));

	disk = hcx_disk_get(read_pnet(&conn->net), name);
	mutex_lock(&hcx_target_lock);
	err = hcx_target_check(conn, disk, hello);
	if (!err) {
		conn->disk = disk;
		conn->epoch = le64_to_cpu(hello->epoch);
		disk = NULL;
	}
	mutex_unlock(&hcx_target_lock);
	if (disk)
		hcx_disk_put(disk);

	w = (struct hcx_rec_welcome *)conn->acks;
	memset(w, 0, sizeof(*w));
	w->header.type = HCX_REC_WELCOME;
	if (!err) {
		disk = conn->disk;
		mutex_lock(&disk->lock);
		err = hcx_target_admit(conn, &fenced);
		w->size = cpu_to_le64(disk->size);
		w->gen_id = cpu_to_le64(disk->gen_id);
		w->gen_seq = cpu_to_le64(disk->gen_seq);
		w->epoch = cpu_to_le64(disk->epoch);
		w->disk = cpu_to_le32(disk->index);
		if (!err)
			disk->consistent = false;
		mutex_unlock(&disk->lock);
	}
	/*
	 * The fenced connections can no longer write (the fence saw to it);
	 * end them.  Waiting for them would flush a connection's work from
	 * another's, which lockdep takes for recursive locking, and adds
	 * nothing: they free themselves.
	 */
	if (fenced)
		hcx_target_end(hcx_target_fenced, conn);
	/* The wire carries the errno as a positive number. */
	w->status = cpu_to_le32(-err);
	ret = hcx_channel_send(&conn->ch, (u8 *)w, sizeof(*w));
	if (ret)
		return ret;
	if (err)
		return err;
	/* Admitted: from now on TCP's own timeouts apply. */
	hcx_channel_end_deadline(&conn->ch);
	conn->ch.wire_bytes = &conn->disk->sync.wire_bytes;
	if (conn->buf_bytes < chunk_bytes) {
		kvfree(conn->bytes);
		kvfree(conn->blocks);
		conn->buf_bytes = 0;
		conn->bytes = kvmalloc(chunk_bytes, GFP_KERNEL);
		conn->blocks = kvmalloc(hcx_blocks_size(chunk_bytes),
					GFP_KERNEL);
		if (!conn->bytes || !conn->blocks)
			return -ENOMEM;
		conn->buf_bytes = chunk_bytes;
	}
	return hcx_channel_reserve(&conn->ch, hcx_data_max(chunk_bytes));
}

/*
 * The source is done with the connection's disk for now: the answers so
 * far go, and the connection lets the disk go (it no longer shows as
 * syncing here), until a hello names one again.
 */
static int hcx_target_release(struct hcx_target_conn *conn)
{
	struct hcx_disk *disk;
	int ret;

	ret = hcx_target_send_acks(conn);
	if (ret)
		return ret;
	conn->ch.wire_bytes = NULL;
	mutex_lock(&hcx_target_lock);
	disk = conn->disk;
	conn->disk = NULL;
	mutex_unlock(&hcx_target_lock);
	if (disk)
		hcx_disk_put(disk);
	return 0;
}

/* A later hello, after a release or not: served as the first one was. */
static int hcx_target_rehello(struct hcx_target_conn *conn,
			      struct hcx_rec_hello *hello, size_t len)
{
	return hcx_target_release(conn) ?: hcx_target_hello(conn, hello, len);
}

static struct hcx_device *hcx_target_device(struct hcx_target_conn *conn)
{
	return netdev_priv(conn->dev);
}

static void hcx_target_conn_work(struct work_struct *work)
{
	struct hcx_target_conn *conn = container_of(work, struct hcx_target_conn,
						    work);
	struct socket *sock = conn->sock;
	struct hcx_rec_hello *hello;
	size_t len;
	int ret;

	conn->sock = NULL;
	ret = hcx_channel_accept(&conn->ch, conn->dev, sock, conn->accepted);
	if (!ret) {
		mutex_lock(&hcx_target_lock);
		conn->authenticated = true;
		mutex_unlock(&hcx_target_lock);
		ret = hcx_channel_recv(&conn->ch, (void **)&hello, &len) ?:
		      hcx_target_hello(conn, hello, len);
	}
	mutex_lock(&hcx_target_lock);
	if (ret == -ETIMEDOUT && !conn->evicted)
		hcx_drop_count(&hcx_target_device(conn)->drops,
			       HCX_DROP_RX_CHANNEL_TIMEOUT);
	netdev_put(conn->dev, &conn->dev_tracker);
	conn->dev = NULL;
	mutex_unlock(&hcx_target_lock);
	if (!ret)
		ret = hcx_target_serve(conn);
	if (ret != -ECONNRESET && ret != -ESHUTDOWN)
		net_dbg_ratelimited("replication connection closed: %d\n",
				    ret);
	hcx_channel_close(&conn->ch);

	mutex_lock(&hcx_target_lock);
	if (conn->claimed) {
		mutex_unlock(&hcx_target_lock);
		return;
	}
	list_del(&conn->list);
	mutex_unlock(&hcx_target_lock);
	hcx_target_conn_free(conn);
}

/* Two endpoints of the same address, whatever their ports. */
static bool hcx_target_same_source(const union hcx_endpoint *a,
				   const union hcx_endpoint *b)
{
	if (a->addr.sa_family != b->addr.sa_family)
		return false;
	if (a->addr.sa_family == AF_INET)
		return a->addr4.sin_addr.s_addr == b->addr4.sin_addr.s_addr;
	return ipv6_addr_equal(&a->addr6.sin6_addr, &b->addr6.sin6_addr);
}

/* CONN holds one of DEV's handshake slots. */
static bool hcx_target_in_handshake(const struct hcx_target_conn *conn,
				    const struct net_device *dev)
{
	return conn->dev == dev && !conn->authenticated && !conn->evicted;
}

/* The handshake slots of DEV that the address of FROM holds. */
static unsigned int hcx_target_slots_of(const struct net_device *dev,
					const union hcx_endpoint *from)
{
	struct hcx_target_conn *conn;
	unsigned int n = 0;

	lockdep_assert_held(&hcx_target_lock);
	list_for_each_entry(conn, &hcx_target_conns, list)
		n += hcx_target_in_handshake(conn, dev) &&
		     hcx_target_same_source(&conn->from, from);
	return n;
}

/*
 * The handshake a new connection of DEV from FROM ends to take its slot,
 * or NULL when it takes a free one: the oldest of FROM's address when that
 * address is at its limit, else, when every slot is held, the oldest.
 * The list runs from the newest.
 */
static struct hcx_target_conn *hcx_target_victim(const struct net_device *dev,
						 const union hcx_endpoint *from)
{
	bool at_limit = hcx_target_slots_of(dev, from) >= HCX_TARGET_PER_SOURCE;
	struct hcx_target_conn *conn, *victim = NULL;
	unsigned int n = 0;

	list_for_each_entry(conn, &hcx_target_conns, list) {
		if (!hcx_target_in_handshake(conn, dev) ||
		    (at_limit && !hcx_target_same_source(&conn->from, from)))
			continue;
		victim = conn;
		n++;
	}
	return at_limit || n >= HCX_TARGET_HANDSHAKES ? victim : NULL;
}

static void hcx_target_accepted(struct net_device *dev, struct socket *sock)
{
	struct hcx_device *hcx = netdev_priv(dev);
	struct hcx_target_conn *conn, *victim;
	unsigned long accepted = jiffies;
	u8 *acks;

	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	acks = kzalloc(HCX_ACKS_BYTES, GFP_KERNEL);
	if (!conn || !acks)
		goto drop;
	if (kernel_getpeername(sock, &conn->from.addr) < 0)
		goto drop;
	/* The address alone tells sources apart. */
	if (conn->from.addr.sa_family == AF_INET6)
		conn->from.addr6.sin6_port = 0;
	else
		conn->from.addr4.sin_port = 0;
	INIT_WORK(&conn->work, hcx_target_conn_work);
	hcx_channel_init(&conn->ch);
	conn->acks = (struct hcx_rec_acks *)(acks + HCX_REC_HEADROOM);
	conn->sock = sock;
	conn->accepted = accepted;
	mutex_lock(&hcx_target_lock);
	victim = hcx_target_victim(dev, &conn->from);
	if (victim) {
		/* Its work ends it, and frees it, as any failed handshake. */
		victim->evicted = true;
		hcx_channel_shutdown(&victim->ch);
		hcx_drop_count(&hcx->drops, HCX_DROP_RX_CHANNEL_EVICTED);
	}
	conn->dev = dev;
	netdev_hold(dev, &conn->dev_tracker, GFP_KERNEL);
	write_pnet(&conn->net, dev_net(dev));
	strscpy(conn->ifname, dev->name, sizeof(conn->ifname));
	list_add(&conn->list, &hcx_target_conns);
	queue_work(hcx_channel_wq, &conn->work);
	mutex_unlock(&hcx_target_lock);
	return;

drop:
	net_dbg_ratelimited("%s: replication connection refused\n",
			    dev->name);
	sock_release(sock);
	kfree(acks);
	kfree(conn);
}

static void hcx_listener_work(struct work_struct *work)
{
	struct hcx_listener *l = container_of(work, struct hcx_listener, work);
	struct socket *sock;

	while (!kernel_accept(l->sock, &sock, O_NONBLOCK)) {
		/* A child inherits the listener's callback: give it back hers. */
		write_lock_bh(&sock->sk->sk_callback_lock);
		sock->sk->sk_user_data = NULL;
		sock->sk->sk_data_ready = l->data_ready;
		write_unlock_bh(&sock->sk->sk_callback_lock);
		hcx_target_accepted(l->dev, sock);
	}
}

static void hcx_listener_data_ready(struct sock *sk)
{
	struct hcx_listener *l;

	read_lock_bh(&sk->sk_callback_lock);
	l = sk->sk_user_data;
	if (l && sk->sk_state == TCP_LISTEN)
		queue_work(hcx_wq, &l->work);
	read_unlock_bh(&sk->sk_callback_lock);
}

/**
 * hcx_target_listen - listen for replication connections
 * @dev: the device
 * @family: AF_INET or AF_INET6
 * @port: the device's listen port
 * @listener: the listener, on success
 *
 * Return: 0, or a negative errno (-EADDRINUSE when the TCP port is taken).
 */
int hcx_target_listen(struct net_device *dev, int family, u16 port,
		      struct hcx_listener **listener)
{
	union hcx_endpoint any = { };
	struct hcx_listener *l;
	struct socket *sock;
	int ret, len;

	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	ret = sock_create_kern(dev_net(dev), family, SOCK_STREAM, IPPROTO_TCP,
			       &sock);
	if (ret)
		goto err_free;
	sock_set_reuseaddr(sock->sk);
	if (family == AF_INET6) {
		ip6_sock_set_v6only(sock->sk);
		any.addr6.sin6_family = AF_INET6;
		any.addr6.sin6_port = htons(port);
		len = sizeof(any.addr6);
	} else {
		any.addr4.sin_family = AF_INET;
		any.addr4.sin_port = htons(port);
		len = sizeof(any.addr4);
	}
	ret = kernel_bind(sock, &any.addr, len) ?:
	      kernel_listen(sock, HCX_TARGET_BACKLOG);
	if (ret)
		goto err_sock;

	l->sock = sock;
	l->dev = dev;
	INIT_WORK(&l->work, hcx_listener_work);
	write_lock_bh(&sock->sk->sk_callback_lock);
	sock->sk->sk_user_data = l;
	l->data_ready = sock->sk->sk_data_ready;
	sock->sk->sk_data_ready = hcx_listener_data_ready;
	write_unlock_bh(&sock->sk->sk_callback_lock);
	*listener = l;
	return 0;

err_sock:
	sock_release(sock);
err_free:
	kfree(l);
	return ret;
}

/* End the connections that MATCH; each one's work frees it. */
static void hcx_target_end(bool (*match)(struct hcx_target_conn *conn,
					 const void *arg), const void *arg)
{
	struct hcx_target_conn *conn;

	mutex_lock(&hcx_target_lock);
	list_for_each_entry(conn, &hcx_target_conns, list)
		if (match(conn, arg))
			hcx_channel_shutdown(&conn->ch);
	mutex_unlock(&hcx_target_lock);
}

/* Stop the connections that MATCH, and wait for them. */
static void hcx_target_stop(bool (*match)(struct hcx_target_conn *conn,
					  const void *arg), const void *arg)
{
	struct hcx_target_conn *conn, *tmp;
	LIST_HEAD(doomed);

	mutex_lock(&hcx_target_lock);
	list_for_each_entry_safe(conn, tmp, &hcx_target_conns, list) {
		if (!match(conn, arg))
			continue;
		conn->claimed = true;
		list_move(&conn->list, &doomed);
		hcx_channel_shutdown(&conn->ch);
	}
	mutex_unlock(&hcx_target_lock);
	list_for_each_entry_safe(conn, tmp, &doomed, list) {
		flush_work(&conn->work);
		hcx_target_conn_free(conn);
	}
}

static bool hcx_target_of_dev(struct hcx_target_conn *conn, const void *dev)
{
	return conn->dev == dev;
}

/* Close a listener, and end the handshakes of its device. */
void hcx_target_unlisten(struct hcx_listener *l)
{
	struct sock *sk = l->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = l->data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	cancel_work_sync(&l->work);
	sock_release(l->sock);
	hcx_target_stop(hcx_target_of_dev, l->dev);
	kfree(l);
}

static bool hcx_target_of_disk(struct hcx_target_conn *conn,
			       const void *disk)
{
	return conn->disk == disk;
}

/* End the connections that write DISK; its role changes or it goes. */
void hcx_target_disconnect(struct hcx_disk *disk)
{
	hcx_target_stop(hcx_target_of_disk, disk);
}

static bool hcx_target_of_net(struct hcx_target_conn *conn, const void *net)
{
	return net_eq(read_pnet(&conn->net), net);
}

/**
 * hcx_target_net_gone - end the connections of a namespace that goes
 * @net: the namespace, its disks and devices gone
 *
 * A kernel socket holds no reference on its namespace.  A connection
 * between two hellos holds neither a disk nor a device, so neither's end
 * ends it; without this it would outlive its namespace when the source's
 * close never reached it.
 */
void hcx_target_net_gone(struct net *net)
{
	hcx_target_stop(hcx_target_of_net, net);
}

unsigned int hcx_target_connections(struct hcx_disk *disk)
{
	struct hcx_target_conn *conn;
	unsigned int n = 0;

	mutex_lock(&hcx_target_lock);
	list_for_each_entry(conn, &hcx_target_conns, list)
		n += conn->disk == disk;
	mutex_unlock(&hcx_target_lock);
	return n;
}

static bool hcx_target_any(struct hcx_target_conn *conn, const void *arg)
{
	return true;
}

/* Devices and disks are gone: this only waits for the last ones. */
void hcx_target_uninit(void)
{
	hcx_target_stop(hcx_target_any, NULL);
}
