/*
 * test-symbolizer.c - cmocka tests of the symbolizer against the fixtures of
 * testdata/bin (built by scripts/make-fixtures.sh from testdata/bin/src):
 * names, files, lines and inline chains from DWARF 4 and 5, PIE / non-PIE /
 * shared-library address translation, .gnu_debuglink and build-id debug
 * files, build-id and CRC mismatches, dwz supplementary files, .dynsym
 * fallback, file search by name and by build-id, corrupt input, demangling,
 * debuginfod without servers, scope names completed only when looked up,
 * zlib and zstd compressed debug sections (a corrupt one included).
 * Usage: test-symbolizer TESTDATA_DIR
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "hp_common.h"

#include <sys/mman.h>
#include <unistd.h>

#include <fcntl.h>

#include "hp_buf.h"
#include "hp_demangle.h"
#include "hp_strtab.h"
#include "hp_symbolizer.h"
#include "symbolizer-internal.h"

static const char *testdata;
static char path_buf[4][1024];

/* testdata/<rel>; four rotating buffers so a test can hold several paths */
static const char *td(const char *rel)
{
    static int k;
    char *p = path_buf[k++ & 3];
    snprintf(p, sizeof(path_buf[0]), "%s/%s", testdata, rel);
    return p;
}

static hp_symbolizer *new_session(const char *debug_root, const char *search_path)
{
    hp_symbolizer_config cfg = {.debug_root = debug_root, .search_path = search_path};
    hp_symbolizer *s = NULL;
    hp_error err = {0};
    assert_int_equal(hp_symbolizer_new(&cfg, &s, &err), 0);
    return s;
}

static hp_symobj *open_obj(hp_symbolizer *s, const char *rel)
{
    hp_symobj *o = NULL;
    hp_error err = {0};
    int r = hp_symbolizer_open(s, td(rel), NULL, &o, &err);
    if (r < 0)
        fail_msg("open %s: %s", rel, err.msg);
    return o;
}

/* Start address of the function symbol whose demangled name starts with prefix. */
static uint64_t fn_start(hp_symobj *o, const char *prefix)
{
    const uint64_t *starts;
    const char *const *names;
    size_t n = hp_symobj_functions(o, &starts, &names);
    for (size_t i = 0; i < n; i++)
        if (!strncmp(names[i], prefix, strlen(prefix)))
            return starts[i];
    fail_msg("no function '%s'", prefix);
    return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = s ? strlen(s) : 0, b = strlen(suffix);
    return s && a >= b && !strcmp(s + a - b, suffix);
}

static hp_sym_result res;

/* One non-inlined frame: function, file basename, line. */
static void expect_frame(hp_symobj *o, uint64_t addr, const char *fn, const char *file,
                         uint32_t line)
{
    assert_int_equal(hp_symobj_lookup_obj(o, addr, &res), 0);
    assert_int_equal(res.obj_addr, addr);
    assert_true(res.nframes >= 1);
    const hp_sym_frame *f = &res.frames[res.nframes - 1];
    assert_non_null(f->function);
    assert_string_equal(f->function, fn);
    if (!ends_with(f->file, file))
        fail_msg("file '%s', expected '%s'", f->file ? f->file : "(null)", file);
    if (line)
        assert_int_equal(f->line, line);
}

/* ---- DWARF ---------------------------------------------------------------- */

static void test_c_O0_pie(void **state)
{
    (void)state;
    hp_symbolizer *s = new_session("/nonexistent", NULL);
    hp_symobj *o = open_obj(s, "bin/fx-O0");
    assert_true(hp_symobj_is_dyn(o));
    assert_true(hp_symobj_has_symbols(o));
    assert_null(hp_symobj_debug_path(o));
    uint64_t leaf = fn_start(o, "fx_leaf");
    expect_frame(o, leaf, "fx_leaf", "/fixtures/src/fx.c", 6);
    assert_int_equal(res.nframes, 1);
    assert_string_equal(res.frames[0].file, "/fixtures/src/fx.c");
    assert_string_equal(res.symbol, "fx_leaf");
    assert_string_equal(res.symbol_raw, "fx_leaf");
    assert_int_equal(res.symbol_start, leaf);
    assert_true(hp_symobj_has_dwarf(o));
    assert_null(hp_symobj_warning(o));
    /* static function and main */
    expect_frame(o, fn_start(o, "fx_static") + 4, "fx_static", "fx.c", 0);
    expect_frame(o, fn_start(o, "main") + 1, "main", "fx.c", 27);
    /* far outside any function */
    assert_int_equal(hp_symobj_lookup_obj(o, 0x7fffffff0000ull, &res), 0);
    assert_int_equal(res.nframes, 0);
    assert_null(res.symbol);
    hp_symbolizer_free(s);
}

