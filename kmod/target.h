/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The target side of replication: the TCP listeners of a device and the
 * connections they accept.
 */
#ifndef _HCX_TARGET_H
#define _HCX_TARGET_H

#include <linux/types.h>

struct hcx_data_view;
struct hcx_disk;
struct hcx_listener;
struct hcx_rec_hello;
struct net;
struct net_device;

int hcx_target_listen(struct net_device *dev, int family, u16 port,
		      struct hcx_listener **listener);
void hcx_target_unlisten(struct hcx_listener *listener);
void hcx_target_disconnect(struct hcx_disk *disk);
void hcx_target_net_gone(struct net *net);
unsigned int hcx_target_connections(struct hcx_disk *disk);
void hcx_target_uninit(void);

/* The checks of what a source sends, for KUnit. */
int hcx_target_parse_hello(const struct hcx_rec_hello *hello, size_t len);
int hcx_target_check_data(const struct hcx_data_view *v, u64 source_size,
			  unsigned int chunk_shift, u32 disk_nr, u64 disk_size);

#endif /* _HCX_TARGET_H */
