/*
 * options.c - the options of `pprof` and their parser. The output modes come
 * from the mode table (dispatch.c); every other option is a row here with its
 * name, argument kind, help text and target: the field it sets and how (a
 * flag, a string, a number, one of a group), so that only the exceptions
 * need code (apply_special). getopt's long options, --help and the shell's
 * settings are all generated from the two tables, so they cannot drift.
 * Perl pprof's spellings are primary; Go pprof's are accepted as aliases.
 */
#include "config.h"
#include "hp_common.h"
#include "hp_cli.h"
#include "hp_dispatch.h"
#include "hp_profile.h"
#include "hp_report.h"

#include <ctype.h>
#include <getopt.h>
#include <stddef.h>

#include "hp_symbolizer.h"

enum { ARG_FIRST = 256 }; /* getopt's value of row i: ARG_FIRST + i (modes first) */

enum arg_kind { K_FLAG, K_VALUE, K_OPTIONAL /* --name or --name=VALUE */ };

/* What an option sets (its field: offsetof(hp_cli_opts, ...)). */
enum target {
    T_BOOL,     /* flag: bool field = true (false with --name=false) */
    T_NOT,      /* flag: bool field = false (--flat: not --cum) */
    T_TRISTATE, /* flag: int field = 1 (0 with --name=false; -1: not given) */
    T_CHOICE,   /* flag: int field = value; another value already given is an error (hint) */
    T_STRING,   /* value: const char * field */
    T_COUNT,    /* value: long field, a number >= 0 */
    T_FRACTION, /* value: double field, a number >= 0 */
    T_IGNORED,  /* accepted for compatibility, no effect on heap profiles */
    T_SPECIAL,  /* apply()'s exceptions, by value: S_* */
};

enum special { S_SAMPLE_INDEX, S_SYMBOLIZE, S_DEBUGINFOD, S_BUILDID, S_THREADS, S_SYMBOL_CACHE, S_FAIL_INUSE, S_JSON, S_TOOLS, S_NOT_HEAP, S_PERL_ONLY, S_HELP,
               S_VERSION };

enum { SHELL = 1, SHELL_RESET = 2 /* the shell's empty value resets it to its default */ };

typedef struct opt_def {
    const char *name;
    enum arg_kind kind;
    enum target target;
    size_t field;
    int value;           /* T_CHOICE: the value set; T_SPECIAL: which */
    const char *metavar;
    const char *help;    /* NULL: an alias, not listed separately */
    const char *hint;    /* T_CHOICE: the conflict message; T_COUNT: after "invalid --name 'v'" */
    const char *after;   /* --help: listed after this output mode (a modifier of it) */
    unsigned shell;      /* SHELL, SHELL_RESET: the shell may change it */
} opt_def;

#define FIELD(f) .field = offsetof(hp_cli_opts, f)
#define GRANULARITY(v) T_CHOICE, FIELD(granularity), .value = (v), \
    .hint = "only specify one output granularity option", .shell = SHELL
#define METRIC_CONFLICT "specify at most one of --inuse/--alloc options"
#define METRIC(v) T_CHOICE, FIELD(metric), .value = (v), .hint = METRIC_CONFLICT, .shell = SHELL
#define SPECIAL(s) T_SPECIAL, .value = (s)

