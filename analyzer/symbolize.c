/*
 * symbolize.c - the bridge between a profile and the symbolizer: finds the
 * object of every location through the profile's memory map (the program on
 * the command line standing in for the main executable), looks each distinct
 * address up once (return address - 1), and writes functions and inline
 * chains back into the profile with Perl pprof's naming: DWARF names,
 * nm-style "<start>" tags when the symbol table agrees, symbol-table names
 * where DWARF has none, and name@offset for distinct functions that share a
 * short name. Code no symbol or DWARF entry names is called
 * "<object basename>+0x<object-relative address>" (Perl pprof: "??"), so that
 * distinct unnamed frames stay apart and match across runs.
 * Symbolized ("--- symbol") profiles take their names from the file.
 */
#include "hp_common.h"
#include "hp_buf.h"
#include "hp_demangle.h"
#include "hp_names.h"
#include "hp_str.h"
#include "hp_symbolize.h"
#include "hp_symbolizer.h"

#include <inttypes.h>
#include <stdlib.h>
#include <sys/stat.h>

typedef struct ctx {
    hp_profile *p;
    const hp_symbolize_options *o;
    hp_error *err;
    hp_buf tmp, tmp2;
    /* function interning: full name id -> function index */
    uint32_t *fn_by_name;
    size_t fn_by_name_alloc;
} ctx;

static int64_t intern(ctx *c, const char *s)
{
    return hp_profile_intern(c->p, s);
}

/* Index of the function with this full name (created with its short name). */
static int64_t function_for(ctx *c, const char *full, uint64_t start, uint32_t mapping)
{
    hp_profile *p = c->p;
    int64_t name = intern(c, full);
    if (name < 0)
        return name;
    if (HP_GROW0(c->fn_by_name, c->fn_by_name_alloc, (size_t)name + 1) < 0)
        return -ENOMEM;
    if (c->fn_by_name[name])
        return c->fn_by_name[name];
    hp_buf_reset(&c->tmp2);
    hp_short_name(full, c->o->strip_templates, &c->tmp2);
    if (!hp_buf_ok(&c->tmp2))
        return -ENOMEM;
    int64_t short_id = intern(c, c->tmp2.buf);
    if (short_id < 0 || HP_GROW(p->functions, p->functions_alloc, p->nfunctions + 1) < 0)
        return -ENOMEM;
    uint32_t idx = (uint32_t)p->nfunctions++;
    p->functions[idx] = (hp_function){
        .name = (uint32_t)name,
        .short_name = (uint32_t)short_id,
        .start = start,
        .mapping = mapping,
    };
    c->fn_by_name[name] = idx;
    return idx;
}

static int add_line(ctx *c, uint32_t function, const char *file, uint32_t line,
                    const char *fileline)
{
    hp_profile *p = c->p;
    int64_t f = file ? intern(c, file) : 0;
    int64_t fl = intern(c, fileline);
    if (f < 0 || fl < 0 || HP_GROW(p->lines, p->lines_alloc, p->nlines + 1) < 0)
        return -ENOMEM;
    p->lines[p->nlines++] = (hp_line){
        .function = function,
        .file = (uint32_t)f,
        .line = line,
        .fileline = (uint32_t)fl,
    };
    return 0;
}

/* A symbol's demangled name (or the name itself when it does not demangle),
 * without its ELF version suffix ("@GLIBC_2.2.5", returned in *ret_version
 * when asked: the suffix of raw, or NULL). Returns a malloc()ed string or NULL. */
static char *symbol_name(const char *raw, const char **ret_version)
{
    const char *at = strchr(raw, '@');
    size_t n = at ? (size_t)(at - raw) : strlen(raw);
    if (ret_version)
        *ret_version = at;
    char *plain = hp_malloc(n + 1);
    if (!plain)
        return NULL;
    memcpy(plain, raw, n);
    plain[n] = '\0';
    char *dem = hp_demangle(plain, HP_DEMANGLE_FULL);
    if (dem) {
        free(plain);
        return dem;
    }
    return plain;
}

/* `nm --demangle` spelling of a symbol: demangled, version suffix kept,
 * tagged with its 16-digit start address as Perl pprof's MapSymbolsWithNM does. */
