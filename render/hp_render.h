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

#include "hp_report.h"

typedef struct hp_render_options {
    bool show_bytes;    /* --show_bytes: space as integer bytes */
    bool cum;           /* --cum: sort by cumulative value */
    long nodecount;     /* row limit for text (-1: all) */
    bool stacks;        /* --text --stacks */
    const char *program; /* program argument as typed (graph legends) */
} hp_render_options;

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

#endif
