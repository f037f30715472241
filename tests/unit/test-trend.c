/*
 * test-trend.c - the --trend series model and its text renderer on small
 * symbolized ("--- symbol") profiles: stacks matched by name across dumps
 * (distinct addresses of one function merge), 0 where a stack is absent,
 * growth, monotonicity, the score ranking and its tie-break, --trend_all,
 * dump numbers from file names, and the exact table (ASCII and Unicode).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "hp_common.h"
#include "hp_heap.h"
#include "hp_render.h"
#include "hp_report.h"
#include "hp_symbolize.h"
#include "hp_trend.h"

#define SYMBOLS                                                                                    \
    "--- symbol\n"                                                                                 \
    "binary=/x/app\n"                                                                              \
    "0x10 Leaf\n"                                                                                  \
    "0x11 Leaf\n"                                                                                  \
    "0x20 Other\n"                                                                                 \
    "0x30 main\n"                                                                                  \
    "0x40 Shrink\n"                                                                                \
    "0x50 Late\n"                                                                                  \
    "0x60 Tie\n"                                                                                   \
    "---\n"                                                                                        \
    "heap profile: 0: 0 [0: 0] @ heapprofile\n"

/* Leaf 1, 2, 3 MiB; Shrink 3, 1, 2; Other 1, 0.5, 2; Late and Tie only in the last */
static const char *const dumps[3] = {
    SYMBOLS "1: 1048576 [1: 1048576] @ 0x10 0x30\n"
            "3: 3145728 [3: 3145728] @ 0x40 0x30\n"
            "2: 1048576 [2: 1048576] @ 0x20 0x30\n",
    SYMBOLS "1: 1048576 [1: 1048576] @ 0x10 0x30\n"
            "1: 1048576 [1: 1048576] @ 0x11 0x30\n" /* Leaf < main again: merged */
            "1: 1048576 [1: 1048576] @ 0x40 0x30\n"
            "1: 524288 [1: 524288] @ 0x20 0x30\n",
    SYMBOLS "3: 3145728 [3: 3145728] @ 0x10 0x30\n"
            "2: 2097152 [2: 2097152] @ 0x40 0x30\n"
            "4: 2097152 [4: 2097152] @ 0x20 0x30\n"
            "1: 1048576 [1: 1048576] @ 0x50 0x30\n"
            "1: 1048576 [1: 1048576] @ 0x60 0x30\n",
};

static const char *const names[3] = {"run/app.0001.heap", "run/app.0002.heap",
                                     "run/app.0003.heap"};

static hp_trend *build(int metric, bool all)
{
    hp_trend *t = NULL;
    hp_error err = {0};
    hp_symbolize_options so = {.strip_templates = true};
    hp_report_options ro = {.metric = metric, .drop_allocator_frames = true,
                            .keep_stack_keys = true};
    assert_int_equal(hp_trend_new(3, metric, &t), 0);
    for (size_t i = 0; i < 3; i++) {
        hp_profile *p = NULL;
        hp_report *r = NULL;
        assert_int_equal(hp_heap_parse(names[i], dumps[i], strlen(dumps[i]), &p, &err), 0);
        assert_int_equal(hp_symbolize_profile(p, &so, NULL, &err), 0);
        assert_int_equal(hp_report_build(p, &ro, &r, &err), 0);
        assert_int_equal(hp_trend_add(t, i, names[i], r), 0);
        hp_report_free(r);
        hp_profile_free(p);
    }
    assert_int_equal(hp_trend_rank(t, all), 0);
    return t;
}

static const char *leaf(const hp_trend *t, const hp_trend_row *row)
{
    uint32_t n;
    const uint32_t *keys = hp_trend_stack(t, row->stack, &n);
    assert_int_equal(n, 2);
    assert_string_equal(hp_trend_label(t, keys[1]), "main");
    return hp_trend_label(t, keys[0]);
}

static void test_model_and_ranking(void **state)
{
    (void)state;
    hp_trend *t = build(HP_INUSE_SPACE, false);
    assert_int_equal(t->nstacks, 5);
    assert_int_equal(t->ngrowing, 4);
    assert_int_equal(t->nrows, 4);
    assert_true(t->totals[0] == 5 * 1048576.0 && t->totals[2] == 9 * 1048576.0);
    assert_int_equal(t->numbers[1], 2);
    /* Leaf: 1, 2 (two addresses merged), 3 MiB: growth 2, monotonic */
    assert_string_equal(leaf(t, &t->rows[0]), "Leaf");
    assert_true(t->rows[0].growth == 2 * 1048576.0 && t->rows[0].monotonicity == 1.0);
    assert_true(hp_trend_value(t, t->rows[0].stack, 1) == 2 * 1048576.0);
    /* Late and Tie: absent, absent, 1 MiB; same score: by text */
    assert_string_equal(leaf(t, &t->rows[1]), "Late");
    assert_string_equal(leaf(t, &t->rows[2]), "Tie");
    assert_true(hp_trend_value(t, t->rows[1].stack, 0) == 0);
    assert_true(t->rows[1].score == 1048576.0);
    /* Other: 1, 0.5, 2: growth 1, one step of two did not decrease */
    assert_string_equal(leaf(t, &t->rows[3]), "Other");
    assert_true(t->rows[3].monotonicity == 0.5 && t->rows[3].score == 524288.0);
    hp_trend_free(t);

    t = build(HP_INUSE_SPACE, true); /* --trend_all: Shrink (3, 1, 2) comes last */
    assert_int_equal(t->nrows, 5);
    assert_string_equal(leaf(t, &t->rows[4]), "Shrink");
    assert_true(t->rows[4].growth == -1048576.0 && t->rows[4].monotonicity == 0.5);
    hp_trend_free(t);

    t = build(HP_INUSE_OBJECTS, false); /* objects: Other (2, 1, 4) grows as much as Leaf, less steadily */
    assert_string_equal(leaf(t, &t->rows[0]), "Leaf");
    assert_true(t->rows[0].growth == 2);
    assert_true(t->rows[1].growth == 2 && t->rows[1].score == 1);
    assert_string_equal(leaf(t, &t->rows[1]), "Other");
    hp_trend_free(t);
}

