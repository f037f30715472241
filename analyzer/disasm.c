/*
 * disasm.c - builds Perl pprof's --disasm data: the routines of each object
 * (nm's boundaries: a symbol to the next one) whose names match and that
 * hold a sampled address, their instructions from the symbolizer (Capstone,
 * objdump's spelling), the values of the addresses inside each instruction
 * (a sample's first frame at its recorded address, the others at return
 * address - 1, as Perl's FixCallerAddresses), Perl's CleanDisassembly, and
 * the runs of one source line with the source text in front of them.
 */
#include "hp_common.h"
#include "hp_buf.h"
#include "hp_disasm.h"
#include "hp_listing.h"
#include "hp_names.h"
#include "hp_symbolize.h"
#include "hp_symbolizer.h"

#include <ctype.h>
#include <inttypes.h>
#include <regex.h>

typedef struct builder {
    const char *source_path;
    hp_disasm *out;
    size_t routines_alloc, warnings_alloc;
    hp_addr_value *av;
    size_t nav;
    /* the last source file read (Perl caches them) */
    char *src_file;
    char **src;
    size_t nsrc;
    int src_err;
    size_t first_routine; /* the current object's first routine */
} builder;

static int warn(builder *b, const char *msg)
{
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

/* Perl's CleanDisassembly: argument lists and template arguments go. */
static void clean_disassembly(char *d)
{
    bool changed = true;
    while (changed) { /* s/\([^()%]*\)(\s*const)?//g */
        changed = false;
        for (char *p = strchr(d, '('); p; p = strchr(p + 1, '(')) {
            size_t n = strcspn(p + 1, "()%");
            if (p[1 + n] != ')')
                continue;
            char *e = p + n + 2, *c = e;
            while (isspace((unsigned char)*c))
                c++;
            if (!strncmp(c, "const", 5))
                e = c + 5;
            memmove(p, e, strlen(e) + 1);
            changed = true;
        }
    }
    changed = true;
    while (changed) { /* s/(\w+)<[^<>]*>/$1/g */
        changed = false;
        for (char *p = strchr(d, '<'); p; p = strchr(p + 1, '<')) {
            if (p == d || !(isalnum((unsigned char)p[-1]) || p[-1] == '_'))
                continue;
            size_t n = strcspn(p + 1, "<>");
            if (p[1 + n] != '>')
                continue;
            memmove(p, p + n + 2, strlen(p + n + 2) + 1);
            changed = true;
        }
    }
}

static int add_row(hp_disasm_routine *rt, size_t *alloc, hp_disasm_row row, const char *text)
{
    if (HP_GROW(rt->rows, *alloc, rt->nrows + 1) < 0 || !(row.text = hp_strdup(text)))
        return -ENOMEM;
    rt->rows[rt->nrows++] = row;
    return 0;
}

/* The source line, leading blanks removed; NULL when Perl prints nothing. */
static const char *source_line(builder *b, const char *file, uint32_t line, int *ret_err)
{
    *ret_err = 0;
    if (!b->src_file || strcmp(b->src_file, file)) {
        hp_source_free(b->src, b->nsrc);
        free(b->src_file);
        b->src = NULL;
        b->nsrc = 0;
        if (!(b->src_file = hp_strdup(file))) {
            *ret_err = -ENOMEM;
            return NULL;
        }
        b->src_err = *file ? hp_source_read(file, b->source_path, &b->src, &b->nsrc) : -ENOENT;
        if (b->src_err == -ENOMEM) {
            *ret_err = -ENOMEM;
            return NULL;
        }
        if (b->src_err < 0 && *file) {
            char msg[4200];
            snprintf(msg, sizeof(msg), "%s: %s", file, strerror(-b->src_err));
            *ret_err = warn(b, msg);
        }
    }
    if (b->src_err < 0 || line < 1 || line > b->nsrc)
        return NULL;
    const char *s = b->src[line];
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

static int disasm_routine(builder *b, hp_symobj *obj, const char *full, uint64_t start,
                          uint64_t end, int64_t bias)
{
    hp_sym_insn *in = NULL;
    size_t n = 0;
    int r = hp_symobj_disassemble(obj, start, end, &in, &n);
    if (r == -ENOMEM)
        return r;
    if (r < 0) {
        char msg[4200];
        snprintf(msg, sizeof(msg), "%s: cannot disassemble: %s", hp_symobj_path(obj),
                 r == -ENOTSUP ? "machine not supported" : strerror(-r));
        return warn(b, msg);
    }
    hp_disasm *D = b->out;
    if (HP_GROW(D->routines, b->routines_alloc, D->nroutines + 1) < 0) {
        free(in);
        return -ENOMEM;
    }
    hp_disasm_routine *rt = &D->routines[D->nroutines++];
    *rt = (hp_disasm_routine){0};
    hp_buf sn = HP_BUF_INIT;
    hp_short_name(full, true, &sn);
    rt->name = hp_buf_detach(&sn, NULL);
    double *flat = hp_new0(double, n + 1), *cum = hp_new0(double, n + 1);
    if (!rt->name || !flat || !cum)
        r = -ENOMEM;
    /* values of the addresses inside each instruction */
    size_t k = hp_address_values_find(b->av, b->nav, (uint64_t)((int64_t)start + bias));
    for (size_t i = 0; r == 0 && i < n; i++) {
        uint64_t lim = i + 1 < n ? in[i + 1].addr : end;
        for (; k < b->nav && b->av[k].addr < (uint64_t)((int64_t)lim + bias); k++) {
            if (b->av[k].addr < (uint64_t)((int64_t)in[i].addr + bias))
                continue;
            flat[i] += b->av[k].flat;
            cum[i] += b->av[k].cum;
        }
        rt->flat += flat[i];
        rt->cum += cum[i];
    }
    size_t alloc = 0;
    const char *current = "";
    for (size_t i = 0; r == 0 && i < n;) {
        const char *file = in[i].file ? in[i].file : "";
        if (strcmp(file, current)) {
            current = file;
            const char *f = !strncmp(file, "./", 2) ? file + 2 : file;
            size_t len = strlen(f);
            char shown[4200];
            snprintf(shown, sizeof(shown), "%s%s", len >= 58 ? "..." : "",
                     len >= 58 ? f + len - 55 : f);
            r = add_row(rt, &alloc, (hp_disasm_row){.kind = HP_DISASM_FILE}, shown);
        }
        uint32_t line = in[i].line;
        size_t first = i;
        double lf = 0, lc = 0;
        for (; i < n && in[i].line == line; i++) {
            lf += flat[i];
            lc += cum[i];
        }
        int e;
        const char *text = source_line(b, current, line, &e);
        if (e < 0 && r == 0)
            r = e;
        if (text && r == 0)
            r = add_row(rt, &alloc,
                        (hp_disasm_row){.kind = HP_DISASM_SOURCE, .line = line, .flat = lf, .cum = lc},
                        text);
        for (size_t x = first; x < i && r == 0; x++) {
            clean_disassembly(in[x].text);
            r = add_row(rt, &alloc,
                        (hp_disasm_row){.kind = HP_DISASM_INSN, .addr = in[x].addr,
                                        .flat = flat[x], .cum = cum[x]},
                        in[x].text);
        }
    }
    free(flat);
    free(cum);
    free(in);
    return r;
}

static int disasm_routine_cb(void *ctx, hp_symobj *obj, const char *full, uint64_t start,
                             uint64_t end, int64_t bias)
{
    return disasm_routine(ctx, obj, full, start, end, bias);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const hp_disasm_routine *)a)->name, ((const hp_disasm_routine *)b)->name);
}

