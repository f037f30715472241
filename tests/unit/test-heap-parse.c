/*
 * test-heap-parse.c - unit tests of the .heap reader: header variants,
 * sampling adjustment, merging, maps, jemalloc and symbolized files, and the
 * one-line errors for malformed input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "hp_common.h"
#include "hp_heap.h"
#include "hp_symbolize.h"

static hp_profile *parse_ok(const char *text)
{
    hp_profile *p = NULL;
    hp_error err = {0};
    int r = hp_heap_parse("t.heap", text, strlen(text), &p, &err);
    if (r < 0)
        fail_msg("unexpected error: %s", err.msg);
    assert_non_null(p);
    return p;
}

static void expect_error(const char *text, int code, const char *msg)
{
    hp_profile *p = NULL;
    hp_error err = {0};
    int r = hp_heap_parse("t.heap", text, strlen(text), &p, &err);
    assert_int_equal(r, code);
    assert_null(p);
    assert_string_equal(err.msg, msg);
}

static const char seed[] =
    "heap profile:    101:    24096 [   111:    25096] @ heapprofile\n"
    "   100:    20000 [   100:    20000] @ 0x555555555174 0x555555555216 0x7ffff7a4524a\n"
    "     1:     4096 [     1:     4096] @ 0x7ffff7a938cc 0x555555555216\n"
    "     0:        0 [    10:     1000] @ 0x5555555551cd 0x55555555521b 0x7ffff7a4524a\n"
    "\n"
    "MAPPED_LIBRARIES:\n"
    "555555554000-555555555000 r--p 00000000 00:00 1146911     /opt/x/seed\n"
    "555555555000-555555556000 r-xp 00001000 00:00 1146911     /opt/x/seed\n"
    "7ffff7a44000-7ffff7b9a000 r-xp 00026000 00:00 332835      /usr/lib/libc.so.6\n"
    "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0           [stack]\n";

static void test_seed(void **state)
{
    (void)state;
    hp_profile *p = parse_ok(seed);
    assert_string_equal(p->type, "heapprofile");
    assert_int_equal(p->sampling, HP_SAMPLING_NONE);
    assert_int_equal(p->nsamples, 3);
    assert_int_equal(p->nrecords, 3);
    assert_int_equal(p->header[HP_ALLOC_SPACE], 25096);
    assert_true(p->samples[0].value[HP_INUSE_SPACE] == 20000);
    assert_true(p->samples[2].value[HP_ALLOC_OBJECTS] == 10);
    assert_int_equal(p->samples[0].depth, 3);
    /* 0x555555555216 and 0x7ffff7a4524a are shared: 6 distinct addresses + sentinel */
    assert_int_equal(p->nlocations, 7);
    assert_int_equal(p->nmappings, 5); /* 4 + sentinel */
    assert_string_equal(hp_profile_str(p, p->mappings[2].path), "/opt/x/seed");
    assert_int_equal(p->mappings[2].offset, 0x1000);
    assert_string_equal(p->mappings[2].perms, "r-xp");
    assert_string_equal(hp_profile_str(p, p->mappings[4].path), "[stack]");
    assert_int_equal(hp_profile_mapping_of(p, 0x555555555174), 2);
    assert_int_equal(hp_profile_mapping_of(p, 0x7ffff7a4524a), 3);
    assert_int_equal(hp_profile_mapping_of(p, 0x1234), 0);
    hp_profile_free(p);
}

static void test_crlf_and_duplicates(void **state)
{
    (void)state;
    hp_profile *p = parse_ok("heap profile: 2: 20 [2: 20] @ heapprofile\r\n"
                             "1: 10 [1: 10] @ 0x10 0x20\r\n"
                             "1: 10 [1: 10] @ 0x10 0x20\r\n");
    assert_int_equal(p->nsamples, 1);
    assert_int_equal(p->nrecords, 2);
    assert_true(p->samples[0].value[HP_INUSE_SPACE] == 20);
    hp_profile_free(p);
}

