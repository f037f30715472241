/*
 * test-callers.c - Go's -tree/-peek call graph (analyzer/callers.c) on a
 * hand-built, unsymbolized profile. Expectations are worked out by hand from
 * Go pprof's graph rules (graph.New, report.newTrimmedGraph): cum once per
 * stack, no self edge for recursion, an edge once per stack, a residual edge
 * over dropped keys, flat only to a kept leaf, nodefraction then nodecount.
 *
 * The profile (keys are addresses; callers are shown at address - 1):
 *   3 MB  leaf 0x11 <- 0x20 <- 0x20 <- 0x30   (recursion in 0x20)
 *   1 MB  leaf 0x41 <- 0x30
 * so flat 0x11 = 3 MB, 0x41 = 1 MB; cum 0x30 = 4 MB, 0x20 = 0x11 = 3 MB,
 * 0x41 = 1 MB; edges 0x30->0x20 3 MB, 0x20->0x11 3 MB, 0x30->0x41 1 MB.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "hp_callers.h"
#include "hp_common.h"
#include "hp_heap.h"
#include "hp_report.h"

#define MB 1048576.0

static const char text[] = "heap profile: 0: 0 [0: 0] @ heapprofile\n"
                           "2: 3145728 [2: 3145728] @ 0x11 0x21 0x21 0x31\n"
                           "1: 1048576 [3: 2097152] @ 0x41 0x31\n";

typedef struct fixture {
    hp_profile *p;
    hp_report *r;
} fixture;

static int setup(void **state)
{
    fixture *f = hp_new0(fixture, 1);
    hp_error err = {0};
    assert_int_equal(hp_heap_parse("t.heap", text, strlen(text), &f->p, &err), 0);
    hp_report_options o = {.metric = HP_INUSE_SPACE, .keep_stack_keys = true};
    assert_int_equal(hp_report_build(f->p, &o, &f->r, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    hp_report_free(f->r);
    hp_profile_free(f->p);
    free(f);
    return 0;
}

static const char *label(const hp_callers *g, uint32_t key)
{
    return hp_report_label(g->report, key);
}

/* node i of g is the key printed as addr, with these values */
static void check_node(const hp_callers *g, size_t i, const char *addr, double flat, double cum)
{
    assert_true(i < g->nnodes);
    assert_string_equal(label(g, g->nodes[i].key), addr);
    assert_true(g->nodes[i].flat == flat);
    assert_true(g->nodes[i].cum == cum);
}

static void check_edge(const hp_callers *g, size_t i, const char *src, const char *dst,
                       double weight)
{
    assert_true(i < g->nedges);
    assert_string_equal(label(g, g->edges[i].src), src);
    assert_string_equal(label(g, g->edges[i].dst), dst);
    assert_true(g->edges[i].weight == weight);
    assert_false(g->edges[i].inline_dst);
}

#define A11 "0x0000000000000011"
#define A20 "0x0000000000000020"
#define A30 "0x0000000000000030"
#define A41 "0x0000000000000041"

/* g of f's report, checked for its counts */
static hp_callers *build(void **state, const hp_graph_options *trim, bool by_cum, size_t nnodes,
                         size_t orig_nodes, int dropped, size_t nedges)
{
    const fixture *f = *state;
    hp_callers *g = NULL;
    hp_error err = {0};
    assert_int_equal(hp_callers_build(f->r, trim, by_cum, &g, &err), 0);
    assert_ptr_equal(g->report, f->r);
    assert_int_equal(g->nnodes, nnodes);
    assert_int_equal(g->orig_nodes, orig_nodes);
    assert_int_equal(g->dropped, dropped);
    assert_int_equal(g->nedges, nedges);
    return g;
}

