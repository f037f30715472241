/*
 * cache_write.c - writes one symbol cache file (format in cache_format.h,
 * rules in cache.c): the records with string ids, then the strings, the ids
 * patched into offsets; written to a temporary file in the cache directory
 * and renamed over the old one; then the directory is trimmed to
 * HP_SYM_CACHE_MAX_BYTES, oldest first.
 */
#include "hp_common.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hp_buf.h"
#include "hp_hash.h"
#include "hp_str.h"
#include "hp_strtab.h"
#include "cache_format.h"
#include "sym_cache.h"

/* A string already stored, by its address: the tables hold interned
 * strings, most names and files are stored many times from the same address. */
typedef struct seen_str {
    const char *s;
    uint32_t id;
} seen_str;

typedef struct writer {
    hp_buf body; /* the records, after the header */
    hp_strtab *strs;
    size_t *fixups; /* positions in body of string ids to patch */
    size_t nfixups, fixups_alloc;
    seen_str *seen; /* open addressing by address, at most half full; NULL: none */
    size_t seen_mask, nseen;
    bool oom;
} writer;

/* Sizes w->seen for n strings stored (without it, every string is interned). */
static void seen_init(writer *w, size_t n)
{
    size_t slots = 64;
    while (slots < 2 * n && slots < ((size_t)1 << 30))
        slots *= 2;
    w->seen = hp_new0(seen_str, slots);
    w->seen_mask = slots - 1;
}

/* The id of s: its address looked up first, else interned (and remembered). */
static int64_t str_id(writer *w, const char *s)
{
    size_t h = 0;
    if (w->seen) {
        h = (size_t)hp_hash_u64((uint64_t)(uintptr_t)s) & w->seen_mask;
        for (; w->seen[h].s; h = (h + 1) & w->seen_mask)
            if (w->seen[h].s == s)
                return w->seen[h].id;
    }
    int64_t id = hp_strtab_intern(w->strs, s, strlen(s));
    if (id >= 0 && w->seen && (w->nseen + 1) * 2 <= w->seen_mask + 1) {
        w->seen[h] = (seen_str){s, (uint32_t)id};
        w->nseen++;
    }
    return id;
}

/* Position of n zeroed bytes appended to the body (8-byte aligned). */
static size_t reserve(writer *w, size_t n)
{
    size_t at = w->body.len;
    hp_buf_addz(&w->body, (n + 7) & ~(size_t)7);
    w->oom |= !hp_buf_ok(&w->body);
    return at;
}

/* Stores the id of s (NONE for NULL) at body position at, to be patched. */
static void put_str(writer *w, size_t at, const char *s)
{
    uint32_t id = HP_CACHE_NONE;
    if (s) {
        int64_t i = str_id(w, s);
        if (i < 0 || HP_GROW(w->fixups, w->fixups_alloc, w->nfixups + 1) < 0) {
            w->oom = true;
            return;
        }
        id = (uint32_t)i;
        w->fixups[w->nfixups++] = at;
    }
    if (!w->oom)
        memcpy(w->body.buf + at, &id, 4);
}

#define AT(w, pos, type) ((type *)(void *)((w)->body.buf + (pos)))

static uint64_t put_syms(writer *w, const hp_elfsym *s, size_t n)
{
    size_t at = reserve(w, n * sizeof(hp_cache_sym));
    for (size_t i = 0; i < n && !w->oom; i++) {
        size_t p = at + i * sizeof(hp_cache_sym);
        AT(w, p, hp_cache_sym)->start = s[i].start;
        AT(w, p, hp_cache_sym)->size = s[i].size;
        put_str(w, p + offsetof(hp_cache_sym, raw), s[i].raw);
    }
    return at;
}

/* The files the rows of cu use (numbers in d->files, so below nfiles),
 * ascending, into files[] (room for cu->nrows); their count, or SIZE_MAX
 * when out of memory. *ret_map[f - *ret_lo] is then 1 + the place of file f
 * in files[] (free it). The numbers a CU uses are a short range (its line
 * table's files, added together when decoded); the map covers that range. */
