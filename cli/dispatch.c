/*
 * dispatch.c - the output-mode table of `pprof` and the render dispatch
 * shared by one-shot runs (main.c) and the shell (shell.c): each mode's
 * render function, the graph built for the graph modes, --json's document,
 * and the viewers of --web, --gv and --evince. The command line's options,
 * the shell's commands and both helps are generated from the table.
 * To add a mode: a row here (in --help's order) and its render function.
 */
#include "hp_common.h"
#include "hp_callers.h"
#include "hp_dispatch.h"
#include "hp_render.h"
#include "hp_report.h"
#include "hp_symbolizer.h"

#include <unistd.h>

/* ---- render functions --------------------------------------------------- */

static int text(const hp_cli_render_ctx *c, FILE *out, hp_error *err)
{
    (void)err;
    return hp_render_text(c->rep, c->rnd, out);
}

static int traces(const hp_cli_render_ctx *c, FILE *out, hp_error *err)
{
    (void)err;
    return hp_render_traces(c->rep, c->rnd, out);
}

static int callgrind(const hp_cli_render_ctx *c, FILE *out, hp_error *err)
{
    (void)err;
    return hp_render_callgrind(c->rep, out);
}

static int collapsed(const hp_cli_render_ctx *c, FILE *out, hp_error *err)
{
    (void)err;
    return hp_render_collapsed(c->rep, out);
}

static int flame(const hp_cli_render_ctx *c, FILE *out, hp_error *err)
{
    (void)err;
    return hp_render_flame(c->rep, c->rnd, c->o->mode == HP_OUT_ICICLE, out);
}

static int raw(const hp_cli_render_ctx *c, FILE *out, hp_error *err)
{
    (void)err;
    return hp_render_raw(c->rep, c->rnd, out);
}

static int proto(const hp_cli_render_ctx *c, FILE *out, hp_error *err)
{
    return hp_render_proto(c->rep, out, err);
}

static int list(const hp_cli_render_ctx *c, FILE *out, hp_error *err)
{
    hp_symbolize_session *session = hp_cli_session_objects(c->s);
    if (!session)
        return hp_error_set(err, -EINVAL, "--list needs the binaries (not a symbolized profile)");
    hp_listing *l = NULL;
    /* objects opened only to look for matching names warn nothing */
    int r = hp_listing_build(c->rep, session, c->o->mode_arg, c->o->source_path, &l, err);
    for (size_t i = 0; r == 0 && i < l->nwarnings; i++)
        fprintf(stderr, "%s\n", l->warnings[i]);
    if (r == 0)
        r = hp_render_list(c->rep, l, c->rnd, out);
    hp_listing_free(l);
    return r;
}

/* --nodecount (80 when not given), --nodefraction, --edgefraction, --maxdegree */
static hp_graph_options graph_options(const hp_cli_opts *o)
{
    return (hp_graph_options){
        .nodecount = o->nodecount >= 0 ? o->nodecount : 80,
        .nodefraction = o->nodefraction,
        .edgefraction = o->edgefraction,
        .maxdegree = o->maxdegree,
    };
}

/* Perl's --disasm=RE: the routines matching RE, decoded in process (Capstone) */
static int disasm(const hp_cli_render_ctx *c, FILE *out, hp_error *err)
{
    hp_symbolize_session *session = hp_cli_session_objects(c->s);
    if (!session)
        return hp_error_set(err, -EINVAL, "--disasm needs the binaries (not a symbolized profile)");
    hp_disasm *d = NULL;
    int r = hp_symbolizer_disasm_load(err);
    if (r < 0)
        return r;
    r = hp_disasm_build(c->rep, session, c->o->mode_arg, c->o->source_path, &d, err);
    for (size_t i = 0; r == 0 && i < d->nwarnings; i++)
        fprintf(stderr, "%s\n", d->warnings[i]);
    if (r == 0)
        r = hp_render_disasm(c->rep, d, c->rnd, out);
    hp_disasm_free(d);
    return r;
}

