/* SPDX-License-Identifier: GPL-2.0 */
/*
 * X25519 keys in wg's text format: 32 bytes, standard base64.
 */
#ifndef HCX_KEY_H
#define HCX_KEY_H

#include <linux/hcxrepl.h>
#include <stdbool.h>
#include <stdio.h>

#define HCX_KEY_B64_LEN 45	/* 44 characters and a NUL */

void hcx_key_to_base64(char out[HCX_KEY_B64_LEN],
		       const unsigned char key[HCXREPL_KEY_LEN]);
/* Accepts one key, surrounding whitespace allowed; false otherwise. */
bool hcx_key_from_base64(unsigned char key[HCXREPL_KEY_LEN], const char *text);
/* Read a key from PATH ("-" for standard input); print why it failed. */
bool hcx_key_read(unsigned char key[HCXREPL_KEY_LEN], const char *path,
		  const char *what);

int hcx_cmd_genkey(int argc, char **argv);
int hcx_cmd_genpsk(int argc, char **argv);
int hcx_cmd_pubkey(int argc, char **argv);

#endif /* HCX_KEY_H */
