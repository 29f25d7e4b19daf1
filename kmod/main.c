// SPDX-License-Identifier: GPL-2.0
/*
 * hcxrepl: site-to-site replication appliance.  Module entry and exit.
 *
 * The module's workqueues and the handshake's crypto come first, since
 * devices and disks use them; the disks' block major and the link kind are
 * registered before the generic-netlink family, so that the family never
 * sees a request for something that does not exist yet.  Exit removes the
 * family, then the disks (stopping their streams), then the devices
 * (closing their listeners and the connections still in handshake).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/workqueue.h>

#include "channel.h"
#include "device.h"
#include "disk.h"
#include "netlink.h"
#include "noise.h"
#include "target.h"
#include "wanopt.h"

struct workqueue_struct *hcx_wq;
struct workqueue_struct *hcx_channel_wq;
struct workqueue_struct *hcx_prep_wq;

static int __init hcx_mod_init(void)
{
	int ret;

	/* Unbound: handshakes should not queue behind one busy CPU. */
	hcx_wq = alloc_workqueue("hcxrepl", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!hcx_wq)
		return -ENOMEM;
	/* Replication streams block on sockets and disks for long. */
	hcx_channel_wq = alloc_workqueue("hcxrepl_channel", WQ_UNBOUND, 0);
	if (!hcx_channel_wq) {
		ret = -ENOMEM;
		goto err_wq;
	}
	/* Records prepared for sending: CPU work, spread over every CPU. */
	hcx_prep_wq = alloc_workqueue("hcxrepl_prep", WQ_UNBOUND, 0);
	if (!hcx_prep_wq) {
		ret = -ENOMEM;
		goto err_channel_wq;
	}

	ret = hcx_noise_init();
	if (ret)
		goto err_prep_wq;

	ret = hcx_wanopt_init();
	if (ret)
		goto err_noise;

	ret = hcx_disk_init();
	if (ret)
		goto err_wanopt;

	ret = hcx_device_init();
	if (ret)
		goto err_disk;

	ret = hcx_genl_init();
	if (ret)
		goto err_device;

	pr_info("site-to-site replication appliance loaded\n");
	return 0;

err_device:
	hcx_device_uninit();
err_disk:
	hcx_disk_uninit();
err_wanopt:
	hcx_wanopt_uninit();
err_noise:
	hcx_noise_uninit();
err_prep_wq:
	destroy_workqueue(hcx_prep_wq);
err_channel_wq:
	destroy_workqueue(hcx_channel_wq);
err_wq:
	destroy_workqueue(hcx_wq);
	return ret;
}

static void __exit hcx_mod_exit(void)
{
	hcx_genl_uninit();
	/* Disks first: their streams connect through the devices. */
	hcx_disk_uninit();
	hcx_device_uninit();
	hcx_target_uninit();
	destroy_workqueue(hcx_channel_wq);
	destroy_workqueue(hcx_prep_wq);
	/* Sessions are freed by work queued after a grace period. */
	rcu_barrier();
	destroy_workqueue(hcx_wq);
	hcx_wanopt_uninit();
	hcx_noise_uninit();
}

module_init(hcx_mod_init);
module_exit(hcx_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Site-to-site replication appliance: encrypted L2 interconnect and disk replication");
MODULE_AUTHOR("The hcxrepl developers");
MODULE_VERSION(HCXREPL_VERSION);
MODULE_SOFTDEP("pre: tcp_bbr");
