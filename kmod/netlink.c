// SPDX-License-Identifier: GPL-2.0
/*
 * The "hcxrepl" generic-netlink family: configuration and state of
 * interconnect devices, their peer, and replicated disks.
 *
 * The attribute policies and the operation table are generated from
 * Documentation/netlink/specs/hcxrepl.yaml into netlink_gen.c; this file
 * registers the family and implements the handlers.
 *
 * Locking: handlers run in parallel (parallel_ops).  A handler that works
 * on one device holds a reference to its netdevice and takes its
 * conf_lock; dev-set takes RTNL first, since a new listen port moves the
 * sockets of a running device; the device dump walks the namespace's
 * devices under RTNL and takes each conf_lock inside it (RTNL, then
 * conf_lock).
 */

#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "compat.h"
#include "device.h"
#include "disk.h"
#include "mss.h"
#include "target.h"
#include "netlink.h"
#include "netlink_gen.h"

/*
 * The generator keeps the multicast group table static, for families whose
 * genl_family it also generates.  A genetlink-legacy family (6.1 has no
 * split ops) registers its genl_family here, so the table must be in this
 * translation unit: include the generated source rather than link it.
 */
#include "netlink_gen.c"

static struct genl_family hcx_genl_family;

/* A reference to the hcxrepl device that ATTRS names, or an extack error. */
static struct hcx_device *hcx_device_from_attrs(struct net *net,
						struct nlattr **attrs,
						struct netlink_ext_ack *extack)
{
	struct nlattr *ifindex = attrs[HCXREPL_A_DEVICE_IFINDEX];
	struct nlattr *ifname = attrs[HCXREPL_A_DEVICE_IFNAME];
	struct net_device *dev;

	if (!ifindex && !ifname) {
		NL_SET_ERR_MSG(extack, "Name the device with ifindex or ifname");
		return ERR_PTR(-EINVAL);
	}
	if (ifindex)
		dev = dev_get_by_index(net, nla_get_u32(ifindex));
	else
		dev = dev_get_by_name(net, nla_data(ifname));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, ifindex ?: ifname,
				    "No such device");
		return ERR_PTR(-ENODEV);
	}
	if (ifindex && ifname && nla_strcmp(ifname, dev->name)) {
		NL_SET_ERR_MSG_ATTR(extack, ifname,
				    "ifindex and ifname name different devices");
		dev_put(dev);
		return ERR_PTR(-EINVAL);
	}
	if (!hcx_is_device(dev)) {
		NL_SET_ERR_MSG_ATTR(extack, ifindex ?: ifname,
				    "Not an hcxrepl device");
		dev_put(dev);
		return ERR_PTR(-EOPNOTSUPP);
	}
	return netdev_priv(dev);
}

static void hcx_device_put(struct hcx_device *hcx)
{
	dev_put(hcx->dev);
}

