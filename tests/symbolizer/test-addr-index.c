/*
 * test-addr-index.c - the bucket index of addr_index.c against a plain
 * count (a linear scan of the keys, nothing of the code under test): hand-built
 * tables with the edge cases (empty, one entry, addresses before the first
 * and after the last key, equal keys, wide gaps, keys near UINT64_MAX) and
 * pseudo-random tables, every address of interest looked up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "hp_common.h"
#include "symbolizer-internal.h"

/* as hp_dw_row: the key first, 16 bytes */
typedef struct elem {
    uint64_t key;
    uint64_t payload;
} elem;

static size_t linear_count(const elem *e, size_t n, uint64_t addr)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += e[i].key <= addr;
    return c;
}

/* Every key, its neighbours, 0, UINT64_MAX and a few points between keys. */
static void check_all(const elem *e, size_t n)
{
    hp_addr_index ix = {0};
    hp_addr_index_build(&ix, e, n, sizeof(*e));
    assert_true(ix.built);
    assert_int_equal(ix.n, n);
    uint64_t probes[] = {0, 1, UINT64_MAX, UINT64_MAX - 1};
    for (size_t p = 0; p < sizeof(probes) / sizeof(*probes); p++) {
        assert_int_equal(hp_addr_index_count(&ix, e, n, sizeof(*e), probes[p]),
                         linear_count(e, n, probes[p]));
        assert_int_equal(hp_addr_bisect(e, n, sizeof(*e), probes[p]),
                         linear_count(e, n, probes[p]));
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t k = e[i].key;
        uint64_t around[] = {k, k - 1, k + 1, k + (i + 1 < n ? (e[i + 1].key - k) / 2 : 1000)};
        for (size_t a = 0; a < 4; a++) {
            size_t want = linear_count(e, n, around[a]);
            assert_int_equal(hp_addr_index_count(&ix, e, n, sizeof(*e), around[a]), want);
            assert_int_equal(hp_addr_bisect(e, n, sizeof(*e), around[a]), want);
        }
    }
    /* an index built for another length is not used */
    if (n > 1)
        assert_int_equal(hp_addr_index_count(&ix, e, n - 1, sizeof(*e), e[n - 1].key),
                         n - 1);
    hp_addr_index_free(&ix);
    assert_null(ix.first);
    assert_false(ix.built);
}

static void test_empty_and_one(void **state)
{
    (void)state;
    elem one[1] = {{0x1000, 0}};
    check_all(one, 0);
    check_all(one, 1);
    elem zero[1] = {{0, 0}};
    check_all(zero, 1);
}

static void test_edges(void **state)
{
    (void)state;
    /* equal keys (an end of sequence and the row starting there), a wide
     * gap, a run of dense keys, keys near the top of the address space */
    elem e[] = {{0x400000, 0}, {0x400000, 1}, {0x400004, 0}, {0x400008, 0}, {0x400008, 1},
                {0x400008, 2}, {0x400010, 0}, {0x7f0000000000, 0}, {0x7f0000000001, 0},
                {0x7f0000000002, 0}, {0x7f0000000003, 0}, {UINT64_MAX - 2, 0},
                {UINT64_MAX - 1, 0}, {UINT64_MAX, 0}};
    size_t n = sizeof(e) / sizeof(*e);
    for (size_t k = 1; k <= n; k++) {
        check_all(e, k);
        check_all(e + n - k, k);
    }
    /* all keys equal */
    elem same[20];
    for (size_t i = 0; i < 20; i++)
        same[i] = (elem){0x1234, i};
    check_all(same, 20);
    /* everything in one bucket but the last key */
    elem skew[40];
    for (size_t i = 0; i < 39; i++)
        skew[i] = (elem){0x1000 + i, 0};
    skew[39] = (elem){0x1000 + (1ull << 40), 0};
    check_all(skew, 40);
}

static void test_random(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 40; round++) {
        size_t n = 1 + (size_t)(x % 3000);
        elem *e = hp_new0(elem, n);
        assert_non_null(e);
        uint64_t k = 0x400000 + (x >> 40);
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            /* mostly small steps, some equal keys, now and then a big gap */
            uint64_t step = x % 16 == 0 ? 0 : x % 97 == 0 ? (x >> 20) : x % 64;
            k += step;
            e[i] = (elem){k, i};
        }
        check_all(e, n);
        free(e);
    }
}

/* Built by the lookups themselves after HP_ADDR_INDEX_AFTER of them, the
 * answers the same before and after; dropped when the table's length or
 * address changes. */
static void test_auto_build(void **state)
{
    (void)state;
    elem e[100];
    for (size_t i = 0; i < 100; i++)
        e[i] = (elem){0x1000 + 16 * i + (i % 3), i};
    hp_addr_index ix = {0};
    for (uint64_t a = 0xff0, calls = 0; a < 0x1700; a += 3, calls++) {
        assert_int_equal(hp_addr_index_count(&ix, e, 100, sizeof(*e), a), linear_count(e, 100, a));
        assert_true(calls + 1 < HP_ADDR_INDEX_AFTER ? ix.first == NULL : ix.first != NULL);
    }
    assert_int_equal(hp_addr_index_count(&ix, e, 50, sizeof(*e), 0x1400), linear_count(e, 50, 0x1400));
    assert_null(ix.first);
    /* and when it is another table of the same length */
    for (int i = 0; i < HP_ADDR_INDEX_AFTER; i++)
        hp_addr_index_count(&ix, e, 50, sizeof(*e), 0x1400);
    assert_non_null(ix.first);
    assert_int_equal(hp_addr_index_count(&ix, e + 50, 50, sizeof(*e), 0x1400),
                     linear_count(e + 50, 50, 0x1400));
    assert_null(ix.first);
    hp_addr_index_free(&ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_one),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_auto_build),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
