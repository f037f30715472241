/*
 * hp_symbolize.h - fills a profile's locations with functions and source
 * lines: through the native symbolizer (objects found from the profile's
 * memory map, the program named on the command line and a search path), or
 * from the "--- symbol" section of a symbolized profile. Names follow Perl
 * pprof's rules (short names, nm address tags, name@offset for same-named
 * distinct functions).
 */
#ifndef HP_SYMBOLIZE_H
#define HP_SYMBOLIZE_H

#include <stdbool.h>

#include "hp_error.h"
#include "hp_profile.h"

typedef struct hp_symbolize_options {
    const char *program;     /* program from the command line: replaces the main executable */
    const char *binary_path; /* --binary_path; PPROF_BINARY_PATH is appended */
    bool strip_templates;    /* false for --no_strip_temp */
    bool exact_addresses;    /* look addresses up as given (--symbols), not as return - 1 */
} hp_symbolize_options;

/**
 * hp_symbolize_profile - symbolize every location of p in place.
 * One warning per object that could not be used is added to p->warnings.
 * Returns: 0, or -ENOMEM (reterr set). Missing files are not errors.
 */
int hp_symbolize_profile(hp_profile *p, const hp_symbolize_options *o, hp_error *reterr);

#endif
