/*
 * callers.c - Go pprof's -tree and -peek reports: for each node of Go's call
 * graph, its callers (in-edges) above and its callees (out-edges) below, in
 * Go's "----+----" block format, with Go's graph rules: one node per report
 * key, cum counted once per stack, edges between consecutive kept keys (a
 * "residual" edge jumps over dropped ones), flat only to a kept leaf; -tree
 * trims like Go (nodes under nodefraction, the top nodecount by flat, edges
 * under edgefraction), -peek trims nothing and prints only matching nodes.
 * Values print in one unit chosen as Go's "minimum" output unit does.
 */
#include "hp_common.h"
#include "hp_hash.h"
#include "hp_str.h"
#include "render-internal.h"

#include <math.h>
#include <regex.h>

static const char separator[] =
    "----------------------------------------------------------+-------------";
static const char legend[] =
    "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t ";

typedef struct cedge {
    uint32_t src, dst; /* report keys */
    double weight;
    bool inline_dst;
    uint32_t stamp; /* last stack that added to it (per-stack de-duplication) */
} cedge;

typedef struct cgraph {
    const hp_report *r;
    double *flat, *cum;   /* per key */
    uint32_t *stamp;      /* per key: last stack that counted it */
    cedge *edges;
    size_t nedges, edges_alloc;
    uint64_t *slots; /* (src << 32 | dst) + 1 -> edge index + 1 in the low bits of slot_edge */
    uint32_t *slot_edge;
    size_t nslots;
    uint32_t *nodes; /* keys with a value, in print order */
    size_t nnodes;
    uint8_t *dead_edge; /* per edge: trimmed */
} cgraph;

static void cgraph_release(cgraph *g)
{
    free(g->flat);
    free(g->cum);
    free(g->stamp);
    free(g->edges);
    free(g->slots);
    free(g->slot_edge);
    free(g->nodes);
    free(g->dead_edge);
    *g = (cgraph){0};
}

static bool is_inline_key(const hp_report *r, uint32_t key)
{
    return strstr(hp_report_key(r, key), " (inline)") != NULL;
}

static int find_edge(cgraph *g, uint32_t src, uint32_t dst, uint32_t *ret)
{
    if ((g->nedges + 1) * 2 > g->nslots) {
        size_t n = g->nslots ? g->nslots * 2 : 1024;
        uint64_t *slots = hp_new0(uint64_t, n);
        uint32_t *se = hp_new0(uint32_t, n);
        if (!slots || !se) {
            free(slots);
            free(se);
            return -ENOMEM;
        }
        for (size_t i = 0; i < g->nslots; i++) {
            if (!g->slots[i])
                continue;
            size_t h = hp_hash_u64(g->slots[i]) & (n - 1);
            while (slots[h])
                h = (h + 1) & (n - 1);
            slots[h] = g->slots[i];
            se[h] = g->slot_edge[i];
        }
        free(g->slots);
        free(g->slot_edge);
        g->slots = slots;
        g->slot_edge = se;
        g->nslots = n;
    }
    uint64_t pair = ((uint64_t)src << 32 | dst) + 1;
    size_t h = hp_hash_u64(pair) & (g->nslots - 1);
    while (g->slots[h] && g->slots[h] != pair)
        h = (h + 1) & (g->nslots - 1);
    if (!g->slots[h]) {
        if (HP_GROW(g->edges, g->edges_alloc, g->nedges + 1) < 0)
            return -ENOMEM;
        g->edges[g->nedges] = (cedge){
            .src = src, .dst = dst, .inline_dst = is_inline_key(g->r, dst), .stamp = 0};
        g->slots[h] = pair;
        g->slot_edge[h] = (uint32_t)g->nedges++;
    }
    *ret = g->slot_edge[h];
    return 0;
}

/* Go's graph.New over the processed stacks; kept (per key) NULL = every key. */
static int build(cgraph *g, const hp_report *r, const uint8_t *kept)
{
    cgraph_release(g);
    g->r = r;
    g->flat = hp_new0(double, r->nkeys + 1);
    g->cum = hp_new0(double, r->nkeys + 1);
    g->stamp = hp_new0(uint32_t, r->nkeys + 1);
    g->nodes = hp_new0(uint32_t, r->nkeys + 1);
    if (!g->flat || !g->cum || !g->stamp || !g->nodes)
        return -ENOMEM;
    for (size_t i = 0; i < r->nstacks; i++) {
        const hp_report_stack *st = &r->stacks[i];
        if (st->value == 0)
            continue;
        const uint32_t *ks = r->stack_keys + st->keys;
        uint32_t parent = 0, mark = (uint32_t)i + 1;
        bool residual = false;
        for (uint32_t j = st->nkeys; j-- > 0;) { /* root first, outer inline level first */
            uint32_t k = ks[j];
            if (kept && !kept[k]) {
                residual = true;
                continue;
            }
            if (g->stamp[k] != mark) {
                g->stamp[k] = mark;
                g->cum[k] += st->value;
            }
            if (parent && parent != k) {
                uint32_t e;
                if (find_edge(g, parent, k, &e) < 0)
                    return -ENOMEM;
                if (g->edges[e].stamp != mark) {
                    g->edges[e].stamp = mark;
                    g->edges[e].weight += st->value;
                }
            }
            parent = k;
            residual = false;
        }
        if (parent && !residual)
            g->flat[parent] += st->value;
    }
    for (size_t k = 1; k < r->nkeys; k++)
        if (g->cum[k] != 0 || g->flat[k] != 0)
            g->nodes[g->nnodes++] = (uint32_t)k;
    g->dead_edge = hp_new0(uint8_t, g->nedges + 1);
    return g->dead_edge ? 0 : -ENOMEM;
}

