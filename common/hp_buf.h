/*
 * hp_buf.h - growable NUL-terminated byte string (after git's strbuf).
 * Invariant: buf is never NULL after hp_buf_init (it points at a static ""
 * until the first addition) and buf[len] == '\0'. An allocation failure sets
 * the sticky flag `oom`; further additions are ignored and hp_buf_ok is false.
 */
#ifndef HP_BUF_H
#define HP_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include "hp_macros.h"

typedef struct hp_buf {
    char *buf;
    size_t len, alloc;
    bool oom;
} hp_buf;

#define HP_BUF_INIT {.buf = (char *)"", .len = 0, .alloc = 0, .oom = false}

void hp_buf_init(hp_buf *b);
/** hp_buf_release - free the memory and reset to empty. */
void hp_buf_release(hp_buf *b);
/** hp_buf_reset - keep the memory, set the length to 0. */
void hp_buf_reset(hp_buf *b);
void hp_buf_add(hp_buf *b, const void *data, size_t n);
/** hp_buf_addz - append n zero bytes. */
void hp_buf_addz(hp_buf *b, size_t n);
void hp_buf_adds(hp_buf *b, const char *s);
void hp_buf_addc(hp_buf *b, char c);
void hp_buf_addf(hp_buf *b, const char *fmt, ...) HP_PRINTF(2, 3);
void hp_buf_vaddf(hp_buf *b, const char *fmt, va_list ap) HP_PRINTF(2, 0);
/** hp_buf_ok - false when an addition failed for lack of memory. */
static inline bool hp_buf_ok(const hp_buf *b)
{
    return !b->oom;
}
/** hp_buf_detach - hand the string to the caller (free() it); b is reset. NULL after an OOM. */
char *hp_buf_detach(hp_buf *b, size_t *ret_len);

#endif
