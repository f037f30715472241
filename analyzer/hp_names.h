/*
 * hp_names.h - Perl pprof's function-name rules: ShortFunctionName (drop
 * argument lists, nm address tags, template arguments and return types) and
 * the list of allocator frames removed from heap stacks (SPEC 3.4, 3.6).
 */
#ifndef HP_NAMES_H
#define HP_NAMES_H

#include <stdbool.h>

#include "hp_buf.h"

/**
 * hp_short_name - Perl pprof's ShortFunctionName(full) appended to out.
 * strip_templates: false for --no_strip_temp.
 */
void hp_short_name(const char *full, bool strip_templates, hp_buf *out);

/** hp_is_allocator_frame - true when Perl pprof drops a frame of this (outermost, short) name. */
bool hp_is_allocator_frame(const char *short_name);

/** hp_is_jemalloc_frame - true when jeprof drops a frame of this name: Perl's list plus
 * jemalloc's entry points (mallocx, aligned_alloc, newImpl, ...). */
bool hp_is_jemalloc_frame(const char *short_name);

/** hp_is_jemalloc_object - true when path names a jemalloc library (libjemalloc*): every
 * frame inside it is the allocator's own. */
bool hp_is_jemalloc_object(const char *path);

#endif
