/*
 * shell.c - the interactive shell: Perl pprof's --interactive mode (the
 * default when stdout is a terminal), with Go pprof's option assignments.
 *
 * It owns the command loop and the current settings (an hp_cli_opts that
 * starts as the command line's): each command copies them, applies its own
 * arguments, builds a report from the session and renders it through
 * hp_cli_render, exactly as a one-shot run with the same options would.
 * Commands:
 *   top[N]/text[N] [--cum] [--lines] [focus...] [-ignore...]   (Perl; N = 10)
 *   list RE, disasm RE, traces, callgrind [FILE], collapsed, raw,
 *   dot/svg/pdf/png/ps/gif (to a file), web/gv/evince (a viewer),
 *   any of them followed by "> FILE";
 *   base [FILE], focus/ignore/show/hide [RE], name=value (Go), options, help, quit.
 * Perl's transcript format is kept: banner and "(pprof) " prompt on stderr,
 * "Total:" and "After focusing/ignoring" lines before top and list.
 * A terminal on stdin gets libedit line editing, history and completion;
 * otherwise lines are read with getline(), so transcripts can be tested.
 */
#include "hp_common.h"
#include "hp_arena.h"
#include "hp_buf.h"
#include "hp_cli.h"
#include "hp_dispatch.h"

#include <ctype.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HAVE_LIBEDIT
#include <editline/readline.h>
#endif

enum { MAX_WORDS = 64 };

typedef struct shell {
    hp_cli_session *s;
    hp_cli_opts opts; /* current settings */
    hp_arena *strings; /* values the settings point to */
    FILE *out;
    unsigned next_file; /* pprofNNN.ext numbering */
} shell;

/* What a report command was given besides its name (Perl's ParseInteractiveArgs). */
typedef struct cmd_args {
    hp_buf focus, ignore; /* words joined with '|' */
    bool cum, lines;
    const char *file; /* "> FILE" */
} cmd_args;

static const char *const other_cmds[] = {"base", "options", "help", "quit", "exit", NULL};

/* The reports of the mode table (dispatch.c), as the shell's help lists them. */
static bool listed(const hp_cli_mode *m)
{
    return m->render && hp_cli_mode_advertised(m);
}

/* One line per group of the mode table: a row with shell_help starts it, the
 * listed rows after it without one join it ("dot, svg, pdf [focus] [-ignore]"). */
static void help_reports(FILE *f)
{
    size_t n;
    const hp_cli_mode *modes = hp_cli_modes(&n);
    for (size_t i = 0; i < n; i++) {
        if (!listed(&modes[i]) || !modes[i].shell_help)
            continue;
        char left[256];
        size_t len = 0;
        for (size_t k = i; k < n && len < sizeof(left); k++) {
            const hp_cli_mode *m = &modes[k];
            if (k > i && m->shell_help)
                break;
            if (listed(m))
                len += (size_t)snprintf(left + len, sizeof(left) - len, "%s%s%s%s%s",
                                        k > i ? ", " : "", m->name,
                                        m->needs & HP_TAKES_COUNT ? "[N]" : "",
                                        m->needs & HP_NEEDS_REGEX ? " RE" : "",
                                        m->needs & HP_TAKES_FILE ? " [FILE]" : "");
        }
        if (len < sizeof(left))
            snprintf(left + len, sizeof(left) - len, "%s", modes[i].shell_args ? modes[i].shell_args : "");
        const char *h = modes[i].shell_help;
        int first = (int)strcspn(h, "\n");
        if (strlen(left) <= 19)
            fprintf(f, "  %-19s %.*s\n", left, first, h);
        else
            fprintf(f, "  %s\n%22s%.*s\n", left, "", first, h);
        for (h += first; *h == '\n'; h += first) {
            h++;
            first = (int)strcspn(h, "\n");
            fprintf(f, "%22s%.*s\n", "", first, h);
        }
    }
}

static void help(void)
{
    fputs("Interactive pprof mode\n"
          "\n"
          "Reports (each also takes \"> FILE\" to write it to FILE):\n",
          stderr);
    help_reports(stderr);
    fputs("\n"
          "Settings (kept for the following commands):\n"
          "  base [FILE]         subtract the profile FILE; no FILE: subtract nothing\n"
          "  focus [RE], ignore [RE], show [RE], hide [RE]   no RE: clear\n"
          "  sample_index=inuse_space|inuse_objects|alloc_space|alloc_objects\n"
          "  functions, lines, files, addresses   granularity\n"
          "  cum, flat, show_bytes, nodecount=N, nodefraction=F, ...\n"
          "                      any option of the command line, as name=value\n"
          "  options             print the current settings\n"
          "\n"
          "  help                this text\n"
          "  quit, exit or ^D    end pprof\n",
          stderr);
}

