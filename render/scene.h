/*
 * scene.h - internal to render/: a laid-out call graph as plain drawing
 * primitives, the hand-off between gv.c (graphviz layout) and draw.c (cairo
 * and SVG output). Coordinates are page points with the origin at the top
 * left and y growing downwards, the graphviz 4-point pad already applied.
 * Everything lives in the scene's arena; graphviz is closed before drawing.
 */
#ifndef HP_SCENE_H
#define HP_SCENE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "hp_arena.h"
#include "hp_error.h"

typedef struct hp_pt {
    double x, y;
} hp_pt;

/* One line of a label. (x, y) is the baseline point of the anchor: the left
 * end for just 'l', the centre for 'n', the right end for 'r'. */
typedef struct hp_scene_text {
    double x, y;
    double width; /* measured advance (points), as used by the layout */
    double size;  /* font size (points) */
    char just;    /* 'l', 'n' or 'r' */
    const char *str;
} hp_scene_text;

typedef struct hp_scene_node {
    const char *id;   /* graphviz node name: "Legend", "N1", ... */
    double x, y;      /* centre */
    double w, h;      /* outer size */
    int peripheries;  /* 0 (plaintext), 1 (box) or more (nested boxes, 4 points apart) */
    bool filled;      /* gray fill (--heapcheck) */
    size_t text, ntext; /* range in texts[] */
} hp_scene_node;

/* One cubic B-spline piece of an edge: pts[0], then three points per segment. */
typedef struct hp_scene_edge {
    const char *id;      /* "N1->N2" */
    size_t pts, npts;    /* range in pts[] */
    bool arrow_end, arrow_start;
    hp_pt end_base, end_tip, start_base, start_tip;
    double penwidth;
    bool dashed;
    size_t text, ntext;  /* label lines, range in texts[] */
} hp_scene_edge;

typedef struct hp_scene {
    hp_arena *arena;
    double width, height; /* page size in points (unscaled) */
    const char *title;    /* graph name */
    hp_scene_node *nodes;
    size_t nnodes;
    hp_scene_edge *edges;
    size_t nedges;
    hp_scene_text *texts;
    size_t ntexts;
    hp_pt *pts;
    size_t npts;
} hp_scene;

/* Font family used to measure (graphviz layout) and to draw text. */
#define HP_SCENE_FONT "Times"
#define HP_SCENE_SVG_FONT "Times,serif"
/* Line height as a multiple of the font size (graphviz's LINESPACING). */
#define HP_SCENE_LINESPACING 1.2

/**
 * hp_scene_draw - draw s as format ("svg", "pdf", "png" or "ps") to out.
 * fit_w/fit_h > 0 scale the drawing down (never up) to fit that many points,
 * like graphviz's size="8,11"; 0 draws at 1:1.
 * Returns: 0; -EINVAL for an unknown format; -EIO when writing failed;
 *          -ENOMEM; reterr says why.
 */
int hp_scene_draw(const hp_scene *s, const char *format, double fit_w, double fit_h, FILE *out,
                  hp_error *reterr);

/**
 * hp_scene_text_width - advance width in points of str at font size `size`
 * in HP_SCENE_FONT, measured with cairo (hinting off, so it scales linearly).
 * Returns: the width; 0 when cairo fails.
 */
double hp_scene_text_width(const char *str, double size);

#endif
