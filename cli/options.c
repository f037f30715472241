/*
 * options.c - the option table of `pprof` and its parser. One static table
 * holds every option's name, argument kind, id and help text; getopt's long
 * options and --help are both generated from it, so they cannot drift.
 * Perl pprof's spellings are primary; Go pprof's are accepted as aliases.
 */
#include "config.h"
#include "hp_common.h"
#include "hp_cli.h"
#include "hp_profile.h"
#include "hp_report.h"

#include <ctype.h>
#include <getopt.h>

#include "hp_symbolizer.h"

enum {
    ARG_FIRST = 256,
    ARG_TEXT = ARG_FIRST,
    ARG_TOP,
    ARG_TRACES,
    ARG_STACKS,
    ARG_CALLGRIND,
    ARG_LIST,
    ARG_DISASM,
    ARG_SYMBOLS,
    ARG_DOT,
    ARG_PS,
    ARG_PDF,
    ARG_SVG,
    ARG_PNG,
    ARG_GIF,
    ARG_GV,
    ARG_EVINCE,
    ARG_WEB,
    ARG_RAW,
    ARG_COLLAPSED,
    ARG_INTERACTIVE,
    ARG_FLAME,
    ARG_ICICLE,
    ARG_PROTO,
    ARG_FUNCTIONS,
    ARG_LINES,
    ARG_FILES,
    ARG_ADDRESSES,
    ARG_INUSE_SPACE,
    ARG_INUSE_OBJECTS,
    ARG_ALLOC_SPACE,
    ARG_ALLOC_OBJECTS,
    ARG_SAMPLE_INDEX,
    ARG_SHOW_BYTES,
    ARG_DROP_NEGATIVE,
    ARG_BASE,
    ARG_DIFF_BASE,
    ARG_CUM,
    ARG_FLAT,
    ARG_FOCUS,
    ARG_IGNORE,
    ARG_SHOW,
    ARG_HIDE,
    ARG_NODECOUNT,
    ARG_NODEFRACTION,
    ARG_EDGEFRACTION,
    ARG_MAXDEGREE,
    ARG_HEAPCHECK,
    ARG_SHOW_ADDRESSES,
    ARG_NO_STRIP_TEMP,
    ARG_OUTPUT,
    ARG_SYMBOLIZE,
    ARG_BINARY_PATH,
    ARG_SOURCE_PATH,
    ARG_DEBUGINFOD,
    ARG_BUILDID,
    ARG_FAIL_INUSE,
    ARG_FAIL_LEAKS,
    ARG_TREND,
    ARG_TREND_ALL,
    ARG_TREND_ASCII,
    ARG_JSON,
    ARG_TREE,
    ARG_PEEK,
    ARG_THREAD,
    ARG_HTTP,
    ARG_NO_BROWSER,
    ARG_IGNORED,
    ARG_HELP,
    ARG_VERSION,
};

enum arg_kind { K_FLAG, K_VALUE, K_OPTIONAL /* --name or --name=VALUE */ };

typedef struct opt_def {
    const char *name;
    enum arg_kind kind;
    int id;
    const char *metavar;
    const char *help; /* NULL: an alias, not listed separately */
} opt_def;

