/*
 * report.c - Perl pprof's report pipeline after symbolization: allocator
 * frame removal, focus/ignore (and Go's show/hide), translation of locations
 * into granularity keys, de-duplication per stack, flat and cumulative sums.
 * Everything is cached per (location, leaf-or-caller), so a 100k-stack
 * profile costs one pass over its frames.
 */
#include "hp_common.h"
#include "hp_buf.h"
#include "hp_names.h"
#include "hp_report.h"
#include "hp_heap.h"
#include "hp_seqtab.h"

#include <inttypes.h>
#include <regex.h>

typedef struct builder {
    const hp_profile *p;
    const hp_report_options *o;
    hp_report *r;
    hp_error *err;
    regex_t focus, ignore, show, hide;
    bool has_focus, has_ignore, has_show, has_hide;
    /* per location * 2 (caller, leaf) */
    uint8_t *skip;      /* 0 unknown, 1 keep, 2 allocator frame */
    uint8_t *m_focus, *m_ignore, *m_show, *m_hide; /* 0 unknown, 1 no, 2 yes */
    uint32_t *key_start, *key_count; /* UINT32_MAX = not computed */
    uint32_t *key_pool;
    size_t nkey_pool, key_pool_alloc;
    size_t display_alloc;
    hp_buf tmp;
} builder;

/* ---- regular expressions ----------------------------------------------- */

/* Perl/RE2 patterns are mostly POSIX ERE; translate the common escapes that
 * ERE lacks (\d, \D). glibc already knows \w \W \s \S \b. */
static int compile_re(builder *b, regex_t *re, const char *pattern, const char *what)
{
    hp_buf pat = HP_BUF_INIT;
    for (const char *s = pattern; *s; s++) {
        if (s[0] == '\\' && s[1] == 'd') {
            hp_buf_adds(&pat, "[0-9]");
            s++;
        } else if (s[0] == '\\' && s[1] == 'D') {
            hp_buf_adds(&pat, "[^0-9]");
            s++;
        } else if (s[0] == '\\' && s[1]) {
            hp_buf_add(&pat, s, 2);
            s++;
        } else {
            hp_buf_addc(&pat, *s);
        }
    }
    if (!hp_buf_ok(&pat))
        return hp_error_set(b->err, -ENOMEM, "out of memory");
    int rc = regcomp(re, pat.buf, REG_EXTENDED | REG_NOSUB);
    hp_buf_release(&pat);
    if (rc != 0) {
        char msg[128];
        regerror(rc, re, msg, sizeof(msg));
        return hp_error_set(b->err, -EINVAL, "bad --%s regular expression '%s': %s", what,
                            pattern, msg);
    }
    return 1;
}

static bool regex_hit(const regex_t *re, const char *s)
{
    return regexec(re, s, 0, NULL, 0) == 0;
}

/* ---- per-frame facts --------------------------------------------------- */

uint64_t hp_report_frame_address(const hp_report *r, uint32_t frame)
{
    uint64_t a = r->profile->locations[HP_FRAME_LOC(frame)].address;
    /* symbolized profiles name their addresses exactly: no adjustment (Perl) */
    if ((frame & HP_FRAME_LEAF) || r->profile->ngiven || r->profile->binary)
        return a;
    return a - 1;
}

static const hp_line *loc_lines(const hp_profile *p, uint32_t loc)
{
    return p->lines + p->locations[loc].first_line;
}


/* Perl pprof's allocator frames; for jemalloc dumps jeprof's longer list and
 * every frame inside a libjemalloc mapping (Debian's library is stripped:
 * its internal frames have no name). */
static bool is_allocator(const builder *b, uint32_t loc)
{
    const hp_location *L = &b->p->locations[loc];
    bool jemalloc = b->p->kind == HP_KIND_JEMALLOC;
    /* not symbolized (--symbolize=none): the mapping is found here */
    uint32_t m = L->mapping ? L->mapping : hp_profile_mapping_of(b->p, L->address ? L->address - 1 : 0);
    if (m && hp_is_jemalloc_object(hp_profile_str(b->p, b->p->mappings[m].path)))
        return true;
    /* Perl pprof tests the outermost level's short name */
    const hp_line *outer = hp_profile_outer_line(b->p, loc);
    if (!outer)
        return false;
    const char *name = hp_profile_line_name(b->p, outer);
    return jemalloc ? hp_is_jemalloc_frame(name) : hp_is_allocator_frame(name);
}

