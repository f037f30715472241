/*
 * hp_dispatch.h - the output modes of `pprof`, in one table (dispatch.c):
 * each row names a mode and says what it needs, where the shell writes it,
 * whether Perl prints its header first, and which function renders it. The
 * command line's mode options and --help lines (options.c), the shell's
 * commands and help (shell.c) and the dispatch of a report (hp_cli_render)
 * are all generated from it: a new mode is one row and one render function.
 */
#ifndef HP_DISPATCH_H
#define HP_DISPATCH_H

#include "hp_cli.h"

/* What a mode needs or takes (bits of hp_cli_mode.needs). */
enum {
    HP_NEEDS_REGEX = 1,   /* an argument: --list=RE; the shell's words after the command */
    HP_NEEDS_OBJECTS = 2, /* the open objects (the session keeps them) */
    HP_NEEDS_GRAPH = 4,   /* the call graph (--nodecount, --nodefraction, ...) */
    HP_TAKES_COUNT = 8,   /* the shell's topN: digits after the command's name */
    HP_TAKES_FILE = 16,   /* the shell's word after the command is the file to write */
};

/* What a render function is given. */
typedef struct hp_cli_render_ctx {
    const hp_cli_opts *o;
    hp_cli_session *s;
    const hp_report *rep;
    hp_render_options *rnd; /* the function may adjust it */
    const hp_graph *graph;  /* built for HP_NEEDS_GRAPH, else NULL */
} hp_cli_render_ctx;

typedef int hp_cli_render_fn(const hp_cli_render_ctx *c, FILE *out, hp_error *err);
typedef int hp_cli_run_fn(const hp_cli_opts *o, hp_error *err);

typedef struct hp_cli_mode {
    const char *name;         /* --NAME, and the shell's command NAME */
    hp_output_mode mode;
    const char *ext;          /* the shell writes to pprofNNN.EXT unless "> FILE"; NULL: stdout */
    unsigned needs;           /* HP_NEEDS_*, HP_TAKES_COUNT */
    bool perl_header;         /* the shell prints Perl's "Total:" and "After focusing" first */
    hp_cli_render_fn *render; /* a report mode (also a shell command); NULL otherwise */
    hp_cli_run_fn *run;       /* a whole run instead of a report (--symbols, --trend) */
    const char *help;         /* --help line; NULL: an alias, or not advertised */
    const char *shell_args;   /* shell help: what follows the names of this row's group */
    const char *shell_help;   /* shell help: starts a group (the rows after it without
                                 one join it); '\n' continues on the next line */
    const char *refused;      /* a mode cpprof does not offer: why, said instead */
    const char *instead;      /* with refused: the mode to use instead */
} hp_cli_mode;

/** hp_cli_modes - the table, *ret_n rows (borrowed, static). */
const hp_cli_mode *hp_cli_modes(size_t *ret_n);

/** hp_cli_mode_of - the first row of mode m (NULL for HP_OUT_NONE and the JSON pseudo-mode). */
const hp_cli_mode *hp_cli_mode_of(hp_output_mode m);

/**
 * hp_cli_mode_advertised - offered: implemented, not refused. Listed in
 * --help (with its help line: aliases have none), and, as a report, in the
 * shell's help and completion.
 */
bool hp_cli_mode_advertised(const hp_cli_mode *m);

/**
 * hp_cli_mode_refuse - the one line for a refused mode (m->refused):
 * "GIF output is not supported: use --png instead" (dashes for the command
 * line, none for the shell). Returns: -ENOTSUP with reterr set.
 */
int hp_cli_mode_refuse(const hp_cli_mode *m, const char *dashes, hp_error *reterr);

/** hp_cli_render_options - the renderer options o asks for. */
void hp_cli_render_options(const hp_cli_opts *o, const hp_cli_session *s,
                           hp_render_options *ret);

/**
 * hp_cli_render - write rep in o->mode (or --json's document) to out, or
 * show it in a viewer for --web, --gv, --evince, with the renderer options rnd.
 * Returns: 0 or a negative errno with reterr set.
 */
int hp_cli_render(const hp_cli_opts *o, hp_cli_session *s, const hp_report *rep,
                  hp_render_options *rnd, FILE *out, hp_error *reterr);

#endif
