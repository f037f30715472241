/*
 * cache.c - the symbol cache: one file per object in $XDG_CACHE_HOME/cpprof
 * (default ~/.cache/cpprof) holding what decoding the object produced: its
 * ELF function symbols (both views, see symbolizer.c) and its DWARF tables
 * per compilation unit (the CU index, and for each CU decoded so far its
 * scopes, segments, line rows and file names), so that a later run maps the
 * file and decodes only the CUs it does not hold.
 *
 * A file is named by the object's build-id (else by a hash of its identity)
 * and holds an identity string (build-id or path + size + mtime of the
 * object, and path + size + mtime of the debug and dwz files used): it is
 * used only when that string matches. Everything read from it is checked
 * (format version, byte order, size, checksum, every offset, count, index,
 * string and sort order) before use; a file failing a check is ignored and
 * rewritten. Files are written under a temporary name and renamed into place,
 * so concurrent writers and readers never see a partial file (the last
 * rename wins). After a write the directory is trimmed to
 * HP_SYM_CACHE_MAX_BYTES, least recently used first (a hit refreshes its
 * file's mtime). Any failure (unwritable directory, full disk) only means
 * no cache.
 */
#include "hp_common.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdalign.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hp_buf.h"
#include "cache_format.h"
#include "sym_cache.h"

struct hp_sym_cache {
    const uint8_t *map;
    size_t size;
    hp_cache_header h;
    const char *strings;
};

/* ---- helpers -------------------------------------------------------------- */

char *hp_symbolizer_cache_dir(void)
{
    const char *off = getenv("CPPROF_SYMBOL_CACHE");
    if (off && !strcmp(off, "off"))
        return NULL;
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    hp_buf b = HP_BUF_INIT;
    if (xdg && xdg[0] == '/')
        hp_buf_addf(&b, "%s/cpprof", xdg);
    else if (home && *home)
        hp_buf_addf(&b, "%s/.cache/cpprof", home);
    else
        return NULL;
    return hp_buf_detach(&b, NULL);
}

/* ---- reading -------------------------------------------------------------- */

/* Whether [off, off + n * size) lies in the file, 8-byte aligned. */
static bool in_file(const hp_sym_cache *c, uint64_t off, uint64_t n, size_t size)
{
    return off % 8 == 0 && off <= c->size && n <= (c->size - off) / size;
}

/* The string at off, or NULL when off is HP_CACHE_NONE; *ok = false when out of range. */
static const char *str_at(const hp_sym_cache *c, uint32_t off, bool *ok)
{
    if (off == HP_CACHE_NONE)
        return NULL;
    if (off >= c->h.strings_size) {
        *ok = false;
        return NULL;
    }
    return c->strings + off;
}

static bool check_syms(const hp_sym_cache *c, uint64_t off, uint64_t n)
{
    if (n > HP_SYM_MAX_SYMBOLS || !in_file(c, off, n, sizeof(hp_cache_sym)))
        return false;
    uint64_t prev = 0;
    for (uint64_t i = 0; i < n; i++) {
        hp_cache_sym s;
        memcpy(&s, c->map + off + i * sizeof(s), sizeof(s));
        if (s.raw >= c->h.strings_size || (i && s.start <= prev))
            return false;
        prev = s.start;
    }
    return true;
}

/* The checks below read the tables in place: in_file made sure they are
 * 8-byte aligned in the (8-byte aligned) mapping. They accumulate instead of
 * branching per element: a valid file is read whole at every open. */