/* fx_inner (fx.c:12) is inlined into fx_outer at fx.c:17 */
static void check_inline_chain(const char *rel)
{
    hp_symbolizer *s = new_session("/nonexistent", NULL);
    hp_symobj *o = open_obj(s, rel);
    uint64_t outer = fn_start(o, "fx_outer");
    bool seen = false;
    for (uint64_t a = outer; a < outer + 16 && !seen; a++) {
        assert_int_equal(hp_symobj_lookup_obj(o, a, &res), 0);
        if (res.nframes != 2)
            continue;
        seen = true;
        assert_string_equal(res.frames[0].function, "fx_inner");
        assert_true(ends_with(res.frames[0].file, "fx.c"));
        assert_int_equal(res.frames[0].line, 12);
        assert_string_equal(res.frames[1].function, "fx_outer");
        assert_true(ends_with(res.frames[1].file, "fx.c"));
        assert_int_equal(res.frames[1].line, 17);
        assert_string_equal(res.symbol, "fx_outer");
    }
    assert_true(seen);
    hp_symbolizer_free(s);
}

static void test_inline_O2_nopie(void **state)
{
    (void)state;
    check_inline_chain("bin/fx-O2-nopie");
    hp_symbolizer *s = new_session("/nonexistent", NULL);
    hp_symobj *o = open_obj(s, "bin/fx-O2-nopie");
    assert_false(hp_symobj_is_dyn(o));
    /* non-PIE: runtime address == link address through the mapping formula */
    uint64_t leaf = fn_start(o, "fx_leaf");
    assert_int_equal(hp_symobj_lookup(o, 0x401000, 0x1000, leaf + 2, &res), 0);
    assert_int_equal(res.obj_addr, leaf + 2);
    assert_string_equal(res.frames[res.nframes - 1].function, "fx_leaf");
    hp_symbolizer_free(s);
}

static void test_inline_dwarf4(void **state)
{
    (void)state;
    check_inline_chain("bin/fx-dwarf4");
}

static void test_cxx_names(void **state)
{
    (void)state;
    hp_symbolizer *s = new_session("/nonexistent", NULL);
    hp_symobj *o = open_obj(s, "bin/fxx-O2");
    expect_frame(o, fn_start(o, "fxns::Box<double>::Make") + 1,
                 "fxns::Box<double>::Make(unsigned long)", "fxx.cc", 0);
    assert_string_equal(res.symbol_raw, "_ZN4fxns3BoxIdE4MakeEm");
    assert_string_equal(res.symbol, "fxns::Box<double>::Make(unsigned long)");
    /* static function without DW_AT_linkage_name: named like addr2line does */
    expect_frame(o, fn_start(o, "fxns::Helper") + 1, "fxns::Helper(unsigned long)", "fxx.cc", 0);
    expect_frame(o, fn_start(o, "(anonymous namespace)::AnonFn") + 1,
                 "(anonymous namespace)::AnonFn(unsigned long)", "fxx.cc", 0);
    expect_frame(o, fn_start(o, "main") + 1, "main", "fxx.cc", 0);
    hp_symbolizer_free(s);
}

static void test_shared_library_mapping(void **state)
{
    (void)state;
    hp_symbolizer *s = new_session("/nonexistent", NULL);
    hp_symobj *o = open_obj(s, "bin/libfx.so");
    uint64_t fn = fn_start(o, "fxlib_alloc");
    /* text segment: file offset 0x1000 at vaddr 0x1000, mapped at 0x7f0000041000 */
    uint64_t map_start = 0x7f0000041000ull, off = 0x1000;
    assert_int_equal(hp_symobj_lookup(o, map_start, off, map_start + (fn - 0x1000) + 3, &res), 0);
    assert_int_equal(res.obj_addr, fn + 3);
    assert_string_equal(res.frames[res.nframes - 1].function, "fxlib_alloc");
    assert_true(ends_with(res.frames[res.nframes - 1].file, "libfx.c"));
    hp_symbolizer_free(s);
}

/* Name hook of test_lazy_names: counts its calls, renames the scope. */
static void count_plain(void *arg, hp_dw_scope *sc)
{
    ++*(int *)arg;
    sc->name = "plain-hooked";
}

/* Scopes of the decoded CUs of d whose name is not complete yet. */
static size_t pending_names(const hp_dwarf_info *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->ncus; i++)
        for (size_t k = 0; d->cus[i].state == HP_DW_CU_DONE && k < d->cus[i].nscopes; k++)
            n += d->cus[i].scopes[k].mangled || d->cus[i].scopes[k].plain;
    return n;
}

/* A CU's scope names are completed (demangled, given to the plain-name hook)
 * on their first lookup only, once. */