/* Go pprof's -tree and -peek=RE */
static int callers(const hp_cli_render_ctx *c, FILE *out, hp_error *err)
{
    const hp_cli_opts *o = c->o;
    hp_callers_options co = {
        .program = c->rnd->program,
        .peek = o->mode == HP_OUT_PEEK ? o->mode_arg : NULL,
        .focus = o->focus, .ignore = o->ignore, .hide = o->hide, .show = o->show,
    };
    hp_graph_options go = graph_options(o);
    hp_callers *g = NULL;
    int r = hp_callers_build(c->rep, co.peek ? NULL : &go, o->cum, &g, err);
    if (r == 0)
        r = hp_render_callers(g, &co, out, err);
    hp_callers_free(g);
    return r;
}

static int dot(const hp_cli_render_ctx *c, FILE *out, hp_error *err)
{
    (void)err;
    return hp_render_dot(c->graph, c->rnd, out);
}

/* The graph drawn by Graphviz: SVG with Perl's minimum line width, PDF and
 * PostScript on a page, as Perl pprof draws them. */
static int image_as(const hp_cli_render_ctx *c, const char *format, FILE *out, hp_error *err)
{
    c->rnd->min_line_width = !strcmp(format, "svg");
    c->rnd->page_size = !strcmp(format, "pdf") || !strcmp(format, "ps");
    return hp_render_image(c->graph, c->rnd, format, out, err);
}

static int svg(const hp_cli_render_ctx *c, FILE *out, hp_error *err)
{
    return image_as(c, "svg", out, err);
}

static int pdf(const hp_cli_render_ctx *c, FILE *out, hp_error *err)
{
    return image_as(c, "pdf", out, err);
}

static int png(const hp_cli_render_ctx *c, FILE *out, hp_error *err)
{
    return image_as(c, "png", out, err);
}

static int ps(const hp_cli_render_ctx *c, FILE *out, hp_error *err)
{
    return image_as(c, "ps", out, err);
}

/* --web, --gv, --evince: the graph goes to a temporary file opened with a viewer
 * ($BROWSER or xdg-open for SVG, gv for PostScript, evince for PDF). */
static int show_as(const hp_cli_render_ctx *c, const char *format, hp_error *err)
{
    const char *tmpdir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/pprof.XXXXXX.%s", tmpdir && *tmpdir ? tmpdir : "/tmp",
             format);
    int fd = mkstemps(path, (int)strlen(format) + 1);
    if (fd < 0)
        return hp_error_set(err, -errno, "cannot create '%s': %s", path, strerror(errno));
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        return hp_error_set(err, -errno, "cannot write '%s': %s", path, strerror(errno));
    }
    int r = image_as(c, format, f, err);
    if (fclose(f) != 0 && r == 0)
        r = hp_error_set(err, -EIO, "error writing '%s'", path);
    if (r < 0)
        return r;
    const char *viewer = !strcmp(format, "svg") ? getenv("BROWSER") : NULL;
    if (!viewer || !*viewer)
        viewer = !strcmp(format, "svg") ? "xdg-open" : !strcmp(format, "ps") ? "gv" : "evince";
    fprintf(stderr, "Loading web page file://%s\n", path);
    pid_t pid = fork();
    if (pid == 0) {
        char scale[32];
        snprintf(scale, sizeof(scale), "--scale=%ld", c->o->scale);
        if (c->o->scale && !strcmp(viewer, "gv")) /* Perl: --scale=N goes to gv */
            execlp(viewer, viewer, scale, path, (char *)NULL);
        else
            execlp(viewer, viewer, path, (char *)NULL);
        fprintf(stderr, "pprof: cannot run '%s': %s\n", viewer, strerror(errno));
        _exit(127);
    }
    if (pid < 0)
        return hp_error_set(err, -errno, "cannot run '%s': %s", viewer, strerror(errno));
    return 0;
}

