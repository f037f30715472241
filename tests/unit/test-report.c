/*
 * test-report.c - the report pipeline on unsymbolized profiles: totals,
 * recursion counted once in cum, focus/ignore, show/hide, --base arithmetic
 * and the text renderer's Perl formatting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "hp_common.h"
#include "hp_heap.h"
#include "hp_render.h"
#include "hp_report.h"

static hp_profile *parse(const char *text)
{
    hp_profile *p = NULL;
    hp_error err = {0};
    assert_int_equal(hp_heap_parse("t.heap", text, strlen(text), &p, &err), 0);
    return p;
}

static char *render(hp_report *r, const hp_render_options *o)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(hp_render_text(r, o, f), 0);
    fclose(f);
    return buf;
}

static const char recursive[] = "heap profile: 0: 0 [0: 0] @ heapprofile\n"
                                 "2: 3145728 [2: 3145728] @ 0x11 0x21 0x21 0x31\n"
                                 "1: 1048576 [3: 2097152] @ 0x41 0x31\n";

static void test_flat_cum_and_format(void **state)
{
    (void)state;
    hp_profile *p = parse(recursive);
    hp_report_options o = {.metric = HP_INUSE_SPACE};
    hp_report *r = NULL;
    hp_error err = {0};
    assert_int_equal(hp_report_build(p, &o, &r, &err), 0);
    assert_true(r->total == 4194304);
    assert_true(r->focused == 4194304);
    hp_render_options ro = {.nodecount = -1};
    char *text = render(r, &ro);
    assert_string_equal(text, "Total: 4.0 MB\n"
                              "     3.0  75.0%  75.0%      3.0  75.0% 0x0000000000000011\n"
                              "     1.0  25.0% 100.0%      1.0  25.0% 0x0000000000000041\n"
                              "     0.0   0.0% 100.0%      3.0  75.0% 0x0000000000000020\n"
                              "     0.0   0.0% 100.0%      4.0 100.0% 0x0000000000000030\n");
    free(text);
    ro.show_bytes = true;
    ro.cum = true;
    text = render(r, &ro);
    assert_string_equal(text, "Total: 4194304 B\n"
                              "       0   0.0%   0.0%  4194304 100.0% 0x0000000000000030\n"
                              " 3145728  75.0%  75.0%  3145728  75.0% 0x0000000000000011\n"
                              "       0   0.0%  75.0%  3145728  75.0% 0x0000000000000020\n"
                              " 1048576  25.0% 100.0%  1048576  25.0% 0x0000000000000041\n");
    free(text);
    hp_report_free(r);
    o.metric = HP_ALLOC_OBJECTS;
    o.focus = "0x0*41";
    assert_int_equal(hp_report_build(p, &o, &r, &err), 0);
    ro = (hp_render_options){.nodecount = -1};
    text = render(r, &ro);
    assert_string_equal(text, "Total: 5 objects\n"
                              "       3 100.0% 100.0%        3 100.0% 0x0000000000000041\n"
                              "       0   0.0% 100.0%        3 100.0% 0x0000000000000030\n");
    free(text);
    hp_report_free(r);
    o.focus = NULL;
    o.ignore = "^0+41$";
    assert_int_equal(hp_report_build(p, &o, &r, &err), 0);
    assert_true(r->focused == 2);
    hp_report_free(r);
    o.ignore = "(";
    assert_int_equal(hp_report_build(p, &o, &r, &err), -EINVAL);
    hp_profile_free(p);
}

static void test_base_negative(void **state)
{
    (void)state;
    hp_profile *a = parse("heap profile: 0: 0 [0: 0] @ heapprofile\n"
                          "48: 1572864 [48: 1572864] @ 0x101 0x201\n"
                          "32: 2097152 [64: 4194304] @ 0x301 0x201\n");
    hp_profile *b = parse("heap profile: 0: 0 [0: 0] @ heapprofile\n"
                          "64: 4194304 [64: 4194304] @ 0x301 0x201\n");
    assert_int_equal(hp_profile_merge(a, b, -1, false), 0);
    hp_report_options o = {.metric = HP_INUSE_SPACE};
    hp_report *r = NULL;
    hp_error err = {0};
    assert_int_equal(hp_report_build(a, &o, &r, &err), 0);
    hp_render_options ro = {.nodecount = -1, .show_bytes = true};
    char *text = render(r, &ro);
    /* SPEC 5.1: Perl's signed arithmetic, -0.0% and all */
    assert_string_equal(text, "Total: -524288 B\n"
                              " 1572864 -300.0% -300.0%  1572864 -300.0% 0x0000000000000101\n"
                              "       0  -0.0% -300.0%  -524288 100.0% 0x0000000000000200\n"
                              "-2097152 400.0% 100.0% -2097152 400.0% 0x0000000000000301\n");
    free(text);
    hp_report_free(r);
    hp_profile_free(a);
    /* a profile minus itself prints nothing at all */
    a = parse("heap profile: 0: 0 [0: 0] @ heapprofile\n64: 4194304 [64: 4194304] @ 0x301 0x201\n");
    assert_int_equal(hp_profile_merge(a, b, -1, false), 0);
    assert_int_equal(hp_report_build(a, &o, &r, &err), 0);
    text = render(r, &ro);
    assert_string_equal(text, "");
    free(text);
    hp_report_free(r);
    hp_profile_free(a);
    hp_profile_free(b);
}

static void test_show_hide(void **state)
{
    (void)state;
    hp_profile *p = parse(recursive);
    hp_report_options o = {.metric = HP_INUSE_SPACE, .hide = "0x0+11$"};
    hp_report *r = NULL;
    hp_error err = {0};
    assert_int_equal(hp_report_build(p, &o, &r, &err), 0);
    /* the hidden leaf's value moves to its caller */
    hp_render_options ro = {.nodecount = -1, .show_bytes = true};
    char *text = render(r, &ro);
    assert_string_equal(text, "Total: 4194304 B\n"
                              " 3145728  75.0%  75.0%  3145728  75.0% 0x0000000000000020\n"
                              " 1048576  25.0% 100.0%  1048576  25.0% 0x0000000000000041\n"
                              "       0   0.0% 100.0%  4194304 100.0% 0x0000000000000030\n");
    free(text);
    hp_report_free(r);
    hp_profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flat_cum_and_format),
        cmocka_unit_test(test_base_negative),
        cmocka_unit_test(test_show_hide),
    };
    return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
