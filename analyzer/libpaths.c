/*
 * libpaths.c - Perl pprof's --add_lib on a profile's memory map, before
 * symbolization: an extra library is mapped at its link-time .text addresses
 * (not relocated), after the profile's own mappings. (--lib_prefix is the
 * symbolizer's: search.c, Perl's FindLibrary order.)
 */
#include "hp_common.h"
#include "hp_libpaths.h"
#include "hp_symbolizer.h"

#include <sys/stat.h>

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
