/*
 * leakreport.c - what the heap checker prints and writes when a check finds leaks, in
 * gperftools 2.10's wording (SPEC 1.5): the leak file <dir>/<prog>.<pid>.<name>-end.heap
 * (one sample line per leaked object), the "Leak check ... detected leaks" summary, the
 * leak groups (blocks grouped by allocation stack: sort by bucket, O(n log n); groups by
 * bytes descending), optional symbolization through "$PPROF_PATH --symbols <argv0>" (the
 * maps text and the 0x addresses go to its stdin, one name per address comes back), the
 * HEAP_CHECK_IDENTIFY_LEAKS lines and the suggested pprof command.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hpc.h"

int hpc_check_max_leaks = 20; /* set by heapcheck.c from the environment */
bool hpc_check_identify;

extern char *program_invocation_name;
extern char *program_invocation_short_name;
extern char **environ;

/* ---- leak file ---------------------------------------------------------------------------- */

struct leaks {
    struct hpc_blk *v;
    size_t n;
    long long bytes, count;
};

static void fill_leaks(struct hpc_out *o, void *ctx)
{
    struct leaks *l = ctx;
    hpc_out_str(o, "heap profile: ");
    hpc_write_sample(o, l->count, l->bytes, l->count, l->bytes, NULL);
    hpc_out_str(o, " heapprofile\n");
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].marked)
            continue;
        long long s = (long long)l->v[i].size;
        hpc_write_sample(o, 1, s, 1, s, l->v[i].b);
        hpc_out_str(o, "\n");
    }
    hpc_write_maps(o);
}

/* ---- grouping ------------------------------------------------------------------------------- */

struct group {
    struct hpc_bucket *b;
    long long bytes, count;
};

/* Order of groups in the report: bytes descending, then objects, then stack. */
static bool group_before(const struct group *a, const struct group *b)
{
    if (a->bytes != b->bytes)
        return a->bytes > b->bytes;
    if (a->count != b->count)
        return a->count > b->count;
    uint32_t d = a->b->depth < b->b->depth ? a->b->depth : b->b->depth;
    for (uint32_t i = 0; i < d; i++)
        if (a->b->pcs[i] != b->b->pcs[i])
            return a->b->pcs[i] < b->b->pcs[i];
    return a->b->depth < b->b->depth;
}

/* Sort orders for hpc_heapsort: by bucket pointer, and by group_before. */
static bool bucket_before(const void *x, const void *y, void *arg)
{
    (void)arg;
    return (uintptr_t)((const struct group *)x)->b < (uintptr_t)((const struct group *)y)->b;
}

static bool report_before(const void *x, const void *y, void *arg)
{
    (void)arg;
    return group_before(x, y);
}

/* One entry per leaked block, then merged in place into one per bucket. */
static size_t make_groups(const struct leaks *l, struct group *g)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        if (!l->v[i].marked)
            g[n++] = (struct group){l->v[i].b, (long long)l->v[i].size, 1};
    _Static_assert(sizeof(struct group) <= 64, "hpc_heapsort sorts elements of at most 64 bytes");
    hpc_heapsort(g, n, sizeof(*g), bucket_before, NULL);
    size_t ng = 0;
    for (size_t i = 0; i < n; i++) {
        if (ng && g[ng - 1].b == g[i].b) {
            g[ng - 1].bytes += g[i].bytes;
            g[ng - 1].count++;
        } else {
            g[ng++] = g[i];
        }
    }
    hpc_heapsort(g, ng, sizeof(*g), report_before, NULL);
    return ng;
}

/* ---- symbolization -------------------------------------------------------------------------- */

struct syms {
    uintptr_t *pcs;  /* sorted, unique */
    size_t pcs_bytes;
    char **names;    /* names[i] for pcs[i], "" when unknown */
    size_t n;
    char *text;      /* mmap'd output of pprof */
    size_t text_cap;
};

static void sort_pcs(uintptr_t *a, size_t n)
{
    /* shell sort: n is small (the frames of the reported groups) */
    for (size_t gap = n / 2; gap > 0; gap /= 2)
        for (size_t i = gap; i < n; i++)
            for (size_t j = i; j >= gap && a[j - gap] > a[j]; j -= gap) {
                uintptr_t t = a[j];
                a[j] = a[j - gap];
                a[j - gap] = t;
            }
}

