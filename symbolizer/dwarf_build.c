/*
 * dwarf_build.c - the libdwarf-free bookkeeping behind dwarf.c (hp_dw_state):
 * registering CUs and gathering their index ranges, collecting the scopes and
 * pc ranges of the CU being decoded, mapping its line table's file numbers
 * to joined file names and appending its rows, the name cache keyed by DIE
 * offset, the attribute masks keyed by abbreviation offset, interning and
 * namespace qualification of names, completing a scope's name on its first
 * lookup (demangling, the plain-name hook), and the tally of DWARF errors
 * that becomes the object's one-line warning.
 * dwarf.c reads the DIEs and the line table; everything it keeps goes
 * through here.
 */
#include "hp_common.h"

#include "hp_demangle.h"
#include "hp_hash.h"
#include "symbolizer-internal.h"

/* ---- errors and strings ----------------------------------------------------- */

void hp_dw_error(hp_dw_state *b, const char *what, const char *msg)
{
    if (b->nerrors++ == 0)
        snprintf(b->first_error, sizeof(b->first_error), "%s: %s", what,
                 msg ? msg : "unknown error");
}

void hp_dw_set_warning(hp_dw_state *b)
{
    if (!b->nerrors || b->out->warning)
        return;
    char msg[256];
    snprintf(msg, sizeof(msg), "corrupt DWARF: %s%s", b->first_error,
             b->nerrors > 1 ? " (and more errors)" : "");
    b->out->warning = hp_sym_intern(b->strs, msg, SIZE_MAX);
}

const char *hp_dw_intern(hp_dw_state *b, const char *s, size_t n)
{
    const char *r = hp_sym_intern(b->strs, s, n);
    if (!r)
        b->oom = true;
    return r;
}

const char *hp_dw_concat(hp_dw_state *b, const char *x, const char *y, const char *z)
{
    hp_buf_reset(&b->tmp);
    hp_buf_addf(&b->tmp, "%s%s%s", x ? x : "", y ? y : "", z ? z : "");
    if (!hp_buf_ok(&b->tmp)) {
        b->oom = true;
        return NULL;
    }
    return hp_dw_intern(b, b->tmp.buf, b->tmp.len);
}

/* ---- names cache -------------------------------------------------------------- */

/* Slot of key (DIE offset, dwz bit) in the open-addressing table; NULL on
 * allocation failure. A new slot is filled by the caller, who increments t->n. */
static hp_dw_name *name_find(hp_dw_names *t, uint64_t off, bool *found)
{
    if ((t->n + 1) * 2 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        hp_dw_name *ns = hp_new0(hp_dw_name, cap);
        if (!ns)
            return NULL;
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->slots[i].off)
                continue;
            size_t h = hp_hash_u64(t->slots[i].off) & (cap - 1);
            while (ns[h].off)
                h = (h + 1) & (cap - 1);
            ns[h] = t->slots[i];
        }
        free(t->slots);
        t->slots = ns;
        t->cap = cap;
    }
    size_t h = hp_hash_u64(off + 1) & (t->cap - 1);
    while (t->slots[h].off && t->slots[h].off != off + 1)
        h = (h + 1) & (t->cap - 1);
    *found = t->slots[h].off == off + 1;
    return &t->slots[h];
}

const hp_dw_name *hp_dw_name_get(hp_dw_state *b, uint64_t off, bool alt)
{
    bool found;
    if (off >= HP_DW_ALT_OFF)
        return NULL;
    hp_dw_name *slot = name_find(&b->names, off | (alt ? HP_DW_ALT_OFF : 0), &found);
    if (!slot)
        b->oom = true;
    return slot && found ? slot : NULL;
}

void hp_dw_name_put(hp_dw_state *b, uint64_t off, bool alt, const char *name, int linkage)
{
    bool found;
    if (off >= HP_DW_ALT_OFF)
        return;
    off |= alt ? HP_DW_ALT_OFF : 0;
    hp_dw_name *slot = name_find(&b->names, off, &found);
    if (!slot) {
        b->oom = true;
        return;
    }
    if (found)
        return;
    *slot = (hp_dw_name){.off = off + 1, .name = name, .linkage = linkage};
    b->names.n++;
}

/* ---- abbreviation masks ------------------------------------------------------- */

static hp_dw_mask *mask_find(hp_dw_state *b, uint64_t key, bool *found)
{
    if ((b->nmasks + 1) * 2 > b->masks_cap) {
        size_t cap = b->masks_cap ? b->masks_cap * 2 : 256;
        hp_dw_mask *ns = hp_new0(hp_dw_mask, cap);
        if (!ns)
            return NULL;
        for (size_t i = 0; i < b->masks_cap; i++) {
            if (!b->masks[i].key)
                continue;
            size_t h = hp_hash_u64(b->masks[i].key) & (cap - 1);
            while (ns[h].key)
                h = (h + 1) & (cap - 1);
            ns[h] = b->masks[i];
        }
        free(b->masks);
        b->masks = ns;
        b->masks_cap = cap;
    }
    size_t h = hp_hash_u64(key + 1) & (b->masks_cap - 1);
    while (b->masks[h].key && b->masks[h].key != key + 1)
        h = (h + 1) & (b->masks_cap - 1);
    *found = b->masks[h].key == key + 1;
    return &b->masks[h];
}

