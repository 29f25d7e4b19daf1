/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "hcxrepl" generic-netlink family.
 */
#ifndef _HCX_NETLINK_H
#define _HCX_NETLINK_H

int hcx_genl_init(void);
void hcx_genl_uninit(void);

#endif /* _HCX_NETLINK_H */
