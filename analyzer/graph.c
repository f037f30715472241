/*
 * graph.c - call-graph construction and pruning with Perl pprof's rules and
 * deterministic tie-breaks (see hp_graph.h).
 */
#include "hp_common.h"
#include "hp_graph.h"
#include "hp_hash.h"

#include <math.h>

typedef struct edge_slot {
    uint64_t pair; /* src node << 32 | dst node, + 1; 0 = empty */
    uint32_t edge;
    uint32_t stamp; /* last stack (+ 1) that added to the edge */
} edge_slot;

/* by |cum| descending, then key */
static int node_cmp(const void *pa, const void *pb, void *ctx)
{
    const hp_report *r = ctx;
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    double ca = fabs(r->cum[a]), cb = fabs(r->cum[b]);
    if (ca != cb)
        return ca > cb ? -1 : 1;
    return strcmp(hp_report_key(r, a), hp_report_key(r, b));
}

/* by weight descending, then source and destination key */
static int edge_cmp(const void *pa, const void *pb, void *ctx)
{
    const hp_graph_edge *a = pa, *b = pb;
    if (a->weight != b->weight)
        return a->weight > b->weight ? -1 : 1;
    const hp_graph *g = ctx;
    const hp_report *r = g->report;
    const hp_graph_node *n = g->nodes;
    int c = strcmp(hp_report_key(r, n[a->src].key), hp_report_key(r, n[b->src].key));
    if (c)
        return c;
    return strcmp(hp_report_key(r, n[a->dst].key), hp_report_key(r, n[b->dst].key));
}

static int select_nodes(hp_graph *g, const hp_graph_options *o, uint32_t *node_of_key)
{
    const hp_report *r = g->report;
    uint32_t *keys = hp_new0(uint32_t, r->nrows + 1);
    if (!keys)
        return -ENOMEM;
    memcpy(keys, r->rows, r->nrows * sizeof(*keys));
    qsort_r(keys, r->nrows, sizeof(*keys), node_cmp, (void *)r);
    long last = (long)o->nodecount - 1;
    if (last > (long)r->nrows - 1)
        last = (long)r->nrows - 1;
    while (last >= 0 && fabs(r->cum[keys[last]]) <= g->nodelimit)
        last--;
    if (last < 0) {
        free(keys);
        return -ENODATA;
    }
    g->nodes = hp_new0(hp_graph_node, (size_t)last + 1);
    if (!g->nodes) {
        free(keys);
        return -ENOMEM;
    }
    for (long i = 0; i <= last; i++) {
        uint32_t k = keys[i];
        g->nodes[g->nnodes] = (hp_graph_node){.key = k, .flat = r->flat[k], .cum = r->cum[k]};
        node_of_key[k] = (uint32_t)g->nnodes++ + 1;
    }
    free(keys);
    return 0;
}

