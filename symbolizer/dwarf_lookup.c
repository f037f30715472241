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

_Static_assert(offsetof(hp_dw_seg, lo) == 0 && offsetof(hp_dw_row, addr) == 0 &&
                   offsetof(hp_dw_extent, lo) == 0,
               "the bucket index reads the key at the start");

/* Innermost scope of cu at addr, -1 for none. */
static int32_t cu_scope(hp_dw_cu *cu, uint64_t addr)
{
    size_t k = hp_addr_index_count(&cu->segs_ix, cu->segs, cu->nsegs, sizeof(*cu->segs), addr);
    return k ? cu->segs[k - 1].scope : -1;
}

/* Last row of cu at or before addr (an end of sequence included), NULL for none. */
static const hp_dw_row *cu_row(hp_dw_cu *cu, uint64_t addr)
{
    size_t k = hp_addr_index_count(&cu->rows_ix, cu->rows, cu->nrows, sizeof(*cu->rows), addr);
    return k ? &cu->rows[k - 1] : NULL;
}

/* Whether row r of CU rc comes after row p of CU pc (hp_dw_row_cmp on the
 * files' numbers in hp_dwarf_info.files). */
static bool row_later(const hp_dw_row *r, const hp_dw_cu *rc, const hp_dw_row *p,
                      const hp_dw_cu *pc)
{
    hp_dw_row x = *r, y = *p;
    x.file = x.file == UINT32_MAX ? x.file : (uint32_t)(x.file + rc->file_base);
    y.file = y.file == UINT32_MAX ? y.file : (uint32_t)(y.file + pc->file_base);
    return hp_dw_row_cmp(&x, &y) > 0;
}

/* hp_dw_scope_name without a call once the name is final (most lookups) */
static inline const char *scope_name(hp_dwarf_info *d, hp_dw_scope *sc)
{
    return sc->mangled || sc->plain ? hp_dw_scope_name(d, sc) : sc->name;
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
size_t hp_dw_covering_cus(hp_dwarf_info *d, uint64_t addr, uint32_t *cus, size_t max,
                          bool *gap)
{
    uint64_t until;
    return hp_dw_covering_cus_until(d, addr, cus, max, gap, &until);
}

size_t hp_dw_covering_cus_until(hp_dwarf_info *d, uint64_t addr, uint32_t *cus, size_t max,
                                bool *gap, uint64_t *until)
{
    *gap = false;
    size_t lo = hp_addr_index_count(&d->index_ix, d->index, d->nindex, sizeof(*d->index), addr);
    size_t n = 0;
    /* the same extents are walked, and taken, up to the next extent's start
     * and the first end (hi, or maxhi) the walk compares addr with */
    uint64_t end = lo < d->nindex ? d->index[lo].lo : UINT64_MAX;
    /* walk back while an earlier extent may still reach past addr */
    for (size_t i = lo; i-- > 0 && d->index[i].maxhi > addr && n < max;) {
        end = d->index[i].maxhi < end ? d->index[i].maxhi : end;
        if (d->index[i].hi <= addr)
            continue;
        end = d->index[i].hi < end ? d->index[i].hi : end;
        bool dup = false;
        for (size_t k = 0; k < n && !dup; k++)
            dup = cus[k] == d->index[i].cu;
        if (!dup)
            cus[n++] = d->index[i].cu;
    }
    *gap = !n;
    *until = n ? end : addr + 1;
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
    uint32_t cand[HP_DW_MAX_COVERING];
    bool gap;
    size_t ncand = hp_dw_covering_cus(d, addr, cand, HP_DW_MAX_COVERING, &gap);
    return hp_dwarf_lookup_in(d, addr, cand, ncand, gap, frames, max);
}

void hp_dwarf_prefetch(const hp_dwarf_info *d, uint64_t addr, bool near, hp_dw_extent *last)
{
    if (addr < last->lo || addr >= last->hi) { /* addresses come sorted: mostly the same CU */
        size_t lo = hp_addr_index_peek(&d->index_ix, d->index, d->nindex, sizeof(*d->index), addr);
        if (!lo || d->index[lo - 1].hi <= addr)
            return;
        *last = d->index[lo - 1];
    }
    if (last->cu >= d->ncus)
        return;
    const hp_dw_cu *cu = &d->cus[last->cu];
    if (cu->state != HP_DW_CU_DONE)
        return;
    if (cu->segs_ix.of == cu->segs)
        hp_addr_index_prefetch(&cu->segs_ix, cu->segs, sizeof(*cu->segs), addr, near);
    if (cu->rows_ix.of == cu->rows)
        hp_addr_index_prefetch(&cu->rows_ix, cu->rows, sizeof(*cu->rows), addr, near);
}

size_t hp_dwarf_lookup_in(hp_dwarf_info *d, uint64_t addr, const uint32_t *cus, size_t ncus,
                          bool gap, hp_sym_frame *frames, size_t max)
{
    if (!max)
        return 0;
    uint32_t more[HP_DW_MAX_COVERING];
    const uint32_t *cand = cus;
    size_t ncand = ncus < HP_DW_MAX_COVERING ? ncus : HP_DW_MAX_COVERING;
    /* outside every .debug_aranges range: the units it does not describe too */
    if (gap && hp_dwarf_index_rest(d)) {
        ncand = hp_dw_covering_cus(d, addr, more, HP_DW_MAX_COVERING, &gap);
        cand = more;
    }
    /* Well-formed DWARF has one CU here. Overlapping CUs: the innermost scope
     * and the last row at or before addr over all of them, as if merged. */
    hp_dw_cu *scu = NULL;
    const hp_dw_row *row = NULL;
    const hp_dw_cu *rcu = NULL; /* row's CU */
    int32_t scope = -1;
    uint32_t best_depth = 0;
    for (size_t k = 0; k < ncand; k++) {
        hp_dw_cu *cu = &d->cus[cand[k]];
        if (cu->state == HP_DW_CU_PENDING)
            hp_dwarf_decode_cu(d, cand[k]);
        if (cu->state != HP_DW_CU_DONE)
            continue;
        int32_t s = cu_scope(cu, addr);
        /* the depth only matters to compare CUs */
        uint32_t depth = s < 0 ? 0 : ncand == 1 ? 1 : scope_depth(cu, s);
        if (s >= 0 && depth > best_depth) {
            scu = cu;
            scope = s;
            best_depth = depth;
        }
        const hp_dw_row *r = cu_row(cu, addr);
        if (r && (!row || row_later(r, cu, row, rcu))) {
            row = r;
            rcu = cu;
        }
    }
    if (row && row->file == UINT32_MAX)
        row = NULL;
    if (scope < 0 && !row)
        return 0;
    frames[0] =
        (hp_sym_frame){.function = scope >= 0 ? scope_name(d, &scu->scopes[scope]) : NULL};
    if (row) {
        size_t f = rcu->file_base + row->file;
        frames[0].file = f < d->nfiles ? d->files[f] : NULL;
        frames[0].line = row->line;
    }
    size_t n = 1;
    for (int32_t s = scope; s >= 0 && scu->scopes[s].parent >= 0 && n < max; n++) {
        const hp_dw_scope *sc = &scu->scopes[s];
        frames[n] = (hp_sym_frame){.function = scope_name(d, &scu->scopes[sc->parent]),
                                   .file = sc->call_file,
                                   .line = sc->call_line};
        s = sc->parent;
    }
    return n;
}
