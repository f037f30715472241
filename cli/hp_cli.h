/*
 * hp_cli.h - the command line of `pprof`: every option in one table
 * (Perl pprof's names, Go pprof's spellings as aliases), parsed with
 * getopt_long_only so that both --text and -text work, into hp_cli_opts.
 */
#ifndef HP_CLI_H
#define HP_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "hp_error.h"

typedef enum hp_output_mode {
    HP_OUT_NONE = 0,
    HP_OUT_TEXT,
    HP_OUT_TRACES,
    HP_OUT_CALLGRIND,
    HP_OUT_LIST,
    HP_OUT_DISASM,
    HP_OUT_SYMBOLS,
    HP_OUT_DOT,
    HP_OUT_PS,
    HP_OUT_PDF,
    HP_OUT_SVG,
    HP_OUT_PNG,
    HP_OUT_GIF,
    HP_OUT_GV,
    HP_OUT_EVINCE,
    HP_OUT_WEB,
    HP_OUT_RAW,
    HP_OUT_COLLAPSED,
    HP_OUT_INTERACTIVE,
    HP_OUT_TREND,
    HP_OUT_TREE, /* Go pprof's -tree */
    HP_OUT_PEEK, /* Go pprof's -peek=RE (regex in mode_arg) */
    HP_OUT_JSON, /* not an option: what main.c renders when --json is given */
} hp_output_mode;

/* --json[=PARTS]: which parts of the JSON document to write */
enum {
    HP_JSON_ROWS = 1,
    HP_JSON_STACKS = 2,
    HP_JSON_GRAPH = 4,
    HP_JSON_AUTO = 8, /* --json alone: the parts follow the output mode */
};

typedef struct hp_cli_opts {
    hp_output_mode mode;
    const char *mode_arg; /* regex of --list / --disasm */
    bool stacks;
    int granularity;      /* hp_granularity; -1 = not given */
    int metric;           /* HP_*; -1 = not given */
    bool show_bytes, drop_negative, cum, heapcheck, show_addresses, no_strip_temp;
    const char *base, *diff_base;
    const char *focus, *ignore, *show, *hide;
    long nodecount; /* -1 = default */
    double nodefraction, edgefraction;
    long maxdegree;
    const char *output;
    const char *symbolize; /* "none", "local", ... */
    const char *binary_path;
    const char *source_path;
    int debuginfod;        /* after parsing: 1 = ask debuginfod (--debuginfod=on, or auto with
                              DEBUGINFOD_URLS set), 0 = not */
    const char *build_id;  /* --buildid, lowercase hex, or NULL */
    double fail_inuse_above; /* -1 = no gate */
    bool fail_on_leaks;
    bool trend_svg;  /* --trend --svg: the plot instead of the table */
    bool trend_all;  /* --trend_all: every stack, not only growing ones */
    int trend_ascii; /* --trend_ascii: 1 ASCII, 0 Unicode, -1 from the locale */
    unsigned json;  /* HP_JSON_* bits; 0 = no JSON */
    long thread;    /* --thread=N for jemalloc profiles; -1 = all threads */
    char **args; /* positional arguments (borrowed from argv) */
    int nargs;
} hp_cli_opts;

/**
 * hp_cli_parse - parse argv into o.
 * Returns: 1 to go on, 0 when --help/--version was printed (exit 0),
 *          -EINVAL for a usage error with reterr set (exit 2).
 */
int hp_cli_parse(int argc, char **argv, hp_cli_opts *o, hp_error *reterr);

/**
 * hp_cli_symbols - the --symbols mode: maps and addresses on in, one name per
 * address on out. Returns: 0 or a negative errno with reterr set.
 */
int hp_cli_symbols(const char *program, bool debuginfod, FILE *in, FILE *out, hp_error *reterr);

/**
 * hp_cli_trend - the --trend mode: each profile of the series is read,
 * symbolized (one symbolizer session for all) and reported on its own, then
 * the growing stacks are printed (or plotted, with --svg).
 * Returns: 0 or a negative errno with reterr set.
 */
int hp_cli_trend(const hp_cli_opts *o, const char *program, char **profiles, int nprofiles,
                 hp_error *reterr);

/** hp_cli_usage - the generated usage text. */
void hp_cli_usage(FILE *out);

#endif
