/*
 * program_check.c - whether two profiles were recorded from the same program
 * (the base names of their main executable mappings, Go pprof's rule of
 * hp_symbolize_main_mapping), for the warning printed when profiles of
 * different programs are summed or one is subtracted from the other.
 */
#include "hp_common.h"
#include "hp_profile.h"
#include "hp_str.h"
#include "hp_symbolize.h"

#include <stdio.h>

char *hp_profile_program_mismatch(const hp_profile *a, const hp_profile *b, const char *what)
{
    uint32_t ma = hp_symbolize_main_mapping(a), mb = hp_symbolize_main_mapping(b);
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