static const char *sym_of(const struct syms *s, uintptr_t pc)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->pcs[mid] < pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n && s->pcs[lo] == pc && s->names ? s->names[lo] : "";
}

static bool env_skipped(const char *e)
{
    static const char *const drop[] = {"CPUPROFILE=", "HEAPPROFILE=", "HEAPROFILE=",
                                       "HEAPCHECK=", "PERFTOOLS_VERBOSE="};
    for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
        if (strncmp(e, drop[i], hpc_strlen(drop[i])) == 0)
            return true;
    return false;
}

static void child_fd(int fd, int want)
{
    if (fd == want)
        fcntl(fd, F_SETFD, 0);
    else
        dup2(fd, want);
}

/* Runs "$PPROF_PATH --symbols argv0"; fills s->names. Returns false if it could not run. */
static bool run_pprof(struct syms *s)
{
    const char *path = hpc_getenv("PPROF_PATH");
    if (!path || !*path)
        path = "pprof-symbolize";
    if (access(path, R_OK) != 0) {
        hpc_log(-3, "*** WARNING: Cannot convert addresses to symbols in output below.");
        hpc_log(-3, "*** Reason: Cannot find 'pprof' (is PPROF_PATH set correctly?)");
        hpc_log(-3, "*** If you cannot fix this, try running pprof directly.");
        return false;
    }
    size_t ne = 0;
    while (environ && environ[ne])
        ne++;
    size_t envb = (ne + 1) * sizeof(char *);
    char **envp = hpc_mmap(envb);
    s->names = hpc_mmap(s->n * sizeof(char *) + 1);
    int in[2], out[2];
    if (!envp || !s->names || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0) {
        hpc_munmap(envp, envb);
        return false;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, out) != 0) {
        close(in[0]);
        close(in[1]);
        hpc_munmap(envp, envb);
        return false;
    }
    size_t k = 0;
    for (size_t i = 0; i < ne; i++)
        if (!env_skipped(environ[i]))
            envp[k++] = environ[i];
    envp[k] = NULL;
    static char symbols_flag[] = "--symbols";
    char *argv[] = {(char *)path, symbols_flag, program_invocation_name, NULL};
    pid_t pid = fork();
    if (pid == 0) {
        child_fd(in[0], 0);
        child_fd(out[0], 1);
        execvpe(path, argv, envp);
        _exit(3);
    }
    close(in[0]);
    close(out[0]);
    hpc_munmap(envp, envb);
    if (pid < 0) {
        close(in[1]);
        close(out[1]);
        return false;
    }
    /* SIGPIPE (pprof died early) must not kill us: block it and drop a pending one */
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    char buf[1 << 14];
    struct hpc_out o;
    hpc_out_init_fd(&o, in[1], buf, sizeof(buf));
    hpc_write_maps_lines(&o);
    for (size_t i = 0; i < s->n; i++) {
        hpc_out_hex(&o, s->pcs[i], 0, true);
        hpc_out_str(&o, "\n");
    }
    hpc_out_flush(&o);
    close(in[1]);
    struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
        ;
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    s->text_cap = 1 << 16;
    s->text = hpc_mmap(s->text_cap);
    size_t len = 0;
    while (s->text) {
        if (len == s->text_cap) {
            char *nt = hpc_mmap(s->text_cap * 2);
            if (!nt)
                break;
            memcpy(nt, s->text, len);
            hpc_munmap(s->text, s->text_cap);
            s->text = nt;
            s->text_cap *= 2;
        }
        ssize_t r = read(out[1], s->text + len, s->text_cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(out[1]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    /* like gperftools: use the answer only if its last line is complete */
    if (!s->text || len == 0 || len == s->text_cap || s->text[len - 1] != '\n')
        return false;
    size_t idx = 0;
    char *name = s->text;
    for (size_t i = 0; i < len && idx < s->n; i++) {
        if (s->text[i] == '\n') {
            s->text[i] = '\0';
            s->names[idx++] = name;
            name = s->text + i + 1;
        }
    }
    for (; idx < s->n; idx++)
        s->names[idx] = s->text + len - 1; /* the last '\n', now '\0': "" */
    return true;
}

static void symbolize(struct syms *s, const struct group *g, size_t shown)
{
    size_t n = 0;
    for (size_t i = 0; i < shown; i++)
        n += g[i].b->depth;
    s->pcs_bytes = (n ? n : 1) * sizeof(uintptr_t);
    s->pcs = hpc_mmap(s->pcs_bytes);
    if (!s->pcs)
        return;
    for (size_t i = 0; i < shown; i++)
        for (uint32_t k = 0; k < g[i].b->depth; k++)
            s->pcs[s->n++] = g[i].b->pcs[k];
    sort_pcs(s->pcs, s->n);
    size_t u = 0;
    for (size_t i = 0; i < s->n; i++)
        if (u == 0 || s->pcs[u - 1] != s->pcs[i])
            s->pcs[u++] = s->pcs[i];
    s->n = u;
    if (!run_pprof(s) && s->names) {
        hpc_munmap(s->names, s->n * sizeof(char *) + 1);
        s->names = NULL;
    }
}

/* ---- report ------------------------------------------------------------------------------- */

void hpc_leak_report(struct hpc_check *c, struct hpc_blk *v, size_t n, char *path, size_t cap)
{
    struct leaks l = {v, n, c->leak_bytes, c->leak_n};
    const char *dir = hpc_getenv("HEAP_CHECK_DUMP_DIRECTORY");
    if (!dir || !*dir)
        dir = "/tmp";
    hpc_fmt(path, cap, "%s/%s.%d.%s-end.heap", dir, program_invocation_short_name,
            (int)getpid(), c->name);
    hpc_write_file(path, fill_leaks, &l);

    hpc_log(-1, "Have memory regions w/o callers: might report false leaks");
    hpc_log(-3, "Leak check %s detected leaks of %lld bytes in %lld objects", c->name,
            c->leak_bytes, c->leak_n);
    size_t gbytes = (size_t)c->leak_n * sizeof(struct group);
    struct group *g = hpc_mmap(gbytes);
    size_t ng = g ? make_groups(&l, g) : 0;
    size_t maxl = hpc_check_max_leaks > 0 ? (size_t)hpc_check_max_leaks : ng;
    size_t shown = ng < maxl ? ng : maxl;
    hpc_log(-3, "The %d largest leaks:", (int)shown);
    struct syms s = {0};
    if (c->symbolize)
        symbolize(&s, g, shown);
    for (size_t i = 0; i < shown; i++) {
        hpc_log(-3, "Leak of %lld bytes in %lld objects allocated from:", g[i].bytes,
                g[i].count);
        for (uint32_t k = 0; k < g[i].b->depth; k++)
            hpc_log(-3, "\t@ %lx %s", (unsigned long)g[i].b->pcs[k], sym_of(&s, g[i].b->pcs[k]));
    }
    if (shown < ng)
        hpc_log(-3, "Skipping leaks numbered %d..%d", (int)shown, (int)ng - 1);
    if (hpc_check_identify) {
        for (size_t i = 0; i < n; i++)
            if (!v[i].marked)
                hpc_log(-3, "leaked %lld byte object %p", (long long)v[i].size,
                        (void *)v[i].addr);
    }
    hpc_log(-3,
            "\n\nIf the preceding stack traces are not enough to find the leaks, try running "
            "THIS shell command:\n\n"
            "pprof %s \"%s\" --inuse_objects --lines --heapcheck  --edgefraction=1e-10 "
            "--nodefraction=1e-10 --gv\n\n"
            "If you are still puzzled about why the leaks are there, try rerunning this program "
            "with HEAP_CHECK_TEST_POINTER_ALIGNMENT=1 and/or with "
            "HEAP_CHECK_MAX_POINTER_OFFSET=-1\n"
            "If the leak report occurs in a small fraction of runs, try running with "
            "TCMALLOC_MAX_FREE_QUEUE_SIZE of few hundred MB or with "
            "TCMALLOC_RECLAIM_MEMORY=false, it might help find leaks more repeatably\n",
            program_invocation_name, path);
    if (s.pcs)
        hpc_munmap(s.pcs, s.pcs_bytes);
    if (s.names)
        hpc_munmap(s.names, s.n * sizeof(char *) + 1);
    if (s.text)
        hpc_munmap(s.text, s.text_cap);
    if (g)
        hpc_munmap(g, gbytes);
}
