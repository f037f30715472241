/*
 * hp_report.h - from a (symbolized) profile to what the reports print, in
 * Perl pprof's order (SPEC 4.3): pick one value per sample, total it, drop
 * allocator frames, apply --focus/--ignore (and Go's -show/-hide), translate
 * each stack into granularity keys, de-duplicate keys per stack (recursion
 * counts once), and sum flat and cumulative values per key.
 *
 * The report keeps the processed stacks (location level, and key level before
 * de-duplication) for the renderers that need them (--stacks, --collapsed,
 * call graphs). It owns all its memory; the profile is only borrowed while
 * hp_report_build runs, and again by renderers that print locations.
 */
#ifndef HP_REPORT_H
#define HP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hp_error.h"
#include "hp_profile.h"
#include "hp_strtab.h"

typedef enum hp_granularity {
    HP_GRAN_FUNCTIONS = 0,
    HP_GRAN_LINES,
    HP_GRAN_FILES,
    HP_GRAN_ADDRESSES,
} hp_granularity;

typedef struct hp_report_options {
    int metric;                 /* HP_INUSE_SPACE (default) ... HP_ALLOC_OBJECTS */
    hp_granularity granularity;
    bool show_addresses;        /* --show_addresses */
    bool drop_allocator_frames; /* true for heap and growth profiles */
    const char *focus;          /* regular expressions (Perl-style subset), NULL = none */
    const char *ignore;
    const char *show;           /* Go's -show: keep only matching frames */
    const char *hide;           /* Go's -hide: remove matching frames */
    bool keep_stack_keys;       /* fill stack_keys (graphs, collapsed stacks) */
    double percent_base;        /* non-zero: percentages of this (Go's -diff_base: the base's
                                   total) instead of the sum of flat values */
} hp_report_options;

/* A processed stack: location-level frames after allocator removal and
 * filtering; identical processed stacks are merged. */
typedef struct hp_report_stack {
    double value;
    uint32_t frames; /* index into frame_locs[] */
    uint32_t nframes;
    uint32_t keys;   /* index into stack_keys[]: granularity keys, leaf first, not de-duplicated */
    uint32_t nkeys;
    uint32_t sample; /* the first profile sample merged into it */
} hp_report_stack;

/* Frame encoding in frame_locs[]: location index | HP_FRAME_LEAF when the
 * location was frame 0 of its sample line (its address is shown unadjusted). */
#define HP_FRAME_LEAF 0x80000000u
#define HP_FRAME_LOC(f) ((f) & ~HP_FRAME_LEAF)

typedef struct hp_report {
    const hp_profile *profile;
    hp_report_options opts;
    double total;    /* sum over every sample before frame removal and focus ("Total:") */
    double focused;  /* sum of flat values: the percentage base */

    hp_strtab *keys;   /* key strings; id 0 = "" (unused) */
    hp_strtab *labels; /* texts printed for keys that do not print as themselves */
    uint32_t *display; /* per key: label id, 0 = the key itself */
    double *flat, *cum;
    size_t nkeys;
    uint32_t *rows;     /* key ids in text order: flat descending, then key */
    uint32_t *cum_rows; /* the same keys by cum descending, then key (--cum) */
    size_t nrows;

    hp_report_stack *stacks;
    size_t nstacks;
    uint32_t *frame_locs;  /* encoded frames (see hp_report_frame); NULL when
                              frames_are_samples: then stack i is sample i and its
                              frames are the profile's stack_locs */
    size_t nframe_locs;
    bool frames_are_samples;
    uint32_t *stack_keys; /* only with opts.keep_stack_keys */
    size_t nstack_keys;
    uint8_t *dropped; /* per profile sample: 1 when --focus/--ignore dropped it; NULL: none */
} hp_report;

/**
 * hp_report_build - compute the report of profile p.
 * Returns: 0 and *ret (free with hp_report_free); -EINVAL with reterr for a bad
 *          regular expression; -ENOMEM. *ret untouched on failure.
 * Ownership: p is borrowed and must outlive the report.
 */
int hp_report_build(const hp_profile *p, const hp_report_options *opts, hp_report **ret,
                    hp_error *reterr);

/** hp_report_free - accepts NULL; returns NULL. */
hp_report *hp_report_free(hp_report *r);

/** hp_report_rows - the nrows row keys by flat (by_cum false) or cum, descending, ties by key. */
static inline const uint32_t *hp_report_rows(const hp_report *r, bool by_cum)
{
    return by_cum ? r->cum_rows : r->rows;
}

/** hp_report_key - string of a key id (borrowed). */
static inline const char *hp_report_key(const hp_report *r, uint32_t key)
{
    return hp_strtab_get(r->keys, key);
}

/** hp_report_label - the text printed for a key in tables (borrowed). */
static inline const char *hp_report_label(const hp_report *r, uint32_t key)
{
    return r->display[key] ? hp_strtab_get(r->labels, r->display[key]) : hp_strtab_get(r->keys, key);
}

/** hp_report_frame - frame j (leaf first) of a processed stack, encoded as above. */
static inline uint32_t hp_report_frame(const hp_report *r, const hp_report_stack *st, uint32_t j)
{
    if (r->frames_are_samples) {
        uint32_t f = r->profile->stack_locs[st->frames + j];
        return j == 0 ? f | HP_FRAME_LEAF : f;
    }
    return r->frame_locs[st->frames + j];
}

/** hp_report_frame_address - the address Perl pprof shows for a frame (leaf raw, callers - 1). */
uint64_t hp_report_frame_address(const hp_report *r, uint32_t frame);

#endif
