/*
 * hp_heap.h - reader of gperftools text heap profiles (and their relatives:
 * heap-checker leak files, sampled heap_v2 and growth dumps, symbolized
 * "--- symbol" files written by pprof --raw, jemalloc heap_v2 dumps), plain or
 * gzip-compressed, into an hp_profile.
 *
 * Input is untrusted: every number is range-checked, every line is bounded by
 * the buffer, and any malformed line is an error naming the file and line
 * ("x.heap:17: bad sample line"). Nothing is read past the given length.
 */
#ifndef HP_HEAP_H
#define HP_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "hp_error.h"
#include "hp_profile.h"

/* Largest accepted decompressed profile (a gzip bomb is an error, not an OOM). */
#define HP_HEAP_MAX_SIZE ((size_t)4 << 30)
/* Frames kept per stack: deeper stacks keep their leaf side, with a warning. */
#define HP_HEAP_MAX_DEPTH 4096

/**
 * hp_heap_parse - parse len bytes at data (need not be NUL-terminated).
 * name is used in error messages and recorded as the profile's path.
 * Returns: 0 and *ret (free with hp_profile_free); on failure a negative errno
 *          (-EBADMSG for malformed input, -EOVERFLOW for out-of-range numbers,
 *          -ENOMEM) with reterr set to "NAME:LINE: what is wrong"; *ret untouched.
 */
int hp_heap_parse(const char *name, const char *data, size_t len, hp_profile **ret,
                  hp_error *reterr);

/**
 * hp_heap_maps_line - add the mapping described by one MAPPED_LIBRARIES line
 * (a /proc/self/maps line, or an old "start-end: /lib/x.so" line) to p; other
 * lines are ignored. Returns: 0, or -ENOMEM.
 */
int hp_heap_maps_line(hp_profile *p, const char *line, size_t len);

/**
 * hp_heap_check_totals - compare a file's header totals (raw counts, before
 * sampling adjustment) with the sums of its sample lines; a difference is
 * recorded as a warning of p saying how much is missing. file_len: the
 * (decompressed) file size, to recognise tcmalloc's 1 MiB-capped dumps.
 * Returns: 0, or -ENOMEM.
 */
int hp_heap_check_totals(hp_profile *p, const char *name, const int64_t header[HP_NVALUES],
                         const int64_t sum[HP_NVALUES], size_t file_len);

/* Reading options; a NULL pointer means the defaults. */
typedef struct hp_heap_options {
    int64_t thread; /* jemalloc heap_v2 dumps: keep only thread N's "tN:" lines; -1 = all */
} hp_heap_options;

/**
 * hp_heap_parse_ex - hp_heap_parse with options.
 * Returns: as hp_heap_parse; with opts->thread >= 0 also -ENOTSUP when the
 *          profile is not a jemalloc dump and -ENOENT when it has no such thread.
 */
int hp_heap_parse_ex(const char *name, const char *data, size_t len, const hp_heap_options *opts,
                     hp_profile **ret, hp_error *reterr);

/**
 * hp_heap_read_file - read and parse a file ("-": standard input, named
 * "<stdin>" in messages); gzip input is inflated; a
 * profile.proto message (plain or gzipped) goes to hp_proto_parse.
 * Returns: as hp_heap_parse; -ENOENT and friends when the file cannot be
 *          opened ("cannot open 'x.heap': No such file or directory").
 */
int hp_heap_read_file(const char *path, hp_profile **ret, hp_error *reterr);

/** hp_heap_read_file_ex - hp_heap_read_file with options (NULL: defaults). */
int hp_heap_read_file_ex(const char *path, const hp_heap_options *opts, hp_profile **ret,
                         hp_error *reterr);

#endif
