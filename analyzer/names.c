/*
 * names.c - Perl pprof's name shortening and allocator-frame list, reproduced
 * exactly (regex for regex) so that names match its reports.
 */
#include "hp_common.h"
#include "hp_names.h"
#include "hp_str.h"

static bool perl_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool perl_word(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* One pass of s/O[^OC]*C//g for the brackets O and C, with a trailing
 * (\s*const)? also removed when with_const: s/\([^()]*\)(\s*const)?//g and
 * s/<[^<>]*>//g. Returns true when something was removed. */
static bool drop_groups_once(hp_buf *b, char open, char close, bool with_const)
{
    char *s = b->buf;
    size_t n = b->len, w = 0;
    bool changed = false;
    for (size_t i = 0; i < n;) {
        if (s[i] == open) {
            size_t j = i + 1;
            while (j < n && s[j] != open && s[j] != close)
                j++;
            if (j < n && s[j] == close) {
                j++;
                size_t k = j;
                while (with_const && k < n && perl_space(s[k]))
                    k++;
                if (with_const && n - k >= 5 && memcmp(s + k, "const", 5) == 0)
                    j = k + 5;
                i = j;
                changed = true;
                continue;
            }
        }
        s[w++] = s[i++];
    }
    b->len = w;
    s[w] = '\0';
    return changed;
}

/* s/<[0-9a-f]*>$// */
static void drop_address_tag(hp_buf *b)
{
    if (!b->len || b->buf[b->len - 1] != '>')
        return;
    size_t i = b->len - 1;
    while (i > 0 && ((b->buf[i - 1] >= '0' && b->buf[i - 1] <= '9') ||
                     (b->buf[i - 1] >= 'a' && b->buf[i - 1] <= 'f')))
        i--;
    if (i > 0 && b->buf[i - 1] == '<') {
        b->len = i - 1;
        b->buf[b->len] = '\0';
    }
}

/* s/^.*\s+(\w+::)/$1/ : keep from the last "\s\w+::" on. */
static void drop_return_type(hp_buf *b)
{
    const char *s = b->buf;
    size_t n = b->len;
    for (size_t i = n; i-- > 0;) {
        if (!perl_space(s[i]))
            continue;
        size_t j = i + 1;
        while (j < n && perl_word(s[j]))
            j++;
        if (j > i + 1 && j + 1 < n && s[j] == ':' && s[j + 1] == ':') {
            memmove(b->buf, b->buf + i + 1, n - i - 1);
            b->len = n - i - 1;
            b->buf[b->len] = '\0';
            return;
        }
    }
}

void hp_short_name(const char *full, bool strip_templates, hp_buf *out)
{
    hp_buf b = HP_BUF_INIT;
    hp_buf_adds(&b, full);
    if (!hp_buf_ok(&b)) {
        out->oom = true;
        return;
    }
    while (drop_groups_once(&b, '(', ')', true))
        ;
    drop_address_tag(&b);
    if (strip_templates)
        while (drop_groups_once(&b, '<', '>', false))
            ;
    drop_return_type(&b);
    hp_buf_add(out, b.buf, b.len);
    hp_buf_release(&b);
}

static const char *const allocator_frames[] = {
    "calloc", "cfree", "malloc", "free", "memalign", "posix_memalign", "pvalloc", "valloc",
    "realloc", "tc_calloc", "tc_cfree", "tc_malloc", "tc_free", "tc_memalign",
    "tc_posix_memalign", "tc_pvalloc", "tc_valloc", "tc_realloc", "tc_new", "tc_delete",
    "tc_newarray", "tc_deletearray", "tc_new_nothrow", "tc_newarray_nothrow", "do_malloc",
    "::do_malloc", "::do_malloc_or_cpp_alloc", "DoSampledAllocation", "simple_alloc::allocate",
    "__malloc_alloc_template::allocate", "__builtin_delete", "__builtin_new",
    "__builtin_vec_delete", "__builtin_vec_new", "operator new", "operator new[]",
    "malloc_zone_malloc", "malloc_zone_calloc", "malloc_zone_valloc", "malloc_zone_realloc",
    "malloc_zone_memalign", "malloc_zone_free", "__start_google_malloc", "__stop_google_malloc",
    "__start_malloc_hook", "__stop_malloc_hook",
};

bool hp_is_allocator_frame(const char *name)
{
    if (strstr(name, "TCMalloc") || strncmp(name, "tcmalloc::", 10) == 0)
        return true;
    const char *bare = name[0] == '_' ? name + 1 : NULL;
    for (size_t i = 0; i < HP_ARRAY_SIZE(allocator_frames); i++) {
        if (strcmp(name, allocator_frames[i]) == 0)
            return true;
        if (bare && strcmp(bare, allocator_frames[i]) == 0)
            return true;
    }
    return false;
}

/* jeprof's additions to Perl pprof's list (jemalloc 5.3's bin/jeprof) */
static const char *const jemalloc_frames[] = {
    "newImpl", "void* newImpl", "aligned_alloc", "mallocx", "rallocx", "xallocx", "dallocx",
    "sdallocx", "sdallocx_noflags",
};

bool hp_is_jemalloc_frame(const char *name)
{
    const char *bare = name[0] == '_' ? name + 1 : NULL;
    for (size_t i = 0; i < HP_ARRAY_SIZE(jemalloc_frames); i++) {
        if (strcmp(name, jemalloc_frames[i]) == 0 || (bare && strcmp(bare, jemalloc_frames[i]) == 0))
            return true;
    }
    return hp_is_allocator_frame(name);
}

bool hp_is_jemalloc_object(const char *path)
{
    return strncmp(hp_base_name(path), "libjemalloc", 11) == 0;
}