static const char *keep(shell *sh, const char *s)
{
    return s ? hp_arena_strdup(sh->strings, s) : NULL;
}

static void print_error(const hp_error *err, int r)
{
    fprintf(stderr, "pprof: %s\n", err->msg[0] ? err->msg : strerror(-r));
}

/* ---- report commands --------------------------------------------------- */

static int parse_args(char **w, int n, bool redirect_only, cmd_args *a, hp_error *err)
{
    for (int i = 0; i < n; i++) {
        const char *x = w[i];
        if (x[0] == '>') {
            a->file = x[1] ? x + 1 : i + 1 < n ? w[++i] : NULL;
            if (!a->file || i + 1 < n)
                return hp_error_set(err, -EINVAL, "'>' needs one file name, at the end");
        } else if (redirect_only) {
            if (a->file)
                return hp_error_set(err, -EINVAL, "more than one file name");
            a->file = x;
        } else if (!strcmp(x, "--lines") || !strcmp(x, "-lines")) {
            a->lines = true;
        } else if (!strcmp(x, "--cum") || !strcmp(x, "-cum")) {
            a->cum = true;
        } else if (x[0] == '-') {
            if (a->ignore.len)
                hp_buf_addc(&a->ignore, '|');
            hp_buf_adds(&a->ignore, x + 1);
        } else {
            if (a->focus.len)
                hp_buf_addc(&a->focus, '|');
            hp_buf_adds(&a->focus, x);
        }
    }
    return 0;
}

/* The total of the stacks a report kept after --focus and --ignore. */
static double kept_total(const hp_report *r)
{
    double v = 0;
    for (size_t i = 0; i < r->nstacks; i++)
        v += r->stacks[i].value;
    return v;
}

static void print_after(FILE *f, const hp_report *r, const hp_render_options *rnd,
                        const char *what, const char *re, double v)
{
    char vs[64], ts[64], ps[32];
    hp_fmt_value(r, rnd, v, vs, sizeof(vs));
    hp_fmt_value(r, rnd, r->total, ts, sizeof(ts));
    hp_fmt_percent(v, r->total, ps, sizeof(ps)); /* Perl dies on a zero total */
    fprintf(f, "After %s '%s': %s %s of %s (%s)\n", what, re, vs, hp_fmt_units(r, rnd), ts, ps);
}

/* Perl's ProcessProfile: "Total:", then what the command's focus and ignore
 * arguments kept. o has the command's filters; focus_only its focus alone. */
static int print_header(shell *sh, const hp_cli_opts *o, const hp_report *r,
                        const hp_render_options *rnd, const cmd_args *a, FILE *f,
                        hp_error *err)
{
    char tv[64];
    hp_fmt_value(r, rnd, r->total, tv, sizeof(tv));
    fprintf(f, "Total: %s %s\n", tv, hp_fmt_units(r, rnd));
    if (a->focus.len && o->focus == a->focus.buf) {
        double v = kept_total(r);
        if (a->ignore.len) { /* the focus alone, with the settings' ignore */
            hp_cli_opts fo = *o;
            fo.ignore = sh->opts.ignore;
            hp_report *fr = NULL;
            int rc = hp_cli_session_report(sh->s, &fo, &fr, err);
            if (rc < 0)
                return rc;
            v = kept_total(fr);
            hp_report_free(fr);
        }
        print_after(f, r, rnd, "focusing on", a->focus.buf, v);
    }
    if (a->ignore.len)
        print_after(f, r, rnd, "ignoring", a->ignore.buf, kept_total(r));
    return 0;
}

/* Perl's top N counts rows it does not print (zero flat and cum) towards N:
 * the number of rows printed among the first n. */
static long top_rows(const hp_report *r, bool cum, long n)
{
    const uint32_t *rows = hp_report_rows(r, cum);
    long printed = 0;
    for (size_t i = 0; i < r->nrows && (long)i < n; i++)
        printed += r->flat[rows[i]] != 0 || r->cum[rows[i]] != 0;
    return printed;
}

/* Where a report goes: FILE, or the first free pprofNNN.ext in the current directory;
 * announce: say so on stderr (graphs and other files, as Go pprof does). */
