/*
 * draw.c - draws a laid-out scene (scene.h): cairo for PDF, PNG and PS, and
 * a direct SVG writer (cairo's SVG surface turns text into glyph outlines;
 * ours keeps labels as <text>, with graphviz-style <title> elements, so the
 * SVG is searchable and small). Also owns text measurement for the layout:
 * one cairo context, toy font API, metric hinting off, so widths scale
 * linearly with the font size and match what is drawn.
 *
 * What is drawn, like graphviz's renderers: a white page, node boxes (nested
 * for peripheries > 1, gray-filled for --heapcheck), label lines with their
 * \n / \l / \r justification, edges as cubic B-splines with their pen width
 * (dashed into inlined frames), filled "normal" arrowheads, edge labels.
 */
#include "hp_common.h"
#include "dl_cairo.h"
#include "render-internal.h"
#include "scene.h"

#include <math.h>

/* A fixed date keeps PDF output reproducible. */
#define HP_PDF_DATE "2000-01-01T00:00:00Z"
#define ARROW_LENGTH 10.0
#define ARROW_HALF_WIDTH 3.5 /* graphviz: 0.35 * length */
#define PERIPHERY_GAP 4.0

/* ---- measurement -------------------------------------------------------------- */

static void set_font(cairo_t *cr, double size)
{
    sym_cairo_select_font_face(cr, HP_SCENE_FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    sym_cairo_set_font_size(cr, size);
}

static void unhinted(cairo_t *cr)
{
    cairo_font_options_t *fo = sym_cairo_font_options_create();
    sym_cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    sym_cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    sym_cairo_set_font_options(cr, fo);
    sym_cairo_font_options_destroy(fo);
}

double hp_scene_text_width(const char *str, double size)
{
    /* Measured at a fixed size and scaled: one font instance serves every size. */
    const double ref = 100.0;
    if (hp_dl_cairo(NULL, NULL) < 0)
        return 0; /* hp_render_image said why */
    cairo_surface_t *surf = sym_cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
    cairo_t *cr = sym_cairo_create(surf);
    unhinted(cr);
    set_font(cr, ref);
    cairo_text_extents_t ext;
    sym_cairo_text_extents(cr, str, &ext);
    double w = sym_cairo_status(cr) == CAIRO_STATUS_SUCCESS ? ext.x_advance * size / ref : 0;
    sym_cairo_destroy(cr);
    sym_cairo_surface_destroy(surf);
    return w;
}

/* ---- geometry shared by both backends ------------------------------------------- */

/* Corners of periphery k (0 = innermost) of a box node. */
static void box_rect(const hp_scene_node *n, int k, double *x, double *y, double *w, double *h)
{
    double shrink = (double)(n->peripheries - 1 - k) * PERIPHERY_GAP;
    *w = n->w - 2 * shrink;
    *h = n->h - 2 * shrink;
    *x = n->x - *w / 2;
    *y = n->y - *h / 2;
}

/* Triangle of an arrowhead from base (end of the spline) to tip. */
static void arrow_points(hp_pt base, hp_pt tip, hp_pt out[3])
{
    double dx = tip.x - base.x, dy = tip.y - base.y;
    double len = sqrt(dx * dx + dy * dy);
    if (len < 1e-9) {
        dx = 0;
        dy = ARROW_LENGTH;
        len = ARROW_LENGTH;
    }
    double ux = dx / len, uy = dy / len;
    out[0] = tip;
    out[1] = (hp_pt){base.x - uy * ARROW_HALF_WIDTH, base.y + ux * ARROW_HALF_WIDTH};
    out[2] = (hp_pt){base.x + uy * ARROW_HALF_WIDTH, base.y - ux * ARROW_HALF_WIDTH};
}

/* Left end of a text line's baseline. */
static double text_left(const hp_scene_text *t)
{
    return t->just == 'l' ? t->x : t->just == 'r' ? t->x - t->width : t->x - t->width / 2;
}

/* ---- cairo ------------------------------------------------------------------------ */

static cairo_status_t write_stream(void *closure, const unsigned char *data, unsigned int length)
{
    FILE *out = closure;
    return fwrite(data, 1, length, out) == length ? CAIRO_STATUS_SUCCESS
                                                   : CAIRO_STATUS_WRITE_ERROR;
}

static void cairo_texts(cairo_t *cr, const hp_scene *s, size_t first, size_t n)
{
    for (size_t i = first; i < first + n; i++) {
        const hp_scene_text *t = &s->texts[i];
        if (!t->str[0])
            continue;
        set_font(cr, t->size);
        sym_cairo_move_to(cr, text_left(t), t->y);
        sym_cairo_show_text(cr, t->str);
    }
}

static void cairo_arrow(cairo_t *cr, hp_pt base, hp_pt tip, double penwidth)
{
    hp_pt a[3];
    arrow_points(base, tip, a);
    sym_cairo_set_dash(cr, NULL, 0, 0);
    sym_cairo_set_line_width(cr, penwidth);
    sym_cairo_move_to(cr, a[0].x, a[0].y);
    sym_cairo_line_to(cr, a[1].x, a[1].y);
    sym_cairo_line_to(cr, a[2].x, a[2].y);
    sym_cairo_close_path(cr);
    sym_cairo_fill_preserve(cr);
    sym_cairo_stroke(cr);
}

static void cairo_scene(cairo_t *cr, const hp_scene *s)
{
    sym_cairo_set_source_rgb(cr, 1, 1, 1);
    sym_cairo_paint(cr);
    sym_cairo_set_source_rgb(cr, 0, 0, 0);
    sym_cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    unhinted(cr);
    for (size_t i = 0; i < s->nedges; i++) {
        const hp_scene_edge *e = &s->edges[i];
        const hp_pt *p = &s->pts[e->pts];
        double lw = e->penwidth > 0 ? e->penwidth : 0.01;
        sym_cairo_set_line_width(cr, lw);
        double dash[] = {6.0, 6.0}; /* graphviz cairo: 6 on, 6 off */
        sym_cairo_set_dash(cr, dash, e->dashed ? 2 : 0, 0);
        sym_cairo_move_to(cr, p[0].x, p[0].y);
        for (size_t k = 1; k + 2 < e->npts; k += 3)
            sym_cairo_curve_to(cr, p[k].x, p[k].y, p[k + 1].x, p[k + 1].y, p[k + 2].x, p[k + 2].y);
        sym_cairo_stroke(cr);
        if (e->arrow_end)
            cairo_arrow(cr, e->end_base, e->end_tip, lw);
        if (e->arrow_start)
            cairo_arrow(cr, e->start_base, e->start_tip, lw);
        cairo_texts(cr, s, e->text, e->ntext);
    }
    sym_cairo_set_dash(cr, NULL, 0, 0);
    sym_cairo_set_line_width(cr, 1.0);
    for (size_t i = 0; i < s->nnodes; i++) {
        const hp_scene_node *n = &s->nodes[i];
        for (int k = 0; k < n->peripheries; k++) {
            double x, y, w, h;
            box_rect(n, k, &x, &y, &w, &h);
            sym_cairo_rectangle(cr, x, y, w, h);
            if (k == 0 && n->filled) {
                sym_cairo_set_source_rgb(cr, 0.75, 0.75, 0.75); /* X11 "gray" */
                sym_cairo_fill_preserve(cr);
                sym_cairo_set_source_rgb(cr, 0, 0, 0);
            }
            sym_cairo_stroke(cr);
        }
        cairo_texts(cr, s, n->text, n->ntext);
    }
}

static int cairo_error(cairo_status_t st, hp_error *err)
{
    if (st == CAIRO_STATUS_NO_MEMORY)
        return hp_error_set(err, -ENOMEM, "out of memory");
    if (st == CAIRO_STATUS_WRITE_ERROR)
        return hp_error_set(err, -EIO, "error writing the graph");
    return hp_error_set(err, -EIO, "cairo: %s", sym_cairo_status_to_string(st));
}

static int draw_cairo(const hp_scene *s, const char *format, double scale, FILE *out,
                      hp_error *err)
{
    bool png = !strcmp(format, "png");
    int r = hp_dl_cairo(png ? "--png" : !strcmp(format, "pdf") ? "--pdf" : "--ps", err);
    if (r < 0)
        return r;
    double w = s->width * scale, h = s->height * scale;
    cairo_surface_t *surf;
    if (png) {
        int pw = (int)ceil(w), ph = (int)ceil(h);
        if (pw < 1 || ph < 1 || pw > 32767 || ph > 32767)
            return hp_error_set(err, -EINVAL, "graph too large for PNG (%dx%d)", pw, ph);
        surf = sym_cairo_image_surface_create(CAIRO_FORMAT_RGB24, pw, ph);
    } else if (!strcmp(format, "pdf")) {
        surf = sym_cairo_pdf_surface_create_for_stream(write_stream, out, w, h);
        sym_cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATE_DATE, HP_PDF_DATE);
        sym_cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, s->title);
    } else {
        surf = sym_cairo_ps_surface_create_for_stream(write_stream, out, w, h);
        sym_cairo_ps_surface_dsc_comment(surf, "%%Title: call graph");
    }
    cairo_t *cr = sym_cairo_create(surf);
    sym_cairo_scale(cr, scale, scale);
    cairo_scene(cr, s);
    cairo_status_t st = sym_cairo_status(cr);
    sym_cairo_destroy(cr);
    sym_cairo_surface_flush(surf);
    if (st == CAIRO_STATUS_SUCCESS && png)
        st = sym_cairo_surface_write_to_png_stream(surf, write_stream, out);
    sym_cairo_surface_finish(surf);
    if (st == CAIRO_STATUS_SUCCESS)
        st = sym_cairo_surface_status(surf);
    sym_cairo_surface_destroy(surf);
    return st == CAIRO_STATUS_SUCCESS ? 0 : cairo_error(st, err);
}

