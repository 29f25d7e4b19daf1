/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Disk commands of the CLI.
 */
#ifndef HCX_DISK_H
#define HCX_DISK_H

#include "device.h"

int hcx_cmd_disk(int argc, char **argv, const struct hcx_options *opt);
int hcx_cmd_monitor(int argc, char **argv, const struct hcx_options *opt);

#endif /* HCX_DISK_H */