static const opt_def options[] = {
    /* output modes */
    {"text", K_FLAG, ARG_TEXT, NULL, "flat text report (default when stdout is not a terminal)"},
    {"top", K_FLAG, ARG_TOP, NULL, NULL},
    {"stacks", K_FLAG, ARG_STACKS, NULL, "with --text: also print every stack and the leak report"},
    {"traces", K_FLAG, ARG_TRACES, NULL, "every stack with its value (Go pprof's -traces)"},
    {"callgrind", K_FLAG, ARG_CALLGRIND, NULL, "callgrind format (for kcachegrind)"},
    {"collapsed", K_FLAG, ARG_COLLAPSED, NULL, "folded stacks (for flamegraph.pl)"},
    {"flame", K_FLAG, ARG_FLAME, NULL, "flame graph as one self-contained SVG (zoom, search)"},
    {"icicle", K_FLAG, ARG_ICICLE, NULL, "the flame graph upside down: root at the top"},
    {"list", K_VALUE, ARG_LIST, "RE", "annotated source of functions matching RE"},
    {"disasm", K_VALUE, ARG_DISASM, "RE", "annotated disassembly of functions matching RE"},
    {"symbols", K_FLAG, ARG_SYMBOLS, NULL, "symbolize the addresses read from stdin"},
    {"dot", K_FLAG, ARG_DOT, NULL, "call graph in DOT"},
    {"svg", K_FLAG, ARG_SVG, NULL, "call graph as SVG"},
    {"pdf", K_FLAG, ARG_PDF, NULL, "call graph as PDF"},
    {"png", K_FLAG, ARG_PNG, NULL, "call graph as PNG"},
    {"ps", K_FLAG, ARG_PS, NULL, "call graph as PostScript"},
    {"gif", K_FLAG, ARG_GIF, NULL, "call graph as GIF"},
    {"gv", K_FLAG, ARG_GV, NULL, "call graph shown with gv"},
    {"evince", K_FLAG, ARG_EVINCE, NULL, "call graph shown with evince"},
    {"web", K_FLAG, ARG_WEB, NULL, "call graph shown in a web browser"},
    {"raw", K_FLAG, ARG_RAW, NULL, "symbolized profile, readable without the binary"},
    {"interactive", K_FLAG, ARG_INTERACTIVE, NULL, "interactive shell"},
    {"trend", K_FLAG, ARG_TREND, NULL, "stacks growing over a dump series (with --svg: a plot)"},
    {"trend_all", K_FLAG, ARG_TREND_ALL, NULL, "with --trend: list every stack, not only growing ones"},
    {"trend_ascii", K_FLAG, ARG_TREND_ASCII, NULL, "with --trend: ASCII sparklines (default in a non-UTF-8 locale)"},
    {"tree", K_FLAG, ARG_TREE, NULL, "callers and callees of every function (Go pprof's -tree)"},
    {"peek", K_VALUE, ARG_PEEK, "RE", "callers and callees of functions matching RE (Go pprof's -peek)"},
    {"json", K_OPTIONAL, ARG_JSON, "PARTS", "one JSON document (docs/json-schema.md): the rows; with --stacks or --traces the stacks, with --dot the graph; PARTS: rows,stacks,graph"},
    {"http", K_VALUE, ARG_HTTP, "[HOST]:PORT", "serve a web UI (graph, flame graph, top, source, peek, tree) on HOST (127.0.0.1) and PORT (0: a free one)"},
    {"no_browser", K_FLAG, ARG_NO_BROWSER, NULL, "with --http: do not open a browser"},
    {"proto", K_FLAG, ARG_PROTO, NULL, "gzipped profile.proto (Go pprof, Pyroscope, Parca)"},
    /* granularity */
    {"functions", K_FLAG, ARG_FUNCTIONS, NULL, "aggregate by function (default)"},
    {"lines", K_FLAG, ARG_LINES, NULL, "aggregate by source line"},
    {"files", K_FLAG, ARG_FILES, NULL, "aggregate by source file"},
    {"addresses", K_FLAG, ARG_ADDRESSES, NULL, "aggregate by address"},
    /* values */
    {"inuse_space", K_FLAG, ARG_INUSE_SPACE, NULL, "bytes in use (default)"},
    {"inuse_objects", K_FLAG, ARG_INUSE_OBJECTS, NULL, "objects in use"},
    {"alloc_space", K_FLAG, ARG_ALLOC_SPACE, NULL, "bytes allocated since the start"},
    {"alloc_objects", K_FLAG, ARG_ALLOC_OBJECTS, NULL, "objects allocated since the start"},
    {"sample_index", K_VALUE, ARG_SAMPLE_INDEX, "NAME", "inuse_space|inuse_objects|alloc_space|alloc_objects"},
    {"show_bytes", K_FLAG, ARG_SHOW_BYTES, NULL, "print space as bytes rather than MB"},
    {"thread", K_VALUE, ARG_THREAD, "N", "jemalloc profiles: only thread N's allocations"},
    /* comparison */
    {"base", K_VALUE, ARG_BASE, "FILE", "subtract this profile"},
    {"diff_base", K_VALUE, ARG_DIFF_BASE, "FILE", "subtract this profile, percentages of its total"},
    {"drop_negative", K_FLAG, ARG_DROP_NEGATIVE, NULL, "with --base: ignore negative differences"},
    /* filtering and sorting */
    {"cum", K_FLAG, ARG_CUM, NULL, "sort by cumulative value"},
    {"flat", K_FLAG, ARG_FLAT, NULL, "sort by flat value (default)"},
    {"focus", K_VALUE, ARG_FOCUS, "RE", "keep only stacks with a frame matching RE"},
    {"ignore", K_VALUE, ARG_IGNORE, "RE", "drop stacks with a frame matching RE"},
    {"show", K_VALUE, ARG_SHOW, "RE", "keep only frames matching RE"},
    {"hide", K_VALUE, ARG_HIDE, "RE", "remove frames matching RE"},
    {"nodecount", K_VALUE, ARG_NODECOUNT, "N", "at most N nodes (graphs: 80)"},
    {"nodefraction", K_VALUE, ARG_NODEFRACTION, "F", "graphs: hide nodes below F of the total (0.005)"},
    {"edgefraction", K_VALUE, ARG_EDGEFRACTION, "F", "graphs: hide edges below F of the total (0.001)"},
    {"maxdegree", K_VALUE, ARG_MAXDEGREE, "N", "graphs: at most N edges per node (8)"},
    {"heapcheck", K_FLAG, ARG_HEAPCHECK, NULL, "graphs: mark nodes with positive and negative values"},
    {"show_addresses", K_FLAG, ARG_SHOW_ADDRESSES, NULL, "append addresses to names"},
    {"no_strip_temp", K_FLAG, ARG_NO_STRIP_TEMP, NULL, "keep template arguments in names"},
    /* files */
    {"output", K_VALUE, ARG_OUTPUT, "FILE", "write the report to FILE"},
    {"symbolize", K_VALUE, ARG_SYMBOLIZE, "MODE", "none: do not symbolize; local (default)"},
    {"binary_path", K_VALUE, ARG_BINARY_PATH, "DIRS", "':'-separated directories to find binaries in"},
    {"source_path", K_VALUE, ARG_SOURCE_PATH, "DIRS", "':'-separated directories to find sources in"},
    {"debuginfod", K_VALUE, ARG_DEBUGINFOD, "WHEN", "ask the DEBUGINFOD_URLS servers for missing debug info: auto (when set), on, off"},
    {"buildid", K_VALUE, ARG_BUILDID, "HEX", "build-id of the main executable (fetched with debuginfod when missing)"},
    /* CI gates: exit status 3 when crossed */
    {"fail-if-inuse-above", K_VALUE, ARG_FAIL_INUSE, "BYTES", "exit 3 when the in-use bytes exceed BYTES (k, M, G suffixes)"},
    {"fail-on-leaks", K_FLAG, ARG_FAIL_LEAKS, NULL, "exit 3 when the profile holds any in-use object (heap-checker files)"},
    /* accepted for compatibility, no effect on heap profiles */
    {"lib_prefix", K_VALUE, ARG_IGNORED, NULL, NULL},
    {"tools", K_VALUE, ARG_IGNORED, NULL, NULL},
    {"seconds", K_VALUE, ARG_IGNORED, NULL, NULL},
    {"scale", K_VALUE, ARG_IGNORED, NULL, NULL},
    {"help", K_FLAG, ARG_HELP, NULL, "print this help"},
    {"version", K_FLAG, ARG_VERSION, NULL, "print the version"},
};

