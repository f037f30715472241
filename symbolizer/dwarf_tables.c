/*
 * dwarf_tables.c - the libdwarf-free half of DWARF decoding: flattens the
 * nested scope ranges decoded by dwarf.c into disjoint "innermost scope"
 * segments, sorts the line rows, builds the CU index. Calls no other file
 * of the symbolizer but the interning in elf.c (see dwarf_lookup.c for the
 * direction of the DWARF files).
 */
#include "hp_common.h"

#include "symbolizer-internal.h"

/* ---- flattening ----------------------------------------------------------- */

static int range_cmp(const void *a, const void *b)
{
    const hp_dw_range *x = a, *y = b;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    if (x->depth != y->depth)
        return x->depth < y->depth ? -1 : 1;
    if (x->hi != y->hi)
        return x->hi > y->hi ? -1 : 1;
    return x->scope < y->scope ? -1 : x->scope > y->scope;
}

int hp_dw_row_cmp(const void *a, const void *b)
{
    const hp_dw_row *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    bool ex = x->file == UINT32_MAX, ey = y->file == UINT32_MAX;
    if (ex != ey)
        return ex ? -1 : 1; /* an end of sequence before a row starting there */
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* qsort, skipped when the array is in order already (ranges come in DIE
 * order and rows in line-table order, which usually are address order). */
static void sort_unless_sorted(void *base, size_t n, size_t size,
                               int (*cmp)(const void *, const void *))
{
    const char *p = base;
    size_t i = 1;
    while (i < n && cmp(p + (i - 1) * size, p + i * size) <= 0)
        i++;
    if (i < n)
        qsort(base, n, size, cmp);
}

typedef struct flat_ctx {
    hp_dw_cu *out;
    size_t segs_alloc;
    bool oom;
} flat_ctx;

static void emit(flat_ctx *c, uint64_t lo, int32_t scope)
{
    hp_dw_cu *o = c->out;
    if (o->nsegs && o->segs[o->nsegs - 1].lo == lo) {
        o->segs[o->nsegs - 1].scope = scope;
        if (o->nsegs >= 2 && o->segs[o->nsegs - 2].scope == scope)
            o->nsegs--;
        return;
    }
    if (o->nsegs && o->segs[o->nsegs - 1].scope == scope)
        return;
    if (!o->nsegs && scope < 0)
        return;
    if (HP_GROW(o->segs, c->segs_alloc, o->nsegs + 1) < 0) {
        c->oom = true;
        return;
    }
    o->segs[o->nsegs++] = (hp_dw_seg){.lo = lo, .scope = scope};
}

static void flatten(flat_ctx *c, hp_dw_range *ranges, size_t nranges)
{
    if (!nranges)
        return;
    sort_unless_sorted(ranges, nranges, sizeof(*ranges), range_cmp);
    hp_dw_range *stack = hp_new0(hp_dw_range, HP_DW_MAX_DEPTH + 2);
    if (!stack) {
        c->oom = true;
        return;
    }
    size_t sp = 0;
    for (size_t i = 0; i < nranges && !c->oom; i++) {
        hp_dw_range r = ranges[i];
        while (sp && stack[sp - 1].hi <= r.lo) {
            sp--;
            emit(c, stack[sp].hi, sp ? stack[sp - 1].scope : -1);
        }
        if (sp && r.hi > stack[sp - 1].hi)
            r.hi = stack[sp - 1].hi;
        if (r.lo >= r.hi)
            continue;
        if (sp == HP_DW_MAX_DEPTH + 2)
            continue;
        stack[sp++] = r;
        emit(c, r.lo, r.scope);
    }
    while (sp) {
        sp--;
        emit(c, stack[sp].hi, sp ? stack[sp - 1].scope : -1);
    }
    free(stack);
}

int hp_dw_build_tables(hp_dw_cu *cu, hp_dw_range *ranges, size_t nranges)
{
    flat_ctx c = {.out = cu};
    flatten(&c, ranges, nranges);
    if (c.oom)
        return -ENOMEM;
    if (cu->nrows)
        sort_unless_sorted(cu->rows, cu->nrows, sizeof(*cu->rows), hp_dw_row_cmp);
    return 0;
}

/* ---- the CU index ---------------------------------------------------------- */

static int extent_cmp(const void *a, const void *b)
{
    const hp_dw_extent *x = a, *y = b;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    if (x->hi != y->hi)
        return x->hi < y->hi ? -1 : 1;
    return x->cu < y->cu ? -1 : x->cu > y->cu;
}

int hp_dw_build_index(hp_dwarf_info *d, const hp_dw_range *ranges, size_t nranges)
{
    free(d->index);
    d->index = NULL;
    d->nindex = 0;
    hp_addr_index_free(&d->index_ix);
    if (!nranges)
        return 0;
    d->index = hp_new0(hp_dw_extent, nranges);
    if (!d->index)
        return -ENOMEM;
    for (size_t i = 0; i < nranges; i++) {
        if (ranges[i].scope < 0 || (size_t)ranges[i].scope >= d->ncus)
            continue;
        d->index[d->nindex++] = (hp_dw_extent){
            .lo = ranges[i].lo, .hi = ranges[i].hi, .cu = (uint32_t)ranges[i].scope};
    }
    qsort(d->index, d->nindex, sizeof(*d->index), extent_cmp);
    uint64_t maxhi = 0;
    for (size_t i = 0; i < d->nindex; i++) {
        if (d->index[i].hi > maxhi)
            maxhi = d->index[i].hi;
        d->index[i].maxhi = maxhi;
    }
    return 0;
}

int hp_dw_add_row(hp_dw_cu *o, size_t *alloc, hp_dw_row row, size_t *seq_start, bool *in_seq)
{
    bool endseq = row.file == UINT32_MAX;
    if (!*in_seq) {
        *seq_start = o->nrows;
        *in_seq = true;
    }
    size_t start = *seq_start;
    if (o->nrows > start && o->rows[o->nrows - 1].addr > row.addr && !endseq)
        return 0; /* non-monotonic row: ignore it */
    if (o->nrows > start && o->rows[o->nrows - 1].addr == row.addr) {
        /* same address twice in a sequence: binutils keeps the last row; a
         * row at the end address of its sequence is empty */
        o->rows[o->nrows - 1] = row;
    } else {
        if (HP_GROW(o->rows, *alloc, o->nrows + 1) < 0)
            return -ENOMEM;
        o->rows[o->nrows++] = row;
    }
    if (endseq) {
        *in_seq = false;
        /* sequences of removed code start at 0: drop them */
        if (o->rows[start].addr == 0 || o->nrows - start < 2)
            o->nrows = start;
    }
    return 0;
}

int hp_dw_cu_extents(const hp_dw_cu *cu, int32_t cu_no, hp_dw_range **arr, size_t *n,
                     size_t *alloc)
{
    for (size_t k = 0; k + 1 < cu->nsegs; k++) {
        if (cu->segs[k].scope < 0)
            continue;
        size_t e = k + 1;
        while (e + 1 < cu->nsegs && cu->segs[e].scope >= 0)
            e++;
        if (HP_GROW(*arr, *alloc, *n + 1) < 0)
            return -ENOMEM;
        (*arr)[(*n)++] = (hp_dw_range){cu->segs[k].lo, cu->segs[e].lo, cu_no, 0};
        k = e - 1;
    }
    for (size_t k = 0; k < cu->nrows; k++) {
        size_t e = k;
        while (e < cu->nrows && cu->rows[e].file != UINT32_MAX)
            e++;
        if (e == cu->nrows)
            break;
        if (cu->rows[e].addr > cu->rows[k].addr) {
            if (HP_GROW(*arr, *alloc, *n + 1) < 0)
                return -ENOMEM;
            (*arr)[(*n)++] = (hp_dw_range){cu->rows[k].addr, cu->rows[e].addr, cu_no, 0};
        }
        k = e;
    }
    return 0;
}

void hp_dw_cu_release(hp_dw_cu *cu)
{
    free(cu->scopes);
    if (!cu->mapped) {
        free(cu->segs);
        free(cu->rows);
    }
    cu->mapped = false;
    cu->file_base = 0;
    hp_addr_index_free(&cu->segs_ix);
    hp_addr_index_free(&cu->rows_ix);
    cu->scopes = NULL;
    cu->segs = NULL;
    cu->rows = NULL;
    cu->nscopes = cu->nsegs = cu->nrows = 0;
}
