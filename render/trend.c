/*
 * trend.c - the two outputs of pprof --trend: the text table of growing
 * stacks (growth, last value, monotonicity, a sparkline with one character
 * per dump, the stack leaf first) and a small self-contained SVG line plot
 * of the total over the series with the top growing stacks, written here
 * directly (no graphviz, no cairo) so that it is byte-stable.
 */
#include "hp_common.h"
#include "hp_buf.h"
#include "render-internal.h"

#include <math.h>

#define TREND_SEP " < " /* between frames: "leaf < caller < ... < root" */

static bool is_objects(const hp_trend *t)
{
    return t->metric == HP_INUSE_OBJECTS || t->metric == HP_ALLOC_OBJECTS;
}

/* The text reports' units: MB with one decimal, integer bytes or objects. */
static void fmt_value(const hp_trend *t, const hp_render_options *o, double v, char *out,
                      size_t size)
{
    hp_fmt_metric_value(t->metric, o, v, out, size);
}

static const char *units(const hp_trend *t, const hp_render_options *o)
{
    return hp_fmt_metric_units(t->metric, o);
}

static void stack_text(const hp_trend *t, uint32_t stack, hp_buf *b)
{
    uint32_t n;
    const uint32_t *keys = hp_trend_stack(t, stack, &n);
    hp_buf_reset(b);
    if (n == 0)
        hp_buf_adds(b, "(no frames)");
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            hp_buf_adds(b, TREND_SEP);
        hp_buf_adds(b, hp_trend_label(t, keys[i]));
    }
}

/* One character per dump, scaled between the row's minimum and maximum. */
static void sparkline(const hp_trend *t, uint32_t stack, bool ascii, hp_buf *b)
{
    static const char *const blocks[] = {"\u2581", "\u2582", "\u2583", "\u2584",
                                         "\u2585", "\u2586", "\u2587", "\u2588"};
    static const char ascii_levels[] = "_.-:=+*#";
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < t->ndumps; i++) {
        double v = hp_trend_value(t, stack, i);
        lo = fmin(lo, v);
        hi = fmax(hi, v);
    }
    for (size_t i = 0; i < t->ndumps; i++) {
        double v = hp_trend_value(t, stack, i);
        int level = hi > lo ? (int)lround((v - lo) / (hi - lo) * 7.0) : 0;
        if (ascii)
            hp_buf_addc(b, ascii_levels[level]);
        else
            hp_buf_adds(b, blocks[level]);
    }
}

int hp_render_trend_text(const hp_trend *t, const hp_render_options *o, FILE *out)
{
    size_t n = t->ndumps;
    char a[64], z[64], g[64];
    fmt_value(t, o, t->totals[0], a, sizeof(a));
    fmt_value(t, o, t->totals[n - 1], z, sizeof(z));
    fmt_value(t, o, t->totals[n - 1] - t->totals[0], g, sizeof(g));
    const char *u = units(t, o);
    fprintf(out, "Trend of %zu dump%s (%s): %s", n, n == 1 ? "" : "s", hp_value_name(t->metric),
            t->dumps[0]);
    if (n > 1)
        fprintf(out, " .. %s", t->dumps[n - 1]);
    fprintf(out, "\nTotal: %s %s -> %s %s (%s%s %s)\n", a, u, z, u,
            t->totals[n - 1] >= t->totals[0] ? "+" : "", g, u);
    size_t shown = t->nrows;
    if (o->nodecount >= 0 && (size_t)o->nodecount < shown)
        shown = (size_t)o->nodecount;
    fprintf(out, "Growing stacks: %zu of %zu", t->ngrowing, t->nstacks);
    if (shown < t->nrows)
        fprintf(out, ", top %zu shown", shown);
    fputs("; score = growth x monotonicity\n", out);
    if (shown == 0)
        return ferror(out) ? -EIO : 0;
    size_t width = n > 5 ? n : 5;
    fprintf(out, "%8s %8s %5s  %-*s  %s\n", "growth", "last", "mono", (int)width, "trend",
            "stack (leaf first)");
    hp_buf b = HP_BUF_INIT;
    for (size_t i = 0; i < shown; i++) {
        const hp_trend_row *row = &t->rows[i];
        char gv[64], lv[64], mono[16];
        fmt_value(t, o, row->growth, gv, sizeof(gv));
        fmt_value(t, o, row->last, lv, sizeof(lv));
        snprintf(mono, sizeof(mono), "%.0f%%", row->monotonicity * 100.0);
        hp_buf_reset(&b);
        sparkline(t, row->stack, o->ascii, &b);
        for (size_t k = n; k < width; k++)
            hp_buf_addc(&b, ' ');
        fprintf(out, "%8s %8s %5s  %s  ", gv, lv, mono, b.buf);
        stack_text(t, row->stack, &b);
        fprintf(out, "%s\n", b.buf);
    }
    bool ok = hp_buf_ok(&b);
    hp_buf_release(&b);
    if (!ok)
        return -ENOMEM;
    return ferror(out) ? -EIO : 0;
}

