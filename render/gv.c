/*
 * gv.c - hp_render_image: the call graph laid out in process by graphviz and
 * handed to draw.c as a scene (scene.h).
 *
 * The graph text is hp_render_dot's DOT (so --svg shows exactly the --dot
 * graph), read into libcgraph with agmemread. Layout runs in a graphviz
 * context built from two compiled-in plugin libraries and no plugin
 * configuration (gvContextPlugins with demand loading off, so config6a is
 * never read): graphviz's own `dot` layout library, dlopen()ed from
 * graphviz's plugin directory (known at build time: HP_GV_PLUGIN_DIR), and a
 * textlayout plugin of ours that measures label lines with cairo in the same
 * font draw.c draws them with. Nothing is rendered by graphviz (no gvRender*).
 * libcgraph, libgvc and cairo are dlopen()ed on the first image (dl_graphviz.c,
 * dl_cairo.c): a run that draws none does not load them.
 *
 * Graphviz keeps global state (error handler, font caches), so this is not
 * thread-safe; neither is graphviz.
 */
#include "hp_common.h"
#include "hp_render.h"
#include "scene.h"
#include "dl_cairo.h"
#include "dl_graphviz.h"

#include <gvc.h>
#include <gvplugin.h>
#include <gvplugin_textlayout.h>
#include <dlfcn.h>
#include <math.h>

/* ---- text measurement plugin ------------------------------------------------ */

static boolean measure_span(textspan_t *span, char **fontpath)
{
    (void)fontpath;
    double size = span->font && span->font->size > 0 ? span->font->size : 14.0;
    span->size.x = hp_scene_text_width(span->str ? span->str : "", size);
    span->size.y = size * HP_SCENE_LINESPACING;
    span->yoffset_layout = 0;
    span->yoffset_centerline = 0.1 * size; /* as graphviz's own estimate */
    span->layout = NULL;
    span->free_layout = NULL;
    return TRUE;
}

static gvtextlayout_engine_t measure_engine = {measure_span};
static gvplugin_installed_t measure_types[] = {
    {0, "textlayout", 100, &measure_engine, NULL},
    {0, NULL, 0, NULL, NULL},
};
static gvplugin_api_t measure_apis[] = {
    {API_textlayout, measure_types},
    {(api_t)0, NULL},
};
static gvplugin_library_t measure_library = {(char *)"cpprof_text", measure_apis};

static lt_symlist_t builtin_plugins[] = {
    {"gvplugin_dot_layout_LTX_library", NULL}, /* dot_layout(), once */
    {"gvplugin_cpprof_text_LTX_library", &measure_library},
    {NULL, NULL},
};

/* graphviz's `dot` layout plugin library (libgvc's plugin directory is not in
 * the loader's path): opened once, kept for the process. */
static int dot_layout(hp_error *err)
{
    static const char *const names[] = {HP_GV_PLUGIN_DIR "/libgvplugin_dot_layout.so.6",
                                        HP_GV_PLUGIN_DIR "/libgvplugin_dot_layout.so"};
    if (builtin_plugins[0].address)
        return 0;
    const char *why = "not found";
    for (size_t i = 0; i < HP_ARRAY_SIZE(names); i++) {
        void *lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            why = dlerror();
            continue;
        }
        void *sym = dlsym(lib, "gvplugin_dot_layout_LTX_library");
        if (sym) {
            builtin_plugins[0].address = sym;
            return 0;
        }
        why = "no gvplugin_dot_layout_LTX_library in it";
        dlclose(lib);
    }
    return hp_error_set(err, -ENOENT, "graphviz's dot layout plugin (%s): %s", names[0],
                        why ? why : "cannot open");
}

/* ---- graphviz error capture ---------------------------------------------------- */

static char gv_errmsg[256];

static int capture_error(char *msg)
{
    if (!gv_errmsg[0] && msg) {
        size_t n = strlen(msg);
        while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            n--;
        if (n >= sizeof(gv_errmsg))
            n = sizeof(gv_errmsg) - 1;
        memcpy(gv_errmsg, msg, n);
        gv_errmsg[n] = '\0';
    }
    return 0;
}

/* ---- big graphs -------------------------------------------------------------- *
 * dot turns every edge spanning k ranks into k virtual nodes (2k with edge
 * labels); on deep, densely connected graphs (the 100k-stack corpus profile:
 * 70 nodes, 524 edges, 42000 virtual nodes) positioning and routing take
 * minutes. Above a budget, graphviz lays out only each node's heaviest
 * in-edge (a spanning tree, which fixes ranks and order) and the other edges
 * are drawn as plain curves between the boxes. */