static int nm_name(const hp_sym_result *res, hp_buf *out)
{
    const char *version;
    char *name = symbol_name(res->nm_symbol_raw, &version);
    if (!name)
        return -ENOMEM;
    hp_buf_reset(out);
    hp_buf_adds(out, name);
    if (version)
        hp_buf_adds(out, version);
    hp_buf_addf(out, "<%016" PRIx64 ">", res->nm_symbol_start);
    free(name);
    return hp_buf_ok(out) ? 0 : -ENOMEM;
}

static bool inlined_allocator(ctx *c, const hp_sym_frame *f)
{
    if (!f->function)
        return false;
    hp_buf b = HP_BUF_INIT;
    hp_short_name(f->function, c->o->strip_templates, &b);
    bool alloc = hp_buf_ok(&b) && hp_is_allocator_frame(b.buf);
    hp_buf_release(&b);
    return alloc;
}

/* Writes the inline chain of one location (innermost first), named the way
 * Perl pprof names it: addr2line's names (DWARF, else the symbol table), and
 * nm's address-tagged name when it starts with addr2line's short name. */
/* res: the answer but its frames, which are frames[0..res->nframes) */
static int fill_location(ctx *c, hp_location *L, const hp_sym_result *res,
                         const hp_sym_frame *frames, uint32_t mapping)
{
    hp_profile *p = c->p;
    hp_buf *nm = &c->tmp;
    bool have_nm = res->nm_symbol_raw != NULL;
    char *sym_full = NULL;
    int r = 0;
    if (have_nm && (r = nm_name(res, nm)) < 0)
        return r;
    if (res->symbol_raw && !(sym_full = symbol_name(res->symbol_raw, NULL)))
        return -ENOMEM;
    L->first_line = (uint32_t)p->nlines;
    size_t first = 0, n = res->nframes ? res->nframes : 1;
    /* Inlined allocator wrappers (ld.so's calloc, ...) are not allocation
     * sites: start at the first inline level that is not one (Go pprof does
     * the same); the outermost level is handled by the report's frame removal. */
    while (first + 1 < res->nframes && inlined_allocator(c, &frames[first]))
        first++;
    /* Perl pprof runs addr2line with -i only for objects whose symbol table
     * has _fini: elsewhere it sees the innermost level alone, as a plain
     * function. Kept where Perl's rule holds, not for DWARF from a separate
     * debug file (hp_sym_result.all_inline_levels). */
    if (!res->all_inline_levels)
        n = first + 1;
    for (size_t i = first; i < n && r == 0; i++) {
        const hp_sym_frame *f = res->nframes ? &frames[i] : NULL;
        const char *full = f && f->function ? f->function : sym_full ? sym_full : "??";
        uint64_t start = 0;
        char fileline[4200];
        if (f && f->file)
            snprintf(fileline, sizeof(fileline), "%s:%" PRIu32, f->file, f->line);
        else
            snprintf(fileline, sizeof(fileline), "??:0");
        bool unnamed = strcmp(full, "??") == 0;
        if (have_nm && !unnamed) {
            hp_buf s = HP_BUF_INIT;
            hp_short_name(full, c->o->strip_templates, &s);
            if (!hp_buf_ok(&s)) {
                r = -ENOMEM;
                break;
            }
            if (strncmp(nm->buf, s.buf, s.len) == 0) {
                full = nm->buf;
                start = res->nm_symbol_start;
            }
            hp_buf_release(&s);
        }
        char object_offset[4200];
        if (unnamed && !c->o->unnamed_as_unknown) {
            /* code no symbol names: "<object>+0x<address addr2line takes>" */
            const char *path = hp_profile_str(p, p->mappings[mapping].path);
            snprintf(object_offset, sizeof(object_offset), "%s+0x%" PRIx64, hp_base_name(path),
                     res->obj_addr);
            full = object_offset;
            unnamed = false;
        }
        int64_t fn = unnamed ? 0 : function_for(c, full, start, mapping);
        if (fn < 0)
            r = (int)fn;
        else
            r = add_line(c, (uint32_t)fn, f ? f->file : NULL, f ? f->line : 0, fileline);
    }
    free(sym_full);
    if (r < 0)
        return r;
    L->nlines = (uint32_t)(p->nlines - L->first_line);
    L->state = HP_LOC_SYMBOLIZED;
    return 0;
}

/* Perl's FillFullnameToShortnameMap: distinct functions (names tagged with
 * different start addresses) sharing a short name become name@start. */
