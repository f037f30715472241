/*
 * hp_render.h - report renderers. Each takes a built hp_report (and the
 * profile it borrows) and writes one output format to a stdio stream, with
 * Perl pprof's number formatting (SPEC 4.4). Renderers never print errors:
 * they return a negative errno and cli/ reports it.
 */
#ifndef HP_RENDER_H
#define HP_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include "hp_callers.h"
#include "hp_disasm.h"
#include "hp_graph.h"
#include "hp_listing.h"
#include "hp_report.h"
#include "hp_trend.h"

typedef struct hp_render_options {
    bool show_bytes;    /* --show_bytes: space as integer bytes */
    bool cum;           /* --cum: sort by cumulative value */
    long nodecount;     /* row limit for text (-1: all) */
    bool stacks;        /* --text --stacks */
    const char *program; /* program argument as typed (graph legends) */
    bool heapcheck;      /* --heapcheck: shade nodes with positive flat values */
    bool page_size;      /* graphs for paper (PDF, PS): size="8,11" */
    bool min_line_width; /* SVG and web: edges at least 1 wide */
    bool ascii;          /* --trend: ASCII sparklines instead of Unicode blocks */
    bool omit_total;     /* text: the caller printed the "Total:" line (interactive top) */
    bool has_thread;     /* text: jeprof's "Total (tN):" of a --thread=N report */
    long thread;
} hp_render_options;

/* Perl's sprintf("%d", v): truncation toward zero, clamped to the 64-bit range. */
long long hp_fmt_perl_int(double v);

/* Perl pprof's Unparse / Units / Percent. */
void hp_fmt_value(const hp_report *r, const hp_render_options *o, double v, char *out,
                  size_t size);
const char *hp_fmt_units(const hp_report *r, const hp_render_options *o);
void hp_fmt_percent(double v, double total, char *out, size_t size);

/**
 * hp_render_text - the --text report (with --stacks: the stack listing and
 * the leak report first).
 * Returns: 0, or -EIO when writing failed.
 */
int hp_render_text(const hp_report *r, const hp_render_options *o, FILE *out);

/**
 * hp_render_dot - the graph in Perl pprof's DOT dialect.
 * Returns: 0, or -EIO when writing failed.
 */
int hp_render_dot(const hp_graph *g, const hp_render_options *o, FILE *out);

/**
 * hp_render_image - the graph laid out in process by graphviz's dot engine
 * (libcgraph builds it, libgvc lays it out) and drawn with cairo: boxes,
 * labels, splines with arrowheads, the legend. format is "svg", "pdf", "png"
 * or "ps". PDF output carries a fixed creation date, so it is reproducible.
 * Returns: 0; -EINVAL for an unknown format; -EIO when writing failed;
 *          -ENOMEM; reterr says why.
 */
int hp_render_image(const hp_graph *g, const hp_render_options *o, const char *format, FILE *out,
                    hp_error *reterr);

/**
 * hp_render_stacks - Perl's "Stacks:" listing of the processed stacks, in a
 * deterministic order (value descending, then addresses).
 */
int hp_render_stacks(const hp_report *r, const hp_render_options *o, FILE *out);

/**
 * hp_render_leak_report - Perl's "Leak of N bytes in M objects allocated
 * from:" blocks, one per sample line of the profile, largest first.
 */
int hp_render_leak_report(const hp_report *r, FILE *out);

/** hp_render_collapsed - folded stacks for flamegraph.pl ("a;b;c 123"). */
int hp_render_collapsed(const hp_report *r, FILE *out);

/**
 * hp_render_flame - a self-contained SVG flame graph of the processed stacks
 * (icicle: root at the top), with click-to-zoom and search in an embedded
 * script. r must be built with keep_stack_keys.
 * Returns: 0; -EINVAL without stack keys; -ENOMEM; -EIO when writing failed.
 */
int hp_render_flame(const hp_report *r, const hp_render_options *o, bool icicle, FILE *out);

/** hp_fmt_go_value - Go pprof's auto-scaled value ("19.53kB", "512B", "100"). */
void hp_fmt_go_value(double value, bool bytes, char *out, size_t size);

