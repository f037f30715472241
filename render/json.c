/*
 * json.c - the --json report: one JSON document ("schema": "cpprof/1", see
 * docs/json-schema.md and docs/cpprof.schema.json) describing the profile and
 * holding the parts asked for: the --text rows, the processed stacks with
 * their frames (inline levels expanded), and the --dot graph.
 * Keys are written in a fixed order; numbers are integers when integral and
 * otherwise the shortest text that reads back to the same double; NaN and
 * infinities become null; strings are escaped per RFC 8259, valid UTF-8 is
 * passed through and each byte of an invalid sequence is written as \u00XX.
 */
#include "hp_common.h"
#include "render-internal.h"

#include <inttypes.h>
#include <math.h>

/* ---- writers ----------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

static void jstr(FILE *out, const char *str)
{
    if (!str) {
        fputs("null", out);
        return;
    }
    const unsigned char *s = (const unsigned char *)str;
    size_t n = strlen(str);
    putc('"', out);
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c == '"' || c == '\\') {
            putc('\\', out);
            putc(c, out);
        } else if (c == '\n') {
            fputs("\\n", out);
        } else if (c == '\t') {
            fputs("\\t", out);
        } else if (c == '\r') {
            fputs("\\r", out);
        } else if (c == '\b') {
            fputs("\\b", out);
        } else if (c == '\f') {
            fputs("\\f", out);
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(out, "\\u%04x", c);
        } else if (c < 0x80) {
            putc(c, out);
        } else {
            size_t len = utf8_len(s + i, n - i);
            if (len == 0) {
                fprintf(out, "\\u%04x", c); /* an invalid byte: U+0080..U+00FF */
            } else {
                fwrite(s + i, 1, len, out);
                i += len;
                continue;
            }
        }
        i++;
    }
    putc('"', out);
}

static void jnum(FILE *out, double v)
{
    if (!isfinite(v)) {
        fputs("null", out);
        return;
    }
    if (v == 0) {
        fputs("0", out); /* also -0 */
        return;
    }
    if (v == trunc(v) && fabs(v) < 1e17) {
        fprintf(out, "%.0f", v);
        return;
    }
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, out);
}

static void jkey(FILE *out, bool *first, const char *key)
{
    if (!*first)
        putc(',', out);
    *first = false;
    fprintf(out, "\"%s\":", key);
}

static void jpercent(FILE *out, double v, double total)
{
    jnum(out, total != 0 ? v * 100.0 / total : NAN);
}

static void jaddress(FILE *out, uint64_t a)
{
    fprintf(out, "\"0x%" PRIx64 "\"", a);
}

/* ---- keys: where a report key comes from ------------------------------- */

typedef struct key_origin {
    uint32_t loc;   /* 0: not seen in a stack */
    uint32_t level; /* inline level, innermost 0 */
    uint64_t address;
} key_origin;

static key_origin *key_origins(const hp_report *r)
{
    const hp_profile *p = r->profile;
    key_origin *ko = hp_new0(key_origin, r->nkeys + 1);
    if (!ko)
        return NULL;
    for (size_t i = 0; i < r->nstacks; i++) {
        const hp_report_stack *st = &r->stacks[i];
        uint32_t pos = 0;
        for (uint32_t j = 0; j < st->nframes && pos < st->nkeys; j++) {
            uint32_t f = hp_report_frame(r, st, j), loc = HP_FRAME_LOC(f);
            uint32_t n = hp_frame_nkeys(p, loc);
            for (uint32_t l = 0; l < n && pos < st->nkeys; l++, pos++) {
                uint32_t k = r->stack_keys[st->keys + pos];
                if (!ko[k].loc)
                    ko[k] = (key_origin){loc, l, hp_report_frame_address(r, f)};
            }
        }
    }
    return ko;
}

static const hp_line *origin_line(const hp_profile *p, const key_origin *o)
{
    const hp_location *L = &p->locations[o->loc];
    if (!o->loc || L->state != HP_LOC_SYMBOLIZED || o->level >= L->nlines)
        return NULL;
    return &p->lines[L->first_line + o->level];
}

static const char *line_function(const hp_profile *p, const hp_line *l)
{
    return l && l->function ? hp_profile_str(p, p->functions[l->function].short_name) : NULL;
}

static const char *line_file(const hp_profile *p, const hp_line *l)
{
    if (!l)
        return NULL;
    uint32_t f = l->file ? l->file : l->function ? p->functions[l->function].file : 0;
    const char *s = f ? hp_profile_str(p, f) : NULL;
    return s && *s && strcmp(s, "??") ? s : NULL;
}

/* ---- parts ------------------------------------------------------------- */