static int disambiguate(ctx *c)
{
    hp_profile *p = c->p;
    size_t nstr = hp_strtab_count(p->strings);
    uint32_t *first = hp_new0(uint32_t, nstr); /* short id -> first function seen */
    bool *dup = hp_new0(bool, nstr);
    int r = 0;
    if (!first || !dup) {
        r = -ENOMEM;
        goto out;
    }
    for (size_t i = 1; i < p->nlocations; i++) {
        const hp_line *outer = hp_profile_outer_line(p, (uint32_t)i);
        uint32_t fn = outer ? outer->function : 0;
        if (!fn)
            continue;
        const hp_function *F = &p->functions[fn];
        const char *full = hp_profile_str(p, F->name);
        if (!hp_has_suffix(full, ">") || !F->start)
            continue;
        if (first[F->short_name] && first[F->short_name] != fn)
            dup[F->short_name] = true;
        else
            first[F->short_name] = fn;
    }
    for (size_t fn = 1; fn < p->nfunctions; fn++) {
        hp_function *F = &p->functions[fn];
        if (!dup[F->short_name] || !hp_has_suffix(hp_profile_str(p, F->name), ">"))
            continue;
        char *s = hp_arena_strfmt(p->arena, "%s@%" PRIx64, hp_profile_str(p, F->short_name),
                                  F->start);
        int64_t id = s ? intern(c, s) : -ENOMEM;
        if (id < 0) {
            r = -ENOMEM;
            goto out;
        }
        F->short_name = (uint32_t)id;
    }
out:
    free(first);
    free(dup);
    return r;
}

static int given_cmp(const void *a, const void *b)
{
    uint64_t x = ((const hp_given_symbol *)a)->address, y = ((const hp_given_symbol *)b)->address;
    return x < y ? -1 : x > y;
}

static int symbolize_given(ctx *c)
{
    hp_profile *p = c->p;
    if (p->ngiven)
        qsort(p->given, p->ngiven, sizeof(*p->given), given_cmp);
    for (size_t i = 1; i < p->nlocations; i++) {
        hp_location *L = &p->locations[i];
        hp_given_symbol key = {.address = L->address};
        const hp_given_symbol *g =
            p->ngiven ? bsearch(&key, p->given, p->ngiven, sizeof(key), given_cmp) : NULL;
        L->first_line = (uint32_t)p->nlines;
        char unknown[24];
        snprintf(unknown, sizeof(unknown), "0x%016" PRIx64, L->address);
        uint32_t n = g ? g->nnames : 1;
        for (uint32_t j = n; j-- > 0;) { /* given outermost first; lines innermost first */
            const char *full = g ? hp_profile_str(p, p->given_names[g->first_name + j]) : unknown;
            int64_t fn = function_for(c, full, 0, 0);
            if (fn < 0)
                return (int)fn;
            int r = add_line(c, (uint32_t)fn, NULL, 0, "?");
            if (r < 0)
                return r;
        }
        L->nlines = (uint32_t)(p->nlines - L->first_line);
        L->state = HP_LOC_SYMBOLIZED;
    }
    return 0;
}

static char *search_path(const hp_symbolize_options *o)
{
    const char *env = getenv("PPROF_BINARY_PATH");
    hp_buf b = HP_BUF_INIT;
    if (o->binary_path && *o->binary_path)
        hp_buf_adds(&b, o->binary_path);
    if (env && *env) {
        if (b.len)
            hp_buf_addc(&b, ':');
        hp_buf_adds(&b, env);
    }
    return hp_buf_detach(&b, NULL);
}

struct hp_symbolize_session {
    hp_profile *p;
    const hp_symbolize_options *o;
    hp_symbolizer *s;
    const char *main_path;
    uint8_t *state; /* per mapping: 0 not tried, 1 usable, 2 unusable */
    hp_symobj **objs;
};

/* Points the session at p: per-mapping state is reset, opened objects are kept. */
static int session_bind(hp_symbolize_session *ss, hp_profile *p, hp_error *reterr)
{
    uint8_t *state = hp_new0(uint8_t, p->nmappings);
    hp_symobj **objs = hp_new0(hp_symobj *, p->nmappings);
    if (!state || !objs) {
        free(state);
        free(objs);
        return hp_error_set(reterr, -ENOMEM, "out of memory");
    }
    free(ss->state);
    free(ss->objs);
    ss->state = state;
    ss->objs = objs;
    ss->p = p;
    uint32_t main_map = hp_profile_main_mapping(p);
    ss->main_path = main_map ? hp_profile_str(p, p->mappings[main_map].path) : NULL;
    return 0;
}