/* ---- ordering ---------------------------------------------------------- */

static const cgraph *sort_graph;
static bool sort_cum;

static int node_cmp(const void *pa, const void *pb)
{
    const cgraph *g = sort_graph;
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    double pa1 = fabs(sort_cum ? g->cum[a] : g->flat[a]), pb1 = fabs(sort_cum ? g->cum[b] : g->flat[b]);
    if (pa1 != pb1)
        return pa1 > pb1 ? -1 : 1;
    int c = strcmp(hp_report_label(g->r, a), hp_report_label(g->r, b));
    if (c)
        return c;
    double a2 = fabs(sort_cum ? g->flat[a] : g->cum[a]), b2 = fabs(sort_cum ? g->flat[b] : g->cum[b]);
    if (a2 != b2)
        return a2 > b2 ? -1 : 1;
    return strcmp(hp_report_key(g->r, a), hp_report_key(g->r, b));
}

static void sort_nodes(cgraph *g, bool cum)
{
    sort_graph = g;
    sort_cum = cum;
    qsort(g->nodes, g->nnodes, sizeof(*g->nodes), node_cmp);
    sort_graph = NULL;
}

static int edge_cmp(const void *pa, const void *pb)
{
    const cgraph *g = sort_graph;
    const cedge *a = &g->edges[*(const uint32_t *)pa], *b = &g->edges[*(const uint32_t *)pb];
    if (a->weight != b->weight && fabs(a->weight) != fabs(b->weight))
        return fabs(a->weight) > fabs(b->weight) ? -1 : 1;
    int c = strcmp(hp_report_label(g->r, a->src), hp_report_label(g->r, b->src));
    if (c)
        return c;
    return strcmp(hp_report_label(g->r, a->dst), hp_report_label(g->r, b->dst));
}

/* Edges below cutoff are removed (Go's TrimLowFrequencyEdges); returns how many. */
static int trim_edges(cgraph *g, double cutoff)
{
    int dropped = 0;
    for (size_t i = 0; i < g->nedges; i++) {
        if (!g->dead_edge[i] && fabs(trunc(g->edges[i].weight)) < cutoff) {
            g->dead_edge[i] = 1;
            dropped++;
        }
    }
    return dropped;
}

