/*
 * symbols.c - `pprof --symbols PROGRAM`: reads memory-map lines and hex
 * addresses from standard input (what gperftools' heap checker pipes to
 * $PPROF_PATH) and prints one function name per address, "??" when unknown.
 * Addresses are looked up exactly as given, as Perl pprof does.
 */
#include "hp_common.h"
#include "hp_buf.h"
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

int hp_cli_symbols(const char *program, bool debuginfod, FILE *in, FILE *out, hp_error *err)
{
    hp_buf maps = HP_BUF_INIT, prof = HP_BUF_INIT;
    uint64_t *addrs = NULL;
    size_t naddrs = 0, alloc = 0;
    char *line = NULL;
    size_t cap = 0;
    int r = 0;
    while (getline(&line, &cap, in) > 0) {
        uint64_t a;
        if (find_address(line, &a)) {
            if (HP_GROW(addrs, alloc, naddrs + 1) < 0) {
                r = -ENOMEM;
                break;
            }
            addrs[naddrs++] = a;
        } else {
            hp_buf_adds(&maps, line);
        }
    }
    free(line);
    hp_buf_adds(&prof, "heap profile: 0: 0 [0: 0] @ heapprofile\n");
    for (size_t i = 0; i < naddrs; i += 1000) {
        hp_buf_adds(&prof, "0: 0 [0: 0] @");
        for (size_t j = i; j < naddrs && j < i + 1000; j++)
            hp_buf_addf(&prof, " 0x%" PRIx64, addrs[j]);
        hp_buf_addc(&prof, '\n');
    }
    hp_buf_adds(&prof, "MAPPED_LIBRARIES:\n");
    hp_buf_add(&prof, maps.buf, maps.len);
    hp_profile *p = NULL;
    if (r == 0 && (!hp_buf_ok(&maps) || !hp_buf_ok(&prof)))
        r = -ENOMEM;
    if (r == 0)
        r = hp_heap_parse("<stdin>", prof.buf, prof.len, &p, err);
    if (r == 0) {
        hp_symbolize_options so = {.program = program,
                                   .strip_templates = true,
                                   .exact_addresses = true,
                                   .unnamed_as_unknown = true,
                                   .debuginfod = debuginfod};
        r = hp_symbolize_profile(p, &so, NULL, err);
    }
    for (size_t i = 0; r == 0 && i < naddrs; i++) {
        int64_t loc = hp_profile_location(p, addrs[i]);
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
    hp_buf_release(&maps);
    hp_buf_release(&prof);
    return r;
}