static int gv(const hp_cli_render_ctx *c, FILE *out, hp_error *err)
{
    (void)out;
    return show_as(c, "ps", err);
}

static int evince(const hp_cli_render_ctx *c, FILE *out, hp_error *err)
{
    (void)out;
    return show_as(c, "pdf", err);
}

static int web(const hp_cli_render_ctx *c, FILE *out, hp_error *err)
{
    (void)out;
    return show_as(c, "svg", err);
}

/* ---- whole runs ---------------------------------------------------------- */

static int symbols(const hp_cli_opts *o, hp_error *err)
{
    return hp_cli_symbols(o->nargs ? o->args[0] : NULL, o->debuginfod, stdin, stdout, err);
}

/* several profiles, not summed */
static int trend(const hp_cli_opts *o, hp_error *err)
{
    const char *program;
    char **profiles;
    int nprofiles;
    int r = hp_cli_split_args(o, &program, &profiles, &nprofiles, err);
    return r < 0 ? r : hp_cli_trend(o, program, profiles, nprofiles, err);
}

/* ---- the table ------------------------------------------------------------ */

#define GRAPH_ARGS " [focus] [-ignore]"

/* In --help's order; options.c puts the modifiers of a mode (--stacks,
 * --trend_all, ...) after it. */
static const hp_cli_mode modes[] = {
    {"text", HP_OUT_TEXT, .needs = HP_TAKES_COUNT, .perl_header = true, .render = text,
     .help = "flat text report (default when stdout is not a terminal)",
     .shell_args = " [--cum] [--lines] [focus] [-ignore]...",
     .shell_help = "the N (default 10) largest rows of --text; words are\n"
                   "focus regexes, -words ignore regexes, for this report"},
    {"top", HP_OUT_TEXT, .needs = HP_TAKES_COUNT, .perl_header = true, .render = text},
    {"traces", HP_OUT_TRACES, .render = traces,
     .help = "every stack with its value (Go pprof's -traces)",
     .shell_help = "every stack with its value"},
    {"callgrind", HP_OUT_CALLGRIND, "callgrind", HP_TAKES_FILE, .render = callgrind,
     .help = "callgrind format (for kcachegrind)",
     .shell_help = "callgrind format, to FILE or pprofNNN.callgrind"},
    {"collapsed", HP_OUT_COLLAPSED, .render = collapsed,
     .help = "folded stacks (for flamegraph.pl)", .shell_help = "folded stacks"},
    {"flame", HP_OUT_FLAME, "svg", .render = flame,
     .help = "flame graph as one self-contained SVG (zoom, search)",
     .shell_args = GRAPH_ARGS, .shell_help = "the flame graph, to pprofNNN.svg unless \"> FILE\""},
    {"icicle", HP_OUT_ICICLE, "svg", .render = flame,
     .help = "the flame graph upside down: root at the top"},
    {"list", HP_OUT_LIST, .needs = HP_NEEDS_REGEX | HP_NEEDS_OBJECTS, .perl_header = true,
     .render = list, .help = "annotated source of functions matching RE",
     .shell_args = " [-ignore]", .shell_help = "annotated source of the routines matching RE"},
    {"disasm", HP_OUT_DISASM, .needs = HP_NEEDS_REGEX | HP_NEEDS_OBJECTS, .perl_header = true,
     .render = disasm, .help = "annotated disassembly of functions matching RE",
     .shell_args = " [-ignore]", .shell_help = "annotated disassembly of the routines matching RE"},
    {"symbols", HP_OUT_SYMBOLS, .run = symbols, .help = "symbolize the addresses read from stdin"},
    {"dot", HP_OUT_DOT, "dot", HP_NEEDS_GRAPH, .render = dot, .help = "call graph in DOT",
     .shell_args = GRAPH_ARGS,
     .shell_help = "the call graph, to pprofNNN.<format> unless \"> FILE\""},
    {"svg", HP_OUT_SVG, "svg", HP_NEEDS_GRAPH, .render = svg, .help = "call graph as SVG"},
    {"pdf", HP_OUT_PDF, "pdf", HP_NEEDS_GRAPH, .render = pdf, .help = "call graph as PDF"},
    {"png", HP_OUT_PNG, "png", HP_NEEDS_GRAPH, .render = png, .help = "call graph as PNG"},
    {"ps", HP_OUT_PS, "ps", HP_NEEDS_GRAPH, .render = ps, .help = "call graph as PostScript"},
    {"gif", HP_OUT_GIF, .refused = "GIF output is not supported", .instead = "png"},
    {"gv", HP_OUT_GV, .needs = HP_NEEDS_GRAPH, .perl_header = true, .render = gv,
     .help = "call graph shown with gv", .shell_args = GRAPH_ARGS,
     .shell_help = "the call graph in gv, evince or a browser"},
    {"evince", HP_OUT_EVINCE, .needs = HP_NEEDS_GRAPH, .perl_header = true, .render = evince,
     .help = "call graph shown with evince"},
    {"web", HP_OUT_WEB, .needs = HP_NEEDS_GRAPH, .perl_header = true, .render = web,
     .help = "call graph shown in a web browser"},
    {"raw", HP_OUT_RAW, .render = raw, .help = "symbolized profile, readable without the binary",
     .shell_help = "the symbolized profile"},
    {"interactive", HP_OUT_INTERACTIVE, .help = "interactive shell"},
    {"trend", HP_OUT_TREND, .run = trend,
     .help = "stacks growing over a dump series (with --svg: a plot)"},
    {"tree", HP_OUT_TREE, .render = callers,
     .help = "callers and callees of every function (Go pprof's -tree)",
     .shell_help = "Go pprof's callers/callees of every (matching) function"},
    {"peek", HP_OUT_PEEK, .needs = HP_NEEDS_REGEX, .render = callers,
     .help = "callers and callees of functions matching RE (Go pprof's -peek)"},
    {"proto", HP_OUT_PROTO, "pb.gz", .render = proto,
     .help = "gzipped profile.proto (Go pprof, Pyroscope, Parca)",
     .shell_help = "gzipped profile.proto, to pprofNNN.pb.gz"},
};

