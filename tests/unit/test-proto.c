/*
 * test-proto.c - unit tests of profile.proto support: the wire encoder and
 * the bounded reader, a profile written and read back (values, stacks,
 * inline chains, mappings, names), detection, gzip, hostile input (every
 * prefix and every corrupted byte of a valid message), one-line errors,
 * out-of-memory handling, and the drop_frames expression against cpprof's
 * allocator list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "hp_common.h"
#include "hp_heap.h"
#include "hp_names.h"
#include "hp_proto.h"
#include "hp_proto_wire.h"

#include <regex.h>
#include <zlib.h>

static const char seed[] =
    "heap profile:    101:    24096 [   111:    25096] @ heapprofile\n"
    "   100:    20000 [   100:    20000] @ 0x555555555174 0x555555555216 0x7ffff7a4524a\n"
    "     1:     4096 [     1:     4096] @ 0x7ffff7a938cc 0x555555555216\n"
    "     0:        0 [    10:     1000] @ 0x5555555551cd 0x55555555521b 0x7ffff7a4524a\n"
    "\n"
    "MAPPED_LIBRARIES:\n"
    "555555554000-555555555000 r--p 00000000 00:00 1 /bin/seed\n"
    "555555555000-555555556000 r-xp 00001000 00:00 1 /bin/seed\n"
    "7ffff7a44000-7ffff7b9a000 r-xp 00026000 00:00 2 /lib/libc.so.6\n";

/* ---- wire format ------------------------------------------------------- */

static void test_varint(void **state)
{
    (void)state;
    static const uint64_t values[] = {
        0, 1, 127, 128, 300, 16383, 16384, UINT32_MAX, (uint64_t)1 << 63, UINT64_MAX};
    static const size_t sizes[] = {1, 1, 1, 2, 2, 2, 3, 5, 10, 10};
    for (size_t i = 0; i < HP_ARRAY_SIZE(values); i++) {
        hp_buf b = HP_BUF_INIT;
        hp_pbw_varint(&b, values[i]);
        assert_true(hp_buf_ok(&b));
        assert_int_equal(b.len, sizes[i]);
        hp_pbr r = hp_pbr_make(b.buf, b.len);
        uint64_t v = 0;
        assert_int_equal(hp_pbr_varint(&r, &v), 0);
        assert_true(v == values[i]);
        assert_ptr_equal(r.p, r.end);
        /* every truncation fails and leaves the cursor alone */
        for (size_t n = 0; n < b.len; n++) {
            hp_pbr t = hp_pbr_make(b.buf, n);
            assert_int_equal(hp_pbr_varint(&t, &v), -EBADMSG);
            assert_ptr_equal(t.p, (const uint8_t *)b.buf);
        }
        hp_buf_release(&b);
    }
    /* more than 64 bits */
    static const uint8_t big[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    static const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0};
    uint64_t v;
    hp_pbr r = hp_pbr_make(big, sizeof(big));
    assert_int_equal(hp_pbr_varint(&r, &v), -EBADMSG);
    r = hp_pbr_make(eleven, sizeof(eleven));
    assert_int_equal(hp_pbr_varint(&r, &v), -EBADMSG);
}

static int collect_value(uint64_t v, void *arg)
{
    hp_buf *b = arg;
    hp_buf_addf(b, "%llu,", (unsigned long long)v);
    return 0;
}