static void test_odd_whitespace_and_bare_hex(void **state)
{
    (void)state;
    hp_profile *p = parse_ok("heap profile: 1: 10 [1: 10] @ heapprofile\n"
                             "1:10 [1:10]\t@\t0x10\t20\n");
    assert_int_equal(p->nsamples, 1);
    assert_int_equal(p->samples[0].depth, 2);
    assert_int_equal(p->locations[p->stack_locs[1]].address, 0x20);
    hp_profile_free(p);
}

static void test_zero_frame_stack(void **state)
{
    (void)state;
    hp_profile *p = parse_ok("heap profile: 1: 10 [1: 10] @ heapprofile\n"
                             "1: 10 [1: 10] @\n");
    assert_int_equal(p->nsamples, 1);
    assert_int_equal(p->samples[0].depth, 0);
    hp_profile_free(p);
}

static void test_v2_sampling(void **state)
{
    (void)state;
    /* SPEC 2.6 worked example: 256-byte objects at rate 524288 scale by 2048.500041 */
    hp_profile *p = parse_ok("heap profile: 1: 256 [1: 256] @ heap_v2/524288\n"
                             "1: 256 [1: 256] @ 0x10\n"
                             "1: 1048576 [1: 1048576] @ 0x20\n"
                             "0: 0 [0: 0] @ 0x30\n");
    assert_int_equal(p->sampling, HP_SAMPLING_V2);
    assert_true(p->sampling_rate == 524288);
    assert_true(p->samples[0].value[HP_INUSE_SPACE] > 524416.0104 &&
                p->samples[0].value[HP_INUSE_SPACE] < 524416.0105);
    assert_true(p->samples[0].value[HP_INUSE_OBJECTS] > 2048.5000 &&
                p->samples[0].value[HP_INUSE_OBJECTS] < 2048.5001);
    assert_true(p->samples[1].value[HP_INUSE_SPACE] > 1212696.643 &&
                p->samples[1].value[HP_INUSE_SPACE] < 1212696.644);
    assert_true(p->samples[2].value[HP_INUSE_SPACE] == 0);
    hp_profile_free(p);
}

static void test_heap_v1_uses_half_rate(void **state)
{
    (void)state;
    /* heap/R: Go pprof's reading (v2 formula, rate R/2); a 0: line must not crash */
    hp_profile *p = parse_ok("heap profile: 1: 256 [1: 256] @ heap/1048576\n"
                             "1: 256 [1: 256] @ 0x10\n"
                             "0: 0 [10: 1000] @ 0x20\n");
    assert_true(p->sampling_rate == 524288);
    assert_true(p->samples[0].value[HP_INUSE_SPACE] > 524416.0 &&
                p->samples[0].value[HP_INUSE_SPACE] < 524417.0);
    assert_true(p->samples[1].value[HP_INUSE_SPACE] == 0);
    hp_profile_free(p);
}

static void test_header_types(void **state)
{
    (void)state;
    hp_profile *p = parse_ok("heap profile: 1: 2 [1: 2] @ growth\n1: 2 [1: 2] @ 0x1\n");
    assert_int_equal(p->kind, HP_KIND_GROWTH);
    assert_int_equal(p->sampling, HP_SAMPLING_NONE);
    hp_profile_free(p);
    p = parse_ok("heap profile: 1: 2 [1: 2]\n1: 2 [1: 2] @ 0x1\n");
    assert_int_equal(p->sampling, HP_SAMPLING_NONE);
    hp_profile_free(p);
    p = parse_ok("heap profile: 1: 2 [1: 2] @ fooprofile\n1: 2 [1: 2] @ 0x1\n");
    assert_int_equal(p->nwarnings, 1);
    assert_string_equal(p->warnings[0],
                        "t.heap:1: warning: unknown profile type 'fooprofile': values are not scaled");
    hp_profile_free(p);
    p = parse_ok("heap profile: 1: 2 [1: 2] @ heap_v2\n1: 2 [1: 2] @ 0x1\n");
    assert_int_equal(p->sampling, HP_SAMPLING_NONE);
    assert_int_equal(p->nwarnings, 1);
    hp_profile_free(p);
}

