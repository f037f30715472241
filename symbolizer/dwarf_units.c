/*
 * dwarf_units.c - the cheap CU index: the address ranges .debug_aranges
 * gives each compilation unit, and the unit headers of .debug_info (a hop
 * from one unit_length to the next), both read from the raw sections
 * (dwarf_sections.c) without libdwarf. The unit headers are read on demand
 * (hp_dw_units_reach), as far as the unit holding an offset: a compressed
 * .debug_info is streamed (hp_dw_sections_stream), so only the part up to
 * the last unit needed is ever inflated. With it dwarf.c indexes the units
 * .debug_aranges describes without reading them, decodes a CU only when a
 * lookup falls in it, and asks libdwarf for the other units only when an
 * address falls outside every .debug_aranges range.
 * libdwarf-free; calls dwarf_sections.c only.
 */
#include "hp_common.h"

#include "dwarf_reader.h"
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

/* The longest unit header (64-bit DWARF 5 type unit). */
#define MAX_HEADER 40

/* Reads the header of the next unit of .debug_info (u->next_off), inflating
 * the section as far as that header. */
static void read_next(hp_dw_sections *s, hp_dw_units *u)
{
    const unsigned char *p;
    size_t have;
    if (u->next_off >= u->info_size) {
        u->all_read = true;
        return;
    }
    if (hp_dw_sections_prefix(s, u->info, u->next_off + MAX_HEADER, &p, &have) < 0) {
        u->bad = true;
        return;
    }
    hp_dw_reader r = {.p = p + u->next_off, .end = p + have, .big_endian = hp_dw_sections_big_endian(s)};
    unsigned osize;
    uint64_t len = hp_dwr_length(&r, &osize);
    uint64_t body = (uint64_t)(r.p - p);
    hp_dw_unit unit = {.hdr_off = u->next_off, .end = body + len, .version = (uint16_t)hp_dwr_u(&r, 2),
                       .offset_size = (uint8_t)osize};
    if (unit.version >= 5) {
        unit.type = (uint8_t)hp_dwr_u(&r, 1);
        unit.addr_size = (uint8_t)hp_dwr_u(&r, 1);
        unit.abbrev_off = hp_dwr_u(&r, osize);
        if (unit.type == UT_SKELETON || unit.type == UT_SPLIT_COMPILE)
            hp_dwr_u(&r, 8);
        else if (unit.type == UT_TYPE || unit.type == UT_SPLIT_TYPE)
            hp_dwr_u(&r, 8 + osize);
    } else {
        unit.abbrev_off = hp_dwr_u(&r, osize);
        unit.addr_size = (uint8_t)hp_dwr_u(&r, 1);
    }
    unit.die_off = (uint64_t)(r.p - p);
    if (u->nunits && unit.abbrev_off <= u->units[u->nunits - 1].abbrev_off)
        u->abbrev_unordered = true;
    if (r.bad || len > u->info_size - body || unit.version < 2 || unit.version > 5 ||
        unit.die_off > unit.end || HP_GROW(u->units, u->units_alloc, u->nunits + 1) < 0) {
        u->bad = true;
        return;
    }
    u->units[u->nunits++] = unit;
    u->next_off = unit.end;
}

