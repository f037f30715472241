/*
 * heap_parse.c - the .heap text reader: header variants, sample lines,
 * sampling adjustment, jemalloc per-thread dumps, symbolized "--- symbol"
 * sections and the MAPPED_LIBRARIES / "--- Memory map:" section.
 * Line-based and bounds-checked; never reads past the buffer.
 */
#include "hp_common.h"
#include "hp_heap.h"
#include "heap_lex.h"

#include <inttypes.h>
#include <math.h>

typedef struct parser {
    const char *name;
    const char *pos, *end;
    size_t lineno;
    const char *line; /* current line, without its line terminator */
    size_t len;
    bool had_newline;
    hp_profile *prof;
    hp_error *err;
    uint32_t *stack;
    size_t stack_alloc;
    int64_t raw_total[HP_NVALUES];
    bool has_header; /* header totals to check the sums against */
    bool has_maps;   /* the MAPPED_LIBRARIES section was met */
    bool deep_warned; /* a stack deeper than HP_HEAP_MAX_DEPTH was truncated */
    int64_t thread;   /* jemalloc thread to keep, -1 = all (the t* lines) */
    bool thread_seen; /* a "t<thread>:" line was met */
} parser;

/* ---- small lexing helpers ---------------------------------------------- */

static bool next_line(parser *ps)
{
    if (ps->pos >= ps->end)
        return false;
    const char *nl = memchr(ps->pos, '\n', (size_t)(ps->end - ps->pos));
    const char *stop = nl ? nl : ps->end;
    ps->line = ps->pos;
    ps->len = (size_t)(stop - ps->pos);
    if (ps->len && ps->line[ps->len - 1] == '\r')
        ps->len--;
    ps->had_newline = nl != NULL;
    ps->pos = nl ? nl + 1 : ps->end;
    ps->lineno++;
    return true;
}

static bool starts_with(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

static bool is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_ws(s[i]))
            return false;
    return true;
}

/* A printable excerpt of untrusted text for an error message. */
static const char *excerpt(const char *s, size_t n, char *buf, size_t size)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 4 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (n > 0 && k + 4 >= size) {
        buf[k++] = '.';
        buf[k++] = '.';
        buf[k++] = '.';
    }
    buf[k] = '\0';
    return buf;
}

static int fail(parser *ps, int code, const char *what)
{
    return hp_error_set(ps->err, code, "%s:%zu: %s", ps->name, ps->lineno, what);
}

/* One count of a sample line at *p (blanks before it skipped): what names it
 * in errors ("count", "byte count"). */
static int parse_one_count(parser *ps, const char **p, const char *end, int64_t *ret,
                           const char *what)
{
    skip_ws(p, end);
    char msg[64];
    if (*p < end && **p == '-') {
        snprintf(msg, sizeof(msg), "bad sample line: negative %s", what);
        return fail(ps, -EBADMSG, msg);
    }
    int r = parse_count(p, end, ret);
    if (r < 0) {
        if (r == -EOVERFLOW)
            snprintf(msg, sizeof(msg), "%s does not fit in 63 bits", what);
        else
            snprintf(msg, sizeof(msg), "bad sample line: expected a %s", what);
        return fail(ps, r, msg);
    }
    skip_ws(p, end);
    return 0;
}

/* "n1: s1 [n2: s2]" with optional blanks; fills v[0..3]. */
static int parse_counts(parser *ps, const char **s, const char *end, int64_t v[HP_NVALUES])
{
    const char *p = *s;
    int r;
    for (int pair = 0; pair < 2; pair++) {
        skip_ws(&p, end);
        if (pair == 1) {
            if (p >= end || *p != '[')
                return fail(ps, -EBADMSG, "bad sample line: expected '[' before the allocation counts");
            p++;
        }
        if ((r = parse_one_count(ps, &p, end, &v[pair * 2], "count")) < 0)
            return r;
        if (p >= end || *p != ':')
            return fail(ps, -EBADMSG, "bad sample line: expected ':' after the object count");
        p++;
        if ((r = parse_one_count(ps, &p, end, &v[pair * 2 + 1], "byte count")) < 0)
            return r;
        if (pair == 1) {
            if (p >= end || *p != ']')
                return fail(ps, -EBADMSG, "bad sample line: expected ']' after the allocation counts");
            p++;
        }
    }
    *s = p;
    return 0;
}

/* ---- sampling adjustment (SPEC 2.6) ------------------------------------ */