static size_t cu_files(const hp_dw_cu *cu, uint32_t *files, uint32_t **ret_map, uint32_t *ret_lo)
{
    size_t n = 0;
    uint32_t lo = UINT32_MAX, hi = 0;
    *ret_map = NULL;
    *ret_lo = 0;
    for (size_t i = 0; i < cu->nrows; i++) {
        if (cu->rows[i].file == UINT32_MAX)
            continue;
        uint32_t f = (uint32_t)(cu->file_base + cu->rows[i].file);
        lo = f < lo ? f : lo;
        hi = f > hi ? f : hi;
        files[n++] = f;
    }
    if (!n)
        return 0;
    uint32_t *map = hp_new0(uint32_t, (size_t)(hi - lo) + 1);
    if (!map)
        return SIZE_MAX;
    for (size_t i = 0; i < n; i++)
        map[files[i] - lo] = 1;
    size_t u = 0;
    for (uint64_t f = lo; f <= hi; f++) {
        if (map[f - lo]) {
            files[u++] = (uint32_t)f;
            map[f - lo] = (uint32_t)u;
        }
    }
    *ret_map = map;
    *ret_lo = lo;
    return u;
}

/* The tables of one decoded CU; its files renumbered from 0. */
static void put_cu(writer *w, const hp_dwarf_info *d, const hp_dw_cu *cu, size_t at)
{
    uint32_t *files = hp_new0(uint32_t, cu->nrows ? cu->nrows : 1);
    if (!files) {
        w->oom = true;
        return;
    }
    uint32_t *map, lo;
    size_t nfiles = cu_files(cu, files, &map, &lo);
    if (nfiles == SIZE_MAX) {
        free(files);
        w->oom = true;
        return;
    }
    size_t scopes = reserve(w, cu->nscopes * sizeof(hp_cache_scope));
    for (size_t i = 0; i < cu->nscopes && !w->oom; i++) {
        const hp_dw_scope *s = &cu->scopes[i];
        size_t p = scopes + i * sizeof(hp_cache_scope);
        AT(w, p, hp_cache_scope)->entry = s->entry;
        AT(w, p, hp_cache_scope)->call_line = s->call_line;
        AT(w, p, hp_cache_scope)->parent = s->parent;
        AT(w, p, hp_cache_scope)->flags = (s->mangled ? 1u : 0u) | (s->plain ? 2u : 0u);
        put_str(w, p + offsetof(hp_cache_scope, name), s->name);
        put_str(w, p + offsetof(hp_cache_scope, call_file), s->call_file);
    }
    size_t segs = reserve(w, cu->nsegs * sizeof(hp_cache_seg));
    for (size_t i = 0; i < cu->nsegs && !w->oom; i++) {
        AT(w, segs + i * sizeof(hp_cache_seg), hp_cache_seg)->lo = cu->segs[i].lo;
        AT(w, segs + i * sizeof(hp_cache_seg), hp_cache_seg)->scope = cu->segs[i].scope;
    }
    size_t rows = reserve(w, cu->nrows * sizeof(hp_cache_row));
    for (size_t i = 0; i < cu->nrows && !w->oom; i++) {
        hp_cache_row *r = AT(w, rows + i * sizeof(hp_cache_row), hp_cache_row);
        uint32_t f = cu->rows[i].file;
        if (f != UINT32_MAX)
            f = (uint32_t)(cu->file_base + f);
        r->addr = cu->rows[i].addr;
        r->file = f == UINT32_MAX ? HP_CACHE_NONE : map[f - lo] - 1;
        r->line = cu->rows[i].line;
    }
    size_t fl = reserve(w, nfiles * 4);
    for (size_t i = 0; i < nfiles && !w->oom; i++)
        put_str(w, fl + i * 4, files[i] < d->nfiles ? d->files[files[i]] : "");
    free(files);
    free(map);
    if (w->oom)
        return;
    hp_cache_cu *c = AT(w, at, hp_cache_cu);
    c->cached = 1;
    c->nscopes = (uint32_t)cu->nscopes;
    c->nsegs = (uint32_t)cu->nsegs;
    c->nrows = (uint32_t)cu->nrows;
    c->nfiles = (uint32_t)nfiles;
    c->scopes_off = sizeof(hp_cache_header) + scopes;
    c->segs_off = sizeof(hp_cache_header) + segs;
    c->rows_off = sizeof(hp_cache_header) + rows;
    c->files_off = sizeof(hp_cache_header) + fl;
}