static FILE *open_output(shell *sh, const char *file, const char *ext, bool announce,
                         hp_error *err)
{
    char path[64] = "pprof999";
    FILE *f = NULL;
    if (file) {
        if (!(f = fopen(file, "w")))
            hp_error_set(err, -errno, "cannot write '%s': %s", file, strerror(errno));
    } else {
        int fd = -1;
        for (; fd < 0 && sh->next_file < 1000; sh->next_file++) {
            snprintf(path, sizeof(path), "pprof%03u.%s", sh->next_file, ext);
            fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
            if (fd < 0 && errno != EEXIST)
                break;
        }
        if (fd < 0 || !(f = fdopen(fd, "w"))) {
            hp_error_set(err, -errno, "cannot create '%s': %s", path, strerror(errno));
            if (fd >= 0)
                close(fd);
            return NULL;
        }
        file = path;
    }
    if (f && announce)
        fprintf(stderr, "Generating report in %s\n", file);
    return f;
}

static int report_cmd(shell *sh, const hp_cli_mode *m, const char *digits, char **w, int n,
                      hp_error *err)
{
    hp_output_mode mode = m->mode;
    const char *ext = m->ext;
    bool regex = m->needs & HP_NEEDS_REGEX;
    cmd_args a = {.focus = HP_BUF_INIT, .ignore = HP_BUF_INIT};
    hp_report *rep = NULL;
    FILE *f = NULL;
    char *text = NULL;
    size_t text_len = 0;
    hp_buf ignore = HP_BUF_INIT;
    int r = parse_args(w, n, m->needs & HP_TAKES_FILE, &a, err);
    if (r == 0 && (!hp_buf_ok(&a.focus) || !hp_buf_ok(&a.ignore)))
        r = hp_error_set(err, -ENOMEM, "out of memory");
    if (r < 0)
        goto out;
    if (regex && !a.focus.len) {
        r = hp_error_set(err, -EINVAL, "%s needs a regular expression", m->name);
        goto out;
    }
    if (a.ignore.len)
        fprintf(stderr, "Ignoring samples in call stacks that match '%s'\n", a.ignore.buf);

    hp_cli_opts o = sh->opts;
    o.mode = mode;
    o.stacks = false;
    if (a.cum)
        o.cum = true;
    if (a.lines)
        o.granularity = HP_GRAN_LINES;
    if (regex)
        o.mode_arg = a.focus.buf; /* the routines; the settings' focus still applies */
    else if (a.focus.len)
        o.focus = a.focus.buf; /* replaces the settings' focus for this command */
    if (a.ignore.len && sh->opts.ignore) { /* adds to the settings' ignore */
        hp_buf_addf(&ignore, "%s|%s", sh->opts.ignore, a.ignore.buf);
        o.ignore = ignore.buf;
        if (!hp_buf_ok(&ignore)) {
            r = hp_error_set(err, -ENOMEM, "out of memory");
            goto out;
        }
    } else if (a.ignore.len) {
        o.ignore = a.ignore.buf;
    }
    if ((r = hp_cli_session_report(sh->s, &o, &rep, err)) < 0)
        goto out;
    hp_render_options rnd;
    hp_cli_render_options(&o, sh->s, &rnd);
    if (m->needs & HP_TAKES_COUNT) {
        long limit = *digits ? strtol(digits, NULL, 10) : o.nodecount >= 0 ? o.nodecount : 10;
        rnd.nodecount = top_rows(rep, o.cum, limit);
        rnd.omit_total = true;
    }
    /* the report is rendered into memory first: a failing one prints nothing */
    bool to_file = ext || a.file;
    FILE *mem = open_memstream(&text, &text_len);
    if (!mem) {
        r = hp_error_set(err, -ENOMEM, "out of memory");
        goto out;
    }
    if (m->perl_header)
        r = print_header(sh, &o, rep, &rnd, &a, mem, err);
    if (r == 0)
        r = hp_cli_render(&o, sh->s, rep, &rnd, mem, err);
    if (fclose(mem) != 0 && r == 0)
        r = hp_error_set(err, -ENOMEM, "out of memory");
    if (r < 0)
        goto out;
    if (to_file && !(f = open_output(sh, a.file, ext, ext != NULL, err))) {
        r = -EIO;
        goto out;
    }
    FILE *dst = to_file ? f : sh->out;
    if (fwrite(text, 1, text_len, dst) != text_len || fflush(dst) != 0)
        r = hp_error_set(err, -EIO, "error writing the report");
out:
    if (f && fclose(f) != 0 && r == 0)
        r = hp_error_set(err, -EIO, "error writing '%s'", a.file ? a.file : "the report");
    free(text);
    hp_report_free(rep);
    hp_buf_release(&a.focus);
    hp_buf_release(&a.ignore);
    hp_buf_release(&ignore);
    return r;
}

