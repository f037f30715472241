/* test-common.c - arena, growable string, string and sequence interning,
 * large allocations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "hp_common.h"
#include "hp_arena.h"
#include "hp_buf.h"
#include "hp_seqtab.h"
#include "hp_strtab.h"

static void test_arena(void **state)
{
    (void)state;
    hp_arena *a = hp_arena_new();
    assert_non_null(a);
    char *s = hp_arena_strfmt(a, "%s-%d", "x", 42);
    assert_string_equal(s, "x-42");
    void *big = hp_arena_alloc(a, 1 << 20);
    assert_non_null(big);
    assert_int_equal((uintptr_t)big % 16, 0);
    for (int i = 0; i < 10000; i++)
        assert_non_null(hp_arena_alloc(a, 100));
    assert_string_equal(s, "x-42");
    assert_null(hp_arena_calloc(a, SIZE_MAX / 2, 4));
    assert_null(hp_arena_free(a));
    assert_null(hp_arena_free(NULL));
}

/* hp_malloc_huge: small sizes as hp_malloc, large ones whole 2 MiB pages
 * (aligned, all of it writable, prefaultable), injected failures seen. */
static void test_malloc_huge(void **state)
{
    (void)state;
    char *small = hp_malloc_huge(100);
    assert_non_null(small);
    memset(small, 1, 100);
    free(small);
    size_t n = (3u << 20) + 5;
    char *big = hp_malloc_huge(n);
    assert_non_null(big);
    assert_int_equal((uintptr_t)big % (2u << 20), 0);
    hp_prefault(big, n);
    memset(big, 0x5a, n);
    assert_int_equal(big[n - 1], 0x5a);
    free(big);
    hp_prefault(NULL, 0);
    hp_alloc_fail_after(0);
    assert_null(hp_malloc_huge(n));
    hp_alloc_fail_after(-1);
    assert_null(hp_malloc_huge(SIZE_MAX - 10));
}

static void test_buf(void **state)
{
    (void)state;
    hp_buf b = HP_BUF_INIT;
    assert_string_equal(b.buf, "");
    for (int i = 0; i < 1000; i++)
        hp_buf_addf(&b, "%d,", i);
    assert_true(hp_buf_ok(&b));
    assert_memory_equal(b.buf, "0,1,2,", 6);
    hp_buf_reset(&b);
    hp_buf_adds(&b, "abc");
    hp_buf_addc(&b, 'd');
    size_t n;
    char *s = hp_buf_detach(&b, &n);
    assert_string_equal(s, "abcd");
    assert_int_equal(n, 4);
    free(s);
    hp_alloc_fail_after(0);
    hp_buf_adds(&b, "x");
    hp_alloc_fail_after(-1);
    assert_false(hp_buf_ok(&b));
    assert_null(hp_buf_detach(&b, NULL));
}

static void test_strtab(void **state)
{
    (void)state;
    hp_strtab *t = hp_strtab_new();
    assert_int_equal(hp_strtab_intern(t, "", 0), 0);
    int64_t a = hp_strtab_intern(t, "alpha", 5);
    assert_int_equal(hp_strtab_intern(t, "alphabet", 5), a);
    char name[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof(name), "s%d", i);
        assert_int_equal(hp_strtab_intern(t, name, strlen(name)), i + 2);
    }
    assert_string_equal(hp_strtab_get(t, 1002), "s1000");
    assert_string_equal(hp_strtab_get(t, 999999), "");
    hp_strtab_free(t);
}

static void test_seqtab(void **state)
{
    (void)state;
    hp_seqtab *t = hp_seqtab_new();
    uint32_t s1[] = {1, 2, 3}, s2[] = {1, 2};
    assert_int_equal(hp_seqtab_intern(t, s1, 3), 0);
    assert_int_equal(hp_seqtab_intern(t, s2, 2), 1);
    assert_int_equal(hp_seqtab_intern(t, NULL, 0), 2);
    assert_int_equal(hp_seqtab_intern(t, s1, 3), 0);
    for (uint32_t i = 0; i < 3000; i++)
        assert_int_equal(hp_seqtab_intern(t, &i, 1), i + 3);
    uint32_t n;
    const uint32_t *g = hp_seqtab_get(t, 0, &n);
    assert_int_equal(n, 3);
    assert_int_equal(g[2], 3);
    assert_int_equal(hp_seqtab_count(t), 3003);
    hp_seqtab_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_malloc_huge),
        cmocka_unit_test(test_buf),
        cmocka_unit_test(test_strtab),
        cmocka_unit_test(test_seqtab),
    };
    return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
