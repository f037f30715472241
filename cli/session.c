/*
 * session.c - what one `pprof` run loads once and reports from many times:
 * the program and profile arguments, the profiles read, each symbolized
 * through its own mappings and summed by what their frames name (DECISIONS
 * 16: they may come from different runs), the base subtracted the same way
 * (--base/--diff_base, or the shell's `base` command) and, for --list and
 * the shell, the open objects.
 * Each report is then built from the session with its own options
 * (hp_cli_session_report) and rendered by hp_cli_render (main.c).
 */
#include "hp_common.h"
#include "hp_cli.h"
#include "hp_heap.h"
#include "hp_libpaths.h"
#include "hp_symbolize.h"

#include <fcntl.h>
#include <math.h>
#include <unistd.h>

struct hp_cli_session {
    const char *program;   /* the ELF program argument, NULL when left out */
    char **profiles;       /* borrowed from the options */
    int nprofiles;
    bool drop_negative;
    long thread;           /* --thread=N of jemalloc profiles, -1 = all */
    const char *add_lib; /* Perl's --add_lib */
    hp_profile *raw;       /* the summed profiles, before the base; kept only for the shell */
    hp_profile *prof;      /* raw minus the base, symbolized */
    char *base;            /* the base subtracted, NULL for none */
    bool diff_base;        /* Go's -diff_base: percentages of the base's total */
    double base_totals[HP_NVALUES]; /* the base's total per value (sum of |v|) */
    bool keep_objects;
    hp_symbolize_options so;      /* borrowed by session */
    hp_symbolize_session *session; /* open objects: while loading, then kept for --list
                                      and the shell (bound to prof), else NULL */
    bool symbolize;
    hp_cli_warnings seen; /* symbolization warnings printed (each once) */
};

static void print_warnings(const hp_profile *p, size_t from)
{
    for (size_t i = from; i < p->nwarnings; i++)
        fprintf(stderr, "pprof: %s\n", p->warnings[i]);
}

void hp_cli_print_new_warnings(hp_cli_warnings *s, const hp_profile *p, size_t from)
{
    for (size_t i = from; i < p->nwarnings; i++) {
        bool said = false;
        for (size_t k = 0; k < s->n && !said; k++)
            said = !strcmp(s->w[k], p->warnings[i]);
        if (said)
            continue;
        fprintf(stderr, "pprof: %s\n", p->warnings[i]);
        char *copy = hp_strdup(p->warnings[i]);
        if (copy && HP_GROW(s->w, s->alloc, s->n + 1) == 0)
            s->w[s->n++] = copy;
        else
            free(copy);
    }
}

void hp_cli_warnings_release(hp_cli_warnings *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->w[i]);
    free(s->w);
    *s = (hp_cli_warnings){0};
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

/* Reads one profile and, unless --symbolize=none, symbolizes it through its
 * own mappings with the session's objects (opened once for every profile). */
static int load(hp_cli_session *s, const char *path, hp_profile **ret, hp_error *err)
{
    hp_heap_options ho = {.thread = s->thread};
    hp_profile *p = NULL;
    int r = hp_heap_read_file_ex(path, &ho, &p, err);
    if (r < 0)
        return r;
    print_warnings(p, 0);
    if (s->add_lib)
        r = hp_profile_add_lib(p, s->add_lib, err);
    if (r == 0 && s->symbolize) {
        size_t from = p->nwarnings;
        r = s->session ? hp_symbolize_profile_with(s->session, p, err)
                       : hp_symbolize_profile(p, &s->so, &s->session, err);
        hp_cli_print_new_warnings(&s->seen, p, from);
    }
    if (r < 0) {
        hp_profile_free(p);
        return r;
    }
    *ret = p;
    return 0;
}

/* One line when a and b come from different programs (summed, --base). */
static void warn_other_program(const hp_profile *a, const hp_profile *b, const char *what)
{
    char *msg = hp_profile_program_mismatch(a, b, what);
    if (msg)
        fprintf(stderr, "pprof: %s\n", msg);
    free(msg);
}

/* Adds the profile at path, times sign, to p: matched by address within one
 * run (--symbolize=none), else by what each frame names (DECISIONS 16).
 * totals, when not NULL, receive its total of each value (sum of |v|). */
