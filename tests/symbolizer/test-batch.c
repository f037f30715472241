/*
 * test-batch.c - the batch lookups (symbolizer/parallel.c) give every query
 * the answer hp_symobj_lookup_obj gives it: hp_sym_lookup_batch,
 * hp_sym_lookup_batch_in and hp_sym_lookup_batch_in_async with 1, 2 and 4
 * threads, over more queries than one sort window (32768) so that the
 * asynchronous reader waits for windows, and more frames than one of a
 * worker's frame blocks (65536); and, when allocations fail inside
 * an asynchronous batch, the answers made are right, the others empty, and
 * hp_sym_batch_wait says so.
 * Usage: test-batch [TESTDATA_DIR] (testdata/bin from scripts/make-fixtures.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "hp_common.h"
#include "hp_symbolizer.h"

static const char *testdata;

#define NQ 100000 /* queries: seven windows, frames past one block */

/* One answer, copied out of its batch. */
typedef struct copy {
    hp_sym_result r; /* frames[] filled from the batch's */
} copy;

static void same_str(const char *a, const char *b)
{
    if (a || b) {
        assert_non_null(a);
        assert_non_null(b);
        assert_string_equal(a, b);
    }
}

static void same(const hp_sym_result *a, const hp_sym_result *b)
{
    assert_int_equal(a->obj_addr, b->obj_addr);
    assert_int_equal(a->nframes, b->nframes);
    for (size_t k = 0; k < a->nframes; k++) {
        same_str(a->frames[k].function, b->frames[k].function);
        same_str(a->frames[k].file, b->frames[k].file);
        assert_int_equal(a->frames[k].line, b->frames[k].line);
    }
    same_str(a->symbol, b->symbol);
    same_str(a->symbol_raw, b->symbol_raw);
    assert_int_equal(a->symbol_start, b->symbol_start);
    assert_int_equal(a->symbol_size, b->symbol_size);
    same_str(a->nm_symbol_raw, b->nm_symbol_raw);
    assert_int_equal(a->nm_symbol_start, b->nm_symbol_start);
    assert_int_equal(a->all_inline_levels, b->all_inline_levels);
}

/* Answer i of b into c. */
static void take(const hp_sym_batch *b, size_t i, copy *c)
{
    const hp_sym_frame *f = hp_sym_batch_answer(b, i, &c->r);
    assert_true(c->r.nframes <= HP_SYM_MAX_FRAMES);
    for (size_t k = 0; k < c->r.nframes; k++)
        c->r.frames[k] = f[k];
}

typedef struct fixture {
    hp_symbolizer *s;
    hp_symobj *o;
    uint64_t *addrs;
    copy *ref, *got;
} fixture;

/* Object rel, NQ addresses in and around its functions (repeated, out of
 * order), and their answers one by one. */
static size_t setup(fixture *x, const char *rel)
{
    hp_symbolizer_config cfg = {0};
    hp_error err = {0};
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", testdata, rel);
    assert_int_equal(hp_symbolizer_new(&cfg, &x->s, &err), 0);
    assert_int_equal(hp_symbolizer_open(x->s, path, NULL, &x->o, &err), 0);
    const uint64_t *starts;
    const char *const *names;
    size_t nf = hp_symobj_functions(x->o, &starts, &names);
    assert_true(nf > 10);
    x->addrs = calloc(NQ, sizeof(*x->addrs));
    x->ref = calloc(NQ, sizeof(*x->ref));
    x->got = calloc(NQ, sizeof(*x->got));
    assert_true(x->addrs && x->ref && x->got);
    /* the functions DWARF describes (not crt's) */
    size_t *fn = calloc(nf, sizeof(*fn)), ngood = 0;
    assert_non_null(fn);
    for (size_t f = 0; f < nf; f++) {
        assert_int_equal(hp_symobj_lookup_obj(x->o, starts[f], &x->ref[0].r), 0);
        if (x->ref[0].r.nframes)
            fn[ngood++] = f;
    }
    assert_true(ngood >= 2);
    size_t frames = 0;
    for (size_t i = 0; i < NQ; i++) {
        size_t f = fn[(i * 7919) % ngood]; /* in function f */
        uint64_t size = f + 1 < nf ? starts[f + 1] - starts[f] : 16;
        x->addrs[i] = starts[f] + (size ? (i * 13) % size : 0);
        assert_int_equal(hp_symobj_lookup_obj(x->o, x->addrs[i], &x->ref[i].r), 0);
        frames += x->ref[i].r.nframes;
    }
    free(fn);
    return frames;
}

