/*
 * callers.c - Go pprof's -tree and -peek reports: for each node of Go's call
 * graph (analyzer/callers.c computes and orders it), its callers (in-edges)
 * above and its callees (out-edges) below, in Go's "----+----" block format;
 * -peek prints only the nodes whose name matches. Values print in one unit
 * chosen as Go's "minimum" output unit does.
 */
#include "hp_common.h"
#include "hp_str.h"
#include "render-internal.h"

#include <math.h>
#include <regex.h>

static const char separator[] =
    "----------------------------------------------------------+-------------";
static const char legend[] =
    "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t ";

/* ---- Go's number formatting -------------------------------------------- */

typedef struct unit {
    const char *name;
    double factor;
} unit;

static const unit byte_units[] = {{"B", 1},
                                  {"kB", 1024.0},
                                  {"MB", 1024.0 * 1024},
                                  {"GB", 1024.0 * 1024 * 1024},
                                  {"TB", 1024.0 * 1024 * 1024 * 1024},
                                  {"PB", 1024.0 * 1024 * 1024 * 1024 * 1024}};

/* measurement.autoScale: the largest unit the value reaches; bytes without any: B */
static const unit *auto_unit(double v)
{
    const unit *u = &byte_units[0];
    v = fabs(v);
    for (size_t i = 0; i < HP_ARRAY_SIZE(byte_units); i++)
        if (v / byte_units[i].factor >= 1.0)
            u = &byte_units[i];
    return u;
}

/* measurement.ScaledLabel with a fixed unit (NULL: counts, no unit). */
static void go_value(double v, const unit *u, char *out, size_t size)
{
    hp_fmt_go_scaled(trunc(v) / (u ? u->factor : 1), u ? u->name : "", out, size);
}

/* measurement.Percentage */
static void go_percent(double v, double total, char *out, size_t size)
{
    double ratio = total != 0 ? fabs(trunc(v) / trunc(total)) * 100 : 0;
    if (ratio >= 99.95 && ratio <= 100.05)
        snprintf(out, size, "  100%%");
    else if (ratio >= 1.0)
        snprintf(out, size, "%5.2f%%", ratio);
    else
        snprintf(out, size, "%5.2g%%", ratio);
}

/* report.selectOutputUnit for bytes */
static const unit *output_unit(const hp_callers *g, double total)
{
    double min = 0;
    for (size_t i = 0; i < g->nnodes; i++) {
        const hp_callers_node *n = &g->nodes[i];
        double m = fabs(trunc(n->flat));
        if (m == 0)
            m = fabs(trunc(n->cum));
        if (m > 0 && (min == 0 || m < min))
            min = m;
    }
    double max = trunc(total);
    if (min == 0)
        min = max;
    const unit *umin = auto_unit(min), *umax = auto_unit(max);
    if (umin != umax && min * 100 < max)
        return auto_unit(100 * min);
    return umin;
}

static void print_edge(FILE *out, const hp_report *r, const unit *u, const hp_callers_edge *e,
                       uint32_t name, double cum)
{
    char v[64], p[32];
    go_value(e->weight, u, v, sizeof(v));
    go_percent(e->weight, cum, p, sizeof(p));
    const char *label = hp_report_label(r, name);
    /* cpprof names inlined levels "f (inline)" already; Go marks the edge */
    bool mark = e->inline_dst && !hp_has_suffix(label, " (inline)");
    fprintf(out, "%50s %s |   %s%s\n", v, p, label, mark ? " (inline)" : "");
}