static void test_lazy_names(void **state)
{
    (void)state;
    hp_symbolizer *s = new_session("/nonexistent", NULL);
    hp_symobj *o = open_obj(s, "bin/fxx-O2");
    uint64_t make = fn_start(o, "fxns::Box<double>::Make"), main_fn = fn_start(o, "main");
    hp_strtab *strs = hp_strtab_new();
    int fd = open(td("bin/fxx-O2"), O_RDONLY | O_CLOEXEC), calls = 0;
    assert_non_null(strs);
    assert_true(fd >= 0);
    hp_dwarf_info d;
    hp_error err = {0};
    assert_int_equal(hp_dwarf_load(fd, NULL, strs, count_plain, NULL, &calls, &d, &err), 0);
    hp_sym_frame fr[8];
    assert_int_equal(hp_dwarf_lookup(&d, make + 1, fr, 8), 1);
    assert_string_equal(fr[0].function, "fxns::Box<double>::Make(unsigned long)");
    size_t pending = pending_names(&d);
    assert_true(pending >= 2); /* at least main (plain) and Helper (plain) */
    assert_int_equal(calls, 0);
    assert_int_equal(hp_dwarf_lookup(&d, main_fn + 1, fr, 8), 1);
    assert_string_equal(fr[0].function, "plain-hooked");
    assert_int_equal(calls, 1);
    assert_int_equal(pending_names(&d), pending - 1);
    /* second lookups: the completed names, no second hook call */
    assert_int_equal(hp_dwarf_lookup(&d, main_fn + 2, fr, 8), 1);
    assert_string_equal(fr[0].function, "plain-hooked");
    assert_int_equal(hp_dwarf_lookup(&d, make + 2, fr, 8), 1);
    assert_string_equal(fr[0].function, "fxns::Box<double>::Make(unsigned long)");
    assert_int_equal(calls, 1);
    hp_dwarf_release(&d);
    close(fd);
    hp_strtab_free(strs);
    hp_symbolizer_free(s);
}

/* ---- separate debug files, stripped objects -------------------------------- */

static void test_debuglink(void **state)
{
    (void)state;
    hp_symbolizer *s = new_session("/nonexistent", NULL);
    hp_symobj *o = open_obj(s, "bin/fx-split");
    assert_non_null(hp_symobj_debug_path(o));
    assert_true(ends_with(hp_symobj_debug_path(o), "bin/fx-split.debug"));
    expect_frame(o, fn_start(o, "fx_leaf"), "fx_leaf", "/fixtures/src/fx.c", 0);
    assert_true(hp_symobj_has_dwarf(o));
    hp_symbolizer_free(s);
}

static void test_build_id_sysroot(void **state)
{
    (void)state;
    hp_symbolizer *s = new_session(td("sysroot"), NULL);
    hp_symobj *o = open_obj(s, "bin/fx-buildid");
    assert_string_equal(hp_symobj_build_id(o), "feedfacecafef00d0123456789abcdef01234567");
    assert_non_null(hp_symobj_debug_path(o));
    assert_non_null(strstr(hp_symobj_debug_path(o), "/.build-id/fe/edfacecafef00d"));
    check_inline_chain("bin/fx-O2-nopie");
    expect_frame(o, fn_start(o, "fx_outer"), "fx_outer", "fx.c", 0);
    hp_symbolizer_free(s);

    /* without the sysroot: no debug info, and no function symbols either */
    s = new_session("/nonexistent", NULL);
    o = open_obj(s, "bin/fx-buildid");
    assert_null(hp_symobj_debug_path(o));
    assert_false(hp_symobj_has_dwarf(o));
    assert_non_null(hp_symobj_warning(o));
    hp_symbolizer_free(s);
}

static void test_dynsym_only(void **state)
{
    (void)state;
    hp_symbolizer *s = new_session("/nonexistent", NULL);
    hp_symobj *o = open_obj(s, "bin/fx-stripped");
    assert_false(hp_symobj_has_dwarf(o));
    assert_true(hp_symobj_has_symbols(o));
    assert_string_equal(hp_symobj_warning(o), "no debug info, using .dynsym");
    uint64_t leaf = fn_start(o, "fx_leaf");
    assert_int_equal(hp_symobj_lookup_obj(o, leaf + 1, &res), 0);
    assert_int_equal(res.nframes, 0);
    assert_string_equal(res.symbol, "fx_leaf");
    assert_int_equal(res.symbol_start, leaf);
    assert_true(res.symbol_size > 0);
    /* past the end of a sized symbol: no symbol ... */
    assert_int_equal(hp_symobj_lookup_obj(o, leaf + res.symbol_size + 64, &res), 0);
    hp_symbolizer_free(s);
}

