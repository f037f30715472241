/* hp_buf.c - growable string, the only printf-into-memory helper of the analyzer. */
#include "hp_common.h"
#include "hp_buf.h"

void hp_buf_init(hp_buf *b)
{
    *b = (hp_buf)HP_BUF_INIT;
}

void hp_buf_release(hp_buf *b)
{
    if (b->alloc)
        free(b->buf);
    hp_buf_init(b);
}

void hp_buf_reset(hp_buf *b)
{
    b->len = 0;
    if (b->alloc)
        b->buf[0] = '\0';
}

static bool buf_reserve(hp_buf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (extra > SIZE_MAX - b->len - 1) {
        b->oom = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->alloc)
        return true;
    char *old = b->alloc ? b->buf : NULL;
    size_t alloc = b->alloc;
    if (hp_grow((void **)&old, &alloc, need, 1) < 0) {
        b->oom = true;
        return false;
    }
    if (!b->alloc)
        old[0] = '\0';
    b->buf = old;
    b->alloc = alloc;
    return true;
}

void hp_buf_add(hp_buf *b, const void *data, size_t n)
{
    if (!buf_reserve(b, n))
        return;
    memcpy(b->buf + b->len, data, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

void hp_buf_addz(hp_buf *b, size_t n)
{
    if (!buf_reserve(b, n))
        return;
    memset(b->buf + b->len, 0, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

void hp_buf_adds(hp_buf *b, const char *s)
{
    hp_buf_add(b, s, strlen(s));
}

void hp_buf_addc(hp_buf *b, char c)
{
    hp_buf_add(b, &c, 1);
}

void hp_buf_vaddf(hp_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    size_t room = b->alloc > b->len ? b->alloc - b->len : 0;
    int n = vsnprintf(room ? b->buf + b->len : NULL, room, fmt, cp);
    va_end(cp);
    if (n < 0) {
        b->oom = true;
        return;
    }
    if ((size_t)n < room) {
        b->len += (size_t)n;
        return;
    }
    if (!buf_reserve(b, (size_t)n))
        return;
    vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void hp_buf_addf(hp_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hp_buf_vaddf(b, fmt, ap);
    va_end(ap);
}

char *hp_buf_detach(hp_buf *b, size_t *ret_len)
{
    if (b->oom) {
        hp_buf_release(b);
        return NULL;
    }
    char *r = b->alloc ? b->buf : hp_strdup("");
    if (ret_len)
        *ret_len = b->len;
    hp_buf_init(b);
    return r;
}
