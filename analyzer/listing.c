/*
 * listing.c - builds Perl pprof's --list data: sampled addresses with flat
 * and cumulative values (the report's processed stacks, recursion counted
 * once), the functions of each object whose names match, each function's
 * addresses mapped to their top-level source line, Perl's rules for the
 * line window (first file line, last line extended by indentation) and for
 * carrying values of out-of-window addresses forward, and the source text.
 */
#include "hp_common.h"
#include "hp_buf.h"
#include "hp_hash.h"
#include "hp_listing.h"
#include "hp_names.h"
#include "hp_str.h"
#include "hp_symbolize.h"
#include "hp_symbolizer.h"

#include <inttypes.h>
#include <regex.h>

typedef hp_addr_value addr_value;

static int av_cmp(const void *a, const void *b)
{
    uint64_t x = ((const addr_value *)a)->addr, y = ((const addr_value *)b)->addr;
    return x < y ? -1 : x > y;
}

int hp_address_values(const hp_report *r, bool leaf_as_is, hp_addr_value **ret, size_t *ret_n)
{
    const hp_profile *p = r->profile;
    addr_value *av = NULL;
    size_t n = 0, alloc = 0;
    uint32_t *stamp = hp_new0(uint32_t, p->nlocations + 1);
    uint32_t *index = hp_new0(uint32_t, p->nlocations + 1); /* location -> av + 1 */
    if (!stamp || !index)
        goto oom;
    for (size_t i = 0; i < r->nstacks; i++) {
        const hp_report_stack *st = &r->stacks[i];
        for (uint32_t j = 0; j < st->nframes; j++) {
            uint32_t fr = hp_report_frame(r, st, j), loc = HP_FRAME_LOC(fr);
            if (!index[loc]) {
                if (HP_GROW(av, alloc, n + 1) < 0)
                    goto oom;
                uint64_t a = p->locations[loc].address;
                bool as_is = p->ngiven || p->binary || (leaf_as_is && (fr & HP_FRAME_LEAF));
                av[n] = (addr_value){.addr = as_is ? a : a - 1};
                index[loc] = (uint32_t)++n;
            }
            addr_value *v = &av[index[loc] - 1];
            if (j == 0)
                v->flat += st->value;
            if (stamp[loc] != i + 1) {
                stamp[loc] = (uint32_t)i + 1;
                v->cum += st->value;
            }
        }
    }
    free(stamp);
    free(index);
    if (n)
        qsort(av, n, sizeof(*av), av_cmp);
    *ret = av;
    *ret_n = n;
    return 0;
oom:
    free(stamp);
    free(index);
    free(av);
    return -ENOMEM;
}