/* ---- SVG ---------------------------------------------------------------------------- */

static void svg_texts(FILE *out, const hp_scene *s, size_t first, size_t n)
{
    for (size_t i = first; i < first + n; i++) {
        const hp_scene_text *t = &s->texts[i];
        if (!t->str[0])
            continue;
        const char *anchor = t->just == 'l' ? "start" : t->just == 'r' ? "end" : "middle";
        fprintf(out,
                "<text text-anchor=\"%s\" x=\"%.2f\" y=\"%.2f\" font-family=\"%s\" "
                "font-size=\"%.2f\">",
                anchor, t->x, t->y, HP_SCENE_SVG_FONT, t->size);
        hp_xml_puts(out, t->str);
        fputs("</text>\n", out);
    }
}

static void svg_arrow(FILE *out, hp_pt base, hp_pt tip, double penwidth)
{
    hp_pt a[3];
    arrow_points(base, tip, a);
    fprintf(out,
            "<polygon fill=\"black\" stroke=\"black\" stroke-width=\"%.3f\" "
            "points=\"%.2f,%.2f %.2f,%.2f %.2f,%.2f %.2f,%.2f\"/>\n",
            penwidth, a[0].x, a[0].y, a[1].x, a[1].y, a[2].x, a[2].y, a[0].x, a[0].y);
}