bool hp_dw_mask_get(hp_dw_state *b, uint64_t off, bool alt, uint32_t *ret)
{
    bool found = false;
    hp_dw_mask *m =
        off < HP_DW_ALT_OFF ? mask_find(b, off | (alt ? HP_DW_ALT_OFF : 0), &found) : NULL;
    if (found)
        *ret = m->mask;
    return found;
}

void hp_dw_mask_put(hp_dw_state *b, uint64_t off, bool alt, uint32_t mask)
{
    bool found;
    if (off >= HP_DW_ALT_OFF)
        return;
    off |= alt ? HP_DW_ALT_OFF : 0;
    hp_dw_mask *m = mask_find(b, off, &found);
    if (m && !found) {
        *m = (hp_dw_mask){.key = off + 1, .mask = mask};
        b->nmasks++;
    }
}

/* ---- CUs, scopes and ranges ------------------------------------------------------ */

void hp_dw_add_range(hp_dw_state *b, uint64_t lo, uint64_t hi, int32_t scope, uint32_t depth)
{
    /* lo == 0: code removed by the linker (--gc-sections) keeps address 0. */
    if (lo == 0 || hi <= lo || hi - lo > (1ull << 40))
        return;
    if (HP_GROW(b->ranges, b->ranges_alloc, b->nranges + 1) < 0) {
        b->oom = true;
        return;
    }
    b->ranges[b->nranges++] = (hp_dw_range){.lo = lo, .hi = hi, .scope = scope, .depth = depth};
}

int32_t hp_dw_add_cu(hp_dw_state *b, uint64_t die_off, uint16_t version)
{
    hp_dwarf_info *d = b->out;
    if (d->ncus >= INT32_MAX || HP_GROW(d->cus, b->cus_alloc, d->ncus + 1) < 0) {
        b->oom = true;
        return -1;
    }
    d->cus[d->ncus] = (hp_dw_cu){.die_off = die_off, .version = version, .state = HP_DW_CU_PENDING};
    b->nranges = 0;
    return (int32_t)d->ncus++;
}

bool hp_dw_take_cu_ranges(hp_dw_state *b)
{
    size_t n = b->nranges;
    b->nranges = 0;
    if (!n || b->oom)
        return false;
    if (HP_GROW(b->cuext, b->cuext_alloc, b->ncuext + n) < 0) {
        b->oom = true;
        return true;
    }
    memcpy(b->cuext + b->ncuext, b->ranges, n * sizeof(*b->ranges));
    b->ncuext += n;
    return true;
}

void hp_dw_index_decoded(hp_dw_state *b, size_t i)
{
    hp_dw_cu *cu = &b->out->cus[i];
    if (cu->state == HP_DW_CU_DONE &&
        hp_dw_cu_extents(cu, (int32_t)i, &b->cuext, &b->ncuext, &b->cuext_alloc) < 0)
        b->oom = true;
}

int hp_dw_finish_index(hp_dw_state *b, bool keep)
{
    if (!b->oom && hp_dw_build_index(b->out, b->cuext, b->ncuext) < 0)
        b->oom = true;
    if (keep && !b->oom)
        return 0;
    free(b->cuext);
    b->cuext = NULL;
    b->ncuext = b->cuext_alloc = 0;
    return b->oom ? -ENOMEM : 0;
}

void hp_dw_cu_begin(hp_dw_state *b, size_t i)
{
    b->cu = &b->out->cus[i];
    b->nranges = 0;
    b->scopes_alloc = b->rows_alloc = 0;
    b->comp_dir = NULL;
    b->file_base = b->out->nfiles;
    b->file_lo = b->file_hi = 0;
    b->in_seq = false;
}

void hp_dw_cu_end(hp_dw_state *b)
{
    hp_dw_cu *cu = b->cu;
    if (!b->oom && hp_dw_build_tables(cu, b->ranges, b->nranges) < 0)
        b->oom = true;
    b->nranges = 0;
    b->cu = NULL;
    if (b->oom) {
        hp_dw_cu_release(cu);
        cu->state = HP_DW_CU_FAILED;
        return;
    }
    cu->state = HP_DW_CU_DONE;
}

