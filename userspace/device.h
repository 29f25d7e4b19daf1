/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interconnect device commands of the CLI.
 */
#ifndef HCX_DEVICE_H
#define HCX_DEVICE_H

#include <stdbool.h>

struct hcx_options {
	bool json;	/* -j: JSON output */
	bool stats;	/* -s: statistics */
};

int hcx_cmd_show(int argc, char **argv, const struct hcx_options *opt);
int hcx_cmd_set(int argc, char **argv, const struct hcx_options *opt);

#endif /* HCX_DEVICE_H */