#define HP_VIRTUAL_NODE_BUDGET 800 /* calibrated: 516 lays out in 0.7 s, 1146 in 4 s */

/* Virtual nodes dot would create, from a longest-path ranking (cycles capped). */
static size_t estimate_virtual_nodes(const hp_graph *g)
{
    size_t n = g->nnodes, total = 0;
    size_t *rank = hp_new0(size_t, n ? n : 1);
    if (!rank)
        return 0;
    for (size_t pass = 0, changed = 1; changed && pass < n; pass++) {
        changed = 0;
        for (size_t i = 0; i < g->nedges; i++) {
            const hp_graph_edge *e = &g->edges[i];
            if (e->src != e->dst && rank[e->dst] < rank[e->src] + 1 && rank[e->src] + 1 < n) {
                rank[e->dst] = rank[e->src] + 1;
                changed = 1;
            }
        }
    }
    for (size_t i = 0; i < g->nedges; i++) {
        const hp_graph_edge *e = &g->edges[i];
        size_t a = rank[e->src], b = rank[e->dst];
        total += 2 * (a > b ? a - b : b - a);
    }
    free(rank);
    return total;
}

typedef struct extra_edge {
    Agnode_t *tail, *head;
    char *label, *style;
} extra_edge;

/* Removes all but the first (heaviest) in-edge of every node; returns them. */
static int prune_to_tree(Agraph_t *g, extra_edge **ret, size_t *ret_n)
{
    extra_edge *x = NULL;
    size_t n = 0, alloc = 0;
    for (Agnode_t *v = sym_agfstnode(g); v; v = sym_agnxtnode(g, v)) {
        Agedge_t *first = sym_agfstin(g, v);
        for (Agedge_t *e = first ? sym_agnxtin(g, first) : NULL, *next; e; e = next) {
            next = sym_agnxtin(g, e);
            if (HP_GROW(x, alloc, n + 1) < 0)
                goto oom;
            x[n] = (extra_edge){agtail(e), aghead(e), hp_strdup(sym_agget(e, (char *)"label")),
                                hp_strdup(sym_agget(e, (char *)"style"))};
            n++;
            if (!x[n - 1].label || !x[n - 1].style)
                goto oom;
            sym_agdelete(g, e);
        }
    }
    *ret = x;
    *ret_n = n;
    return 0;
oom:
    for (size_t i = 0; i < n; i++) {
        free(x[i].label);
        free(x[i].style);
    }
    free(x);
    return -ENOMEM;
}

static void free_extra(extra_edge *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(x[i].label);
        free(x[i].style);
    }
    free(x);
}

/* ---- layout -> scene ------------------------------------------------------------ */

typedef struct scene_builder {
    hp_scene *s;
    size_t nodes_alloc, edges_alloc, texts_alloc, pts_alloc;
    double llx, ury; /* graph bounding box corner used for the flip */
    double pad;
} scene_builder;

static hp_pt to_page(const scene_builder *b, pointf p)
{
    return (hp_pt){p.x - b->llx + b->pad, b->ury - p.y + b->pad};
}

/* Lines of a label centred at pos, positioned the way graphviz's emit_label
 * does (node labels get their position only when graphviz renders a node,
 * so the caller passes the node's centre; edge labels have lp->pos). */
static int add_label(scene_builder *b, const textlabel_t *lp, pointf pos, size_t *ret_first,
                     size_t *ret_n)
{
    hp_scene *s = b->s;
    *ret_first = s->ntexts;
    *ret_n = 0;
    if (!lp || lp->html || lp->u.txt.nspans <= 0)
        return 0;
    size_t n = (size_t)lp->u.txt.nspans;
    if (HP_GROW(s->texts, b->texts_alloc, s->ntexts + n) < 0)
        return -ENOMEM;
    pointf p;
    switch (lp->valign) {
    case 't':
        p.y = pos.y + lp->space.y / 2.0 - lp->fontsize;
        break;
    case 'b':
        p.y = pos.y - lp->space.y / 2.0 + lp->dimen.y - lp->fontsize;
        break;
    default:
        p.y = pos.y + lp->dimen.y / 2.0 - lp->fontsize;
        break;
    }
    for (size_t i = 0; i < n; i++) {
        const textspan_t *sp = &lp->u.txt.span[i];
        switch (sp->just) {
        case 'l':
            p.x = pos.x - lp->space.x / 2.0;
            break;
        case 'r':
            p.x = pos.x + lp->space.x / 2.0;
            break;
        default:
            p.x = pos.x;
            break;
        }
        pointf base = {p.x, p.y + sp->yoffset_centerline};
        hp_pt q = to_page(b, base);
        char *str = hp_arena_strdup(s->arena, sp->str ? sp->str : "");
        if (!str)
            return -ENOMEM;
        s->texts[s->ntexts++] = (hp_scene_text){
            .x = q.x,
            .y = q.y,
            .width = sp->size.x,
            .size = sp->font && sp->font->size > 0 ? sp->font->size : lp->fontsize,
            .just = sp->just == 'l' || sp->just == 'r' ? sp->just : 'n',
            .str = str,
        };
        p.y -= sp->size.y;
    }
    *ret_n = n;
    return 0;
}