/* ---- SVG ------------------------------------------------------------------ */

enum { SVG_W = 720, PLOT_X0 = 90, PLOT_X1 = 680, PLOT_Y0 = 50, PLOT_Y1 = 290, LEGEND_Y = 345,
       LEGEND_ROW = 18, TREND_TOP = 5 };

static const char *const palette[] = {"#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"};

/* A round tick step (1, 2, 2.5 or 5 times a power of ten) for about 5 ticks. */
static double tick_step(double max)
{
    double raw = max / 5.0;
    double p = pow(10.0, floor(log10(raw)));
    static const double steps[] = {1, 2, 2.5, 5, 10};
    for (size_t i = 0; i < HP_ARRAY_SIZE(steps); i++)
        if (steps[i] * p >= raw)
            return steps[i] * p;
    return 10 * p;
}

/* Decimals needed to print multiples of step exactly. */
static int step_decimals(double step)
{
    for (int d = 0; d < 6; d++) {
        double x = step * pow(10.0, d);
        if (fabs(x - round(x)) < 1e-6 * fmax(1.0, x))
            return d;
    }
    return 6;
}

static double svg_x(const hp_trend *t, size_t i)
{
    if (t->ndumps == 1)
        return (PLOT_X0 + PLOT_X1) / 2.0;
    return PLOT_X0 + (PLOT_X1 - PLOT_X0) * (double)i / (double)(t->ndumps - 1);
}

static double svg_y(double v, double top)
{
    return PLOT_Y1 - (PLOT_Y1 - PLOT_Y0) * v / top;
}

static void dump_label(const hp_trend *t, size_t i, char *out, size_t size)
{
    if (t->numbers[i] >= 0)
        snprintf(out, size, "%04ld", t->numbers[i]);
    else
        snprintf(out, size, "%zu", i + 1);
}

/* One series: a polyline with a dot (and a tooltip) per dump. */
static void svg_series(const hp_trend *t, const hp_render_options *o, FILE *out,
                       const double *v, double top, const char *color,
                       double width)
{
    fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" points=\"", color,
            width);
    for (size_t i = 0; i < t->ndumps; i++)
        fprintf(out, "%s%.1f,%.1f", i ? " " : "", svg_x(t, i), svg_y(v[i], top));
    fputs("\"/>\n", out);
    for (size_t i = 0; i < t->ndumps; i++) {
        char val[64];
        fmt_value(t, o, v[i], val, sizeof(val));
        fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\"><title>", svg_x(t, i),
                svg_y(v[i], top), width + 1.0, color);
        hp_xml_puts(out, t->dumps[i]);
        fprintf(out, ": %s %s</title></circle>\n", val, units(t, o));
    }
}