/* DECISIONS 8: the header's totals are checked against the sample lines */
static void test_header_totals(void **state)
{
    (void)state;
    hp_profile *p = parse_ok("heap profile: 3: 3145728 [4: 4194304] @ heapprofile\n"
                             "1: 1048576 [2: 2097152] @ 0x1\n");
    assert_int_equal(p->nwarnings, 1);
    assert_string_equal(p->warnings[0],
                        "t.heap: warning: sample lines sum to 1.0 MB in use, the header says 3.0 MB: "
                        "2.0 MB (66.7%) missing (truncated file?)");
    hp_profile_free(p);
    p = parse_ok("heap profile: 2: 100 [2: 100] @ heapprofile\n1: 100 [1: 100] @ 0x1\n");
    assert_int_equal(p->nwarnings, 1);
    assert_string_equal(p->warnings[0],
                        "t.heap: warning: sample lines sum to 1 objects in use, the header says 2 objects: "
                        "1 objects (50.0%) missing (truncated file?)");
    hp_profile_free(p);
    /* more than the header: tcmalloc's HEAP_PROFILE_MMAP buckets, accepted */
    p = parse_ok("heap profile: 1: 100 [1: 100] @ heapprofile\n1: 100 [1: 100] @ 0x1\n"
                 "1: 4096 [1: 4096] @ 0x2\n");
    assert_int_equal(p->nwarnings, 0);
    hp_profile_free(p);
    /* sampled: the header is in raw counts, as the lines */
    p = parse_ok("heap profile: 2: 100 [2: 100] @ heap_v2/524288\n1: 50 [1: 50] @ 0x1\n"
                 "1: 50 [1: 50] @ 0x2\n");
    assert_int_equal(p->nwarnings, 0);
    hp_profile_free(p);
}

static void test_percent_commands(void **state)
{
    (void)state;
    hp_profile *p = parse_ok("%warn this profile carries a warning line\n"
                             "heap profile: 1: 2 [1: 2] @ heapprofile\n1: 2 [1: 2] @ 0x1\n");
    assert_int_equal(p->nwarnings, 1);
    assert_string_equal(p->warnings[0], "WARNING: this profile carries a warning line");
    hp_profile_free(p);
}

static void test_maps_odd_lines(void **state)
{
    (void)state;
    hp_profile *p = parse_ok("heap profile: 1: 2 [1: 2] @ heapprofile\n1: 2 [1: 2] @ 0x1\n"
                             "--- Memory map: ---\n"
                             "\n# comment\njunk line\nzzzz-yyyy r-xp 0 00:00 0 /x\n"
                             "1000-2000 r-xp 00000000 00:00 5 /opt/path with spaces/lib.so\n"
                             "3000-4000 r-xp 00001000 00:00 6 /usr/lib/x.so (deleted)\n"
                             "5000-6000 r--p 00000000 00:00 0\n"
                             "7000-8000 r-xp 0000");
    assert_int_equal(p->nmappings, 4);
    assert_string_equal(hp_profile_str(p, p->mappings[1].path), "/opt/path with spaces/lib.so");
    assert_string_equal(hp_profile_str(p, p->mappings[2].path), "/usr/lib/x.so (deleted)");
    assert_string_equal(hp_profile_str(p, p->mappings[3].path), "");
    hp_profile_free(p);
}

/* Perl's ParseLibraries: cooked "start-end: lib.so" lines; pseudo-paths kept */
static void test_maps_old_style(void **state)
{
    (void)state;
    hp_profile *p = parse_ok("heap profile: 1: 2 [1: 2] @ heapprofile\n1: 2 [1: 2] @ 0x1\n"
                             "MAPPED_LIBRARIES:\n"
                             "40000000-40015000: /lib/ld-2.3.2.so\n"
                             "  50000000-50015000:/lib/libc.so.6.1x trailing\n"
                             "60000000-60015000: /bin/prog\n"
                             "7ffe0000-7fff0000 rw-p 00000000 00:00 0 [stack]\n"
                             "7fff1000-7fff2000 r-xp 00000000 00:00 0 [vdso]\n");
    assert_int_equal(p->nmappings, 5);
    assert_string_equal(hp_profile_str(p, p->mappings[1].path), "/lib/ld-2.3.2.so");
    assert_true(p->mappings[1].start == 0x40000000 && p->mappings[1].limit == 0x40015000);
    assert_true(p->mappings[1].offset == 0 && p->mappings[1].perms[2] == 'x');
    assert_string_equal(hp_profile_str(p, p->mappings[2].path), "/lib/libc.so.6.1");
    assert_string_equal(hp_profile_str(p, p->mappings[3].path), "[stack]");
    assert_string_equal(hp_profile_str(p, p->mappings[4].path), "[vdso]");
    hp_profile_free(p);
}