/* Perl sorts an object's routines by short name */
static void object_done(void *ctx)
{
    builder *b = ctx;
    if (b->out->nroutines > b->first_routine)
        qsort(b->out->routines + b->first_routine, b->out->nroutines - b->first_routine,
              sizeof(*b->out->routines), by_name);
    b->first_routine = b->out->nroutines;
}

int hp_disasm_build(const hp_report *r, struct hp_symbolize_session *ss, const char *regex,
                    const char *source_path, hp_disasm **ret, hp_error *reterr)
{
    regex_t re;
    if (hp_routine_regex(regex, "disasm", &re, reterr) < 0)
        return -EINVAL;
    builder b = {.source_path = source_path, .out = hp_new0(hp_disasm, 1)};
    int r2 = b.out ? hp_address_values(r, true, &b.av, &b.nav) : -ENOMEM;
    hp_routine_walk w = {.av = b.av, .nav = b.nav, .tag_address = true, .last_size = 0,
                         .routine = disasm_routine_cb, .object_done = object_done};
    if (r2 == 0)
        r2 = hp_each_routine(r, ss, &re, &w, &b);
    regfree(&re);
    free(b.av);
    hp_source_free(b.src, b.nsrc);
    free(b.src_file);
    if (r2 < 0) {
        hp_disasm_free(b.out);
        return hp_error_set(reterr, r2, "out of memory");
    }
    *ret = b.out;
    return 0;
}

hp_disasm *hp_disasm_free(hp_disasm *d)
{
    if (!d)
        return NULL;
    for (size_t i = 0; i < d->nroutines; i++) {
        hp_disasm_routine *rt = &d->routines[i];
        for (size_t k = 0; k < rt->nrows; k++)
            free(rt->rows[k].text);
        free(rt->rows);
        free(rt->name);
    }
    free(d->routines);
    for (size_t i = 0; i < d->nwarnings; i++)
        free(d->warnings[i]);
    free(d->warnings);
    free(d);
    return NULL;
}