static int print_report(const hp_callers *g, const hp_callers_options *o, const regex_t *re,
                        FILE *out, hp_error *reterr)
{
    const hp_report *r = g->report;
    if (re) { /* like Go, print nothing when nothing matches */
        size_t i = 0;
        while (i < g->nnodes && regexec(re, hp_report_label(r, g->nodes[i].key), 0, NULL, 0) != 0)
            i++;
        if (i == g->nnodes)
            return hp_error_set(reterr, -ENODATA, "no matches found for regexp: %s", o->peek);
    }
    int metric = r->opts.metric;
    bool bytes = hp_value_is_space(metric);
    double total = r->opts.percent_base != 0 ? r->opts.percent_base : r->total;
    const unit *u = bytes ? output_unit(g, total) : NULL;
    char a[64], b[64], c[64], d[32], e[32], f[32];

    /* Go's legacy reader names the values objects/space unless the header's
     * allocation totals differ from the in-use ones */
    const int64_t *h = r->profile->header;
    bool has_alloc = (h[HP_ALLOC_OBJECTS] != h[HP_INUSE_OBJECTS] && h[HP_ALLOC_OBJECTS] != 0) ||
                     (h[HP_ALLOC_SPACE] != h[HP_INUSE_SPACE] && h[HP_ALLOC_SPACE] != 0);
    const char *type = hp_value_name(metric);
    if (!has_alloc && (metric == HP_INUSE_OBJECTS || metric == HP_INUSE_SPACE))
        type += strlen("inuse_");
    fprintf(out, "File: %s\nType: %s\n", hp_base_name(o->program), type);
    const char *filters[][2] = {
        {"focus", o->focus}, {"ignore", o->ignore}, {"hide", o->hide}, {"show", o->show}};
    bool any = false;
    for (size_t i = 0; i < HP_ARRAY_SIZE(filters); i++) {
        if (!filters[i][1] || !*filters[i][1])
            continue;
        if (!any)
            fputs("Active filters:\n", out);
        any = true;
        char f80[128];
        int n = snprintf(f80, sizeof(f80), "%s=%s", filters[i][0], filters[i][1]);
        if (n > 80) /* Go cuts at 80 bytes and adds an ellipsis */
            snprintf(f80 + 80, sizeof(f80) - 80, "\xe2\x80\xa6");
        fprintf(out, "   %s\n", f80);
    }
    double flat_sum = 0;
    for (size_t i = 0; i < g->nnodes; i++)
        flat_sum += trunc(g->nodes[i].flat);
    go_value(flat_sum, u, a, sizeof(a));
    go_percent(flat_sum, total, d, sizeof(d));
    go_value(total, u, b, sizeof(b));
    const char *pct = d;
    while (*pct == ' ')
        pct++;
    fprintf(out, "Showing nodes accounting for %s, %s of %s total\n", a, pct, b);
    if (trunc(total) != 0) {
        if (g->dropped > 0) {
            go_value(fabs(trunc(total * g->trim.nodefraction)), u, a, sizeof(a));
            fprintf(out, "Dropped %d node%s (cum <= %s)\n", g->dropped, g->dropped > 1 ? "s" : "",
                    a);
        }
        if (g->nnodes > 0 && g->nnodes < g->orig_nodes)
            fprintf(out, "Showing top %zu nodes out of %zu\n", g->nnodes, g->orig_nodes);
    }
    fprintf(out, "%s\n%s\n", separator, legend);

    double sum = 0;
    for (size_t i = 0; i < g->nnodes; i++) {
        uint32_t k = g->nodes[i].key;
        const char *name = hp_report_label(r, k);
        if (re && regexec(re, name, 0, NULL, 0) != 0)
            continue;
        fprintf(out, "%s\n", separator);
        double flat = g->nodes[i].flat, cum = g->nodes[i].cum;
        for (size_t j = 0; j < g->nedges; j++) { /* callers */
            const hp_callers_edge *ed = &g->edges[j];
            if (ed->dst == k)
                print_edge(out, r, u, ed, ed->src, cum);
        }
        sum += trunc(flat);
        go_value(flat, u, a, sizeof(a));
        go_percent(flat, total, d, sizeof(d));
        go_percent(sum, total, e, sizeof(e));
        go_value(cum, u, c, sizeof(c));
        go_percent(cum, total, f, sizeof(f));
        fprintf(out, "%10s %s %s %10s %s                | %s\n", a, d, e, c, f, name);
        for (size_t j = 0; j < g->nedges; j++) { /* callees */
            const hp_callers_edge *ed = &g->edges[j];
            if (ed->src == k)
                print_edge(out, r, u, ed, ed->dst, cum);
        }
    }
    if (g->nnodes > 0)
        fprintf(out, "%s\n", separator);
    return ferror(out) ? -EIO : 0;
}

int hp_render_callers(const hp_callers *g, const hp_callers_options *o, FILE *out,
                      hp_error *reterr)
{
    regex_t re;
    bool has_re = false;
    if (o->peek) {
        int rc = regcomp(&re, o->peek, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char msg[128];
            regerror(rc, &re, msg, sizeof(msg));
            return hp_error_set(reterr, -EINVAL, "bad -peek regular expression '%s': %s",
                                o->peek, msg);
        }
        has_re = true;
    }
    int rc = print_report(g, o, has_re ? &re : NULL, out, reterr);
    if (has_re)
        regfree(&re);
    return rc;
}