int32_t hp_dw_new_scope(hp_dw_state *b, int32_t parent)
{
    hp_dw_cu *o = b->cu;
    if (o->nscopes >= INT32_MAX || HP_GROW(o->scopes, b->scopes_alloc, o->nscopes + 1) < 0) {
        b->oom = true;
        return -1;
    }
    o->scopes[o->nscopes] = (hp_dw_scope){.parent = parent};
    return (int32_t)o->nscopes++;
}

void hp_dw_drop_scope(hp_dw_state *b, size_t ranges_mark)
{
    b->nranges = ranges_mark;
    b->cu->nscopes--;
}

/* ---- files and line rows ------------------------------------------------------------ */

bool hp_dw_files_begin(hp_dw_state *b, int64_t lo, int64_t hi)
{
    hp_dwarf_info *o = b->out;
    b->file_base = o->nfiles;
    b->file_lo = b->file_hi = 0;
    if (lo < 0 || hi < lo || hi - lo > 1000000)
        return false;
    if (HP_GROW(o->files, o->files_alloc, o->nfiles + (size_t)(hi - lo)) < 0) {
        b->oom = true;
        return false;
    }
    b->file_lo = lo;
    b->file_hi = hi;
    return true;
}

static bool is_abs(const char *p)
{
    return p && p[0] == '/';
}

/* File name of a line-table entry (name, directory subdir) joined like
 * binutils' concat_filename, interned; NULL when name is NULL. */
static const char *join_file(hp_dw_state *b, const char *name, const char *subdir)
{
    if (!name)
        return NULL;
    if (is_abs(name))
        return hp_dw_intern(b, name, SIZE_MAX);
    const char *dir = NULL;
    if (!subdir || !is_abs(subdir))
        dir = b->comp_dir;
    if (!dir) {
        dir = subdir;
        subdir = NULL;
    }
    if (!dir)
        return hp_dw_intern(b, name, SIZE_MAX);
    hp_buf_reset(&b->tmp);
    if (subdir)
        hp_buf_addf(&b->tmp, "%s/%s/%s", dir, subdir, name);
    else
        hp_buf_addf(&b->tmp, "%s/%s", dir, name);
    if (!hp_buf_ok(&b->tmp)) {
        b->oom = true;
        return NULL;
    }
    return hp_dw_intern(b, b->tmp.buf, b->tmp.len);
}

void hp_dw_add_file(hp_dw_state *b, const char *name, const char *dir)
{
    hp_dwarf_info *o = b->out;
    if (o->nfiles < o->files_alloc)
        o->files[o->nfiles++] = join_file(b, name, dir);
}

const char *hp_dw_file(const hp_dw_state *b, uint64_t fileno)
{
    if ((int64_t)fileno < b->file_lo || (int64_t)fileno >= b->file_hi)
        return NULL;
    return b->out->files[b->file_base + (size_t)(fileno - (uint64_t)b->file_lo)];
}

void hp_dw_add_line(hp_dw_state *b, uint64_t addr, uint64_t fileno, uint64_t line, bool endseq)
{
    uint32_t file = UINT32_MAX - 1;
    if ((int64_t)fileno >= b->file_lo && (int64_t)fileno < b->file_hi)
        file = (uint32_t)(b->file_base + (size_t)(fileno - (uint64_t)b->file_lo));
    if (endseq)
        file = UINT32_MAX;
    hp_dw_row row = {.addr = addr, .file = file, .line = line > UINT32_MAX ? 0 : (uint32_t)line};
    if (hp_dw_add_row(b->cu, &b->rows_alloc, row, &b->seq_start, &b->in_seq) < 0)
        b->oom = true;
}

void hp_dw_lines_end(hp_dw_state *b)
{
    if (b->in_seq)
        b->cu->nrows = b->seq_start; /* unterminated sequence */
    b->in_seq = false;
}

/* ---- names on first lookup ------------------------------------------------------ */

const char *hp_dw_scope_name(hp_dwarf_info *d, hp_dw_scope *sc)
{
    if (sc->mangled) {
        char *dem = hp_demangle(sc->name, HP_DEMANGLE_FULL);
        sc->name = hp_sym_intern(d->strs, dem ? dem : sc->name, SIZE_MAX);
        sc->mangled = false;
        free(dem);
    }
    if (sc->plain) {
        sc->plain = false;
        if (d->hook)
            d->hook(d->hook_arg, sc);
    }
    return sc->name;
}

void hp_dw_state_release(hp_dw_state *b)
{
    free(b->ranges);
    free(b->cuext);
    free(b->names.slots);
    free(b->masks);
    hp_buf_release(&b->tmp);
}

void hp_dw_info_release(hp_dwarf_info *d)
{
    for (size_t i = 0; i < d->ncus; i++)
        hp_dw_cu_release(&d->cus[i]);
    free(d->cus);
    free(d->index);
    hp_addr_index_free(&d->index_ix);
    free(d->files);
    *d = (hp_dwarf_info){0};
}
