/*
 * hp_callers.h - Go pprof's call graph behind -tree and -peek (Go's
 * graph.New with report.newTrimmedGraph's numeric rules): one node per
 * report key, cum counted once per stack, edges between consecutive kept
 * keys of a stack (a kept key after dropped ones still gets its edge from the
 * last kept caller: Go's "residual" edge), each weighted once per stack,
 * flat only to a kept leaf. -tree trims like Go (nodes with |cum| under
 * nodefraction, then the top nodecount by the sort value, edges under
 * edgefraction); -peek trims nothing. Nodes and live edges come out in Go's
 * print order. The graph owns its arrays and borrows the report; the
 * renderer (render/callers.c) only formats it.
 */
#ifndef HP_CALLERS_H
#define HP_CALLERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hp_error.h"
#include "hp_graph.h"
#include "hp_report.h"

typedef struct hp_callers_edge {
    uint32_t src, dst; /* report keys */
    double weight;
    bool inline_dst;   /* the callee is an inlined level ("f (inline)") */
} hp_callers_edge;

typedef struct hp_callers_node {
    uint32_t key; /* report key */
    double flat, cum;
} hp_callers_node;

typedef struct hp_callers {
    const hp_report *report;
    hp_callers_node *nodes; /* keys with a value, in print order (|flat| or |cum|
                               descending, then label, the other value, key) */
    size_t nnodes;
    size_t orig_nodes;      /* nodes before the nodecount cut ("out of N") */
    int dropped;            /* nodes dropped under nodefraction */
    hp_graph_options trim;  /* as given; all 0 for -peek */
    hp_callers_edge *edges; /* live edges by |weight| descending, then source and
                               destination label */
    size_t nedges;
} hp_callers;

/**
 * hp_callers_build - Go's call graph of r (built with keep_stack_keys).
 * trim: -tree's nodecount, nodefraction and edgefraction (maxdegree is not
 * used); NULL for -peek (nothing trimmed). by_cum: order nodes by cum.
 * Returns: 0 and *ret (hp_callers_free); -ENOMEM (-EOVERFLOW past 2^32 edges)
 *          with reterr set.
 */
int hp_callers_build(const hp_report *r, const hp_graph_options *trim, bool by_cum,
                     hp_callers **ret, hp_error *reterr);

/** hp_callers_free - accepts NULL; returns NULL. */
hp_callers *hp_callers_free(hp_callers *g);

#endif