size_t hp_address_values_find(const hp_addr_value *av, size_t n, uint64_t addr)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (av[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const char *clean_file_name(const char *f)
{
    if (!strncmp(f, "/proc/self/cwd/", 15))
        f += 15;
    if (!strncmp(f, "./", 2))
        f += 2;
    return f;
}

/* Perl's Indentation(): leading blanks of a line with text, -1 for blank lines. */
static int indentation(const char *s)
{
    int n = 0;
    while (s[n] == ' ' || s[n] == '\t' || s[n] == '\f' || s[n] == '\v')
        n++;
    return s[n] && s[n] != '\n' && s[n] != '\r' ? n : -1;
}

typedef struct source {
    char **lines; /* 1-based: lines[0] unused */
    size_t nlines;
} source;

void hp_source_free(char **lines, size_t n)
{
    for (size_t i = 1; i <= n && lines; i++)
        free(lines[i]);
    free(lines);
}

static void source_free(source *s)
{
    hp_source_free(s->lines, s->nlines);
    *s = (source){0};
}

static FILE *open_source(const char *file, const char *source_path)
{
    FILE *f = fopen(file, "r");
    if (f || !source_path)
        return f;
    const char *base = hp_base_name(file);
    const char *d = source_path;
    while (*d) {
        size_t n = strcspn(d, ":");
        char path[4096];
        snprintf(path, sizeof(path), "%.*s/%s", (int)n, d, clean_file_name(file));
        if ((f = fopen(path, "r")))
            return f;
        snprintf(path, sizeof(path), "%.*s/%s", (int)n, d, base);
        if ((f = fopen(path, "r")))
            return f;
        d += n + (d[n] == ':');
    }
    return NULL;
}

int hp_source_read(const char *file, const char *source_path, char ***ret_lines,
                   size_t *ret_n)
{
    FILE *f = open_source(file, source_path);
    if (!f)
        return -errno;
    source s = {0};
    size_t alloc = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int r = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        /* s/\r//g, and the newline goes */
        size_t w = 0;
        for (ssize_t i = 0; i < len; i++)
            if (line[i] != '\r')
                line[w++] = line[i];
        if (w && line[w - 1] == '\n')
            w--;
        line[w] = '\0';
        if (HP_GROW(s.lines, alloc, s.nlines + 2) < 0 || !(s.lines[s.nlines + 1] = hp_strdup(line))) {
            r = -ENOMEM;
            break;
        }
        s.nlines++;
    }
    free(line);
    fclose(f);
    if (r < 0) {
        source_free(&s);
        return r;
    }
    *ret_lines = s.lines;
    *ret_n = s.nlines;
    return 0;
}

typedef struct addr_line {
    const char *file; /* borrowed from the symbolizer */
    uint32_t line;
} addr_line;

typedef struct builder {
    const hp_report *r;
    const char *source_path;
    hp_listing *out;
    size_t routines_alloc, warnings_alloc;
    addr_value *av;
    size_t nav;
    size_t first_routine; /* the current object's first routine */
} builder;

static int warn(builder *b, const char *file, int e)
{
    char msg[4200];
    snprintf(msg, sizeof(msg), "%s: %s", file, strerror(-e));
    for (size_t i = 0; i < b->out->nwarnings; i++)
        if (!strcmp(b->out->warnings[i], msg))
            return 0;
    char *copy = hp_strdup(msg);
    if (!copy || HP_GROW(b->out->warnings, b->warnings_alloc, b->out->nwarnings + 1) < 0) {
        free(copy);
        return -ENOMEM;
    }
    b->out->warnings[b->out->nwarnings++] = copy;
    return 0;
}

/* One routine: obj_start..obj_end in the object, bias = runtime - object address. */
static int list_routine(builder *b, hp_symobj *obj, const char *full, uint64_t obj_start,
                        uint64_t obj_end, int64_t bias)
{
    size_t len = (size_t)(obj_end - obj_start);
    addr_line *al = hp_new0(addr_line, len ? len : 1);
    hp_sym_result *res = hp_malloc(sizeof(*res));
    source src = {0};
    int r = 0;
    if (!al || !res) {
        r = -ENOMEM;
        goto out;
    }
    const char *filename = NULL;
    uint32_t firstline = 1, lastline = 0;
    bool have_first = false;
    for (size_t i = 0; i < len; i++) {
        memset(res, 0, sizeof(*res));
        hp_symobj_lookup_obj(obj, obj_start + i, res);
        if (!res->nframes)
            continue;
        /* the function being listed: the outermost level (the innermost where
         * Perl's addr2line ran without -i) */
        const hp_sym_frame *f = &res->frames[res->all_inline_levels ? res->nframes - 1 : 0];
        if (!f->file)
            continue;
        al[i] = (addr_line){.file = f->file, .line = f->line};
        if (!filename)
            filename = f->file;
        if (!strcmp(f->file, filename)) {
            if (!have_first) {
                firstline = f->line;
                have_first = true;
            }
            if (f->line > lastline)
                lastline = f->line;
        }
    }
    if (!filename)
        goto out; /* Perl: "no filename found in ..." */
    int e = hp_source_read(filename, b->source_path, &src.lines, &src.nlines);
    if (e < 0) {
        r = e == -ENOMEM ? e : warn(b, filename, e);
        goto out;
    }
    /* Hack 4 of Perl: extend the last line while indentation stays */
    uint32_t oldlastline = lastline;
    int first_indent = -1;
    for (size_t l = 1; l <= src.nlines; l++) {
        int ind = indentation(src.lines[l]);
        if (l >= firstline && first_indent < 0 && ind >= 0) {
            first_indent = ind;
            if (first_indent == 0)
                break;
        }
        if (l >= lastline && ind >= 0) {
            if (ind >= first_indent)
                lastline = (uint32_t)l + 1;
            else
                break;
        }
    }
    uint32_t lo = firstline > 5 ? firstline - 5 : 1;
    uint32_t hi = oldlastline + 5 > lastline ? oldlastline + 5 : lastline;
    if (hi > src.nlines)
        hi = (uint32_t)src.nlines;
    hp_listing *L = b->out;
    if (HP_GROW(L->routines, b->routines_alloc, L->nroutines + 1) < 0) {
        r = -ENOMEM;
        goto out;
    }
    hp_listing_routine *rt = &L->routines[L->nroutines];
    *rt = (hp_listing_routine){.first = firstline, .last = lastline};
    hp_buf sn = HP_BUF_INIT;
    hp_short_name(full, true, &sn);
    rt->name = hp_buf_detach(&sn, NULL);
    rt->file = hp_strdup(clean_file_name(filename));
    size_t nl = hi >= lo ? hi - lo + 1 : 0;
    rt->lines = hp_new0(hp_listing_line, nl ? nl : 1);
    if (!rt->name || !rt->file || !rt->lines) {
        free(rt->name);
        free(rt->file);
        free(rt->lines);
        r = -ENOMEM;
        goto out;
    }
    L->nroutines++;
    for (uint32_t l = lo; l <= hi && hi >= lo; l++) {
        hp_listing_line *ln = &rt->lines[rt->nlines++];
        ln->number = l;
        ln->text = src.lines[l];
        src.lines[l] = NULL;
    }
    /* values: addresses outside the window carry forward to the next one inside */
    double run_flat = 0, run_cum = 0;
    uint32_t assigned_last = lastline;
    for (size_t k = hp_address_values_find(b->av, b->nav, (uint64_t)((int64_t)obj_start + bias));
         k < b->nav && b->av[k].addr < (uint64_t)((int64_t)obj_end + bias); k++) {
        size_t i = (size_t)((int64_t)b->av[k].addr - bias - (int64_t)obj_start);
        run_flat += b->av[k].flat;
        run_cum += b->av[k].cum;
        rt->flat += b->av[k].flat;
        rt->cum += b->av[k].cum;
        /* the line of the first address at or after this one that is in the window */
        for (; i < len; i++) {
            if (al[i].file && !strcmp(al[i].file, filename) && al[i].line >= firstline &&
                al[i].line <= lastline)
                break;
        }
        uint32_t line = i < len ? al[i].line : assigned_last;
        if (line >= lo && line <= hi) {
            rt->lines[line - lo].flat += run_flat;
            rt->lines[line - lo].cum += run_cum;
        }
        run_flat = run_cum = 0;
    }
out:
    source_free(&src);
    free(al);
    free(res);
    return r;
}

int hp_each_routine(const hp_report *r, hp_symbolize_session *ss, const regex_t *re,
                    const hp_routine_walk *w, void *ctx)
{
    const hp_profile *p = r->profile;
    hp_symobj **done = hp_new0(hp_symobj *, p->nmappings + 1);
    size_t ndone = 0;
    int r2 = done ? 0 : -ENOMEM;
    for (size_t m = 1; ss && r2 == 0 && m < p->nmappings; m++) {
        const hp_mapping *M = &p->mappings[m];
        if (M->perms[2] != 'x')
            continue;
        hp_symobj *obj = NULL;
        int e = hp_symbolize_session_object(ss, (uint32_t)m, &obj);
        if (e == -ENOMEM)
            r2 = e;
        if (e < 0)
            continue;
        bool seen = false;
        for (size_t k = 0; k < ndone && !seen; k++)
            seen = done[k] == obj;
        if (seen)
            continue;
        done[ndone++] = obj;
        hp_sym_result res0;
        memset(&res0, 0, sizeof(res0));
        hp_symobj_lookup(obj, M->start, M->offset, M->start, &res0);
        int64_t bias = (int64_t)(M->start - res0.obj_addr);
        const uint64_t *starts;
        const char *const *names;
        size_t nf = hp_symobj_functions(obj, &starts, &names);
        for (size_t i = 0; r2 == 0 && i < nf; i++) {
            char tagged[4200];
            if (names[i] && w->tag_address) /* Perl matches nm's name tagged with its address */
                snprintf(tagged, sizeof(tagged), "%s<%016" PRIx64 ">", names[i], starts[i]);
            if (!names[i] || regexec(re, w->tag_address ? tagged : names[i], 0, NULL, 0) != 0)
                continue;
            uint64_t end = i + 1 < nf ? starts[i + 1] : starts[i] + w->last_size;
            if (end <= starts[i] || end - starts[i] > (1u << 20))
                continue;
            size_t k = hp_address_values_find(w->av, w->nav, (uint64_t)((int64_t)starts[i] + bias));
            if (k >= w->nav || w->av[k].addr >= (uint64_t)((int64_t)end + bias))
                continue; /* no sample in it */
            r2 = w->routine(ctx, obj, names[i], starts[i], end, bias);
        }
        if (r2 == 0 && w->object_done)
            w->object_done(ctx);
    }
    free(done);
    return r2;
}

static int list_routine_cb(void *ctx, hp_symobj *obj, const char *full, uint64_t start,
                           uint64_t end, int64_t bias)
{
    return list_routine(ctx, obj, full, start, end, bias);
}

/* Perl sorts an object's routines by short name */
static void list_object_done(void *ctx)
{
    builder *b = ctx;
    size_t first_routine = b->first_routine;
    for (size_t i = first_routine + 1; i < b->out->nroutines; i++) {
        hp_listing_routine t = b->out->routines[i];
        size_t j = i;
        while (j > first_routine && strcmp(b->out->routines[j - 1].name, t.name) > 0) {
            b->out->routines[j] = b->out->routines[j - 1];
            j--;
        }
        b->out->routines[j] = t;
    }
    b->first_routine = b->out->nroutines;
}

int hp_routine_regex(const char *regex, const char *option, regex_t *ret, hp_error *reterr)
{
    int rc = regcomp(ret, regex, REG_EXTENDED | REG_NOSUB);
    if (rc) {
        char msg[128];
        regerror(rc, ret, msg, sizeof(msg));
        return hp_error_set(reterr, -EINVAL, "bad --%s regular expression '%s': %s", option, regex,
                            msg);
    }
    return 0;
}

int hp_listing_build(const hp_report *r, hp_symbolize_session *ss, const char *regex,
                     const char *source_path, hp_listing **ret, hp_error *reterr)
{
    regex_t re;
    if (hp_routine_regex(regex, "list", &re, reterr) < 0)
        return -EINVAL;
    builder b = {.r = r, .source_path = source_path, .out = hp_new0(hp_listing, 1)};
    int r2 = b.out ? hp_address_values(r, false, &b.av, &b.nav) : -ENOMEM;
    hp_routine_walk w = {.av = b.av, .nav = b.nav, .last_size = 4096,
                         .routine = list_routine_cb, .object_done = list_object_done};
    if (r2 == 0)
        r2 = hp_each_routine(r, ss, &re, &w, &b);
    regfree(&re);
    free(b.av);
    if (r2 < 0) {
        hp_listing_free(b.out);
        return hp_error_set(reterr, r2, "out of memory");
    }
    *ret = b.out;
    return 0;
}

hp_listing *hp_listing_free(hp_listing *l)
{
    if (!l)
        return NULL;
    for (size_t i = 0; i < l->nroutines; i++) {
        hp_listing_routine *rt = &l->routines[i];
        for (size_t k = 0; k < rt->nlines; k++)
            free(rt->lines[k].text);
        free(rt->lines);
        free(rt->name);
        free(rt->file);
    }
    free(l->routines);
    for (size_t i = 0; i < l->nwarnings; i++)
        free(l->warnings[i]);
    free(l->warnings);
    free(l);
    return NULL;
}
