/*
 * heap_lex.h - the small lexing helpers shared by the .heap reader's parts
 * (heap_parse.c, heap_maps.c): blanks, decimal counts, hex numbers and addresses. Internal
 * to the analyzer. Every helper is bounded by an end pointer.
 */
#ifndef HEAP_LEX_H
#define HEAP_LEX_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

static inline bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static inline void skip_ws(const char **s, const char *end)
{
    while (*s < end && is_ws(**s))
        (*s)++;
}

/* Decimal number; -EBADMSG when there is none, -EOVERFLOW past INT64_MAX. */
static inline int parse_count(const char **s, const char *end, int64_t *ret)
{
    const char *p = *s;
    if (p >= end || *p < '0' || *p > '9')
        return -EBADMSG;
    uint64_t v = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_C(9223372036854775807) - d) / 10)
            return -EOVERFLOW;
        v = v * 10 + d;
        p++;
    }
    *s = p;
    *ret = (int64_t)v;
    return 0;
}

/* hex digit values + 1, 0 for anything else */
static const unsigned char hex_digit1[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,
    ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14,
    ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
    ['F'] = 16,
};

/* The one hex scanner: digits at *s (no 0x) of at most 64 significant bits.
 * Returns 0 with *s past them; -EBADMSG when there is none, -EOVERFLOW past
 * 64 bits (*s untouched on failure). */
static inline int scan_hex(const char **s, const char *end, uint64_t *ret)
{
    const char *p = *s;
    uint64_t v = 0;
    unsigned d;
    while (p < end && (d = hex_digit1[(unsigned char)*p]) != 0) {
        if (v >> 60)
            return -EOVERFLOW;
        v = (v << 4) | (d - 1);
        p++;
    }
    if (p == *s)
        return -EBADMSG;
    *s = p;
    *ret = v;
    return 0;
}

/* An address token: [0x]hex digits (scan_hex) ending at a blank or at end.
 * Returns 0 with *s past it, -EBADMSG or -EOVERFLOW. */
static inline int scan_address(const char **s, const char *end, uint64_t *ret)
{
    const char *p = *s;
    if (end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        p += 2;
    int r = scan_hex(&p, end, ret);
    if (r < 0)
        return r;
    if (p < end && !is_ws(*p))
        return -EBADMSG;
    *s = p;
    return 0;
}

#endif