static int add_node(scene_builder *b, Agnode_t *n)
{
    hp_scene *s = b->s;
    if (HP_GROW(s->nodes, b->nodes_alloc, s->nnodes + 1) < 0)
        return -ENOMEM;
    hp_scene_node *sn = &s->nodes[s->nnodes];
    hp_pt c = to_page(b, ND_coord(n));
    const char *shape = sym_agget(n, (char *)"shape");
    const char *style = sym_agget(n, (char *)"style");
    const char *periph = sym_agget(n, (char *)"peripheries");
    int peripheries = 1;
    if (shape && (!strcmp(shape, "plaintext") || !strcmp(shape, "none")))
        peripheries = 0;
    else if (periph && *periph)
        peripheries = atoi(periph);
    *sn = (hp_scene_node){
        .id = hp_arena_strdup(s->arena, sym_agnameof(n)),
        .x = c.x,
        .y = c.y,
        .w = ND_width(n) * 72.0,
        .h = ND_height(n) * 72.0,
        .peripheries = peripheries < 0 ? 0 : peripheries > 8 ? 8 : peripheries,
        .filled = style && strstr(style, "filled"),
    };
    if (!sn->id)
        return -ENOMEM;
    int r = add_label(b, ND_label(n), ND_coord(n), &sn->text, &sn->ntext);
    if (r < 0)
        return r;
    s->nnodes++;
    return 0;
}

/* Pen width and dash of a Perl pprof edge style "setlinewidth(w)[,dashed]". */
static void parse_style(const char *style, double *ret_penwidth, bool *ret_dashed)
{
    double penwidth = 1.0;
    bool dashed = false;
    if (style) {
        const char *lw = strstr(style, "setlinewidth(");
        if (lw)
            penwidth = strtod(lw + strlen("setlinewidth("), NULL);
        dashed = strstr(style, "dashed") != NULL;
    }
    if (!(penwidth >= 0) || penwidth > 100)
        penwidth = 1.0;
    *ret_penwidth = penwidth;
    *ret_dashed = dashed;
}

/* An edge graphviz did not route: a curve from the bottom of the tail's box
 * to the top of the head's (or between their sides when on one level). */