static void test_untrimmed_by_flat(void **state)
{
    hp_callers *g = build(state, NULL, false, 4, 4, 0, 3);
    /* |flat| descending, ties (0x20, 0x30: flat 0) by label */
    check_node(g, 0, A11, 3 * MB, 3 * MB);
    check_node(g, 1, A41, 1 * MB, 1 * MB);
    check_node(g, 2, A20, 0, 3 * MB); /* the recursive frame counts once */
    check_node(g, 3, A30, 0, 4 * MB);
    /* |weight| descending, ties by source label; no 0x20 -> 0x20 self edge */
    check_edge(g, 0, A20, A11, 3 * MB);
    check_edge(g, 1, A30, A20, 3 * MB);
    check_edge(g, 2, A30, A41, 1 * MB);
    hp_callers_free(g);
}

static void test_untrimmed_by_cum(void **state)
{
    hp_callers *g = build(state, NULL, true, 4, 4, 0, 3);
    check_node(g, 0, A30, 0, 4 * MB);
    check_node(g, 1, A11, 3 * MB, 3 * MB); /* cum tie with 0x20: label order */
    check_node(g, 2, A20, 0, 3 * MB);
    check_node(g, 3, A41, 1 * MB, 1 * MB);
    hp_callers_free(g);
}

static void test_nodefraction_then_nodecount(void **state)
{
    /* cut = trunc(4 MB * 0.3) = 1258291: 0x41 (cum 1 MB) goes; then the top 2
     * by flat stay (0x11, then 0x20 before 0x30 by label): 0x30 is dropped,
     * so 0x20 has no caller and the 1 MB stack keeps nothing */
    hp_graph_options trim = {.nodecount = 2, .nodefraction = 0.3, .edgefraction = 0};
    hp_callers *g = build(state, &trim, false, 2, 3, 1, 1);
    assert_true(g->trim.nodefraction == 0.3);
    check_node(g, 0, A11, 3 * MB, 3 * MB);
    check_node(g, 1, A20, 0, 3 * MB);
    check_edge(g, 0, A20, A11, 3 * MB);
    hp_callers_free(g);
}

static void test_residual_edge(void **state)
{
    /* by cum the top 2 are 0x30 and 0x11: the 3 MB stack passes 0x20 (dropped)
     * between them, giving the edge 0x30 -> 0x11; the 1 MB stack's leaf 0x41
     * is dropped, so 0x30 gets no flat from it */
    hp_callers *g = build(state, &(hp_graph_options){.nodecount = 2}, true, 2, 4, 0, 1);
    check_node(g, 0, A30, 0, 4 * MB);
    check_node(g, 1, A11, 3 * MB, 3 * MB);
    check_edge(g, 0, A30, A11, 3 * MB);
    hp_callers_free(g);
}

static void test_edgefraction(void **state)
{
    /* edge cut = trunc(4 MB * 0.5) = 2 MB: the 1 MB edge goes, nodes stay */
    hp_graph_options trim = {.nodecount = 80, .edgefraction = 0.5};
    hp_callers *g = build(state, &trim, false, 4, 4, 0, 2);
    check_edge(g, 0, A20, A11, 3 * MB);
    check_edge(g, 1, A30, A20, 3 * MB);
    hp_callers_free(g);
    assert_null(hp_callers_free(NULL));
}

/* every allocation that fails gives -ENOMEM and no graph */
static void test_out_of_memory(void **state)
{
    fixture *f = *state;
    hp_error err = {0};
    long fail_at = 0;
    int rc;
    do {
        hp_callers *g = NULL;
        hp_alloc_fail_after(fail_at++);
        rc = hp_callers_build(f->r, &(hp_graph_options){.nodecount = 2}, true, &g, &err);
        hp_alloc_fail_after(-1);
        assert_true(rc == 0 ? g != NULL : rc == -ENOMEM && g == NULL);
        hp_callers_free(g);
    } while (rc != 0);
    assert_true(fail_at > 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_untrimmed_by_flat, setup, teardown),
        cmocka_unit_test_setup_teardown(test_untrimmed_by_cum, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nodefraction_then_nodecount, setup, teardown),
        cmocka_unit_test_setup_teardown(test_residual_edge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edgefraction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_memory, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