static int hcx_put_drop_stats(struct sk_buff *skb, struct hcx_device *hcx)
{
	static const struct {
		enum hcx_drop_reason reason;
		int attr;
	} map[] = {
		{ HCX_DROP_RX_BAD_AUTH, HCXREPL_A_DEVICE_STATS_RX_BAD_AUTH },
		{ HCX_DROP_RX_REPLAY, HCXREPL_A_DEVICE_STATS_RX_REPLAY },
		{ HCX_DROP_RX_UNKNOWN_SESSION,
		  HCXREPL_A_DEVICE_STATS_RX_UNKNOWN_SESSION },
		{ HCX_DROP_RX_MALFORMED, HCXREPL_A_DEVICE_STATS_RX_MALFORMED },
		{ HCX_DROP_RX_OVERSIZED, HCXREPL_A_DEVICE_STATS_RX_OVERSIZED },
		{ HCX_DROP_RX_HANDSHAKE_RATELIMITED,
		  HCXREPL_A_DEVICE_STATS_RX_HANDSHAKE_RATELIMITED },
		{ HCX_DROP_TX_NO_SESSION, HCXREPL_A_DEVICE_STATS_TX_NO_SESSION },
		{ HCX_DROP_TX_OVERSIZED, HCXREPL_A_DEVICE_STATS_TX_OVERSIZED },
		{ HCX_DROP_RX_HANDSHAKE_INVALID,
		  HCXREPL_A_DEVICE_STATS_RX_HANDSHAKE_INVALID },
		{ HCX_DROP_TX_UNREACHABLE,
		  HCXREPL_A_DEVICE_STATS_TX_UNREACHABLE },
		{ HCX_DROP_RX_QUEUE_FULL, HCXREPL_A_DEVICE_STATS_RX_QUEUE_FULL },
		{ HCX_DROP_TX_QUEUE_FULL, HCXREPL_A_DEVICE_STATS_TX_QUEUE_FULL },
		{ HCX_DROP_RX_CHANNEL_REPLAY,
		  HCXREPL_A_DEVICE_STATS_RX_CHANNEL_REPLAY },
		{ HCX_DROP_RX_CHANNEL_TIMEOUT,
		  HCXREPL_A_DEVICE_STATS_RX_CHANNEL_TIMEOUT },
		{ HCX_DROP_RX_CHANNEL_EVICTED,
		  HCXREPL_A_DEVICE_STATS_RX_CHANNEL_EVICTED },
	};
	struct nlattr *nest;
	int i;

	BUILD_BUG_ON(ARRAY_SIZE(map) != HCX_DROP_MAX);

	nest = nla_nest_start(skb, HCXREPL_A_DEVICE_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (nla_put_u64_64bit(skb, map[i].attr,
				      hcx_drop_read(&hcx->drops, map[i].reason),
				      HCXREPL_A_DEVICE_STATS_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	nla_nest_end(skb, nest);
	return 0;
}

/* What netlink shows of the peer: a snapshot taken under its locks. */
struct hcx_peer_view {
	union hcx_endpoint endpoint;
	u8 preshared_key[HCXREPL_KEY_LEN];
	u8 session_state;
	struct rtnl_link_stats64 stats;
};

static void hcx_peer_view(struct hcx_peer *peer, struct hcx_peer_view *view)
{
	struct hcx_session *session;

	read_lock_bh(&peer->endpoint_lock);
	view->endpoint = peer->endpoint;
	read_unlock_bh(&peer->endpoint_lock);

	mutex_lock(&peer->handshake_lock);
	memcpy(view->preshared_key, peer->preshared_key, HCXREPL_KEY_LEN);
	view->session_state = peer->pending ? HCXREPL_SESSION_STATE_HANDSHAKING :
					      HCXREPL_SESSION_STATE_NONE;
	mutex_unlock(&peer->handshake_lock);
	session = hcx_sessions_sending(&peer->sessions);
	if (session)
		view->session_state = HCXREPL_SESSION_STATE_ESTABLISHED;
	hcx_session_put(session);

	memset(&view->stats, 0, sizeof(view->stats));
	dev_fetch_sw_netstats(&view->stats, peer->tstats);
}

static int hcx_put_peer(struct sk_buff *skb, struct hcx_device *hcx,
			bool secrets)
{
	struct hcx_peer_view view;
	const union hcx_endpoint *ep = &view.endpoint;
	struct hcx_peer *peer;
	struct nlattr *nest;
	int ret = -EMSGSIZE;

	peer = rcu_dereference_protected(hcx->peer,
					 lockdep_is_held(&hcx->conf_lock));
	if (!peer)
		return 0;
	hcx_peer_view(peer, &view);
	nest = nla_nest_start(skb, HCXREPL_A_DEVICE_PEER);
	if (!nest)
		goto out;
	if (nla_put(skb, HCXREPL_A_PEER_PUBLIC_KEY, HCXREPL_KEY_LEN,
		    peer->public_key) ||
	    (secrets && nla_put(skb, HCXREPL_A_PEER_PRESHARED_KEY,
				HCXREPL_KEY_LEN, view.preshared_key)) ||
	    (ep->addr.sa_family == AF_INET &&
	     (nla_put_in_addr(skb, HCXREPL_A_PEER_ENDPOINT_IPV4,
			      ep->addr4.sin_addr.s_addr) ||
	      nla_put_be16(skb, HCXREPL_A_PEER_ENDPOINT_PORT,
			   ep->addr4.sin_port))) ||
	    (ep->addr.sa_family == AF_INET6 &&
	     (nla_put_in6_addr(skb, HCXREPL_A_PEER_ENDPOINT_IPV6,
			       &ep->addr6.sin6_addr) ||
	      nla_put_be16(skb, HCXREPL_A_PEER_ENDPOINT_PORT,
			   ep->addr6.sin6_port))) ||
	    nla_put_u16(skb, HCXREPL_A_PEER_PERSISTENT_KEEPALIVE,
			READ_ONCE(peer->persistent_keepalive)) ||
	    nla_put_u8(skb, HCXREPL_A_PEER_SESSION_STATE, view.session_state) ||
	    nla_put_u64_64bit(skb, HCXREPL_A_PEER_LAST_HANDSHAKE_NS,
			      READ_ONCE(peer->last_handshake_ns),
			      HCXREPL_A_PEER_PAD) ||
	    nla_put_u64_64bit(skb, HCXREPL_A_PEER_RX_BYTES,
			      view.stats.rx_bytes, HCXREPL_A_PEER_PAD) ||
	    nla_put_u64_64bit(skb, HCXREPL_A_PEER_TX_BYTES,
			      view.stats.tx_bytes, HCXREPL_A_PEER_PAD) ||
	    nla_put_u64_64bit(skb, HCXREPL_A_PEER_RX_PACKETS,
			      view.stats.rx_packets, HCXREPL_A_PEER_PAD) ||
	    nla_put_u64_64bit(skb, HCXREPL_A_PEER_TX_PACKETS,
			      view.stats.tx_packets, HCXREPL_A_PEER_PAD)) {
		nla_nest_cancel(skb, nest);
		goto out;
	}
	nla_nest_end(skb, nest);
	ret = 0;
out:
	memzero_explicit(view.preshared_key, sizeof(view.preshared_key));
	return ret;
}

/* Put the replication rate limit: the default, the windows, what holds now. */
static int hcx_put_rate(struct sk_buff *skb, struct hcx_device *hcx)
{
	const struct hcx_rate_window *w;
	struct hcx_rate_conf conf;
	struct nlattr *nest;
	unsigned int i;

	hcx_rate_conf(hcx->rate, &conf);
	if (nla_put_u64_64bit(skb, HCXREPL_A_DEVICE_RATE_BPS, conf.bps,
			      HCXREPL_A_DEVICE_PAD) ||
	    nla_put_u64_64bit(skb, HCXREPL_A_DEVICE_RATE_NOW_BPS,
			      hcx_rate_now_bps(hcx->rate), HCXREPL_A_DEVICE_PAD))
		return -EMSGSIZE;
	for (i = 0; i < conf.nr_windows; i++) {
		w = &conf.windows[i];
		nest = nla_nest_start(skb, HCXREPL_A_DEVICE_RATE_WINDOW);
		if (!nest)
			return -EMSGSIZE;
		if (nla_put_u16(skb, HCXREPL_A_RATE_WINDOW_START, w->start) ||
		    nla_put_u16(skb, HCXREPL_A_RATE_WINDOW_END, w->end) ||
		    nla_put_u64_64bit(skb, HCXREPL_A_RATE_WINDOW_RATE_BPS,
				      w->bps, HCXREPL_A_RATE_WINDOW_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(skb, nest);
	}
	return 0;
}

/* Fill one device message; the caller holds a reference to the device. */
static int hcx_fill_device(struct sk_buff *skb, struct hcx_device *hcx,
			   bool secrets)
{
	struct hcx_identity *identity;
	struct hcx_peer *peer;
	int ret = -EMSGSIZE;

	mutex_lock(&hcx->conf_lock);
	peer = rcu_dereference_protected(hcx->peer,
					 lockdep_is_held(&hcx->conf_lock));
	if (nla_put_u32(skb, HCXREPL_A_DEVICE_IFINDEX, hcx->dev->ifindex) ||
	    nla_put_string(skb, HCXREPL_A_DEVICE_IFNAME, hcx->dev->name) ||
	    nla_put_u16(skb, HCXREPL_A_DEVICE_LISTEN_PORT, hcx->listen_port))
		goto out;
	identity = hcx_device_identity(hcx);
	if (identity) {
		if (nla_put(skb, HCXREPL_A_DEVICE_PUBLIC_KEY, HCXREPL_KEY_LEN,
			    identity->public_key))
			goto out;
		if (secrets && nla_put(skb, HCXREPL_A_DEVICE_PRIVATE_KEY,
				       HCXREPL_KEY_LEN, identity->private_key))
			goto out;
	}
	ret = hcx_put_peer(skb, hcx, secrets) ?: hcx_put_drop_stats(skb, hcx) ?:
	      hcx_put_rate(skb, hcx);
	if (!ret && (nla_put_u64_64bit(skb, HCXREPL_A_DEVICE_DEDUP_CACHE_BYTES,
				       hcx->dedup_cache, HCXREPL_A_DEVICE_PAD) ||
		     nla_put_u16(skb, HCXREPL_A_DEVICE_MSS_CLAMP, hcx->mss_clamp) ||
		     nla_put_u16(skb, HCXREPL_A_DEVICE_MSS_CLAMP_NOW,
				 hcx_mss_now(hcx, peer))))
		ret = -EMSGSIZE;
out:
	mutex_unlock(&hcx->conf_lock);
	return ret;
}

int hcxrepl_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	bool secrets = nla_get_flag(info->attrs[HCXREPL_A_DEVICE_SECRETS]);
	struct hcx_device *hcx;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	hcx = hcx_device_from_attrs(genl_info_net(info), info->attrs,
				    info->extack);
	if (IS_ERR(hcx))
		return PTR_ERR(hcx);

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out_put;
	}
	hdr = genlmsg_put_reply(msg, info, &hcx_genl_family, 0,
				HCXREPL_CMD_DEV_GET);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto out_free;
	}
	ret = hcx_fill_device(msg, hcx, secrets);
	if (ret)
		goto out_free;
	genlmsg_end(msg, hdr);
	hcx_device_put(hcx);
	return genlmsg_reply(msg, info);

out_free:
	nlmsg_free(msg);
out_put:
	hcx_device_put(hcx);
	return ret;
}

/*
 * The dump cursor is the position among the namespace's hcxrepl devices
 * (cb->args[0]); a device added or removed between two parts of the dump
 * changes dev_base_seq and marks the dump NLM_F_DUMP_INTR.
 */
int hcxrepl_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = hcx_dump_attrs(cb);
	bool secrets = nla_get_flag(attrs[HCXREPL_A_DEVICE_SECRETS]);
	struct net *net = sock_net(skb->sk);
	long skip = cb->args[0], idx = 0;
	struct net_device *dev;
	int ret = 0;

	if (attrs[HCXREPL_A_DEVICE_IFINDEX] || attrs[HCXREPL_A_DEVICE_IFNAME]) {
		NL_SET_ERR_MSG(cb->extack,
			       "A dump lists every device; get one without NLM_F_DUMP");
		return -EINVAL;
	}

	rtnl_lock();
	cb->seq = net->dev_base_seq;
	for_each_netdev(net, dev) {
		void *hdr;

		if (!hcx_is_device(dev))
			continue;
		if (idx++ < skip)
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &hcx_genl_family,
				  NLM_F_MULTI, HCXREPL_CMD_DEV_GET);
		if (!hdr) {
			ret = -EMSGSIZE;
			break;
		}
		genl_dump_check_consistent(cb, hdr);
		ret = hcx_fill_device(skb, netdev_priv(dev), secrets);
		if (ret) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = idx;
	}
	rtnl_unlock();

	/* A full skb ends this part; the next one resumes at the cursor. */
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ?: skb->len;
}

