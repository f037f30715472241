/*
 * callgrind.c - the --callgrind report (for kcachegrind / callgrind_annotate),
 * in Perl pprof's layout: self cost at the leaf's file:line, one call record
 * per caller -> callee pair of consecutive (inline-expanded) frames. Unlike
 * Perl, every pair of a stack is counted (Perl drops the outermost edge and
 * misindexes stacks with inlined frames), once per stack even when recursion
 * repeats it (a call's inclusive cost is the value of the stacks that pass
 * through it, never more than the total: Go pprof's -callgrind), and records
 * are sorted by caller file, line, then the whole key, so the output never varies.
 */
#include "hp_common.h"
#include "hp_buf.h"
#include "hp_hash.h"
#include "hp_render.h"
#include "hp_strtab.h"

#include <inttypes.h>
#include <math.h>

typedef struct cg_loc {
    uint32_t file, func; /* ids in the names table */
    uint32_t line;
} cg_loc;

typedef struct cg_call {
    cg_loc caller, callee; /* callee.func == 0: self cost */
    double count;
    size_t stamp; /* last stack (+ 1) that added to it */
} cg_call;

typedef struct cg {
    const hp_report *r;
    hp_strtab *names;
    cg_call *calls;
    size_t ncalls, calls_alloc;
    uint32_t *slots;
    size_t nslots;
    cg_loc *locs;
    size_t nlocs, locs_alloc;
    size_t stack; /* stack being added, + 1 */
} cg;

static int64_t name_id(cg *c, const char *s)
{
    return hp_strtab_intern(c->names, s, strlen(s));
}

/* Perl's ExtractSymbolLocationInlineStack: one "file:line:function" per level. */
static int frame_locs(cg *c, uint32_t frame)
{
    const hp_profile *p = c->r->profile;
    const hp_location *L = &p->locations[HP_FRAME_LOC(frame)];
    if (L->state != HP_LOC_SYMBOLIZED || !L->nlines) {
        int64_t f = name_id(c, "??"), fn = name_id(c, "unknown");
        if (f < 0 || fn < 0 || HP_GROW(c->locs, c->locs_alloc, c->nlocs + 1) < 0)
            return -ENOMEM;
        c->locs[c->nlocs++] = (cg_loc){.file = (uint32_t)f, .func = (uint32_t)fn, .line = 0};
        return 0;
    }
    const hp_line *lines = p->lines + L->first_line;
    for (uint32_t i = 0; i < L->nlines; i++) {
        const hp_line *l = &lines[i];
        const char *fname = l->file ? hp_profile_str(p, l->file) : "??";
        char func[4096];
        snprintf(func, sizeof(func), "%s%s",
                 hp_profile_line_name(p, l),
                 i + 1 < L->nlines ? "[inline]" : "");
        int64_t f = name_id(c, fname), fn = name_id(c, func);
        if (f < 0 || fn < 0 || HP_GROW(c->locs, c->locs_alloc, c->nlocs + 1) < 0)
            return -ENOMEM;
        c->locs[c->nlocs++] = (cg_loc){.file = (uint32_t)f, .func = (uint32_t)fn, .line = l->line};
    }
    return 0;
}

static uint64_t call_hash(const cg_loc *a, const cg_loc *b)
{
    uint32_t k[6] = {a->file, a->func, a->line, b->file, b->func, b->line};
    return hp_hash_bytes(k, sizeof(k), 7);
}

static uint64_t call_hash_of(const void *ctx, size_t id)
{
    const cg_call *x = &((const cg *)ctx)->calls[id];
    return call_hash(&x->caller, &x->callee);
}

static bool same_loc(const cg_loc *a, const cg_loc *b)
{
    return a->file == b->file && a->func == b->func && a->line == b->line;
}

static int add_call(cg *c, const cg_loc *caller, const cg_loc *callee, double count)
{
    if ((c->ncalls + 1) * 2 > c->nslots) {
        size_t n = c->nslots ? c->nslots * 2 : 256;
        if (hp_hash_reindex(&c->slots, &c->nslots, n, c->ncalls, call_hash_of, c) < 0)
            return -ENOMEM;
    }
    size_t h = call_hash(caller, callee) & (c->nslots - 1);
    while (c->slots[h]) {
        cg_call *x = &c->calls[c->slots[h] - 1];
        if (same_loc(&x->caller, caller) && same_loc(&x->callee, callee)) {
            if (x->stamp != c->stack) /* recursion: once per stack */
                x->count += count;
            x->stamp = c->stack;
            return 0;
        }
        h = (h + 1) & (c->nslots - 1);
    }
    if (HP_GROW(c->calls, c->calls_alloc, c->ncalls + 1) < 0)
        return -ENOMEM;
    c->calls[c->ncalls] =
        (cg_call){.caller = *caller, .callee = *callee, .count = count, .stamp = c->stack};
    c->slots[h] = (uint32_t)++c->ncalls;
    return 0;
}