const hp_cli_mode *hp_cli_modes(size_t *ret_n)
{
    *ret_n = HP_ARRAY_SIZE(modes);
    return modes;
}

const hp_cli_mode *hp_cli_mode_of(hp_output_mode m)
{
    for (size_t i = 0; i < HP_ARRAY_SIZE(modes); i++)
        if (modes[i].mode == m)
            return &modes[i];
    return NULL;
}

bool hp_cli_mode_advertised(const hp_cli_mode *m)
{
    return (m->render || m->run || m->mode == HP_OUT_INTERACTIVE) && !m->refused;
}

int hp_cli_mode_refuse(const hp_cli_mode *m, const char *dashes, hp_error *reterr)
{
    return hp_error_set(reterr, -ENOTSUP, "%s: use %s%s instead", m->refused, dashes,
                        m->instead);
}

/* ---- the dispatch ----------------------------------------------------------- */

/* The graph, and Perl's "Dropping nodes" line when it was trimmed. */
static int build_graph(const hp_cli_opts *o, const hp_report *rep, const hp_render_options *rnd,
                       hp_graph **ret, hp_error *err)
{
    hp_graph_options go = graph_options(o);
    int r = hp_graph_build(rep, &go, ret, err);
    if (r < 0)
        return r;
    const hp_graph *g = *ret;
    if (g->nodelimit > 0 || g->edgelimit > 0) {
        char nl[64], el[64];
        hp_fmt_value(rep, rnd, g->nodelimit, nl, sizeof(nl));
        hp_fmt_value(rep, rnd, g->edgelimit, el, sizeof(el));
        const char *u = hp_fmt_units(rep, rnd);
        fprintf(stderr, "Dropping nodes with <= %s %s; edges with <= %s abs(%s)\n", nl, u, el, u);
    }
    return 0;
}

