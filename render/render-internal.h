/*
 * render-internal.h - helpers shared by the renderers of render/ and not
 * part of its API: XML text for the SVG writers (xml.c), the --text table's
 * row walk (text.c), the stacks in print order (stacks.c), number formats
 * by metric and Go's scaled values (format.c).
 */
#ifndef HP_RENDER_INTERNAL_H
#define HP_RENDER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hp_render.h"

/* ---- xml.c -------------------------------------------------------------- */

/** hp_xml_puts - s as XML text: &, <, > and " escaped, other bytes as they are. */
void hp_xml_puts(FILE *out, const char *s);

/**
 * hp_xml_puts_utf8 - at most max characters of s as XML text, escaped as
 * hp_xml_puts does; control characters and each byte of an invalid UTF-8
 * sequence become '?'.
 */
void hp_xml_puts_utf8(FILE *out, const char *s, size_t max);

/** hp_utf8_len - length of the UTF-8 sequence at s, 0 when it is not valid UTF-8. */
size_t hp_utf8_len(const char *s);

/** hp_utf8_chars - the characters in s, an invalid byte counting as one. */
size_t hp_utf8_chars(const char *s);

/* ---- text.c: the rows of the --text table ------------------------------- */

typedef struct hp_rows {
    const uint32_t *rows; /* the report's row order o asks for (--cum) */
    size_t next;    /* into rows */
    long printed;   /* rows returned so far */
    double running; /* flat summed over the rows so far, skipped ones included */
    uint32_t key;   /* the current row */
} hp_rows;

/** hp_rows_start - start a walk over r's rows in the order o asks (--cum). */
void hp_rows_start(const hp_report *r, const hp_render_options *o, hp_rows *it);

/**
 * hp_rows_next - the next row the --text table prints: rows with flat and
 * cum both 0 are skipped, at most o->nodecount are returned.
 * Returns: true with it->key set, false at the end.
 */
bool hp_rows_next(const hp_report *r, const hp_render_options *o, hp_rows *it);

/* ---- stacks.c ----------------------------------------------------------- */

/**
 * hp_render_sorted_stacks - indexes of r's stacks by value descending, then
 * frame addresses (the order every stack listing prints).
 * Returns: a new array of r->nstacks entries (free()), NULL when out of memory.
 */
uint32_t *hp_render_sorted_stacks(const hp_report *r);

/** hp_frame_nkeys - the keys the report makes of a frame at loc: one per inline level. */
static inline uint32_t hp_frame_nkeys(const hp_profile *p, uint32_t loc)
{
    const hp_location *L = &p->locations[loc];
    return L->state == HP_LOC_SYMBOLIZED && L->nlines ? L->nlines : 1;
}

/* ---- format.c ----------------------------------------------------------- */

/** hp_fmt_value_or_dot - hp_fmt_value, "." for 0 (Perl's --list and --disasm columns). */
void hp_fmt_value_or_dot(const hp_report *r, const hp_render_options *o, double v, char *out,
                         size_t size);

/** hp_fmt_metric_value / hp_fmt_metric_units - hp_fmt_value and hp_fmt_units for a metric. */
void hp_fmt_metric_value(int metric, const hp_render_options *o, double v, char *out, size_t size);
const char *hp_fmt_metric_units(int metric, const hp_render_options *o);

/**
 * hp_fmt_go_scaled - Go's measurement.ScaledLabel tail: x with two decimals,
 * ".00" dropped, then unit; "0" for zero (also -0).
 */
void hp_fmt_go_scaled(double x, const char *unit, char *out, size_t size);

#endif
