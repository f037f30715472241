/*
 * libpaths.c - Perl pprof's --lib_prefix and --add_lib on a profile's memory
 * map, before symbolization: a library path is looked for under each prefix
 * (FindLibrary: the whole path, then without its first directory, and so on),
 * and an extra library is mapped at its link-time .text addresses (not
 * relocated), after the profile's own mappings.
 */
#include "hp_common.h"
#include "hp_libpaths.h"
#include "hp_symbolizer.h"

#include <sys/stat.h>

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int hp_profile_lib_prefix(hp_profile *p, const char *prefixes)
{
    if (!prefixes || !*prefixes)
        return 0;
    for (size_t m = 1; m < p->nmappings; m++) {
        const char *file = hp_profile_str(p, p->mappings[m].path);
        if (!file || file[0] != '/')
            continue;
        const char *suffix = file;
        char found[8192] = "";
        for (;;) {
            for (const char *d = prefixes; *d && !*found;) {
                size_t n = strcspn(d, ",");
                char path[8192];
                snprintf(path, sizeof(path), "%.*s%s", (int)n, d, suffix);
                if (exists(path))
                    snprintf(found, sizeof(found), "%s", path);
                d += n + (d[n] == ',');
            }
            const char *next = suffix[0] == '/' ? strchr(suffix + 1, '/') : NULL;
            if (*found || !next)
                break;
            suffix = next; /* s|^/[^/]+/|/| */
        }
        if (*found) {
            int64_t id = hp_profile_intern(p, found);
            if (id < 0)
                return (int)id;
            p->mappings[m].path = (uint32_t)id;
        }
    }
    return 0;
}

int hp_profile_add_lib(hp_profile *p, const char *file, hp_error *reterr)
{
    uint64_t addr, size, offset;
    int r = hp_symbolizer_text_section(file, &addr, &size, &offset);
    if (r < 0)
        return hp_error_set(reterr, r == -ENOMEM ? r : -EINVAL, "--add_lib %s: no .text section to map (%s)",
                            file, strerror(-r));
    int64_t id = hp_profile_intern(p, file);
    if (id < 0)
        return hp_error_set(reterr, -ENOMEM, "out of memory");
    hp_mapping m = {.start = addr, .limit = addr + size, .offset = offset, .path = (uint32_t)id};
    memcpy(m.perms, "r-xp", 5);
    int64_t k = hp_profile_add_mapping(p, &m);
    return k < 0 ? hp_error_set(reterr, (int)k, "out of memory") : 0;
}
