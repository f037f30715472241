/*
 * callers.c - Go pprof's call graph for -tree and -peek (see hp_callers.h):
 * built over the report's processed stacks, trimmed like Go's -tree, nodes
 * and live edges sorted in Go's print order.
 */
#include "hp_callers.h"
#include "hp_common.h"
#include "hp_seqtab.h"

#include <math.h>

typedef struct cedge {
    hp_callers_edge e;
    uint32_t stamp; /* last stack that added to it (per-stack de-duplication) */
    bool dead;      /* trimmed */
} cedge;

typedef struct kvalue {
    double flat, cum;
    uint32_t stamp; /* last stack that counted the key */
} kvalue;

typedef struct cgraph {
    const hp_report *r;
    kvalue *kv; /* per key */
    cedge *edges;      /* by id in pairs */
    size_t nedges, edges_alloc;
    hp_seqtab *pairs;  /* (src, dst) -> edge */
    uint32_t *nodes; /* keys with a value, in print order once sorted */
    size_t nnodes;
} cgraph;

static void cgraph_release(cgraph *g)
{
    free(g->kv);
    free(g->edges);
    hp_seqtab_free(g->pairs);
    free(g->nodes);
    *g = (cgraph){0};
}

static bool is_inline_key(const hp_report *r, uint32_t key)
{
    return strstr(hp_report_key(r, key), " (inline)") != NULL;
}

/* The edge src -> dst, added if new. Returns: its index, or a negative errno. */
static int64_t find_edge(cgraph *g, uint32_t src, uint32_t dst)
{
    int64_t id = hp_seqtab_intern(g->pairs, (const uint32_t[]){src, dst}, 2);
    if (id < 0)
        return id;
    if ((size_t)id == g->nedges) {
        if (HP_GROW(g->edges, g->edges_alloc, g->nedges + 1) < 0)
            return -ENOMEM;
        g->edges[g->nedges++] = (cedge){
            .e = {.src = src, .dst = dst, .inline_dst = is_inline_key(g->r, dst)}};
    }
    return id;
}

/* Go's graph.New over the processed stacks; kept (per key) NULL = every key. */
static int build(cgraph *g, const hp_report *r, const uint8_t *kept)
{
    cgraph_release(g);
    g->r = r;
    g->kv = hp_new0(kvalue, r->nkeys + 1);
    g->nodes = hp_new0(uint32_t, r->nkeys + 1);
    g->pairs = hp_seqtab_new();
    if (!g->kv || !g->nodes || !g->pairs)
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
            if (g->kv[k].stamp != mark) {
                g->kv[k].stamp = mark;
                g->kv[k].cum += st->value;
            }
            if (parent && parent != k) {
                int64_t e = find_edge(g, parent, k);
                if (e < 0)
                    return (int)e;
                if (g->edges[e].stamp != mark) {
                    g->edges[e].stamp = mark;
                    g->edges[e].e.weight += st->value;
                }
            }
            parent = k;
            residual = false;
        }
        if (parent && !residual)
            g->kv[parent].flat += st->value;
    }
    for (size_t k = 1; k < r->nkeys; k++)
        if (g->kv[k].cum != 0 || g->kv[k].flat != 0)
            g->nodes[g->nnodes++] = (uint32_t)k;
    return 0;
}

/* ---- ordering ---------------------------------------------------------- */

typedef struct node_order {
    const cgraph *g;
    bool cum;
} node_order;

static int node_cmp(const void *pa, const void *pb, void *ctx)
{
    const node_order *o = ctx;
    const cgraph *g = o->g;
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    const kvalue *x = &g->kv[a], *y = &g->kv[b];
    double x1 = fabs(o->cum ? x->cum : x->flat), y1 = fabs(o->cum ? y->cum : y->flat);
    if (x1 != y1)
        return x1 > y1 ? -1 : 1;
    int c = strcmp(hp_report_label(g->r, a), hp_report_label(g->r, b));
    if (c)
        return c;
    double x2 = fabs(o->cum ? x->flat : x->cum), y2 = fabs(o->cum ? y->flat : y->cum);
    if (x2 != y2)
        return x2 > y2 ? -1 : 1;
    return strcmp(hp_report_key(g->r, a), hp_report_key(g->r, b));
}

static void sort_nodes(cgraph *g, bool cum)
{
    qsort_r(g->nodes, g->nnodes, sizeof(*g->nodes), node_cmp, &(node_order){g, cum});
}