static void test_versioned_dynsym(void **state)
{
    (void)state;
    const char *libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
    if (access(libc, R_OK) != 0)
        skip();
    hp_symbolizer *s = new_session("/nonexistent", NULL); /* no libc6-dbg: .dynsym */
    hp_symobj *o = NULL;
    assert_int_equal(hp_symbolizer_open(s, libc, NULL, &o, NULL), 0);
    const uint64_t *starts;
    const char *const *names;
    size_t n = hp_symobj_functions(o, &starts, &names);
    bool seen = false;
    for (size_t i = 0; i < n; i++)
        seen |= !strcmp(names[i], "malloc@@GLIBC_2.2.5");
    assert_true(seen);
    hp_symbolizer_free(s);
}

static void expect_warning(hp_symobj *o, const char *part)
{
    const char *w = hp_symobj_warning(o);
    if (!w || !strstr(w, part))
        fail_msg("warning '%s' lacks '%s'", w ? w : "(null)", part);
}

/* A debug file of another build is never used: one warning line, ELF symbols. */
static void test_debug_mismatch(void **state)
{
    (void)state;
    hp_symbolizer *s = new_session(td("sysroot"), NULL);
    hp_symobj *o = open_obj(s, "bin/fx-bidmis");
    assert_null(hp_symobj_debug_path(o));
    assert_false(hp_symobj_has_dwarf(o));
    expect_warning(o, "debug file '");
    expect_warning(o, "' rejected: build-id mismatch (its build-id f0f0000000000000000000000000000000000002, "
                      "the object's ba5e000000000000000000000000000000000001); using .dynsym");
    assert_null(strstr(hp_symobj_warning(o), "no debug info"));
    assert_null(strchr(hp_symobj_warning(o), '\n'));
    o = open_obj(s, "bin/fx-crcmis");
    assert_null(hp_symobj_debug_path(o));
    assert_false(hp_symobj_has_dwarf(o));
    expect_warning(o, "fx-crcmis.debug' rejected: CRC mismatch (not the build .gnu_debuglink "
                      "names); using .dynsym");
    assert_null(strstr(hp_symobj_warning(o), "no debug info"));
    uint64_t leaf = fn_start(o, "fx_leaf");
    assert_int_equal(hp_symobj_lookup_obj(o, leaf + 1, &res), 0);
    assert_int_equal(res.nframes, 0);
    assert_string_equal(res.symbol, "fx_leaf");
    hp_symbolizer_free(s);
}

/* Use_x (fxdwz-x.cc:14) inlines TakeTwice (fxdwz.h:23), which inlines Take
 * (fxdwz.h:18); the abstract instances and most strings are in the dwz file. */
static void check_dwz(hp_symbolizer *s, const char *rel, const char *use, const char *file)
{
    hp_symobj *o = open_obj(s, rel);
    assert_true(hp_symobj_has_dwarf(o));
    bool seen = false;
    for (uint64_t a = fn_start(o, use), end = a + 64; a < end && !seen; a++) {
        assert_int_equal(hp_symobj_lookup_obj(o, a, &res), 0);
        if (res.nframes != 3 || res.frames[1].line != 23)
            continue;
        seen = true;
        assert_string_equal(res.frames[0].function, "fxdz::Take(fxdz::Pool*, unsigned long)");
        assert_true(ends_with(res.frames[0].file, "/fxdwz.h"));
        assert_int_equal(res.frames[0].line, 18);
        assert_string_equal(res.frames[1].function, "fxdz::TakeTwice(fxdz::Pool*, unsigned long)");
        assert_true(ends_with(res.frames[2].function, "(fxdz::Pool*, unsigned long)"));
        assert_true(ends_with(res.frames[2].file, file));
        assert_int_equal(res.frames[2].line, 14);
    }
    assert_true(seen);
    /* Grab's DIE takes its names from the dwz file's strings */
    expect_frame(o, fn_start(o, "fxdz::Grab") + 1, "fxdz::Grab(fxdz::Pool*, unsigned long)", file,
                 0);
    assert_null(hp_symobj_warning(o));
}

static void test_dwz(void **state)
{
    (void)state;
    hp_symbolizer *s = new_session(td("sysroot"), NULL);
    /* .gnu_debugaltlink, DW_FORM_GNU_ref_alt / strp_alt; debug file by build-id */
    check_dwz(s, "bin/fxdwz-a", "Use_a", "fxdwz-a.cc");
    assert_non_null(strstr(hp_symobj_debug_path(open_obj(s, "bin/fxdwz-a")), "/.build-id/d0/"));
    /* DWARF 5 .debug_sup, DW_FORM_ref_sup4 / strp_sup; debug file by .gnu_debuglink */
    check_dwz(s, "bin/fxdwz-b", "Use_b", "fxdwz-b.cc");
    hp_symbolizer_free(s);

    /* without the dwz file: a warning, inline levels unnamed, never libdwarf's stand-ins */
    s = new_session("/nonexistent", NULL);
    hp_symobj *o = open_obj(s, "bin/fxdwz-b");
    expect_warning(o, "dwz file '/usr/lib/debug/.dwz/fxdwz5.debug' not found");
    for (uint64_t a = fn_start(o, "Use_b"), end = a + 64; a < end; a++) {
        assert_int_equal(hp_symobj_lookup_obj(o, a, &res), 0);
        for (size_t i = 0; i < res.nframes; i++)
            assert_true(!res.frames[i].function || res.frames[i].function[0] != '<');
    }
    hp_symbolizer_free(s);
}

