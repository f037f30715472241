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
    HP_OUT_PROTO,
} hp_output_mode;

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
    double fail_inuse_above; /* -1 = no gate */
    bool fail_on_leaks;
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
int hp_cli_symbols(const char *program, FILE *in, FILE *out, hp_error *reterr);

/** hp_cli_usage - the generated usage text. */
void hp_cli_usage(FILE *out);

#endif
