/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "hcxrepl" generic-netlink family.
 */
#ifndef _HCX_NETLINK_H
#define _HCX_NETLINK_H

struct hcx_disk;

int hcx_genl_init(void);
void hcx_genl_uninit(void);
void hcx_nl_disk_notify(struct hcx_disk *disk);

#endif /* _HCX_NETLINK_H */