int hp_symbolize_session_new(hp_profile *p, const hp_symbolize_options *o,
                             hp_symbolize_session **ret, hp_error *reterr)
{
    hp_symbolize_session *ss = hp_new0(hp_symbolize_session, 1);
    char *path = search_path(o);
    if (!ss || !path) {
        free(ss);
        free(path);
        return hp_error_set(reterr, -ENOMEM, "out of memory");
    }
    ss->o = o;
    char *cache = o->symbol_cache ? hp_symbolizer_cache_dir() : NULL;
    hp_symbolizer_config cfg = {.search_path = path, .lib_prefix = o->lib_prefix,
                                .debuginfod = o->debuginfod, .cache_dir = cache};
    int r = hp_symbolizer_new(&cfg, &ss->s, reterr);
    free(path);
    free(cache);
    if (r == 0)
        r = session_bind(ss, p, reterr);
    if (r < 0) {
        hp_symbolize_session_free(ss);
        return r;
    }
    *ret = ss;
    return 0;
}

hp_symbolize_session *hp_symbolize_session_free(hp_symbolize_session *ss)
{
    if (!ss)
        return NULL;
    free(ss->state);
    free(ss->objs);
    hp_symbolizer_free(ss->s);
    free(ss);
    return NULL;
}

/* Up to HP_VERIFY_MAX return addresses of the profile inside mapping m. */
#define HP_VERIFY_MAX 256
static size_t mapping_return_addresses(const hp_profile *p, uint32_t m, uint64_t *pcs)
{
    const hp_mapping *M = &p->mappings[m];
    size_t n = 0;
    for (size_t i = 1; i < p->nlocations && n < HP_VERIFY_MAX; i++) {
        uint64_t a = p->locations[i].address;
        if (a > M->start && a < M->limit && p->locations[i].state != HP_LOC_SYMBOLIZED)
            pcs[n++] = a;
    }
    return n;
}

/* Whether obj is the build that ran in mapping m: fewer than half of the
 * profile's return addresses there following a call instruction says it is
 * not (callsite.c). *ret_bad, *ret_n: the addresses that fail, and all checked. */
static bool is_build_that_ran(const hp_symbolize_session *ss, uint32_t m, hp_symobj *obj,
                              size_t *ret_bad, size_t *ret_n)
{
    const hp_mapping *M = &ss->p->mappings[m];
    uint64_t pcs[HP_VERIFY_MAX];
    size_t n = ss->o->exact_addresses ? 0 : mapping_return_addresses(ss->p, m, pcs), ok = 0;
    if (!n || hp_symobj_count_call_sites(obj, M->start, M->offset, pcs, n, &ok) < 0)
        ok = n; /* nothing to check, or no way to: no evidence against it */
    *ret_bad = n - ok;
    *ret_n = n;
    return ok * 2 >= n;
}

/* "; inode N when profiled, M now" when the recorded file's inode changed
 * (not evidence alone: copies and reinstalled packages change it too). */
static void inode_note(const hp_mapping *M, const char *path, char *buf, size_t size)
{
    struct stat st;
    if (M->inode && stat(path, &st) == 0 && (uint64_t)st.st_ino != M->inode)
        snprintf(buf, size, "; inode %" PRIu64 " when profiled, %" PRIu64 " now", M->inode,
                 (uint64_t)st.st_ino);
}

/* The object of mapping m when the first one found is not the build that
 * ran: the recorded path (when the program argument stood in for it), then
 * the search path; one warning names the file refused and what is used. */
