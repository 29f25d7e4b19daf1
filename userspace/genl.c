// SPDX-License-Identifier: GPL-2.0
/*
 * Generic-netlink plumbing of the CLI: family resolution, requests, and
 * errors with their extended-ack messages (see genl.h).
 */

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/hcxrepl.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "genl.h"
#include "json.h"

/* The id of the "events" multicast group, from one group's attributes. */
static void events_group(const struct nlattr *grp, struct hcx_genl *g)
{
	const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = { 0 };
	const char *name;

	if (hcx_attr_parse_nested(grp, tb, CTRL_ATTR_MCAST_GRP_MAX) < 0)
		return;
	name = hcx_attr_str(tb[CTRL_ATTR_MCAST_GRP_NAME]);
	if (name && !strcmp(name, HCXREPL_MCGRP_EVENTS))
		g->events_group = hcx_attr_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1] = { 0 };
	struct hcx_genl *g = data;
	const struct nlattr *grp;

	if (hcx_attr_parse(nlh, tb, CTRL_ATTR_MAX) < 0)
		return MNL_CB_ERROR;
	g->family = hcx_attr_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_MCAST_GROUPS])
		mnl_attr_for_each_nested(grp, tb[CTRL_ATTR_MCAST_GROUPS])
			events_group(grp, g);
	return MNL_CB_OK;
}

/* Keep the message of an NLMSG_ERROR or NLMSG_DONE that carries one. */
static void keep_extack(struct hcx_genl *g, const struct nlmsghdr *nlh,
			size_t offset)
{
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	mnl_attr_for_each(attr, nlh, offset) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(g->extack, sizeof(g->extack), "%s",
				 mnl_attr_get_str(attr));
	}
}

/* An NLMSG_ERROR: 0 for an ack, else the negative errno. */
static int error_of(struct hcx_genl *g, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err)))
		return -EBADMSG;
	/* The socket caps acks: the message's TLVs follow struct nlmsgerr. */
	if (err->error)
		keep_extack(g, nlh, sizeof(*err));
	return err->error;
}

/* An NLMSG_DONE: 0, or the negative errno that ended the dump. */
static int done_of(struct hcx_genl *g, const struct nlmsghdr *nlh)
{
	int error = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(error))
		memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof(error));
	if (error)
		keep_extack(g, nlh, sizeof(error));
	return error;
}

