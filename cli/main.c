/*
 * main.c - `pprof`: parse the command line, open a session (the profiles
 * loaded, summed, --base subtracted and symbolized once: session.c), then
 * either build one report and render it (dispatch.c), or run the
 * interactive shell (shell.c), which renders through the same dispatch;
 * modes that are whole runs (--symbols, --trend) run from their table row.
 * Errors are printed here (the shell prints those of its commands itself),
 * and mapped to exit codes:
 * 0 success, 1 bad or unreadable input, 2 usage error, 3 a CI gate crossed.
 */
#include "hp_common.h"
#include "hp_cli.h"
#include "hp_dispatch.h"
#include "hp_render.h"
#include "hp_report.h"
#include "web.h"

#include <unistd.h>

enum { EXIT_BAD_INPUT = 1, EXIT_USAGE = 2, EXIT_GATE = 3 };

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
    if (o->http) /* the web UI: every view from one session (web.c) */
        return hp_cli_web(o, err);
    const hp_cli_mode *m = hp_cli_mode_of(o->mode);
    if (m && m->run) /* --symbols, --trend */
        return m->run(o, err);
    /* Perl pprof: no output mode means the shell when stdout is a terminal */
    bool shell = o->mode == HP_OUT_INTERACTIVE ||
                 (o->mode == HP_OUT_NONE && isatty(STDOUT_FILENO));
    hp_cli_session *s = NULL;
    int r = hp_cli_session_open(o, shell, m && (m->needs & HP_NEEDS_OBJECTS), &s, err);
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
    if (r == -ENOTSUP) { /* a mode cpprof does not offer: what to use instead */
        fprintf(stderr, "pprof: %s\n", err.msg);
        return EXIT_USAGE;
    }
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