static void write_profile(FILE *out, const hp_report *r, const hp_json_info *ji)
{
    static const char *const kinds[] = {"heap", "growth", "jemalloc"};
    static const char *const grans[] = {"functions", "lines", "files", "addresses"};
    const hp_profile *p = r->profile;
    int metric = r->opts.metric;
    bool first = true;
    fputs("\"profile\":{", out);
    jkey(out, &first, "path");
    jstr(out, ji->nprofiles > 0 ? ji->profiles[0] : p->path);
    jkey(out, &first, "paths");
    putc('[', out);
    for (int i = 0; i < ji->nprofiles; i++) {
        if (i)
            putc(',', out);
        jstr(out, ji->profiles[i]);
    }
    putc(']', out);
    jkey(out, &first, "program");
    jstr(out, ji->program);
    jkey(out, &first, "type");
    jstr(out, p->type);
    jkey(out, &first, "kind");
    jstr(out, (unsigned)p->kind < HP_ARRAY_SIZE(kinds) ? kinds[p->kind] : "heap");
    jkey(out, &first, "sample_type");
    jstr(out, hp_value_name(metric));
    jkey(out, &first, "unit");
    jstr(out, hp_value_is_space(metric) ? "bytes" : "objects");
    jkey(out, &first, "sampling");
    if (p->sampling == HP_SAMPLING_V2) {
        fputs("{\"scheme\":\"poisson\",\"rate\":", out);
        jnum(out, p->sampling_rate);
        putc('}', out);
    } else {
        fputs("{\"scheme\":\"none\"}", out);
    }
    jkey(out, &first, "granularity");
    jstr(out, grans[r->opts.granularity]);
    jkey(out, &first, "total");
    jnum(out, r->total);
    jkey(out, &first, "percent_base");
    jnum(out, r->focused);
    jkey(out, &first, "base");
    jstr(out, ji->base);
    jkey(out, &first, "diff_base");
    fputs(ji->base && ji->diff_base ? "true" : "false", out);
    jkey(out, &first, "thread");
    if (ji->thread >= 0)
        fprintf(out, "%ld", ji->thread);
    else
        fputs("null", out);
    jkey(out, &first, "filters");
    bool f2 = true;
    putc('{', out);
    jkey(out, &f2, "focus");
    jstr(out, r->opts.focus && *r->opts.focus ? r->opts.focus : NULL);
    jkey(out, &f2, "ignore");
    jstr(out, r->opts.ignore && *r->opts.ignore ? r->opts.ignore : NULL);
    jkey(out, &f2, "show");
    jstr(out, r->opts.show && *r->opts.show ? r->opts.show : NULL);
    jkey(out, &f2, "hide");
    jstr(out, r->opts.hide && *r->opts.hide ? r->opts.hide : NULL);
    fputs("}}", out);
}

static void write_rows(FILE *out, const hp_report *r, const hp_render_options *o, const key_origin *ko)
{
    const hp_profile *p = r->profile;
    hp_granularity gran = r->opts.granularity;
    fputs(",\n\"rows\":[", out);
    hp_rows it;
    hp_rows_start(r, o, &it);
    while (hp_rows_next(r, o, &it)) {
        uint32_t k = it.key;
        double f = r->flat[k], c = r->cum[k];
        fputs(it.printed > 1 ? ",\n" : "\n", out);
        bool first = true;
        putc('{', out);
        jkey(out, &first, "flat");
        jnum(out, f);
        jkey(out, &first, "flat_pct");
        jpercent(out, f, r->focused);
        jkey(out, &first, "sum_pct");
        jpercent(out, it.running, r->focused);
        jkey(out, &first, "cum");
        jnum(out, c);
        jkey(out, &first, "cum_pct");
        jpercent(out, c, r->focused);
        jkey(out, &first, "name");
        jstr(out, hp_report_label(r, k));
        const hp_line *l = origin_line(p, &ko[k]);
        const char *fn = line_function(p, l), *file = line_file(p, l);
        if (fn && (gran == HP_GRAN_LINES || gran == HP_GRAN_ADDRESSES)) {
            jkey(out, &first, "function");
            jstr(out, fn);
        }
        if (file) {
            jkey(out, &first, "file");
            jstr(out, file);
        }
        if (l && l->line && (gran == HP_GRAN_LINES || gran == HP_GRAN_ADDRESSES)) {
            jkey(out, &first, "line");
            fprintf(out, "%" PRIu32, l->line);
        }
        if (gran == HP_GRAN_ADDRESSES && ko[k].loc) {
            jkey(out, &first, "address");
            jaddress(out, ko[k].address);
        }
        if (gran != HP_GRAN_FILES && l && ko[k].level + 1 < p->locations[ko[k].loc].nlines) {
            jkey(out, &first, "inline");
            fputs("true", out);
        }
        putc('}', out);
    }
    fputs("]", out);
}