static bool check_cu(const hp_sym_cache *c, const hp_cache_cu *u)
{
    if (!u->cached)
        return true;
    if (!in_file(c, u->scopes_off, u->nscopes, sizeof(hp_cache_scope)) ||
        !in_file(c, u->segs_off, u->nsegs, sizeof(hp_cache_seg)) ||
        !in_file(c, u->rows_off, u->nrows, sizeof(hp_cache_row)) ||
        !in_file(c, u->files_off, u->nfiles, sizeof(uint32_t)) || u->nscopes > INT32_MAX)
        return false;
    uint64_t nstr = c->h.strings_size;
    bool bad = false;
    const hp_cache_scope *sc = (const hp_cache_scope *)(const void *)(c->map + u->scopes_off);
    for (uint32_t i = 0; i < u->nscopes; i++) {
        const hp_cache_scope *s = &sc[i];
        bad |= (s->name != HP_CACHE_NONE) & (s->name >= nstr);
        bad |= (s->call_file != HP_CACHE_NONE) & (s->call_file >= nstr);
        bad |= (s->parent < -1) | (s->parent >= (int32_t)i) | (s->flags > 3);
        bad |= (s->flags & 1) && s->name == HP_CACHE_NONE;
    }
    /* unsigned "x + 1 > n": x >= n, but for -1 or HP_CACHE_NONE (+ 1 == 0),
     * valid; the previous key in a register, the first checked alone */
    const hp_cache_seg *sg = (const hp_cache_seg *)(const void *)(c->map + u->segs_off);
    uint64_t prev = u->nsegs ? sg[0].lo : 0;
    bad |= u->nsegs && (uint32_t)sg[0].scope + 1u > u->nscopes;
    for (uint32_t i = 1; i < u->nsegs; i++) {
        bad |= (uint32_t)sg[i].scope + 1u > u->nscopes;
        bad |= sg[i].lo <= prev;
        prev = sg[i].lo;
    }
    const hp_cache_row *r = (const hp_cache_row *)(const void *)(c->map + u->rows_off);
    prev = u->nrows ? r[0].addr : 0;
    for (uint32_t i = 0; i < u->nrows; i++) {
        bad |= r[i].file + 1u > u->nfiles;
        bad |= r[i].addr < prev;
        prev = r[i].addr;
    }
    const uint32_t *f = (const uint32_t *)(const void *)(c->map + u->files_off);
    for (uint32_t i = 0; i < u->nfiles; i++)
        bad |= f[i] >= nstr;
    return !bad;
}

/* Every check of the file comment; false when c must not be used. */
static bool check_file(hp_sym_cache *c, const char *ident)
{
    hp_cache_header *h = &c->h;
    if (c->size < sizeof(*h))
        return false;
    memcpy(h, c->map, sizeof(*h));
    size_t after = offsetof(hp_cache_header, strings_off);
    if (memcmp(h->magic, HP_CACHE_MAGIC, 8) || h->version != HP_CACHE_VERSION ||
        h->byte_order != HP_CACHE_BOM ||
        h->size != c->size || h->checksum != hp_cache_checksum(c->map + after, c->size - after))
        return false;
    if (!in_file(c, h->strings_off, h->strings_size, 1) || !h->strings_size ||
        h->strings_size >= HP_CACHE_NONE || c->map[h->strings_off + h->strings_size - 1] != '\0')
        return false;
    c->strings = (const char *)c->map + h->strings_off;
    bool ok = true;
    const char *id = str_at(c, h->ident, &ok);
    if (!ok || !id || strcmp(id, ident))
        return false;
    if (!check_syms(c, h->syms_off, h->nsyms) ||
        (!(h->flags & HP_CACHE_F_NM_SAME) && !check_syms(c, h->nm_off, h->nnm)))
        return false;
    if (!(h->flags & HP_CACHE_F_DWARF))
        return true;
    if (h->ncus > INT32_MAX || !in_file(c, h->cus_off, h->ncus, sizeof(hp_cache_cu)) ||
        !in_file(c, h->index_off, h->nindex, sizeof(hp_cache_extent)))
        return false;
    for (uint64_t i = 0; i < h->ncus; i++) {
        hp_cache_cu u;
        memcpy(&u, c->map + h->cus_off + i * sizeof(u), sizeof(u));
        if (!check_cu(c, &u))
            return false;
    }
    for (uint64_t i = 0; i < h->nindex; i++) {
        hp_cache_extent e;
        memcpy(&e, c->map + h->index_off + i * sizeof(e), sizeof(e));
        if (e.cu >= h->ncus || e.hi < e.lo)
            return false;
        if (i) {
            hp_cache_extent p;
            memcpy(&p, c->map + h->index_off + (i - 1) * sizeof(p), sizeof(p));
            if (e.lo < p.lo)
                return false;
        }
    }
    return true;
}

int hp_sym_cache_from_memory(const void *data, size_t size, const char *ident,
                             hp_sym_cache **ret)
{
    hp_sym_cache *c = hp_new0(hp_sym_cache, 1);
    if (!c)
        return -ENOMEM;
    c->map = data;
    c->size = size;
    if ((uintptr_t)data % 8) { /* tables are used in place */
        free(c);
        return -EINVAL;
    }
    if (!check_file(c, ident)) {
        free(c);
        return -EBADMSG;
    }
    *ret = c;
    return 0;
}