static void test_fields(void **state)
{
    (void)state;
    hp_buf b = HP_BUF_INIT, packed = HP_BUF_INIT;
    hp_pbw_uint(&b, 1, 0); /* omitted */
    hp_pbw_uint(&b, 2, 150);
    hp_pbw_int(&b, 3, -2);
    hp_pbw_bytes(&b, 4, "abc", 3);
    hp_pbw_varint(&packed, 1);
    hp_pbw_varint(&packed, 300);
    hp_pbw_bytes(&b, 5, packed.buf, packed.len);
    assert_true(hp_buf_ok(&b));
    static const uint8_t want[] = {0x10, 0x96, 0x01, 0x18, 0xfe, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x22, 3,
                                   'a',  'b',  'c',  0x2a, 3,    0x01, 0xac, 0x02};
    assert_int_equal(b.len, sizeof(want));
    assert_memory_equal(b.buf, want, sizeof(want));

    hp_pbr r = hp_pbr_make(b.buf, b.len);
    hp_pbfield f;
    assert_int_equal(hp_pbr_next(&r, &f), 1);
    assert_int_equal(f.number, 2);
    assert_int_equal(f.value, 150);
    assert_int_equal(hp_pbr_next(&r, &f), 1);
    assert_int_equal((int64_t)f.value, -2);
    assert_int_equal(hp_pbr_next(&r, &f), 1);
    assert_int_equal(f.wire, HP_PB_LEN);
    assert_int_equal(f.len, 3);
    assert_memory_equal(f.data, "abc", 3);
    assert_int_equal(hp_pbr_next(&r, &f), 1);
    hp_buf out = HP_BUF_INIT;
    assert_int_equal(hp_pbr_repeated(&f, collect_value, &out), 0);
    assert_string_equal(out.buf, "1,300,");
    assert_int_equal(hp_pbr_next(&r, &f), 0);
    hp_buf_release(&out);

    /* a varint field is a one-element repeated field */
    hp_pbfield one = {.number = 1, .wire = HP_PB_VARINT, .value = 7};
    out = (hp_buf)HP_BUF_INIT;
    assert_int_equal(hp_pbr_repeated(&one, collect_value, &out), 0);
    assert_string_equal(out.buf, "7,");
    hp_buf_release(&out);

    /* fixed fields are little-endian */
    static const uint8_t fixed[] = {0x09, 1, 2, 3, 4, 5, 6, 7, 8, 0x15, 1, 0, 0, 0x80};
    r = hp_pbr_make(fixed, sizeof(fixed));
    assert_int_equal(hp_pbr_next(&r, &f), 1);
    assert_true(f.value == 0x0807060504030201ull);
    assert_int_equal(hp_pbr_next(&r, &f), 1);
    assert_true(f.value == 0x80000001ull);

    /* field 0, groups, lengths past the end, truncated fixed fields */
    static const uint8_t bad[][4] = {{0x00, 0x01}, {0x0b, 0x00}, {0x0a, 0x05, 'a'}, {0x0d, 1, 2}};
    static const size_t bad_len[] = {2, 2, 3, 3};
    for (size_t i = 0; i < HP_ARRAY_SIZE(bad); i++) {
        r = hp_pbr_make(bad[i], bad_len[i]);
        assert_int_equal(hp_pbr_next(&r, &f), -EBADMSG);
    }
    hp_buf_release(&b);
    hp_buf_release(&packed);
}

/* ---- a profile written and read back ----------------------------------- */

static uint32_t add_function(hp_profile *p, const char *full, const char *short_name)
{
    assert_true(HP_GROW(p->functions, p->functions_alloc, p->nfunctions + 1) == 0);
    p->functions[p->nfunctions] = (hp_function){
        .name = (uint32_t)hp_profile_intern(p, full),
        .short_name = (uint32_t)hp_profile_intern(p, short_name),
    };
    return (uint32_t)p->nfunctions++;
}

static void add_line(hp_profile *p, uint32_t fn, const char *file, uint32_t line)
{
    char fl[256];
    snprintf(fl, sizeof(fl), "%s:%u", file ? file : "??", file ? line : 0);
    assert_true(HP_GROW(p->lines, p->lines_alloc, p->nlines + 1) == 0);
    p->lines[p->nlines++] = (hp_line){
        .function = fn,
        .file = file ? (uint32_t)hp_profile_intern(p, file) : 0,
        .line = file ? line : 0,
        .fileline = (uint32_t)hp_profile_intern(p, fl),
    };
}

/* The seed profile, "symbolized" by hand: an inline chain, an unnamed level,
 * a location left unsymbolized, and two same-named functions in two files. */
static hp_profile *symbolized_seed(void)
{
    hp_profile *p = NULL;
    hp_error err = {0};
    assert_int_equal(hp_heap_parse("t.heap", seed, strlen(seed), &p, &err), 0);
    uint32_t leak = add_function(p, "Leak(int)<0000000000001149>", "Leak");
    uint32_t helper = add_function(p, "Helper()", "Helper");
    uint32_t main_fn = add_function(p, "main", "main");
    uint32_t start = add_function(p, "__libc_start_main", "__libc_start_main");
    for (size_t i = 1; i < p->nlocations; i++) {
        hp_location *L = &p->locations[i];
        L->first_line = (uint32_t)p->nlines;
        L->mapping = hp_profile_mapping_of(p, L->address - 1);
        switch (L->address) {
        case 0x555555555174: /* Helper inlined into Leak */
            add_line(p, helper, "helper.h", 3);
            add_line(p, leak, "seed.cc", 8);
            break;
        case 0x555555555216:
        case 0x55555555521b:
            add_line(p, main_fn, "seed.cc", L->address == 0x555555555216 ? 24 : 25);
            break;
        case 0x7ffff7a4524a:
            add_line(p, start, NULL, 0);
            break;
        case 0x5555555551cd: /* a level DWARF could not name, under Helper of another file */
            add_line(p, 0, NULL, 0);
            add_line(p, helper, "other.cc", 16);
            break;
        default: /* 0x7ffff7a938cc: left unsymbolized */
            continue;
        }
        L->nlines = (uint32_t)(p->nlines - L->first_line);
        L->state = HP_LOC_SYMBOLIZED;
    }
    return p;
}

