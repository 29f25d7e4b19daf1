// SPDX-License-Identifier: GPL-2.0
/*
 * hcxrepl: configure and watch the hcxrepl site-to-site replication
 * appliance.  Global options come first, as with ip(8); the command word
 * picks one of the commands below.  Every error is one line on standard
 * error starting "hcxrepl: ", with exit status 1.
 */

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "disk.h"
#include "key.h"
#include "plan.h"

#ifndef HCXREPL_VERSION
#define HCXREPL_VERSION "unknown"
#endif

static void usage(FILE *out)
{
	fputs("Usage: hcxrepl [OPTIONS] COMMAND [ARGUMENTS]\n"
	      "\n"
	      "Commands:\n"
	      "  hcxrepl genkey                 print a new private key\n"
	      "  hcxrepl genpsk                 print a new pre-shared key\n"
	      "  hcxrepl pubkey                 read a private key, print its public key\n"
	      "  hcxrepl [-j] [-s] show [DEV]   show interconnect devices\n"
	      "  hcxrepl set DEV [private-key FILE] [listen-port PORT]\n"
	      "              [rate RATE|off [window HH:MM-HH:MM RATE|off]...]\n"
	      "              [dedup-cache SIZE] [mss-clamp auto|off|MSS]\n"
	      "              [peer KEY [remove] [preshared-key FILE]\n"
	      "               [endpoint HOST:PORT] [persistent-keepalive SECS|off]]\n"
	      "                                 configure an interconnect device\n"
	      "  hcxrepl showconf DEV           print its configuration, keys included\n"
	      "  hcxrepl setconf DEV FILE       apply a configuration showconf printed\n"
	      "  hcxrepl disk add NAME dev DEV backing PATH role source|target\n"
	      "              [chunk SIZE] [streams N] [priority 1-9] [dedup on|off]\n"
	      "              [compress lz4|zstd[:LEVEL]|none]\n"
	      "                                 replicate a block device with the peer\n"
	      "  hcxrepl disk del NAME          stop replicating it\n"
	      "  hcxrepl [-j] [-s] disk show [NAME]\n"
	      "                                 show disks and their progress\n"
	      "  hcxrepl disk set NAME [streams N] [priority 1-9] [dedup on|off]\n"
	      "              [compress lz4|zstd[:LEVEL]|none]\n"
	      "                                 change a disk's options\n"
	      "  hcxrepl disk sync NAME full|delta|checksum\n"
	      "  hcxrepl disk replicate NAME on|off\n"
	      "  hcxrepl disk switchover NAME [at TIME] [verify]\n"
	      "  hcxrepl disk verify|promote|demote|pause|resume NAME\n"
	      "  hcxrepl [-j] monitor [NAME]    live progress of disks; -j: a JSON\n"
	      "                                 object per event\n"
	      "  hcxrepl plan apply|check FILE  set up this site as FILE plans it,\n"
	      "                                 or say what that would change\n"
	      "  hcxrepl help                   this text\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json      JSON output\n"
	      "  -s, --stats     statistics\n"
	      "  -V, --version   print the version\n"
	      "\n"
	      "A disk sends blocks the peer already holds, on any disk of the same\n"
	      "device, as references (dedup, on by default; the device's dedup-cache\n"
	      "caps the memory of the index its disks share, 64M by default, 1M to\n"
	      "1G) and compresses what travels with lz4 by default, or zstd at\n"
	      "LEVEL 1 to 22 (3 by default).  SIZE takes a K, M or G suffix.\n"
	      "\n"
	      "Keys are base64 X25519, as wg(8) writes them.  Private and pre-shared\n"
	      "keys are read from files (\"-\" for standard input), never from the\n"
	      "command line.\n", out);
}

int main(int argc, char **argv)
{
	struct hcx_options opt = { 0 };
	const char *cmd;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "-j") || !strcmp(o, "--json")) {
			opt.json = true;
		} else if (!strcmp(o, "-s") || !strcmp(o, "--stats")) {
			opt.stats = true;
		} else if (!strcmp(o, "-V") || !strcmp(o, "--version")) {
			printf("hcxrepl %s\n", HCXREPL_VERSION);
			return 0;
		} else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "hcxrepl: unknown option '%s' (try 'hcxrepl help')\n", o);
			return 1;
		}
	}
	if (i == argc) {
		usage(stderr);
		return 1;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "hcxrepl: cannot initialise libsodium\n");
		return 1;
	}
	argc -= i;
	argv += i;
	cmd = argv[0];
	if (!strcmp(cmd, "genkey"))
		return hcx_cmd_genkey(argc, argv);
	if (!strcmp(cmd, "genpsk"))
		return hcx_cmd_genpsk(argc, argv);
	if (!strcmp(cmd, "pubkey"))
		return hcx_cmd_pubkey(argc, argv);
	if (!strcmp(cmd, "show"))
		return hcx_cmd_show(argc, argv, &opt);
	if (!strcmp(cmd, "set"))
		return hcx_cmd_set(argc, argv, &opt);
	if (!strcmp(cmd, "showconf"))
		return hcx_cmd_showconf(argc, argv, &opt);
	if (!strcmp(cmd, "setconf"))
		return hcx_cmd_setconf(argc, argv, &opt);
	if (!strcmp(cmd, "disk"))
		return hcx_cmd_disk(argc, argv, &opt);
	if (!strcmp(cmd, "monitor"))
		return hcx_cmd_monitor(argc, argv, &opt);
	if (!strcmp(cmd, "plan"))
		return hcx_cmd_plan(argc, argv, &opt);
	if (!strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "hcxrepl: unknown command '%s' (try 'hcxrepl help')\n", cmd);
	return 1;
}