/*
 * Validate the peer nest of a dev-set request into CFG; nothing changes
 * here.  Attributes that only replies carry are refused.
 */
static int hcx_peer_config_from_attr(struct hcx_peer_config *cfg,
				     struct nlattr *nest,
				     struct netlink_ext_ack *extack)
{
	static const int read_only[] = {
		HCXREPL_A_PEER_SESSION_STATE, HCXREPL_A_PEER_LAST_HANDSHAKE_NS,
		HCXREPL_A_PEER_RX_BYTES, HCXREPL_A_PEER_TX_BYTES,
		HCXREPL_A_PEER_RX_PACKETS, HCXREPL_A_PEER_TX_PACKETS,
	};
	struct nlattr *tb[HCXREPL_A_PEER_MAX + 1];
	struct nlattr *v4, *v6, *port;
	int i, ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->keepalive = -1;
	ret = nla_parse_nested(tb, HCXREPL_A_PEER_MAX, nest,
			       hcxrepl_peer_nl_policy, extack);
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(read_only); i++)
		if (tb[read_only[i]]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[read_only[i]],
					    "Attribute is read-only");
			return -EINVAL;
		}

	cfg->remove = nla_get_flag(tb[HCXREPL_A_PEER_REMOVE]);
	if (tb[HCXREPL_A_PEER_PUBLIC_KEY])
		cfg->public_key = nla_data(tb[HCXREPL_A_PEER_PUBLIC_KEY]);
	if (tb[HCXREPL_A_PEER_PRESHARED_KEY])
		cfg->preshared_key = nla_data(tb[HCXREPL_A_PEER_PRESHARED_KEY]);
	if (tb[HCXREPL_A_PEER_PERSISTENT_KEEPALIVE])
		cfg->keepalive =
			nla_get_u16(tb[HCXREPL_A_PEER_PERSISTENT_KEEPALIVE]);

	v4 = tb[HCXREPL_A_PEER_ENDPOINT_IPV4];
	v6 = tb[HCXREPL_A_PEER_ENDPOINT_IPV6];
	port = tb[HCXREPL_A_PEER_ENDPOINT_PORT];
	if (v4 && v6) {
		NL_SET_ERR_MSG_ATTR(extack, v6,
				    "An endpoint is IPv4 or IPv6, not both");
		return -EINVAL;
	}
	if (!(v4 || v6) != !port) {
		NL_SET_ERR_MSG_ATTR(extack, port ?: v4 ?: v6,
				    "An endpoint needs an address and a port");
		return -EINVAL;
	}
	if (port && !nla_get_be16(port)) {
		NL_SET_ERR_MSG_ATTR(extack, port, "Endpoint port 0");
		return -EINVAL;
	}
	if (v4) {
		cfg->endpoint.addr4.sin_family = AF_INET;
		cfg->endpoint.addr4.sin_addr.s_addr = nla_get_in_addr(v4);
		cfg->endpoint.addr4.sin_port = nla_get_be16(port);
	} else if (v6) {
		cfg->endpoint.addr6.sin6_family = AF_INET6;
		cfg->endpoint.addr6.sin6_addr = nla_get_in6_addr(v6);
		cfg->endpoint.addr6.sin6_port = nla_get_be16(port);
	}

	if (cfg->remove && (cfg->preshared_key || v4 || v6 ||
			    cfg->keepalive >= 0)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[HCXREPL_A_PEER_REMOVE],
				    "Removing the peer takes no other setting");
		return -EINVAL;
	}
	return 0;
}