static int call_cmp(const void *pa, const void *pb, void *ctx)
{
    const cg_call *a = pa, *b = pb;
    const hp_strtab *n = ctx;
    int d = strcmp(hp_strtab_get(n, a->caller.file), hp_strtab_get(n, b->caller.file));
    if (d)
        return d;
    if (a->caller.line != b->caller.line)
        return a->caller.line < b->caller.line ? -1 : 1;
    if ((d = strcmp(hp_strtab_get(n, a->caller.func), hp_strtab_get(n, b->caller.func))))
        return d;
    if ((d = strcmp(hp_strtab_get(n, a->callee.file), hp_strtab_get(n, b->callee.file))))
        return d;
    if (a->callee.line != b->callee.line)
        return a->callee.line < b->callee.line ? -1 : 1;
    return strcmp(hp_strtab_get(n, a->callee.func), hp_strtab_get(n, b->callee.func));
}

/* Perl's CompressedCGName: "(n) name" the first time, "(n)" after; short names as is. */
static void compressed(FILE *out, const char *key, const char *val, uint32_t *index,
                       uint32_t *next)
{
    if (strlen(val) <= 3)
        fprintf(out, "%s=%s\n", key, val);
    else if (*index)
        fprintf(out, "%s=(%u)\n", key, *index);
    else {
        *index = ++*next;
        fprintf(out, "%s=(%u) %s\n", key, *index, val);
    }
}

int hp_render_callgrind(const hp_report *r, FILE *out)
{
    cg c = {.r = r, .names = hp_strtab_new()};
    int rc = c.names ? 0 : -ENOMEM;
    cg_loc none = {0};
    for (size_t i = 0; rc == 0 && i < r->nstacks; i++) {
        const hp_report_stack *st = &r->stacks[i];
        c.nlocs = 0;
        c.stack = i + 1;
        for (uint32_t j = 0; rc == 0 && j < st->nframes; j++)
            rc = frame_locs(&c, hp_report_frame(r, st, j));
        if (rc == 0 && c.nlocs)
            rc = add_call(&c, &c.locs[0], &none, st->value);
        for (size_t j = 1; rc == 0 && j < c.nlocs; j++)
            rc = add_call(&c, &c.locs[j], &c.locs[j - 1], st->value);
    }
    uint32_t *file_index = NULL, *func_index = NULL;
    if (rc == 0) {
        size_t n = hp_strtab_count(c.names);
        file_index = hp_new0(uint32_t, n);
        func_index = hp_new0(uint32_t, n);
        if (!file_index || !func_index)
            rc = -ENOMEM;
    }
    if (rc == 0) {
        qsort_r(c.calls, c.ncalls, sizeof(*c.calls), call_cmp, c.names);
        uint32_t next_file = 0, next_func = 0;
        fputs("events: Hits\n\n", out);
        for (size_t i = 0; i < c.ncalls; i++) {
            const cg_call *x = &c.calls[i];
            long long count = (long long)trunc(x->count);
            compressed(out, "fl", hp_strtab_get(c.names, x->caller.file),
                       &file_index[x->caller.file], &next_file);
            compressed(out, "fn", hp_strtab_get(c.names, x->caller.func),
                       &func_index[x->caller.func], &next_func);
            if (x->callee.func) {
                compressed(out, "cfl", hp_strtab_get(c.names, x->callee.file),
                           &file_index[x->callee.file], &next_file);
                compressed(out, "cfn", hp_strtab_get(c.names, x->callee.func),
                           &func_index[x->callee.func], &next_func);
                fprintf(out, "calls=%lld %u\n", count, x->callee.line);
            }
            fprintf(out, "%u %lld\n\n", x->caller.line, count);
        }
    }
    free(file_index);
    free(func_index);
    free(c.calls);
    free(c.slots);
    free(c.locs);
    hp_strtab_free(c.names);
    if (rc < 0)
        return rc;
    return ferror(out) ? -EIO : 0;
}
