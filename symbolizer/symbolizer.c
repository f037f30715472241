/*
 * symbolizer.c - the symbolization session: finds object files, their
 * separate debug files and dwz files (search.c), caches one hp_symobj per
 * recorded path, indexes DWARF on the first lookup (CUs decoded as lookups
 * fall in them), and answers lookups from the sorted tables of elf.c and
 * dwarf.c. An object's warning is its search note (search.c: build-id
 * mismatch, another build in the search path, missing dwz file, what
 * debuginfod answered), then "; ", then what degraded its symbols (no debug
 * info, corrupt DWARF).
 */
#include "hp_common.h"

#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hp_buf.h"
#include "cache_format.h"
#include "hp_strtab.h"
#include "symbolizer-internal.h"
#include "symobj.h"

#define HP_DEFAULT_DEBUG_ROOT "/usr/lib/debug"

int hp_symbolizer_new(const hp_symbolizer_config *cfg, hp_symbolizer **ret, hp_error *reterr)
{
    hp_symbolizer *s = hp_new0(hp_symbolizer, 1);
    if (!s)
        return hp_error_set(reterr, -ENOMEM, "out of memory");
    s->strs = hp_strtab_new();
    const char *root = cfg && cfg->debug_root ? cfg->debug_root : HP_DEFAULT_DEBUG_ROOT;
    s->debug_root = hp_strdup(root);
    s->nearest_symbol = cfg && cfg->nearest_symbol;
    if (cfg && cfg->cache_dir)
        s->cache_dir = hp_strdup(cfg->cache_dir); /* out of memory: no cache */
    if (cfg && cfg->search_path)
        s->search_path = hp_strdup(cfg->search_path);
    if (cfg && cfg->lib_prefix)
        s->lib_prefix = hp_strdup(cfg->lib_prefix);
    if (cfg && cfg->debuginfod && s->strs)
        s->dbgd = hp_sym_dbgd_new(s->strs);
    if (!s->strs || !s->debug_root || (cfg && cfg->search_path && !s->search_path) ||
        (cfg && cfg->lib_prefix && !s->lib_prefix) || (cfg && cfg->debuginfod && !s->dbgd)) {
        hp_symbolizer_free(s);
        return hp_error_set(reterr, -ENOMEM, "out of memory");
    }
    s->search = (hp_sym_search){.strs = s->strs,
                                .search_path = s->search_path,
                                .lib_prefix = s->lib_prefix,
                                .debug_root = s->debug_root,
                                .dbgd = s->dbgd};
    *ret = s;
    return 0;
}

static hp_symobj *symobj_free(hp_symobj *o)
{
    if (!o)
        return NULL;
    hp_dwarf_release(&o->dw);
    for (size_t i = 0; i < o->nsplit_strs; i++)
        hp_strtab_free(o->split_strs[i]);
    free(o->split_strs);
    hp_elf_close(o->dwarf_src);
    free(o->phdrs);
    if (o->nm_syms != o->syms)
        free(o->nm_syms);
    free(o->syms);
    hp_addr_index_free(&o->syms_ix);
    hp_addr_index_free(&o->nm_ix);
    free(o->fstarts);
    free(o->fnames);
    hp_strtab_free(o->strs);
    hp_sym_cache_close(o->cache, true);
    free(o->cache_name);
    free(o->cache_ident);
    free(o);
    return NULL;
}

hp_symbolizer *hp_symbolizer_free(hp_symbolizer *s)
{
    if (!s)
        return NULL;
    for (size_t i = 0; i < s->nobjs; i++)
        symobj_free(s->objs[i]);
    free(s->objs);
    hp_sym_dbgd_free(s->dbgd);
    hp_strtab_free(s->strs);
    free(s->search_path);
    free(s->lib_prefix);
    free(s->debug_root);
    free(s->cache_dir);
    free(s);
    return NULL;
}

/* ---- opening -------------------------------------------------------------- */