static void test_jemalloc(void **state)
{
    (void)state;
    hp_profile *p = parse_ok("heap_v2/524288\n"
                             "  t*: 3: 1048576 [0: 0]\n"
                             "  t0: 3: 1048576 [0: 0]\n"
                             "@ 0x10 0x20\n"
                             "  t*: 1: 1048576 [0: 0]\n"
                             "  t0: 1: 1048576 [0: 0]\n"
                             "@ 0x30\n"
                             "  t*: 2: 512 [0: 0]\n"
                             "  t3: 1: 256 [0: 0]\n"
                             "  t7: 1: 256 [0: 0]\n"
                             "\nMAPPED_LIBRARIES:\n"
                             "1000-2000 r-xp 00000000 00:00 5 /x\n");
    assert_int_equal(p->kind, HP_KIND_JEMALLOC);
    assert_int_equal(p->nsamples, 2);
    assert_true(p->samples[0].value[HP_INUSE_SPACE] > 1212696 &&
                p->samples[0].value[HP_INUSE_SPACE] < 1212697);
    assert_int_equal(p->nmappings, 2);
    hp_profile_free(p);
}

static void test_symbolized(void **state)
{
    (void)state;
    hp_profile *p = parse_ok("--- symbol\n"
                             "binary=/opt/x/seed\n"
                             "0x0000555555555174 Leak20000Func()<0000000000001159>\n"
                             "0x0000555555555215 main--Inlined(int)\n"
                             "---\n"
                             "heap profile: 1: 2 [3: 4] @ heapprofile\n"
                             "1: 2 [1: 2] @ 0x555555555174 0x555555555215\n");
    assert_string_equal(p->binary, "/opt/x/seed");
    assert_int_equal(p->ngiven, 2);
    assert_int_equal(p->given[1].nnames, 2);
    assert_string_equal(hp_profile_str(p, p->given_names[p->given[1].first_name + 1]),
                        "Inlined(int)");
    hp_profile_free(p);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("", -EBADMSG, "t.heap: empty file, not a heap profile");
    expect_error("heap profle: 1: 2 [3: 4] @ heapprofile\n", -EBADMSG,
                 "t.heap:1: not a heap profile: the first line is not 'heap profile: ...'");
    expect_error("heap profile: abc: 2 [3: 4] @ heapprofile\n", -EBADMSG,
                 "t.heap:1: bad header line");
    expect_error("heap profile: 1: 2 [3: 4] @ heapprofile\nthis is not a stack\n", -EBADMSG,
                 "t.heap:2: bad sample line: expected a count");
    expect_error("heap profile: 1: 2 [3: 4] @ heapprofile\n1: 2 [1: 2] @ 0x1\n  -1: -2 [1: 2] @ 0x1\n",
                 -EBADMSG, "t.heap:3: bad sample line: negative count");
    expect_error("heap profile: 1: 2 [3: 4] @ heapprofile\n1: 2 [1: 2] @ 0x5555zz55\n", -EBADMSG,
                 "t.heap:2: bad address '0x5555zz55'");
    expect_error("heap profile: 1: 2 [3: 4] @ heapprofile\n1: 2 [1: 2] @ 0x1555555555555555174\n",
                 -EOVERFLOW, "t.heap:2: address does not fit in 64 bits '0x1555555555555555174'");
    expect_error("heap profile: 1: 2 [3: 4] @ heapprofile\n1: 99999999999999999999999 [1: 2] @ 0x1\n",
                 -EOVERFLOW, "t.heap:2: byte count does not fit in 63 bits");
    expect_error("heap profile: 1: 2 [3: 4] @ heapprofile\n"
                 "1: 9223372036854775000 [1: 2] @ 0x1\n1: 9223372036854775000 [1: 2] @ 0x2\n",
                 -EOVERFLOW, "t.heap:3: the sum of the sample values overflows 64 bits");
    expect_error("heap profile: 1: 2 [3: 4] @ heapprofile\n1: 2 [1: 2] @ 0x1\n     1:     4096 [     1:     ",
                 -EBADMSG, "t.heap:3: truncated sample line (the file ends inside it)");
    static const char nul[] = "heap profile: 1: 2 [3: 4] @ heapprofile\n1: 2 [1: 2] @ 0x1\0002\n";
    hp_profile *p = NULL;
    hp_error err = {0};
    assert_int_equal(hp_heap_parse("t.heap", nul, sizeof(nul) - 1, &p, &err), -EBADMSG);
    assert_string_equal(err.msg, "t.heap:2: bad address '0x1?2'");
}

