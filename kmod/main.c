// SPDX-License-Identifier: GPL-2.0
/*
 * hcxrepl: site-to-site replication appliance.  Module entry and exit.
 *
 * The handshake's crypto comes first, since devices use it; the link kind
 * is registered before the generic-netlink family so that the family never
 * sees a request for a kind that does not exist yet.  Exit runs in reverse.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "device.h"
#include "netlink.h"
#include "noise.h"

static int __init hcx_mod_init(void)
{
	int ret;

	ret = hcx_noise_init();
	if (ret)
		return ret;

	ret = hcx_device_init();
	if (ret)
		goto err_noise;

	ret = hcx_genl_init();
	if (ret)
		goto err_device;

	pr_info("site-to-site replication appliance loaded\n");
	return 0;

err_device:
	hcx_device_uninit();
err_noise:
	hcx_noise_uninit();
	return ret;
}

static void __exit hcx_mod_exit(void)
{
	hcx_genl_uninit();
	hcx_device_uninit();
	hcx_noise_uninit();
}

module_init(hcx_mod_init);
module_exit(hcx_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Site-to-site replication appliance: encrypted L2 interconnect and disk replication");
MODULE_AUTHOR("The hcxrepl developers");
MODULE_VERSION(HCXREPL_VERSION);
