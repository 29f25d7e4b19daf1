/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A generic-netlink conversation with the hcxrepl family over libmnl: one
 * request at a time, its replies handed to a callback, and the kernel's
 * error with its extended-ack message kept for the caller to print.
 */
#ifndef HCX_GENL_H
#define HCX_GENL_H

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stdint.h>

struct hcx_genl {
	struct mnl_socket *sock;
	uint16_t family;
	uint32_t events_group;	/* the "events" multicast group's id */
	unsigned int portid;
	unsigned int seq;
	char *buf;		/* MNL_SOCKET_BUFFER_SIZE bytes */
	char extack[256];	/* the kernel's message for the last error */
};

/* Open a socket and resolve the family; on failure print why, return -1. */
int hcx_genl_open(struct hcx_genl *g);
/*
 * Open a socket on another netlink BUS (NETLINK_ROUTE) for the same
 * conversation: hcx_genl_talk() and hcx_genl_close() serve it too.  On
 * failure print why, return -1.
 */
int hcx_nl_open(struct hcx_genl *g, int bus);
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

/**
 * struct hcx_show - a listing: one object, or a dump of all of them
 * @cmd: the get command
 * @attr: the attribute that names one object
 * @name: the object's name, NULL for all
 * @json: wrap the objects in a JSON array
 * @what: the command, for messages ("show", "disk show")
 * @objects: what is listed, for messages ("devices", "disks")
 */
struct hcx_show {
	uint8_t cmd;
	uint16_t attr;
	const char *name;
	bool json;
	const char *what;
	const char *objects;
};

/* Run CB on every object of SHOW; print what went wrong.  Exit status. */
int hcx_genl_show(const struct hcx_show *show, mnl_cb_t cb, void *data);

/* Index a reply's attributes (or a nest's, NULL for none) into TB[0..MAX]. */
int hcx_attr_parse(const struct nlmsghdr *nlh, const struct nlattr **tb,
		   unsigned int max);
/* The same for a message whose attributes start OFFSET bytes in. */
int hcx_attr_parse_at(const struct nlmsghdr *nlh, unsigned int offset,
		      const struct nlattr **tb, unsigned int max);
int hcx_attr_parse_nested(const struct nlattr *nest, const struct nlattr **tb,
			  unsigned int max);
/* ATTR if it is present with exactly LEN bytes of payload, else NULL. */
const struct nlattr *hcx_attr_sized(const struct nlattr *attr, size_t len);
/* The value of ATTR, or 0 when it is absent or of the wrong size. */
uint8_t hcx_attr_u8(const struct nlattr *attr);
uint16_t hcx_attr_u16(const struct nlattr *attr);
uint32_t hcx_attr_u32(const struct nlattr *attr);
uint64_t hcx_attr_u64(const struct nlattr *attr);
/* The string ATTR holds, or NULL when it is absent or not terminated. */
const char *hcx_attr_str(const struct nlattr *attr);

#endif /* HCX_GENL_H */