static void adjust(const hp_profile *prof, const int64_t raw[HP_NVALUES], double out[HP_NVALUES])
{
    for (int i = 0; i < HP_NVALUES; i++)
        out[i] = (double)raw[i];
    if (prof->sampling != HP_SAMPLING_V2)
        return;
    for (int pair = 0; pair < 2; pair++) {
        double n = out[pair * 2], s = out[pair * 2 + 1];
        if (n == 0 || s == 0)
            continue;
        double ratio = (s / n) / prof->sampling_rate;
        double scale = 1.0 / (1.0 - exp(-ratio));
        out[pair * 2] = n * scale;
        out[pair * 2 + 1] = s * scale;
    }
}

/* ---- stacks and samples ------------------------------------------------ */

static int bad_address(parser *ps, const char *tok, const char *end, int r)
{
    const char *e = tok;
    while (e < end && !is_ws(*e))
        e++;
    char buf[48], msg[96];
    snprintf(msg, sizeof(msg), "%s '%s'",
             r == -EOVERFLOW ? "address does not fit in 64 bits" : "bad address",
             excerpt(tok, (size_t)(e - tok), buf, sizeof(buf)));
    return fail(ps, r, msg);
}

/* Reads the addresses from s to end into ps->stack in one pass over the
 * characters ([0x]hex tokens separated by blanks); returns depth or <0. */
static int64_t parse_stack(parser *ps, const char *s, const char *end)
{
    size_t depth = 0, dropped = 0;
    for (;;) {
        skip_ws(&s, end);
        if (s >= end)
            break;
        const char *tok = s;
        uint64_t v;
        int r = scan_address(&s, end, &v);
        if (hp_unlikely(r < 0))
            return bad_address(ps, tok, end, r);
        if (hp_unlikely(depth >= HP_HEAP_MAX_DEPTH)) {
            dropped++; /* the leaf side is kept */
            continue;
        }
        if (hp_unlikely(depth >= ps->stack_alloc) &&
            HP_GROW(ps->stack, ps->stack_alloc, depth + 1) < 0)
            return hp_error_set(ps->err, -ENOMEM, "out of memory");
        int64_t loc = hp_profile_location(ps->prof, v);
        if (hp_unlikely(loc < 0))
            return hp_error_set(ps->err, (int)loc, "out of memory");
        ps->stack[depth++] = (uint32_t)loc;
    }
    if (hp_unlikely(dropped) && !ps->deep_warned) {
        ps->deep_warned = true;
        if (hp_profile_warn(ps->prof, "%s:%zu: warning: a stack of %zu frames: only the %d nearest "
                            "the allocation are kept (and in every deeper stack)", ps->name,
                            ps->lineno, depth + dropped, HP_HEAP_MAX_DEPTH) < 0)
            return hp_error_set(ps->err, -ENOMEM, "out of memory");
    }
    return (int64_t)depth;
}

static int add_sample(parser *ps, const int64_t raw[HP_NVALUES], uint32_t depth)
{
    hp_profile *prof = ps->prof;
    for (int i = 0; i < HP_NVALUES; i++) {
        if (__builtin_add_overflow(ps->raw_total[i], raw[i], &ps->raw_total[i]))
            return fail(ps, -EOVERFLOW, "the sum of the sample values overflows 64 bits");
    }
    double v[HP_NVALUES];
    adjust(prof, raw, v);
    int64_t idx = hp_profile_add_sample(prof, ps->stack, depth, v, 1.0);
    if (idx < 0)
        return hp_error_set(ps->err, (int)idx, "out of memory");
    if (HP_GROW(prof->records, prof->records_alloc, prof->nrecords + 1) < 0)
        return hp_error_set(ps->err, -ENOMEM, "out of memory");
    hp_record *rec = &prof->records[prof->nrecords++];
    rec->sample = (uint32_t)idx;
    memcpy(rec->value, v, sizeof(v));
    return 0;
}

/* One gperftools sample line: "n1: s1 [n2: s2] @ a1 a2 ...". */
static int parse_sample_line(parser *ps)
{
    const char *s = ps->line, *end = ps->line + ps->len;
    int64_t raw[HP_NVALUES];
    int r = parse_counts(ps, &s, end, raw);
    if (r < 0)
        return r;
    skip_ws(&s, end);
    if (s >= end || *s != '@')
        return fail(ps, -EBADMSG, "bad sample line: expected '@' before the stack");
    s++;
    if (s < end && !is_ws(*s))
        return fail(ps, -EBADMSG, "bad sample line: expected a blank after '@'");
    int64_t depth = parse_stack(ps, s, end);
    if (depth < 0)
        return (int)depth;
    return add_sample(ps, raw, (uint32_t)depth);
}

/* ---- header ------------------------------------------------------------ */

