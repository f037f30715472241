/*
 * hp_cli.h - the command line of `pprof`: the output modes (one table,
 * hp_dispatch.h) and every other option (one table, options.c), with Perl
 * pprof's names and Go pprof's spellings as aliases, parsed with
 * getopt_long_only so that both --text and -text work, into hp_cli_opts;
 * the session, the shell, --symbols and --trend.
 */
#ifndef HP_CLI_H
#define HP_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "hp_error.h"
#include "hp_render.h"
#include "hp_report.h"
#include "hp_symbolize.h"

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
    HP_OUT_FLAME,
    HP_OUT_ICICLE,
    HP_OUT_PROTO,
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
    const char *lib_prefix; /* --lib_prefix */
    const char *source_path;
    int debuginfod;        /* after parsing: 1 = ask debuginfod (--debuginfod=on, or auto with
                              DEBUGINFOD_URLS set), 0 = not */
    const char *build_id;  /* --buildid, lowercase hex, or NULL */
    unsigned threads;      /* --threads, 0 = default */
    bool symbol_cache_off; /* --symbol_cache=off */
    double fail_inuse_above; /* -1 = no gate */
    bool fail_on_leaks;
    bool trend_svg;  /* --trend --svg: the plot instead of the table */
    bool trend_all;  /* --trend_all: every stack, not only growing ones */
    int trend_ascii; /* --trend_ascii: 1 ASCII, 0 Unicode, -1 from the locale */
    unsigned json;  /* HP_JSON_* bits; 0 = no JSON */
    long thread;    /* --thread=N for jemalloc profiles; -1 = all threads */
    const char *add_lib;    /* --add_lib=FILE (Perl: an extra library, not relocated) */
    long scale;             /* --scale=N for gv; 0 = none */
    bool tools_said;        /* --tools: the note was printed */
    const char *http; /* --http=[HOST]:PORT: serve the web UI (cli/web.c); NULL = not */
    bool no_browser;  /* --no_browser: with --http, do not open a browser */
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

/**
 * hp_cli_set_option - set one option of o by its command-line name (no
 * dashes), as the shell's `name=value` does. Later values replace earlier
 * ones (granularity, sample_index). An empty or NULL value resets a
 * filter (focus, ignore, show, hide), nodecount or sample_index to its default.
 * Returns: 0; -EINVAL with reterr for an unknown option, a bad value or an
 *          option that only the command line can give (modes, files, paths).
 * Ownership: value is borrowed and must outlive o.
 */
int hp_cli_set_option(hp_cli_opts *o, const char *name, const char *value, hp_error *reterr);

/** hp_cli_option_names - the names hp_cli_set_option accepts, NULL-terminated (completion). */
const char *const *hp_cli_option_names(void);

/* ---- session.c: profiles loaded and symbolized once, reported many times ---- */

/* Warnings already printed, so that each is printed once. */
typedef struct hp_cli_warnings {
    char **w;
    size_t n, alloc;
} hp_cli_warnings;

/** hp_cli_print_new_warnings - print p's warnings from index from on, except those printed. */
void hp_cli_print_new_warnings(hp_cli_warnings *s, const hp_profile *p, size_t from);
/** hp_cli_warnings_release - free the list (it is empty afterwards). */
void hp_cli_warnings_release(hp_cli_warnings *s);

typedef struct hp_cli_session hp_cli_session;

/**
 * hp_cli_session_open - classify the arguments of o (program, profiles),
 * read the profiles, each symbolized through its own mappings, sum them and
 * subtract o->base or o->diff_base by what the frames are (DECISIONS 16).
 * Warnings go to stderr. interactive: keep the summed profiles (for
 * hp_cli_session_set_base) and the open objects (for list); keep_objects:
 * keep the open objects (a mode that needs them: --list).
 * Returns: 0 and *ret (hp_cli_session_free); -EINVAL for bad arguments,
 *          another negative errno for unreadable input; reterr set.
 * Ownership: o's strings are borrowed and must outlive the session.
 */
int hp_cli_session_open(const hp_cli_opts *o, bool interactive, bool keep_objects,
                        hp_cli_session **ret, hp_error *reterr);
/** hp_cli_session_free - accepts NULL; returns NULL. */
hp_cli_session *hp_cli_session_free(hp_cli_session *s);

/**
 * hp_cli_session_set_base - subtract the profile at base (NULL: none) from
 * the summed profiles instead of the current base (Perl's --base; with
 * drop_negative, --drop_negative), symbolized and matched as above. Only
 * for sessions opened as interactive.
 * Returns: 0; a negative errno with reterr set, the session unchanged.
 */
int hp_cli_session_set_base(hp_cli_session *s, const char *base, bool drop_negative,
                            hp_error *reterr);

/** hp_cli_session_base - the base file subtracted (borrowed), NULL for none. */
const char *hp_cli_session_base(const hp_cli_session *s);
/** hp_cli_session_profile - the profile reported from (borrowed). */
const hp_profile *hp_cli_session_profile(const hp_cli_session *s);
/**
 * hp_cli_split_args - classify the positional arguments of o: an ELF program
 * first (optional, Go pprof style), then the profiles (borrowed from o).
 * Returns: 0; -EINVAL without a profile, -ENOENT when the first of several
 *          arguments does not exist (reterr set).
 */
int hp_cli_split_args(const hp_cli_opts *o, const char **program, char ***profiles,
                      int *nprofiles, hp_error *reterr);
/** hp_cli_session_args - the program argument (NULL when left out) and the profiles. */
void hp_cli_session_args(const hp_cli_session *s, const char **program, char ***profiles,
                         int *nprofiles);
/** hp_cli_session_program - the program argument, else the first profile (graph legends). */
const char *hp_cli_session_program(const hp_cli_session *s);
/** hp_cli_session_objects - the open objects (borrowed), NULL unless kept. */
hp_symbolize_session *hp_cli_session_objects(hp_cli_session *s);

/**
 * hp_cli_session_report - the report of the session's profile with the
 * options of o (metric, granularity, filters).
 * Returns: 0 and *ret (hp_report_free); -EINVAL for a bad regular expression.
 */
int hp_cli_session_report(const hp_cli_session *s, const hp_cli_opts *o, hp_report **ret,
                          hp_error *reterr);
/**
 * hp_cli_report_options - the report options o asks for (metric, granularity,
 * filters), stack keys not kept, no percentage base (also for --trend).
 */
hp_report_options hp_cli_report_options(const hp_cli_opts *o);
/** hp_cli_symbolize_options - the symbolizer options o asks for, with program (may be NULL). */
hp_symbolize_options hp_cli_symbolize_options(const hp_cli_opts *o, const char *program);
/** hp_cli_symbolizes - false for --symbolize=none. */
bool hp_cli_symbolizes(const hp_cli_opts *o);

/* ---- shell.c ---- */

/**
 * hp_cli_shell - the interactive shell: reads commands from in (with line
 * editing and history when it is a terminal), prints reports on out, the
 * prompt and messages on stderr, until `quit` or end of input. A failing
 * command prints one line and the shell goes on. o holds the initial settings.
 * Returns: 0, or -ENOMEM / -EIO with reterr set.
 */
int hp_cli_shell(hp_cli_session *s, const hp_cli_opts *o, FILE *in, FILE *out, hp_error *reterr);

#endif
