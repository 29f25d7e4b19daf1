/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny JSON writer for -j output: it tracks nesting to place commas and
 * escapes strings; nothing more.
 */
#ifndef HCX_JSON_H
#define HCX_JSON_H

#include <stdbool.h>
#include <stdint.h>

void json_array_start(const char *key);
void json_array_end(void);
void json_object_start(const char *key);	/* key NULL inside arrays */
void json_object_end(void);
void json_string(const char *key, const char *value);
void json_u64(const char *key, uint64_t value);
void json_s64(const char *key, int64_t value);
/* VALUE with DECIMALS digits after the point; null when not finite. */
void json_double(const char *key, double value, int decimals);
void json_null(const char *key);
void json_bool(const char *key, bool value);
void json_done(void);				/* final newline */

#endif /* HCX_JSON_H */