/* ---- finding files --------------------------------------------------------- */

static void test_file_search(void **state)
{
    (void)state;
    hp_symbolizer *s = new_session("/nonexistent", td("bin"));
    hp_symobj *o = NULL, *o2 = NULL;
    hp_error err = {0};
    assert_int_equal(hp_symbolizer_open(s, "/no/such/dir/fx-O0", NULL, &o, &err), 0);
    assert_true(ends_with(hp_symobj_path(o), "bin/fx-O0"));
    assert_int_equal(hp_symbolizer_open(s, "/no/such/dir/fx-O0", NULL, &o2, &err), 0);
    assert_ptr_equal(o, o2);
    /* " (deleted)" */
    hp_buf b = HP_BUF_INIT;
    hp_buf_addf(&b, "%s (deleted)", td("bin/fx-O0"));
    assert_int_equal(hp_symbolizer_open(s, b.buf, NULL, &o2, &err), 0);
    assert_true(ends_with(hp_symobj_path(o2), "bin/fx-O0"));
    hp_buf_release(&b);
    /* override path wins over the recorded one */
    assert_int_equal(hp_symbolizer_open(s, "/bin/true", td("bin/fxx-O2"), &o2, &err), 0);
    assert_true(ends_with(hp_symobj_path(o2), "bin/fxx-O2"));
    /* errors */
    o2 = NULL;
    assert_int_equal(hp_symbolizer_open(s, "/no/such/file", NULL, &o2, &err), -ENOENT);
    assert_null(o2);
    assert_non_null(strstr(err.msg, "'/no/such/file'"));
    assert_int_equal(hp_symbolizer_open(s, td("bin/src/fx.c"), NULL, &o2, &err), -ENOEXEC);
    assert_null(o2);
    hp_symbolizer_free(s);
    assert_null(hp_symbolizer_free(NULL));
}

/* bin/fxv and bin/v2/fxv: two builds of fx.c (build-ids f0f0...1 and ...2) */
/* debuginfod on, no servers (nothing reaches the network): the first object
 * that would ask says why, once; a build-id given to open rejects a local
 * file of another build. tests/debuginfod.sh covers a real server. */
static void test_debuginfod_offline(void **state)
{
    (void)state;
    const char *env = getenv("DEBUGINFOD_URLS");
    char *saved = env ? hp_strdup(env) : NULL;
    unsetenv("DEBUGINFOD_URLS");
    hp_symbolizer_config cfg = {.debug_root = "/nonexistent", .debuginfod = true};
    hp_symbolizer *s = NULL;
    hp_error err = {0};
    assert_int_equal(hp_symbolizer_new(&cfg, &s, &err), 0);
    hp_symobj *o = open_obj(s, "bin/fx-stripped");
    expect_warning(o, hp_symbolizer_debuginfod_supported()
                          ? "debuginfod: DEBUGINFOD_URLS is not set"
                          : "built without libdebuginfod");
    expect_warning(o, "; no debug info");
    o = open_obj(s, "bin/fxdwz-a");
    assert_true(!hp_symobj_warning(o) || !strstr(hp_symobj_warning(o), "debuginfod"));

    assert_int_equal(hp_symbolizer_open_build_id(s, td("bin/fx-stripped"), NULL,
                                                 "5be7dfeec3ea947a7d4b1e466b986ef0efa75e85", &o,
                                                 &err),
                     0);
    assert_int_equal(
        hp_symbolizer_open_build_id(s, td("bin/fx-stripped"), NULL, "00112233", &o, &err), -ENOENT);
    assert_non_null(strstr(err.msg, "(build-id 00112233): '"));
    assert_non_null(strstr(err.msg, "fx-stripped' is another build (build-id 5be7dfee"));
    assert_int_equal(hp_symbolizer_open_build_id(s, td("bin/fx-stripped"), NULL, "5BE7", &o, &err),
                     -EINVAL);
    hp_symbolizer_free(s);
    if (saved)
        setenv("DEBUGINFOD_URLS", saved, 1);
    free(saved);
}

/* --lib_prefix, Perl pprof's FindLibrary order: every prefix with the whole
 * recorded path, then every prefix with its first directory cut, ...; the
 * recorded path when no prefix holds the file. */