/* ---- settings ---------------------------------------------------------- */

static void print_options(shell *sh)
{
    static const char *const grans[] = {"functions", "lines", "files", "addresses"};
    const hp_cli_opts *o = &sh->opts;
    const char *base = hp_cli_session_base(sh->s);
    FILE *f = sh->out;
    fprintf(f, "  sample_index   = %s\n",
            hp_value_name(o->metric >= 0 ? o->metric : HP_INUSE_SPACE));
    fprintf(f, "  granularity    = %s\n", grans[o->granularity >= 0 ? o->granularity : 0]);
    fprintf(f, "  cum            = %s\n", o->cum ? "true" : "false");
    fprintf(f, "  show_bytes     = %s\n", o->show_bytes ? "true" : "false");
    fprintf(f, "  focus          = %s\n", o->focus ? o->focus : "");
    fprintf(f, "  ignore         = %s\n", o->ignore ? o->ignore : "");
    fprintf(f, "  show           = %s\n", o->show ? o->show : "");
    fprintf(f, "  hide           = %s\n", o->hide ? o->hide : "");
    if (o->nodecount >= 0)
        fprintf(f, "  nodecount      = %ld\n", o->nodecount);
    else
        fprintf(f, "  nodecount      = (10 for top, 80 for graphs)\n");
    fprintf(f, "  nodefraction   = %g\n", o->nodefraction);
    fprintf(f, "  edgefraction   = %g\n", o->edgefraction);
    fprintf(f, "  base           = %s\n", base ? base : "");
    fprintf(f, "  drop_negative  = %s\n", o->drop_negative ? "true" : "false");
    fflush(f);
}

static bool is_option(const char *name)
{
    for (const char *const *n = hp_cli_option_names(); *n; n++)
        if (!strcmp(*n, name))
            return true;
    return false;
}

static int set_option(shell *sh, const char *name, const char *value, hp_error *err)
{
    hp_cli_opts o = sh->opts;
    const char *v = keep(sh, value);
    if (value && !v)
        return hp_error_set(err, -ENOMEM, "out of memory");
    int r = hp_cli_set_option(&o, name, v, err);
    /* the base is subtracted again, with or without the negative differences */
    const char *base = hp_cli_session_base(sh->s);
    if (r == 0 && base && o.drop_negative != sh->opts.drop_negative)
        r = hp_cli_session_set_base(sh->s, base, o.drop_negative, err);
    if (r == 0)
        sh->opts = o;
    return r;
}

/* ---- the loop ---------------------------------------------------------- */

static int split(char *line, char **w)
{
    int n = 0;
    char *save = NULL;
    for (char *s = strtok_r(line, " \t\r\n", &save); s && n < MAX_WORDS;
         s = strtok_r(NULL, " \t\r\n", &save))
        w[n++] = s;
    return n;
}

/* Runs one line. Returns false when the shell should end. */
static bool command(shell *sh, char *line)
{
    char *w[MAX_WORDS];
    int n = split(line, w);
    hp_error err = {0};
    int r = 0;
    if (n == 0)
        return true;
    const char *cmd = w[0];
    if (!strcmp(cmd, "quit") || !strcmp(cmd, "exit"))
        return false;
    if (!strcmp(cmd, "help")) {
        help();
        return true;
    }
    if (!strcmp(cmd, "options")) {
        print_options(sh);
        return true;
    }
    if (!strcmp(cmd, "base")) {
        if (n > 2)
            r = hp_error_set(&err, -EINVAL, "base takes one file name");
        else
            r = hp_cli_session_set_base(sh->s, n == 2 ? w[1] : NULL, sh->opts.drop_negative,
                                        &err);
        if (r < 0)
            print_error(&err, r);
        return true;
    }
    /* top, top20, text5, list, svg, ...: the report modes of the mode table */
    size_t len = strcspn(cmd, "0123456789"), nmodes;
    const hp_cli_mode *modes = hp_cli_modes(&nmodes);
    for (size_t c = 0; c < nmodes; c++) {
        const hp_cli_mode *m = &modes[c];
        if (m->run || m->mode == HP_OUT_INTERACTIVE || strlen(m->name) != len ||
            strncmp(m->name, cmd, len))
            continue;
        const char *digits = cmd + len;
        if (*digits && (!(m->needs & HP_TAKES_COUNT) ||
                        strspn(digits, "0123456789") != strlen(digits)))
            break;
        if (m->refused) {
            r = hp_cli_mode_refuse(m, "", &err);
        } else if (strlen(digits) > 9) {
            r = hp_error_set(&err, -EINVAL, "'%s': too many rows", cmd);
        } else {
            fflush(sh->out);
            r = report_cmd(sh, m, digits, w + 1, n - 1, &err);
        }
        if (r < 0)
            print_error(&err, r);
        return true;
    }
    /* name=value, or name [value] for the command line's options */
    char *eq = strchr(cmd, '=');
    if (eq && n == 1) {
        *eq = '\0';
        r = set_option(sh, cmd, eq + 1, &err);
    } else if (!eq && is_option(cmd)) {
        if (n > 2)
            r = hp_error_set(&err, -EINVAL, "'%s' takes one value", cmd);
        else
            r = set_option(sh, cmd, n == 2 ? w[1] : NULL, &err);
    } else {
        fputs("Unknown command: try 'help'.\n", stderr);
        return true;
    }
    if (r < 0)
        print_error(&err, r);
    return true;
}

