/*
 * dwarf_tables.c - the libdwarf-free half of DWARF decoding: flattens the
 * nested scope ranges decoded by dwarf.c into disjoint "innermost scope"
 * segments, sorts the line rows, keeps the CU index, answers lookups by
 * bisection, and checks .debug_rnglists with libelf before libdwarf sees it.
 */
#include "hp_common.h"

#include <gelf.h>
#include <libelf.h>

#include "symbolizer-internal.h"

/* ---- guards against libdwarf 20210528 bugs ------------------------------- */

/* Headers of a DWARF 5 .debug_rnglists / .debug_loclists section, checked at
 * least as strictly as libdwarf does: its error path for a bad table header
 * frees the table twice (dwarf_load_rnglists, seen with ASan). */
static bool lists_section_ok(const unsigned char *p, size_t n)
{
    size_t off = 0;
    while (off < n) {
        if (n - off < 4)
            return false;
        uint32_t len32;
        memcpy(&len32, p + off, 4);
        uint64_t len = len32;
        size_t hdr = 4;
        if (len32 == 0xffffffffu) {
            if (n - off < 12)
                return false;
            memcpy(&len, p + off + 4, 8);
            hdr = 12;
        } else if (len32 >= 0xfffffff0u) {
            return false;
        }
        size_t osize = hdr == 12 ? 8 : 4;
        if (len < 8 || len > n - off - hdr)
            return false;
        const unsigned char *t = p + off + hdr;
        uint16_t version;
        memcpy(&version, t, 2);
        uint8_t asize = t[2], segsize = t[3];
        uint32_t count;
        memcpy(&count, t + 4, 4);
        if (version != 5 || (asize != 4 && asize != 8) || segsize != 0 ||
            (uint64_t)count * osize > len - 8)
            return false;
        off += hdr + (size_t)len;
    }
    return true;
}

/* Returns NULL when the DWARF of fd looks safe to hand to libdwarf, else why not. */
const char *hp_dw_precheck(int fd)
{
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    const char *why = NULL;
    size_t shstrndx;
    if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getshdrstrndx(elf, &shstrndx) != 0) {
        why = "not an ELF file";
        goto out;
    }
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(elf, scn)) && !why) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
            continue;
        const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
        if (!name || strncmp(name, ".debug_", 7) != 0)
            continue;
        /* Only .debug_rnglists is read through the buggy path (the symbolizer
         * never asks libdwarf for location lists), and decompressing the other
         * sections here would double the cost of opening a compressed debug
         * file: libdwarf decompresses what it reads itself. Their compression
         * headers are still checked. */
        bool lists = !strcmp(name, ".debug_rnglists");
        if (sh.sh_flags & SHF_COMPRESSED) {
            GElf_Chdr ch;
            if (!gelf_getchdr(scn, &ch) || ch.ch_type != ELFCOMPRESS_ZLIB ||
                ch.ch_size / 1100 > sh.sh_size) {
                why = "bad compressed debug section";
                break;
            }
            if (lists && elf_compress(scn, 0, 0) < 0) {
                why = "cannot decompress a debug section";
                break;
            }
        }
        if (!lists)
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        if (!d || (d->d_size && !d->d_buf) || !lists_section_ok(d->d_buf, d->d_size))
            why = "bad .debug_rnglists or .debug_loclists header";
    }
out:
    if (elf)
        elf_end(elf);
    return why;
}

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

static int row_cmp(const void *a, const void *b)
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
        sort_unless_sorted(cu->rows, cu->nrows, sizeof(*cu->rows), row_cmp);
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
    free(cu->segs);
    free(cu->rows);
    cu->scopes = NULL;
    cu->segs = NULL;
    cu->rows = NULL;
    cu->nscopes = cu->nsegs = cu->nrows = 0;
}

/* ---- lookups ------------------------------------------------------------------ */

/* Innermost scope of cu at addr, -1 for none. */
static int32_t cu_scope(const hp_dw_cu *cu, uint64_t addr)
{
    size_t lo = 0, hi = cu->nsegs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cu->segs[mid].lo <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? cu->segs[lo - 1].scope : -1;
}

/* Last row of cu at or before addr (an end of sequence included), NULL for none. */
static const hp_dw_row *cu_row(const hp_dw_cu *cu, uint64_t addr)
{
    size_t lo = 0, hi = cu->nrows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cu->rows[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? &cu->rows[lo - 1] : NULL;
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

/* Number of the CUs whose extents cover addr, stored in cus[] (up to max). */
size_t hp_dw_covering_cus(const hp_dwarf_info *d, uint64_t addr, uint32_t *cus, size_t max)
{
    size_t lo = 0, hi = d->nindex;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->index[mid].lo <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
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
    size_t ncand = hp_dw_covering_cus(d, addr, cand, 8);
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
        if (r && (!row || row_cmp(r, row) > 0))
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