static void test_lib_prefix(void **state)
{
    (void)state;
    char prefixes[2200];
    snprintf(prefixes, sizeof(prefixes), "%s,%s",
             td("bin/store/f0f0000000000000000000000000000000000001"), td("bin"));
    hp_symbolizer_config cfg = {.debug_root = "/nonexistent", .lib_prefix = prefixes};
    hp_symbolizer *s = NULL;
    hp_error err = {0};
    assert_int_equal(hp_symbolizer_new(&cfg, &s, &err), 0);
    hp_symobj *o = NULL;
    /* PREFIX2/v2/fxv (step 1) before PREFIX1/fxv (step 2) */
    assert_int_equal(hp_symbolizer_open(s, "/v2/fxv", NULL, &o, &err), 0);
    assert_string_equal(hp_symobj_path(o), td("bin/v2/fxv"));
    /* /nowhere/deep/fx-O0: PREFIX2/fx-O0 after two cuts */
    assert_int_equal(hp_symbolizer_open(s, "/nowhere/deep/fx-O0", NULL, &o, &err), 0);
    assert_string_equal(hp_symobj_path(o), td("bin/fx-O0"));
    /* no prefix holds it: the recorded path */
    assert_int_equal(hp_symbolizer_open(s, td("bin/debugfile/split"), NULL, &o, &err), 0);
    assert_string_equal(hp_symobj_path(o), td("bin/debugfile/split"));
    /* an override (the program argument) is not looked up under the prefixes */
    assert_int_equal(hp_symbolizer_open(s, "/x/fx-O0", td("bin/fx-O2-nopie"), &o, &err), 0);
    assert_string_equal(hp_symobj_path(o), td("bin/fx-O2-nopie"));
    hp_symbolizer_free(s);
}

static void test_search_build_id(void **state)
{
    (void)state;
    static const char v1[] = "f0f0000000000000000000000000000000000001";
    static const char v2[] = "f0f0000000000000000000000000000000000002";
    hp_symobj *o = NULL;
    hp_error err = {0};
    /* Go pprof's DIR/<build-id>/basename when the recorded path is missing */
    hp_symbolizer *s = new_session("/nonexistent", td("bin/store"));
    assert_int_equal(hp_symbolizer_open(s, "/gone/fxv", NULL, &o, &err), 0);
    assert_string_equal(hp_symobj_build_id(o), v1);
    assert_non_null(strstr(hp_symobj_path(o), "bin/store/f0f0000000000000000000000000000000000001/fxv"));
    hp_symbolizer_free(s);
    s = new_session("/nonexistent", td("bin/store-amb"));
    assert_int_equal(hp_symbolizer_open(s, "/gone/fxv", NULL, &o, &err), -ENOENT);
    assert_non_null(strstr(err.msg, "several builds of 'fxv'"));
    hp_symbolizer_free(s);
    s = new_session("/nonexistent", td("bin/store-bad"));
    assert_int_equal(hp_symbolizer_open(s, "/gone/fxv", NULL, &o, &err), -ENOENT);
    assert_non_null(strstr(err.msg, "build-id mismatch"));
    hp_symbolizer_free(s);

    /* the recorded file exists, the search path holds another build: that one wins */
    s = new_session("/nonexistent", td("bin/v2"));
    o = open_obj(s, "bin/fxv");
    assert_string_equal(hp_symobj_build_id(o), v2);
    expect_warning(o, "from the search path");
    hp_symbolizer_free(s);
    /* ... the same build: the recorded file, silently */
    s = new_session("/nonexistent", td("bin"));
    o = open_obj(s, "bin/fxv");
    assert_true(ends_with(hp_symobj_path(o), "bin/fxv"));
    expect_warning(o, "no debug info and no symbols");
    assert_null(strstr(hp_symobj_warning(o), "search path"));
    hp_symbolizer_free(s);
    /* recorded file missing, two builds by name: the first, the other named */
    hp_buf b = HP_BUF_INIT;
    hp_buf_addf(&b, "%s:%s", td("bin/v2"), td("bin"));
    s = new_session("/nonexistent", b.buf);
    hp_buf_release(&b);
    assert_int_equal(hp_symbolizer_open(s, "/gone/fxv", NULL, &o, &err), 0);
    assert_string_equal(hp_symobj_build_id(o), v2);
    expect_warning(o, "the search path also holds '");
    hp_symbolizer_free(s);

    /* debug file in the search path: DIR/<build-id>/basename */
    s = new_session("/nonexistent", td("bin/store"));
    o = open_obj(s, "bin/fx-buildid");
    assert_non_null(hp_symobj_debug_path(o));
    assert_true(ends_with(hp_symobj_debug_path(o), "/fx-buildid"));
    expect_frame(o, fn_start(o, "fx_outer"), "fx_outer", "fx.c", 0);
    hp_symbolizer_free(s);
}