int hp_render_trend_svg(const hp_trend *t, const hp_render_options *o, FILE *out)
{
    size_t n = t->ndumps;
    size_t nlines = t->nrows < TREND_TOP ? t->nrows : TREND_TOP;
    if (o->nodecount >= 0 && (size_t)o->nodecount < nlines)
        nlines = (size_t)o->nodecount;
    double scale = is_objects(t) || o->show_bytes ? 1.0 : 1048576.0;
    double max = 0;
    for (size_t i = 0; i < n; i++) {
        max = fmax(max, t->totals[i]);
        for (size_t k = 0; k < nlines; k++)
            max = fmax(max, hp_trend_value(t, t->rows[k].stack, i));
    }
    double step = tick_step(max > 0 ? max / scale : 1.0);
    int dec = step_decimals(step);
    double top = step * ceil((max > 0 ? max / scale : 1.0) / step - 1e-9) * scale;
    int h = LEGEND_Y + (int)(nlines + 1) * LEGEND_ROW + 10;
    const char *u = units(t, o);

    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                 "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
            SVG_W, h, SVG_W, h);
    fprintf(out, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", SVG_W, h);
    fprintf(out, "<text x=\"%d\" y=\"24\" font-size=\"15\" font-weight=\"bold\">%s over %zu "
                 "dump%s</text>\n",
            PLOT_X0, hp_value_name(t->metric), n, n == 1 ? "" : "s");
    /* y axis: grid lines and labels */
    for (int k = 0;; k++) {
        double v = step * k;
        if (v * scale > top * (1 + 1e-9))
            break;
        double y = svg_y(v * scale, top);
        fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\"/>\n",
                PLOT_X0, y, PLOT_X1, y, k ? "#e0e0e0" : "black");
        fprintf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.*f %s</text>\n",
                PLOT_X0 - 6, y + 4, dec, v, u);
    }
    /* x axis: one tick per dump (thinned to about 20 labels) */
    fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", PLOT_X0,
            PLOT_Y0, PLOT_X0, PLOT_Y1);
    size_t every = n > 20 ? (n + 19) / 20 : 1;
    for (size_t i = 0; i < n; i++) {
        double x = svg_x(t, i);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/>\n", x,
                PLOT_Y1, x, PLOT_Y1 + 5);
        if (i % every == 0 || i == n - 1) {
            char label[32];
            dump_label(t, i, label, sizeof(label));
            fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x,
                    PLOT_Y1 + 19, label);
        }
    }
    fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">dump</text>\n",
            (PLOT_X0 + PLOT_X1) / 2, PLOT_Y1 + 37);
    /* the top growing stacks first, the total on top of them */
    for (size_t k = nlines; k-- > 0;)
        svg_series(t, o, out, t->values + (size_t)t->rows[k].stack * n, top, palette[k], 1.5);
    svg_series(t, o, out, t->totals, top, "#1f4e9c", 2.5);
    /* legend */
    hp_buf b = HP_BUF_INIT;
    for (size_t k = 0; k <= nlines; k++) {
        int y = LEGEND_Y + (int)k * LEGEND_ROW;
        const char *color = k ? palette[k - 1] : "#1f4e9c";
        fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                     "stroke-width=\"%.1f\"/>\n<text x=\"%d\" y=\"%d\">",
                PLOT_X0, y - 4, PLOT_X0 + 24, y - 4, color, k ? 1.5 : 2.5, PLOT_X0 + 32, y);
        if (k == 0) {
            char gv[64];
            fmt_value(t, o, t->totals[n - 1] - t->totals[0], gv, sizeof(gv));
            fprintf(out, "%s%s %s: total", t->totals[n - 1] >= t->totals[0] ? "+" : "", gv, u);
        } else {
            char gv[64];
            fmt_value(t, o, t->rows[k - 1].growth, gv, sizeof(gv));
            stack_text(t, t->rows[k - 1].stack, &b);
            if (hp_buf_ok(&b) && b.len > 90) {
                size_t cut = 87;
                while (cut > 0 && ((unsigned char)b.buf[cut] & 0xc0) == 0x80)
                    cut--; /* not inside a UTF-8 sequence */
                memcpy(b.buf + cut, "...", 4);
            }
            fprintf(out, "+%s %s: ", gv, u);
            hp_xml_puts(out, b.buf);
        }
        fputs("</text>\n", out);
    }
    fputs("</svg>\n", out);
    bool ok = hp_buf_ok(&b);
    hp_buf_release(&b);
    if (!ok)
        return -ENOMEM;
    return ferror(out) ? -EIO : 0;
}
