/*
 * hp_profile.h - the in-memory profile model, shaped like profile.proto:
 * samples (values + a stack of location ids), locations (one per distinct
 * address, with their inline chain of lines once symbolized), functions,
 * mappings and an interned string table.
 *
 * Invariants:
 *  - cross references are uint32 indices, never pointers; location index 0,
 *    function index 0 and mapping index 0 are unused sentinels ("none");
 *  - every stack is stored leaf first, as in the .heap file, and holds the
 *    addresses exactly as written (return addresses);
 *  - samples with identical address stacks are merged when they are added;
 *  - the profile owns one arena and one string table: every string and array
 *    reachable from it is freed by hp_profile_free.
 * Only profile.c, heap_parse.c, proto_read.c, symbolize.c and merge.c write the model; later stages
 * read it directly and build their own structures.
 */
#ifndef HP_PROFILE_H
#define HP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hp_arena.h"
#include "hp_error.h"
#include "hp_strtab.h"

/* The four values of a gperftools sample line, in file order. */
enum {
    HP_INUSE_OBJECTS = 0, /* N1 */
    HP_INUSE_SPACE = 1,   /* S1 */
    HP_ALLOC_OBJECTS = 2, /* N2 */
    HP_ALLOC_SPACE = 3,   /* S2 */
    HP_NVALUES = 4,
};

/* The one table of value names: Go pprof's sample types, by value index. */
static const char *const hp_value_names[HP_NVALUES] = {"inuse_objects", "inuse_space",
                                                       "alloc_objects", "alloc_space"};

/** hp_value_name - Go pprof's sample type name of value v ("inuse_space"), "?" out of range. */
static inline const char *hp_value_name(int v)
{
    return v >= 0 && v < HP_NVALUES ? hp_value_names[v] : "?";
}

/**
 * hp_value_of_name - the value a sample type name stands for: the four of
 * hp_value_name, and Go's legacy "objects" and "space" (in use).
 * Returns: the value index, or -1 for any other name.
 */
static inline int hp_value_of_name(const char *name)
{
    for (int v = 0; v < HP_NVALUES; v++)
        if (!strcmp(name, hp_value_names[v]))
            return v;
    if (!strcmp(name, "objects"))
        return HP_INUSE_OBJECTS;
    return !strcmp(name, "space") ? HP_INUSE_SPACE : -1;
}

/** hp_value_is_space - true for the byte values (inuse_space, alloc_space). */
static inline bool hp_value_is_space(int v)
{
    return v == HP_INUSE_SPACE || v == HP_ALLOC_SPACE;
}

/**
 * hp_value_int64 - a value as an integer: truncated toward zero, clamped to
 * the int64 range, NaN as 0 (Perl's sprintf("%d")).
 */
static inline int64_t hp_value_int64(double v)
{
    if (__builtin_isnan(v))
        return 0;
    if (v >= 9223372036854775807.0)
        return INT64_MAX;
    if (v <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)v;
}

typedef enum hp_sampling {
    HP_SAMPLING_NONE = 0,
    HP_SAMPLING_V2, /* Poisson sampling with mean rate (heap_v2/R, and heap/R as R/2) */
} hp_sampling;

typedef enum hp_profile_kind {
    HP_KIND_HEAP = 0,  /* heap profiler, heap checker, sampled heap */
    HP_KIND_GROWTH,    /* GetHeapGrowthStacks */
    HP_KIND_JEMALLOC,  /* jemalloc heap_v2 dump with per-thread lines */
} hp_profile_kind;

typedef struct hp_mapping {
    uint64_t start, limit; /* [start, limit) */
    uint64_t offset;       /* file offset of start */
    uint64_t inode;
    uint32_t path;         /* string id; "" for anonymous mappings */
    char perms[5];         /* "r-xp" */
} hp_mapping;

/* One level of a location's inline chain. */
typedef struct hp_line {
    uint32_t function; /* function index, 0 = unknown */
    uint32_t file;     /* string id, 0 = unknown */
    uint32_t line;     /* 0 = unknown */
    uint32_t fileline; /* string id of "file:line" as Perl pprof prints it ("??:0", "?") */
} hp_line;

typedef struct hp_function {
    uint32_t name;       /* full demangled name (with arguments), string id */
    uint32_t short_name; /* Perl pprof's short name, string id */
    uint32_t file;       /* string id */
    uint64_t start;      /* object-relative start address (0 if unknown) */
    uint32_t mapping;    /* mapping index of the object it belongs to, 0 if unknown */
} hp_function;

typedef enum hp_loc_state {
    HP_LOC_UNSYMBOLIZED = 0, /* not looked up (--symbolize=none) or in no usable object:
                                shown as 0x%016x */
    HP_LOC_NO_OBJECT,        /* its object file could not be read: shown as the bare address */
    HP_LOC_SYMBOLIZED,       /* lines[] hold its inline chain (names may be "??") */
} hp_loc_state;