/* o->warning = note, "; ", msg (either may be NULL). */
void hp_symobj_set_warning(hp_symobj *o, const char *msg)
{
    if (!o->note || !msg) {
        o->warning = o->note ? o->note : msg;
        return;
    }
    hp_buf b = HP_BUF_INIT;
    hp_buf_addf(&b, "%s; %s", o->note, msg);
    o->warning = hp_buf_ok(&b) ? hp_sym_intern(o->strs, b.buf, b.len) : o->note;
    hp_buf_release(&b);
}

/* Appends n to o->note. */
static void add_note(hp_symobj *o, const char *n)
{
    if (!n)
        return;
    if (o->note)
        hp_symobj_set_warning(o, n); /* "note; n" */
    else
        o->warning = n;
    o->note = o->warning;
}

static int cache_open(hp_symobj *o, const hp_elf_file *f, const hp_elf_file *dbg);

static int build_symobj(hp_symbolizer *s, hp_symobj *o, hp_elf_file *f, hp_error *reterr)
{
    o->path = f->path;
    o->build_id = f->build_id;
    o->is_dyn = f->type == ET_DYN;
    o->is_exec = f->type == ET_EXEC;
    o->machine = f->machine;
    o->phdrs = f->phdrs;
    o->nphdrs = f->nphdrs;
    f->phdrs = NULL;

    hp_elf_file *dbg = NULL;
    const char *n = NULL;
    bool rejected = false;
    if (!f->has_debug_info || !f->has_symtab)
        dbg = hp_sym_find_debug(&s->search, f, &n, &rejected);
    add_note(o, n);
    if (dbg)
        o->debug_path = dbg->path;

    int r = 0;
    const char *symsrc = NULL;
    enum { FROM_NONE, FROM_OBJ_SYMTAB, FROM_DBG_SYMTAB, FROM_DYNSYM } from = FROM_NONE;
    hp_elf_file *src = f->has_debug_info ? f : dbg && dbg->has_debug_info ? dbg : NULL;
    const char *alt_note = NULL;
    if (src)
        o->alt_path = hp_sym_find_alt(&s->search, src, &alt_note);
    if (src && s->cache_dir && cache_open(o, f, dbg) == 0) {
        r = hp_sym_cache_symbols(o->cache, &o->syms, &o->nsyms, &o->nm_syms, &o->nm_nsyms);
        if (r < 0) {
            hp_elf_close(dbg);
            return hp_error_set(reterr, r, "out of memory reading symbols of '%s'", f->path);
        }
        goto symbols_done;
    }
    if (f->has_symtab) {
        r = hp_elf_symbols(f, s->strs, false, &o->syms, &o->nsyms);
        symsrc = ".symtab";
        from = FROM_OBJ_SYMTAB;
    }
    if (r == 0 && !o->nsyms && dbg && dbg->has_symtab) {
        free(o->syms);
        o->syms = NULL;
        r = hp_elf_symbols(dbg, s->strs, false, &o->syms, &o->nsyms);
        symsrc = ".symtab";
        from = FROM_DBG_SYMTAB;
    }
    if (r == 0 && !o->nsyms && f->has_dynsym) {
        free(o->syms);
        o->syms = NULL;
        r = hp_elf_symbols(f, s->strs, true, &o->syms, &o->nsyms);
        symsrc = ".dynsym";
        from = FROM_DYNSYM;
    }
    /* nm's view: the object's own .symtab, else its .dynsym */
    if (r == 0 && (from == FROM_OBJ_SYMTAB || from == FROM_DYNSYM)) {
        o->nm_syms = o->syms;
        o->nm_nsyms = o->nsyms;
    } else if (r == 0 && f->has_dynsym) {
        r = hp_elf_symbols(f, s->strs, true, &o->nm_syms, &o->nm_nsyms);
    }
    if (r < 0) {
        hp_elf_close(dbg);
        return hp_error_set(reterr, r, "out of memory reading symbols of '%s'", f->path);
    }
symbols_done:
    for (size_t i = 0; i < o->nm_nsyms && !o->all_inline_levels; i++)
        o->all_inline_levels = !strcmp(o->nm_syms[i].raw, "_fini");

    if (src) {
        o->has_dwarf = true;
        if (src == dbg)
            o->all_inline_levels = true;
        add_note(o, alt_note);
        o->dwarf_src = src;
        if (src == f)
            hp_elf_close(dbg);
        else
            hp_elf_close(f);
        return 0;
    }
    hp_elf_close(dbg);
    hp_elf_close(f);
    o->dwarf_done = true;
    /* after a rejected debug file (named in the note): what is used instead */
    const char *w = o->nsyms ? (symsrc[1] == 'd' ? "no debug info, using .dynsym"
                                                 : "no debug info, using .symtab")
                             : "no debug info and no symbols";
    if (rejected)
        w = o->nsyms ? (symsrc[1] == 'd' ? "using .dynsym" : "using .symtab") : "no symbols";
    hp_symobj_set_warning(o, hp_sym_intern(o->strs, w, SIZE_MAX));
    return 0;
}

