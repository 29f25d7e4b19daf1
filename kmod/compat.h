/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernel APIs of Linux 6.1 and 6.12, the two Debian
 * kernels hcxrepl supports.  Every version test lives here; the rest of the
 * module calls these helpers and stays free of #if.
 */
#ifndef _HCX_COMPAT_H
#define _HCX_COMPAT_H

#include <linux/version.h>
#include <net/genetlink.h>

/* The attributes of a dump request: 6.2 moved them into a genl_info. */
static inline struct nlattr **hcx_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	return genl_dumpit_info(cb)->info.attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#endif /* _HCX_COMPAT_H */
