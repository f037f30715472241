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

#include "hp_graph.h"
#include "hp_listing.h"
#include "hp_report.h"

typedef struct hp_render_options {
    bool show_bytes;    /* --show_bytes: space as integer bytes */
    bool cum;           /* --cum: sort by cumulative value */
    long nodecount;     /* row limit for text (-1: all) */
    bool stacks;        /* --text --stacks */
    const char *program; /* program argument as typed (graph legends) */
    bool heapcheck;      /* --heapcheck: shade nodes with positive flat values */
    bool page_size;      /* graphs for paper (PDF, PS): size="8,11" */
    bool min_line_width; /* SVG and web: edges at least 1 wide */
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
int hp_render_text(hp_report *r, const hp_render_options *o, FILE *out);

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

/** hp_render_callgrind - callgrind format, every caller -> callee pair counted. */
int hp_render_callgrind(const hp_report *r, FILE *out);

/** hp_render_raw - a symbolized profile readable without the binaries. */
int hp_render_raw(const hp_report *r, const hp_render_options *o, FILE *out);

/** hp_render_traces - Go pprof's -traces listing (needs keep_stack_keys). */
int hp_render_traces(const hp_report *r, const hp_render_options *o, FILE *out);

#endif