static int set_type(parser *ps, const char *type, size_t n, const char *rate_s, size_t rate_n)
{
    hp_profile *prof = ps->prof;
    char buf[sizeof(prof->type)];
    excerpt(type, n, buf, sizeof(buf));
    memcpy(prof->type, buf, sizeof(buf));
    double rate = 0;
    if (rate_n) {
        const char *p = rate_s;
        int64_t v;
        if (parse_count(&p, rate_s + rate_n, &v) < 0 || p != rate_s + rate_n)
            return fail(ps, -EBADMSG, "bad sampling rate in header");
        rate = (double)v;
    }
    bool has_heap = strstr(prof->type, "heap") != NULL;
    if (strstr(prof->type, "growth")) {
        prof->kind = HP_KIND_GROWTH;
    } else if (strcmp(prof->type, "heapprofile") == 0 || n == 0) {
        /* unsampled: the heap profiler and the heap checker */
    } else if (has_heap) {
        bool v2 = strstr(prof->type, "_v2") != NULL;
        /* heap/R (old tcmalloc): Go pprof's reading, v2 with rate R/2 (DECISIONS 7) */
        if (!v2)
            rate /= 2;
        if (rate > 1) {
            prof->sampling = HP_SAMPLING_V2;
            prof->sampling_rate = rate;
        } else {
            hp_profile_warn(prof, "%s:%zu: warning: '%s' profile without a sampling rate: values are not scaled",
                            ps->name, ps->lineno, prof->type);
        }
    } else {
        hp_profile_warn(prof, "%s:%zu: warning: unknown profile type '%s': values are not scaled",
                        ps->name, ps->lineno, prof->type);
    }
    return 0;
}

/* "heap profile: N1: S1 [N2: S2] @ type[/rate]" */
static int parse_header(parser *ps)
{
    const char *s = ps->line + strlen("heap profile:"), *end = ps->line + ps->len;
    int64_t *h = ps->prof->header;
    const char *save_line = ps->line;
    int r = parse_counts(ps, &s, end, h);
    if (r < 0) {
        hp_error_set(ps->err, r, "%s:%zu: bad header line", ps->name, ps->lineno);
        return r;
    }
    (void)save_line;
    skip_ws(&s, end);
    if (s >= end)
        return set_type(ps, "", 0, NULL, 0);
    if (*s != '@')
        return fail(ps, -EBADMSG, "bad header line: expected '@' before the profile type");
    s++;
    skip_ws(&s, end);
    const char *type = s;
    while (s < end && *s != '/' && !is_ws(*s))
        s++;
    size_t tn = (size_t)(s - type);
    const char *rate = NULL;
    size_t rn = 0;
    if (s < end && *s == '/') {
        rate = ++s;
        while (s < end && !is_ws(*s))
            s++;
        rn = (size_t)(s - rate);
    }
    skip_ws(&s, end);
    if (s != end)
        return fail(ps, -EBADMSG, "bad header line: unexpected text after the profile type");
    return set_type(ps, type, tn, rate, rn);
}

/* ---- MAPPED_LIBRARIES -------------------------------------------------- */

static bool is_maps_marker(const parser *ps)
{
    return starts_with(ps->line, ps->len, "MAPPED_LIBRARIES:") ||
           starts_with(ps->line, ps->len, "--- Memory map:");
}

static int parse_maps(parser *ps)
{
    ps->has_maps = true;
    while (next_line(ps)) {
        int r = hp_heap_maps_line(ps->prof, ps->line, ps->len);
        if (r < 0)
            return hp_error_set(ps->err, r, "out of memory");
    }
    return 0;
}

/* ---- jemalloc heap_v2 dumps -------------------------------------------- */

/* "t*: n1: s1 [n2: s2]" or "t7: ..."; sets *all for the t* line, else *tid. */
static int parse_thread_line(parser *ps, bool *all, int64_t *tid, int64_t raw[HP_NVALUES])
{
    const char *s = ps->line, *end = ps->line + ps->len;
    skip_ws(&s, end);
    s++; /* 't' */
    *all = s < end && *s == '*';
    if (*all) {
        s++;
    } else {
        if (parse_count(&s, end, tid) < 0)
            return fail(ps, -EBADMSG, "bad thread line");
    }
    if (s >= end || *s++ != ':')
        return fail(ps, -EBADMSG, "bad thread line: expected ':' after the thread");
    int r = parse_counts(ps, &s, end, raw);
    if (r < 0)
        return r;
    skip_ws(&s, end);
    if (s != end)
        return fail(ps, -EBADMSG, "bad thread line: unexpected text after the counts");
    return 0;
}