/* A local file of another build than build_id (when given) is not used:
 * debuginfod is asked for the right one. */
static int find_object(hp_symbolizer *s, const char *recorded, const char *override,
                       const char *build_id, bool search_only, hp_elf_file **ret,
                       const char **ret_note, hp_error *reterr)
{
    hp_elf_file *f = NULL;
    int r = search_only ? hp_sym_find_in_search_path(&s->search, recorded, &f, ret_note, reterr)
                        : hp_sym_find_object(&s->search, recorded, override, &f, ret_note, reterr);
    if (!build_id || (r < 0 && r != -ENOENT))
        goto out;
    const char *local = NULL;
    if (r == 0 && f->build_id && strcmp(f->build_id, build_id) != 0) {
        char msg[1024];
        snprintf(msg, sizeof(msg), "'%s' is another build (build-id %s)", f->path, f->build_id);
        local = hp_sym_intern(s->strs, msg, SIZE_MAX);
        f = hp_elf_close(f);
        if (!local)
            return hp_error_set(reterr, -ENOMEM, "out of memory");
    }
    if (!f)
        r = hp_sym_find_object_by_id(&s->search, override ? override : recorded, build_id, local,
                                     &f, ret_note, reterr);
out:
    if (r == 0)
        *ret = f;
    return r;
}

int hp_symbolizer_open(hp_symbolizer *s, const char *recorded_path, const char *override_path,
                       hp_symobj **ret, hp_error *reterr)
{
    return hp_symbolizer_open_build_id(s, recorded_path, override_path, NULL, ret, reterr);
}

bool hp_symbolizer_debuginfod_supported(void)
{
    return hp_sym_dbgd_supported();
}

static int open_object(hp_symbolizer *s, const char *recorded_path, const char *override_path,
                       const char *build_id, bool search_only, hp_symobj **ret,
                       hp_error *reterr);

int hp_symbolizer_open_build_id(hp_symbolizer *s, const char *recorded_path,
                                const char *override_path, const char *build_id, hp_symobj **ret,
                                hp_error *reterr)
{
    return open_object(s, recorded_path, override_path, build_id, false, ret, reterr);
}

int hp_symbolizer_open_search_path(hp_symbolizer *s, const char *recorded_path, hp_symobj **ret,
                                   hp_error *reterr)
{
    return open_object(s, recorded_path, NULL, NULL, true, ret, reterr);
}

