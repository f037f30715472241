/*
 * hp_trend.h - the leak trend of a dump series (pprof --trend): one report
 * per dump is added in order; stacks are matched across dumps by their
 * granularity keys (function names by default, after allocator frames are
 * removed and --focus/--ignore applied, as the reports do), so a stack keeps
 * its identity whatever its addresses. Each stack gets its value in every
 * dump (0 where absent), growth = last - first, monotonicity = the fraction
 * of the steps between consecutive dumps where it did not decrease, and
 * score = growth x monotonicity; rows are ranked by score.
 */
#ifndef HP_TREND_H
#define HP_TREND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hp_error.h"
#include "hp_report.h"
#include "hp_seqtab.h"

typedef struct hp_trend_row {
    uint32_t stack;     /* stack id (hp_trend_stack) */
    double first, last; /* values in the first and the last dump */
    double growth;      /* last - first */
    double monotonicity; /* in [0, 1]; 1 for a series of one dump */
    double score;       /* growth * monotonicity */
} hp_trend_row;

typedef struct hp_trend {
    int metric;        /* HP_INUSE_SPACE, ... (the reports' metric) */
    size_t ndumps;
    char **dumps;      /* file name of each dump, in series order */
    long *numbers;     /* NNNN of PREFIX.NNNN.heap, -1 when the name has none */
    double *totals;    /* each dump's total (the reports' "Total:") */
    size_t nstacks;    /* distinct stacks over the whole series */
    double *values;    /* nstacks x ndumps: values[stack * ndumps + dump] */
    hp_trend_row *rows; /* after hp_trend_rank: ranked rows */
    size_t nrows;
    size_t ngrowing;   /* stacks with growth > 0 */
    /* internal: key strings, their labels, stacks as key sequences */
    hp_strtab *keys, *labels;
    uint32_t *label_of; /* per key id: label id */
    size_t label_of_alloc;
    hp_seqtab *seqs;
    size_t values_alloc;
} hp_trend;

/**
 * hp_trend_new - an empty series of ndumps dumps (ndumps >= 1) of metric.
 * Returns: 0 and *ret (free with hp_trend_free), or -ENOMEM; *ret untouched on failure.
 */
int hp_trend_new(size_t ndumps, int metric, hp_trend **ret);

/** hp_trend_free - accepts NULL; returns NULL. */
hp_trend *hp_trend_free(hp_trend *t);

/**
 * hp_trend_add - add dump number `dump` (0-based, series order) read from
 * file `name`, from its report (built with keep_stack_keys). Stacks with the
 * same key sequence are summed. The report is only read: it may be freed
 * afterwards. Returns: 0; -EINVAL for a dump out of range or a report
 * without stack keys; -ENOMEM.
 */
int hp_trend_add(hp_trend *t, size_t dump, const char *name, const hp_report *rep);

/**
 * hp_trend_rank - compute the rows: growing stacks only (every stack when
 * all), ranked by score, then growth, then last value (descending), then the
 * stack's text (ascending). Returns: 0 or -ENOMEM.
 */
int hp_trend_rank(hp_trend *t, bool all);

/** hp_trend_value - value of a stack in a dump. */
static inline double hp_trend_value(const hp_trend *t, uint32_t stack, size_t dump)
{
    return t->values[(size_t)stack * t->ndumps + dump];
}

/**
 * hp_trend_stack - the frames of a stack, leaf first, as key ids (borrowed;
 * hp_trend_label gives their text); *ret_n their number (0 for a stack left
 * empty by allocator-frame removal).
 */
const uint32_t *hp_trend_stack(const hp_trend *t, uint32_t stack, uint32_t *ret_n);

/** hp_trend_label - the text printed for a key id (borrowed, valid until hp_trend_free). */
const char *hp_trend_label(const hp_trend *t, uint32_t key);

/**
 * hp_trend_dump_number - NNNN of a file named PREFIX.NNNN.heap (also
 * .heap.gz, and PREFIX_<pid>.NNNN.heap), or -1.
 */
long hp_trend_dump_number(const char *path);

#endif