static int parse_jemalloc(parser *ps)
{
    int64_t depth = -1; /* no stack yet: thread lines are the header's summary */
    while (next_line(ps)) {
        const char *s = ps->line, *end = ps->line + ps->len;
        skip_ws(&s, end);
        if (s == end)
            continue;
        if (is_maps_marker(ps))
            return parse_maps(ps);
        if (*s == '@') {
            depth = parse_stack(ps, s + 1, end);
            if (depth < 0)
                return (int)depth;
            continue;
        }
        if (*s != 't')
            return fail(ps, -EBADMSG, "bad line in a jemalloc profile");
        bool all;
        int64_t raw[HP_NVALUES], tid = -1;
        int r = parse_thread_line(ps, &all, &tid, raw);
        if (r < 0)
            return r;
        if (!all && tid == ps->thread)
            ps->thread_seen = true;
        /* kept, not checked: jemalloc's header lines count threads and samples the
         * stack lines do not (they differ in real dumps) */
        if (depth < 0 && (ps->thread < 0 ? all : tid == ps->thread))
            memcpy(ps->prof->header, raw, sizeof(raw));
        /* the t* line sums the threads; --thread=N keeps the tN lines instead */
        if (depth < 0 || (ps->thread < 0 ? !all : tid != ps->thread))
            continue;
        if ((r = add_sample(ps, raw, (uint32_t)depth)) < 0)
            return r;
    }
    return 0;
}

/* ---- symbolized profiles ("--- symbol") -------------------------------- */

static int parse_symbol_section(parser *ps)
{
    hp_profile *prof = ps->prof;
    while (next_line(ps)) {
        const char *s = ps->line, *end = ps->line + ps->len;
        if (starts_with(s, ps->len, "---"))
            return 0;
        if (starts_with(s, ps->len, "binary=")) {
            prof->binary = hp_arena_strndup(prof->arena, s + 7, ps->len - 7);
            if (!prof->binary)
                return hp_error_set(ps->err, -ENOMEM, "out of memory");
            continue;
        }
        uint64_t addr;
        if (scan_address(&s, end, &addr) < 0)
            return fail(ps, -EBADMSG, "bad line in the symbol section");
        skip_ws(&s, end);
        if (HP_GROW(prof->given, prof->given_alloc, prof->ngiven + 1) < 0)
            return hp_error_set(ps->err, -ENOMEM, "out of memory");
        hp_given_symbol *g = &prof->given[prof->ngiven++];
        g->address = addr;
        g->first_name = (uint32_t)prof->ngiven_names;
        g->nnames = 0;
        /* inline levels are separated by "--", outermost first */
        while (s <= end) {
            const char *sep = s;
            while (sep + 1 < end && !(sep[0] == '-' && sep[1] == '-'))
                sep++;
            if (sep + 1 >= end)
                sep = end;
            int64_t id = hp_strtab_intern(prof->strings, s, (size_t)(sep - s));
            if (id < 0 ||
                HP_GROW(prof->given_names, prof->given_names_alloc, prof->ngiven_names + 1) < 0)
                return hp_error_set(ps->err, -ENOMEM, "out of memory");
            prof->given_names[prof->ngiven_names++] = (uint32_t)id;
            g->nnames++;
            if (sep == end)
                break;
            s = sep + 2;
        }
    }
    return fail(ps, -EBADMSG, "symbol section is not closed by '---'");
}

/* ---- driver ------------------------------------------------------------ */

static int parse_heap_body(parser *ps)
{
    while (next_line(ps)) {
        if (is_maps_marker(ps))
            return parse_maps(ps);
        if (is_blank(ps->line, ps->len) || ps->line[0] == '#')
            continue;
        int r = parse_sample_line(ps);
        if (r < 0) {
            if (!ps->had_newline)
                hp_error_set(ps->err, r, "%s:%zu: truncated sample line (the file ends inside it)",
                             ps->name, ps->lineno);
            return r;
        }
        if (!ps->had_newline)
            hp_profile_warn(ps->prof, "%s:%zu: warning: the file ends inside a sample line: it may be truncated",
                            ps->name, ps->lineno);
    }
    return 0;
}