static const char *level(const hp_profile *p, const hp_location *L, uint32_t i, char *buf,
                         size_t size)
{
    const hp_line *l = &p->lines[L->first_line + i];
    snprintf(buf, size, "%s|%s|%s|%s",
             l->function ? hp_profile_str(p, p->functions[l->function].name) : "-",
             l->function ? hp_profile_str(p, p->functions[l->function].short_name) : "-",
             hp_profile_str(p, l->file), hp_profile_str(p, l->fileline));
    return buf;
}

/* Same samples, stacks, values, lines and mappings. */
static void assert_same_profile(const hp_profile *a, const hp_profile *b)
{
    assert_int_equal(a->nsamples, b->nsamples);
    for (size_t i = 0; i < a->nsamples; i++) {
        const hp_sample *sa = &a->samples[i], *sb = &b->samples[i];
        assert_int_equal(sa->depth, sb->depth);
        for (int v = 0; v < HP_NVALUES; v++)
            assert_true(sa->value[v] == sb->value[v]);
        for (uint32_t d = 0; d < sa->depth; d++) {
            const hp_location *La = &a->locations[a->stack_locs[sa->stack + d]];
            const hp_location *Lb = &b->locations[b->stack_locs[sb->stack + d]];
            assert_true(La->address == Lb->address);
            assert_int_equal(La->state, Lb->state);
            assert_int_equal(La->nlines, Lb->nlines);
            for (uint32_t k = 0; k < La->nlines; k++) {
                char x[512], y[512];
                assert_string_equal(level(a, La, k, x, sizeof(x)), level(b, Lb, k, y, sizeof(y)));
            }
            const hp_mapping *Ma = &a->mappings[La->mapping], *Mb = &b->mappings[Lb->mapping];
            assert_true(Ma->start == Mb->start && Ma->limit == Mb->limit &&
                        Ma->offset == Mb->offset);
            assert_string_equal(hp_profile_str(a, Ma->path), hp_profile_str(b, Mb->path));
        }
    }
}

static void encode(const hp_profile *p, const uint8_t *skip, uint8_t **data, size_t *len)
{
    assert_int_equal(hp_proto_encode(p, skip, data, len), 0);
}

static void test_roundtrip(void **state)
{
    (void)state;
    hp_profile *p = symbolized_seed();
    uint8_t *data = NULL, *again = NULL;
    size_t len = 0, again_len = 0;
    encode(p, NULL, &data, &len);
    assert_true(hp_proto_detect(data, len));
    hp_profile *q = NULL;
    hp_error err = {0};
    int r = hp_proto_parse("t.pb", data, len, &q, &err);
    if (r < 0)
        fail_msg("%s", err.msg);
    assert_same_profile(p, q);
    assert_int_equal(q->nrecords, 3);
    assert_true(q->header[HP_INUSE_SPACE] == 24096 && q->header[HP_ALLOC_OBJECTS] == 111);
    /* the unsymbolized location stays so, in its mapping, for the symbolizer */
    int64_t loc = hp_profile_location(q, 0x7ffff7a938cc);
    assert_int_equal(q->locations[loc].state, HP_LOC_UNSYMBOLIZED);
    assert_string_equal(hp_profile_str(q, q->mappings[q->locations[loc].mapping].path),
                        "/lib/libc.so.6");
    /* deterministic, and a fixed point */
    encode(q, NULL, &again, &again_len);
    assert_int_equal(len, again_len);
    assert_memory_equal(data, again, len);
    free(again);

    /* skipped samples and what only they use are left out */
    uint8_t skip[3] = {0, 1, 1};
    free(data);
    encode(p, skip, &data, &len);
    hp_profile_free(q);
    q = NULL;
    assert_int_equal(hp_proto_parse("t.pb", data, len, &q, &err), 0);
    assert_int_equal(q->nsamples, 1);
    assert_int_equal(q->nlocations, 4); /* sentinel + three frames */
    assert_int_equal(q->nmappings, 3);  /* sentinel + both executable mappings */
    hp_profile_free(q);
    free(data);
    hp_profile_free(p);
}