static int open_object(hp_symbolizer *s, const char *recorded_path, const char *override_path,
                       const char *build_id, bool search_only, hp_symobj **ret,
                       hp_error *reterr)
{
    hp_return_if_fail(s && recorded_path && ret, -EINVAL);
    if (build_id && (!*build_id || build_id[strspn(build_id, "0123456789abcdef")]))
        return hp_error_set(reterr, -EINVAL, "'%s' is not a build-id (lowercase hex)", build_id);
    hp_buf k = HP_BUF_INIT;
    hp_buf_adds(&k, recorded_path);
    if (override_path) {
        hp_buf_addc(&k, '\0');
        hp_buf_adds(&k, override_path);
    }
    if (build_id) {
        hp_buf_addc(&k, '\1');
        hp_buf_adds(&k, build_id);
    }
    if (search_only)
        hp_buf_addc(&k, '\2');
    const char *key = hp_buf_ok(&k) ? hp_sym_intern(s->strs, k.buf, k.len) : NULL;
    hp_buf_release(&k);
    if (!key)
        return hp_error_set(reterr, -ENOMEM, "out of memory");
    for (size_t i = 0; i < s->nobjs; i++) {
        if (s->objs[i]->key == key) {
            *ret = s->objs[i];
            return 0;
        }
    }
    hp_elf_file *f = NULL;
    const char *found_note = NULL;
    int r = find_object(s, recorded_path, override_path, build_id, search_only, &f, &found_note,
                        reterr);
    if (r < 0)
        return r;
    hp_symobj *o = hp_new0(hp_symobj, 1);
    if (o)
        o->strs = hp_strtab_new();
    if (!o || !o->strs || HP_GROW(s->objs, s->objs_alloc, s->nobjs + 1) < 0) {
        symobj_free(o);
        hp_elf_close(f);
        return hp_error_set(reterr, -ENOMEM, "out of memory");
    }
    o->s = s;
    o->key = key;
    add_note(o, found_note);
    r = build_symobj(s, o, f, reterr);
    if (r < 0) {
        symobj_free(o);
        return r;
    }
    s->objs[s->nobjs++] = o;
    *ret = o;
    return 0;
}

/* ---- lookups -------------------------------------------------------------- */

static int read_debug_info(void *arg, uint64_t off, unsigned size, uint64_t *ret)
{
    hp_symobj *o = arg;
    return hp_elf_read_uint(o->dwarf_src, ".debug_info", off, size, ret);
}

/* Indexes the DWARF CUs with libdwarf (CUs the cache holds are taken from
 * it); the CUs are decoded as lookups fall in them, the debug file staying
 * open meanwhile. */
void hp_symobj_load_dwarf_file(hp_symobj *o)
{
    hp_error e = {0};
    int r = hp_dwarf_load(o->dwarf_src->fd, o->alt_path, o->strs, hp_symobj_name_plain_scope,
                          read_debug_info, o, &o->dw, &e);
    if (r < 0) {
        o->has_dwarf = false;
        hp_symobj_set_warning(o, hp_sym_intern(o->strs, e.msg, SIZE_MAX));
        o->dwarf_src = hp_elf_close(o->dwarf_src);
        return;
    }
    for (size_t i = 0; o->cache && i < o->dw.ncus; i++) {
        if (o->dw.cus[i].state == HP_DW_CU_PENDING)
            (void)hp_sym_cache_load_cu(o->cache, &o->dw, i); /* else libdwarf decodes it */
    }
    hp_symobj_set_warning(o, o->dw.warning);
    o->dw_warn = o->dw.warning;
    if (!o->dw.has_lines)
        o->has_dwarf = false;
}

/* On the first lookup: the CU index from the cache when it has one, else
 * from the DWARF. */
void hp_symobj_load_dwarf(hp_symobj *o)
{
    if (o->dwarf_done)
        return;
    o->dwarf_done = true;
    if (o->cache && hp_sym_cache_has_dwarf(o->cache)) {
        hp_dwarf_info *d = &o->dw;
        if (hp_sym_cache_dwarf(o->cache, d) == 0) {
            d->strs = o->strs;
            d->hook = hp_symobj_name_plain_scope;
            d->read = read_debug_info;
            d->hook_arg = o;
            o->dw_from_cache = true;
            hp_symobj_set_warning(o, NULL);
            if (!d->has_lines)
                o->has_dwarf = false;
            return;
        }
        hp_dw_info_release(d);
    }
    hp_symobj_load_dwarf_file(o);
}