static char *render(const hp_trend *t, const hp_render_options *o, bool svg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(svg ? hp_render_trend_svg(t, o, f) : hp_render_trend_text(t, o, f), 0);
    fclose(f);
    return buf;
}

static void test_text(void **state)
{
    (void)state;
    hp_trend *t = build(HP_INUSE_SPACE, false);
    hp_render_options o = {.nodecount = 3, .show_bytes = true, .ascii = true};
    char *text = render(t, &o, false);
    assert_string_equal(text,
        "Trend of 3 dumps (inuse_space): run/app.0001.heap .. run/app.0003.heap\n"
        "Total: 5242880 B -> 9437184 B (+4194304 B)\n"
        "Growing stacks: 4 of 5, top 3 shown; score = growth x monotonicity\n"
        "  growth     last  mono  trend  stack (leaf first)\n"
        " 2097152  3145728  100%  _=#    Leaf < main\n"
        " 1048576  1048576  100%  __#    Late < main\n"
        " 1048576  1048576  100%  __#    Tie < main\n");
    free(text);
    o = (hp_render_options){.nodecount = -1};
    text = render(t, &o, false);
    assert_non_null(strstr(text, "     2.0      3.0  100%  \u2581\u2585\u2588    Leaf < main\n"));
    assert_non_null(strstr(text, "     1.0      2.0   50%  \u2583\u2581\u2588    Other < main\n"));
    free(text);
    /* the plot: the total and the top stacks, one dot per dump each */
    text = render(t, &o, true);
    size_t polylines = 0, circles = 0;
    for (const char *s = text; (s = strstr(s, "<polyline")); s++)
        polylines++;
    for (const char *s = text; (s = strstr(s, "<circle")); s++)
        circles++;
    assert_int_equal(polylines, 5);
    assert_int_equal(circles, 15);
    assert_non_null(strstr(text, ">+2.0 MB: Leaf &lt; main</text>"));
    assert_non_null(strstr(text, ">0003</text>"));
    assert_non_null(strstr(text, ">10 MB</text>"));
    free(text);
    hp_trend_free(t);
}

static void test_dump_numbers(void **state)
{
    (void)state;
    assert_int_equal(hp_trend_dump_number("series/run1/hp.0007.heap"), 7);
    assert_int_equal(hp_trend_dump_number("hp.12345.heap"), 12345);
    assert_int_equal(hp_trend_dump_number("hp_4242.0003.heap.gz"), 3);
    assert_int_equal(hp_trend_dump_number("hp.heap"), -1);
    assert_int_equal(hp_trend_dump_number("0001.heap"), -1);
    assert_int_equal(hp_trend_dump_number("hp.00a1.heap"), -1);
    assert_int_equal(hp_trend_dump_number("hp.0001.prof"), -1);
    assert_int_equal(hp_trend_dump_number("dir.0001/hp"), -1);
}

static void test_errors(void **state)
{
    (void)state;
    hp_trend *t = NULL;
    assert_int_equal(hp_trend_new(0, HP_INUSE_SPACE, &t), -EINVAL);
    assert_int_equal(hp_trend_new(1, HP_INUSE_SPACE, &t), 0);
    hp_profile *p = NULL;
    hp_report *r = NULL;
    hp_error err = {0};
    hp_report_options ro = {.metric = HP_INUSE_SPACE}; /* no stack keys */
    assert_int_equal(hp_heap_parse("x", dumps[0], strlen(dumps[0]), &p, &err), 0);
    assert_int_equal(hp_report_build(p, &ro, &r, &err), 0);
    assert_int_equal(hp_trend_add(t, 0, "x", r), -EINVAL);
    assert_int_equal(hp_trend_add(t, 1, "x", r), -EINVAL);
    hp_report_free(r);
    hp_profile_free(p);
    hp_trend_free(t);
    assert_null(hp_trend_free(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_and_ranking),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_dump_numbers),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