/* The output modes come from the mode table (dispatch.c); these are the rest. */
static const opt_def options[] = {
    /* modifiers of output modes, listed after them */
    {"stacks", K_FLAG, T_BOOL, FIELD(stacks), .after = "text", .shell = SHELL,
     .help = "with --text: also print every stack and the leak report"},
    {"trend_all", K_FLAG, T_BOOL, FIELD(trend_all), .after = "trend",
     .help = "with --trend: list every stack, not only growing ones"},
    {"trend_ascii", K_FLAG, T_TRISTATE, FIELD(trend_ascii), .after = "trend",
     .help = "with --trend: ASCII sparklines (default in a non-UTF-8 locale)"},
    {"json", K_OPTIONAL, SPECIAL(S_JSON), .metavar = "PARTS", .after = "peek",
     .help = "one JSON document (docs/json-schema.md): the rows; with --stacks or --traces the stacks, with --dot the graph; PARTS: rows,stacks,graph"},
    {"http", K_VALUE, T_STRING, FIELD(http), .metavar = "ADDR", .after = "peek",
     .help = "serve a web UI (graph, flame graph, top, source, peek, tree) on ADDR = [HOST]:PORT (HOST: 127.0.0.1; PORT 0: a free one)"},
    {"no_browser", K_FLAG, T_BOOL, FIELD(no_browser), .after = "peek",
     .help = "with --http: do not open a browser"},
    /* granularity */
    {"functions", K_FLAG, GRANULARITY(HP_GRAN_FUNCTIONS), .help = "aggregate by function (default)"},
    {"lines", K_FLAG, GRANULARITY(HP_GRAN_LINES), .help = "aggregate by source line"},
    {"files", K_FLAG, GRANULARITY(HP_GRAN_FILES), .help = "aggregate by source file"},
    {"addresses", K_FLAG, GRANULARITY(HP_GRAN_ADDRESSES), .help = "aggregate by address"},
    /* values */
    {"inuse_space", K_FLAG, METRIC(HP_INUSE_SPACE), .help = "bytes in use (default)"},
    {"inuse_objects", K_FLAG, METRIC(HP_INUSE_OBJECTS), .help = "objects in use"},
    {"alloc_space", K_FLAG, METRIC(HP_ALLOC_SPACE), .help = "bytes allocated since the start"},
    {"alloc_objects", K_FLAG, METRIC(HP_ALLOC_OBJECTS), .help = "objects allocated since the start"},
    {"sample_index", K_VALUE, SPECIAL(S_SAMPLE_INDEX), FIELD(metric), .hint = METRIC_CONFLICT,
     .metavar = "NAME",
     .help = "inuse_space|inuse_objects|alloc_space|alloc_objects", .shell = SHELL | SHELL_RESET},
    {"show_bytes", K_FLAG, T_BOOL, FIELD(show_bytes), .shell = SHELL,
     .help = "print space as bytes rather than MB"},
    {"thread", K_VALUE, T_COUNT, FIELD(thread), .metavar = "N", .hint = " (a thread number)",
     .help = "jemalloc profiles: only thread N's allocations"},
    /* comparison */
    {"base", K_VALUE, T_STRING, FIELD(base), .metavar = "FILE", .help = "subtract this profile"},
    {"diff_base", K_VALUE, T_STRING, FIELD(diff_base), .metavar = "FILE",
     .help = "subtract this profile, percentages of its total"},
    {"drop_negative", K_FLAG, T_BOOL, FIELD(drop_negative), .shell = SHELL,
     .help = "with --base: ignore negative differences"},
    /* filtering and sorting */
    {"cum", K_FLAG, T_BOOL, FIELD(cum), .shell = SHELL, .help = "sort by cumulative value"},
    {"flat", K_FLAG, T_NOT, FIELD(cum), .shell = SHELL, .help = "sort by flat value (default)"},
    {"focus", K_VALUE, T_STRING, FIELD(focus), .metavar = "RE", .shell = SHELL | SHELL_RESET,
     .help = "keep only stacks with a frame matching RE"},
    {"ignore", K_VALUE, T_STRING, FIELD(ignore), .metavar = "RE", .shell = SHELL | SHELL_RESET,
     .help = "drop stacks with a frame matching RE"},
    {"show", K_VALUE, T_STRING, FIELD(show), .metavar = "RE", .shell = SHELL | SHELL_RESET,
     .help = "keep only frames matching RE"},
    {"hide", K_VALUE, T_STRING, FIELD(hide), .metavar = "RE", .shell = SHELL | SHELL_RESET,
     .help = "remove frames matching RE"},
    {"nodecount", K_VALUE, T_COUNT, FIELD(nodecount), .metavar = "N", .shell = SHELL | SHELL_RESET,
     .help = "at most N nodes (graphs: 80)"},
    {"nodefraction", K_VALUE, T_FRACTION, FIELD(nodefraction), .metavar = "F", .shell = SHELL,
     .help = "graphs: hide nodes below F of the total (0.005)"},
    {"edgefraction", K_VALUE, T_FRACTION, FIELD(edgefraction), .metavar = "F", .shell = SHELL,
     .help = "graphs: hide edges below F of the total (0.001)"},
    {"maxdegree", K_VALUE, T_COUNT, FIELD(maxdegree), .metavar = "N", .shell = SHELL,
     .help = "graphs: at most N edges per node (8)"},
    {"heapcheck", K_FLAG, T_BOOL, FIELD(heapcheck), .shell = SHELL,
     .help = "graphs: mark nodes with positive and negative values"},
    {"show_addresses", K_FLAG, T_BOOL, FIELD(show_addresses), .shell = SHELL,
     .help = "append addresses to names"},
    {"no_strip_temp", K_FLAG, T_BOOL, FIELD(no_strip_temp),
     .help = "keep template arguments in names"},
    /* files */
    {"output", K_VALUE, T_STRING, FIELD(output), .metavar = "FILE", .help = "write the report to FILE"},
    {"symbolize", K_VALUE, SPECIAL(S_SYMBOLIZE), .metavar = "MODE",
     .help = "none: do not symbolize; local (default)"},
    {"binary_path", K_VALUE, T_STRING, FIELD(binary_path), .metavar = "DIRS",
     .help = "':'-separated directories to find binaries in"},
    {"lib_prefix", K_VALUE, T_STRING, FIELD(lib_prefix), .metavar = "DIRS",
     .help = "','-separated prefixes tried first for the profile's libraries"},
    {"source_path", K_VALUE, T_STRING, FIELD(source_path), .metavar = "DIRS",
     .shell = SHELL | SHELL_RESET, .help = "':'-separated directories to find sources in"},
    {"debuginfod", K_VALUE, SPECIAL(S_DEBUGINFOD), .metavar = "WHEN",
     .help = "ask the DEBUGINFOD_URLS servers for missing debug info: auto (when set), on, off"},
    {"buildid", K_VALUE, SPECIAL(S_BUILDID), .metavar = "HEX",
     .help = "build-id of the main executable (fetched with debuginfod when missing)"},
    {"threads", K_VALUE, SPECIAL(S_THREADS), .metavar = "N",
     .help = "symbolize up to N objects in parallel (default: CPUs, at most 4)"},
    {"symbol_cache", K_VALUE, SPECIAL(S_SYMBOL_CACHE), .metavar = "WHEN",
     .help = "on (default) or off: the symbol cache in $XDG_CACHE_HOME/cpprof"},
    /* CI gates: exit status 3 when crossed */
    {"fail-if-inuse-above", K_VALUE, SPECIAL(S_FAIL_INUSE), .metavar = "BYTES",
     .help = "exit 3 when the in-use bytes exceed BYTES (k, M, G suffixes)"},
    {"fail-on-leaks", K_FLAG, T_BOOL, FIELD(fail_on_leaks),
     .help = "exit 3 when the profile holds any in-use object (heap-checker files)"},
    {"add_lib", K_VALUE, T_STRING, FIELD(add_lib), .metavar = "FILE",
     .help = "also look addresses up in FILE, mapped at its link-time .text addresses"},
    {"scale", K_VALUE, T_COUNT, FIELD(scale), .metavar = "N", .help = "with --gv: gv's --scale=N"},
    /* Perl pprof's options that mean nothing here: accepted (and said so) or refused with the reason */
    {"tools", K_VALUE, SPECIAL(S_TOOLS), .metavar = "PREFIX",
     .help = "ignored: no external tools (objdump, nm, addr2line) are run"},
    {"no-auto-signal-frm", K_FLAG, T_IGNORED, .help = NULL},
    {"seconds", K_VALUE, SPECIAL(S_NOT_HEAP), .help = NULL},
    {"contentions", K_FLAG, SPECIAL(S_NOT_HEAP), .help = NULL},
    {"mean_delay", K_FLAG, SPECIAL(S_NOT_HEAP), .help = NULL},
    {"total_delay", K_FLAG, SPECIAL(S_NOT_HEAP), .help = NULL},
    {"test", K_FLAG, SPECIAL(S_PERL_ONLY), .help = NULL},
    {"test_stride", K_VALUE, SPECIAL(S_PERL_ONLY), .help = NULL},
    {"debug", K_FLAG, SPECIAL(S_PERL_ONLY), .help = NULL},
    {"help", K_FLAG, SPECIAL(S_HELP), .help = "print this help"},
    {"version", K_FLAG, SPECIAL(S_VERSION), .help = "print the version"},
};