static int draw_svg(const hp_scene *s, double scale, FILE *out, hp_error *err)
{
    double w = s->width * scale, h = s->height * scale;
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
    fprintf(out,
            "<svg width=\"%.0fpt\" height=\"%.0fpt\" viewBox=\"0.00 0.00 %.2f %.2f\" "
            "xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n",
            ceil(w), ceil(h), s->width, s->height);
    fputs("<g id=\"graph0\" class=\"graph\">\n<title>", out);
    hp_xml_puts(out, s->title);
    fprintf(out,
            "</title>\n<polygon fill=\"white\" stroke=\"transparent\" "
            "points=\"0,0 %.2f,0 %.2f,%.2f 0,%.2f 0,0\"/>\n",
            s->width, s->width, s->height, s->height);
    for (size_t i = 0; i < s->nnodes; i++) {
        const hp_scene_node *n = &s->nodes[i];
        fprintf(out, "<g id=\"node%zu\" class=\"node\">\n<title>", i + 1);
        hp_xml_puts(out, n->id);
        fputs("</title>\n", out);
        for (int k = 0; k < n->peripheries; k++) {
            double x, y, bw, bh;
            box_rect(n, k, &x, &y, &bw, &bh);
            fprintf(out,
                    "<polygon fill=\"%s\" stroke=\"black\" "
                    "points=\"%.2f,%.2f %.2f,%.2f %.2f,%.2f %.2f,%.2f %.2f,%.2f\"/>\n",
                    k == 0 && n->filled ? "gray" : "none", x + bw, y, x, y, x, y + bh, x + bw,
                    y + bh, x + bw, y);
        }
        svg_texts(out, s, n->text, n->ntext);
        fputs("</g>\n", out);
    }
    for (size_t i = 0; i < s->nedges; i++) {
        const hp_scene_edge *e = &s->edges[i];
        const hp_pt *p = &s->pts[e->pts];
        fprintf(out, "<g id=\"edge%zu\" class=\"edge\">\n<title>", i + 1);
        hp_xml_puts(out, e->id);
        fprintf(out, "</title>\n<path fill=\"none\" stroke=\"black\" stroke-width=\"%.3f\"%s d=\"M%.2f,%.2f",
                e->penwidth, e->dashed ? " stroke-dasharray=\"5,2\"" : "", p[0].x, p[0].y);
        for (size_t k = 1; k + 2 < e->npts; k += 3) {
            fprintf(out, "%s%.2f,%.2f %.2f,%.2f %.2f,%.2f", k == 1 ? "C" : " ", p[k].x, p[k].y,
                    p[k + 1].x, p[k + 1].y, p[k + 2].x, p[k + 2].y);
        }
        fputs("\"/>\n", out);
        if (e->arrow_end)
            svg_arrow(out, e->end_base, e->end_tip, e->penwidth);
        if (e->arrow_start)
            svg_arrow(out, e->start_base, e->start_tip, e->penwidth);
        svg_texts(out, s, e->text, e->ntext);
        fputs("</g>\n", out);
    }
    fputs("</g>\n</svg>\n", out);
    if (ferror(out))
        return hp_error_set(err, -EIO, "error writing the graph");
    return 0;
}

int hp_scene_draw(const hp_scene *s, const char *format, double fit_w, double fit_h, FILE *out,
                  hp_error *reterr)
{
    double scale = 1.0;
    if (fit_w > 0 && s->width > fit_w)
        scale = fit_w / s->width;
    if (fit_h > 0 && s->height * scale > fit_h)
        scale = fit_h / s->height;
    if (!strcmp(format, "svg"))
        return draw_svg(s, scale, out, reterr);
    if (!strcmp(format, "pdf") || !strcmp(format, "png") || !strcmp(format, "ps"))
        return draw_cairo(s, format, scale, out, reterr);
    return hp_error_set(reterr, -EINVAL, "unknown image format '%s'", format);
}