/* Whether the tables of d can be stored: CUs sorted by DIE offset, no more than a file can name. */
static bool dwarf_storable(const hp_dwarf_info *d)
{
    if (d->ncus > INT32_MAX || d->warning)
        return false;
    for (size_t i = 0; i < d->ncus; i++) {
        const hp_dw_cu *cu = &d->cus[i];
        if ((i && cu->die_off <= d->cus[i - 1].die_off) || cu->nscopes > INT32_MAX ||
            cu->nsegs > UINT32_MAX || cu->nrows > UINT32_MAX)
            return false;
    }
    return true;
}

static void put_dwarf(writer *w, hp_cache_header *h, const hp_dwarf_info *d)
{
    h->flags |= HP_CACHE_F_DWARF | (d->has_lines ? HP_CACHE_F_LINES : 0);
    h->ncus = d->ncus;
    size_t cus = reserve(w, d->ncus * sizeof(hp_cache_cu));
    for (size_t i = 0; i < d->ncus && !w->oom; i++) {
        hp_cache_cu *c = AT(w, cus + i * sizeof(hp_cache_cu), hp_cache_cu);
        c->die_off = d->cus[i].die_off;
        c->version = d->cus[i].version;
        if (d->cus[i].state == HP_DW_CU_DONE)
            put_cu(w, d, &d->cus[i], cus + i * sizeof(hp_cache_cu));
    }
    h->cus_off = sizeof(*h) + cus;
    size_t idx = reserve(w, d->nindex * sizeof(hp_cache_extent));
    for (size_t i = 0; i < d->nindex && !w->oom; i++) {
        hp_cache_extent *e = AT(w, idx + i * sizeof(hp_cache_extent), hp_cache_extent);
        e->lo = d->index[i].lo;
        e->hi = d->index[i].hi;
        e->cu = d->index[i].cu;
    }
    h->nindex = d->nindex;
    h->index_off = sizeof(*h) + idx;
}

/* Header, body with string offsets, strings: the file's bytes in out. */
static int assemble(writer *w, hp_cache_header *h, hp_buf *out)
{
    uint32_t n = hp_strtab_count(w->strs);
    uint32_t *offs = hp_new0(uint32_t, n ? n : 1);
    if (!offs)
        return -ENOMEM;
    size_t len = 0;
    for (uint32_t i = 0; i < n; i++) {
        offs[i] = (uint32_t)len;
        len += strlen(hp_strtab_get(w->strs, i)) + 1;
    }
    for (size_t i = 0; i < w->nfixups; i++) {
        uint32_t id;
        memcpy(&id, w->body.buf + w->fixups[i], 4);
        memcpy(w->body.buf + w->fixups[i], &offs[id], 4);
    }
    free(offs);
    memcpy(&h->ident, w->body.buf, 4); /* the ident's offset, body position 0 */
    if (len >= HP_CACHE_NONE)
        return -E2BIG;
    h->strings_off = sizeof(*h) + w->body.len;
    h->strings_size = len;
    h->size = h->strings_off + len;
    hp_buf_add(out, h, sizeof(*h));
    hp_buf_add(out, w->body.buf, w->body.len);
    for (uint32_t i = 0; i < n; i++) {
        const char *s = hp_strtab_get(w->strs, i);
        hp_buf_add(out, s, strlen(s) + 1);
    }
    if (!hp_buf_ok(out))
        return -ENOMEM;
    size_t after = offsetof(hp_cache_header, strings_off);
    uint64_t sum = hp_cache_checksum((const uint8_t *)out->buf + after, out->len - after);
    memcpy(out->buf + offsetof(hp_cache_header, checksum), &sum, sizeof(sum));
    return 0;
}

int hp_sym_cache_bytes(const char *ident, const hp_elfsym *syms, size_t nsyms,
                       const hp_elfsym *nm, size_t nnm, const hp_dwarf_info *d, hp_buf *out)
{
    writer w = {.body = HP_BUF_INIT, .strs = hp_strtab_new()};
    hp_cache_header h = {.version = HP_CACHE_VERSION, .byte_order = HP_CACHE_BOM};
    memcpy(h.magic, HP_CACHE_MAGIC, 8);
    int r = -ENOMEM;
    if (!w.strs)
        goto out;
    size_t nstrs = 1 + nsyms + (nm == syms ? 0 : nnm);
    for (size_t i = 0; d && i < d->ncus; i++)
        nstrs += 2 * d->cus[i].nscopes + d->cus[i].nrows / 8;
    seen_init(&w, nstrs);
    if (hp_strtab_reserve(w.strs, nstrs) < 0)
        goto out;
    reserve(&w, 8); /* the ident's id, patched like the records' */
    put_str(&w, 0, ident);
    h.nsyms = nsyms;
    h.syms_off = sizeof(h) + put_syms(&w, syms, nsyms);
    if (nm == syms) {
        h.flags |= HP_CACHE_F_NM_SAME;
    } else {
        h.nnm = nnm;
        h.nm_off = sizeof(h) + put_syms(&w, nm, nnm);
    }
    if (d && dwarf_storable(d))
        put_dwarf(&w, &h, d);
    if (w.oom)
        goto out;
    r = assemble(&w, &h, out);
out:
    hp_buf_release(&w.body);
    hp_strtab_free(w.strs);
    free(w.fixups);
    free(w.seen);
    return r;
}