/*
 * The rate limit a dev-set request sets, into CONF: 1 when it sets one, 0
 * when it leaves the limit alone, or a negative errno with an extack
 * message.  rate-bps replaces the whole limit, windows included.
 */
static int hcx_rate_conf_from_attrs(struct genl_info *info,
				    struct hcx_rate_conf *conf)
{
	struct nlattr *tb[HCXREPL_A_RATE_WINDOW_MAX + 1];
	struct nlattr *bps = info->attrs[HCXREPL_A_DEVICE_RATE_BPS];
	struct hcx_rate_window *w;
	struct nlattr *attr;
	int rem, ret;

	memset(conf, 0, sizeof(*conf));
	if (!bps) {
		if (!info->attrs[HCXREPL_A_DEVICE_RATE_WINDOW])
			return 0;
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[HCXREPL_A_DEVICE_RATE_WINDOW],
				    "A rate window comes with the rate it replaces");
		return -EINVAL;
	}
	conf->bps = nla_get_u64(bps);
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != HCXREPL_A_DEVICE_RATE_WINDOW)
			continue;
		if (conf->nr_windows == HCXREPL_RATE_WINDOWS_MAX) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "Too many rate windows");
			return -E2BIG;
		}
		ret = nla_parse_nested(tb, HCXREPL_A_RATE_WINDOW_MAX, attr,
				       hcxrepl_rate_window_nl_policy,
				       info->extack);
		if (ret)
			return ret;
		if (!tb[HCXREPL_A_RATE_WINDOW_START] ||
		    !tb[HCXREPL_A_RATE_WINDOW_END] ||
		    !tb[HCXREPL_A_RATE_WINDOW_RATE_BPS]) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "A rate window needs a start, an end and a rate");
			return -EINVAL;
		}
		w = &conf->windows[conf->nr_windows++];
		w->start = nla_get_u16(tb[HCXREPL_A_RATE_WINDOW_START]);
		w->end = nla_get_u16(tb[HCXREPL_A_RATE_WINDOW_END]);
		w->bps = nla_get_u64(tb[HCXREPL_A_RATE_WINDOW_RATE_BPS]);
	}
	switch (hcx_rate_conf_check(conf)) {
	case 0:
		return 1;
	case -ERANGE:
		NL_SET_ERR_MSG_ATTR(info->extack, bps,
				    "A rate limit is at least 100kbit");
		return -ERANGE;
	case -EEXIST:
		NL_SET_ERR_MSG_ATTR(info->extack, bps, "Rate windows overlap");
		return -EINVAL;
	default:
		NL_SET_ERR_MSG_ATTR(info->extack, bps,
				    "A rate window must not end where it starts");
		return -EINVAL;
	}
}

