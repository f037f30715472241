/*
 * hp_libpaths.h - Perl pprof's --lib_prefix and --add_lib: where a profile's
 * libraries are read from (libpaths.c).
 */
#ifndef HP_LIBPATHS_H
#define HP_LIBPATHS_H

#include "hp_error.h"
#include "hp_profile.h"

/**
 * hp_profile_lib_prefix - Perl's FindLibrary for every mapping: with the
 * comma-separated prefixes "/a,/b" and "/lib/dir/x.so", the first existing of
 * /a/lib/dir/x.so, /b/lib/dir/x.so, /a/dir/x.so, /b/dir/x.so, /a/x.so, /b/x.so
 * replaces the mapping's path; none existing, it stays.
 * Returns: 0; -ENOMEM.
 */
int hp_profile_lib_prefix(hp_profile *p, const char *prefixes);

/**
 * hp_profile_add_lib - map file's .text at its own (link-time) addresses,
 * after the profile's mappings: addresses there are looked up in file.
 * Returns: 0; -EINVAL (no .text: reterr says why); -ENOMEM.
 */
int hp_profile_add_lib(hp_profile *p, const char *file, hp_error *reterr);

#endif