/* ---- compressed debug sections ---------------------------------------------- */

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

/* fx-zlib / fx-zstd are fx-O2-nopie with its debug sections compressed by
 * objcopy --compress-debug-sections=zlib / =zstd (scripts/make-fixtures.sh):
 * every lookup in its functions answers as in the uncompressed object. */
static void test_compressed_sections(void **state)
{
    (void)state;
    hp_symbolizer *s = new_session("/nonexistent", NULL);
    hp_symobj *plain = open_obj(s, "bin/fx-O2-nopie");
    const char *packed[] = {"bin/fx-zlib", "bin/fx-zstd"};
    check_inline_chain("bin/fx-zstd");
    for (size_t k = 0; k < 2; k++) {
        hp_symobj *o = open_obj(s, packed[k]);
        const uint64_t *starts;
        const char *const *names;
        size_t n = hp_symobj_functions(plain, &starts, &names), compared = 0;
        for (size_t i = 0; i < n; i++) {
            for (uint64_t a = starts[i]; a < starts[i] + 48; a++) {
                static hp_sym_result want;
                assert_int_equal(hp_symobj_lookup_obj(plain, a, &want), 0);
                assert_int_equal(hp_symobj_lookup_obj(o, a, &res), 0);
                assert_int_equal(res.nframes, want.nframes);
                for (size_t f = 0; f < res.nframes; f++) {
                    assert_true(same_str(res.frames[f].function, want.frames[f].function));
                    assert_true(same_str(res.frames[f].file, want.frames[f].file));
                    assert_int_equal(res.frames[f].line, want.frames[f].line);
                }
                compared += res.nframes > 0;
            }
        }
        assert_true(compared > 100);
        assert_true(hp_symobj_has_dwarf(o));
        assert_null(hp_symobj_warning(o));
    }
    hp_symbolizer_free(s);
}

/* fx-zlib with bytes of its compressed .debug_info flipped (a fuzz seed): a
 * warning naming the section, then the ELF symbols answer. */
static void test_corrupt_compressed_section(void **state)
{
    (void)state;
    hp_symbolizer *s = new_session("/nonexistent", NULL);
    hp_symobj *plain = open_obj(s, "bin/fx-O2-nopie");
    hp_symobj *o = open_obj(s, "fuzz/fuzz-symbolize-elf/fx-zlib-corrupt");
    uint64_t leaf = fn_start(plain, "fx_leaf");
    assert_int_equal(hp_symobj_lookup_obj(o, leaf + 1, &res), 0);
    assert_int_equal(res.nframes, 0);
    assert_string_equal(res.symbol, "fx_leaf");
    const char *w = hp_symobj_warning(o);
    assert_non_null(w);
    if (!strstr(w, "cannot inflate (zlib) .debug_info"))
        fail_msg("warning '%s'", w);
    hp_symbolizer_free(s);
}

/* fx-mixed-zlib: two gcc CUs that .debug_aranges describes and a clang CU it
 * does not, debug sections zlib-compressed (scripts/make-fixtures.sh). A
 * lookup in the clang CU (outside every aranges range) still finds its DWARF,
 * whichever CU is asked first. The lines are addr2line's (binutils 2.40) at
 * each function's start; the names and files are what the sources define. */
static void test_units_without_aranges(void **state)
{
    (void)state;
    static const struct {
        const char *fn, *file;
        uint32_t line;
    } want[] = {
        {"mx_c_one", "/fixtures/src/mx-c.c", 4}, {"mx_a_one", "/fixtures/src/mx-a.c", 7},
        {"mx_a_two", "/fixtures/src/mx-a.c", 12}, {"mx_b_one", "/fixtures/src/mx-b.c", 4},
        {"mx_b_two", "/fixtures/src/mx-b.c", 9},  {"mx_c_two", "/fixtures/src/mx-c.c", 8},
    };
    size_t n = sizeof(want) / sizeof(*want);
    for (int order = 0; order < 2; order++) {
        hp_symbolizer *s = new_session("/nonexistent", NULL);
        hp_symobj *o = open_obj(s, "bin/fx-mixed-zlib");
        for (size_t k = 0; k < n; k++) {
            size_t i = order ? n - 1 - k : k; /* the clang CU first, then last */
            uint64_t a = fn_start(o, want[i].fn);
            assert_int_equal(hp_symobj_lookup_obj(o, a, &res), 0);
            assert_int_equal(res.nframes, 1);
            assert_string_equal(res.frames[0].function, want[i].fn);
            assert_non_null(res.frames[0].file);
            assert_string_equal(res.frames[0].file, want[i].file);
            assert_int_equal(res.frames[0].line, want[i].line);
        }
        assert_null(hp_symobj_warning(o));
        hp_symbolizer_free(s);
    }
}

