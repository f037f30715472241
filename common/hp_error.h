/*
 * hp_error.h - error reporting convention: functions return a negative errno
 * (>= 0 on success) and optionally fill an hp_error with a one-line message
 * that names the subject, e.g. "x.heap:12: bad sample line". Only cli/ prints.
 */
#ifndef HP_ERROR_H
#define HP_ERROR_H

#include "hp_macros.h"

typedef struct hp_error {
    int code;      /* negative errno, 0 when unset */
    char msg[512]; /* NUL-terminated, no trailing newline */
} hp_error;

/**
 * hp_error_set - record an error and return its code.
 * Returns: code, unchanged, so callers can `return hp_error_set(err, -EBADMSG, ...)`.
 * Ownership: err may be NULL (then only code is returned). A message already set
 * in err is overwritten.
 */
int hp_error_set(hp_error *err, int code, const char *fmt, ...) HP_PRINTF(3, 4);

#endif
