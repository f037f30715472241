/*
 * format.c - Perl pprof's number formatting shared by every renderer:
 * MB with one decimal, integer bytes or objects, and percentages with
 * nan/+inf/-inf for a zero total.
 */
#include "hp_common.h"
#include "hp_render.h"

#include <math.h>

static bool is_objects(const hp_report *r)
{
    return r->opts.metric == HP_INUSE_OBJECTS || r->opts.metric == HP_ALLOC_OBJECTS;
}

long long hp_fmt_perl_int(double v)
{
    if (isnan(v))
        return 0;
    if (v >= 9223372036854775807.0)
        return INT64_MAX;
    if (v <= -9223372036854775808.0)
        return INT64_MIN;
    return (long long)v;
}

void hp_fmt_value(const hp_report *r, const hp_render_options *o, double v, char *out,
                  size_t size)
{
    if (is_objects(r) || o->show_bytes)
        snprintf(out, size, "%lld", hp_fmt_perl_int(v));
    else
        snprintf(out, size, "%.1f", v / 1048576.0);
}

const char *hp_fmt_units(const hp_report *r, const hp_render_options *o)
{
    if (is_objects(r))
        return "objects";
    return o->show_bytes ? "B" : "MB";
}

void hp_fmt_percent(double v, double total, char *out, size_t size)
{
    if (total != 0)
        snprintf(out, size, "%.1f%%", v * 100.0 / total);
    else
        snprintf(out, size, "%s", v == 0 ? "nan" : v > 0 ? "+inf" : "-inf");
}