/* ---- corrupt input ----------------------------------------------------------- */

static void test_corrupt_objects(void **state)
{
    (void)state;
    FILE *f = fopen(td("bin/fx-O2-nopie"), "rb");
    assert_non_null(f);
    static unsigned char orig[1 << 16], buf[1 << 16];
    size_t n = fread(orig, 1, sizeof(orig), f);
    fclose(f);
    assert_true(n > 4096);
    /* an anonymous file, opened by path through /proc */
    int fd = memfd_create("hp-test-corrupt", 0);
    assert_true(fd >= 0);
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "/proc/self/fd/%d", fd);
    uint32_t rng = 12345;
    for (int iter = 0; iter < 300; iter++) {
        memcpy(buf, orig, n);
        size_t len = n;
        if (iter % 3 == 0) {
            len = (size_t)(iter * 61) % n; /* truncation */
        } else {
            for (int k = 0; k < 1 + iter % 40; k++) { /* random byte flips past the ELF header */
                rng = rng * 1103515245u + 12345u;
                buf[64 + (rng >> 8) % (n - 64)] ^= (unsigned char)(rng >> 3) | 1;
            }
        }
        assert_int_equal(ftruncate(fd, 0), 0);
        assert_int_equal(pwrite(fd, buf, len, 0), (ssize_t)len);
        hp_symbolizer *s = new_session("/nonexistent", NULL);
        hp_symobj *o = NULL;
        if (hp_symbolizer_open(s, tmp, NULL, &o, NULL) == 0) {
            for (uint64_t a = 0x401000; a < 0x401300; a += 7)
                assert_int_equal(hp_symobj_lookup_obj(o, a, &res), 0);
            (void)hp_symobj_warning(o);
        }
        hp_symbolizer_free(s);
    }
    close(fd);
}

/* ---- demangling ---------------------------------------------------------------- */

static void test_demangle(void **state)
{
    (void)state;
    char *d = hp_demangle("_ZNSt6vectorIiSaIiEE9push_backERKi", HP_DEMANGLE_FULL);
    assert_non_null(d);
    assert_string_equal(d, "std::vector<int, std::allocator<int> >::push_back(int const&)");
    free(d);
    d = hp_demangle("_ZNSt6vectorIiSaIiEE9push_backERKi", HP_DEMANGLE_NO_PARAMS);
    assert_non_null(d);
    assert_string_equal(d, "std::vector<int, std::allocator<int> >::push_back");
    free(d);
    d = hp_demangle("_ZN12_GLOBAL__N_16AnonFnEm", HP_DEMANGLE_FULL);
    assert_non_null(d);
    assert_string_equal(d, "(anonymous namespace)::AnonFn(unsigned long)");
    free(d);
    assert_null(hp_demangle("_ZNSt6vectorIiSaIiEE9push_backERKi", HP_DEMANGLE_NONE));
    assert_null(hp_demangle("malloc", HP_DEMANGLE_FULL));
    assert_null(hp_demangle("_Z", HP_DEMANGLE_FULL));
    assert_null(hp_demangle("_ZZZZZ", HP_DEMANGLE_FULL));
    if (!strcmp(hp_demangle_backend(), "libiberty")) {
        d = hp_demangle("_RNvCs1234_7mycrate3foo", HP_DEMANGLE_FULL);
        assert_non_null(d);
        assert_string_equal(d, "mycrate::foo");
        free(d);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s TESTDATA_DIR\n", argv[0]);
        return 2;
    }
    testdata = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_c_O0_pie),
        cmocka_unit_test(test_inline_O2_nopie),
        cmocka_unit_test(test_inline_dwarf4),
        cmocka_unit_test(test_cxx_names),
        cmocka_unit_test(test_lazy_names),
        cmocka_unit_test(test_shared_library_mapping),
        cmocka_unit_test(test_debuglink),
        cmocka_unit_test(test_build_id_sysroot),
        cmocka_unit_test(test_dynsym_only),
        cmocka_unit_test(test_versioned_dynsym),
        cmocka_unit_test(test_debug_mismatch),
        cmocka_unit_test(test_dwz),
        cmocka_unit_test(test_file_search),
        cmocka_unit_test(test_search_build_id),
        cmocka_unit_test(test_lib_prefix),
        cmocka_unit_test(test_debuginfod_offline),
        cmocka_unit_test(test_compressed_sections),
        cmocka_unit_test(test_corrupt_compressed_section),
        cmocka_unit_test(test_units_without_aranges),
        cmocka_unit_test(test_corrupt_objects),
        cmocka_unit_test(test_demangle),
    };
    return cmocka_run_group_tests_name("symbolizer", tests, NULL, NULL);
}