/* mkdir -p for the last two levels (~/.cache/cpprof). */
static bool make_dir(const char *dir)
{
    if (mkdir(dir, 0755) == 0 || errno == EEXIST)
        return true;
    char *parent = hp_strdup(dir);
    char *slash = parent ? strrchr(parent, '/') : NULL;
    bool ok = false;
    if (slash && slash != parent) {
        *slash = '\0';
        ok = (mkdir(parent, 0755) == 0 || errno == EEXIST) && mkdir(dir, 0755) == 0;
    }
    free(parent);
    return ok || errno == EEXIST;
}

typedef struct entry {
    char *name;
    off_t size;
    struct timespec mtime;
} entry;

static int entry_cmp(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
    if (x->mtime.tv_nsec != y->mtime.tv_nsec)
        return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Removes the least recently used cache files while the directory holds more than max bytes. */
void hp_sym_cache_trim(const char *dir, uint64_t max)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return;
    entry *e = NULL;
    size_t n = 0, alloc = 0;
    uint64_t total = 0;
    struct dirent *de;
    while ((de = readdir(dp))) {
        struct stat st;
        if (!hp_has_suffix(de->d_name, HP_CACHE_SUFFIX) ||
            fstatat(dirfd(dp), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
            continue;
        if (HP_GROW(e, alloc, n + 1) < 0 || !(e[n].name = hp_strdup(de->d_name)))
            break;
        e[n].size = st.st_size;
        e[n].mtime = st.st_mtim;
        total += (uint64_t)st.st_size;
        n++;
    }
    if (total > max && n)
        qsort(e, n, sizeof(*e), entry_cmp);
    for (size_t i = 0; i < n && total > max; i++) {
        if (unlinkat(dirfd(dp), e[i].name, 0) == 0 || errno == ENOENT)
            total -= (uint64_t)e[i].size;
    }
    for (size_t i = 0; i < n; i++)
        free(e[i].name);
    free(e);
    closedir(dp);
}

int hp_sym_cache_write(const char *dir, const char *name, const char *ident,
                       const hp_elfsym *syms, size_t nsyms, const hp_elfsym *nm, size_t nnm,
                       const hp_dwarf_info *d)
{
    hp_buf bytes = HP_BUF_INIT, tmp = HP_BUF_INIT, path = HP_BUF_INIT;
    int r = hp_sym_cache_bytes(ident, syms, nsyms, nm, nnm, d, &bytes);
    int fd = -1;
    if (r < 0 || !make_dir(dir))
        goto out;
    hp_buf_addf(&tmp, "%s/.%s.XXXXXX", dir, name);
    hp_buf_addf(&path, "%s/%s", dir, name);
    if (!hp_buf_ok(&tmp) || !hp_buf_ok(&path) || (fd = mkstemp(tmp.buf)) < 0) {
        r = -EIO;
        goto out;
    }
    size_t done = 0;
    while (done < bytes.len) {
        ssize_t k = write(fd, bytes.buf + done, bytes.len - done);
        if (k <= 0 && errno != EINTR)
            break;
        done += k > 0 ? (size_t)k : 0;
    }
    if (close(fd) < 0 || done < bytes.len || fchmodat(AT_FDCWD, tmp.buf, 0644, 0) < 0 ||
        rename(tmp.buf, path.buf) < 0) {
        unlink(tmp.buf);
        r = -EIO;
        goto out;
    }
    hp_sym_cache_trim(dir, HP_SYM_CACHE_MAX_BYTES);
out:
    hp_buf_release(&bytes);
    hp_buf_release(&tmp);
    hp_buf_release(&path);
    return r;
}