static void addr16(char out[17], uint64_t a)
{
    snprintf(out, 17, "%016" PRIx64, a);
}

/* Perl's SymbolMatches plus the address test of FocusProfile. */
static bool frame_matches(builder *b, const regex_t *re, uint32_t frame)
{
    uint32_t loc = HP_FRAME_LOC(frame);
    char a[17];
    addr16(a, hp_report_frame_address(b->r, frame));
    if (regex_hit(re, a))
        return true;
    const hp_location *L = &b->p->locations[loc];
    if (L->state == HP_LOC_UNSYMBOLIZED) {
        char name[20];
        snprintf(name, sizeof(name), "0x%s", a);
        return regex_hit(re, name) || regex_hit(re, "?");
    }
    if (L->state != HP_LOC_SYMBOLIZED)
        return false;
    const hp_line *lines = loc_lines(b->p, loc);
    for (uint32_t i = 0; i < L->nlines; i++) {
        if (regex_hit(re, hp_profile_line_name(b->p, &lines[i])) ||
            regex_hit(re, hp_profile_str(b->p, lines[i].fileline)))
            return true;
    }
    return false;
}

static bool cached_match(builder *b, const regex_t *re, uint8_t *cache, uint32_t frame)
{
    size_t slot = (size_t)HP_FRAME_LOC(frame) * 2 + ((frame & HP_FRAME_LEAF) ? 1 : 0);
    if (!cache[slot])
        cache[slot] = frame_matches(b, re, frame) ? 2 : 1;
    return cache[slot] == 2;
}

/* ---- keys -------------------------------------------------------------- */

static int64_t intern_key(builder *b, const char *key, const char *display)
{
    hp_report *r = b->r;
    int64_t id = hp_strtab_intern(r->keys, key, strlen(key));
    if (id < 0)
        return id;
    if ((size_t)id >= r->nkeys) {
        int64_t did = display ? hp_strtab_intern(r->labels, display, strlen(display)) : 0;
        if (did < 0)
            return did;
        if (HP_GROW(r->display, b->display_alloc, (size_t)id + 1) < 0)
            return -ENOMEM;
        r->display[id] = (uint32_t)did;
        r->nkeys = (size_t)id + 1;
    }
    return id;
}

static int push_key(builder *b, const char *key, const char *display)
{
    int64_t id = intern_key(b, key, display);
    if (id < 0)
        return (int)id;
    if (HP_GROW(b->key_pool, b->key_pool_alloc, b->nkey_pool + 1) < 0)
        return -ENOMEM;
    b->key_pool[b->nkey_pool++] = (uint32_t)id;
    return 0;
}