int hcx_genl_talk(struct hcx_genl *g, struct nlmsghdr *nlh, mnl_cb_t cb,
		  void *data)
{
	unsigned int seq = nlh->nlmsg_seq;
	const struct nlmsghdr *msg;
	ssize_t len;
	int len_left;

	g->extack[0] = '\0';
	if (mnl_socket_sendto(g->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		len = mnl_socket_recvfrom(g->sock, g->buf, MNL_SOCKET_BUFFER_SIZE);
		if (len < 0)
			return -errno;
		msg = (const struct nlmsghdr *)g->buf;
		len_left = len;
		for (; mnl_nlmsg_ok(msg, len_left);
		     msg = mnl_nlmsg_next(msg, &len_left)) {
			if (!mnl_nlmsg_seq_ok(msg, seq) ||
			    !mnl_nlmsg_portid_ok(msg, g->portid))
				continue;
			if (msg->nlmsg_type == NLMSG_ERROR)
				return error_of(g, msg);
			/* A change after the last message marks the DONE. */
			if (msg->nlmsg_type == NLMSG_DONE)
				return done_of(g, msg) ?:
				       (msg->nlmsg_flags & NLM_F_DUMP_INTR ?
					-EAGAIN : 0);
			if (msg->nlmsg_flags & NLM_F_DUMP_INTR)
				return -EAGAIN;
			if (cb && cb(msg, data) < MNL_CB_OK)
				return -EBADMSG;
		}
	}
}

struct nlmsghdr *hcx_genl_request(struct hcx_genl *g, uint8_t cmd,
				  uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(g->buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = g->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++g->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = HCXREPL_FAMILY_VERSION;
	return nlh;
}

int hcx_nl_open(struct hcx_genl *g, int bus)
{
	int on = 1;

	memset(g, 0, sizeof(*g));
	g->buf = malloc(MNL_SOCKET_BUFFER_SIZE);
	g->sock = mnl_socket_open(bus);
	if (!g->buf || !g->sock || mnl_socket_bind(g->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "hcxrepl: cannot open a netlink socket: %s\n",
			strerror(errno));
		hcx_genl_close(g);
		return -1;
	}
	/* Ask for error messages, and for errors without the request echoed. */
	mnl_socket_setsockopt(g->sock, NETLINK_EXT_ACK, &on, sizeof(on));
	mnl_socket_setsockopt(g->sock, NETLINK_CAP_ACK, &on, sizeof(on));
	g->portid = mnl_socket_get_portid(g->sock);
	g->seq = time(NULL);
	return 0;
}

int hcx_genl_open(struct hcx_genl *g)
{
	struct nlmsghdr *nlh;
	int ret;

	if (hcx_nl_open(g, NETLINK_GENERIC) < 0)
		return -1;
	g->family = GENL_ID_CTRL;
	nlh = hcx_genl_request(g, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, HCXREPL_FAMILY_NAME);
	g->family = 0;
	ret = hcx_genl_talk(g, nlh, family_cb, g);
	if (ret == -ENOENT || (!ret && !g->family)) {
		fprintf(stderr, "hcxrepl: the hcxrepl kernel module is not loaded\n");
		goto err;
	}
	if (ret) {
		fprintf(stderr, "hcxrepl: cannot find the hcxrepl family: %s\n",
			hcx_genl_strerror(g, ret));
		goto err;
	}
	return 0;

err:
	hcx_genl_close(g);
	return -1;
}

void hcx_genl_close(struct hcx_genl *g)
{
	if (g->sock)
		mnl_socket_close(g->sock);
	free(g->buf);
	g->sock = NULL;
	g->buf = NULL;
}

const char *hcx_genl_strerror(const struct hcx_genl *g, int err)
{
	return g->extack[0] ? g->extack : strerror(-err);
}

struct attr_table {
	const struct nlattr **tb;
	unsigned int max;
};

static int attr_table_cb(const struct nlattr *attr, void *data)
{
	struct attr_table *t = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type <= t->max)
		t->tb[type] = attr;
	return MNL_CB_OK;
}

int hcx_attr_parse_at(const struct nlmsghdr *nlh, unsigned int offset,
		      const struct nlattr **tb, unsigned int max)
{
	struct attr_table t = { tb, max };

	return mnl_attr_parse(nlh, offset, attr_table_cb, &t);
}

int hcx_attr_parse(const struct nlmsghdr *nlh, const struct nlattr **tb,
		   unsigned int max)
{
	return hcx_attr_parse_at(nlh, sizeof(struct genlmsghdr), tb, max);
}

int hcx_attr_parse_nested(const struct nlattr *nest, const struct nlattr **tb,
			  unsigned int max)
{
	struct attr_table t = { tb, max };

	return nest ? mnl_attr_parse_nested(nest, attr_table_cb, &t) : 0;
}

const struct nlattr *hcx_attr_sized(const struct nlattr *attr, size_t len)
{
	return attr && mnl_attr_get_payload_len(attr) == len ? attr : NULL;
}

uint8_t hcx_attr_u8(const struct nlattr *attr)
{
	return hcx_attr_sized(attr, 1) ? mnl_attr_get_u8(attr) : 0;
}

uint16_t hcx_attr_u16(const struct nlattr *attr)
{
	return hcx_attr_sized(attr, 2) ? mnl_attr_get_u16(attr) : 0;
}

uint32_t hcx_attr_u32(const struct nlattr *attr)
{
	return hcx_attr_sized(attr, 4) ? mnl_attr_get_u32(attr) : 0;
}

uint64_t hcx_attr_u64(const struct nlattr *attr)
{
	return hcx_attr_sized(attr, 8) ? mnl_attr_get_u64(attr) : 0;
}

const char *hcx_attr_str(const struct nlattr *attr)
{
	if (!attr || mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return NULL;
	return mnl_attr_get_str(attr);
}

int hcx_genl_show(const struct hcx_show *show, mnl_cb_t cb, void *data)
{
	struct nlmsghdr *nlh;
	struct hcx_genl g;
	int ret;

	if (hcx_genl_open(&g) < 0)
		return 1;
	nlh = hcx_genl_request(&g, show->cmd, show->name ? 0 : NLM_F_DUMP);
	if (show->name)
		mnl_attr_put_strz(nlh, show->attr, show->name);
	if (show->json)
		json_array_start(NULL);
	ret = hcx_genl_talk(&g, nlh, cb, data);
	if (show->json) {
		json_array_end();
		json_done();
	}
	if (ret == -EAGAIN)
		fprintf(stderr, "hcxrepl: %s: %s changed during the listing; run it again\n",
			show->what, show->objects);
	else if (ret)
		fprintf(stderr, "hcxrepl: %s%s%s: %s\n", show->what,
			show->name ? " " : "", show->name ?: "",
			hcx_genl_strerror(&g, ret));
	hcx_genl_close(&g);
	return ret ? 1 : 0;
}
