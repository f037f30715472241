/*
 * dwarf_lookup.c - answers an address lookup from the decoded DWARF of one
 * object: finds the CUs covering it in the CU index, has dwarf.c decode the
 * pending ones, and reads the innermost scope, its inline chain and the line
 * row by bisection.
 *
 * The DWARF files call each other in one direction only:
 *   dwarf_lookup.c -> dwarf.c (libdwarf: index, DIE tree, line tables)
 *     -> dwarf_attrs.c (libdwarf: one DIE's attributes and ranges)
 *     -> dwarf_build.c (what is kept) -> dwarf_tables.c (flattening, sorting,
 *        the CU index)
 *   dwarf.c -> dwarf_units.c (CU index from .debug_aranges)
 *     -> dwarf_sections.c (the sections handed to libdwarf)
 *   dwarf.c -> dwarf_lines.c (line tables from the raw .debug_line bytes)
 * dwarf_lookup.c also reads the tables (dwarf_tables.c) and completes names
 * (dwarf_build.c); nothing below calls back up.
 */
#include "hp_common.h"

#include "symbolizer-internal.h"

/* Number of elements of the array base[0..n) (each size bytes, sorted by the
 * uint64_t key each starts with: hp_dw_seg.lo, hp_dw_row.addr,
 * hp_dw_extent.lo) whose key is <= addr. */
static size_t count_at_or_below(const void *base, size_t n, size_t size, uint64_t addr)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t key;
        memcpy(&key, (const char *)base + mid * size, sizeof(key));
        if (key <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

_Static_assert(offsetof(hp_dw_seg, lo) == 0 && offsetof(hp_dw_row, addr) == 0 &&
                   offsetof(hp_dw_extent, lo) == 0,
               "count_at_or_below reads the key at the start");

/* Innermost scope of cu at addr, -1 for none. */
static int32_t cu_scope(const hp_dw_cu *cu, uint64_t addr)
{
    size_t k = count_at_or_below(cu->segs, cu->nsegs, sizeof(*cu->segs), addr);
    return k ? cu->segs[k - 1].scope : -1;
}

/* Last row of cu at or before addr (an end of sequence included), NULL for none. */
static const hp_dw_row *cu_row(const hp_dw_cu *cu, uint64_t addr)
{
    size_t k = count_at_or_below(cu->rows, cu->nrows, sizeof(*cu->rows), addr);
    return k ? &cu->rows[k - 1] : NULL;
}

static uint32_t scope_depth(const hp_dw_cu *cu, int32_t s)
{
    uint32_t n = 0;
    while (s >= 0 && (size_t)s < cu->nscopes && n < HP_SYM_MAX_FRAMES) {
        s = cu->scopes[s].parent;
        n++;
    }
    return n;
}

/* Number of the CUs whose extents cover addr, stored in cus[] (up to max);
 * *gap set when none does (the one returned, if any, ends before addr). */
size_t hp_dw_covering_cus(const hp_dwarf_info *d, uint64_t addr, uint32_t *cus, size_t max,
                          bool *gap)
{
    *gap = false;
    size_t lo = count_at_or_below(d->index, d->nindex, sizeof(*d->index), addr);
    size_t n = 0;
    /* walk back while an earlier extent may still reach past addr */
    for (size_t i = lo; i-- > 0 && d->index[i].maxhi > addr && n < max;) {
        if (d->index[i].hi <= addr)
            continue;
        bool dup = false;
        for (size_t k = 0; k < n && !dup; k++)
            dup = cus[k] == d->index[i].cu;
        if (!dup)
            cus[n++] = d->index[i].cu;
    }
    *gap = !n;
    if (n || !lo || !max)
        return n;
    /* In a gap: the line table of the CU ending last before addr may still
     * cover it (gcc's sequences include the alignment padding that the CU's
     * ranges leave out). */
    size_t best = lo - 1;
    for (size_t i = lo, k = 0; i-- > 0 && k < 16; k++) {
        if (d->index[i].hi == d->index[lo - 1].maxhi) {
            best = i;
            break;
        }
    }
    cus[n++] = d->index[best].cu;
    return n;
}

size_t hp_dwarf_lookup(hp_dwarf_info *d, uint64_t addr, hp_sym_frame *frames, size_t max)
{
    if (!max)
        return 0;
    uint32_t cand[8];
    bool gap;
    size_t ncand = hp_dw_covering_cus(d, addr, cand, 8, &gap);
    /* outside every .debug_aranges range: the units it does not describe too */
    if (gap && hp_dwarf_index_rest(d))
        ncand = hp_dw_covering_cus(d, addr, cand, 8, &gap);
    /* Well-formed DWARF has one CU here. Overlapping CUs: the innermost scope
     * and the last row at or before addr over all of them, as if merged. */
    hp_dw_cu *scu = NULL;
    const hp_dw_row *row = NULL;
    int32_t scope = -1;
    uint32_t best_depth = 0;
    for (size_t k = 0; k < ncand; k++) {
        hp_dw_cu *cu = &d->cus[cand[k]];
        if (cu->state == HP_DW_CU_PENDING)
            hp_dwarf_decode_cu(d, cand[k]);
        if (cu->state != HP_DW_CU_DONE)
            continue;
        int32_t s = cu_scope(cu, addr);
        uint32_t depth = s >= 0 ? scope_depth(cu, s) : 0;
        if (s >= 0 && depth > best_depth) {
            scu = cu;
            scope = s;
            best_depth = depth;
        }
        const hp_dw_row *r = cu_row(cu, addr);
        if (r && (!row || hp_dw_row_cmp(r, row) > 0))
            row = r;
    }
    if (row && row->file == UINT32_MAX)
        row = NULL;
    if (scope < 0 && !row)
        return 0;
    frames[0] =
        (hp_sym_frame){.function = scope >= 0 ? hp_dw_scope_name(d, &scu->scopes[scope]) : NULL};
    if (row) {
        frames[0].file = row->file < d->nfiles ? d->files[row->file] : NULL;
        frames[0].line = row->line;
    }
    size_t n = 1;
    for (int32_t s = scope; s >= 0 && scu->scopes[s].parent >= 0 && n < max; n++) {
        const hp_dw_scope *sc = &scu->scopes[s];
        frames[n] = (hp_sym_frame){.function = hp_dw_scope_name(d, &scu->scopes[sc->parent]),
                                   .file = sc->call_file,
                                   .line = sc->call_line};
        s = sc->parent;
    }
    return n;
}