static void test_read_file_errors(void **state)
{
    (void)state;
    hp_profile *p = NULL;
    hp_error err = {0};
    assert_int_equal(hp_heap_read_file("/nonexistent/x.heap", &p, &err), -ENOENT);
    assert_string_equal(err.msg, "cannot open '/nonexistent/x.heap': No such file or directory");
    assert_int_equal(hp_heap_read_file("/", &p, &err), -EISDIR);
}

static void test_merge(void **state)
{
    (void)state;
    hp_profile *a = parse_ok("heap profile: 1: 2 [3: 4] @ heapprofile\n"
                             "10: 100 [10: 100] @ 0x1 0x2\n"
                             "5: 50 [5: 50] @ 0x3\n");
    hp_profile *b = parse_ok("heap profile: 1: 2 [3: 4] @ heapprofile\n"
                             "4: 40 [4: 40] @ 0x1 0x2\n"
                             "7: 70 [7: 70] @ 0x4\n");
    assert_int_equal(hp_profile_merge(a, b, -1.0, false), 0);
    assert_int_equal(a->nsamples, 3);
    assert_true(a->samples[0].value[HP_INUSE_SPACE] == 60);
    assert_true(a->samples[2].value[HP_INUSE_SPACE] == -70);
    hp_profile_free(a);
    a = parse_ok("heap profile: 1: 2 [3: 4] @ heapprofile\n"
                 "1: 10 [10: 100] @ 0x1 0x2\n");
    assert_int_equal(hp_profile_merge(a, b, -1.0, true), 0);
    assert_int_equal(a->nsamples, 1); /* base-only stacks are not added */
    assert_true(a->samples[0].value[HP_INUSE_SPACE] == 0);
    assert_true(a->samples[0].value[HP_ALLOC_SPACE] == 60);
    hp_profile_free(a);
    hp_profile_free(b);
}

/* a symbolized profile of one run: names given, object x.so mapped at base */
static hp_profile *run_ok(const char *text)
{
    hp_profile *p = parse_ok(text);
    hp_symbolize_options so = {0};
    hp_error err = {0};
    assert_int_equal(hp_symbolize_profile(p, &so, NULL, &err), 0);
    return p;
}

static const char *loc_name(const hp_profile *p, uint32_t loc)
{
    const hp_location *L = &p->locations[loc];
    return hp_profile_str(p, p->functions[p->lines[L->first_line].function].name);
}

