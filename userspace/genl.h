/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A generic-netlink conversation with the hcxrepl family over libmnl: one
 * request at a time, its replies handed to a callback, and the kernel's
 * error with its extended-ack message kept for the caller to print.
 */
#ifndef HCX_GENL_H
#define HCX_GENL_H

#include <libmnl/libmnl.h>
#include <stdint.h>

struct hcx_genl {
	struct mnl_socket *sock;
	uint16_t family;
	unsigned int portid;
	unsigned int seq;
	char *buf;		/* MNL_SOCKET_BUFFER_SIZE bytes */
	char extack[256];	/* the kernel's message for the last error */
};

/* Open a socket and resolve the family; on failure print why, return -1. */
int hcx_genl_open(struct hcx_genl *g);
void hcx_genl_close(struct hcx_genl *g);

/* Start a request for CMD with FLAGS (NLM_F_REQUEST and NLM_F_ACK added). */
struct nlmsghdr *hcx_genl_request(struct hcx_genl *g, uint8_t cmd,
				  uint16_t flags);

/*
 * Send NLH and run CB on every reply until the ack or the end of a dump.
 * Return: 0, or a negative errno (with g->extack set when the kernel
 * explained it).
 */
int hcx_genl_talk(struct hcx_genl *g, struct nlmsghdr *nlh, mnl_cb_t cb,
		  void *data);

/* The kernel's explanation of ERR: its extack message, else strerror. */
const char *hcx_genl_strerror(const struct hcx_genl *g, int err);

#endif /* HCX_GENL_H */
