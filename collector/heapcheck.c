/*
 * heapcheck.c - the whole-program leak checker of libheapprof (HEAPCHECK=minimal|normal|
 * strict|draconian|as-is, SPEC 1.5, DECISIONS 13). It owns its own recorder, filled by the
 * allocation hooks with every allocation. At exit (after global destructors) it marks every
 * block reachable from the roots - writable PT_LOAD segments of all loaded objects except
 * this library, the exiting thread's stack and spilled registers - following pointers
 * through the live-allocation table (conservatively: any aligned word that points into the
 * first HEAP_CHECK_MAX_POINTER_OFFSET bytes of a block). Unmarked blocks are leaks; they
 * are written to <dir>/<prog>.<pid>._main_-end.heap and summarised on stderr in the
 * gperftools wording. draconian skips the marking. Stacks of other running threads and
 * thread-local storage are not scanned.
 */
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpc.h"

extern char *program_invocation_name;
extern char *program_invocation_short_name;
extern void *__libc_stack_end;

static bool draconian;
static long long max_offset = 1024;
static int max_leaks = 20;
static bool identify;

void hpc_heapcheck_setup(void)
{
    const char *mode = hpc_getenv("HEAPCHECK");
    if (!mode || !*mode)
        return;
    if (strcmp(mode, "local") == 0)
        return; /* only explicit HeapLeakChecker objects, which we do not provide */
    if (strcmp(mode, "minimal") != 0 && strcmp(mode, "normal") != 0 &&
        strcmp(mode, "strict") != 0 && strcmp(mode, "draconian") != 0 &&
        strcmp(mode, "as-is") != 0) {
        hpc_log(-4, "Unsupported heap_check flag: %s", mode);
        abort();
    }
    if (getuid() != geteuid())
        return;
    draconian = strcmp(mode, "draconian") == 0;
    if (strcmp(mode, "as-is") == 0)
        draconian = !hpc_env_bool("HEAP_CHECK_IGNORE_GLOBAL_LIVE", true);
    max_offset = hpc_env_ll("HEAP_CHECK_MAX_POINTER_OFFSET", 1024);
    max_leaks = (int)hpc_env_ll("HEAP_CHECK_MAX_LEAKS", 20);
    identify = hpc_env_bool("HEAP_CHECK_IDENTIFY_LEAKS", false);
    struct hpc_rec *r = hpc_rec_new(false, false);
    if (!r)
        return;
    hpc_log(-2, "WARNING: Perftools heap leak checker is active -- Performance may suffer");
    atomic_store(&hpc_check_rec, r);
    atomic_store(&hpc_enabled, 1);
}

/* ---- live blocks, sorted by address ---------------------------------------------------- */

struct blk {
    uintptr_t addr;
    size_t size;
    struct hpc_bucket *b;
    bool marked;
};

struct state {
    struct blk *v;
    size_t n, cap;
    uintptr_t *work; /* stack of block indexes to scan */
    size_t nwork, capwork;
};

static void collect(void *ctx, uintptr_t p, size_t size, struct hpc_bucket *b)
{
    struct state *st = ctx;
    if (st->n < st->cap)
        st->v[st->n++] = (struct blk){p, size, b, false};
}

static void sift_addr(struct blk *a, size_t i, size_t n)
{
    for (;;) {
        size_t m = i, l = 2 * i + 1, r = l + 1;
        if (l < n && a[l].addr > a[m].addr)
            m = l;
        if (r < n && a[r].addr > a[m].addr)
            m = r;
        if (m == i)
            return;
        struct blk t = a[i];
        a[i] = a[m];
        a[m] = t;
        i = m;
    }
}

static void sort_addr(struct blk *a, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_addr(a, i, n);
    for (size_t end = n; end > 1; end--) {
        struct blk t = a[0];
        a[0] = a[end - 1];
        a[end - 1] = t;
        sift_addr(a, 0, end - 1);
    }
}

