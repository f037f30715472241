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

typedef struct hp_symobj hp_symobj; /* symbolizer/hp_symbolizer.h */

typedef struct hp_symbolize_options {
    const char *program;     /* program from the command line: replaces the main executable */
    const char *binary_path; /* --binary_path; PPROF_BINARY_PATH is appended */
    const char *lib_prefix;  /* --lib_prefix (hp_symbolizer_config) */
    bool strip_templates;    /* false for --no_strip_temp */
    bool exact_addresses;    /* look addresses up as given (--symbols), not as return - 1 */
    bool debuginfod;         /* ask debuginfod for what is missing (hp_symbolizer_config) */
    const char *build_id;    /* --buildid: the main executable's build-id (hex), or NULL */
    bool unnamed_as_unknown; /* name code no symbol covers "??" (--symbols), not
                                "<object>+0x<object-relative address>" */
    unsigned threads;        /* --threads: objects looked up in parallel (0: the online
                                CPUs, at most 4; 1: in the calling thread); the
                                output does not depend on it */
    bool symbol_cache;       /* use the symbol cache (hp_symbolizer_config.cache_dir)
                                unless CPPROF_SYMBOL_CACHE=off */
} hp_symbolize_options;

typedef struct hp_symbolize_session hp_symbolize_session;

/**
 * hp_symbolize_profile - symbolize every location of p in place.
 * One warning per object that could not be used is added to p->warnings.
 * ret_session, when not NULL, receives the session (objects stay open for
 * --list; free with hp_symbolize_session_free); it is left untouched for
 * symbolized ("--- symbol") profiles, which need no objects.
 * Returns: 0, or -ENOMEM (reterr set). Missing files are not errors.
 */
int hp_symbolize_profile(hp_profile *p, const hp_symbolize_options *o,
                         hp_symbolize_session **ret_session, hp_error *reterr);

/**
 * hp_symbolize_profile_with - symbolize p, another profile of the same
 * program (the next dump of a series), with an existing session: objects
 * already opened and decoded are reused, not read again. The session is
 * rebound to p (the profile it was made for is no longer referenced) and
 * keeps the options it was made with. Symbolized ("--- symbol") profiles take
 * their names from the file. Warnings go to p->warnings, as above.
 * Returns: 0, or -ENOMEM (reterr set).
 */
int hp_symbolize_profile_with(hp_symbolize_session *ss, hp_profile *p, hp_error *reterr);

/**
 * hp_symbolize_session_rebind - point ss at p (a profile made from the ones it
 * symbolized, e.g. their merge) without looking anything up: objects already
 * opened stay open, per-mapping state starts afresh.
 * Returns: 0, or -ENOMEM (reterr set).
 */
int hp_symbolize_session_rebind(hp_symbolize_session *ss, hp_profile *p, hp_error *reterr);

/**
 * hp_symbolize_session_new - find objects for p's mappings on demand.
 * Returns: 0 and *ret, or -ENOMEM. Ownership: p and o are borrowed.
 */
int hp_symbolize_session_new(hp_profile *p, const hp_symbolize_options *o,
                             hp_symbolize_session **ret, hp_error *reterr);
/** hp_symbolize_session_free - accepts NULL; returns NULL. */
hp_symbolize_session *hp_symbolize_session_free(hp_symbolize_session *s);

/**
 * hp_symbolize_session_object - the object of mapping m, opened on first use
 * (the command-line program stands in for the main executable).
 * Returns: 0 and *ret (borrowed, valid until the session is freed); -ENOENT
 *          when its file could not be used (a warning was added to the
 *          profile), -ENOEXEC for anonymous mappings, -ENOMEM.
 */
int hp_symbolize_session_object(hp_symbolize_session *s, uint32_t m, hp_symobj **ret);

#endif
