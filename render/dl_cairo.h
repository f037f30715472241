/*
 * dl_cairo.h - cairo (the call-graph images: text measured for every format,
 * --png, --pdf, --ps drawn) loaded on first use: the functions draw.c calls, as
 * pointers typed from cairo's own prototypes (common/hp_dlopen.h says why).
 * The PDF, PostScript and PNG backends are part of the same library.
 */
#ifndef HP_DL_CAIRO_H
#define HP_DL_CAIRO_H

#include "hp_dlopen.h"

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-ps.h>

extern HP_DLSYM_PROTOTYPE(cairo_close_path);
extern HP_DLSYM_PROTOTYPE(cairo_create);
extern HP_DLSYM_PROTOTYPE(cairo_curve_to);
extern HP_DLSYM_PROTOTYPE(cairo_destroy);
extern HP_DLSYM_PROTOTYPE(cairo_fill_preserve);
extern HP_DLSYM_PROTOTYPE(cairo_font_options_create);
extern HP_DLSYM_PROTOTYPE(cairo_font_options_destroy);
extern HP_DLSYM_PROTOTYPE(cairo_font_options_set_hint_metrics);
extern HP_DLSYM_PROTOTYPE(cairo_font_options_set_hint_style);
extern HP_DLSYM_PROTOTYPE(cairo_image_surface_create);
extern HP_DLSYM_PROTOTYPE(cairo_line_to);
extern HP_DLSYM_PROTOTYPE(cairo_move_to);
extern HP_DLSYM_PROTOTYPE(cairo_paint);
extern HP_DLSYM_PROTOTYPE(cairo_pdf_surface_create_for_stream);
extern HP_DLSYM_PROTOTYPE(cairo_pdf_surface_set_metadata);
extern HP_DLSYM_PROTOTYPE(cairo_ps_surface_create_for_stream);
extern HP_DLSYM_PROTOTYPE(cairo_ps_surface_dsc_comment);
extern HP_DLSYM_PROTOTYPE(cairo_rectangle);
extern HP_DLSYM_PROTOTYPE(cairo_scale);
extern HP_DLSYM_PROTOTYPE(cairo_select_font_face);
extern HP_DLSYM_PROTOTYPE(cairo_set_dash);
extern HP_DLSYM_PROTOTYPE(cairo_set_font_options);
extern HP_DLSYM_PROTOTYPE(cairo_set_font_size);
extern HP_DLSYM_PROTOTYPE(cairo_set_line_join);
extern HP_DLSYM_PROTOTYPE(cairo_set_line_width);
extern HP_DLSYM_PROTOTYPE(cairo_set_source_rgb);
extern HP_DLSYM_PROTOTYPE(cairo_show_text);
extern HP_DLSYM_PROTOTYPE(cairo_status);
extern HP_DLSYM_PROTOTYPE(cairo_status_to_string);
extern HP_DLSYM_PROTOTYPE(cairo_stroke);
extern HP_DLSYM_PROTOTYPE(cairo_surface_destroy);
extern HP_DLSYM_PROTOTYPE(cairo_surface_finish);
extern HP_DLSYM_PROTOTYPE(cairo_surface_flush);
extern HP_DLSYM_PROTOTYPE(cairo_surface_status);
extern HP_DLSYM_PROTOTYPE(cairo_surface_write_to_png_stream);
extern HP_DLSYM_PROTOTYPE(cairo_text_extents);

/* Loads cairo (once); err says "FEATURE: cannot load libcairo.so.N: why" when it cannot. */
int hp_dl_cairo(const char *feature, hp_error *err);

#endif