static void mark_value(struct state *st, uintptr_t v)
{
    size_t lo = 0, hi = st->n;
    while (lo < hi) { /* first block with addr > v */
        size_t mid = (lo + hi) / 2;
        if (st->v[mid].addr <= v)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return;
    struct blk *b = &st->v[lo - 1];
    uintptr_t off = v - b->addr;
    if (b->marked || off >= (b->size ? b->size : 1))
        return;
    if (max_offset >= 0 && off > (uintptr_t)max_offset)
        return;
    b->marked = true;
    if (st->nwork == st->capwork) {
        size_t nc = st->capwork ? st->capwork * 2 : 4096;
        uintptr_t *nw = hpc_mmap(nc * sizeof(*nw));
        if (!nw)
            return; /* cannot follow: children may be reported as leaks */
        if (st->work) {
            memcpy(nw, st->work, st->nwork * sizeof(*nw));
            hpc_munmap(st->work, st->capwork * sizeof(*nw));
        }
        st->work = nw;
        st->capwork = nc;
    }
    st->work[st->nwork++] = (uintptr_t)(b - st->v);
}

static void scan_range(struct state *st, uintptr_t from, uintptr_t to)
{
    from = (from + 7) & ~(uintptr_t)7;
    for (uintptr_t a = from; a + sizeof(uintptr_t) <= to; a += sizeof(uintptr_t))
        mark_value(st, *(const uintptr_t *)a);
}

static void drain(struct state *st)
{
    while (st->nwork) {
        struct blk *b = &st->v[st->work[--st->nwork]];
        scan_range(st, b->addr, b->addr + b->size);
    }
}

static int self_marker;

static int scan_object(struct dl_phdr_info *info, size_t sz, void *ctx)
{
    (void)sz;
    struct state *st = ctx;
    uintptr_t me = (uintptr_t)&self_marker;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (me >= lo && me < hi)
            continue; /* our own globals are not roots */
        scan_range(st, lo, hi);
        drain(st);
    }
    return 0;
}

__attribute__((noinline)) static void scan_stack(struct state *st)
{
    __builtin_unwind_init(); /* spill callee-saved registers into this frame */
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    uintptr_t top = (uintptr_t)__libc_stack_end;
    if (!(sp < top && top - sp < (64u << 20))) {
        pthread_attr_t attr;
        void *addr;
        size_t size;
        top = 0;
        if (pthread_getattr_np(pthread_self(), &attr) == 0) {
            if (pthread_attr_getstack(&attr, &addr, &size) == 0)
                top = (uintptr_t)addr + size;
            pthread_attr_destroy(&attr);
        }
        if (top <= sp)
            return;
    }
    scan_range(st, sp - 128 /* red zone */, top);
    drain(st);
}

/* ---- report ------------------------------------------------------------------------------- */

struct group {
    struct hpc_bucket *b;
    long long bytes, count;
};

static void fill_leaks(struct hpc_out *o, void *ctx)
{
    struct state *st = ctx;
    long long t[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < st->n; i++) {
        if (!st->v[i].marked) {
            t[0]++;
            t[1] += (long long)st->v[i].size;
        }
    }
    t[2] = t[0];
    t[3] = t[1];
    hpc_out_str(o, "heap profile: ");
    hpc_write_sample(o, t[0], t[1], t[2], t[3], NULL);
    hpc_out_str(o, " heapprofile\n");
    for (size_t i = 0; i < st->n; i++) {
        if (st->v[i].marked)
            continue;
        long long s = (long long)st->v[i].size;
        hpc_write_sample(o, 1, s, 1, s, st->v[i].b);
        hpc_out_str(o, "\n");
    }
    hpc_write_maps(o);
}

static void sift_group(struct group *a, size_t i, size_t n)
{
    for (;;) {
        size_t m = i, l = 2 * i + 1, r = l + 1;
        if (l < n && a[l].bytes < a[m].bytes)
            m = l;
        if (r < n && a[r].bytes < a[m].bytes)
            m = r;
        if (m == i)
            return;
        struct group t = a[i];
        a[i] = a[m];
        a[m] = t;
        i = m;
    }
}