const hp_dw_unit *hp_dw_units_reach(hp_dw_sections *s, hp_dw_units *u, uint64_t off)
{
    while (!u->all_read && !u->bad && (!u->nunits || u->units[u->nunits - 1].end <= off))
        read_next(s, u);
    size_t lo = 0, hi = u->nunits;
    while (lo < hi) { /* the first unit ending after off */
        size_t mid = lo + (hi - lo) / 2;
        if (u->units[mid].end <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    const unsigned char *p;
    size_t have;
    if (lo == u->nunits || u->units[lo].hdr_off > off ||
        hp_dw_sections_prefix(s, u->info, u->units[lo].end, &p, &have) < 0)
        return NULL;
    /* The abbreviation tables libdwarf reads for this unit and those before
     * it: when their offsets increase from unit to unit (one table per unit,
     * in order, as linkers concatenate them) they end where the next unit's
     * starts; otherwise the whole section. */
    while (!u->all_read && !u->bad && u->nunits <= lo + 1)
        read_next(s, u);
    uint64_t bound = !u->abbrev_unordered && lo + 1 < u->nunits ? u->units[lo + 1].abbrev_off
                                                                 : SIZE_MAX;
    if (u->abbrev != SIZE_MAX && hp_dw_sections_prefix(s, u->abbrev, bound, &p, &have) < 0)
        return NULL;
    return &u->units[lo];
}

int hp_dw_units_read_all(hp_dw_sections *s, hp_dw_units *u)
{
    while (!u->all_read && !u->bad)
        read_next(s, u);
    const unsigned char *p;
    size_t have;
    if (hp_dw_sections_prefix(s, u->info, SIZE_MAX, &p, &have) < 0 || u->bad ||
        (u->abbrev != SIZE_MAX && hp_dw_sections_prefix(s, u->abbrev, SIZE_MAX, &p, &have) < 0))
        return -EBADMSG;
    return 0;
}

bool hp_dw_units_listed(const hp_dw_units *u, uint64_t hdr_off)
{
    size_t lo = 0, hi = u->nsets;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (u->sets[mid].hdr_off < hdr_off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < u->nsets && u->sets[lo].hdr_off == hdr_off;
}

static int set_cmp(const void *a, const void *b)
{
    const hp_dw_unit_set *x = a, *y = b;
    return x->hdr_off < y->hdr_off ? -1 : x->hdr_off > y->hdr_off;
}

/* The address ranges of .debug_aranges, one set per unit, sorted by unit. */
static int scan_aranges(hp_dw_sections *s, hp_dw_units *u)
{
    const unsigned char *p;
    size_t n;
    int res = hp_dw_sections_load(s, hp_dw_sections_find(s, ".debug_aranges"), &p, &n);
    if (res < 0)
        return res;
    hp_dw_reader r = {.p = p, .end = p + n, .big_endian = hp_dw_sections_big_endian(s)};
    size_t alloc = 0, sets_alloc = 0;
    while (r.p < r.end && !r.bad) {
        const unsigned char *set = r.p;
        unsigned osize;
        uint64_t len = hp_dwr_length(&r, &osize);
        if ((uint64_t)(r.end - r.p) < len)
            return -EBADMSG;
        const unsigned char *next = r.p + len;
        uint16_t version = (uint16_t)hp_dwr_u(&r, 2);
        uint64_t cu_off = hp_dwr_u(&r, osize);
        unsigned asize = (unsigned)hp_dwr_u(&r, 1), segsize = (unsigned)hp_dwr_u(&r, 1);
        if (r.bad || version != 2 || (asize != 4 && asize != 8) || segsize ||
            cu_off >= u->info_size)
            return -EBADMSG;
        if (HP_GROW(u->sets, sets_alloc, u->nsets + 1) < 0)
            return -ENOMEM;
        hp_dw_unit_set *us = &u->sets[u->nsets++];
        *us = (hp_dw_unit_set){.hdr_off = cu_off, .first = u->nranges};
        /* tuples start at a multiple of twice the address size from the set */
        size_t pad = (size_t)(r.p - set) % (2 * asize);
        hp_dwr_u(&r, pad ? 2 * asize - (unsigned)pad : 0);
        while (!r.bad && (size_t)(next - r.p) >= 2 * asize) {
            uint64_t lo = hp_dwr_u(&r, asize), len_ = hp_dwr_u(&r, asize);
            if (!lo && !len_)
                continue;
            if (HP_GROW(u->ranges, alloc, u->nranges + 1) < 0)
                return -ENOMEM;
            u->ranges[u->nranges++] = (hp_dw_unit_range){lo, lo + len_};
        }
        if (r.bad)
            return -EBADMSG;
        us->n = u->nranges - us->first;
        r.p = next;
    }
    if (r.bad)
        return -EBADMSG;
    bool sorted = true; /* as linkers write them */
    for (size_t k = 1; k < u->nsets && sorted; k++)
        sorted = u->sets[k - 1].hdr_off < u->sets[k].hdr_off;
    if (!sorted)
        qsort(u->sets, u->nsets, sizeof(*u->sets), set_cmp);
    for (size_t k = 1; k < u->nsets; k++)
        if (u->sets[k].hdr_off == u->sets[k - 1].hdr_off)
            return -EBADMSG; /* one set per unit */
    return 0;
}

int hp_dw_units_scan(hp_dw_sections *s, hp_dw_units *ret)
{
    *ret = (hp_dw_units){
        .info = hp_dw_sections_find(s, ".debug_info"), .line = SIZE_MAX, .abbrev = SIZE_MAX};
    hp_dw_section_info si;
    if (hp_dw_sections_find(s, ".debug_aranges") == SIZE_MAX || !hp_dw_sections_info(s, ret->info, &si))
        return -ENOENT;
    ret->info_size = si.size;
    hp_dw_sections_stream(s, ret->info);
    int r = scan_aranges(s, ret);
    if (r == 0 && !hp_dw_units_reach(s, ret, 0))
        r = -EBADMSG; /* not even the first unit header */
    if (r < 0) {
        hp_dw_units_release(ret);
        /* indexed from the DIEs by libdwarf instead: the section whole */
        const unsigned char *p;
        size_t n;
        (void)hp_dw_sections_load(s, hp_dw_sections_find(s, ".debug_info"), &p, &n);
    } else {
        ret->line = hp_dw_sections_find(s, ".debug_line");
        ret->has_lines = hp_dw_sections_info(s, ret->line, &si);
        ret->line_size = ret->has_lines ? si.size : 0;
        hp_dw_sections_stream(s, ret->line);
        ret->abbrev = hp_dw_sections_find(s, ".debug_abbrev");
        hp_dw_sections_stream(s, ret->abbrev);
    }
    return r;
}

int hp_dw_units_reach_lines(hp_dw_sections *s, hp_dw_units *u, uint64_t off)
{
    const unsigned char *p;
    size_t have;
    if (u->line == SIZE_MAX)
        return 0;
    if (off > u->line_size - 1 || u->line_size < 12 || off > SIZE_MAX - 12 ||
        hp_dw_sections_prefix(s, u->line, off + 12, &p, &have) < 0)
        return hp_dw_sections_load(s, u->line, &p, &have); /* libdwarf judges it */
    hp_dw_reader r = {.p = p + off, .end = p + have, .big_endian = hp_dw_sections_big_endian(s)};
    unsigned osize;
    uint64_t len = hp_dwr_length(&r, &osize);
    uint64_t body = (uint64_t)(r.p - p);
    if (r.bad || len > u->line_size - body)
        return hp_dw_sections_load(s, u->line, &p, &have);
    return hp_dw_sections_prefix(s, u->line, body + len, &p, &have);
}

void hp_dw_units_release(hp_dw_units *u)
{
    free(u->units);
    free(u->sets);
    free(u->ranges);
    *u = (hp_dw_units){.info = SIZE_MAX, .line = SIZE_MAX, .abbrev = SIZE_MAX};
}
