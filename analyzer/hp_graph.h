/*
 * hp_graph.h - the call graph of a report, pruned exactly like Perl pprof's
 * --dot (SPEC 4.9): nodes are report keys ranked by |cum|, at most nodecount
 * of them, none at or below nodefraction of the focused total; edges are
 * caller -> callee pairs of consecutive keys in the processed stacks
 * (recursion gives self edges), each weighted once per stack however often
 * the stack passes it (Go pprof; Perl adds every occurrence), kept in decreasing weight
 * while they are needed for reachability or pass edgefraction and maxdegree.
 * Ties are broken by key, so the graph never changes from run to run.
 * The graph owns its arrays; it borrows the report.
 */
#ifndef HP_GRAPH_H
#define HP_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hp_error.h"
#include "hp_report.h"

typedef struct hp_graph_options {
    long nodecount;      /* 80 */
    double nodefraction; /* 0.005 */
    double edgefraction; /* 0.001 */
    long maxdegree;      /* 8 */
} hp_graph_options;

typedef struct hp_graph_node {
    uint32_t key; /* report key */
    double flat, cum;
} hp_graph_node;

typedef struct hp_graph_edge {
    uint32_t src, dst; /* node indices */
    double weight;
    bool inline_dst;   /* the callee is an inlined frame: drawn dashed */
} hp_graph_edge;

typedef struct hp_graph {
    const hp_report *report;
    double local_total; /* sum of flat values (the report's focused total) */
    double nodelimit, edgelimit;
    hp_graph_node *nodes; /* in selection order: N1, N2, ... */
    size_t nnodes;
    hp_graph_edge *edges; /* kept edges, in decreasing weight */
    size_t nedges;
} hp_graph;

/**
 * hp_graph_build - build and prune the graph of r (built with keep_stack_keys).
 * Returns: 0 and *ret (hp_graph_free); -ENODATA when no node survives
 *          ("no nodes to print"); -ENOMEM.
 */
int hp_graph_build(const hp_report *r, const hp_graph_options *o, hp_graph **ret,
                   hp_error *reterr);

/** hp_graph_free - accepts NULL; returns NULL. */
hp_graph *hp_graph_free(hp_graph *g);

#endif