/* Go's -tree trimming (report.newTrimmedGraph without the visual rules). */
static int trim(cgraph *g, const hp_report *r, const hp_callers_options *o, size_t *ret_orig,
                int *ret_dropped)
{
    double total = 0;
    for (size_t i = 0; i < g->nnodes; i++)
        total += trunc(g->flat[g->nodes[i]]);
    double node_cut = fabs(trunc(total * o->nodefraction));
    double edge_cut = fabs(trunc(total * o->edgefraction));
    uint8_t *kept = hp_new0(uint8_t, r->nkeys + 1);
    int rc = 0;
    if (!kept)
        return -ENOMEM;
    *ret_dropped = 0;
    if (node_cut > 0) {
        size_t n = 0;
        for (size_t i = 0; i < g->nnodes; i++) {
            uint32_t k = g->nodes[i];
            if (fabs(trunc(g->cum[k])) >= node_cut) {
                kept[k] = 1;
                n++;
            }
        }
        if (n != g->nnodes) {
            *ret_dropped = (int)(g->nnodes - n);
            if ((rc = build(g, r, kept)) < 0)
                goto out;
        }
    }
    *ret_orig = g->nnodes;
    sort_nodes(g, o->cum);
    if (o->nodecount > 0) {
        trim_edges(g, edge_cut);
        if (g->nnodes > (size_t)o->nodecount) {
            memset(kept, 0, r->nkeys + 1);
            for (long i = 0; i < o->nodecount; i++)
                kept[g->nodes[i]] = 1;
            if ((rc = build(g, r, kept)) < 0)
                goto out;
            sort_nodes(g, o->cum);
        }
    }
    trim_edges(g, edge_cut);
out:
    free(kept);
    return rc;
}

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
static const unit *output_unit(const cgraph *g, double total)
{
    double min = 0;
    for (size_t i = 0; i < g->nnodes; i++) {
        uint32_t k = g->nodes[i];
        double m = fabs(trunc(g->flat[k]));
        if (m == 0)
            m = fabs(trunc(g->cum[k]));
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

static void print_edge(FILE *out, const hp_report *r, const unit *u, const cedge *e, uint32_t name,
                       double cum)
{
    char v[64], p[32];
    go_value(e->weight, u, v, sizeof(v));
    go_percent(e->weight, cum, p, sizeof(p));
    const char *label = hp_report_label(r, name);
    /* cpprof names inlined levels "f (inline)" already; Go marks the edge */
    bool mark = e->inline_dst && !hp_has_suffix(label, " (inline)");
    fprintf(out, "%50s %s |   %s%s\n", v, p, label, mark ? " (inline)" : "");
}

static int print_report(const cgraph *g, const hp_callers_options *o, const regex_t *re,
                        size_t orig, int dropped, FILE *out, hp_error *reterr)
{
    const hp_report *r = g->r;
    if (re) { /* like Go, print nothing when nothing matches */
        size_t i = 0;
        while (i < g->nnodes && regexec(re, hp_report_label(r, g->nodes[i]), 0, NULL, 0) != 0)
            i++;
        if (i == g->nnodes)
            return hp_error_set(reterr, -ENODATA, "no matches found for regexp: %s", o->peek);
    }
    int metric = r->opts.metric;
    bool bytes = metric == HP_INUSE_SPACE || metric == HP_ALLOC_SPACE;
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
        flat_sum += trunc(g->flat[g->nodes[i]]);
    go_value(flat_sum, u, a, sizeof(a));
    go_percent(flat_sum, total, d, sizeof(d));
    go_value(total, u, b, sizeof(b));
    const char *pct = d;
    while (*pct == ' ')
        pct++;
    fprintf(out, "Showing nodes accounting for %s, %s of %s total\n", a, pct, b);
    if (trunc(total) != 0) {
        if (dropped > 0) {
            go_value(fabs(trunc(total * o->nodefraction)), u, a, sizeof(a));
            fprintf(out, "Dropped %d node%s (cum <= %s)\n", dropped, dropped > 1 ? "s" : "", a);
        }
        if (g->nnodes > 0 && g->nnodes < orig)
            fprintf(out, "Showing top %zu nodes out of %zu\n", g->nnodes, orig);
    }
    fprintf(out, "%s\n%s\n", separator, legend);

    /* live edges by destination (callers) and by source (callees) */
    uint32_t *order = hp_new0(uint32_t, g->nedges + 1);
    if (!order)
        return -ENOMEM;
    size_t nlive = 0;
    for (size_t i = 0; i < g->nedges; i++)
        if (!g->dead_edge[i])
            order[nlive++] = (uint32_t)i;
    sort_graph = g;
    qsort(order, nlive, sizeof(*order), edge_cmp);
    sort_graph = NULL;

    double sum = 0;
    for (size_t i = 0; i < g->nnodes; i++) {
        uint32_t k = g->nodes[i];
        const char *name = hp_report_label(r, k);
        if (re && regexec(re, name, 0, NULL, 0) != 0)
            continue;
        fprintf(out, "%s\n", separator);
        double flat = g->flat[k], cum = g->cum[k];
        for (size_t j = 0; j < nlive; j++) {
            const cedge *ed = &g->edges[order[j]];
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
        for (size_t j = 0; j < nlive; j++) {
            const cedge *ed = &g->edges[order[j]];
            if (ed->src == k)
                print_edge(out, r, u, ed, ed->dst, cum);
        }
    }
    free(order);
    if (g->nnodes > 0)
        fprintf(out, "%s\n", separator);
    return ferror(out) ? -EIO : 0;
}

int hp_render_callers(const hp_report *r, const hp_callers_options *o, FILE *out,
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
    cgraph g = {0};
    size_t orig = 0;
    int dropped = 0;
    int rc = build(&g, r, NULL);
    if (rc == 0 && !o->peek) {
        rc = trim(&g, r, o, &orig, &dropped);
    } else if (rc == 0) {
        orig = g.nnodes;
        sort_nodes(&g, o->cum);
    }
    if (rc == 0)
        rc = print_report(&g, o, has_re ? &re : NULL, orig, dropped, out, reterr);
    if (rc == -ENOMEM)
        hp_error_set(reterr, rc, "out of memory");
    cgraph_release(&g);
    if (has_re)
        regfree(&re);
    return rc;
}