/* Perl's TranslateStack for one frame: one key per inline level, innermost first. */
static int translate_frame(builder *b, uint32_t frame)
{
    const hp_profile *p = b->p;
    const hp_report_options *o = b->o;
    uint32_t loc = HP_FRAME_LOC(frame);
    const hp_location *L = &p->locations[loc];
    char a[17], name0x[20];
    addr16(a, hp_report_frame_address(b->r, frame));
    hp_buf *t = &b->tmp;
    int rc;

    if (L->state != HP_LOC_SYMBOLIZED || L->nlines == 0) {
        /* [name, fileline] = ["0x<a>", "??:0"] when unsymbolized (Perl's
         * addr2line answer), [a, ""] when the object is missing */
        bool unsym = L->state != HP_LOC_NO_OBJECT;
        snprintf(name0x, sizeof(name0x), "0x%s", a);
        const char *func = unsym ? name0x : a;
        const char *fl = unsym ? "??:0" : "";
        hp_buf_reset(t);
        switch (o->granularity) {
        case HP_GRAN_ADDRESSES:
            hp_buf_addf(t, "%s %s %s", a, func, fl);
            break;
        case HP_GRAN_LINES:
            if (!o->show_addresses)
                hp_buf_addf(t, "%s %s", func, fl);
            else
                hp_buf_addf(t, "%s %s (%s)", func, fl, a);
            break;
        case HP_GRAN_FUNCTIONS:
            if (!o->show_addresses)
                hp_buf_adds(t, func);
            else
                hp_buf_addf(t, "%s (%s)", func, a);
            break;
        case HP_GRAN_FILES:
            hp_buf_adds(t, a);
            break;
        }
        return hp_buf_ok(t) ? push_key(b, t->buf, NULL) : -ENOMEM;
    }

    const hp_line *lines = loc_lines(p, loc);
    const hp_line *outer = &lines[L->nlines - 1];
    for (uint32_t i = 0; i < L->nlines; i++) {
        const hp_line *l = &lines[i];
        const char *func = hp_profile_line_name(p, l);
        const char *fl = hp_profile_str(p, l->fileline);
        bool inl = i + 1 < L->nlines;
        bool unknown = strcmp(func, "??") == 0;
        bool addr_key = false;
        hp_buf_reset(t);
        switch (o->granularity) {
        case HP_GRAN_ADDRESSES:
            hp_buf_addf(t, "%s %s%s %s", a, func, inl ? " (inline)" : "", fl);
            break;
        case HP_GRAN_LINES:
            if (unknown && !inl && strcmp(fl, "??:0") == 0)
                addr_key = true;
            else if (!o->show_addresses)
                hp_buf_addf(t, "%s%s %s", func, inl ? " (inline)" : "", fl);
            else
                hp_buf_addf(t, "%s%s %s (%s)", func, inl ? " (inline)" : "", fl, a);
            break;
        case HP_GRAN_FUNCTIONS:
            if (unknown && !inl)
                addr_key = true;
            else if (!o->show_addresses)
                hp_buf_addf(t, "%s%s", func, inl ? " (inline)" : "");
            else
                hp_buf_addf(t, "%s%s (%s)", func, inl ? " (inline)" : "", a);
            break;
        case HP_GRAN_FILES:
            if (strcmp(fl, "??:0") == 0 || !*fl) {
                addr_key = true;
            } else {
                size_t n = strlen(fl), k = n;
                while (k > 0 && fl[k - 1] >= '0' && fl[k - 1] <= '9')
                    k--;
                if (k > 0 && k < n && fl[k - 1] == ':')
                    n = k - 1;
                hp_buf_add(t, fl, n);
            }
            break;
        }
        if (addr_key) {
            /* Perl prints an address key through its symbol entry: outermost level */
            hp_buf_reset(t);
            hp_buf_addf(t, "%s %s", hp_profile_line_name(p, outer), hp_profile_str(p, outer->fileline));
            if (!hp_buf_ok(t))
                return -ENOMEM;
            char display[512];
            snprintf(display, sizeof(display), "%s", t->buf);
            rc = push_key(b, a, display);
        } else {
            rc = hp_buf_ok(t) ? push_key(b, t->buf, NULL) : -ENOMEM;
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int frame_keys(builder *b, uint32_t frame, const uint32_t **ret, uint32_t *ret_n)
{
    size_t slot = (size_t)HP_FRAME_LOC(frame) * 2 + ((frame & HP_FRAME_LEAF) ? 1 : 0);
    if (b->key_start[slot] == UINT32_MAX) {
        size_t start = b->nkey_pool;
        int rc = translate_frame(b, frame);
        if (rc < 0)
            return rc;
        b->key_start[slot] = (uint32_t)start;
        b->key_count[slot] = (uint32_t)(b->nkey_pool - start);
    }
    *ret = b->key_pool + b->key_start[slot];
    *ret_n = b->key_count[slot];
    return 0;
}

/* ---- the pipeline ------------------------------------------------------ */

static bool keep_stack(builder *b, const uint32_t *frames, uint32_t n)
{
    if (b->has_focus) {
        bool hit = false;
        for (uint32_t i = 0; i < n && !hit; i++)
            hit = cached_match(b, &b->focus, b->m_focus, frames[i]);
        if (!hit)
            return false;
    }
    if (b->has_ignore) {
        for (uint32_t i = 0; i < n; i++)
            if (cached_match(b, &b->ignore, b->m_ignore, frames[i]))
                return false;
    }
    return true;
}

/* Processed frames of sample s (allocator frames removed) into frames;
 * returns their number. */
static uint32_t sample_frames(builder *b, const hp_sample *s, uint32_t *frames)
{
    const hp_profile *p = b->p;
    uint32_t n = 0;
    for (uint32_t d = 0; d < s->depth; d++) {
        uint32_t loc = p->stack_locs[s->stack + d];
        if (b->o->drop_allocator_frames) {
            if (!b->skip[loc])
                b->skip[loc] = is_allocator(b, loc) ? 2 : 1;
            if (b->skip[loc] == 2) {
                /* jeprof: the frames seen so far were the allocator's own too */
                if (p->kind == HP_KIND_JEMALLOC)
                    n = 0;
                continue;
            }
        }
        frames[n++] = loc | (d == 0 ? HP_FRAME_LEAF : 0);
    }
    return n;
}

/* Focus/ignore, then show/hide; returns false when the stack is dropped. */
static bool filter_frames(builder *b, uint32_t *frames, uint32_t *n)
{
    if (!keep_stack(b, frames, *n))
        return false;
    if (b->has_show || b->has_hide) {
        uint32_t k = 0;
        for (uint32_t j = 0; j < *n; j++) {
            if (b->has_hide && cached_match(b, &b->hide, b->m_hide, frames[j]))
                continue;
            if (b->has_show && !cached_match(b, &b->show, b->m_show, frames[j]))
                continue;
            frames[k++] = frames[j];
        }
        if (k == 0 && *n > 0)
            return false; /* Go drops samples left with no frames */
        *n = k;
    }
    return true;
}

static int add_stack(hp_report *r, size_t *alloc, size_t *frames_alloc, double value,
                     uint32_t sample, const uint32_t *frames, uint32_t n)
{
    if (HP_GROW(r->stacks, *alloc, r->nstacks + 1) < 0 ||
        HP_GROW(r->frame_locs, *frames_alloc, r->nframe_locs + n) < 0)
        return -ENOMEM;
    hp_report_stack *st = &r->stacks[r->nstacks++];
    *st = (hp_report_stack){
        .value = value, .frames = (uint32_t)r->nframe_locs, .nframes = n, .sample = sample};
    if (n)
        memcpy(r->frame_locs + r->nframe_locs, frames, n * sizeof(*frames));
    r->nframe_locs += n;
    return 0;
}

/* Stage 1: total, allocator-frame removal, filters; stacks that become
 * identical are merged (hashing is skipped when nothing changed). */
static int process_stacks(builder *b)
{
    const hp_profile *p = b->p;
    hp_report *r = b->r;
    int metric = b->o->metric, rc = 0;
    uint32_t *frames = hp_new0(uint32_t, HP_HEAP_MAX_DEPTH + 1);
    size_t stacks_alloc = 0, frames_alloc = 0;
    bool filters = b->has_focus || b->has_ignore || b->has_show || b->has_hide;
    bool changed = filters;
    if (!frames)
        return -ENOMEM;
    for (size_t i = 0; i < p->nsamples && !changed; i++) {
        r->total += p->samples[i].value[metric];
        changed = sample_frames(b, &p->samples[i], frames) != p->samples[i].depth;
    }
    if (!changed) {
        /* every sample is its own processed stack: frames are read in place */
        if (HP_GROW(r->stacks, stacks_alloc, p->nsamples + 1) < 0) {
            rc = -ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < p->nsamples; i++) {
            const hp_sample *s = &p->samples[i];
            r->stacks[r->nstacks++] = (hp_report_stack){.value = s->value[metric],
                                                        .frames = s->stack,
                                                        .nframes = s->depth,
                                                        .sample = (uint32_t)i};
        }
        r->frames_are_samples = true;
        goto out;
    }
    r->total = 0;
    hp_seqtab *seqs = hp_seqtab_new();
    double *values = NULL;
    uint32_t *first_sample = NULL;
    size_t values_alloc = 0, first_alloc = 0, known = 0;
    if (!seqs) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < p->nsamples; i++) {
        const hp_sample *s = &p->samples[i];
        double v = s->value[metric];
        r->total += v;
        uint32_t n = sample_frames(b, s, frames);
        if (!filter_frames(b, frames, &n)) {
            if (!r->dropped && !(r->dropped = hp_new0(uint8_t, p->nsamples))) {
                rc = -ENOMEM;
                break;
            }
            r->dropped[i] = 1;
            continue;
        }
        int64_t id = hp_seqtab_intern(seqs, frames, n);
        if (id < 0) {
            rc = (int)id;
            break;
        }
        if (HP_GROW0(values, values_alloc, (size_t)id + 1) < 0) {
            rc = -ENOMEM;
            break;
        }
        if ((size_t)id == known) { /* a new processed stack */
            if (HP_GROW(first_sample, first_alloc, known + 1) < 0) {
                rc = -ENOMEM;
                break;
            }
            first_sample[known++] = (uint32_t)i;
        }
        values[id] += v;
    }
    for (size_t i = 0; rc == 0 && i < hp_seqtab_count(seqs); i++) {
        uint32_t n;
        const uint32_t *fr = hp_seqtab_get(seqs, (uint32_t)i, &n);
        rc = add_stack(r, &stacks_alloc, &frames_alloc, values[i], first_sample[i], fr, n);
    }
    free(values);
    free(first_sample);
    hp_seqtab_free(seqs);
out:
    free(frames);
    return rc;
}

/* Stage 2: granularity keys per stack; flat and cum with recursion counted once. */
static int sum_keys(builder *b)
{
    hp_report *r = b->r;
    size_t keys_alloc = 0, vals_alloc = 0, stamp_alloc = 0;
    uint32_t *stamp = NULL;
    int rc = 0;
    for (size_t i = 0; i < r->nstacks; i++) {
        hp_report_stack *st = &r->stacks[i];
        bool first = true;
        st->keys = (uint32_t)r->nstack_keys;
        for (uint32_t j = 0; j < st->nframes; j++) {
            const uint32_t *ks;
            uint32_t nk;
            if ((rc = frame_keys(b, hp_report_frame(r, st, j), &ks, &nk)) < 0)
                goto out;
            if (r->nkeys > vals_alloc) {
                size_t old = vals_alloc, old2 = vals_alloc;
                if (HP_GROW(r->flat, old, r->nkeys) < 0 || HP_GROW(r->cum, old2, r->nkeys) < 0 ||
                    HP_GROW(stamp, stamp_alloc, old) < 0) {
                    rc = -ENOMEM;
                    goto out;
                }
                memset(r->flat + vals_alloc, 0, (old - vals_alloc) * sizeof(double));
                memset(r->cum + vals_alloc, 0, (old - vals_alloc) * sizeof(double));
                memset(stamp + vals_alloc, 0, (old - vals_alloc) * sizeof(uint32_t));
                vals_alloc = old;
            }
            for (uint32_t k = 0; k < nk; k++) {
                uint32_t key = ks[k];
                if (first) {
                    r->flat[key] += st->value;
                    r->focused += st->value;
                    first = false;
                }
                if (stamp[key] != i + 1) {
                    stamp[key] = (uint32_t)i + 1;
                    r->cum[key] += st->value;
                }
            }
            if (b->o->keep_stack_keys) {
                if (HP_GROW(r->stack_keys, keys_alloc, r->nstack_keys + nk) < 0) {
                    rc = -ENOMEM;
                    goto out;
                }
                if (nk)
                    memcpy(r->stack_keys + r->nstack_keys, ks, nk * sizeof(*ks));
                r->nstack_keys += nk;
            }
        }
        st->nkeys = (uint32_t)(r->nstack_keys - st->keys);
    }
    /* rows: every key seen in a stack (Perl prints those with a non-zero value) */
    r->rows = hp_new0(uint32_t, r->nkeys + 1);
    if (!r->rows || HP_GROW(r->flat, vals_alloc, r->nkeys + 1) < 0) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t k = 1; k < r->nkeys; k++)
        if (stamp && stamp[k])
            r->rows[r->nrows++] = (uint32_t)k;
out:
    free(stamp);
    return rc;
}

typedef struct row_order {
    const hp_report *r;
    const double *by; /* flat or cum */
} row_order;

static int row_cmp(const void *pa, const void *pb, void *ctx)
{
    const row_order *o = ctx;
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    if (o->by[a] != o->by[b])
        return o->by[a] > o->by[b] ? -1 : 1;
    return strcmp(hp_report_key(o->r, a), hp_report_key(o->r, b));
}

/* The two row orders: by flat (rows) and by cum (cum_rows), descending, ties by key. */
static int sort_rows(hp_report *r)
{
    r->cum_rows = hp_new0(uint32_t, r->nrows + 1);
    if (!r->cum_rows)
        return -ENOMEM;
    memcpy(r->cum_rows, r->rows, r->nrows * sizeof(*r->rows));
    qsort_r(r->rows, r->nrows, sizeof(*r->rows), row_cmp, &(row_order){r, r->flat});
    qsort_r(r->cum_rows, r->nrows, sizeof(*r->rows), row_cmp, &(row_order){r, r->cum});
    return 0;
}

static int build(builder *b)
{
    const hp_profile *p = b->p;
    size_t nslots = p->nlocations * 2;
    b->skip = hp_new0(uint8_t, p->nlocations);
    b->m_focus = hp_new0(uint8_t, nslots);
    b->m_ignore = hp_new0(uint8_t, nslots);
    b->m_show = hp_new0(uint8_t, nslots);
    b->m_hide = hp_new0(uint8_t, nslots);
    b->key_start = hp_malloc(nslots * sizeof(uint32_t));
    b->key_count = hp_malloc(nslots * sizeof(uint32_t));
    if (!b->skip || !b->m_focus || !b->m_ignore || !b->m_show || !b->m_hide || !b->key_start ||
        !b->key_count)
        return -ENOMEM;
    memset(b->key_start, 0xff, nslots * sizeof(uint32_t));
    int rc = process_stacks(b);
    if (rc == 0)
        rc = sum_keys(b);
    if (rc == 0)
        rc = sort_rows(b->r);
    if (rc == 0 && b->o->percent_base != 0)
        b->r->focused = b->o->percent_base;
    return rc;
}

int hp_report_build(const hp_profile *p, const hp_report_options *opts, hp_report **ret,
                    hp_error *reterr)
{
    hp_report *r = hp_new0(hp_report, 1);
    if (!r)
        return hp_error_set(reterr, -ENOMEM, "out of memory");
    r->profile = p;
    r->opts = *opts;
    r->keys = hp_strtab_new();
    r->labels = hp_strtab_new();
    builder b = {.p = p, .o = opts, .r = r, .err = reterr, .tmp = HP_BUF_INIT};
    int rc = r->keys && r->labels ? 0 : -ENOMEM;
    if (rc == 0) {
        r->nkeys = 1; /* id 0 is "" */
        if (HP_GROW(r->display, b.display_alloc, 1) < 0)
            rc = -ENOMEM;
        else
            r->display[0] = 0;
    }
    struct {
        const char *pat, *what;
        regex_t *re;
        bool *has;
    } res[] = {
        {opts->focus, "focus", &b.focus, &b.has_focus},
        {opts->ignore, "ignore", &b.ignore, &b.has_ignore},
        {opts->show, "show", &b.show, &b.has_show},
        {opts->hide, "hide", &b.hide, &b.has_hide},
    };
    for (size_t i = 0; rc == 0 && i < HP_ARRAY_SIZE(res); i++) {
        if (!res[i].pat || !*res[i].pat)
            continue;
        int c = compile_re(&b, res[i].re, res[i].pat, res[i].what);
        if (c < 0)
            rc = c;
        else
            *res[i].has = true;
    }
    if (rc == 0)
        rc = build(&b);
    for (size_t i = 0; i < HP_ARRAY_SIZE(res); i++)
        if (*res[i].has)
            regfree(res[i].re);
    free(b.skip);
    free(b.m_focus);
    free(b.m_ignore);
    free(b.m_show);
    free(b.m_hide);
    free(b.key_start);
    free(b.key_count);
    free(b.key_pool);
    hp_buf_release(&b.tmp);
    if (rc < 0) {
        if (rc == -ENOMEM)
            hp_error_set(reterr, rc, "out of memory");
        hp_report_free(r);
        return rc;
    }
    *ret = r;
    return 0;
}

hp_report *hp_report_free(hp_report *r)
{
    if (!r)
        return NULL;
    hp_strtab_free(r->keys);
    hp_strtab_free(r->labels);
    free(r->display);
    free(r->flat);
    free(r->cum);
    free(r->rows);
    free(r->cum_rows);
    free(r->stacks);
    free(r->frame_locs);
    free(r->stack_keys);
    free(r->dropped);
    free(r);
    return NULL;
}
