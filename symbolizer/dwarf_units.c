/*
 * dwarf_units.c - the cheap CU index: the unit headers of .debug_info (a hop
 * from one unit_length to the next) and the address ranges .debug_aranges
 * gives each compilation unit, both read from the raw sections
 * (dwarf_sections.c) without libdwarf. With it dwarf.c asks libdwarf only
 * for the units .debug_aranges does not describe, and decodes a CU only when
 * a lookup falls in it.
 * libdwarf-free; calls dwarf_sections.c only.
 */
#include "hp_common.h"

#include "symbolizer-internal.h"

/* DWARF 5 unit types (dwarf.h is libdwarf's) */
enum {
    UT_COMPILE = 1,
    UT_TYPE = 2,
    UT_PARTIAL = 3,
    UT_SKELETON = 4,
    UT_SPLIT_COMPILE = 5,
    UT_SPLIT_TYPE = 6
};

typedef struct reader {
    const unsigned char *p, *end;
    bool big_endian, bad;
} reader;

static uint64_t rd(reader *r, unsigned size)
{
    if (r->bad || (size_t)(r->end - r->p) < size) {
        r->bad = true;
        return 0;
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)r->p[r->big_endian ? size - 1 - i : i] << (8 * i);
    r->p += size;
    return v;
}

/* An initial length: the unit's size after it; *osize 4 or 8 (offset size). */
static uint64_t rd_length(reader *r, unsigned *osize)
{
    uint64_t len = rd(r, 4);
    *osize = 4;
    if (len == 0xffffffffu) {
        len = rd(r, 8);
        *osize = 8;
    } else if (len >= 0xfffffff0u) {
        r->bad = true;
    }
    if ((uint64_t)(r->end - r->p) < len)
        r->bad = true;
    return len;
}

/* Index of the section called name, or SIZE_MAX. */
static size_t find_section(const hp_dw_sections *s, const char *name)
{
    hp_dw_section_info si;
    for (size_t i = 0; hp_dw_sections_info(s, i, &si); i++)
        if (!strcmp(si.name, name))
            return i;
    return SIZE_MAX;
}

static int load(hp_dw_sections *s, const char *name, reader *ret)
{
    const unsigned char *p;
    size_t n;
    size_t i = find_section(s, name);
    if (i == SIZE_MAX)
        return -ENOENT;
    int r = hp_dw_sections_load(s, i, &p, &n);
    if (r < 0)
        return r;
    *ret = (reader){.p = p, .end = p + n, .big_endian = hp_dw_sections_big_endian(s)};
    return 0;
}

/* The unit headers of .debug_info, in order. */
static int scan_units(hp_dw_sections *s, hp_dw_units *u)
{
    reader r;
    int res = load(s, ".debug_info", &r);
    if (res < 0)
        return res;
    const unsigned char *start = r.p;
    size_t alloc = 0;
    while (r.p < r.end && !r.bad) {
        uint64_t off = (uint64_t)(r.p - start);
        unsigned osize;
        uint64_t len = rd_length(&r, &osize);
        const unsigned char *next = r.p + len;
        hp_dw_unit unit = {.hdr_off = off, .version = (uint16_t)rd(&r, 2)};
        if (unit.version >= 5) {
            unit.type = (uint8_t)rd(&r, 1);
            rd(&r, 1 + osize); /* address size, abbrev offset */
            if (unit.type == UT_SKELETON || unit.type == UT_SPLIT_COMPILE)
                rd(&r, 8);
            else if (unit.type == UT_TYPE || unit.type == UT_SPLIT_TYPE)
                rd(&r, 8 + osize);
        } else {
            rd(&r, osize + 1);
        }
        if (r.bad || unit.version < 2 || unit.version > 5 || r.p > next)
            return -EBADMSG;
        unit.die_off = (uint64_t)(r.p - start);
        if (HP_GROW(u->units, alloc, u->nunits + 1) < 0)
            return -ENOMEM;
        u->units[u->nunits++] = unit;
        r.p = next;
    }
    return r.bad ? -EBADMSG : 0;
}

/* The unit at header offset off, NULL if none (units are in offset order). */
static hp_dw_unit *unit_at(hp_dw_units *u, uint64_t off)
{
    size_t lo = 0, hi = u->nunits;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (u->units[mid].hdr_off < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < u->nunits && u->units[lo].hdr_off == off ? &u->units[lo] : NULL;
}

/* The address ranges of .debug_aranges, each tied to its unit. */
static int scan_aranges(hp_dw_sections *s, hp_dw_units *u)
{
    reader r;
    int res = load(s, ".debug_aranges", &r);
    if (res < 0)
        return res;
    size_t alloc = 0;
    while (r.p < r.end && !r.bad) {
        const unsigned char *set = r.p;
        unsigned osize;
        uint64_t len = rd_length(&r, &osize);
        const unsigned char *next = r.p + len;
        uint16_t version = (uint16_t)rd(&r, 2);
        uint64_t cu_off = rd(&r, osize);
        unsigned asize = (unsigned)rd(&r, 1), segsize = (unsigned)rd(&r, 1);
        hp_dw_unit *unit = unit_at(u, cu_off);
        if (r.bad || version != 2 || (asize != 4 && asize != 8) || segsize || !unit || unit->listed)
            return -EBADMSG;
        unit->listed = true;
        unit->first = u->nranges;
        /* tuples start at a multiple of twice the address size from the set */
        size_t pad = (size_t)(r.p - set) % (2 * asize);
        rd(&r, pad ? 2 * asize - (unsigned)pad : 0);
        while (!r.bad && (size_t)(next - r.p) >= 2 * asize) {
            uint64_t lo = rd(&r, asize), n = rd(&r, asize);
            if (!lo && !n)
                continue;
            if (HP_GROW(u->ranges, alloc, u->nranges + 1) < 0)
                return -ENOMEM;
            u->ranges[u->nranges++] = (hp_dw_unit_range){lo, lo + n};
        }
        if (r.bad || next > r.end)
            return -EBADMSG;
        unit->n = u->nranges - unit->first;
        r.p = next;
    }
    return r.bad ? -EBADMSG : 0;
}

int hp_dw_units_scan(hp_dw_sections *s, hp_dw_units *ret)
{
    *ret = (hp_dw_units){0};
    if (find_section(s, ".debug_aranges") == SIZE_MAX)
        return -ENOENT;
    int r = scan_units(s, ret);
    if (r == 0)
        r = scan_aranges(s, ret);
    if (r < 0)
        hp_dw_units_release(ret);
    else
        ret->has_lines = find_section(s, ".debug_line") != SIZE_MAX;
    return r;
}

void hp_dw_units_release(hp_dw_units *u)
{
    free(u->units);
    free(u->ranges);
    *u = (hp_dw_units){0};
}
