/*
 * hp_listing.h - the data of Perl pprof's --list: for every function whose
 * name matches a regular expression and that holds a sampled address, the
 * source lines around it with the flat and cumulative values attributed to
 * each line (SPEC 4.8). Addresses are attributed to their top-level
 * (non-inlined) line; values of addresses outside the routine's own lines
 * move to the next address inside them, as Perl does.
 */
#ifndef HP_LISTING_H
#define HP_LISTING_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hp_error.h"
#include "hp_report.h"

typedef struct hp_symbolize_session hp_symbolize_session; /* hp_symbolize.h */
typedef struct hp_symobj hp_symobj; /* symbolizer/hp_symbolizer.h */

typedef struct hp_listing_line {
    uint32_t number;
    char *text; /* without its newline */
    double flat, cum;
} hp_listing_line;

typedef struct hp_listing_routine {
    char *name; /* short name */
    char *file; /* as printed: "/proc/self/cwd/" and a leading "./" removed */
    double flat, cum; /* totals over the routine's addresses */
    uint32_t first, last; /* the routine's own lines (printed between "---" markers) */
    hp_listing_line *lines;
    size_t nlines;
} hp_listing_routine;

typedef struct hp_listing {
    hp_listing_routine *routines;
    size_t nroutines;
    char **warnings; /* "<file>: No such file or directory", one per unreadable source */
    size_t nwarnings;
} hp_listing;

/**
 * hp_listing_build - list the routines matching regex.
 * source_path: ':'-separated directories to look for sources in (may be NULL).
 * Returns: 0 and *ret (hp_listing_free); -EINVAL for a bad expression; -ENOMEM.
 */
int hp_listing_build(const hp_report *r, hp_symbolize_session *ss, const char *regex,
                     const char *source_path, hp_listing **ret, hp_error *reterr);

/* Flat and cumulative value of one looked-up address (--list, --disasm). */
typedef struct hp_addr_value {
    uint64_t addr;
    double flat, cum;
} hp_addr_value;

/**
 * hp_address_values - the report's values per address, sorted: every frame
 * at its return address - 1, except (leaf_as_is) a sample's first frame,
 * which Perl pprof keeps as recorded (FixCallerAddresses); symbolized
 * profiles' addresses as given. Recursion counts once per stack in cum.
 * Returns: 0 and *ret (free()) / *ret_n; -ENOMEM.
 */
int hp_address_values(const hp_report *r, bool leaf_as_is, hp_addr_value **ret, size_t *ret_n);
/** hp_address_values_find - index of the first entry at or above addr. */
size_t hp_address_values_find(const hp_addr_value *av, size_t n, uint64_t addr);

/* How hp_each_routine walks the routines with samples. */
typedef struct hp_routine_walk {
    const hp_addr_value *av; /* hp_address_values */
    size_t nav;
    bool tag_address;   /* match "name<%016x start>" (Perl's nm tags; --disasm) */
    uint64_t last_size; /* the object's last function: its assumed size (0: skipped) */
    /* one routine: [start, end) object-relative, bias = runtime - object address */
    int (*routine)(void *ctx, hp_symobj *obj, const char *name, uint64_t start, uint64_t end,
                   int64_t bias);
    void (*object_done)(void *ctx); /* after each object's routines, may be NULL */
} hp_routine_walk;

/**
 * hp_routine_regex - compile the regular expression of --list/--disasm (option).
 * Returns: 0 (regfree *ret); -EINVAL with reterr naming the option.
 */
int hp_routine_regex(const char *regex, const char *option, regex_t *ret, hp_error *reterr);

/**
 * hp_each_routine - for each object of the profile's executable mappings
 * (once each), every function symbol matching re (nm's boundaries: to the
 * next function) that holds a sampled address.
 * Returns: 0; the first negative value a callback returned; -ENOMEM.
 */
int hp_each_routine(const hp_report *r, hp_symbolize_session *ss, const regex_t *re,
                    const hp_routine_walk *w, void *ctx);

/**
 * hp_source_read - the lines of a source file (found as given, else in the
 * ':'-separated source_path by its path and basename), newlines removed;
 * (*ret_lines)[1..*ret_n], [0] unused. Free with hp_source_free.
 * Returns: 0; -errno when it cannot be opened; -ENOMEM.
 */
int hp_source_read(const char *file, const char *source_path, char ***ret_lines, size_t *ret_n);
void hp_source_free(char **lines, size_t n);

/** hp_listing_free - accepts NULL; returns NULL. */
hp_listing *hp_listing_free(hp_listing *l);

#endif
