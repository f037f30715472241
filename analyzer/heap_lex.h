/*
 * heap_lex.h - the small lexing helpers shared by the .heap reader's parts
 * (heap_parse.c, heap_maps.c): blanks, decimal counts, hex digits. Internal
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

/* hex digit values, -1 for anything else */
static const signed char hex_table[256] = {
    ['0'] = 0,  ['1'] = 1,  ['2'] = 2,  ['3'] = 3,  ['4'] = 4,  ['5'] = 5,  ['6'] = 6,
    ['7'] = 7,  ['8'] = 8,  ['9'] = 9,  ['a'] = 10, ['b'] = 11, ['c'] = 12, ['d'] = 13,
    ['e'] = 14, ['f'] = 15, ['A'] = 10, ['B'] = 11, ['C'] = 12, ['D'] = 13, ['E'] = 14,
    ['F'] = 15,
};

static inline int hexval(char c)
{
    unsigned char u = (unsigned char)c;
    return (u >= '0' && u <= '9') || hex_table[u] ? hex_table[u] : -1;
}

/* Hex number of at most 64 bits at *s (no 0x); false when there is none. */
static inline bool parse_hex_field(const char **s, const char *end, uint64_t *ret)
{
    const char *p = *s;
    uint64_t v = 0;
    int digits = 0;
    while (p < end && hexval(*p) >= 0) {
        if (v >> 60)
            return false;
        v = (v << 4) | (unsigned)hexval(*p++);
        digits++;
    }
    if (!digits)
        return false;
    *s = p;
    *ret = v;
    return true;
}

#endif