static size_t make_groups(struct state *st, struct group *g)
{
    /* leaked blocks of one bucket are adjacent after sorting blocks by bucket: do it with
     * a linear pass over a bucket-indexed scratch (bucket pointers compared directly) */
    size_t ng = 0;
    for (size_t i = 0; i < st->n; i++) {
        if (st->v[i].marked)
            continue;
        size_t j;
        for (j = 0; j < ng; j++)
            if (g[j].b == st->v[i].b)
                break;
        if (j == ng) {
            g[ng].b = st->v[i].b;
            g[ng].bytes = g[ng].count = 0;
            ng++;
        }
        g[j].bytes += (long long)st->v[i].size;
        g[j].count++;
    }
    for (size_t i = ng / 2; i-- > 0;)
        sift_group(g, i, ng);
    for (size_t end = ng; end > 1; end--) {
        struct group t = g[0];
        g[0] = g[end - 1];
        g[end - 1] = t;
        sift_group(g, 0, end - 1);
    }
    return ng;
}

void hpc_heapcheck_at_exit(void)
{
    struct hpc_rec *r = atomic_load(&hpc_check_rec);
    if (!r)
        return;
    atomic_store(&hpc_check_rec, NULL); /* stop recording */
    struct state st = {0};
    st.cap = hpc_rec_live_count(r) + 1024;
    st.v = hpc_mmap(st.cap * sizeof(*st.v));
    if (!st.v)
        return;
    hpc_rec_each_live(r, collect, &st);
    sort_addr(st.v, st.n);
    if (!draconian) {
        scan_stack(&st);
        dl_iterate_phdr(scan_object, &st);
    }
    long long leak_bytes = 0, leak_n = 0, live_bytes = 0, live_n = 0;
    for (size_t i = 0; i < st.n; i++) {
        if (st.v[i].marked) {
            live_n++;
            live_bytes += (long long)st.v[i].size;
        } else {
            leak_n++;
            leak_bytes += (long long)st.v[i].size;
        }
    }
    if (leak_n == 0) {
        hpc_log(0,
                "No leaks found for check \"_main_\" (but no 100%% guarantee that there aren't "
                "any): found %lld reachable heap objects of %lld bytes",
                live_n, live_bytes);
        return;
    }

    const char *dir = hpc_getenv("HEAP_CHECK_DUMP_DIRECTORY");
    if (!dir || !*dir)
        dir = "/tmp";
    char path[4400];
    hpc_fmt(path, sizeof(path), "%s/%s.%d._main_-end.heap", dir, program_invocation_short_name,
            (int)getpid());
    hpc_write_file(path, fill_leaks, &st);

    hpc_log(-1, "Have memory regions w/o callers: might report false leaks");
    hpc_log(-3, "Leak check _main_ detected leaks of %lld bytes in %lld objects", leak_bytes,
            leak_n);
    struct group *g = hpc_mmap((size_t)leak_n * sizeof(*g));
    size_t ng = g ? make_groups(&st, g) : 0;
    size_t shown = ng < (size_t)(max_leaks > 0 ? max_leaks : 0) ? ng : (size_t)max_leaks;
    hpc_log(-3, "The %d largest leaks:", (int)shown);
    hpc_log(-3, "*** WARNING: Cannot convert addresses to symbols in output below.");
    hpc_log(-3, "*** Reason: Cannot find 'pprof' (is PPROF_PATH set correctly?)");
    hpc_log(-3, "*** If you cannot fix this, try running pprof directly.");
    for (size_t i = 0; i < shown; i++) {
        hpc_log(-3, "Leak of %lld bytes in %lld objects allocated from:", g[i].bytes,
                g[i].count);
        for (uint32_t k = 0; k < g[i].b->depth; k++)
            hpc_log(-3, "\t@ %lx ", (unsigned long)g[i].b->pcs[k]);
    }
    if (shown < ng)
        hpc_log(-3, "Skipping leaks numbered %d..%d", (int)shown, (int)ng - 1);
    if (identify) {
        for (size_t i = 0; i < st.n; i++)
            if (!st.v[i].marked)
                hpc_log(-3, "leaked %lld byte object %p", (long long)st.v[i].size,
                        (void *)st.v[i].addr);
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
    if (identify) {
        hpc_log(-4, "Whole-program memory leaks found.");
        abort();
    }
    hpc_log(-3, "Exiting with error code (instead of crashing) because of whole-program "
                "memory leaks");
    _exit(1);
}