static int add_profile(hp_cli_session *s, hp_profile *p, const char *path, double sign,
                       bool drop_negative, double totals[HP_NVALUES], hp_error *err)
{
    hp_profile *b = NULL;
    int r = load(s, path, &b, err);
    if (r < 0)
        return r;
    warn_other_program(p, b, sign < 0 ? "subtracting" : "summing");
    r = s->symbolize ? hp_profile_merge_runs(p, b, sign, drop_negative)
                     : hp_profile_merge(p, b, sign, drop_negative);
    if (r < 0) {
        hp_profile_free(b);
        return hp_error_set(err, r, "out of memory");
    }
    for (size_t i = 0; totals && i < b->nsamples; i++)
        for (int v = 0; v < HP_NVALUES; v++)
            totals[v] += fabs(b->samples[i].value[v]);
    hp_profile_free(b);
    return 0;
}

/* Reads every profile argument, summed. */
static int load_profiles(hp_cli_session *s, hp_profile **ret, hp_error *err)
{
    hp_profile *sum = NULL;
    int r = load(s, s->profiles[0], &sum, err);
    for (int i = 1; i < s->nprofiles && r == 0; i++)
        r = add_profile(s, sum, s->profiles[i], 1.0, false, NULL, err);
    if (r < 0) {
        hp_profile_free(sum);
        return r;
    }
    *ret = sum;
    return 0;
}

/* Makes s->prof: the summed profiles (raw, or a copy of it when it is kept)
 * minus base. On failure s is unchanged. */
static int make_profile(hp_cli_session *s, hp_profile *sum, const char *base, hp_error *err)
{
    hp_profile *p = sum;
    int r = 0;
    if (s->raw && (r = hp_profile_copy(s->raw, &p)) < 0)
        return hp_error_set(err, r, "out of memory");
    double base_totals[HP_NVALUES] = {0};
    char *base_copy = base ? hp_strdup(base) : NULL;
    if (base && !base_copy)
        r = hp_error_set(err, -ENOMEM, "out of memory");
    if (r == 0 && base)
        r = add_profile(s, p, base, -1.0, s->drop_negative, base_totals, err);
    if (r < 0) {
        free(base_copy);
        if (p != sum)
            hp_profile_free(p);
        p = s->prof;
    }
    /* the objects follow the profile reported from (--list, the shell) */
    int e = s->session && p ? hp_symbolize_session_rebind(s->session, p, err) : 0;
    if (r < 0)
        return r;
    if (e < 0) {
        free(base_copy);
        if (p != sum)
            hp_profile_free(p);
        return e;
    }
    hp_profile_free(s->prof);
    free(s->base);
    s->prof = p;
    s->base = base_copy;
    memcpy(s->base_totals, base_totals, sizeof(base_totals));
    return 0;
}

int hp_cli_split_args(const hp_cli_opts *o, const char **program, char ***profiles,
                      int *nprofiles, hp_error *reterr)
{
    if (o->nargs < 1)
        return hp_error_set(reterr, -EINVAL, "did not specify a profile file");
    /* pprof PROGRAM PROFILE...; the program may be left out (Go pprof) */
    *program = NULL;
    *profiles = o->args;
    *nprofiles = o->nargs;
    if (o->nargs >= 2) {
        if (access(o->args[0], F_OK) != 0)
            return hp_error_set(reterr, -ENOENT, "cannot open '%s': %s", o->args[0],
                                strerror(ENOENT));
        if (is_elf_file(o->args[0])) {
            *program = o->args[0];
            (*profiles)++;
            (*nprofiles)--;
        }
    }
    return 0;
}