static void test_gzip(void **state)
{
    (void)state;
    hp_profile *p = symbolized_seed();
    uint8_t *data = NULL, *gz = NULL, *gz2 = NULL;
    size_t len = 0, gz_len = 0, gz2_len = 0;
    encode(p, NULL, &data, &len);
    assert_int_equal(hp_proto_gzip(data, len, &gz, &gz_len), 0);
    assert_int_equal(hp_proto_gzip(data, len, &gz2, &gz2_len), 0);
    assert_true(gz_len > 18 && gz[0] == 0x1f && gz[1] == 0x8b);
    assert_int_equal(gz[4] | gz[5] | gz[6] | gz[7], 0); /* mtime 0 */
    assert_int_equal(gz_len, gz2_len);
    assert_memory_equal(gz, gz2, gz_len);
    z_stream zs = {0};
    assert_int_equal(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
    uint8_t *plain = malloc(len + 16);
    zs.next_in = gz;
    zs.avail_in = (uInt)gz_len;
    zs.next_out = plain;
    zs.avail_out = (uInt)len + 16;
    assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
    assert_int_equal(zs.total_out, len);
    assert_memory_equal(plain, data, len);
    inflateEnd(&zs);
    free(plain);
    free(gz);
    free(gz2);
    free(data);
    hp_profile_free(p);
}

static void test_detect(void **state)
{
    (void)state;
    static const char *const text[] = {
        "",
        "heap profile:    1:  2 [ 1: 2] @ heapprofile\n",
        "heap_v2/524288\n",
        "%warn x\n",
        "--- symbol\n",
        "\n\n",
        "hello",
        "\n\nheap",
        "\x01\x02\x03",
    };
    for (size_t i = 0; i < HP_ARRAY_SIZE(text); i++)
        assert_false(hp_proto_detect(text[i], strlen(text[i])));
    /* a minimal message: the empty string table entry */
    assert_true(hp_proto_detect("\x32\x00", 2));
    /* damaged messages go to the protobuf reader for a meaningful error */
    assert_true(hp_proto_detect("\x0a\x05"
                                "ab",
                                4));
    assert_true(hp_proto_detect("\x0a\x04\x08", 3));
    assert_false(hp_proto_detect("\x0a", 1));
}

#define BYTES(s) s, sizeof(s) - 1

static int parse_error(const void *data, size_t len, hp_error *err)
{
    hp_profile *p = NULL;
    int r = hp_proto_parse("t.pb", data, len, &p, err);
    if (r == 0)
        hp_profile_free(p);
    else
        assert_null(p);
    return r;
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *data;
        size_t len;
        int code;
        const char *msg;
    } cases[] = {
        {BYTES(""), -EBADMSG, "t.pb: profile.proto: the string table does not start with \"\""},
        {BYTES("\x32\x01x"), -EBADMSG,
         "t.pb: profile.proto: the string table does not start with \"\""},
        {BYTES("\x32\x05x"), -EBADMSG, "t.pb: corrupt profile.proto (truncated or bad field)"},
        {BYTES("\x0a\x02\x08\x01\x32\x00"), -EBADMSG,
         "t.pb: profile.proto: a sample type names string 1 of 1"},
        /* a CPU profile: samples/count, cpu/nanoseconds */
        {BYTES("\x0a\x04\x08\x01\x10\x02\x0a\x04\x08\x03\x10\x04\x32\x00\x32\x07samples\x32\x05"
               "count\x32\x03"
               "cpu\x32\x0bnanoseconds"),
         -ENOTSUP, "t.pb: not a heap profile (sample types: samples/count, cpu/nanoseconds)"},
        /* inuse_space, then a sample with two values and one with a missing location */
        {BYTES("\x0a\x04\x08\x01\x10\x02\x32\x00\x32\x0binuse_space\x32\x05"
               "bytes"
               "\x12\x04\x12\x02\x01\x02"),
         -EBADMSG, "t.pb: profile.proto: a sample has 2 values for 1 sample types"},
        {BYTES("\x0a\x04\x08\x01\x10\x02\x32\x00\x32\x0binuse_space\x32\x05"
               "bytes"
               "\x12\x05\x08\x07\x12\x01\x01"),
         -EBADMSG, "t.pb: profile.proto: a sample refers to location 7, which does not exist"},
        /* a location in a mapping that does not exist; a line of a missing function */
        {BYTES("\x0a\x04\x08\x01\x10\x02\x32\x00\x32\x0binuse_space\x32\x05"
               "bytes"
               "\x22\x04\x08\x01\x10\x09"),
         -EBADMSG, "t.pb: profile.proto: location 1 refers to mapping 9, which does not exist"},
        {BYTES("\x0a\x04\x08\x01\x10\x02\x32\x00\x32\x0binuse_space\x32\x05"
               "bytes"
               "\x22\x06\x08\x01\x22\x02\x08\x05"),
         -EBADMSG, "t.pb: profile.proto: a line refers to function 5, which does not exist"},
        {BYTES("\x0a\x04\x08\x01\x10\x02\x32\x00\x32\x0binuse_space\x32\x05"
               "bytes"
               "\x22\x02\x08\x01\x22\x02\x08\x01"),
         -EBADMSG, "t.pb: profile.proto: two locations with id 1"},
    };
    for (size_t i = 0; i < HP_ARRAY_SIZE(cases); i++) {
        hp_error err = {0};
        assert_int_equal(parse_error(cases[i].data, cases[i].len, &err), cases[i].code);
        assert_string_equal(err.msg, cases[i].msg);
    }
}

