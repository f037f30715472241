/*
 * dwarf_tables.c - the libdwarf-free half of DWARF decoding: flattens the
 * nested scope ranges decoded by dwarf.c into disjoint "innermost scope"
 * segments, sorts the line rows, answers lookups by bisection, and checks
 * the DWARF 5 list sections with libelf before libdwarf sees them.
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
        if ((sh.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0) {
            why = "cannot decompress a debug section";
            break;
        }
        bool lists = !strcmp(name, ".debug_rnglists") || !strcmp(name, ".debug_loclists");
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

typedef struct flat_ctx {
    hp_dwarf_info *out;
    size_t segs_alloc;
    bool oom;
} flat_ctx;

static void emit(flat_ctx *c, uint64_t lo, int32_t scope)
{
    hp_dwarf_info *o = c->out;
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
    qsort(ranges, nranges, sizeof(*ranges), range_cmp);
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

int hp_dw_build_tables(hp_dwarf_info *info, hp_dw_range *ranges, size_t nranges)
{
    flat_ctx c = {.out = info};
    flatten(&c, ranges, nranges);
    if (c.oom)
        return -ENOMEM;
    if (info->nrows)
        qsort(info->rows, info->nrows, sizeof(*info->rows), row_cmp);
    return 0;
}

void hp_dwarf_release(hp_dwarf_info *d)
{
    if (!d)
        return;
    free(d->scopes);
    free(d->segs);
    free(d->rows);
    free(d->files);
    *d = (hp_dwarf_info){0};
}

size_t hp_dwarf_lookup(const hp_dwarf_info *d, uint64_t addr, hp_sym_frame *frames, size_t max)
{
    if (!max)
        return 0;
    int32_t scope = -1;
    size_t lo = 0, hi = d->nsegs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->segs[mid].lo <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo)
        scope = d->segs[lo - 1].scope;
    const hp_dw_row *row = NULL;
    lo = 0;
    hi = d->nrows;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->rows[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo && d->rows[lo - 1].file != UINT32_MAX)
        row = &d->rows[lo - 1];
    if (scope < 0 && !row)
        return 0;
    frames[0] = (hp_sym_frame){.function = scope >= 0 ? d->scopes[scope].name : NULL};
    if (row) {
        frames[0].file = row->file < d->nfiles ? d->files[row->file] : NULL;
        frames[0].line = row->line;
    }
    size_t n = 1;
    for (int32_t s = scope; s >= 0 && d->scopes[s].parent >= 0 && n < max; n++) {
        const hp_dw_scope *sc = &d->scopes[s];
        frames[n] = (hp_sym_frame){
            .function = d->scopes[sc->parent].name, .file = sc->call_file, .line = sc->call_line};
        s = sc->parent;
    }
    return n;
}