/* The defaults of hp_cli_opts (also what the shell's empty values reset to). */
static const hp_cli_opts defaults = {
    .granularity = -1, .metric = -1, .nodecount = -1, .nodefraction = 0.005,
    .edgefraction = 0.001, .maxdegree = 8, .fail_inuse_above = -1, .trend_ascii = -1,
    .debuginfod = -1, .thread = -1,
};

static void usage_line(FILE *out, const char *name, enum arg_kind kind, const char *metavar,
                       const char *help)
{
    char left[64];
    snprintf(left, sizeof(left), "--%s%s%s%s", name,
             metavar ? (kind == K_OPTIONAL ? "[=" : "=") : "", metavar ? metavar : "",
             kind == K_OPTIONAL ? "]" : "");
    fprintf(out, "  %-26s %s\n", left, help);
}

void hp_cli_usage(FILE *out)
{
    fprintf(out, "Usage:\n"
                 "  pprof [options] <program> <profile.heap> [more profiles]\n"
                 "  pprof [options] <profile.heap>        (binaries from the profile's paths)\n"
                 "\nOptions (also spelled with one dash, Go pprof style: -top, -sample_index=...):\n");
    size_t nmodes;
    const hp_cli_mode *modes = hp_cli_modes(&nmodes);
    for (size_t m = 0; m <= nmodes; m++) {
        const char *after = m < nmodes ? modes[m].name : NULL;
        if (m < nmodes && (!hp_cli_mode_advertised(&modes[m]) || !modes[m].help))
            continue;
        if (m < nmodes) {
            bool re = modes[m].needs & HP_NEEDS_REGEX;
            usage_line(out, after, re ? K_VALUE : K_FLAG, re ? "RE" : NULL, modes[m].help);
        }
        /* a mode's modifiers after it; after the modes, the other options */
        for (size_t i = 0; i < HP_ARRAY_SIZE(options); i++) {
            const opt_def *d = &options[i];
            if (d->help && (after ? d->after && !strcmp(d->after, after) : !d->after))
                usage_line(out, d->name, d->kind, d->metavar, d->help);
        }
    }
    fprintf(out, "\nEnvironment: PPROF_BINARY_PATH (like --binary_path); DEBUGINFOD_URLS,\n"
                 "DEBUGINFOD_CACHE_PATH, DEBUGINFOD_TIMEOUT (libdebuginfod's, for --debuginfod);\n"
                 "CPPROF_SYMBOL_CACHE=off (like --symbol_cache=off), XDG_CACHE_HOME.\n");
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

static int set_choice(hp_cli_opts *o, const opt_def *d, int v, const char *name, hp_error *err)
{
    int *field = (int *)((char *)o + d->field);
    if (*field >= 0 && *field != v)
        return hp_error_set(err, -EINVAL, "%s (--%s given too)", d->hint, name);
    *field = v;
    return 0;
}

static int apply_mode(hp_cli_opts *o, const hp_cli_mode *m, const char *v, hp_error *err)
{
    bool on = true;
    if (!(m->needs & HP_NEEDS_REGEX) && parse_bool(v, &on) < 0)
        return hp_error_set(err, -EINVAL, "invalid value '%s' for --%s (true or false)", v, m->name);
    if (m->refused)
        return hp_cli_mode_refuse(m, "--", err);
    if (!on) /* -text=false: only modifiers can be switched off */
        return 0;
    if (m->mode == HP_OUT_SVG && o->mode == HP_OUT_TREND) { /* --trend --svg: the plot */
        o->trend_svg = true;
        return 0;
    }
    if (m->mode == HP_OUT_TREND && o->mode == HP_OUT_SVG) { /* --svg --trend */
        o->mode = HP_OUT_NONE;
        o->trend_svg = true;
    }
    if (m->needs & HP_NEEDS_REGEX)
        o->mode_arg = v;
    return set_mode(o, m->mode, m->name, err);
}

/* --sample_index: Go pprof's names and indices, and Perl's value names */
static int sample_index(hp_cli_opts *o, const opt_def *d, const char *v, hp_error *err)
{
    int metric = hp_value_of_name(v);
    if (metric >= 0)
        return set_choice(o, d, metric, d->name, err);
    if (v[0] >= '0' && v[0] <= '3' && !v[1])
        return set_choice(o, d, "2301"[v[0] - '0'] - '0', d->name, err);
    return hp_error_set(err, -EINVAL, "sample_index '%s' must be one of: [alloc_objects alloc_space inuse_objects inuse_space]", v);
}

/* --fail-if-inuse-above=BYTES, with an optional k, M or G */
static int fail_inuse(hp_cli_opts *o, const char *v, hp_error *err)
{
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

/* --json[=rows,stacks,graph] */
static int json_parts(hp_cli_opts *o, const char *v, hp_error *err)
{
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

/* The options whose value is not simply stored. */
static int apply_special(hp_cli_opts *o, const opt_def *d, const char *v, hp_error *err)
{
    switch ((enum special)d->value) {
    case S_SAMPLE_INDEX:
        return sample_index(o, d, v, err);
    case S_SYMBOLIZE:
        if (strcmp(v, "none") && strcmp(v, "local") && strcmp(v, "fastlocal") &&
            strncmp(v, "local:", 6) && strncmp(v, "none:", 5))
            return hp_error_set(err, -EINVAL, "unsupported --symbolize mode '%s' (none or local)", v);
        o->symbolize = v;
        return 0;
    case S_DEBUGINFOD:
        if (!strcmp(v, "auto"))
            o->debuginfod = -1;
        else if (!strcmp(v, "on"))
            o->debuginfod = 1;
        else if (!strcmp(v, "off"))
            o->debuginfod = 0;
        else
            return hp_error_set(err, -EINVAL, "invalid --debuginfod '%s' (auto, on or off)", v);
        return 0;
    case S_BUILDID: {
        char *id = (char *)v; /* argv is writable: lowercased in place */
        size_t n = strspn(id, "0123456789abcdefABCDEF");
        if (!n || n % 2 || id[n])
            return hp_error_set(err, -EINVAL, "invalid --buildid '%s' (an even number of hex digits)", v);
        for (char *c = id; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        o->build_id = id;
        return 0;
    }
    case S_THREADS: {
        char *end;
        errno = 0;
        unsigned long n = strtoul(v, &end, 10);
        if (!*v || *end || errno || n < 1 || n > HP_SYM_MAX_THREADS)
            return hp_error_set(err, -EINVAL, "invalid --threads '%s' (1 to %d)", v, HP_SYM_MAX_THREADS);
        o->threads = (unsigned)n;
        return 0;
    }
    case S_SYMBOL_CACHE:
        if (strcmp(v, "on") && strcmp(v, "off"))
            return hp_error_set(err, -EINVAL, "invalid --symbol_cache '%s' (on or off)", v);
        o->symbol_cache_off = !strcmp(v, "off");
        return 0;
    case S_FAIL_INUSE:
        return fail_inuse(o, v, err);
    case S_TOOLS:
        if (!o->tools_said)
            fprintf(stderr, "pprof: --tools ignored: cpprof runs no external tools (objdump, nm, addr2line)\n");
        o->tools_said = true;
        return 0;
    case S_NOT_HEAP:
        if (!strcmp(d->name, "seconds"))
            return hp_error_set(err, -EINVAL, "--seconds is the length of a profile fetched from a server; cpprof reads heap profile files");
        return hp_error_set(err, -EINVAL, "--%s is for contention profiles; cpprof reads heap profiles", d->name);
    case S_PERL_ONLY:
        if (!strcmp(d->name, "debug"))
            return hp_error_set(err, -EINVAL, "--debug traces the external tools Perl pprof runs; cpprof runs none");
        return hp_error_set(err, -EINVAL, "--%s runs Perl pprof's self-test of its address arithmetic; cpprof's tests are `meson test`", d->name);
    case S_JSON:
        return json_parts(o, v, err);
    case S_HELP:
    case S_VERSION:
        break;
    }
    return hp_error_set(err, -EINVAL, "unhandled option --%s", d->name);
}

static int apply(hp_cli_opts *o, const opt_def *d, const char *v, hp_error *err)
{
    void *field = (char *)o + d->field;
    bool on = true;
    if (d->kind == K_FLAG && parse_bool(v, &on) < 0)
        return hp_error_set(err, -EINVAL, "invalid value '%s' for --%s (true or false)", v, d->name);
    switch (d->target) {
    case T_BOOL: *(bool *)field = on; return 0;
    case T_NOT: *(bool *)field = !on; return 0;
    case T_TRISTATE: *(int *)field = on; return 0;
    case T_CHOICE: return on ? set_choice(o, d, d->value, d->name, err) : 0;
    case T_STRING: *(const char **)field = v; return 0;
    case T_COUNT:
        if (parse_long(v, field) < 0)
            return hp_error_set(err, -EINVAL, "invalid --%s '%s'%s", d->name, v, d->hint ? d->hint : "");
        return 0;
    case T_FRACTION:
        if (parse_fraction(v, field) < 0)
            return hp_error_set(err, -EINVAL, "invalid --%s '%s'", d->name, v);
        return 0;
    case T_IGNORED: return 0;
    case T_SPECIAL: return apply_special(o, d, v, err);
    }
    return hp_error_set(err, -EINVAL, "unhandled option --%s", d->name);
}

int hp_cli_parse(int argc, char **argv, hp_cli_opts *o, hp_error *reterr)
{
    size_t nmodes;
    const hp_cli_mode *modes = hp_cli_modes(&nmodes);
    struct option *longopts = hp_new0(struct option, nmodes + HP_ARRAY_SIZE(options) + 1);
    if (!longopts)
        return hp_error_set(reterr, -ENOMEM, "out of memory");
    for (size_t i = 0; i < nmodes; i++)
        longopts[i] = (struct option){
            .name = modes[i].name,
            .has_arg = modes[i].needs & HP_NEEDS_REGEX ? required_argument : optional_argument,
            .val = (int)i + ARG_FIRST,
        };
    for (size_t i = 0; i < HP_ARRAY_SIZE(options); i++)
        longopts[nmodes + i] = (struct option){
            .name = options[i].name,
            .has_arg = options[i].kind == K_VALUE ? required_argument : optional_argument,
            .val = (int)(nmodes + i) + ARG_FIRST,
        };

    *o = defaults;
    /* getopt prints nothing: every error goes through reterr, once */
    opterr = 0;
    optind = 1;
    int c, idx, r = 0;
    bool done = false; /* --help, --version */
    while (!done && r == 0 && (c = getopt_long_only(argc, argv, ":h", longopts, &idx)) != -1) {
        size_t i = (size_t)(c - ARG_FIRST);
        const opt_def *d = c >= ARG_FIRST && i >= nmodes ? &options[i - nmodes] : NULL;
        bool special = d && d->target == T_SPECIAL;
        if (c == 'h' || (special && d->value == S_HELP)) {
            hp_cli_usage(stdout);
            done = true;
        } else if (special && d->value == S_VERSION) {
            printf("pprof (cpprof) %s\n", HP_VERSION);
            done = true;
        } else if (c == '?') {
            r = hp_error_set(reterr, -EINVAL, "unknown option '%s'", argv[optind - 1]);
        } else if (c == ':') {
            r = hp_error_set(reterr, -EINVAL, "option '%s' needs a value", argv[optind - 1]);
        } else {
            r = d ? apply(o, d, optarg, reterr) : apply_mode(o, &modes[i], optarg, reterr);
        }
    }
    free(longopts);
    if (r < 0 || done)
        return r;
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

static const opt_def *find_option(const char *name)
{
    for (size_t i = 0; i < HP_ARRAY_SIZE(options); i++)
        if (!strcmp(options[i].name, name))
            return &options[i];
    return NULL;
}

int hp_cli_set_option(hp_cli_opts *o, const char *name, const char *value, hp_error *reterr)
{
    const opt_def *d = find_option(name);
    if (!d)
        return hp_error_set(reterr, -EINVAL, "unknown option '%s'", name);
    /* output modes, files, paths and gates only make sense once, on the command line */
    if (!(d->shell & SHELL))
        return hp_error_set(reterr, -EINVAL, "'%s' can only be given on the command line", name);
    void *field = (char *)o + d->field;
    const void *dflt = (const char *)&defaults + d->field;
    if (d->kind == K_VALUE && (!value || !*value)) {
        if (!(d->shell & SHELL_RESET))
            return hp_error_set(reterr, -EINVAL, "option '%s' needs a value", name);
        memcpy(field, dflt, d->target == T_STRING ? sizeof(char *)
                            : d->target == T_COUNT ? sizeof(long) : sizeof(int));
        return 0;
    }
    /* a new granularity or value replaces the current one */
    if (d->target == T_CHOICE || (d->target == T_SPECIAL && d->value == S_SAMPLE_INDEX))
        *(int *)field = -1;
    return apply(o, d, value, reterr);
}

const char *const *hp_cli_option_names(void)
{
    static const char *names[HP_ARRAY_SIZE(options) + 1];
    if (!names[0]) {
        size_t n = 0;
        for (size_t i = 0; i < HP_ARRAY_SIZE(options); i++)
            if (options[i].shell & SHELL)
                names[n++] = options[i].name;
    }
    return names;
}