static int add_extra_edge(scene_builder *b, const extra_edge *x)
{
    hp_scene *s = b->s;
    if (HP_GROW(s->edges, b->edges_alloc, s->nedges + 1) < 0 ||
        HP_GROW(s->pts, b->pts_alloc, s->npts + 4) < 0 ||
        HP_GROW(s->texts, b->texts_alloc, s->ntexts + 1) < 0)
        return -ENOMEM;
    hp_pt t = to_page(b, ND_coord(x->tail)), h = to_page(b, ND_coord(x->head));
    double th = ND_height(x->tail) * 36.0, hh = ND_height(x->head) * 36.0;
    double tw = ND_width(x->tail) * 36.0, hw = ND_width(x->head) * 36.0;
    hp_pt p0, tip, dir;
    if (x->tail == x->head) {
        p0 = (hp_pt){t.x + tw, t.y - th / 2};
        tip = (hp_pt){t.x + tw, t.y + th / 2};
        dir = (hp_pt){1, 0};
    } else if (fabs(h.y - t.y) > (th + hh) / 2) {
        double sy = h.y > t.y ? 1 : -1;
        p0 = (hp_pt){t.x, t.y + sy * th};
        tip = (hp_pt){h.x, h.y - sy * hh};
        dir = (hp_pt){0, sy};
    } else {
        double sx = h.x > t.x ? 1 : -1;
        p0 = (hp_pt){t.x + sx * tw, t.y};
        tip = (hp_pt){h.x - sx * hw, h.y};
        dir = (hp_pt){sx, 0};
    }
    hp_pt p3 = {tip.x - dir.x * 10.0, tip.y - dir.y * 10.0};
    double d = fmax(20.0, (fabs(p3.x - p0.x) + fabs(p3.y - p0.y)) / 3);
    if (x->tail == x->head)
        d = 30.0;
    double penwidth;
    bool dashed;
    parse_style(x->style, &penwidth, &dashed);
    hp_scene_edge *se = &s->edges[s->nedges++];
    char *id = hp_arena_strfmt(s->arena, "%s->%s", sym_agnameof(x->tail), sym_agnameof(x->head));
    char *label = hp_arena_strdup(s->arena, x->label);
    if (!id || !label)
        return -ENOMEM;
    *se = (hp_scene_edge){
        .id = id,
        .pts = s->npts,
        .npts = 4,
        .arrow_end = true,
        .end_base = p3,
        .end_tip = tip,
        .penwidth = penwidth,
        .dashed = dashed,
        .text = s->ntexts,
        .ntext = label[0] ? 1 : 0,
    };
    s->pts[s->npts++] = p0;
    s->pts[s->npts++] = (hp_pt){p0.x + dir.x * d, p0.y + dir.y * d};
    s->pts[s->npts++] = (hp_pt){p3.x - dir.x * d, p3.y - dir.y * d};
    s->pts[s->npts++] = p3;
    if (label[0]) {
        double fs = 14.0;
        hp_pt m = {(p0.x + p3.x) / 2 + (dir.x ? 0 : 4), (p0.y + p3.y) / 2 + (dir.y ? 0 : -4)};
        s->texts[s->ntexts++] = (hp_scene_text){
            .x = m.x, .y = m.y, .width = hp_scene_text_width(label, fs), .size = fs,
            .just = 'l', .str = label};
    }
    return 0;
}

static int add_edge(scene_builder *b, Agedge_t *e)
{
    hp_scene *s = b->s;
    const splines *spl = ED_spl(e);
    if (!spl)
        return 0;
    double penwidth;
    bool dashed;
    parse_style(sym_agget(e, (char *)"style"), &penwidth, &dashed);
    char *id = hp_arena_strfmt(s->arena, "%s->%s", sym_agnameof(agtail(e)), sym_agnameof(aghead(e)));
    if (!id)
        return -ENOMEM;
    for (int i = 0; i < spl->size; i++) {
        const bezier *bz = &spl->list[i];
        if (bz->size < 1)
            continue;
        if (HP_GROW(s->edges, b->edges_alloc, s->nedges + 1) < 0 ||
            HP_GROW(s->pts, b->pts_alloc, s->npts + (size_t)bz->size) < 0)
            return -ENOMEM;
        hp_scene_edge *se = &s->edges[s->nedges];
        *se = (hp_scene_edge){
            .id = id,
            .pts = s->npts,
            .npts = (size_t)bz->size,
            .penwidth = penwidth,
            .dashed = dashed,
            .text = s->ntexts,
        };
        for (int k = 0; k < bz->size; k++)
            s->pts[s->npts++] = to_page(b, bz->list[k]);
        if (bz->eflag) {
            se->arrow_end = true;
            se->end_base = to_page(b, bz->list[bz->size - 1]);
            se->end_tip = to_page(b, bz->ep);
        }
        if (bz->sflag) {
            se->arrow_start = true;
            se->start_base = to_page(b, bz->list[0]);
            se->start_tip = to_page(b, bz->sp);
        }
        if (i == 0) {
            const textlabel_t *lp = ED_label(e);
            pointf pos = lp ? lp->pos : (pointf){0, 0};
            int r = add_label(b, lp && lp->set ? lp : NULL, pos, &se->text, &se->ntext);
            if (r < 0)
                return r;
        }
        s->nedges++;
    }
    return 0;
}

static int build_scene(Agraph_t *g, const extra_edge *extra, size_t nextra, hp_scene *s)
{
    scene_builder b = {.s = s, .pad = 4.0};
    boxf bb = GD_bb(g);
    b.llx = bb.LL.x;
    b.ury = bb.UR.y;
    s->width = bb.UR.x - bb.LL.x + 2 * b.pad;
    s->height = bb.UR.y - bb.LL.y + 2 * b.pad;
    s->title = hp_arena_strdup(s->arena, sym_agnameof(g));
    if (!s->title)
        return -ENOMEM;
    for (Agnode_t *n = sym_agfstnode(g); n; n = sym_agnxtnode(g, n)) {
        int r = add_node(&b, n);
        if (r < 0)
            return r;
    }
    for (Agnode_t *n = sym_agfstnode(g); n; n = sym_agnxtnode(g, n)) {
        for (Agedge_t *e = sym_agfstout(g, n); e; e = sym_agnxtout(g, e)) {
            int r = add_edge(&b, e);
            if (r < 0)
                return r;
        }
    }
    for (size_t i = 0; i < nextra; i++) {
        int r = add_extra_edge(&b, &extra[i]);
        if (r < 0)
            return r;
    }
    return 0;
}