int hp_sym_cache_open(const char *dir, const char *name, const char *ident, hp_sym_cache **ret)
{
    hp_buf p = HP_BUF_INIT;
    hp_buf_addf(&p, "%s/%s", dir, name);
    if (!hp_buf_ok(&p))
        return -ENOMEM;
    int fd = open(p.buf, O_RDONLY | O_CLOEXEC);
    struct stat st;
    void *map = MAP_FAILED;
    if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0 && (uint64_t)st.st_size < SIZE_MAX)
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (fd >= 0)
        close(fd);
    int r = -ENOENT;
    if (map != MAP_FAILED) {
        r = hp_sym_cache_from_memory(map, (size_t)st.st_size, ident, ret);
        if (r < 0)
            munmap(map, (size_t)st.st_size);
        else
            (void)utimensat(AT_FDCWD, p.buf, NULL, 0); /* recently used: evicted last */
    }
    hp_buf_release(&p);
    return r;
}

hp_sym_cache *hp_sym_cache_close(hp_sym_cache *c, bool mapped)
{
    if (c && mapped)
        munmap((void *)c->map, c->size);
    free(c);
    return NULL;
}

static int read_syms(const hp_sym_cache *c, uint64_t off, uint64_t n, hp_elfsym **ret,
                     size_t *ret_n)
{
    hp_elfsym *s = hp_new0(hp_elfsym, n ? n : 1);
    if (!s)
        return -ENOMEM;
    for (uint64_t i = 0; i < n; i++) {
        hp_cache_sym f;
        memcpy(&f, c->map + off + i * sizeof(f), sizeof(f));
        s[i] = (hp_elfsym){.start = f.start, .size = f.size, .raw = c->strings + f.raw};
    }
    *ret = s;
    *ret_n = n;
    return 0;
}

int hp_sym_cache_symbols(const hp_sym_cache *c, hp_elfsym **syms, size_t *nsyms,
                         hp_elfsym **nm, size_t *nnm)
{
    int r = read_syms(c, c->h.syms_off, c->h.nsyms, syms, nsyms);
    if (r == 0 && c->h.flags & HP_CACHE_F_NM_SAME) {
        *nm = *syms;
        *nnm = *nsyms;
    } else if (r == 0 && (r = read_syms(c, c->h.nm_off, c->h.nnm, nm, nnm)) < 0) {
        free(*syms);
        *syms = NULL;
    }
    return r;
}

bool hp_sym_cache_has_dwarf(const hp_sym_cache *c)
{
    return c && (c->h.flags & HP_CACHE_F_DWARF);
}

int hp_sym_cache_dwarf(const hp_sym_cache *c, hp_dwarf_info *d)
{
    const hp_cache_header *h = &c->h;
    d->cus = hp_new0(hp_dw_cu, h->ncus ? h->ncus : 1);
    d->index = hp_new0(hp_dw_extent, h->nindex ? h->nindex : 1);
    if (!d->cus || !d->index)
        return -ENOMEM;
    d->ncus = h->ncus;
    for (uint64_t i = 0; i < h->ncus; i++) {
        hp_cache_cu u;
        memcpy(&u, c->map + h->cus_off + i * sizeof(u), sizeof(u));
        d->cus[i] = (hp_dw_cu){.die_off = u.die_off, .version = u.version,
                               .state = HP_DW_CU_PENDING};
    }
    uint64_t maxhi = 0;
    for (uint64_t i = 0; i < h->nindex; i++) {
        hp_cache_extent e;
        memcpy(&e, c->map + h->index_off + i * sizeof(e), sizeof(e));
        maxhi = e.hi > maxhi ? e.hi : maxhi;
        d->index[i] = (hp_dw_extent){.lo = e.lo, .hi = e.hi, .maxhi = maxhi, .cu = e.cu};
    }
    d->nindex = h->nindex;
    d->has_lines = h->flags & HP_CACHE_F_LINES;
    return 0;
}

