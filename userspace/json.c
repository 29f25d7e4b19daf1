// SPDX-License-Identifier: GPL-2.0
/*
 * A tiny JSON writer for -j output (see json.h).  Not reentrant: the CLI
 * writes one document per run.
 */

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>

#include "json.h"

static bool need_comma;

static void put_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void put_key(const char *key)
{
	if (need_comma)
		putchar(',');
	if (key) {
		put_string(key);
		putchar(':');
	}
	need_comma = true;
}

void json_array_start(const char *key)
{
	put_key(key);
	putchar('[');
	need_comma = false;
}

void json_array_end(void)
{
	putchar(']');
	need_comma = true;
}

void json_object_start(const char *key)
{
	put_key(key);
	putchar('{');
	need_comma = false;
}

void json_object_end(void)
{
	putchar('}');
	need_comma = true;
}

void json_string(const char *key, const char *value)
{
	put_key(key);
	put_string(value);
}

void json_u64(const char *key, uint64_t value)
{
	put_key(key);
	printf("%" PRIu64, value);
}

void json_s64(const char *key, int64_t value)
{
	put_key(key);
	printf("%" PRId64, value);
}

void json_double(const char *key, double value, int decimals)
{
	put_key(key);
	if (isfinite(value))
		printf("%.*f", decimals, value);
	else
		fputs("null", stdout);
}

void json_null(const char *key)
{
	put_key(key);
	fputs("null", stdout);
}

void json_bool(const char *key, bool value)
{
	put_key(key);
	fputs(value ? "true" : "false", stdout);
}

void json_done(void)
{
	putchar('\n');
	need_comma = false;
}