static int parse_all(parser *ps)
{
    hp_profile *prof = ps->prof;
    if (ps->pos == ps->end)
        return hp_error_set(ps->err, -EBADMSG, "%s: empty file, not a heap profile", ps->name);
    for (;;) {
        if (!next_line(ps))
            return fail(ps, -EBADMSG, "no profile header");
        if (ps->len == 0 || ps->line[0] != '%')
            break;
        if (starts_with(ps->line, ps->len, "%warn")) {
            char buf[256];
            const char *t = ps->line + 5, *e = ps->line + ps->len;
            skip_ws(&t, e);
            hp_profile_warn(prof, "WARNING: %s", excerpt(t, (size_t)(e - t), buf, sizeof(buf)));
        } else {
            char buf[256];
            hp_profile_warn(prof, "%s:%zu: warning: ignoring unknown command '%s'", ps->name, ps->lineno,
                            excerpt(ps->line, ps->len, buf, sizeof(buf)));
        }
    }
    if (starts_with(ps->line, ps->len, "--- symbol")) {
        int r = parse_symbol_section(ps);
        if (r < 0)
            return r;
        if (!next_line(ps))
            return fail(ps, -EBADMSG, "no profile after the symbol section");
        if (starts_with(ps->line, ps->len, "--- profile"))
            return fail(ps, -ENOTSUP, "binary CPU profile data is not supported (only heap profiles)");
    }
    if (starts_with(ps->line, ps->len, "heap profile:")) {
        int r = parse_header(ps);
        ps->has_header = true;
        return r < 0 ? r : parse_heap_body(ps);
    }
    if (starts_with(ps->line, ps->len, "heap_v2/")) {
        prof->kind = HP_KIND_JEMALLOC;
        snprintf(prof->type, sizeof(prof->type), "heap_v2");
        const char *p = ps->line + 8, *e = ps->line + ps->len;
        int64_t rate;
        if (parse_count(&p, e, &rate) < 0 || rate < 1)
            return fail(ps, -EBADMSG, "bad jemalloc header: expected heap_v2/RATE");
        skip_ws(&p, e);
        if (p != e)
            return fail(ps, -EBADMSG, "bad jemalloc header: unexpected text after the rate");
        if (rate > 1) { /* heap_v2/1 (lg_prof_sample:0): every allocation, nothing to scale */
            prof->sampling = HP_SAMPLING_V2;
            prof->sampling_rate = (double)rate;
        }
        return parse_jemalloc(ps);
    }
    return fail(ps, -EBADMSG, "not a heap profile: the first line is not 'heap profile: ...'");
}

int hp_heap_parse(const char *name, const char *data, size_t len, hp_profile **ret,
                  hp_error *reterr)
{
    return hp_heap_parse_ex(name, data, len, NULL, ret, reterr);
}

int hp_heap_parse_ex(const char *name, const char *data, size_t len, const hp_heap_options *opts,
                     hp_profile **ret, hp_error *reterr)
{
    hp_profile *prof = NULL;
    int r = hp_profile_new(name, &prof);
    if (r < 0)
        return hp_error_set(reterr, r, "out of memory");
    parser ps = {
        .name = name,
        .pos = data,
        .end = data + len,
        .prof = prof,
        .err = reterr,
        .thread = opts && opts->thread >= 0 ? opts->thread : -1,
    };
    /* Reserve by the file size: a sample line takes at least 12 bytes and an
     * address 2, so these never move while parsing (untouched pages of
     * large allocations cost no memory). */
    if (HP_GROW(prof->samples, prof->samples_alloc, len / 12 + 16) < 0 ||
        HP_GROW(prof->records, prof->records_alloc, len / 12 + 16) < 0 ||
        HP_GROW(prof->stack_locs, prof->stack_locs_alloc, len / 2 + 16) < 0) {
        hp_profile_free(prof);
        return hp_error_set(reterr, -ENOMEM, "out of memory");
    }
    r = parse_all(&ps);
    free(ps.stack);
    if (r == 0 && ps.has_header)
        r = hp_heap_check_totals(prof, name, prof->header, ps.raw_total, len) < 0
                ? hp_error_set(reterr, -ENOMEM, "out of memory")
                : 0;
    /* jemalloc writes its maps last: a dump without them was cut short */
    if (r == 0 && prof->kind == HP_KIND_JEMALLOC && !ps.has_maps &&
        hp_profile_warn(prof, "%s: warning: no MAPPED_LIBRARIES section at the end of this jemalloc "
                        "dump: the file is truncated, stacks may be missing", name) < 0)
        r = hp_error_set(reterr, -ENOMEM, "out of memory");
    if (r == 0 && ps.thread >= 0) {
        if (prof->kind != HP_KIND_JEMALLOC)
            r = hp_error_set(reterr, -ENOTSUP, "%s: --thread needs a jemalloc heap profile "
                             "(per-thread 't<N>:' lines)", name);
        else if (!ps.thread_seen)
            r = hp_error_set(reterr, -ENOENT, "%s: no thread %" PRId64 " in this profile", name,
                             ps.thread);
    }
    if (r < 0) {
        hp_profile_free(prof);
        return r;
    }
    *ret = prof;
    return 0;
}