typedef struct hp_location {
    uint64_t address;    /* as in the file */
    uint32_t mapping;    /* mapping index, 0 = no mapping contains it */
    uint32_t first_line; /* index into lines[]; inline chain innermost first */
    uint32_t nlines;     /* 0 unless state == HP_LOC_SYMBOLIZED */
    uint8_t state;       /* hp_loc_state */
} hp_location;

typedef struct hp_sample {
    double value[HP_NVALUES]; /* after sampling adjustment, summed over merged lines */
    uint32_t stack;           /* index into stack_locs[] of the leaf */
    uint32_t depth;           /* number of frames; may be 0 */
} hp_sample;

/* One sample line as read (Perl pprof's --stacks leak report lists these). */
typedef struct hp_record {
    uint32_t sample;
    double value[HP_NVALUES];
} hp_record;

/* A symbol given by a symbolized ("--- symbol") profile: names outer -> inner. */
typedef struct hp_given_symbol {
    uint64_t address;
    uint32_t first_name, nnames; /* into given_names[] */
} hp_given_symbol;

typedef struct hp_profile {
    hp_arena *arena;
    hp_strtab *strings;
    char *path; /* the file it was read from */

    hp_profile_kind kind;
    char type[32];        /* header type text after '@', e.g. "heapprofile", "heap_v2" */
    hp_sampling sampling;
    double sampling_rate; /* R for HP_SAMPLING_V2 */
    int64_t header[HP_NVALUES]; /* totals printed in the header (never used for reports) */

    hp_sample *samples;
    size_t nsamples, samples_alloc;
    uint32_t *stack_locs; /* location indices */
    size_t nstack_locs, stack_locs_alloc;
    hp_location *locations; /* [0] unused */
    size_t nlocations, locations_alloc;
    hp_mapping *mappings; /* [0] unused */
    size_t nmappings, mappings_alloc;
    hp_function *functions; /* [0] unused */
    size_t nfunctions, functions_alloc;
    hp_line *lines;
    size_t nlines, lines_alloc;
    hp_record *records;
    size_t nrecords, records_alloc;

    /* symbolized profiles (Perl pprof --raw) */
    char *binary;
    hp_given_symbol *given;
    size_t ngiven, given_alloc;
    uint32_t *given_names;
    size_t ngiven_names, given_names_alloc;

    char **warnings; /* one-line warnings met while reading, for the caller to print */
    size_t nwarnings, warnings_alloc;

    /* hash tables: address -> location, stack -> sample */
    uint32_t *loc_slots;
    size_t loc_nslots;
    uint32_t *sample_slots;
    size_t sample_nslots;
} hp_profile;

/** hp_profile_new - empty profile. Returns: 0 and *ret (free with hp_profile_free), or -ENOMEM. */
int hp_profile_new(const char *path, hp_profile **ret);
/** hp_profile_free - accepts NULL; returns NULL. */
hp_profile *hp_profile_free(hp_profile *p);

/**
 * hp_profile_copy - deep copy of src (warnings excepted: the copy has none).
 * A field added to hp_profile must be copied there too (profile_copy.c).
 * Returns: 0 and *ret (free with hp_profile_free), or -ENOMEM (*ret untouched).
 */
int hp_profile_copy(const hp_profile *src, hp_profile **ret);

/**
 * hp_profile_location - index of the location for address, created if new.
 * Returns: index >= 1, or -ENOMEM.
 */
int64_t hp_profile_location(hp_profile *p, uint64_t address);

/** hp_profile_find_location - index of the location for address, 0 when there is none. */
uint32_t hp_profile_find_location(const hp_profile *p, uint64_t address);

/**
 * hp_profile_add_sample - add values (scaled by sign) for the stack of
 * location indices locs[0..depth) (leaf first); merges with an identical stack.
 * Returns: the sample index >= 0, or -ENOMEM.
 */
int64_t hp_profile_add_sample(hp_profile *p, const uint32_t *locs, uint32_t depth,
                              const double value[HP_NVALUES], double sign);

/**
 * hp_profile_program_mismatch - the warning (without "pprof: ") to print when a
 * and b were recorded from different main executables (what: "summing",
 * "subtracting"); NULL when they are the same, a profile names no executable,
 * or memory is short. Free the text with free(). (program_check.c)
 */
char *hp_profile_program_mismatch(const hp_profile *a, const hp_profile *b, const char *what);

/**
 * hp_profile_main_mapping - Go pprof's rule for the main program: the first
 * executable mapping of a real file (not "[...]", not empty) whose name does
 * not look like a shared library (foo.so, foo.so.6, foo.so_1, "foo.so (deleted)").
 * Returns: its mapping index, 0 when there is none. (program_check.c)
 */