static void teardown(fixture *x)
{
    hp_symbolizer_free(x->s);
    free(x->addrs);
    free(x->ref);
    free(x->got);
}

static void check_all(fixture *x, hp_sym_batch *b)
{
    for (size_t i = 0; i < NQ; i++) {
        take(b, i, &x->got[i]);
        same(&x->got[i].r, &x->ref[i].r);
    }
}

/* Returns: the frames of the answers. */
static size_t batches(const char *rel)
{
    fixture x;
    size_t frames = setup(&x, rel);
    hp_sym_query *q = calloc(NQ, sizeof(*q));
    assert_non_null(q);
    for (size_t i = 0; i < NQ; i++)
        q[i] = (hp_sym_query){.obj = x.o, .pc = x.addrs[i], .in_object = true};
    for (unsigned threads = 1; threads <= 4; threads *= 2) {
        hp_sym_batch *b = NULL;
        assert_int_equal(hp_sym_lookup_batch(q, NQ, threads, &b), 0);
        check_all(&x, b);
        hp_sym_batch_free(b);
        assert_int_equal(hp_sym_lookup_batch_in(x.o, x.addrs, NQ, threads, &b), 0);
        check_all(&x, b);
        hp_sym_batch_free(b);
        assert_int_equal(hp_sym_lookup_batch_in_async(x.o, x.addrs, NQ, threads, &b), 0);
        check_all(&x, b); /* read while looked up */
        assert_int_equal(hp_sym_batch_wait(b), 0);
        check_all(&x, b); /* and after */
        hp_sym_batch_free(b);
        /* freed without reading or waiting */
        assert_int_equal(hp_sym_lookup_batch_in_async(x.o, x.addrs, NQ, threads, &b), 0);
        hp_sym_batch_free(b);
    }
    free(q);
    teardown(&x);
    return frames;
}

static void test_batches_c(void **state)
{
    (void)state;
    /* more than a worker's frame block (parallel.c: 2 MiB of 24-byte frames) */
    assert_true(batches("bin/fx-O2-nopie") > (2u << 20) / sizeof(hp_sym_frame));
}

static void test_batches_split_debug(void **state)
{
    (void)state;
    batches("bin/fx-split"); /* stripped, DWARF in its .debug file */
}

static void test_batches_cxx_inline(void **state)
{
    (void)state;
    batches("bin/fxx-O2");
}

/* The n-th allocation from the batch call on fails, for many n. */
static void test_async_out_of_memory(void **state)
{
    (void)state;
    fixture x;
    setup(&x, "bin/fxx-O2");
    int failed = 0;
    for (long n = 0; n < 24; n++) {
        hp_sym_batch *b = NULL;
        hp_alloc_fail_after(n);
        int r = hp_sym_lookup_batch_in_async(x.o, x.addrs, NQ, 2, &b);
        if (r < 0) {
            hp_alloc_fail_after(-1);
            assert_int_equal(r, -ENOMEM);
            assert_null(b);
            failed++;
            continue;
        }
        size_t made = 0;
        for (size_t i = 0; i < NQ; i++) {
            take(b, i, &x.got[i]);
            if (x.got[i].r.obj_addr == 0 && x.got[i].r.nframes == 0 && !x.got[i].r.symbol)
                continue; /* not made */
            same(&x.got[i].r, &x.ref[i].r);
            made++;
        }
        r = hp_sym_batch_wait(b);
        hp_alloc_fail_after(-1);
        assert_true(r == 0 || r == -ENOMEM);
        if (r == 0)
            assert_int_equal(made, NQ);
        failed += r < 0;
        hp_sym_batch_free(b);
    }
    assert_true(failed > 0); /* the injection reached the batch */
    teardown(&x);
}

int main(int argc, char **argv)
{
    testdata = argc > 1 ? argv[1] : "testdata"; /* meson passes the source tree's */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batches_c),
        cmocka_unit_test(test_batches_split_debug),
        cmocka_unit_test(test_batches_cxx_inline),
        cmocka_unit_test(test_async_out_of_memory),
    };
    return cmocka_run_group_tests_name("batch", tests, NULL, NULL);
}