int hcxrepl_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *private_key = info->attrs[HCXREPL_A_DEVICE_PRIVATE_KEY];
	struct nlattr *port = info->attrs[HCXREPL_A_DEVICE_LISTEN_PORT];
	struct nlattr *peer = info->attrs[HCXREPL_A_DEVICE_PEER];
	struct nlattr *cache = info->attrs[HCXREPL_A_DEVICE_DEDUP_CACHE_BYTES];
	struct nlattr *mss = info->attrs[HCXREPL_A_DEVICE_MSS_CLAMP];
	struct hcx_identity *identity = NULL, *current_identity;
	struct hcx_sockets socks = { };
	u8 new_public[HCXREPL_KEY_LEN];
	const u8 *own_public, *peer_key;
	struct hcx_peer_config peer_cfg;
	struct hcx_rate_conf rate;
	char ifname[IFNAMSIZ];
	struct hcx_device *hcx;
	int set_rate, ret = 0;

	set_rate = hcx_rate_conf_from_attrs(info, &rate);
	if (set_rate < 0)
		return set_rate;
	if (cache && nla_get_u64(cache) < HCX_DEDUP_CACHE_MIN) {
		NL_SET_ERR_MSG_ATTR(info->extack, cache,
				    "The dedup cache takes at least 1 MiB");
		return -EINVAL;
	}
	if (cache && nla_get_u64(cache) > HCX_DEDUP_CACHE_MAX) {
		NL_SET_ERR_MSG_ATTR(info->extack, cache,
				    "The dedup cache takes at most 1 GiB");
		return -EINVAL;
	}
	if (mss && nla_get_u16(mss) != HCXREPL_MSS_CLAMP_AUTO &&
	    nla_get_u16(mss) < HCXREPL_MSS_CLAMP_MIN) {
		NL_SET_ERR_MSG_ATTR(info->extack, mss,
				    "An MSS clamp is at least 536 (0 is automatic)");
		return -EINVAL;
	}
	if (peer) {
		ret = hcx_peer_config_from_attr(&peer_cfg, peer, info->extack);
		if (ret)
			return ret;
		peer_cfg.replace =
			nla_get_flag(info->attrs[HCXREPL_A_DEVICE_REPLACE_PEER]);
	} else if (info->attrs[HCXREPL_A_DEVICE_REPLACE_PEER]) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[HCXREPL_A_DEVICE_REPLACE_PEER],
				    "replace-peer needs a peer");
		return -EINVAL;
	}

	hcx = hcx_device_from_attrs(genl_info_net(info), info->attrs,
				    info->extack);
	if (IS_ERR(hcx))
		return PTR_ERR(hcx);

	/* RTNL: a new port moves the sockets of a running device. */
	rtnl_lock();
	mutex_lock(&hcx->conf_lock);
	/* Deleted since the lookup: its peer and identity are gone for good. */
	if (hcx->dev->reg_state != NETREG_REGISTERED) {
		NL_SET_ERR_MSG(info->extack, "No such device");
		ret = -ENODEV;
		goto out;
	}
	/* Everything that can be refused is checked before anything changes. */
	if (private_key &&
	    hcx_key_public(new_public, nla_data(private_key))) {
		NL_SET_ERR_MSG_ATTR(info->extack, private_key,
				    "Invalid X25519 private key");
		ret = -EINVAL;
		goto out;
	}
	current_identity = hcx_device_identity(hcx);
	own_public = private_key ? new_public :
		     current_identity ? current_identity->public_key : NULL;
	peer_key = hcx_peer_key_after(hcx, peer ? &peer_cfg : NULL);
	if (own_public && peer_key &&
	    !memcmp(own_public, peer_key, HCXREPL_KEY_LEN)) {
		NL_SET_ERR_MSG(info->extack,
			       "The peer's public key is this site's own");
		ret = -EINVAL;
		goto out;
	}
	if (port && netif_running(hcx->dev) &&
	    nla_get_u16(port) != hcx->listen_port) {
		ret = hcx_socket_open(hcx, nla_get_u16(port), &socks);
		if (ret == -EADDRINUSE)
			NL_SET_ERR_MSG_ATTR(info->extack, port,
					    "Listen port in use");
		else if (ret)
			NL_SET_ERR_MSG_ATTR(info->extack, port,
					    "Cannot listen on this port");
		if (ret)
			goto out;
	}
	if (private_key) {
		identity = hcx_identity_new(nla_data(private_key), new_public);
		if (!identity) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (peer) {
		ret = hcx_peer_apply(hcx, &peer_cfg, info->extack);
		if (ret)
			goto out;
	}

	/* From here on nothing fails. */
	if (identity) {
		hcx_device_set_identity(hcx, identity);
		identity = NULL;
	}
	if (set_rate)
		hcx_rate_set(hcx->rate, &rate);
	if (cache) {
		WRITE_ONCE(hcx->dedup_cache, nla_get_u64(cache));
		strscpy(ifname, hcx->dev->name, sizeof(ifname));
	}
	if (mss)
		WRITE_ONCE(hcx->mss_clamp, nla_get_u16(mss));
	if (socks.sock4)
		hcx_device_rebind(hcx, &socks);
	else if (port && !netif_running(hcx->dev))
		hcx->listen_port = nla_get_u16(port);
out:
	mutex_unlock(&hcx->conf_lock);
	rtnl_unlock();
	/*
	 * The index the device's disks share starts again under the new cap.
	 * Without the memory for its table it keeps the old one, until an
	 * operation starts and tries again (hcx_pool_dedup_prepare()).
	 */
	if (!ret && cache &&
	    hcx_pool_dedup_resize(dev_net(hcx->dev), ifname,
				  nla_get_u64(cache)))
		net_warn_ratelimited("%s: no memory for a new dedup index yet\n",
				     ifname);
	hcx_socket_release(&socks);
	kfree_sensitive(identity);
	hcx_device_put(hcx);
	return ret;
}