uint32_t hp_profile_main_mapping(const hp_profile *p);

/** hp_profile_add_mapping - append a mapping. Returns: index >= 1, or -ENOMEM. */
int64_t hp_profile_add_mapping(hp_profile *p, const hp_mapping *m);

/** hp_profile_warn - record a warning (printf format). Returns: 0 or -ENOMEM. */
int hp_profile_warn(hp_profile *p, const char *fmt, ...) HP_PRINTF(2, 3);

/**
 * hp_profile_merge - add every sample of src, multiplied by sign (+1 to sum
 * profiles, -1 to subtract a base), into dst, matching stacks by address.
 * src's mappings are ignored (as Perl pprof does: right within one run only,
 * used for --symbolize=none); the names of src locations
 * read symbolized (profile.proto) are copied to dst locations that have none.
 * When drop_negative is set
 * (Perl's --drop_negative with sign -1): stacks that become negative are clamped
 * to 0 and stacks only in src are not added.
 * Returns: 0 or -ENOMEM.
 */
int hp_profile_merge(hp_profile *dst, const hp_profile *src, double sign, bool drop_negative);

/**
 * hp_profile_merge_runs - like hp_profile_merge for profiles of different runs
 * (merge.c): both already symbolized, each through its own mappings; src
 * frames are relocated into dst's mapping of the same file and matched by
 * what they name, never by raw address (DECISIONS 16). A frame dst shares
 * keeps dst's address; mappings only src has are added to dst.
 * Returns: 0 or -ENOMEM.
 */
int hp_profile_merge_runs(hp_profile *dst, const hp_profile *src, double sign,
                          bool drop_negative);

/**
 * hp_profile_merge_samples - add every sample of src, multiplied by sign, into
 * dst, with src location i standing for dst location map[i]; drop_negative as
 * for hp_profile_merge. Returns: 0 or -ENOMEM.
 */
int hp_profile_merge_samples(hp_profile *dst, const hp_profile *src, const uint32_t *map,
                             double sign, bool drop_negative);

/**
 * hp_profile_is_leak_file - whether p reads as a heap checker's leak file
 * (gperftools' or libheapprof's <prog>.<pid>.<name>-end.heap): a legacy
 * "heapprofile" that is not sampled, with at least one sample line, every line
 * one live object (`1: S [1: S]`) - the checker writes each leaked object on a
 * line of its own, while the heap profiler's dumps sum an allocation site's
 * objects on one line and keep freed ones in the alloc columns.
 */
bool hp_profile_is_leak_file(const hp_profile *p);

/** hp_profile_str - string of an id (borrowed). */
static inline const char *hp_profile_str(const hp_profile *p, uint32_t id)
{
    return hp_strtab_get(p->strings, id);
}

/**
 * hp_profile_outer_line - the outermost inline level of location loc (the
 * level Perl pprof's symbol table names), NULL when loc is not symbolized or
 * has no lines.
 */
static inline const hp_line *hp_profile_outer_line(const hp_profile *p, uint32_t loc)
{
    const hp_location *L = &p->locations[loc];
    if (L->state != HP_LOC_SYMBOLIZED || !L->nlines)
        return NULL;
    return &p->lines[L->first_line + L->nlines - 1];
}

/** hp_profile_line_name - short function name of an inline level, "??" when it has none. */
static inline const char *hp_profile_line_name(const hp_profile *p, const hp_line *l)
{
    return l->function ? hp_profile_str(p, p->functions[l->function].short_name) : "??";
}

/** hp_profile_intern - string id for s. Returns: id >= 0 or -ENOMEM. */
int64_t hp_profile_intern(hp_profile *p, const char *s);

/** hp_profile_copy_string - dst's id for src's string id (0 stays 0, "none").
 * Returns: id >= 0 or -ENOMEM. */
int64_t hp_profile_copy_string(hp_profile *dst, const hp_profile *src, uint32_t id);

/**
 * hp_profile_copy_lines - appends src location from's inline chain to dst's
 * lines and makes it dst location to's chain (state and mapping untouched).
 * Each level's function is function_of(ctx, src function) (0 stays 0);
 * its strings are copied before the level's file and file:line.
 * Returns: 0, or a negative errno from function_of, -ENOMEM.
 */
int hp_profile_copy_lines(hp_profile *dst, uint32_t to, const hp_profile *src, uint32_t from,
                          int64_t (*function_of)(void *ctx, uint32_t function), void *ctx);

/** hp_profile_mapping_of - mapping index containing address (executable mappings first), 0 if none. */
uint32_t hp_profile_mapping_of(const hp_profile *p, uint64_t address);

#endif
