/*
 * symbols.c - `pprof --symbols PROGRAM`: reads memory-map lines and hex
 * addresses from standard input (what gperftools' heap checker pipes to
 * $PPROF_PATH) and prints one function name per address, "??" when unknown.
 * Addresses are looked up exactly as given, as Perl pprof does. The map lines
 * and addresses make a profile directly (mappings and locations), which is
 * symbolized as any other.
 */
#include "hp_common.h"
#include "hp_cli.h"
#include "hp_heap.h"
#include "hp_symbolize.h"

#include <ctype.h>
#include <inttypes.h>

/* the first 0x... token of a line, as Perl's /\b(0x[0-9a-f]+)\b/i */
static bool find_address(const char *line, uint64_t *ret)
{
    for (const char *s = line; (s = strstr(s, "0x")) || (s = strstr(line, "0X"));) {
        bool boundary = s == line || !(isalnum((unsigned char)s[-1]) || s[-1] == '_');
        const char *e = s + 2;
        while (isxdigit((unsigned char)*e))
            e++;
        bool end_boundary = !(isalnum((unsigned char)*e) || *e == '_');
        if (boundary && end_boundary && e > s + 2 && e - s - 2 <= 16) {
            *ret = strtoull(s + 2, NULL, 16);
            return true;
        }
        s += 2;
        if (!*s)
            break;
    }
    return false;
}

/* The profile of the addresses: the map lines as its mappings, one location
 * per address (built directly, no heap profile text in between). */
static int build_profile(FILE *in, hp_profile **ret, uint64_t **ret_addrs, size_t *ret_n)
{
    hp_profile *p = NULL;
    uint64_t *addrs = NULL;
    size_t naddrs = 0, alloc = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int r = hp_profile_new("<stdin>", &p);
    while (r == 0 && (len = getline(&line, &cap, in)) > 0) {
        uint64_t a;
        if (!find_address(line, &a)) {
            len -= line[len - 1] == '\n';
            len -= len > 0 && line[len - 1] == '\r';
            r = hp_heap_maps_line(p, line, (size_t)len);
        } else if (HP_GROW(addrs, alloc, naddrs + 1) < 0) {
            r = -ENOMEM;
        } else {
            addrs[naddrs++] = a;
            int64_t loc = hp_profile_location(p, a);
            r = loc < 0 ? (int)loc : 0;
        }
    }
    free(line);
    if (r < 0) {
        hp_profile_free(p);
        free(addrs);
        return r;
    }
    *ret = p;
    *ret_addrs = addrs;
    *ret_n = naddrs;
    return 0;
}

int hp_cli_symbols(const char *program, bool debuginfod, FILE *in, FILE *out, hp_error *err)
{
    hp_profile *p = NULL;
    uint64_t *addrs = NULL;
    size_t naddrs = 0;
    int r = build_profile(in, &p, &addrs, &naddrs);
    if (r == 0) {
        hp_symbolize_options so = {.program = program,
                                   .strip_templates = true,
                                   .exact_addresses = true,
                                   .unnamed_as_unknown = true,
                                   .debuginfod = debuginfod};
        r = hp_symbolize_profile(p, &so, NULL, err);
    }
    for (size_t i = 0; r == 0 && i < naddrs; i++) {
        uint32_t loc = hp_profile_find_location(p, addrs[i]);
        const char *name = "??";
        if (loc > 0) {
            const hp_line *outer = hp_profile_outer_line(p, (uint32_t)loc);
            if (outer)
                name = hp_profile_line_name(p, outer);
        }
        fprintf(out, "%s\n", name);
    }
    if (r == -ENOMEM)
        hp_error_set(err, r, "out of memory");
    hp_profile_free(p);
    free(addrs);
    return r;
}
