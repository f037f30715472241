/*
 * trend.c - the --trend mode of `pprof`: the profiles on the command line are
 * a dump series (PREFIX.0001.heap, PREFIX.0002.heap, ...), put in dump-number
 * order, each read, symbolized through ONE symbolizer session (every object
 * is opened and decoded once for the whole series), reported on its own and
 * added to the series model (analyzer/trend.c), one dump in memory at a time;
 * then the table or the SVG plot is rendered (render/trend.c).
 */
#include "hp_common.h"
#include "hp_cli.h"
#include "hp_heap.h"
#include "hp_render.h"
#include "hp_report.h"
#include "hp_symbolize.h"
#include "hp_trend.h"

#include <strings.h>

/* Unicode sparklines unless the locale names another character set (LANG=C). */
static bool locale_is_utf8(void)
{
    static const char *const vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
    for (size_t i = 0; i < HP_ARRAY_SIZE(vars); i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return strcasestr(v, "utf-8") || strcasestr(v, "utf8");
    }
    return true;
}

/* Series order: by the NNNN of PREFIX.NNNN.heap when every file has one (so
 * .10000 follows .9999), else as given; ties keep the order given. */
static int *series_order(char **profiles, int n)
{
    int *order = hp_new0(int, (size_t)n);
    long *num = hp_new0(long, (size_t)n);
    if (!order || !num) {
        free(order);
        free(num);
        return NULL;
    }
    bool numbered = true;
    for (int i = 0; i < n; i++) {
        order[i] = i;
        num[i] = hp_trend_dump_number(profiles[i]);
        numbered = numbered && num[i] >= 0;
    }
    for (int i = 1; numbered && i < n; i++) { /* insertion sort: stable */
        int x = order[i], j = i;
        for (; j > 0 && num[order[j - 1]] > num[x]; j--)
            order[j] = order[j - 1];
        order[j] = x;
    }
    free(num);
    return order;
}

int hp_cli_trend(const hp_cli_opts *o, const char *program, char **profiles, int nprofiles,
                 hp_error *err)
{
    if (o->base || o->diff_base)
        return hp_error_set(err, -EINVAL, "--trend takes a series of profiles, not --base");
    if (o->fail_inuse_above >= 0 || o->fail_on_leaks)
        return hp_error_set(err, -EINVAL, "--trend does not check the --fail-* gates");
    bool symbolize = hp_cli_symbolizes(o);
    hp_symbolize_options so = hp_cli_symbolize_options(o, program);
    hp_report_options ro = hp_cli_report_options(o);
    ro.keep_stack_keys = true;
    hp_symbolize_session *session = NULL;
    hp_trend *t = NULL;
    hp_cli_warnings seen = {0};
    FILE *out = stdout;
    int *order = series_order(profiles, nprofiles);
    int r = order ? hp_trend_new((size_t)nprofiles, ro.metric, &t) : -ENOMEM;
    for (int i = 0; r == 0 && i < nprofiles; i++) {
        const char *path = profiles[order[i]];
        hp_profile *p = NULL;
        hp_report *rep = NULL;
        if ((r = hp_heap_read_file(path, &p, err)) < 0)
            break;
        hp_cli_print_new_warnings(&seen, p, 0);
        size_t from = p->nwarnings;
        if (symbolize && session)
            r = hp_symbolize_profile_with(session, p, err);
        else if (symbolize)
            r = hp_symbolize_profile(p, &so, &session, err);
        hp_cli_print_new_warnings(&seen, p, from);
        if (r == 0)
            r = hp_report_build(p, &ro, &rep, err);
        if (r == 0)
            r = hp_trend_add(t, (size_t)i, path, rep);
        hp_report_free(rep);
        hp_profile_free(p);
    }
    if (r == 0)
        r = hp_trend_rank(t, o->trend_all);
    if (r == 0 && o->output && !(out = fopen(o->output, "w"))) {
        r = hp_error_set(err, -errno, "cannot write '%s': %s", o->output, strerror(errno));
        out = stdout;
    }
    if (r == 0) {
        hp_render_options rnd = {
            .show_bytes = o->show_bytes,
            .nodecount = o->nodecount,
            .program = program ? program : profiles[0],
            .ascii = o->trend_ascii >= 0 ? o->trend_ascii == 1 : !locale_is_utf8(),
        };
        r = o->trend_svg ? hp_render_trend_svg(t, &rnd, out) : hp_render_trend_text(t, &rnd, out);
        if (r == -EIO)
            hp_error_set(err, r, "error writing the report");
    }
    if (out != stdout && fclose(out) != 0 && r == 0)
        r = hp_error_set(err, -EIO, "error writing '%s'", o->output);
    if (r == -ENOMEM)
        hp_error_set(err, r, "out of memory");
    hp_trend_free(t);
    hp_symbolize_session_free(session);
    hp_cli_warnings_release(&seen);
    free(order);
    return r;
}