static void write_frame(FILE *out, const hp_profile *p, const hp_line *l, uint64_t address,
                        bool inl)
{
    bool first = true;
    putc('{', out);
    jkey(out, &first, "name");
    jstr(out, line_function(p, l));
    jkey(out, &first, "file");
    jstr(out, line_file(p, l));
    jkey(out, &first, "line");
    if (l && l->line)
        fprintf(out, "%" PRIu32, l->line);
    else
        fputs("null", out);
    jkey(out, &first, "address");
    jaddress(out, address);
    jkey(out, &first, "inline");
    fputs(inl ? "true" : "false", out);
    putc('}', out);
}

static int write_stacks(FILE *out, const hp_report *r)
{
    const hp_profile *p = r->profile;
    uint32_t *order = hp_render_sorted_stacks(r);
    if (!order)
        return -ENOMEM;
    fputs(",\n\"stacks\":[", out);
    for (size_t i = 0; i < r->nstacks; i++) {
        const hp_report_stack *st = &r->stacks[order[i]];
        fputs(i ? ",\n{\"value\":" : "\n{\"value\":", out);
        jnum(out, st->value);
        fputs(",\"frames\":[", out);
        bool first = true;
        for (uint32_t j = 0; j < st->nframes; j++) {
            uint32_t f = hp_report_frame(r, st, j), loc = HP_FRAME_LOC(f);
            const hp_location *L = &p->locations[loc];
            uint64_t a = hp_report_frame_address(r, f);
            if (L->state != HP_LOC_SYMBOLIZED || !L->nlines) {
                if (!first)
                    putc(',', out);
                first = false;
                write_frame(out, p, NULL, a, false);
                continue;
            }
            for (uint32_t l = 0; l < L->nlines; l++) { /* innermost first */
                if (!first)
                    putc(',', out);
                first = false;
                write_frame(out, p, &p->lines[L->first_line + l], a, l + 1 < L->nlines);
            }
        }
        fputs("]}", out);
    }
    fputs("]", out);
    free(order);
    return 0;
}

static void write_graph(FILE *out, const hp_graph *g)
{
    fputs(",\n\"graph\":{\"nodes\":[", out);
    for (size_t i = 0; g && i < g->nnodes; i++) {
        const hp_graph_node *n = &g->nodes[i];
        bool first = true;
        fputs(i ? ",\n{" : "\n{", out);
        jkey(out, &first, "id");
        fprintf(out, "%zu", i + 1);
        jkey(out, &first, "name");
        jstr(out, hp_report_label(g->report, n->key));
        jkey(out, &first, "flat");
        jnum(out, n->flat);
        jkey(out, &first, "flat_pct");
        jpercent(out, n->flat, g->local_total);
        jkey(out, &first, "cum");
        jnum(out, n->cum);
        jkey(out, &first, "cum_pct");
        jpercent(out, n->cum, g->local_total);
        putc('}', out);
    }
    fputs("],\n\"edges\":[", out);
    for (size_t i = 0; g && i < g->nedges; i++) {
        const hp_graph_edge *e = &g->edges[i];
        bool first = true;
        fputs(i ? ",\n{" : "\n{", out);
        jkey(out, &first, "from");
        fprintf(out, "%" PRIu32, e->src + 1);
        jkey(out, &first, "to");
        fprintf(out, "%" PRIu32, e->dst + 1);
        jkey(out, &first, "value");
        jnum(out, e->weight);
        jkey(out, &first, "inline");
        fputs(e->inline_dst ? "true" : "false", out);
        putc('}', out);
    }
    fputs("]}", out);
}

int hp_render_json(const hp_report *r, const hp_graph *g, const hp_render_options *o,
                   const hp_json_info *ji, FILE *out)
{
    fputs("{\"schema\":\"cpprof/1\",\n", out);
    write_profile(out, r, ji);
    if (ji->parts & HP_RENDER_JSON_ROWS) {
        key_origin *ko = key_origins(r);
        if (!ko)
            return -ENOMEM;
        write_rows(out, r, o, ko);
        free(ko);
    }
    if ((ji->parts & HP_RENDER_JSON_STACKS) && write_stacks(out, r) < 0)
        return -ENOMEM;
    if (ji->parts & HP_RENDER_JSON_GRAPH)
        write_graph(out, g);
    fputs("}\n", out);
    return ferror(out) ? -EIO : 0;
}
