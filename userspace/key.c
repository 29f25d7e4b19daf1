// SPDX-License-Identifier: GPL-2.0
/*
 * Key commands of the CLI (genkey, genpsk, pubkey) and reading keys from
 * files.  Keys never come from the command line, and every buffer that
 * held a secret is wiped before it is released.
 */

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "key.h"

void hcx_key_to_base64(char out[HCX_KEY_B64_LEN],
		       const unsigned char key[HCXREPL_KEY_LEN])
{
	sodium_bin2base64(out, HCX_KEY_B64_LEN, key, HCXREPL_KEY_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
}

bool hcx_key_from_base64(unsigned char key[HCXREPL_KEY_LEN], const char *text)
{
	size_t len = 0;
	const char *end;

	if (sodium_base642bin(key, HCXREPL_KEY_LEN, text, strlen(text),
			      " \t\r\n", &len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return false;
	end += strspn(end, " \t\r\n");
	return len == HCXREPL_KEY_LEN && *end == '\0';
}

bool hcx_key_read(unsigned char key[HCXREPL_KEY_LEN], const char *path,
		  const char *what)
{
	char text[128];
	size_t len;
	bool ok;
	FILE *f;

	f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		fprintf(stderr, "hcxrepl: %s: cannot open '%s': %s\n", what,
			path, strerror(errno));
		return false;
	}
	len = fread(text, 1, sizeof(text) - 1, f);
	text[len] = '\0';
	ok = !ferror(f) && feof(f) && hcx_key_from_base64(key, text);
	if (f != stdin)
		fclose(f);
	sodium_memzero(text, sizeof(text));
	if (!ok)
		fprintf(stderr, "hcxrepl: %s: '%s' does not hold a base64 X25519 key\n",
			what, path);
	return ok;
}

static int print_key(const unsigned char key[HCXREPL_KEY_LEN])
{
	char text[HCX_KEY_B64_LEN];
	int ret;

	hcx_key_to_base64(text, key);
	ret = puts(text) < 0 || fflush(stdout) ? 1 : 0;
	sodium_memzero(text, sizeof(text));
	if (ret)
		fprintf(stderr, "hcxrepl: cannot write the key: %s\n",
			strerror(errno));
	return ret;
}

static int no_arguments(int argc, char **argv)
{
	if (argc <= 1)
		return 0;
	fprintf(stderr, "hcxrepl: %s: unexpected argument '%s'\n", argv[0],
		argv[1]);
	return 1;
}

/* Print 32 random bytes, clamped as X25519 private keys are when CLAMP. */
static int generate(int argc, char **argv, bool clamp)
{
	unsigned char key[HCXREPL_KEY_LEN];
	int ret;

	if (no_arguments(argc, argv))
		return 1;
	randombytes_buf(key, sizeof(key));
	if (clamp) {
		/* As X25519 does, so the key reads the same as wg's. */
		key[0] &= 248;
		key[31] &= 127;
		key[31] |= 64;
	}
	ret = print_key(key);
	sodium_memzero(key, sizeof(key));
	return ret;
}

int hcx_cmd_genkey(int argc, char **argv)
{
	return generate(argc, argv, true);
}

int hcx_cmd_genpsk(int argc, char **argv)
{
	return generate(argc, argv, false);
}

int hcx_cmd_pubkey(int argc, char **argv)
{
	unsigned char private_key[HCXREPL_KEY_LEN];
	unsigned char public_key[HCXREPL_KEY_LEN];
	char text[128];
	size_t len;
	bool ok;

	if (no_arguments(argc, argv))
		return 1;
	len = fread(text, 1, sizeof(text) - 1, stdin);
	text[len] = '\0';
	ok = feof(stdin) && hcx_key_from_base64(private_key, text) &&
	     crypto_scalarmult_curve25519_base(public_key, private_key) == 0;
	sodium_memzero(text, sizeof(text));
	sodium_memzero(private_key, sizeof(private_key));
	if (!ok) {
		fprintf(stderr, "hcxrepl: pubkey: standard input is not a base64 X25519 private key\n");
		return 1;
	}
	return print_key(public_key);
}