static hp_symobj *replace_other_build(hp_symbolize_session *ss, uint32_t m, hp_symobj *bad,
                                      bool overridden, bool warn)
{
    hp_profile *p = ss->p;
    const hp_mapping *M = &p->mappings[m];
    const char *recorded = hp_profile_str(p, M->path);
    size_t nbad = 0, n = 0, k = 0, kn = 0;
    is_build_that_ran(ss, m, bad, &nbad, &n);
    hp_symobj *alt[2] = {NULL, NULL}, *use = NULL;
    if (overridden)
        hp_symbolizer_open(ss->s, recorded, NULL, &alt[0], NULL);
    hp_symbolizer_open_search_path(ss->s, recorded, &alt[1], NULL);
    for (int i = 0; i < 2 && !use; i++) {
        if (alt[i] && alt[i] != bad && strcmp(hp_symobj_path(alt[i]), hp_symobj_path(bad)) &&
            is_build_that_ran(ss, m, alt[i], &k, &kn))
            use = alt[i];
    }
    if (warn) {
        char ino[96];
        const char *path = hp_symobj_path(bad);
        ino[0] = '\0';
        if (!strcmp(path, recorded))
            inode_note(M, path, ino, sizeof(ino));
        hp_buf b = HP_BUF_INIT;
        if (use)
            hp_buf_addf(&b, "using '%s' from the %s", hp_symobj_path(use),
                        use == alt[0] ? "profile's recorded path" : "binary path");
        else
            hp_buf_adds(&b, "its frames are left unnamed");
        hp_profile_warn(p, "warning: %s: not the build that was profiled (%zu of %zu return "
                           "addresses follow no call instruction%s): %s",
                        path, nbad, n, ino, hp_buf_ok(&b) ? b.buf : "");
        hp_buf_release(&b);
    }
    return use;
}

int hp_symbolize_session_object(hp_symbolize_session *ss, uint32_t m, hp_symobj **ret)
{
    hp_profile *p = ss->p;
    const hp_mapping *M = &p->mappings[m];
    const char *recorded = hp_profile_str(p, M->path);
    if (!ss->state[m]) {
        ss->state[m] = 2;
        if (*recorded && recorded[0] != '[') {
            bool is_main = ss->main_path && !strcmp(recorded, ss->main_path);
            hp_error oerr = {0};
            int e = hp_symbolizer_open_build_id(ss->s, recorded,
                                                is_main ? ss->o->program : NULL,
                                                is_main ? ss->o->build_id : NULL, &ss->objs[m],
                                                &oerr);
            size_t nbad, n;
            if (e == 0 && !is_build_that_ran(ss, m, ss->objs[m], &nbad, &n)) {
                bool said = false; /* one warning per recorded object */
                for (size_t k = 1; k < m && !said; k++)
                    said = p->mappings[k].path == M->path && ss->state[k];
                hp_symobj *use = replace_other_build(ss, m, ss->objs[m],
                                                     is_main && ss->o->program, !said);
                if (!use) {
                    ss->objs[m] = NULL;
                    return -ENOENT;
                }
                ss->objs[m] = use;
            }
            if (e == 0) {
                ss->state[m] = 1;
                const char *w = hp_symobj_warning(ss->objs[m]);
                /* one line per distinct object */
                bool said = false;
                for (size_t k = 1; k < m && !said; k++)
                    said = ss->state[k] == 1 && ss->objs[k] == ss->objs[m];
                if (w && !said)
                    hp_profile_warn(p, "warning: %s: %s", hp_symobj_path(ss->objs[m]), w);
            } else if (e == -ENOMEM) {
                return e;
            } else {
                bool said = false;
                for (size_t k = 1; k < m && !said; k++)
                    said = p->mappings[k].path == M->path && ss->state[k] == 2;
                if (!said)
                    hp_profile_warn(p, "warning: cannot symbolize %s", oerr.msg);
            }
        }
    }
    if (ss->state[m] != 1)
        return *recorded && recorded[0] != '[' ? -ENOENT : -ENOEXEC;
    *ret = ss->objs[m];
    return 0;
}

