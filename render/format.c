/*
 * format.c - Perl pprof's number formatting shared by every renderer:
 * MB with one decimal, integer bytes or objects, and percentages with
 * nan/+inf/-inf for a zero total; and Go pprof's scaled values ("19.53kB").
 */
#include "hp_common.h"
#include "render-internal.h"

#include <math.h>

long long hp_fmt_perl_int(double v)
{
    return hp_value_int64(v);
}

void hp_fmt_metric_value(int metric, const hp_render_options *o, double v, char *out, size_t size)
{
    if (!hp_value_is_space(metric) || o->show_bytes)
        snprintf(out, size, "%lld", hp_fmt_perl_int(v));
    else
        snprintf(out, size, "%.1f", v / 1048576.0);
}

const char *hp_fmt_metric_units(int metric, const hp_render_options *o)
{
    if (!hp_value_is_space(metric))
        return "objects";
    return o->show_bytes ? "B" : "MB";
}

void hp_fmt_value(const hp_report *r, const hp_render_options *o, double v, char *out,
                  size_t size)
{
    hp_fmt_metric_value(r->opts.metric, o, v, out, size);
}

void hp_fmt_value_or_dot(const hp_report *r, const hp_render_options *o, double v, char *out,
                         size_t size)
{
    if (v == 0)
        snprintf(out, size, ".");
    else
        hp_fmt_value(r, o, v, out, size);
}

const char *hp_fmt_units(const hp_report *r, const hp_render_options *o)
{
    return hp_fmt_metric_units(r->opts.metric, o);
}

void hp_fmt_percent(double v, double total, char *out, size_t size)
{
    if (total != 0)
        snprintf(out, size, "%.1f%%", v * 100.0 / total);
    else
        snprintf(out, size, "%s", v == 0 ? "nan" : v > 0 ? "+inf" : "-inf");
}

void hp_fmt_go_scaled(double x, const char *unit, char *out, size_t size)
{
    char num[64];
    snprintf(num, sizeof(num), "%.2f", x);
    size_t n = strlen(num);
    if (n > 3 && !strcmp(num + n - 3, ".00"))
        num[n - 3] = '\0';
    if (!strcmp(num, "0") || !strcmp(num, "-0"))
        snprintf(out, size, "0");
    else
        snprintf(out, size, "%s%s", num, unit);
}

/* Go's measurement.ScaledLabel with the "auto" unit. */
void hp_fmt_go_value(double value, bool bytes, char *out, size_t size)
{
    long long v = (long long)trunc(value);
    double x = (double)v;
    const char *unit = "";
    if (bytes) {
        static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
        int u = 0;
        double scale = 1;
        while (u < 5 && (double)v >= scale * 1024) {
            scale *= 1024;
            u++;
        }
        x = (double)v / scale;
        unit = units[u];
    }
    hp_fmt_go_scaled(x, unit, out, size);
}
