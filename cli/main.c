/*
 * main.c - `pprof`: parse the command line, load the profiles (summing
 * several, subtracting --base), symbolize, build the report and render it.
 * The only place that prints errors; maps them to exit codes:
 * 0 success, 1 bad or unreadable input, 2 usage error.
 */
#include "hp_common.h"
#include "hp_cli.h"
#include "hp_heap.h"
#include "hp_render.h"
#include "hp_report.h"
#include "hp_symbolize.h"

#include <fcntl.h>
#include <math.h>
#include <unistd.h>

enum { EXIT_BAD_INPUT = 1, EXIT_USAGE = 2, EXIT_GATE = 3 };

static void print_warnings(const hp_profile *p, size_t from)
{
    for (size_t i = from; i < p->nwarnings; i++)
        fprintf(stderr, "pprof: %s\n", p->warnings[i]);
}

static bool is_elf_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    unsigned char magic[4];
    bool elf = read(fd, magic, 4) == 4 && !memcmp(magic, "\177ELF", 4);
    close(fd);
    return elf;
}

static int load(const char *path, hp_profile **ret, hp_error *err)
{
    int r = hp_heap_read_file(path, ret, err);
    if (r == 0)
        print_warnings(*ret, 0);
    return r;
}

/* Reads every profile argument (summed) and the base (subtracted). */
static int load_profiles(const hp_cli_opts *o, char **profiles, int n, hp_profile **ret,
                         double *ret_base_total, hp_error *err)
{
    hp_profile *main_prof = NULL;
    int r = load(profiles[0], &main_prof, err);
    if (r < 0)
        return r;
    for (int i = 1; i < n && r == 0; i++) {
        hp_profile *extra = NULL;
        r = load(profiles[i], &extra, err);
        if (r == 0)
            r = hp_profile_merge(main_prof, extra, 1.0, false);
        hp_profile_free(extra);
    }
    const char *base = o->base ? o->base : o->diff_base;
    if (r == 0 && base) {
        hp_profile *b = NULL;
        r = load(base, &b, err);
        if (r == 0)
            r = hp_profile_merge(main_prof, b, -1.0, o->drop_negative);
        /* Go's -diff_base: percentages are of the base's total */
        int metric = o->metric >= 0 ? o->metric : HP_INUSE_SPACE;
        for (size_t i = 0; r == 0 && o->diff_base && i < b->nsamples; i++)
            *ret_base_total += fabs(b->samples[i].value[metric]);
        hp_profile_free(b);
    }
    if (r < 0) {
        if (r == -ENOMEM)
            hp_error_set(err, r, "out of memory");
        hp_profile_free(main_prof);
        return r;
    }
    *ret = main_prof;
    return 0;
}

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

/* The CI gates, checked after the report is printed: -ECANCELED when crossed. */
static int check_gates(const hp_cli_opts *o, const hp_profile *p, hp_error *err)
{
    double bytes = 0, objects = 0;
    for (size_t i = 0; i < p->nsamples; i++) {
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

static int run(const hp_cli_opts *o, hp_error *err)
{
    if (o->mode == HP_OUT_SYMBOLS)
        return hp_cli_symbols(o->nargs ? o->args[0] : NULL, stdin, stdout, err);
    if (o->nargs < 1)
        return hp_error_set(err, -EINVAL, "did not specify a profile file");
    /* pprof PROGRAM PROFILE...; the program may be left out (Go pprof) */
    const char *program = NULL;
    char **profiles = o->args;
    int nprofiles = o->nargs;
    if (o->nargs >= 2) {
        if (access(o->args[0], F_OK) != 0) {
            return hp_error_set(err, -ENOENT, "cannot open '%s': %s", o->args[0],
                                strerror(ENOENT));
        }
        if (is_elf_file(o->args[0])) {
            program = o->args[0];
            profiles++;
            nprofiles--;
        }
    }
    hp_profile *prof = NULL;
    hp_report *rep = NULL;
    hp_symbolize_session *session = NULL;
    FILE *out = stdout;
    double base_total = 0;
    if (o->base && o->diff_base)
        return hp_error_set(err, -EINVAL, "--base and --diff_base cannot both be given");
    int r = load_profiles(o, profiles, nprofiles, &prof, &base_total, err);
    if (r < 0)
        return r;

    bool symbolize = !o->symbolize || strncmp(o->symbolize, "none", 4) != 0;
    if (symbolize) {
        hp_symbolize_options so = {
            .program = program,
            .binary_path = o->binary_path,
            .strip_templates = !o->no_strip_temp,
        };
        size_t seen = prof->nwarnings;
        r = hp_symbolize_profile(prof, &so, o->mode == HP_OUT_LIST ? &session : NULL, err);
        print_warnings(prof, seen);
        if (r < 0)
            goto out;
    }

    hp_report_options ro = {
        .metric = o->metric >= 0 ? o->metric : HP_INUSE_SPACE,
        .granularity = o->granularity >= 0 ? (hp_granularity)o->granularity : HP_GRAN_FUNCTIONS,
        .show_addresses = o->show_addresses,
        .drop_allocator_frames = true,
        .focus = o->focus,
        .ignore = o->ignore,
        .show = o->show,
        .hide = o->hide,
        .keep_stack_keys = o->mode != HP_OUT_TEXT && o->mode != HP_OUT_NONE,
        .percent_base = base_total,
    };
    r = hp_report_build(prof, &ro, &rep, err);
    if (r < 0)
        goto out;

    if (o->output) {
        out = fopen(o->output, "w");
        if (!out) {
            r = hp_error_set(err, -errno, "cannot write '%s': %s", o->output, strerror(errno));
            out = stdout;
            goto out;
        }
    }
    hp_render_options rnd = {
        .show_bytes = o->show_bytes,
        .cum = o->cum,
        .nodecount = o->nodecount,
        .stacks = o->stacks,
        .program = program ? program : profiles[0],
        .heapcheck = o->heapcheck,
    };
    switch (o->mode) {
    case HP_OUT_NONE:
    case HP_OUT_TEXT:
        r = hp_render_text(rep, &rnd, out);
        break;
    case HP_OUT_COLLAPSED:
        r = hp_render_collapsed(rep, out);
        break;
    case HP_OUT_CALLGRIND:
        r = hp_render_callgrind(rep, out);
        break;
    case HP_OUT_RAW:
        r = hp_render_raw(rep, &rnd, out);
        break;
    case HP_OUT_PROTO:
        r = hp_render_proto(rep, out, err);
        break;
    case HP_OUT_LIST: {
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
            r = hp_render_list(rep, l, &rnd, out);
        hp_listing_free(l);
        break;
    }
    case HP_OUT_TRACES:
        r = hp_render_traces(rep, &rnd, out);
        break;
    case HP_OUT_DOT:
    case HP_OUT_SVG:
    case HP_OUT_PDF:
    case HP_OUT_PS:
    case HP_OUT_PNG:
    case HP_OUT_WEB:
    case HP_OUT_GV:
    case HP_OUT_EVINCE:
        r = render_graph(o, rep, &rnd, out, err);
        break;
    default:
        r = hp_error_set(err, -ENOTSUP, "this output mode is not implemented yet");
        break;
    }
    if (r == -EIO)
        hp_error_set(err, r, "error writing the report");
    if (r == 0)
        r = check_gates(o, prof, err);
out:
    if (out != stdout && fclose(out) != 0 && r == 0)
        r = hp_error_set(err, -EIO, "error writing '%s'", o->output);
    hp_report_free(rep);
    hp_symbolize_session_free(session);
    hp_profile_free(prof);
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