/* Looks every location of c->p up through the session's objects. */
static int symbolize_with(ctx *c, hp_symbolize_session *ss)
{
    hp_profile *p = c->p;
    const hp_symbolize_options *o = c->o;
    int r = 0;
    char *real = o->program && ss->main_path ? realpath(o->program, NULL) : NULL;
    /* a symlink to the recorded file (python3 -> python3.11) is the same program */
    if (o->program && ss->main_path &&
        strcmp(hp_base_name(o->program), hp_base_name(ss->main_path)) &&
        (!real || strcmp(hp_base_name(real), hp_base_name(ss->main_path)))) {
        hp_profile_warn(p, "warning: program '%s' is not the profile's executable '%s': using '%s'",
                        o->program, ss->main_path, o->program);
    }
    free(real);
    /* first every object is opened, in location order (its warnings in that
     * order); then the objects are looked up in parallel; then the answers
     * are written back in location order */
    hp_sym_query *q = hp_new0(hp_sym_query, p->nlocations);
    uint32_t *qloc = hp_new0(uint32_t, p->nlocations);
    size_t nq = 0;
    hp_sym_batch *batch = NULL;
    hp_sym_result *res = hp_malloc(sizeof(*res));
    if (!res || !q || !qloc) {
        r = -ENOMEM;
        goto out;
    }
    for (size_t i = 1; i < p->nlocations; i++) {
        hp_location *L = &p->locations[i];
        if (L->state == HP_LOC_SYMBOLIZED)
            continue; /* named by the profile itself (profile.proto lines) */
        uint64_t pc = L->address && !o->exact_addresses ? L->address - 1 : L->address;
        /* profile.proto names each location's mapping; .heap files do not */
        uint32_t m = L->mapping ? L->mapping : hp_profile_mapping_of(p, pc);
        L->mapping = m;
        if (!m || p->mappings[m].perms[2] != 'x') {
            L->state = HP_LOC_UNSYMBOLIZED;
            continue;
        }
        hp_symobj *obj = NULL;
        int e = hp_symbolize_session_object(ss, m, &obj);
        if (e == -ENOMEM) {
            r = e;
            goto out;
        }
        if (e < 0) {
            L->state = e == -ENOENT ? HP_LOC_NO_OBJECT : HP_LOC_UNSYMBOLIZED;
            continue;
        }
        const hp_mapping *M = &p->mappings[m];
        q[nq] = (hp_sym_query){.obj = obj, .map_start = M->start, .map_offset = M->offset, .pc = pc};
        qloc[nq++] = (uint32_t)i;
    }
    if ((r = hp_sym_lookup_batch(q, nq, o->threads, &batch)) < 0)
        goto out;
    for (size_t k = 0; k < nq; k++) {
        hp_location *L = &p->locations[qloc[k]];
        const hp_sym_frame *frames = hp_sym_batch_answer(batch, k, res);
        if ((r = fill_location(c, L, res, frames, L->mapping)) < 0)
            goto out;
    }
    r = disambiguate(c);
out:
    hp_sym_batch_free(batch);
    free(q);
    free(qloc);
    free(res);
    return r;
}

static int symbolize_native(ctx *c, hp_symbolize_session **ret_session)
{
    hp_symbolize_session *ss = NULL;
    int r = hp_symbolize_session_new(c->p, c->o, &ss, c->err);
    if (r < 0)
        return r;
    r = symbolize_with(c, ss);
    if (r == 0 && ret_session)
        *ret_session = ss;
    else
        hp_symbolize_session_free(ss);
    return r;
}

/* Releases c; returns r, with the message set for -ENOMEM. */
static int ctx_finish(ctx *c, int r)
{
    hp_buf_release(&c->tmp);
    hp_buf_release(&c->tmp2);
    free(c->fn_by_name);
    if (r == -ENOMEM)
        hp_error_set(c->err, r, "out of memory");
    return r;
}

int hp_symbolize_profile(hp_profile *p, const hp_symbolize_options *o,
                         hp_symbolize_session **ret_session, hp_error *reterr)
{
    ctx c = {.p = p, .o = o, .err = reterr, .tmp = HP_BUF_INIT, .tmp2 = HP_BUF_INIT};
    int r = p->ngiven || p->binary ? symbolize_given(&c) : symbolize_native(&c, ret_session);
    return ctx_finish(&c, r);
}

int hp_symbolize_session_rebind(hp_symbolize_session *ss, hp_profile *p, hp_error *reterr)
{
    return session_bind(ss, p, reterr);
}

int hp_symbolize_profile_with(hp_symbolize_session *ss, hp_profile *p, hp_error *reterr)
{
    ctx c = {.p = p, .o = ss->o, .err = reterr, .tmp = HP_BUF_INIT, .tmp2 = HP_BUF_INIT};
    int r = 0;
    if (p->ngiven || p->binary)
        r = symbolize_given(&c);
    else if ((r = session_bind(ss, p, reterr)) == 0)
        r = symbolize_with(&c, ss);
    return ctx_finish(&c, r);
}
