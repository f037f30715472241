/*
 * proto_wire.c - protobuf wire-format encoding into an hp_buf and a
 * bounds-checked field reader (see hp_proto_wire.h).
 */
#include "hp_common.h"
#include "hp_proto_wire.h"

#define MAX_FIELD_NUMBER ((1u << 29) - 1)

void hp_pbw_varint(hp_buf *b, uint64_t v)
{
    char tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (char)(0x80 | (v & 0x7f));
        v >>= 7;
    }
    tmp[n++] = (char)v;
    hp_buf_add(b, tmp, n);
}

static void tag(hp_buf *b, uint32_t field, int wire)
{
    hp_pbw_varint(b, (uint64_t)field << 3 | (uint64_t)wire);
}

void hp_pbw_uint(hp_buf *b, uint32_t field, uint64_t v)
{
    if (!v)
        return;
    tag(b, field, HP_PB_VARINT);
    hp_pbw_varint(b, v);
}

void hp_pbw_int(hp_buf *b, uint32_t field, int64_t v)
{
    hp_pbw_uint(b, field, (uint64_t)v);
}

void hp_pbw_bytes(hp_buf *b, uint32_t field, const void *data, size_t n)
{
    tag(b, field, HP_PB_LEN);
    hp_pbw_varint(b, n);
    hp_buf_add(b, data, n);
}

int hp_pbr_varint(hp_pbr *r, uint64_t *ret)
{
    uint64_t v = 0;
    const uint8_t *p = r->p;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (p >= r->end)
            return -EBADMSG;
        uint8_t c = *p++;
        if (shift == 63 && c > 1)
            return -EBADMSG; /* more than 64 bits */
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            r->p = p;
            *ret = v;
            return 0;
        }
    }
    return -EBADMSG;
}

int hp_pbr_next(hp_pbr *r, hp_pbfield *ret)
{
    if (r->p >= r->end)
        return 0;
    hp_pbr c = *r;
    uint64_t key;
    if (hp_pbr_varint(&c, &key) < 0)
        return -EBADMSG;
    uint64_t number = key >> 3;
    if (number == 0 || number > MAX_FIELD_NUMBER)
        return -EBADMSG;
    hp_pbfield f = {.number = (uint32_t)number, .wire = (int)(key & 7)};
    switch (f.wire) {
    case HP_PB_VARINT:
        if (hp_pbr_varint(&c, &f.value) < 0)
            return -EBADMSG;
        break;
    case HP_PB_FIXED64:
    case HP_PB_FIXED32: {
        size_t n = f.wire == HP_PB_FIXED64 ? 8 : 4;
        if ((size_t)(c.end - c.p) < n)
            return -EBADMSG;
        for (size_t i = n; i-- > 0;)
            f.value = f.value << 8 | c.p[i];
        c.p += n;
        break;
    }
    case HP_PB_LEN: {
        uint64_t n;
        if (hp_pbr_varint(&c, &n) < 0 || n > (uint64_t)(c.end - c.p))
            return -EBADMSG;
        f.data = c.p;
        f.len = (size_t)n;
        c.p += n;
        break;
    }
    default:
        return -EBADMSG;
    }
    *r = c;
    *ret = f;
    return 1;
}

int hp_pbr_repeated(const hp_pbfield *f, int (*fn)(uint64_t value, void *arg), void *arg)
{
    if (f->wire == HP_PB_VARINT)
        return fn(f->value, arg);
    if (f->wire != HP_PB_LEN)
        return -EBADMSG;
    hp_pbr r = hp_pbr_make(f->data, f->len);
    while (r.p < r.end) {
        uint64_t v;
        if (hp_pbr_varint(&r, &v) < 0)
            return -EBADMSG;
        int e = fn(v, arg);
        if (e < 0)
            return e;
    }
    return 0;
}