static int hcx_put_disk_stats(struct sk_buff *skb, struct hcx_disk *disk)
{
	struct hcx_sync *sync = &disk->sync;
	const struct {
		int attr;
		u64 value;
	} map[] = {
		{ HCXREPL_A_DISK_STATS_LOGICAL_BYTES,
		  atomic64_read(&sync->logical_bytes) },
		{ HCXREPL_A_DISK_STATS_WIRE_BYTES,
		  atomic64_read(&sync->wire_bytes) },
		{ HCXREPL_A_DISK_STATS_ZERO_BYTES,
		  atomic64_read(&sync->zero_bytes) },
		{ HCXREPL_A_DISK_STATS_DEDUP_BYTES,
		  atomic64_read(&sync->dedup_bytes) },
		{ HCXREPL_A_DISK_STATS_COMPRESS_SAVED_BYTES,
		  atomic64_read(&sync->compress_saved_bytes) },
		{ HCXREPL_A_DISK_STATS_DEDUP_STALE,
		  atomic64_read(&sync->dedup_stale) },
		{ HCXREPL_A_DISK_STATS_VERIFY_MISMATCHES,
		  atomic64_read(&sync->verify_mismatches) },
		{ HCXREPL_A_DISK_STATS_VERIFY_SKIPPED,
		  atomic64_read(&sync->verify_skipped) },
		{ HCXREPL_A_DISK_STATS_RECONNECTS,
		  atomic64_read(&sync->reconnects) },
	};
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(skb, HCXREPL_A_DISK_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (nla_put_u64_64bit(skb, map[i].attr, map[i].value,
				      HCXREPL_A_DISK_STATS_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	nla_nest_end(skb, nest);
	return 0;
}

/* The options change under the disk's lock, which a reader does not take. */
static int hcx_put_wanopt(struct sk_buff *skb,
			  const struct hcx_wanopt_conf *conf)
{
	enum hcxrepl_compress compress = READ_ONCE(conf->compress);

	if (nla_put_u8(skb, HCXREPL_A_DISK_DEDUP, READ_ONCE(conf->dedup)) ||
	    nla_put_u8(skb, HCXREPL_A_DISK_COMPRESS, compress))
		return -EMSGSIZE;
	if (compress == HCXREPL_COMPRESS_ZSTD &&
	    nla_put_s32(skb, HCXREPL_A_DISK_COMPRESS_LEVEL,
			READ_ONCE(conf->level)))
		return -EMSGSIZE;
	return 0;
}

/* The disk's device: its name, and its index while a device has the name. */
static int hcx_put_disk_device(struct sk_buff *skb, struct hcx_disk *disk)
{
	struct net_device *dev;
	int ifindex;

	rcu_read_lock();
	dev = dev_get_by_name_rcu(read_pnet(&disk->net), disk->ifname);
	ifindex = dev ? dev->ifindex : 0;
	rcu_read_unlock();
	if (nla_put_string(skb, HCXREPL_A_DISK_IFNAME, disk->ifname) ||
	    (ifindex && nla_put_u32(skb, HCXREPL_A_DISK_IFINDEX, ifindex)))
		return -EMSGSIZE;
	return 0;
}

/*
 * Fill a message about DISK.  Lockless but for the sync engine's lock, so
 * that the engine's tick may call it: role, consistency and generation are
 * read once each.  A dump passes its callback: a change of cb->seq since
 * its previous message marks this one NLM_F_DUMP_INTR.
 */
static int hcx_fill_disk(struct sk_buff *skb, struct hcx_disk *disk, u32 portid,
			 u32 seq, int flags, u8 cmd, struct netlink_callback *cb)
{
	enum hcxrepl_disk_role role = READ_ONCE(disk->role);
	enum hcxrepl_disk_state state;
	u64 dirty, lag;
	char path[DISK_NAME_LEN + 6];
	void *hdr;

	if (role == HCXREPL_DISK_ROLE_SOURCE) {
		state = hcx_sync_state(disk);
		dirty = min(disk->size, hcx_bitmap_dirty(&disk->map) <<
					disk->chunk_shift);
		lag = hcx_sync_lag_bytes(disk);
	} else {
		state = hcx_target_connections(disk) ?
			HCXREPL_DISK_STATE_SYNCING : HCXREPL_DISK_STATE_IDLE;
		dirty = 0;
		lag = 0;
	}
	snprintf(path, sizeof(path), "/dev/%s", disk->gd->disk_name);
	hdr = genlmsg_put(skb, portid, seq, &hcx_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, HCXREPL_A_DISK_NAME, disk->name) ||
	    hcx_put_disk_device(skb, disk) ||
	    nla_put_u8(skb, HCXREPL_A_DISK_ROLE, role) ||
	    nla_put_u8(skb, HCXREPL_A_DISK_STATE, state) ||
	    nla_put_u8(skb, HCXREPL_A_DISK_CONSISTENT,
		       READ_ONCE(disk->consistent)) ||
	    nla_put_string(skb, HCXREPL_A_DISK_BACKING, disk->backing_path) ||
	    nla_put_string(skb, HCXREPL_A_DISK_DEVICE, path) ||
	    nla_put_u32(skb, HCXREPL_A_DISK_CHUNK_BYTES,
			hcx_chunk_bytes(disk)) ||
	    nla_put_u8(skb, HCXREPL_A_DISK_STREAMS,
		       READ_ONCE(disk->sync.nr_streams)) ||
	    nla_put_u8(skb, HCXREPL_A_DISK_PRIORITY,
		       READ_ONCE(disk->sync.priority)) ||
	    nla_put_u64_64bit(skb, HCXREPL_A_DISK_TOTAL_BYTES, disk->size,
			      HCXREPL_A_DISK_PAD) ||
	    nla_put_u64_64bit(skb, HCXREPL_A_DISK_DIRTY_BYTES, dirty,
			      HCXREPL_A_DISK_PAD) ||
	    nla_put_u64_64bit(skb, HCXREPL_A_DISK_SYNCED_BYTES,
			      disk->size - lag, HCXREPL_A_DISK_PAD) ||
	    nla_put_u64_64bit(skb, HCXREPL_A_DISK_THROUGHPUT_BPS,
			      READ_ONCE(disk->sync.throughput_bps),
			      HCXREPL_A_DISK_PAD) ||
	    nla_put_u64_64bit(skb, HCXREPL_A_DISK_LAG_BYTES, lag,
			      HCXREPL_A_DISK_PAD) ||
	    nla_put_u64_64bit(skb, HCXREPL_A_DISK_GENERATION_ID,
			      READ_ONCE(disk->gen_id), HCXREPL_A_DISK_PAD) ||
	    nla_put_u64_64bit(skb, HCXREPL_A_DISK_GENERATION_COUNTER,
			      READ_ONCE(disk->gen_seq), HCXREPL_A_DISK_PAD) ||
	    nla_put_u64_64bit(skb, HCXREPL_A_DISK_SWITCHOVER_TIME,
			      READ_ONCE(disk->switchover_at),
			      HCXREPL_A_DISK_PAD) ||
	    nla_put_u32(skb, HCXREPL_A_DISK_LAST_ERROR,
			-READ_ONCE(disk->sync.last_error)) ||
	    nla_put_u64_64bit(skb, HCXREPL_A_DISK_END_TIME,
			      READ_ONCE(disk->sync.end_ms), HCXREPL_A_DISK_PAD) ||
	    hcx_put_wanopt(skb, &disk->sync.wanopt) ||
	    hcx_put_disk_stats(skb, disk)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	/* Only a message that stays in the skb moves the dump's cb->prev_seq. */
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	genlmsg_end(skb, hdr);
	return 0;
}

/* Tell the events group that DISK changed state or made progress. */
void hcx_nl_disk_notify(struct hcx_disk *disk)
{
	struct net *net = read_pnet(&disk->net);
	struct sk_buff *skb;

	if (!genl_has_listeners(&hcx_genl_family, net, HCXREPL_NLGRP_EVENTS))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	if (hcx_fill_disk(skb, disk, 0, 0, 0, HCXREPL_CMD_DISK_CHANGE_NTF,
			  NULL)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_multicast_netns(&hcx_genl_family, net, skb, 0,
				HCXREPL_NLGRP_EVENTS, GFP_KERNEL);
}

/*
 * Apply a request's WAN optimization attributes to CONF.  A codec given
 * without a level gets the default level; a level goes with zstd only.
 * The policy checked the ranges.
 *
 * Return: 0, or -EINVAL with an extack message.
 */
static int hcx_wanopt_from_attrs(struct genl_info *info,
				 struct hcx_wanopt_conf *conf)
{
	struct nlattr *level = info->attrs[HCXREPL_A_DISK_COMPRESS_LEVEL];
	struct nlattr *compress = info->attrs[HCXREPL_A_DISK_COMPRESS];
	struct nlattr *dedup = info->attrs[HCXREPL_A_DISK_DEDUP];

	if (dedup)
		conf->dedup = nla_get_u8(dedup);
	if (compress) {
		conf->compress = nla_get_u8(compress);
		conf->level = HCX_ZSTD_LEVEL_DEFAULT;
	}
	if (level) {
		if (conf->compress != HCXREPL_COMPRESS_ZSTD) {
			NL_SET_ERR_MSG_ATTR(info->extack, level,
					    "A compression level goes with zstd only");
			return -EINVAL;
		}
		conf->level = nla_get_s32(level);
	}
	return 0;
}

/* A reference to the disk that the request's name attribute names. */
static struct hcx_disk *hcx_disk_from_info(struct genl_info *info)
{
	struct nlattr *name = info->attrs[HCXREPL_A_DISK_NAME];
	struct hcx_disk *disk;

	if (GENL_REQ_ATTR_CHECK(info, HCXREPL_A_DISK_NAME))
		return ERR_PTR(-EINVAL);
	disk = hcx_disk_get(genl_info_net(info), nla_data(name));
	if (!disk) {
		NL_SET_ERR_MSG_ATTR(info->extack, name, "No such disk");
		return ERR_PTR(-ENOENT);
	}
	return disk;
}

int hcxrepl_nl_disk_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct hcx_disk_conf conf = {
		.chunk_bytes = HCX_CHUNK_DEFAULT,
		.streams = HCX_STREAMS_DEFAULT,
		.priority = HCX_PRIORITY_DEFAULT,
		.wanopt = {
			.dedup = true,
			.compress = HCXREPL_COMPRESS_LZ4,
			.level = HCX_ZSTD_LEVEL_DEFAULT,
		},
	};
	struct net_device *dev;
	int ret;

	/*
	 * A disk opens its backing block device for reading and writing.
	 * Block devices are not namespaced: that takes CAP_SYS_ADMIN in the
	 * initial namespace, which the family's CAP_NET_ADMIN (a container's
	 * network administrator may hold it) does not imply.
	 */
	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG(info->extack,
			       "Opening a backing device needs CAP_SYS_ADMIN");
		return -EPERM;
	}
	if (GENL_REQ_ATTR_CHECK(info, HCXREPL_A_DISK_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, HCXREPL_A_DISK_IFINDEX) ||
	    GENL_REQ_ATTR_CHECK(info, HCXREPL_A_DISK_ROLE) ||
	    GENL_REQ_ATTR_CHECK(info, HCXREPL_A_DISK_BACKING))
		return -EINVAL;
	ret = hcx_wanopt_from_attrs(info, &conf.wanopt);
	if (ret)
		return ret;
	conf.name = nla_data(attrs[HCXREPL_A_DISK_NAME]);
	if (!hcx_disk_name_valid(conf.name)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[HCXREPL_A_DISK_NAME],
				    "A disk name is 1 to 63 letters, digits, '-', '_' or '.'");
		return -EINVAL;
	}
	conf.role = nla_get_u8(attrs[HCXREPL_A_DISK_ROLE]);
	if (conf.role != HCXREPL_DISK_ROLE_SOURCE &&
	    conf.role != HCXREPL_DISK_ROLE_TARGET) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[HCXREPL_A_DISK_ROLE],
				    "Role must be source or target");
		return -EINVAL;
	}
	conf.backing = nla_data(attrs[HCXREPL_A_DISK_BACKING]);
	if (attrs[HCXREPL_A_DISK_CHUNK_BYTES])
		conf.chunk_bytes = nla_get_u32(attrs[HCXREPL_A_DISK_CHUNK_BYTES]);
	if (attrs[HCXREPL_A_DISK_STREAMS])
		conf.streams = nla_get_u8(attrs[HCXREPL_A_DISK_STREAMS]);
	if (attrs[HCXREPL_A_DISK_PRIORITY])
		conf.priority = nla_get_u8(attrs[HCXREPL_A_DISK_PRIORITY]);

	dev = dev_get_by_index(genl_info_net(info),
			       nla_get_u32(attrs[HCXREPL_A_DISK_IFINDEX]));
	if (!dev || !hcx_is_device(dev)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[HCXREPL_A_DISK_IFINDEX],
				    "No hcxrepl device with that index");
		ret = dev ? -EOPNOTSUPP : -ENODEV;
		goto out;
	}
	/* The disk keeps the name; renames happen under the RTNL. */
	rtnl_lock();
	strscpy(conf.ifname, dev->name, sizeof(conf.ifname));
	rtnl_unlock();
	ret = hcx_disk_add(genl_info_net(info), &conf, info->extack);