int hp_cli_session_open(const hp_cli_opts *o, bool interactive, bool keep_objects,
                        hp_cli_session **ret, hp_error *reterr)
{
    if (o->nargs < 1)
        return hp_error_set(reterr, -EINVAL, "did not specify a profile file");
    if (o->base && o->diff_base)
        return hp_error_set(reterr, -EINVAL, "--base and --diff_base cannot both be given");
    hp_cli_session *s = hp_new0(hp_cli_session, 1);
    if (!s)
        return hp_error_set(reterr, -ENOMEM, "out of memory");
    int r = hp_cli_split_args(o, &s->program, &s->profiles, &s->nprofiles, reterr);
    if (r < 0) {
        hp_cli_session_free(s);
        return r;
    }
    s->thread = o->thread;
    s->add_lib = o->add_lib;
    s->drop_negative = o->drop_negative;
    s->keep_objects = interactive || keep_objects;
    s->symbolize = hp_cli_symbolizes(o);
    s->so = hp_cli_symbolize_options(o, s->program);
    hp_profile *sum = NULL;
    r = load_profiles(s, &sum, reterr);
    if (r == 0 && interactive)
        s->raw = sum; /* kept: the shell's `base` subtracts from a copy */
    s->diff_base = o->diff_base != NULL;
    const char *base = o->base ? o->base : o->diff_base;
    if (r == 0 && (r = make_profile(s, sum, base, reterr)) < 0 && !s->raw)
        hp_profile_free(sum);
    if (!s->keep_objects)
        s->session = hp_symbolize_session_free(s->session);
    if (r < 0) {
        hp_cli_session_free(s);
        return r;
    }
    *ret = s;
    return 0;
}

hp_cli_session *hp_cli_session_free(hp_cli_session *s)
{
    if (!s)
        return NULL;
    hp_symbolize_session_free(s->session);
    hp_profile_free(s->prof);
    hp_profile_free(s->raw);
    free(s->base);
    hp_cli_warnings_release(&s->seen);
    free(s);
    return NULL;
}

int hp_cli_session_set_base(hp_cli_session *s, const char *base, bool drop_negative,
                            hp_error *reterr)
{
    if (!s->raw)
        return hp_error_set(reterr, -ENOTSUP, "the profiles were not kept");
    bool old = s->drop_negative;
    s->drop_negative = drop_negative;
    int r = make_profile(s, NULL, base, reterr);
    if (r == 0)
        s->diff_base = false; /* Perl's --base: percentages of the difference */
    else
        s->drop_negative = old;
    return r;
}

const char *hp_cli_session_base(const hp_cli_session *s)
{
    return s->base;
}

const hp_profile *hp_cli_session_profile(const hp_cli_session *s)
{
    return s->prof;
}

void hp_cli_session_args(const hp_cli_session *s, const char **program, char ***profiles,
                         int *nprofiles)
{
    *program = s->program;
    *profiles = s->profiles;
    *nprofiles = s->nprofiles;
}

const char *hp_cli_session_program(const hp_cli_session *s)
{
    return s->program ? s->program : s->profiles[0];
}

hp_symbolize_session *hp_cli_session_objects(hp_cli_session *s)
{
    return s->session;
}

bool hp_cli_symbolizes(const hp_cli_opts *o)
{
    return !o->symbolize || strncmp(o->symbolize, "none", 4) != 0;
}

hp_symbolize_options hp_cli_symbolize_options(const hp_cli_opts *o, const char *program)
{
    return (hp_symbolize_options){
        .program = program,
        .binary_path = o->binary_path,
        .lib_prefix = o->lib_prefix,
        .strip_templates = !o->no_strip_temp,
        .debuginfod = o->debuginfod,
        .build_id = o->build_id,
        .threads = o->threads,
        .symbol_cache = !o->symbol_cache_off,
    };
}

hp_report_options hp_cli_report_options(const hp_cli_opts *o)
{
    return (hp_report_options){
        .metric = o->metric >= 0 ? o->metric : HP_INUSE_SPACE,
        .granularity = o->granularity >= 0 ? (hp_granularity)o->granularity : HP_GRAN_FUNCTIONS,
        .show_addresses = o->show_addresses,
        .drop_allocator_frames = true,
        .focus = o->focus,
        .ignore = o->ignore,
        .show = o->show,
        .hide = o->hide,
    };
}

int hp_cli_session_report(const hp_cli_session *s, const hp_cli_opts *o, hp_report **ret,
                          hp_error *reterr)
{
    hp_report_options ro = hp_cli_report_options(o);
    ro.keep_stack_keys = (o->mode != HP_OUT_TEXT && o->mode != HP_OUT_NONE) || o->json;
    ro.percent_base = s->diff_base ? s->base_totals[ro.metric] : 0;
    return hp_report_build(s->prof, &ro, ret, reterr);
}