static void scene_release(hp_scene *s)
{
    free(s->nodes);
    free(s->edges);
    free(s->texts);
    free(s->pts);
    hp_arena_free(s->arena);
    *s = (hp_scene){0};
}

/* Lays out the DOT text and fills s. */
static int layout(const char *dot, bool tree_only, hp_scene *s, hp_error *err)
{
    int r = 0;
    extra_edge *extra = NULL;
    size_t nextra = 0;
    gv_errmsg[0] = '\0';
    if ((r = dot_layout(err)) < 0)
        return r;
    agusererrf old_handler = sym_agseterrf(capture_error);
    GVC_t *gvc = sym_gvContextPlugins(builtin_plugins, 0);
    Agraph_t *g = NULL;
    bool laid_out = false;
    if (!gvc) {
        r = hp_error_set(err, -ENOMEM, "cannot create a graphviz context");
        goto out;
    }
    g = sym_agmemread(dot);
    if (!g) {
        r = hp_error_set(err, -EBADMSG, "graphviz cannot read the graph: %s",
                         gv_errmsg[0] ? gv_errmsg : "syntax error");
        goto out;
    }
    if (tree_only && prune_to_tree(g, &extra, &nextra) < 0) {
        r = hp_error_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    if (sym_gvLayout(gvc, g, "dot") != 0) {
        r = hp_error_set(err, -EIO, "graphviz layout failed: %s",
                         gv_errmsg[0] ? gv_errmsg : "unknown error");
        goto out;
    }
    laid_out = true;
    r = build_scene(g, extra, nextra, s);
    if (r < 0)
        hp_error_set(err, r, "out of memory");
out:
    if (laid_out)
        sym_gvFreeLayout(gvc, g);
    if (g)
        sym_agclose(g);
    if (gvc)
        sym_gvFreeContext(gvc);
    sym_agseterrf(old_handler);
    free_extra(extra, nextra);
    return r;
}

int hp_render_image(const hp_graph *g, const hp_render_options *o, const char *format, FILE *out,
                    hp_error *reterr)
{
    static const char *const formats[] = {"svg", "pdf", "png", "ps"};
    static const char *const features[] = {"--svg", "--pdf", "--png", "--ps"};
    const char *feature = NULL;
    for (size_t i = 0; format && i < HP_ARRAY_SIZE(formats); i++)
        if (!strcmp(format, formats[i]))
            feature = features[i];
    if (!feature)
        return hp_error_set(reterr, -EINVAL, "unknown image format '%s'", format ? format : "");
    /* cairo measures the labels for every format, and draws all but SVG */
    int r = hp_dl_cairo(feature, reterr);
    if (r < 0 || (r = hp_dl_graphviz(feature, reterr)) < 0)
        return r;

    char *dot = NULL;
    size_t dotlen = 0;
    FILE *mem = open_memstream(&dot, &dotlen);
    if (!mem)
        return hp_error_set(reterr, -ENOMEM, "out of memory");
    r = hp_render_dot(g, o, mem);
    if (fclose(mem) != 0 && r == 0)
        r = -ENOMEM;
    if (r < 0) {
        free(dot);
        return hp_error_set(reterr, -ENOMEM, "out of memory");
    }

    hp_scene s = {.arena = hp_arena_new()};
    if (!s.arena) {
        free(dot);
        return hp_error_set(reterr, -ENOMEM, "out of memory");
    }
    r = layout(dot, estimate_virtual_nodes(g) > HP_VIRTUAL_NODE_BUDGET, &s, reterr);
    free(dot);
    if (r == 0) {
        /* Perl pprof sets size="8,11" for paper formats: shrink to fit, never enlarge. */
        double fit_w = o->page_size ? 8 * 72.0 : 0, fit_h = o->page_size ? 11 * 72.0 : 0;
        r = hp_scene_draw(&s, format, fit_w, fit_h, out, reterr);
    }
    scene_release(&s);
    return r;
}