out:
	dev_put(dev);
	return ret;
}

int hcxrepl_nl_disk_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, HCXREPL_A_DISK_NAME))
		return -EINVAL;
	return hcx_disk_del(genl_info_net(info),
			    nla_data(info->attrs[HCXREPL_A_DISK_NAME]),
			    info->extack);
}

int hcxrepl_nl_disk_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct hcx_disk *disk;
	struct sk_buff *msg;
	int ret;

	disk = hcx_disk_from_info(info);
	if (IS_ERR(disk))
		return PTR_ERR(disk);
	ret = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto out;
	ret = hcx_fill_disk(msg, disk, info->snd_portid, info->snd_seq, 0,
			    HCXREPL_CMD_DISK_GET, NULL);
	if (ret) {
		nlmsg_free(msg);
		goto out;
	}
	ret = genlmsg_reply(msg, info);
out:
	hcx_disk_put(disk);
	return ret;
}

/*
 * Dump the namespace's disks from the one the previous part stopped at
 * (cb->args[0]).  Each position is looked up anew, with the registry's
 * generation: a disk added or removed since the previous message marks the
 * next one, or the NLMSG_DONE, NLM_F_DUMP_INTR (a position may have
 * skipped or repeated a disk).
 */
int hcxrepl_nl_disk_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(cb->skb->sk);
	unsigned long start = cb->args[0], idx = start, gen;
	struct hcx_disk *disk;
	int ret = 0;

	if (hcx_dump_attrs(cb)[HCXREPL_A_DISK_NAME]) {
		NL_SET_ERR_MSG(cb->extack, "A dump takes no disk name");
		return -EINVAL;
	}
	for (;;) {
		disk = hcx_disk_get_nth(net, idx, &gen);
		/* Also at the end: the core checks it for the NLMSG_DONE. */
		cb->seq = gen;
		if (!disk)
			break;
		ret = hcx_fill_disk(skb, disk, NETLINK_CB(cb->skb).portid,
				    cb->nlh->nlmsg_seq, NLM_F_MULTI,
				    HCXREPL_CMD_DISK_GET, cb);
		hcx_disk_put(disk);
		if (ret)
			break;
		idx++;
	}
	cb->args[0] = idx;
	/* Full: the next part goes on, unless not even one disk fitted. */
	if (ret == -EMSGSIZE && idx > start)
		return skb->len;
	return ret ?: skb->len;
}