/* Every prefix and every single-byte corruption of a valid message parses or
 * fails cleanly (the sanitizer build checks the "cleanly"). */
static void test_hostile(void **state)
{
    (void)state;
    hp_profile *p = symbolized_seed();
    uint8_t *data = NULL;
    size_t len = 0;
    encode(p, NULL, &data, &len);
    for (size_t n = 0; n < len; n++) {
        hp_error err = {0};
        int r = parse_error(data, n, &err);
        assert_true(r == 0 || r == -EBADMSG || r == -ENOTSUP);
        assert_true(r == 0 || (err.msg[0] && !strchr(err.msg, '\n')));
    }
    uint8_t *copy = malloc(len);
    memcpy(copy, data, len);
    for (size_t i = 0; i < len; i++) {
        /* inverted: a varint's last byte continues, lengths and ids grow */
        copy[i] = (uint8_t)~data[i];
        hp_error err = {0};
        int r = parse_error(copy, len, &err);
        assert_true(r == 0 || r == -EBADMSG || r == -ENOTSUP);
        copy[i] = data[i];
    }
    free(copy);
    free(data);
    hp_profile_free(p);
}

static void test_out_of_memory(void **state)
{
    (void)state;
    hp_profile *p = symbolized_seed();
    uint8_t *data = NULL;
    size_t len = 0;
    for (long n = 0;; n++) {
        hp_alloc_fail_after(n);
        int r = hp_proto_encode(p, NULL, &data, &len);
        hp_alloc_fail_after(-1);
        if (r == 0)
            break;
        assert_int_equal(r, -ENOMEM);
    }
    for (long n = 0;; n++) {
        hp_profile *q = NULL;
        hp_error err = {0};
        hp_alloc_fail_after(n);
        int r = hp_proto_parse("t.pb", data, len, &q, &err);
        hp_alloc_fail_after(-1);
        if (r == 0) {
            hp_profile_free(q);
            break;
        }
        assert_int_equal(r, -ENOMEM);
        assert_null(q);
    }
    free(data);
    hp_profile_free(p);
}

/* Go pprof prunes with ^(drop_frames)$: the expression names exactly the
 * frames cpprof drops. */
static void test_drop_frames(void **state)
{
    (void)state;
    char *re_text = NULL;
    assert_true(asprintf(&re_text, "^(%s)$", hp_proto_drop_frames) > 0);
    regex_t re;
    assert_int_equal(regcomp(&re, re_text, REG_EXTENDED | REG_NOSUB), 0);
    static const char *const names[] = {
        "malloc",
        "_malloc",
        "calloc",
        "realloc",
        "free",
        "posix_memalign",
        "operator new",
        "operator new[]",
        "tc_newarray_nothrow",
        "::do_malloc_or_cpp_alloc",
        "simple_alloc::allocate",
        "tcmalloc::allocate_full_malloc_oom",
        "XTCMallocY",
        "__start_google_malloc",
        "__builtin_vec_new",
        "DoSampledAllocation",
        "_tc_delete",
        /* not allocators */
        "main",
        "mallocx",
        "my_malloc",
        "operator delete",
        "operator new[]x",
        "Leak",
        "__malloc",
        "std::allocator::allocate",
        "xcalloc",
        "tcmalloc",
        "",
    };
    for (size_t i = 0; i < HP_ARRAY_SIZE(names); i++) {
        bool go = regexec(&re, names[i], 0, NULL, 0) == 0;
        if (go != hp_is_allocator_frame(names[i]))
            fail_msg("'%s': drop_frames %d, cpprof %d", names[i], go,
                     hp_is_allocator_frame(names[i]));
    }
    regfree(&re);
    free(re_text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varint),      cmocka_unit_test(test_fields),
        cmocka_unit_test(test_roundtrip),   cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_detect),      cmocka_unit_test(test_errors),
        cmocka_unit_test(test_hostile),     cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_drop_frames),
    };
    return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
