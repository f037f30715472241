/*
 * hp_proto_wire.h - the protobuf wire format, just what profile.proto needs:
 * varints, 64- and 32-bit fixed fields, length-delimited fields (strings,
 * nested messages, packed repeated varints).
 *
 * Writing appends to an hp_buf (an out-of-memory condition sticks in the
 * buffer: check hp_buf_ok once at the end). Reading walks a byte range with a
 * cursor that never moves past its end: every length is checked against what
 * is left, so hostile input can only make a read fail, never overrun.
 */
#ifndef HP_PROTO_WIRE_H
#define HP_PROTO_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hp_buf.h"

enum {
    HP_PB_VARINT = 0,
    HP_PB_FIXED64 = 1,
    HP_PB_LEN = 2,
    HP_PB_FIXED32 = 5,
};

/* ---- writing ----------------------------------------------------------- */

/** hp_pbw_varint - append v as a base-128 varint (1 to 10 bytes). */
void hp_pbw_varint(hp_buf *b, uint64_t v);
/** hp_pbw_uint - append field = v (varint); nothing when v is 0 (proto3 default). */
void hp_pbw_uint(hp_buf *b, uint32_t field, uint64_t v);
/** hp_pbw_int - append field = v (int64: negative values take 10 bytes); nothing when 0. */
void hp_pbw_int(hp_buf *b, uint32_t field, int64_t v);
/** hp_pbw_bytes - append a length-delimited field (always written, even when empty). */
void hp_pbw_bytes(hp_buf *b, uint32_t field, const void *data, size_t n);

/* ---- reading ----------------------------------------------------------- */

typedef struct hp_pbr {
    const uint8_t *p, *end;
} hp_pbr;

typedef struct hp_pbfield {
    uint32_t number;
    int wire;            /* HP_PB_* */
    uint64_t value;      /* varint and fixed fields */
    const uint8_t *data; /* HP_PB_LEN: the payload, inside the reader's range */
    size_t len;
} hp_pbfield;

static inline hp_pbr hp_pbr_make(const void *data, size_t len)
{
    const uint8_t *p = data;
    return (hp_pbr){.p = p, .end = p ? p + len : p};
}

/**
 * hp_pbr_varint - read one varint.
 * Returns: 0 and *ret; -EBADMSG when truncated or longer than 10 bytes
 *          (the cursor is then left where it was).
 */
int hp_pbr_varint(hp_pbr *r, uint64_t *ret);

/**
 * hp_pbr_next - read the next field of a message.
 * Returns: 1 and *ret; 0 at the end of the range; -EBADMSG for a truncated
 *          field, a field number of 0 or a wire type other than 0, 1, 2, 5
 *          (groups are not used by profile.proto).
 */
int hp_pbr_next(hp_pbr *r, hp_pbfield *ret);

/**
 * hp_pbr_repeated - the values of a repeated integer field met as f: one
 * value for a varint field, every varint of a packed (length-delimited) one.
 * Calls fn(value, arg) for each; stops at the first negative return.
 * Returns: 0; -EBADMSG for another wire type or a bad packed payload; or fn's
 *          negative return.
 */
int hp_pbr_repeated(const hp_pbfield *f, int (*fn)(uint64_t value, void *arg), void *arg);

#endif