static void test_merge_runs(void **state)
{
    (void)state;
    /* run 1 loads x.so at 0x100000, run 2 at 0x500000 and also maps y.so */
    hp_profile *a = run_ok("--- symbol\nbinary=prog\n"
                           "0x0000000000101000 Alpha\n0x0000000000102000 Beta\n"
                           "0x0000000000103000 Delta\n---\n"
                           "heap profile: 1: 2 [3: 4] @ heapprofile\n"
                           "1: 100 [1: 100] @ 0x101000 0x102000\n"
                           "1: 7 [1: 7] @ 0x103000\n"
                           "MAPPED_LIBRARIES:\n"
                           "00100000-00200000 r-xp 00000000 00:00 1 /lib/x.so\n");
    hp_profile *b = run_ok("--- symbol\nbinary=prog\n"
                           "0x0000000000501000 Alpha\n0x0000000000502000 Beta\n"
                           "0x0000000000503000 Gamma\n0x0000000000900100 Eps\n---\n"
                           "heap profile: 1: 2 [3: 4] @ heapprofile\n"
                           "3: 300 [3: 300] @ 0x501000 0x502000\n"
                           "1: 5 [1: 5] @ 0x503000\n"
                           "1: 9 [1: 9] @ 0x900100 0x502000\n"
                           "MAPPED_LIBRARIES:\n"
                           "00500000-00600000 r-xp 00000000 00:00 1 /lib/x.so\n"
                           "00900000-00a00000 r-xp 00000000 00:00 2 /lib/y.so\n");
    size_t nfunctions = a->nfunctions;
    assert_int_equal(hp_profile_merge_runs(a, b, 1.0, false), 0);
    /* the same stack of both runs is one sample, relocated to run 1's addresses */
    assert_int_equal(a->nsamples, 4);
    assert_true(a->samples[0].value[HP_INUSE_SPACE] == 400);
    assert_int_equal(a->samples[0].depth, 2);
    assert_int_equal(a->locations[a->stack_locs[a->samples[0].stack]].address, 0x101000);
    /* Gamma relocates onto Delta's address but is another frame */
    const hp_sample *g = &a->samples[2];
    uint32_t gl = a->stack_locs[g->stack];
    assert_true(g->value[HP_INUSE_SPACE] == 5);
    assert_int_equal(a->locations[gl].address, 0x103000);
    assert_string_equal(loc_name(a, gl), "Gamma");
    assert_string_equal(loc_name(a, a->stack_locs[a->samples[1].stack]), "Delta");
    /* y.so, only in run 2, is added to the map with its own addresses */
    assert_int_equal(a->nmappings, 3);
    const hp_sample *e = &a->samples[3];
    uint32_t el = a->stack_locs[e->stack];
    assert_int_equal(a->locations[el].address, 0x900100);
    assert_string_equal(hp_profile_str(a, a->mappings[a->locations[el].mapping].path),
                        "/lib/y.so");
    assert_int_equal(a->stack_locs[e->stack + 1], a->stack_locs[a->samples[0].stack + 1]);
    /* functions are shared by name: Gamma and Eps are new */
    assert_int_equal(a->nfunctions, nfunctions + 2);
    /* subtracting run 2 again leaves run 1 */
    assert_int_equal(hp_profile_merge_runs(a, b, -1.0, false), 0);
    assert_true(a->samples[0].value[HP_INUSE_SPACE] == 100);
    assert_true(a->samples[2].value[HP_INUSE_SPACE] == 0);
    hp_profile_free(a);
    hp_profile_free(b);
}

static void test_out_of_memory(void **state)
{
    (void)state;
    /* every allocation failure is reported as -ENOMEM, never a crash */
    for (long n = 0; n < 200; n++) {
        hp_profile *p = NULL;
        hp_error err = {0};
        hp_alloc_fail_after(n);
        int r = hp_heap_parse("t.heap", seed, strlen(seed), &p, &err);
        hp_alloc_fail_after(-1);
        if (r == 0) {
            hp_profile_free(p);
            break;
        }
        assert_int_equal(r, -ENOMEM);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed),
        cmocka_unit_test(test_crlf_and_duplicates),
        cmocka_unit_test(test_odd_whitespace_and_bare_hex),
        cmocka_unit_test(test_zero_frame_stack),
        cmocka_unit_test(test_v2_sampling),
        cmocka_unit_test(test_heap_v1_uses_half_rate),
        cmocka_unit_test(test_header_types),
        cmocka_unit_test(test_percent_commands),
        cmocka_unit_test(test_header_totals),
        cmocka_unit_test(test_maps_old_style),
        cmocka_unit_test(test_maps_odd_lines),
        cmocka_unit_test(test_jemalloc),
        cmocka_unit_test(test_symbolized),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_read_file_errors),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_merge_runs),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests_name("heap_parse", tests, NULL, NULL);
}
