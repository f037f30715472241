/*
 * program_check.c - a profile's main program (its main executable mapping,
 * Go pprof's rule) and whether two profiles were recorded from the same
 * program (the base names of their main executable mappings), for the warning
 * printed when profiles of different programs are summed or one is subtracted
 * from the other.
 */
#include "hp_common.h"
#include "hp_profile.h"
#include "hp_str.h"

#include <stdio.h>

/* A shared library by name: foo.so, foo.so.6, foo.so.4.5.10, foo.so_1 */
static bool looks_like_library(const char *path)
{
    const char *so = strstr(hp_base_name(path), ".so");
    if (!so)
        return false;
    so += 3;
    return *so == '\0' || *so == '.' || *so == '_' || *so == ' ';
}

uint32_t hp_profile_main_mapping(const hp_profile *p)
{
    for (size_t i = 1; i < p->nmappings; i++) {
        const hp_mapping *m = &p->mappings[i];
        const char *path = hp_profile_str(p, m->path);
        if (m->perms[2] != 'x' || !*path || path[0] == '[' || looks_like_library(path))
            continue;
        return (uint32_t)i;
    }
    return 0;
}

char *hp_profile_program_mismatch(const hp_profile *a, const hp_profile *b, const char *what)
{
    uint32_t ma = hp_profile_main_mapping(a), mb = hp_profile_main_mapping(b);
    if (!ma || !mb)
        return NULL; /* nothing recorded to compare */
    const char *pa = hp_profile_str(a, a->mappings[ma].path);
    const char *pb = hp_profile_str(b, b->mappings[mb].path);
    /* by name: one program built or run in two directories is still one program */
    if (strcmp(hp_base_name(pa), hp_base_name(pb)) == 0)
        return NULL;
    char *msg = NULL;
    if (asprintf(&msg, "warning: %s profiles of different programs: '%s' was recorded from %s, "
                 "'%s' from %s", what, a->path, pa, b->path, pb) < 0)
        return NULL;
    return msg;
}