/* --json[=PARTS]: one JSON document with the parts asked for (or, for a bare
 * --json, those of the output mode: rows, --stacks/--traces, --dot's graph). */
static int render_json(const hp_cli_opts *o, const hp_cli_session *s, const hp_report *rep,
                       const hp_render_options *rnd, FILE *out, hp_error *err)
{
    unsigned parts = o->json & (HP_JSON_ROWS | HP_JSON_STACKS | HP_JSON_GRAPH);
    switch (o->mode) {
    case HP_OUT_NONE:
    case HP_OUT_TEXT:
        parts |= o->json & HP_JSON_AUTO ? HP_JSON_ROWS | (o->stacks ? HP_JSON_STACKS : 0) : 0;
        break;
    case HP_OUT_TRACES:
        parts |= o->json & HP_JSON_AUTO ? HP_JSON_STACKS : 0;
        break;
    case HP_OUT_DOT:
        parts |= o->json & HP_JSON_AUTO ? HP_JSON_GRAPH : 0;
        break;
    default:
        return hp_error_set(err, -EINVAL, "--json goes with --text, --stacks, --traces or --dot, "
                                          "or names its parts (--json=rows,stacks,graph)");
    }
    hp_graph *g = NULL;
    if (parts & HP_JSON_GRAPH) {
        hp_graph_options go = graph_options(o);
        int r = hp_graph_build(rep, &go, &g, err);
        if (r < 0 && r != -ENODATA)
            return r;
    }
    hp_json_info ji = {
        .parts = (parts & HP_JSON_ROWS ? HP_RENDER_JSON_ROWS : 0) |
                 (parts & HP_JSON_STACKS ? HP_RENDER_JSON_STACKS : 0) |
                 (parts & HP_JSON_GRAPH ? HP_RENDER_JSON_GRAPH : 0),
        .base = o->base ? o->base : o->diff_base,
        .diff_base = o->diff_base != NULL,
        .thread = o->thread,
    };
    hp_cli_session_args(s, &ji.program, (char ***)&ji.profiles, &ji.nprofiles);
    int r = hp_render_json(rep, g, rnd, &ji, out);
    hp_graph_free(g);
    return r;
}

void hp_cli_render_options(const hp_cli_opts *o, const hp_cli_session *s,
                           hp_render_options *ret)
{
    *ret = (hp_render_options){
        .show_bytes = o->show_bytes,
        .cum = o->cum,
        .nodecount = o->nodecount,
        .stacks = o->stacks,
        .program = hp_cli_session_program(s),
        .heapcheck = o->heapcheck,
        .has_thread = o->thread >= 0,
        .thread = o->thread,
    };
}

int hp_cli_render(const hp_cli_opts *o, hp_cli_session *s, const hp_report *rep,
                  hp_render_options *rnd, FILE *out, hp_error *err)
{
    const hp_cli_mode *m = hp_cli_mode_of(o->mode == HP_OUT_NONE ? HP_OUT_TEXT : o->mode);
    hp_cli_render_ctx c = {.o = o, .s = s, .rep = rep, .rnd = rnd};
    hp_graph *g = NULL;
    int r;
    if (o->json)
        r = render_json(o, s, rep, rnd, out, err);
    else if (!m || !m->render)
        r = hp_error_set(err, -ENOTSUP, "this output mode is not implemented yet");
    else if ((m->needs & HP_NEEDS_GRAPH) && (r = build_graph(o, rep, rnd, &g, err)) < 0)
        ;
    else {
        c.graph = g;
        r = m->render(&c, out, err);
    }
    hp_graph_free(g);
    if (r == -EIO)
        hp_error_set(err, r, "error writing the report");
    return r;
}
