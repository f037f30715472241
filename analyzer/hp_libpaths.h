/*
 * hp_libpaths.h - Perl pprof's --add_lib: an extra library mapped into a
 * profile (libpaths.c).
 */
#ifndef HP_LIBPATHS_H
#define HP_LIBPATHS_H

#include "hp_error.h"
#include "hp_profile.h"

/**
 * hp_profile_add_lib - map file's .text at its own (link-time) addresses,
 * after the profile's mappings: addresses there are looked up in file.
 * Returns: 0; -EINVAL (no .text: reterr says why); -ENOMEM.
 */
int hp_profile_add_lib(hp_profile *p, const char *file, hp_error *reterr);

#endif
