// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink requests of plans (see link.h): what ip-link(8) would do for
 * "ip link show NAME", "ip link add NAME type KIND" and "ip link set DEV
 * master BRIDGE up", without running it.
 */

#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>

#include "genl.h"
#include "link.h"

/* A request of TYPE about the link of IFINDEX (0: named by IFLA_IFNAME). */
static struct nlmsghdr *link_request(struct hcx_genl *rt, uint16_t type,
				     uint16_t flags, unsigned int ifindex)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	/* libmnl leaves the attributes' padding as it finds it: zero it. */
	memset(rt->buf, 0, MNL_SOCKET_BUFFER_SIZE);
	nlh = mnl_nlmsg_put_header(rt->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++rt->seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nlh;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	const struct nlattr *info[IFLA_INFO_MAX + 1] = { 0 };
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct hcx_link *link = data;
	const char *kind;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi) ||
	    hcx_attr_parse_at(nlh, sizeof(*ifi), tb, IFLA_MAX) < 0 ||
	    hcx_attr_parse_nested(tb[IFLA_LINKINFO], info, IFLA_INFO_MAX) < 0)
		return MNL_CB_ERROR;
	link->ifindex = ifi->ifi_index;
	link->flags = ifi->ifi_flags;
	link->master = hcx_attr_u32(tb[IFLA_MASTER]);
	kind = hcx_attr_str(info[IFLA_INFO_KIND]);
	snprintf(link->kind, sizeof(link->kind), "%s", kind ?: "");
	return MNL_CB_OK;
}

int hcx_link_get(struct hcx_genl *rt, const char *name, struct hcx_link *link)
{
	struct nlmsghdr *nlh = link_request(rt, RTM_GETLINK, 0, 0);

	memset(link, 0, sizeof(*link));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return hcx_genl_talk(rt, nlh, link_cb, link);
}

int hcx_link_create(struct hcx_genl *rt, const char *name, const char *kind)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = link_request(rt, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	nest = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	mnl_attr_nest_end(nlh, nest);
	return hcx_genl_talk(rt, nlh, NULL, NULL);
}

int hcx_link_join_up(struct hcx_genl *rt, unsigned int ifindex,
		     unsigned int master)
{
	struct nlmsghdr *nlh = link_request(rt, RTM_NEWLINK, 0, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	if (master)
		mnl_attr_put_u32(nlh, IFLA_MASTER, master);
	return hcx_genl_talk(rt, nlh, NULL, NULL);
}
