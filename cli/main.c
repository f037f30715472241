/*
 * main.c - `pprof`: parse the command line, open a session (the profiles
 * loaded, summed, --base subtracted and symbolized once: session.c), then
 * either build one report and render it, or run the interactive shell
 * (shell.c), which renders through the same dispatch (hp_cli_render).
 * Errors are printed here (the shell prints those of its commands itself),
 * and mapped to exit codes:
 * 0 success, 1 bad or unreadable input, 2 usage error, 3 a CI gate crossed.
 */
#include "hp_common.h"
#include "hp_cli.h"
#include "hp_render.h"
#include "hp_report.h"
#include "web.h"

#include <unistd.h>

enum { EXIT_BAD_INPUT = 1, EXIT_USAGE = 2, EXIT_GATE = 3 };

/* --web, --gv, --evince: the graph goes to a temporary file opened with a viewer
 * ($BROWSER or xdg-open for SVG, gv for PostScript, evince for PDF). */
static int show_graph(const hp_graph *g, const hp_render_options *rnd, const char *format,
                      hp_error *err)
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
    int r = hp_render_image(g, rnd, format, f, err);
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
        execlp(viewer, viewer, path, (char *)NULL);
        fprintf(stderr, "pprof: cannot run '%s': %s\n", viewer, strerror(errno));
        _exit(127);
    }
    if (pid < 0)
        return hp_error_set(err, -errno, "cannot run '%s': %s", viewer, strerror(errno));
    return 0;
}

static int render_graph(const hp_cli_opts *o, const hp_report *rep, hp_render_options *rnd,
                        FILE *out, hp_error *err)
{
    hp_graph_options go = {
        .nodecount = o->nodecount >= 0 ? o->nodecount : 80,
        .nodefraction = o->nodefraction,
        .edgefraction = o->edgefraction,
        .maxdegree = o->maxdegree,
    };
    hp_graph *g = NULL;
    int r = hp_graph_build(rep, &go, &g, err);
    if (r < 0)
        return r;
    if (g->nodelimit > 0 || g->edgelimit > 0) {
        char nl[64], el[64];
        hp_fmt_value(rep, rnd, g->nodelimit, nl, sizeof(nl));
        hp_fmt_value(rep, rnd, g->edgelimit, el, sizeof(el));
        const char *u = hp_fmt_units(rep, rnd);
        fprintf(stderr, "Dropping nodes with <= %s %s; edges with <= %s abs(%s)\n", nl, u, el, u);
    }
    switch (o->mode) {
    case HP_OUT_DOT:
        r = hp_render_dot(g, rnd, out);
        break;
    case HP_OUT_SVG:
        rnd->min_line_width = true;
        r = hp_render_image(g, rnd, "svg", out, err);
        break;
    case HP_OUT_PDF:
        rnd->page_size = true;
        r = hp_render_image(g, rnd, "pdf", out, err);
        break;
    case HP_OUT_PS:
        rnd->page_size = true;
        r = hp_render_image(g, rnd, "ps", out, err);
        break;
    case HP_OUT_PNG:
        r = hp_render_image(g, rnd, "png", out, err);
        break;
    case HP_OUT_WEB:
        rnd->min_line_width = true;
        r = show_graph(g, rnd, "svg", err);
        break;
    case HP_OUT_GV:
        rnd->page_size = true;
        r = show_graph(g, rnd, "ps", err);
        break;
    case HP_OUT_EVINCE:
        rnd->page_size = true;
        r = show_graph(g, rnd, "pdf", err);
        break;
    default:
        r = hp_error_set(err, -ENOTSUP, "this output mode is not implemented yet");
        break;
    }
    hp_graph_free(g);
    return r;
}

/* --json[=PARTS]: one JSON document with the parts asked for (or, for a bare
 * --json, those of the output mode: rows, --stacks/--traces, --dot's graph). */