/* A disk-set request asks for more than a priority. */
static bool hcx_disk_set_asks_options(struct genl_info *info)
{
	static const int options[] = {
		HCXREPL_A_DISK_STREAMS, HCXREPL_A_DISK_DEDUP,
		HCXREPL_A_DISK_COMPRESS, HCXREPL_A_DISK_COMPRESS_LEVEL,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(options); i++)
		if (info->attrs[options[i]])
			return true;
	return false;
}

int hcxrepl_nl_disk_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *streams = info->attrs[HCXREPL_A_DISK_STREAMS];
	struct hcx_wanopt_conf wanopt;
	struct hcx_sync *sync;
	struct hcx_disk *disk;
	int ret;
	u8 n;

	disk = hcx_disk_from_info(info);
	if (IS_ERR(disk))
		return PTR_ERR(disk);
	sync = &disk->sync;
	mutex_lock(&disk->lock);
	wanopt = sync->wanopt;
	n = sync->nr_streams;
	ret = hcx_wanopt_from_attrs(info, &wanopt);
	if (ret)
		goto out;
	if (streams) {
		n = nla_get_u8(streams);
		if (!n || n > HCX_STREAMS_MAX) {
			NL_SET_ERR_MSG_ATTR(info->extack, streams,
					    "Streams must be 1 to 16");
			ret = -EINVAL;
			goto out;
		}
	}
	/*
	 * A priority changes at once: the lanes look at it whenever they take
	 * a disk.  Whatever else the request asks, it asks of the next
	 * operation.
	 */
	if (!hcx_disk_set_asks_options(info))
		goto priority;
	if (hcx_sync_running(disk)) {
		NL_SET_ERR_MSG(info->extack,
			       "Options change between operations only");
		ret = -EBUSY;
		goto out;
	}
	WRITE_ONCE(sync->nr_streams, n);
	WRITE_ONCE(sync->wanopt.dedup, wanopt.dedup);
	WRITE_ONCE(sync->wanopt.compress, wanopt.compress);
	WRITE_ONCE(sync->wanopt.level, wanopt.level);
priority:
	if (info->attrs[HCXREPL_A_DISK_PRIORITY]) {
		WRITE_ONCE(sync->priority,
			   nla_get_u8(info->attrs[HCXREPL_A_DISK_PRIORITY]));
		hcx_pool_kick(disk->pool);
	}
out:
	mutex_unlock(&disk->lock);
	hcx_disk_put(disk);
	return ret;
}

int hcxrepl_nl_disk_action_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct netlink_ext_ack *extack = info->extack;
	struct hcx_disk_request req = { .kind = HCXREPL_SYNC_KIND_DELTA };
	struct hcx_disk *disk;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, HCXREPL_A_DISK_ACTION))
		return -EINVAL;
	req.action = nla_get_u8(attrs[HCXREPL_A_DISK_ACTION]);
	if (attrs[HCXREPL_A_DISK_SYNC_KIND])
		req.kind = nla_get_u8(attrs[HCXREPL_A_DISK_SYNC_KIND]);
	if (attrs[HCXREPL_A_DISK_SWITCHOVER_TIME])
		req.switchover_at =
			nla_get_u64(attrs[HCXREPL_A_DISK_SWITCHOVER_TIME]);
	req.verify = nla_get_flag(attrs[HCXREPL_A_DISK_VERIFY]);
	if (req.kind > HCXREPL_SYNC_KIND_CHECKSUM) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[HCXREPL_A_DISK_SYNC_KIND],
				    "Unknown sync kind");
		return -EINVAL;
	}
	disk = hcx_disk_from_info(info);
	if (IS_ERR(disk))
		return PTR_ERR(disk);

	mutex_lock(&disk->lock);
	ret = hcx_disk_action(disk, &req, extack);
	mutex_unlock(&disk->lock);
	if (!ret)
		hcx_nl_disk_notify(disk);
	hcx_disk_put(disk);
	return ret;
}

static struct genl_family hcx_genl_family __ro_after_init = {
	.name		= HCXREPL_FAMILY_NAME,
	.version	= HCXREPL_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= hcxrepl_nl_ops,
	.n_ops		= ARRAY_SIZE(hcxrepl_nl_ops),
	.resv_start_op	= __HCXREPL_CMD_MAX,
	.mcgrps		= hcxrepl_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(hcxrepl_nl_mcgrps),
};

int __init hcx_genl_init(void)
{
	return genl_register_family(&hcx_genl_family);
}

void hcx_genl_uninit(void)
{
	genl_unregister_family(&hcx_genl_family);
}