/**
 * hp_render_proto - the report's profile as gzipped profile.proto (hp_proto.h):
 * every sample the report kept (--focus/--ignore applied), all four values.
 * Returns: 0; -EIO when writing failed; -ENOMEM or -EFBIG with reterr set.
 */
int hp_render_proto(const hp_report *r, FILE *out, hp_error *reterr);

/** hp_render_list - Perl pprof's --list source listing. */
int hp_render_list(const hp_report *r, const hp_listing *l, const hp_render_options *o, FILE *out);

/** hp_render_disasm - Perl pprof's --disasm annotated disassembly. */
int hp_render_disasm(const hp_report *r, const hp_disasm *d, const hp_render_options *o, FILE *out);

/** hp_render_callgrind - callgrind format, every caller -> callee pair counted. */
int hp_render_callgrind(const hp_report *r, FILE *out);

/** hp_render_raw - a symbolized profile readable without the binaries. */
int hp_render_raw(const hp_report *r, const hp_render_options *o, FILE *out);

/** hp_render_traces - Go pprof's -traces listing (needs keep_stack_keys). */
int hp_render_traces(const hp_report *r, const hp_render_options *o, FILE *out);

/**
 * hp_render_trend_text - the --trend table: a header (dumps, first and last
 * total), then one row per ranked stack (at most nodecount): growth, last
 * value, monotonicity, a sparkline (one character per dump, scaled between
 * the row's minimum and maximum) and the stack, leaf first, joined by " < ".
 * Returns: 0, -ENOMEM, or -EIO when writing failed.
 */
int hp_render_trend_text(const hp_trend *t, const hp_render_options *o, FILE *out);

/**
 * hp_render_trend_svg - a self-contained SVG line plot of the total over the
 * series (axes, value ticks, dump numbers) with the top 5 ranked stacks (at
 * most nodecount) as extra lines and a legend.
 * Returns: 0, -ENOMEM, or -EIO when writing failed.
 */
int hp_render_trend_svg(const hp_trend *t, const hp_render_options *o, FILE *out);
/* Go pprof's -tree and -peek reports (render/callers.c). */
typedef struct hp_callers_options {
    const char *program;  /* "File:" line (its base name) */
    const char *peek;     /* -peek: only nodes whose name matches (POSIX ERE); NULL for -tree */
    const char *focus, *ignore, *hide, *show; /* for the "Active filters:" lines */
} hp_callers_options;

/**
 * hp_render_callers - Go pprof's -tree (every node of g with its callers
 * above and callees below) or -peek (only nodes matching o->peek; g built
 * untrimmed), in Go's block format.
 * Returns: 0; -EINVAL for a bad -peek regular expression and -ENODATA when
 *          it matches no node (then nothing is printed; reterr says so);
 *          -EIO when writing failed; -ENOMEM.
 */
int hp_render_callers(const hp_callers *g, const hp_callers_options *o, FILE *out,
                      hp_error *reterr);

/* --json: the parts of the document (render/json.c, docs/json-schema.md). */
enum {
    HP_RENDER_JSON_ROWS = 1,   /* "rows": the --text table */
    HP_RENDER_JSON_STACKS = 2, /* "stacks": the processed stacks with their frames */
    HP_RENDER_JSON_GRAPH = 4,  /* "graph": the --dot graph's nodes and edges */
};

typedef struct hp_json_info {
    unsigned parts;            /* HP_RENDER_JSON_* */
    const char *program;       /* program argument, NULL when none was given */
    char *const *profiles;     /* the profile arguments */
    int nprofiles;
    const char *base;          /* --base or --diff_base file, NULL when none */
    bool diff_base;
    long thread;               /* --thread, -1 when not given */
} hp_json_info;

/**
 * hp_render_json - one JSON document ("schema": "cpprof/1") with the profile's
 * description and the parts asked for; keys in a fixed order, numbers as
 * integers when integral, strings escaped (invalid UTF-8 bytes as \u00XX).
 * g may be NULL (no node survived): the graph part is then empty.
 * r must be built with keep_stack_keys.
 * Returns: 0, -EIO when writing failed, -ENOMEM.
 */
int hp_render_json(const hp_report *r, const hp_graph *g, const hp_render_options *o,
                   const hp_json_info *ji, FILE *out);

#endif