static int collect_edges(hp_graph *g, const uint32_t *node_of_key, hp_graph_edge **ret,
                         size_t *ret_n)
{
    const hp_report *r = g->report;
    hp_graph_edge *edges = NULL;
    size_t n = 0, alloc = 0, nslots = 1024;
    edge_slot *slots = hp_new0(edge_slot, nslots);
    if (!slots)
        return -ENOMEM;
    for (size_t i = 0; i < r->nstacks; i++) {
        const hp_report_stack *st = &r->stacks[i];
        const uint32_t *ks = r->stack_keys + st->keys;
        for (uint32_t j = 1; j < st->nkeys; j++) {
            uint32_t src = node_of_key[ks[j]], dst = node_of_key[ks[j - 1]];
            if (!src || !dst)
                continue;
            uint64_t pair = ((uint64_t)(src - 1) << 32 | (dst - 1)) + 1;
            if ((n + 1) * 2 > nslots) {
                edge_slot *bigger = hp_new0(edge_slot, nslots * 2);
                if (!bigger)
                    goto oom;
                for (size_t s = 0; s < nslots; s++) {
                    if (!slots[s].pair)
                        continue;
                    size_t h = hp_hash_u64(slots[s].pair) & (nslots * 2 - 1);
                    while (bigger[h].pair)
                        h = (h + 1) & (nslots * 2 - 1);
                    bigger[h] = slots[s];
                }
                free(slots);
                slots = bigger;
                nslots *= 2;
            }
            size_t h = hp_hash_u64(pair) & (nslots - 1);
            while (slots[h].pair && slots[h].pair != pair)
                h = (h + 1) & (nslots - 1);
            if (!slots[h].pair) {
                if (HP_GROW(edges, alloc, n + 1) < 0)
                    goto oom;
                const char *dst_key = hp_report_key(r, ks[j - 1]);
                edges[n] = (hp_graph_edge){
                    .src = src - 1,
                    .dst = dst - 1,
                    .inline_dst = strstr(dst_key, "(inline)") != NULL,
                };
                slots[h] = (edge_slot){.pair = pair, .edge = (uint32_t)n++};
            }
            /* once per stack, as Go pprof: a recursive stack passes an edge several
             * times but its value flows through it once (Perl adds it each time) */
            if (slots[h].stamp != i + 1) {
                slots[h].stamp = (uint32_t)i + 1;
                edges[slots[h].edge].weight += st->value;
            }
        }
    }
    free(slots);
    *ret = edges;
    *ret_n = n;
    return 0;
oom:
    free(slots);
    free(edges);
    return -ENOMEM;
}

static int keep_edges(hp_graph *g, const hp_graph_options *o, hp_graph_edge *edges, size_t n)
{
    qsort_r(edges, n, sizeof(*edges), edge_cmp, g);
    long *indeg = hp_new0(long, g->nnodes), *outdeg = hp_new0(long, g->nnodes);
    g->edges = hp_new0(hp_graph_edge, n + 1);
    if (!indeg || !outdeg || !g->edges) {
        free(indeg);
        free(outdeg);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const hp_graph_edge *e = &edges[i];
        bool keep;
        if (indeg[e->dst] == 0)
            keep = true; /* needed for reachability */
        else if (fabs(e->weight) <= g->edgelimit)
            keep = false;
        else if (outdeg[e->src] >= o->maxdegree || indeg[e->dst] >= o->maxdegree)
            keep = false;
        else
            keep = true;
        if (!keep)
            continue;
        outdeg[e->src]++;
        indeg[e->dst]++;
        g->edges[g->nedges++] = *e;
    }
    free(indeg);
    free(outdeg);
    return 0;
}

int hp_graph_build(const hp_report *r, const hp_graph_options *o, hp_graph **ret,
                   hp_error *reterr)
{
    hp_graph *g = hp_new0(hp_graph, 1);
    uint32_t *node_of_key = hp_new0(uint32_t, r->nkeys + 1);
    hp_graph_edge *edges = NULL;
    size_t nedges = 0;
    int rc = -ENOMEM;
    if (!g || !node_of_key)
        goto out;
    g->report = r;
    g->local_total = r->focused;
    /* Perl's int(): truncation toward zero */
    g->nodelimit = trunc(o->nodefraction * g->local_total);
    g->edgelimit = trunc(o->edgefraction * g->local_total);
    rc = select_nodes(g, o, node_of_key);
    if (rc < 0)
        goto out;
    rc = collect_edges(g, node_of_key, &edges, &nedges);
    if (rc < 0)
        goto out;
    rc = keep_edges(g, o, edges, nedges);
out:
    free(node_of_key);
    free(edges);
    if (rc < 0) {
        if (rc == -ENODATA)
            hp_error_set(reterr, rc, "no nodes to print");
        else
            hp_error_set(reterr, rc, "out of memory");
        hp_graph_free(g);
        return rc;
    }
    *ret = g;
    return 0;
}

hp_graph *hp_graph_free(hp_graph *g)
{
    if (!g)
        return NULL;
    free(g->nodes);
    free(g->edges);
    free(g);
    return NULL;
}