/* The cached CU with this DIE offset (bisection: CUs are stored sorted), or -1. */
static int64_t find_cu(const hp_sym_cache *c, uint64_t die_off, hp_cache_cu *ret)
{
    size_t lo = 0, hi = c->h.ncus;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        memcpy(ret, c->map + c->h.cus_off + mid * sizeof(*ret), sizeof(*ret));
        if (ret->die_off == die_off)
            return ret->cached ? (int64_t)mid : -1;
        if (ret->die_off < die_off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

bool hp_sym_cache_has_cu(const hp_sym_cache *c, uint64_t die_off)
{
    hp_cache_cu u;
    return c && find_cu(c, die_off, &u) >= 0;
}

/* The cached segments and rows are used in place: laid out as the decoded
 * ones (a row's file numbers the CU's own list, cu->file_base). */
_Static_assert(sizeof(hp_cache_seg) == sizeof(hp_dw_seg) && offsetof(hp_dw_seg, lo) == 0 &&
                   offsetof(hp_cache_seg, scope) == offsetof(hp_dw_seg, scope) &&
                   sizeof(((hp_dw_seg *)0)->scope) == sizeof(int32_t),
               "hp_cache_seg is hp_dw_seg");
_Static_assert(sizeof(hp_cache_row) == sizeof(hp_dw_row) && offsetof(hp_dw_row, addr) == 0 &&
                   offsetof(hp_cache_row, file) == offsetof(hp_dw_row, file) &&
                   offsetof(hp_cache_row, line) == offsetof(hp_dw_row, line) &&
                   HP_CACHE_NONE == UINT32_MAX,
               "hp_cache_row is hp_dw_row");

int hp_sym_cache_load_cu(const hp_sym_cache *c, hp_dwarf_info *d, size_t i)
{
    hp_dw_cu *cu = &d->cus[i];
    hp_cache_cu u;
    if (find_cu(c, cu->die_off, &u) < 0)
        return -ENOENT;
    size_t base = d->nfiles;
    if (HP_GROW(d->files, d->files_alloc, d->nfiles + u.nfiles + 1) < 0)
        return -ENOMEM;
    cu->scopes = hp_new0(hp_dw_scope, u.nscopes ? u.nscopes : 1);
    if (!cu->scopes)
        return -ENOMEM;
    bool ok = true;
    for (uint32_t k = 0; k < u.nfiles; k++) {
        uint32_t f;
        memcpy(&f, c->map + u.files_off + (uint64_t)k * 4, 4);
        d->files[d->nfiles++] = c->strings + f;
    }
    const hp_cache_scope *sc = (const hp_cache_scope *)(const void *)(c->map + u.scopes_off);
    for (uint32_t k = 0; k < u.nscopes; k++) {
        const hp_cache_scope *s = &sc[k];
        cu->scopes[k] = (hp_dw_scope){.name = str_at(c, s->name, &ok),
                                      .call_file = str_at(c, s->call_file, &ok),
                                      .call_line = s->call_line,
                                      .parent = s->parent,
                                      .mangled = s->flags & 1,
                                      .plain = s->flags & 2,
                                      .entry = s->entry};
    }
    /* checked by check_cu: sorted, scopes and files in range, 8-byte aligned */
    cu->segs = (hp_dw_seg *)(uintptr_t)(c->map + u.segs_off);
    cu->rows = (hp_dw_row *)(uintptr_t)(c->map + u.rows_off);
    cu->mapped = true;
    cu->file_base = base;
    cu->nscopes = u.nscopes;
    cu->nsegs = u.nsegs;
    cu->nrows = u.nrows;
    cu->state = HP_DW_CU_DONE;
    return 0;
}

size_t hp_sym_cache_cached_cus(const hp_sym_cache *c)
{
    size_t n = 0;
    for (uint64_t i = 0; c && (c->h.flags & HP_CACHE_F_DWARF) && i < c->h.ncus; i++) {
        hp_cache_cu u;
        memcpy(&u, c->map + c->h.cus_off + i * sizeof(u), sizeof(u));
        n += u.cached != 0;
    }
    return n;
}

int hp_sym_cache_ensure(const hp_sym_cache *c, hp_dwarf_info *d, const uint32_t *cus, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (cus[i] >= d->ncus || d->cus[cus[i]].state != HP_DW_CU_PENDING)
            continue;
        int r = hp_sym_cache_load_cu(c, d, cus[i]);
        if (r < 0)
            return r;
    }
    return 0;
}