void hp_cli_usage(FILE *out)
{
    fprintf(out, "Usage:\n"
                 "  pprof [options] <program> <profile.heap> [more profiles]\n"
                 "  pprof [options] <profile.heap>        (binaries from the profile's paths)\n"
                 "\nOptions (also spelled with one dash, Go pprof style: -top, -sample_index=...):\n");
    for (size_t i = 0; i < HP_ARRAY_SIZE(options); i++) {
        const opt_def *d = &options[i];
        if (!d->help)
            continue;
        char left[64];
        snprintf(left, sizeof(left), "--%s%s%s%s", d->name,
                 d->metavar ? (d->kind == K_OPTIONAL ? "[=" : "=") : "",
                 d->metavar ? d->metavar : "", d->kind == K_OPTIONAL ? "]" : "");
        fprintf(out, "  %-26s %s\n", left, d->help);
    }
    fprintf(out, "\nEnvironment: PPROF_BINARY_PATH (like --binary_path); DEBUGINFOD_URLS,\n"
                 "DEBUGINFOD_CACHE_PATH, DEBUGINFOD_TIMEOUT (libdebuginfod's, for --debuginfod).\n");
}

static int parse_bool(const char *v, bool *ret)
{
    if (!v || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes")) {
        *ret = true;
        return 0;
    }
    if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no")) {
        *ret = false;
        return 0;
    }
    return -EINVAL;
}