static void reap_viewers(void)
{
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}

#ifdef HAVE_LIBEDIT
static char *complete_word(const char *text, int state)
{
    static size_t i, len;
    if (!state)
        i = 0, len = strlen(text);
    const char *const *opts = hp_cli_option_names();
    size_t nmodes, nother = 0, nopts = 0;
    const hp_cli_mode *modes = hp_cli_modes(&nmodes);
    while (other_cmds[nother])
        nother++;
    while (opts[nopts])
        nopts++;
    while (i < nmodes + nother + nopts) {
        size_t k = i++;
        if (k < nmodes && !listed(&modes[k]))
            continue;
        const char *name = k < nmodes            ? modes[k].name
                           : k < nmodes + nother ? other_cmds[k - nmodes]
                                                 : opts[k - nmodes - nother];
        if (!strncmp(name, text, len))
            return strdup(name);
    }
    return NULL;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    if (start > 0)
        return NULL; /* file names */
    rl_attempted_completion_over = 1;
    return rl_completion_matches(text, complete_word);
}

/* $XDG_STATE_HOME/pprof_history, else ~/.pprof_history; NULL if neither is set. */
static char *history_path(void)
{
    const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    hp_buf b = HP_BUF_INIT;
    if (state && *state)
        hp_buf_addf(&b, "%s/pprof_history", state);
    else if (home && *home)
        hp_buf_addf(&b, "%s/.pprof_history", home);
    else
        return NULL;
    return hp_buf_detach(&b, NULL);
}

static void loop_libedit(shell *sh, FILE *in)
{
    rl_readline_name = "pprof";
    rl_instream = in;
    rl_outstream = stderr;
    rl_attempted_completion_function = complete;
    char *hist = history_path();
    stifle_history(1000);
    if (hist)
        read_history(hist); /* failures ignored: no history yet */
    for (;;) {
        reap_viewers();
        fflush(sh->out);
        char *line = readline("(pprof) ");
        if (!line) {
            fputc('\n', stderr);
            break;
        }
        if (line[strspn(line, " \t")])
            add_history(line);
        bool go_on = command(sh, line);
        free(line);
        if (!go_on)
            break;
    }
    if (hist)
        write_history(hist);
    free(hist);
}
#endif

static int loop_stdio(shell *sh, FILE *in)
{
    char *line = NULL;
    size_t alloc = 0;
    for (;;) {
        reap_viewers();
        fflush(sh->out);
        fputs("(pprof) ", stderr);
        errno = 0;
        if (getline(&line, &alloc, in) < 0)
            break;
        if (!command(sh, line))
            break;
    }
    int r = errno == ENOMEM ? -ENOMEM : 0;
    free(line);
    return r;
}

int hp_cli_shell(hp_cli_session *s, const hp_cli_opts *o, FILE *in, FILE *out, hp_error *reterr)
{
    shell sh = {.s = s, .opts = *o, .out = out, .next_file = 1, .strings = hp_arena_new()};
    if (!sh.strings)
        return hp_error_set(reterr, -ENOMEM, "out of memory");
    int r = 0;
    fputs("Welcome to pprof!  For help, type 'help'.\n", stderr);
#ifdef HAVE_LIBEDIT
    if (isatty(fileno(in)))
        loop_libedit(&sh, in);
    else
#endif
        r = loop_stdio(&sh, in);
    hp_arena_free(sh.strings);
    if (r < 0)
        return hp_error_set(reterr, r, "out of memory");
    return fflush(out) == 0 ? 0 : hp_error_set(reterr, -EIO, "error writing the report");
}