static int edge_cmp(const void *pa, const void *pb, void *ctx)
{
    const hp_report *r = ctx;
    const hp_callers_edge *a = pa, *b = pb;
    if (a->weight != b->weight && fabs(a->weight) != fabs(b->weight))
        return fabs(a->weight) > fabs(b->weight) ? -1 : 1;
    int c = strcmp(hp_report_label(r, a->src), hp_report_label(r, b->src));
    if (c)
        return c;
    return strcmp(hp_report_label(r, a->dst), hp_report_label(r, b->dst));
}

/* Edges below cutoff are removed (Go's TrimLowFrequencyEdges). */
static void trim_edges(cgraph *g, double cutoff)
{
    for (size_t i = 0; i < g->nedges; i++)
        if (fabs(trunc(g->edges[i].e.weight)) < cutoff)
            g->edges[i].dead = true;
}

/* Go's -tree trimming (report.newTrimmedGraph without the visual rules). */
static int trim(cgraph *g, const hp_report *r, const hp_graph_options *o, bool cum,
                hp_callers *ret)
{
    double total = 0;
    for (size_t i = 0; i < g->nnodes; i++)
        total += trunc(g->kv[g->nodes[i]].flat);
    double node_cut = fabs(trunc(total * o->nodefraction));
    double edge_cut = fabs(trunc(total * o->edgefraction));
    uint8_t *kept = hp_new0(uint8_t, r->nkeys + 1);
    int rc = 0;
    if (!kept)
        return -ENOMEM;
    if (node_cut > 0) {
        size_t n = 0;
        for (size_t i = 0; i < g->nnodes; i++) {
            uint32_t k = g->nodes[i];
            if (fabs(trunc(g->kv[k].cum)) >= node_cut) {
                kept[k] = 1;
                n++;
            }
        }
        if (n != g->nnodes) {
            ret->dropped = (int)(g->nnodes - n);
            if ((rc = build(g, r, kept)) < 0)
                goto out;
        }
    }
    ret->orig_nodes = g->nnodes;
    sort_nodes(g, cum);
    if (o->nodecount > 0) {
        trim_edges(g, edge_cut);
        if (g->nnodes > (size_t)o->nodecount) {
            memset(kept, 0, r->nkeys + 1);
            for (long i = 0; i < o->nodecount; i++)
                kept[g->nodes[i]] = 1;
            if ((rc = build(g, r, kept)) < 0)
                goto out;
            sort_nodes(g, cum);
        }
    }
    trim_edges(g, edge_cut);
out:
    free(kept);
    return rc;
}

/* g's nodes and live edges, in print order, into c. */
static int finish(const cgraph *g, hp_callers *c)
{
    c->nodes = hp_new0(hp_callers_node, g->nnodes + 1);
    c->edges = hp_new0(hp_callers_edge, g->nedges + 1);
    if (!c->nodes || !c->edges)
        return -ENOMEM;
    for (size_t i = 0; i < g->nnodes; i++) {
        uint32_t k = g->nodes[i];
        c->nodes[i] = (hp_callers_node){.key = k, .flat = g->kv[k].flat, .cum = g->kv[k].cum};
    }
    c->nnodes = g->nnodes;
    for (size_t i = 0; i < g->nedges; i++)
        if (!g->edges[i].dead)
            c->edges[c->nedges++] = g->edges[i].e;
    qsort_r(c->edges, c->nedges, sizeof(*c->edges), edge_cmp, (void *)g->r);
    return 0;
}

int hp_callers_build(const hp_report *r, const hp_graph_options *trim_opts, bool by_cum,
                     hp_callers **ret, hp_error *reterr)
{
    hp_callers *c = hp_new0(hp_callers, 1);
    cgraph g = {0};
    int rc = c ? build(&g, r, NULL) : -ENOMEM;
    if (rc == 0) {
        c->report = r;
        if (trim_opts) {
            c->trim = *trim_opts;
            rc = trim(&g, r, trim_opts, by_cum, c);
        } else {
            c->orig_nodes = g.nnodes;
            sort_nodes(&g, by_cum);
        }
    }
    if (rc == 0)
        rc = finish(&g, c);
    cgraph_release(&g);
    if (rc < 0) {
        hp_callers_free(c);
        return hp_error_set(reterr, rc, rc == -ENOMEM ? "out of memory" : "call graph too large");
    }
    *ret = c;
    return 0;
}

hp_callers *hp_callers_free(hp_callers *g)
{
    if (g) {
        free(g->nodes);
        free(g->edges);
    }
    free(g);
    return NULL;
}