static int parse_long(const char *v, long *ret)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < 0)
        return -EINVAL;
    *ret = n;
    return 0;
}

static int parse_fraction(const char *v, double *ret)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || d < 0 || d != d)
        return -EINVAL;
    *ret = d;
    return 0;
}

static int set_mode(hp_cli_opts *o, hp_output_mode m, const char *name, hp_error *err)
{
    if (o->mode != HP_OUT_NONE && o->mode != m)
        return hp_error_set(err, -EINVAL, "only specify one output mode (--%s given too)", name);
    o->mode = m;
    return 0;
}

static int set_gran(hp_cli_opts *o, int g, const char *name, hp_error *err)
{
    if (o->granularity >= 0 && o->granularity != g)
        return hp_error_set(err, -EINVAL, "only specify one output granularity option (--%s given too)", name);
    o->granularity = g;
    return 0;
}

static int set_metric(hp_cli_opts *o, int m, const char *name, hp_error *err)
{
    if (o->metric >= 0 && o->metric != m)
        return hp_error_set(err, -EINVAL, "specify at most one of --inuse/--alloc options (--%s given too)", name);
    o->metric = m;
    return 0;
}

static int apply(hp_cli_opts *o, const opt_def *d, const char *v, hp_error *err)
{
    bool on = true;
    if (d->kind == K_FLAG && parse_bool(v, &on) < 0)
        return hp_error_set(err, -EINVAL, "invalid value '%s' for --%s (true or false)", v, d->name);
    if (d->kind == K_FLAG && !on) {
        /* -cum=false and friends: only modifiers can be switched off */
        switch (d->id) {
        case ARG_STACKS: o->stacks = false; return 0;
        case ARG_SHOW_BYTES: o->show_bytes = false; return 0;
        case ARG_DROP_NEGATIVE: o->drop_negative = false; return 0;
        case ARG_CUM: o->cum = false; return 0;
        case ARG_FLAT: o->cum = true; return 0;
        case ARG_HEAPCHECK: o->heapcheck = false; return 0;
        case ARG_SHOW_ADDRESSES: o->show_addresses = false; return 0;
        case ARG_NO_STRIP_TEMP: o->no_strip_temp = false; return 0;
        case ARG_TREND_ALL: o->trend_all = false; return 0;
        case ARG_TREND_ASCII: o->trend_ascii = 0; return 0;
        default: return 0;
        }
    }
    switch (d->id) {
    case ARG_TEXT: case ARG_TOP: return set_mode(o, HP_OUT_TEXT, d->name, err);
    case ARG_TRACES: return set_mode(o, HP_OUT_TRACES, d->name, err);
    case ARG_CALLGRIND: return set_mode(o, HP_OUT_CALLGRIND, d->name, err);
    case ARG_COLLAPSED: return set_mode(o, HP_OUT_COLLAPSED, d->name, err);
    case ARG_FLAME: return set_mode(o, HP_OUT_FLAME, d->name, err);
    case ARG_ICICLE: return set_mode(o, HP_OUT_ICICLE, d->name, err);
    case ARG_LIST: o->mode_arg = v; return set_mode(o, HP_OUT_LIST, d->name, err);
    case ARG_DISASM: o->mode_arg = v; return set_mode(o, HP_OUT_DISASM, d->name, err);
    case ARG_SYMBOLS: return set_mode(o, HP_OUT_SYMBOLS, d->name, err);
    case ARG_DOT: return set_mode(o, HP_OUT_DOT, d->name, err);
    case ARG_SVG:
        if (o->mode == HP_OUT_TREND) { /* --trend --svg: the trend's plot */
            o->trend_svg = true;
            return 0;
        }
        return set_mode(o, HP_OUT_SVG, d->name, err);
    case ARG_PDF: return set_mode(o, HP_OUT_PDF, d->name, err);
    case ARG_PNG: return set_mode(o, HP_OUT_PNG, d->name, err);
    case ARG_PS: return set_mode(o, HP_OUT_PS, d->name, err);
    case ARG_GIF: return set_mode(o, HP_OUT_GIF, d->name, err);
    case ARG_GV: return set_mode(o, HP_OUT_GV, d->name, err);
    case ARG_EVINCE: return set_mode(o, HP_OUT_EVINCE, d->name, err);
    case ARG_WEB: return set_mode(o, HP_OUT_WEB, d->name, err);
    case ARG_RAW: return set_mode(o, HP_OUT_RAW, d->name, err);
    case ARG_INTERACTIVE: return set_mode(o, HP_OUT_INTERACTIVE, d->name, err);
    case ARG_TREND:
        if (o->mode == HP_OUT_SVG) { /* --svg --trend */
            o->mode = HP_OUT_NONE;
            o->trend_svg = true;
        }
        return set_mode(o, HP_OUT_TREND, d->name, err);
    case ARG_TREND_ALL: o->trend_all = true; return 0;
    case ARG_TREND_ASCII: o->trend_ascii = 1; return 0;
    case ARG_PROTO: return set_mode(o, HP_OUT_PROTO, d->name, err);
    case ARG_STACKS: o->stacks = true; return 0;
    case ARG_FUNCTIONS: return set_gran(o, HP_GRAN_FUNCTIONS, d->name, err);
    case ARG_LINES: return set_gran(o, HP_GRAN_LINES, d->name, err);
    case ARG_FILES: return set_gran(o, HP_GRAN_FILES, d->name, err);
    case ARG_ADDRESSES: return set_gran(o, HP_GRAN_ADDRESSES, d->name, err);
    case ARG_INUSE_SPACE: return set_metric(o, HP_INUSE_SPACE, d->name, err);
    case ARG_INUSE_OBJECTS: return set_metric(o, HP_INUSE_OBJECTS, d->name, err);
    case ARG_ALLOC_SPACE: return set_metric(o, HP_ALLOC_SPACE, d->name, err);
    case ARG_ALLOC_OBJECTS: return set_metric(o, HP_ALLOC_OBJECTS, d->name, err);
    case ARG_SAMPLE_INDEX: {
        static const char *const names[] = {"inuse_objects", "inuse_space", "alloc_objects", "alloc_space"};
        for (int i = 0; i < HP_NVALUES; i++)
            if (!strcmp(v, names[i]))
                return set_metric(o, i, d->name, err);
        if (!strcmp(v, "objects"))
            return set_metric(o, HP_INUSE_OBJECTS, d->name, err);
        if (!strcmp(v, "space"))
            return set_metric(o, HP_INUSE_SPACE, d->name, err);
        if (v[0] >= '0' && v[0] <= '3' && !v[1])
            return set_metric(o, "2301"[v[0] - '0'] - '0', d->name, err);
        return hp_error_set(err, -EINVAL, "sample_index '%s' must be one of: [alloc_objects alloc_space inuse_objects inuse_space]", v);
    }
    case ARG_SHOW_BYTES: o->show_bytes = true; return 0;
    case ARG_DROP_NEGATIVE: o->drop_negative = true; return 0;
    case ARG_BASE: o->base = v; return 0;
    case ARG_DIFF_BASE: o->diff_base = v; return 0;
    case ARG_CUM: o->cum = true; return 0;
    case ARG_FLAT: o->cum = false; return 0;
    case ARG_FOCUS: o->focus = v; return 0;
    case ARG_IGNORE: o->ignore = v; return 0;
    case ARG_SHOW: o->show = v; return 0;
    case ARG_HIDE: o->hide = v; return 0;
    case ARG_NODECOUNT:
        if (parse_long(v, &o->nodecount) < 0)
            return hp_error_set(err, -EINVAL, "invalid --nodecount '%s'", v);
        return 0;
    case ARG_MAXDEGREE:
        if (parse_long(v, &o->maxdegree) < 0)
            return hp_error_set(err, -EINVAL, "invalid --maxdegree '%s'", v);
        return 0;
    case ARG_NODEFRACTION:
        if (parse_fraction(v, &o->nodefraction) < 0)
            return hp_error_set(err, -EINVAL, "invalid --nodefraction '%s'", v);
        return 0;
    case ARG_EDGEFRACTION:
        if (parse_fraction(v, &o->edgefraction) < 0)
            return hp_error_set(err, -EINVAL, "invalid --edgefraction '%s'", v);
        return 0;
    case ARG_HEAPCHECK: o->heapcheck = true; return 0;
    case ARG_SHOW_ADDRESSES: o->show_addresses = true; return 0;
    case ARG_NO_STRIP_TEMP: o->no_strip_temp = true; return 0;
    case ARG_OUTPUT: o->output = v; return 0;
    case ARG_SYMBOLIZE:
        if (strcmp(v, "none") && strcmp(v, "local") && strcmp(v, "fastlocal") &&
            strncmp(v, "local:", 6) && strncmp(v, "none:", 5))
            return hp_error_set(err, -EINVAL, "unsupported --symbolize mode '%s' (none or local)", v);
        o->symbolize = v;
        return 0;
    case ARG_BINARY_PATH: o->binary_path = v; return 0;
    case ARG_SOURCE_PATH: o->source_path = v; return 0;
    case ARG_DEBUGINFOD:
        if (!strcmp(v, "auto"))
            o->debuginfod = -1;
        else if (!strcmp(v, "on"))
            o->debuginfod = 1;
        else if (!strcmp(v, "off"))
            o->debuginfod = 0;
        else
            return hp_error_set(err, -EINVAL, "invalid --debuginfod '%s' (auto, on or off)", v);
        return 0;
    case ARG_BUILDID: {
        char *id = (char *)v; /* argv is writable: lowercased in place */
        size_t n = strspn(id, "0123456789abcdefABCDEF");
        if (!n || n % 2 || id[n])
            return hp_error_set(err, -EINVAL, "invalid --buildid '%s' (an even number of hex digits)", v);
        for (char *c = id; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        o->build_id = id;
        return 0;
    }
    case ARG_FAIL_LEAKS: o->fail_on_leaks = true; return 0;
    case ARG_FAIL_INUSE: {
        char *end;
        errno = 0;
        double n = strtod(v, &end);
        double unit = 1;
        if (*end == 'k' || *end == 'K')
            unit = 1024, end++;
        else if (*end == 'M')
            unit = 1024.0 * 1024, end++;
        else if (*end == 'G')
            unit = 1024.0 * 1024 * 1024, end++;
        if (*end == 'B')
            end++;
        if (errno || end == v || *end || n < 0 || n != n)
            return hp_error_set(err, -EINVAL, "invalid --fail-if-inuse-above '%s' (bytes, with an optional k, M or G)", v);
        o->fail_inuse_above = n * unit;
        return 0;
    }
    case ARG_TREE: return set_mode(o, HP_OUT_TREE, d->name, err);
    case ARG_PEEK: o->mode_arg = v; return set_mode(o, HP_OUT_PEEK, d->name, err);
    case ARG_JSON: {
        if (!v) {
            o->json = HP_JSON_AUTO;
            return 0;
        }
        static const char *const parts[] = {"rows", "stacks", "graph"};
        o->json = 0;
        for (const char *p = v; *p;) {
            size_t n = strcspn(p, ",");
            unsigned bit = 0;
            for (size_t i = 0; i < HP_ARRAY_SIZE(parts); i++)
                if (n == strlen(parts[i]) && !strncmp(p, parts[i], n))
                    bit = 1u << i;
            if (!bit)
                return hp_error_set(err, -EINVAL, "invalid --json part '%.*s' (rows, stacks, graph)", (int)n, p);
            o->json |= bit;
            p += n + (p[n] == ',');
        }
        if (!o->json)
            return hp_error_set(err, -EINVAL, "--json= needs parts: rows, stacks, graph");
        return 0;
    }
    case ARG_THREAD:
        if (parse_long(v, &o->thread) < 0)
            return hp_error_set(err, -EINVAL, "invalid --thread '%s' (a thread number)", v);
        return 0;
    case ARG_HTTP: o->http = v; return 0;
    case ARG_NO_BROWSER: o->no_browser = true; return 0;
    case ARG_IGNORED: return 0;
    }
    return hp_error_set(err, -EINVAL, "unhandled option --%s", d->name);
}

int hp_cli_parse(int argc, char **argv, hp_cli_opts *o, hp_error *reterr)
{
    struct option longopts[HP_ARRAY_SIZE(options) + 1];
    for (size_t i = 0; i < HP_ARRAY_SIZE(options); i++) {
        longopts[i] = (struct option){
            .name = options[i].name,
            .has_arg = options[i].kind == K_VALUE ? required_argument : optional_argument,
            .flag = NULL,
            .val = (int)i + ARG_FIRST,
        };
    }
    longopts[HP_ARRAY_SIZE(options)] = (struct option){0};

    *o = (hp_cli_opts){.granularity = -1, .metric = -1, .nodecount = -1, .nodefraction = 0.005,
                       .edgefraction = 0.001, .maxdegree = 8, .fail_inuse_above = -1,
                       .trend_ascii = -1, .debuginfod = -1, .thread = -1};
    /* getopt prints nothing: every error goes through reterr, once */
    opterr = 0;
    optind = 1;
    int c, idx;
    while ((c = getopt_long_only(argc, argv, ":h", longopts, &idx)) != -1) {
        if (c == 'h') {
            hp_cli_usage(stdout);
            return 0;
        }
        if (c == '?') {
            const char *bad = argv[optind - 1];
            return hp_error_set(reterr, -EINVAL, "unknown option '%s'", bad);
        }
        if (c == ':')
            return hp_error_set(reterr, -EINVAL, "option '%s' needs a value", argv[optind - 1]);
        const opt_def *d = &options[c - ARG_FIRST];
        if (d->id == ARG_HELP) {
            hp_cli_usage(stdout);
            return 0;
        }
        if (d->id == ARG_VERSION) {
            printf("pprof (cpprof) %s\n", HP_VERSION);
            return 0;
        }
        int r = apply(o, d, optarg, reterr);
        if (r < 0)
            return r;
    }
    o->args = argv + optind;
    o->nargs = argc - optind;
    /* libdebuginfod's convention: DEBUGINFOD_URLS set and non-empty means "ask" */
    const char *urls = getenv("DEBUGINFOD_URLS");
    bool have_urls = urls && urls[strspn(urls, " \t")];
    if (o->debuginfod == 1 && !have_urls)
        return hp_error_set(reterr, -EINVAL, "--debuginfod=on needs DEBUGINFOD_URLS (the servers to ask)");
    if (o->debuginfod == 1 && !hp_symbolizer_debuginfod_supported())
        return hp_error_set(reterr, -EINVAL, "--debuginfod=on: this pprof was built without libdebuginfod");
    if (o->debuginfod < 0)
        o->debuginfod = have_urls && hp_symbolizer_debuginfod_supported();
    return 1;
}

/* Options the shell may change: not output modes, files, paths or gates,
 * which only make sense once, on the command line. */
static bool settable(int id)
{
    switch (id) {
    case ARG_STACKS:
    case ARG_FUNCTIONS: case ARG_LINES: case ARG_FILES: case ARG_ADDRESSES:
    case ARG_INUSE_SPACE: case ARG_INUSE_OBJECTS: case ARG_ALLOC_SPACE: case ARG_ALLOC_OBJECTS:
    case ARG_SAMPLE_INDEX: case ARG_SHOW_BYTES: case ARG_DROP_NEGATIVE:
    case ARG_CUM: case ARG_FLAT: case ARG_FOCUS: case ARG_IGNORE: case ARG_SHOW: case ARG_HIDE:
    case ARG_NODECOUNT: case ARG_NODEFRACTION: case ARG_EDGEFRACTION: case ARG_MAXDEGREE:
    case ARG_HEAPCHECK: case ARG_SHOW_ADDRESSES: case ARG_SOURCE_PATH:
        return true;
    default:
        return false;
    }
}

int hp_cli_set_option(hp_cli_opts *o, const char *name, const char *value, hp_error *reterr)
{
    const opt_def *d = NULL;
    for (size_t i = 0; i < HP_ARRAY_SIZE(options) && !d; i++)
        if (!strcmp(options[i].name, name))
            d = &options[i];
    if (!d)
        return hp_error_set(reterr, -EINVAL, "unknown option '%s'", name);
    if (!settable(d->id))
        return hp_error_set(reterr, -EINVAL, "'%s' can only be given on the command line", name);
    if (d->kind == K_VALUE && (!value || !*value)) {
        switch (d->id) {
        case ARG_FOCUS: o->focus = NULL; return 0;
        case ARG_IGNORE: o->ignore = NULL; return 0;
        case ARG_SHOW: o->show = NULL; return 0;
        case ARG_HIDE: o->hide = NULL; return 0;
        case ARG_SOURCE_PATH: o->source_path = NULL; return 0;
        case ARG_NODECOUNT: o->nodecount = -1; return 0;
        case ARG_SAMPLE_INDEX: o->metric = -1; return 0;
        default: return hp_error_set(reterr, -EINVAL, "option '%s' needs a value", name);
        }
    }
    /* a new granularity or value replaces the current one */
    if (d->id >= ARG_FUNCTIONS && d->id <= ARG_ADDRESSES)
        o->granularity = -1;
    if (d->id >= ARG_INUSE_SPACE && d->id <= ARG_SAMPLE_INDEX)
        o->metric = -1;
    return apply(o, d, value, reterr);
}

const char *const *hp_cli_option_names(void)
{
    static const char *names[HP_ARRAY_SIZE(options) + 1];
    if (!names[0]) {
        size_t n = 0;
        for (size_t i = 0; i < HP_ARRAY_SIZE(options); i++)
            if (settable(options[i].id))
                names[n++] = options[i].name;
    }
    return names;
}