/* Identity of a file for the cache: path, size, mtime. */
static void file_ident(hp_buf *b, const char *what, const hp_elf_file *f)
{
    struct stat st;
    if (!f || fstat(f->fd, &st) < 0) {
        hp_buf_addf(b, "%s -\n", what);
        return;
    }
    hp_buf_addf(b, "%s %s %jd %jd.%09ld\n", what, f->path, (intmax_t)st.st_size,
                (intmax_t)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
}

/* Names o's cache file and maps it when valid; 0 when mapped. */
static int cache_open(hp_symobj *o, const hp_elf_file *f, const hp_elf_file *dbg)
{
    hp_buf id = HP_BUF_INIT, name = HP_BUF_INIT;
    hp_buf_addf(&id, "cpprof symbol cache %u\n", 1u);
    if (f->build_id) /* and the file's size and mtime: a damaged copy keeps its build-id */
        hp_buf_addf(&id, "build-id %s\n", f->build_id);
    file_ident(&id, "object", f);
    file_ident(&id, "debug", dbg);
    struct stat st;
    if (o->alt_path && stat(o->alt_path, &st) == 0)
        hp_buf_addf(&id, "alt %s %jd %jd.%09ld\n", o->alt_path, (intmax_t)st.st_size,
                    (intmax_t)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
    uint64_t h = hp_buf_ok(&id) ? hp_cache_checksum((const uint8_t *)id.buf, id.len) : 0;
    if (f->build_id && strlen(f->build_id) <= 128)
        hp_buf_addf(&name, "%s" HP_CACHE_SUFFIX, f->build_id);
    else
        hp_buf_addf(&name, "p-%016" PRIx64 HP_CACHE_SUFFIX, h);
    if (!hp_buf_ok(&id) || !hp_buf_ok(&name)) {
        hp_buf_release(&id);
        hp_buf_release(&name);
        return -ENOMEM;
    }
    o->cache_ident = hp_buf_detach(&id, NULL);
    o->cache_name = hp_buf_detach(&name, NULL);
    int r = hp_sym_cache_open(o->s->cache_dir, o->cache_name, o->cache_ident, &o->cache);
    o->cache_cus = r == 0 ? hp_sym_cache_cached_cus(o->cache) : 0;
    o->cache_saved = r == 0;
    return r;
}

void hp_symobj_cache_save(hp_symobj *o)
{
    if (!o || !o->cache_ident)
        return;
    size_t done = 0;
    for (size_t i = 0; i < o->dw.ncus; i++)
        done += o->dw.cus[i].state == HP_DW_CU_DONE;
    bool dwarf = o->dwarf_done && o->has_dwarf && !o->dw.warning && o->dw.ncus;
    if (o->cache_saved && (!dwarf || done <= o->cache_cus))
        return; /* the file holds all that was decoded */
    hp_sym_cache_write(o->s->cache_dir, o->cache_name, o->cache_ident, o->syms, o->nsyms,
                       o->nm_syms, o->nm_nsyms, dwarf ? &o->dw : NULL);
    o->cache_saved = true; /* written or not: tried once for these tables */
    o->cache_cus = done;
}

/* Many CUs to decode from the object's file (no cache holds them): half of
 * them on another thread, from this many CUs on. */
#define SPLIT_MIN_CUS 2
bool hp_symobj_decodes_ahead(hp_symobj *o)
{
    hp_symobj_load_dwarf(o);
    const hp_dwarf_info *d = &o->dw;
    return o->has_dwarf && !o->dw_from_cache && !o->alt_path && o->dwarf_src && d->ncus &&
           !d->warning;
}

void hp_symobj_decode_ahead(hp_symobj *o, const void *recs, size_t n, size_t stride)
{
    if (!hp_symobj_decodes_ahead(o))
        return;
    hp_dwarf_info *d = &o->dw;
    uint8_t *want = hp_new0(uint8_t, d->ncus);
    uint32_t *list = hp_new0(uint32_t, d->ncus);
    size_t nlist = 0;
    for (size_t k = 0; want && list && k < n; k++) {
        uint32_t cand[HP_DW_MAX_COVERING];
        uint64_t addr;
        bool gap;
        memcpy(&addr, (const char *)recs + k * stride, sizeof(addr));
        size_t nc = hp_dw_covering_cus(d, addr, cand, HP_DW_MAX_COVERING, &gap);
        for (size_t c = 0; !gap && c < nc; c++) {
            if (cand[c] < d->ncus && d->cus[cand[c]].state == HP_DW_CU_PENDING && !want[cand[c]]) {
                want[cand[c]] = 1;
                nlist++;
            }
        }
    }
    if (nlist >= SPLIT_MIN_CUS &&
        HP_GROW(o->split_strs, o->nsplit_strs_alloc, o->nsplit_strs + 2) == 0) {
        nlist = 0;
        for (size_t i = 0; i < d->ncus; i++)
            if (want[i])
                list[nlist++] = (uint32_t)i;
        hp_strtab *strs[2];
        if (hp_dw_decode_split(d, o->dwarf_src->fd, list, nlist, strs))
            for (int k = 0; k < 2; k++)
                if (strs[k])
                    o->split_strs[o->nsplit_strs++] = strs[k];
    }
    free(want);
    free(list);
}

int hp_symobj_count_call_sites(const hp_symobj *o, uint64_t map_start, uint64_t map_offset,
                               const uint64_t *pcs, size_t n, size_t *ret_ok)
{
    hp_return_if_fail(o && ret_ok && (pcs || !n), -EINVAL);
    uint64_t *offs = hp_new0(uint64_t, n ? n : 1);
    if (!offs)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        offs[i] = pcs[i] - map_start + map_offset;
    int r = hp_sym_count_call_sites(o->path, o->machine, o->phdrs, o->nphdrs, offs, n, ret_ok);
    free(offs);
    return r;
}

int hp_symobj_read_code(const hp_symobj *o, uint64_t obj_addr, uint8_t *buf, size_t len,
                        size_t *ret_got)
{
    hp_return_if_fail(o && (buf || !len) && ret_got, -EINVAL);
    *ret_got = 0;
    const hp_phdr *seg = NULL;
    for (size_t k = 0; k < o->nphdrs && !seg; k++) {
        const hp_phdr *p = &o->phdrs[k];
        if ((p->flags & PF_X) && obj_addr >= p->vaddr && obj_addr - p->vaddr < p->filesz)
            seg = p;
    }
    if (!seg)
        return -ERANGE;
    uint64_t avail = seg->filesz - (obj_addr - seg->vaddr);
    if (len > avail)
        len = (size_t)avail;
    int fd = open(o->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = pread(fd, buf, len, (off_t)(obj_addr - seg->vaddr + seg->offset));
    int e = n < 0 ? -errno : 0;
    close(fd);
    if (e < 0)
        return e;
    *ret_got = (size_t)n;
    return 0;
}

uint16_t hp_symobj_machine(const hp_symobj *o)
{
    return o ? o->machine : 0;
}

/* ---- accessors ------------------------------------------------------------ */

const char *hp_symobj_path(const hp_symobj *o)
{
    return o ? o->path : NULL;
}

const char *hp_symobj_debug_path(const hp_symobj *o)
{
    return o ? o->debug_path : NULL;
}

const char *hp_symobj_build_id(const hp_symobj *o)
{
    return o ? o->build_id : NULL;
}

bool hp_symobj_is_dyn(const hp_symobj *o)
{
    return o && o->is_dyn;
}

bool hp_symobj_has_dwarf(const hp_symobj *o)
{
    return o && o->has_dwarf;
}

bool hp_symobj_has_symbols(const hp_symobj *o)
{
    return o && o->nsyms > 0;
}

const char *hp_symobj_warning(const hp_symobj *o)
{
    return o ? o->warning : NULL;
}

size_t hp_symobj_functions(const hp_symobj *co, const uint64_t **ret_starts,
                           const char *const **ret_names)
{
    hp_symobj *o = (hp_symobj *)co; /* lazily built caches only */
    if (!o || !o->nsyms)
        return 0;
    if (!o->fstarts) {
        uint64_t *st = hp_new0(uint64_t, o->nsyms);
        const char **nm = hp_new0(const char *, o->nsyms);
        if (!st || !nm) {
            free(st);
            free(nm);
            return 0;
        }
        for (size_t i = 0; i < o->nsyms; i++) {
            st[i] = o->syms[i].start;
            nm[i] = hp_symobj_sym_name(o, &o->syms[i]);
        }
        o->fstarts = st;
        o->fnames = nm;
    }
    *ret_starts = o->fstarts;
    *ret_names = o->fnames;
    return o->nsyms;
}
