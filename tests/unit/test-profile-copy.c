/*
 * test-profile-copy.c - unit tests of hp_profile_copy: the copy holds the
 * same samples, locations, mappings and strings, changing it leaves the
 * original alone, and a failed allocation anywhere is reported and leaks nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "hp_common.h"
#include "hp_heap.h"

static const char text[] =
    "heap profile:    101:    24096 [   111:    25096] @ heapprofile\n"
    "   100:    20000 [   100:    20000] @ 0x555555555174 0x555555555216 0x7ffff7a4524a\n"
    "     1:     4096 [     1:     4096] @ 0x7ffff7a938cc 0x555555555216\n"
    "\n"
    "MAPPED_LIBRARIES:\n"
    "555555554000-555555555000 r--p 00000000 08:01 1234 /opt/seed\n"
    "555555555000-555555556000 r-xp 00001000 08:01 1234 /opt/seed\n"
    "7ffff7a00000-7ffff7c00000 r-xp 00000000 08:01 99 /lib/libc.so.6\n";

static const char base_text[] =
    "heap profile:      1:      100 [     1:      100] @ heapprofile\n"
    "     1:      100 [     1:      100] @ 0x555555555999 0x555555555216\n";

static hp_profile *parse(const char *t)
{
    hp_profile *p = NULL;
    hp_error err = {0};
    if (hp_heap_parse("t.heap", t, strlen(t), &p, &err) < 0)
        fail_msg("unexpected error: %s", err.msg);
    return p;
}

static void test_copy_equal(void **state)
{
    (void)state;
    hp_profile *p = parse(text), *c = NULL;
    assert_int_equal(hp_profile_copy(p, &c), 0);
    assert_string_equal(c->path, p->path);
    assert_string_equal(c->type, p->type);
    assert_int_equal(c->nsamples, p->nsamples);
    assert_memory_equal(c->samples, p->samples, p->nsamples * sizeof(*p->samples));
    assert_memory_equal(c->stack_locs, p->stack_locs, p->nstack_locs * sizeof(*p->stack_locs));
    assert_int_equal(c->nlocations, p->nlocations);
    assert_memory_equal(c->locations, p->locations, p->nlocations * sizeof(*p->locations));
    assert_int_equal(c->nmappings, p->nmappings);
    for (size_t i = 1; i < p->nmappings; i++)
        assert_string_equal(hp_profile_str(c, c->mappings[i].path),
                            hp_profile_str(p, p->mappings[i].path));
    assert_int_equal(c->nrecords, p->nrecords);
    assert_int_equal(hp_strtab_count(c->strings), hp_strtab_count(p->strings));
    assert_ptr_not_equal(c->samples, p->samples);
    /* the copy's hash tables work: a known address is found, not added */
    size_t nloc = c->nlocations;
    assert_int_equal(hp_profile_location(c, 0x555555555216), hp_profile_location(p, 0x555555555216));
    assert_int_equal(c->nlocations, nloc);
    hp_profile_free(c);
    hp_profile_free(p);
}

static void test_copy_independent(void **state)
{
    (void)state;
    hp_profile *p = parse(text), *b = parse(base_text), *c = NULL;
    assert_int_equal(hp_profile_copy(p, &c), 0);
    assert_int_equal(hp_profile_merge(c, b, -1.0, false), 0);
    assert_int_equal(c->nsamples, p->nsamples + 1);
    assert_int_equal(p->nsamples, 2);
    assert_int_equal(p->samples[0].value[HP_INUSE_SPACE], 20000);
    assert_int_equal(c->samples[2].value[HP_INUSE_SPACE], -100);
    /* merging the same base into the original gives the same samples */
    assert_int_equal(hp_profile_merge(p, b, -1.0, false), 0);
    assert_memory_equal(c->samples, p->samples, p->nsamples * sizeof(*p->samples));
    hp_profile_free(c);
    hp_profile_free(b);
    hp_profile_free(p);
}

static void test_copy_oom(void **state)
{
    (void)state;
    hp_profile *p = parse(text);
    int r = -ENOMEM;
    for (long n = 0; r == -ENOMEM && n < 1000; n++) {
        hp_profile *c = NULL;
        hp_alloc_fail_after(n);
        r = hp_profile_copy(p, &c);
        hp_alloc_fail_after(-1);
        if (r == 0)
            hp_profile_free(c);
        else
            assert_null(c);
    }
    assert_int_equal(r, 0);
    hp_profile_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_equal),
        cmocka_unit_test(test_copy_independent),
        cmocka_unit_test(test_copy_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