static int render_json(const hp_cli_opts *o, const hp_cli_session *s, hp_report *rep,
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
        hp_graph_options go = {
            .nodecount = o->nodecount >= 0 ? o->nodecount : 80,
            .nodefraction = o->nodefraction,
            .edgefraction = o->edgefraction,
            .maxdegree = o->maxdegree,
        };
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

/* The CI gates, checked after the report is printed: -ECANCELED when crossed.
 * They count the samples the report kept (--focus/--ignore apply). */
static int check_gates(const hp_cli_opts *o, const hp_report *rep, hp_error *err)
{
    const hp_profile *p = rep->profile;
    double bytes = 0, objects = 0;
    for (size_t i = 0; i < p->nsamples; i++) {
        if (rep->dropped && rep->dropped[i])
            continue;
        bytes += p->samples[i].value[HP_INUSE_SPACE];
        objects += p->samples[i].value[HP_INUSE_OBJECTS];
    }
    if (o->fail_inuse_above >= 0 && bytes > o->fail_inuse_above)
        return hp_error_set(err, -ECANCELED, "%.0f bytes in use, above the limit of %.0f",
                            bytes, o->fail_inuse_above);
    if (o->fail_on_leaks && objects > 0)
        return hp_error_set(err, -ECANCELED, "%.0f leaked objects (%.0f bytes)", objects, bytes);
    return 0;
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

int hp_cli_render(const hp_cli_opts *o, hp_cli_session *s, hp_report *rep,
                  hp_render_options *rnd, FILE *out, hp_error *err)
{
    int r;
    switch (o->json ? HP_OUT_JSON : o->mode) {
    case HP_OUT_JSON:
        r = render_json(o, s, rep, rnd, out, err);
        break;
    case HP_OUT_NONE:
    case HP_OUT_TEXT:
        r = hp_render_text(rep, rnd, out);
        break;
    case HP_OUT_COLLAPSED:
        r = hp_render_collapsed(rep, out);
        break;
    case HP_OUT_FLAME:
    case HP_OUT_ICICLE:
        r = hp_render_flame(rep, rnd, o->mode == HP_OUT_ICICLE, out);
        break;
    case HP_OUT_CALLGRIND:
        r = hp_render_callgrind(rep, out);
        break;
    case HP_OUT_RAW:
        r = hp_render_raw(rep, rnd, out);
        break;
    case HP_OUT_PROTO:
        r = hp_render_proto(rep, out, err);
        break;
    case HP_OUT_LIST: {
        hp_symbolize_session *session = hp_cli_session_objects(s);
        if (!session) {
            r = hp_error_set(err, -EINVAL, "--list needs the binaries (not a symbolized profile)");
            break;
        }
        hp_listing *l = NULL;
        /* objects opened only to look for matching names warn nothing */
        r = hp_listing_build(rep, session, o->mode_arg, o->source_path, &l, err);
        for (size_t i = 0; r == 0 && i < l->nwarnings; i++)
            fprintf(stderr, "%s\n", l->warnings[i]);
        if (r == 0)
            r = hp_render_list(rep, l, rnd, out);
        hp_listing_free(l);
        break;
    }
    case HP_OUT_TRACES:
        r = hp_render_traces(rep, rnd, out);
        break;
    case HP_OUT_TREE:
    case HP_OUT_PEEK: {
        hp_callers_options co = {
            .program = rnd->program,
            .peek = o->mode == HP_OUT_PEEK ? o->mode_arg : NULL,
            .nodecount = o->nodecount >= 0 ? o->nodecount : 80,
            .nodefraction = o->nodefraction,
            .edgefraction = o->edgefraction,
            .cum = o->cum,
            .focus = o->focus, .ignore = o->ignore, .hide = o->hide, .show = o->show,
        };
        r = hp_render_callers(rep, &co, out, err);
        break;
    }
    case HP_OUT_DOT:
    case HP_OUT_SVG:
    case HP_OUT_PDF:
    case HP_OUT_PS:
    case HP_OUT_PNG:
    case HP_OUT_WEB:
    case HP_OUT_GV:
    case HP_OUT_EVINCE:
        r = render_graph(o, rep, rnd, out, err);
        break;
    default:
        r = hp_error_set(err, -ENOTSUP, "this output mode is not implemented yet");
        break;
    }
    if (r == -EIO)
        hp_error_set(err, r, "error writing the report");
    return r;
}

/* One report, rendered once, then the CI gates. */
static int report_once(const hp_cli_opts *o, hp_cli_session *s, hp_error *err)
{
    hp_report *rep = NULL;
    FILE *out = stdout;
    int r = hp_cli_session_report(s, o, &rep, err);
    if (r < 0)
        return r;
    if (o->fail_on_leaks && !hp_profile_is_leak_file(rep->profile)) {
        hp_error_set(err, -EINVAL, "--fail-on-leaks needs a heap checker's leak file "
                     "(*-end.heap); for a heap profile use --fail-if-inuse-above=0");
        hp_report_free(rep);
        return -EINVAL;
    }
    if (o->output) {
        out = fopen(o->output, "w");
        if (!out) {
            hp_report_free(rep);
            return hp_error_set(err, -errno, "cannot write '%s': %s", o->output, strerror(errno));
        }
    }
    hp_render_options rnd;
    hp_cli_render_options(o, s, &rnd);
    r = hp_cli_render(o, s, rep, &rnd, out, err);
    if (r == 0)
        r = check_gates(o, rep, err);
    if (out != stdout && fclose(out) != 0 && r == 0)
        r = hp_error_set(err, -EIO, "error writing '%s'", o->output);
    hp_report_free(rep);
    return r;
}

static int run(const hp_cli_opts *o, hp_error *err)
{
    if (o->mode == HP_OUT_SYMBOLS)
        return hp_cli_symbols(o->nargs ? o->args[0] : NULL, o->debuginfod, stdin, stdout, err);
    if (o->http) /* the web UI: every view from one session (web.c) */
        return hp_cli_web(o, err);
    if (o->mode == HP_OUT_TREND) { /* several profiles, not summed */
        const char *program;
        char **profiles;
        int nprofiles;
        int r = hp_cli_split_args(o, &program, &profiles, &nprofiles, err);
        return r < 0 ? r : hp_cli_trend(o, program, profiles, nprofiles, err);
    }
    /* Perl pprof: no output mode means the shell when stdout is a terminal */
    bool shell = o->mode == HP_OUT_INTERACTIVE ||
                 (o->mode == HP_OUT_NONE && isatty(STDOUT_FILENO));
    hp_cli_session *s = NULL;
    int r = hp_cli_session_open(o, shell, &s, err);
    if (r < 0)
        return r;
    r = shell ? hp_cli_shell(s, o, stdin, stdout, err) : report_once(o, s, err);
    hp_cli_session_free(s);
    return r;
}

int main(int argc, char **argv)
{
    hp_cli_opts o;
    hp_error err = {0};
    int r = hp_cli_parse(argc, argv, &o, &err);
    if (r <= 0) {
        if (r < 0) {
            fprintf(stderr, "pprof: %s (see pprof --help)\n", err.msg);
            return EXIT_USAGE;
        }
        return 0;
    }
    r = run(&o, &err);
    if (fflush(stdout) != 0 && r == 0) {
        fprintf(stderr, "pprof: error writing the report: %s\n", strerror(errno));
        return EXIT_BAD_INPUT;
    }
    if (r < 0) {
        fprintf(stderr, "pprof: %s\n", err.msg[0] ? err.msg : strerror(-r));
        if (r == -ECANCELED)
            return EXIT_GATE;
        return r == -EINVAL ? EXIT_USAGE : EXIT_BAD_INPUT;
    }
    return 0;
}
