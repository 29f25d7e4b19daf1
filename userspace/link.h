/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few rtnetlink requests a plan needs: look a link up, create one of a
 * kind, and put it in a bridge and up.  They go over a conversation opened
 * with hcx_nl_open(g, NETLINK_ROUTE), so errors carry the kernel's extack
 * message as the family's do.
 */
#ifndef HCX_LINK_H
#define HCX_LINK_H

#include <net/if.h>
#include <stdbool.h>

struct hcx_genl;

struct hcx_link {
	unsigned int ifindex;
	unsigned int master;	/* the bridge (or bond) it is a port of; 0: none */
	unsigned int flags;	/* IFF_* */
	char kind[32];		/* IFLA_INFO_KIND: "bridge", "hcxrepl"; "" for none */
};

/* Return: 0, -ENODEV when there is no link NAME, or another -errno. */
int hcx_link_get(struct hcx_genl *rt, const char *name, struct hcx_link *link);
/* Create link NAME of KIND, down.  Return: 0 or -errno. */
int hcx_link_create(struct hcx_genl *rt, const char *name, const char *kind);
/* Make IFINDEX a port of MASTER (0: leave its master) and set it up. */
int hcx_link_join_up(struct hcx_genl *rt, unsigned int ifindex,
		     unsigned int master);

#endif /* HCX_LINK_H */
