/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Plans: one site's half of a pairing, declared in a file and applied
 * (Documentation/hcxrepl/plans.rst).
 */
#ifndef HCX_PLAN_H
#define HCX_PLAN_H

#include "device.h"

/* plan apply|check FILE */
int hcx_cmd_plan(int argc, char **argv, const struct hcx_options *opt);

#endif /* HCX_PLAN_H */
