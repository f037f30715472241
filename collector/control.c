/*
 * control.c - life cycle of libheapprof: initialisation from the environment
 * (HEAPPROFILE and the HEAP_PROFILE_* variables), the public heap-profiler C API,
 * dump triggers (allocation / deallocation / in-use / time intervals, signal, exit),
 * file naming (PREFIX.NNNN.heap, PREFIX_<pid> in children; the prefix lock and clean-up are
 * dumpfiles.c's) and fork handling (children that barely allocated write no exit dump).
 * HEAPROFILE (sic, as spelt in a widely copied how-to) is accepted for HEAPPROFILE, which
 * wins when both are set; either way one line on stderr says so. HEAP_PROFILE_MMAP starts
 * the mapping recorder of mmaphook.c together with the profiler.
 *
 * The totals behind the triggers are the recorder's (recorder.c, batched per thread); it
 * calls maybe_dump when one reaches the limit set here. Dumps total the buckets and are
 * exact. One control lock serialises start, stop
 * and dumps; a thread that finds it taken skips a triggered dump ("already dumping").
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "gperftools/heap-profiler.h"
#include "hpc.h"
#include "recorder.h"

static bool profile_mmap; /* HEAP_PROFILE_MMAP (or ONLY_MMAP) */

static hpc_lock ctl_lock;
static char base_prefix[4096]; /* prefix as configured (HEAPPROFILE or HeapProfilerStart) */
static char prefix[4200];      /* prefix in use: base_prefix or base_prefix_<pid> */
static int dump_count;
static bool initialised;

static long long alloc_interval, dealloc_interval, inuse_interval, time_interval;
static long long last_dump_alloc, last_dump_free, high_water_mark, last_dump_time;

/* ---- totals and triggers ------------------------------------------------------------------ */

static void update_next(void)
{
    atomic_store(&hpc_next_alloc,
                 alloc_interval > 0 ? last_dump_alloc + alloc_interval : LLONG_MAX);
    atomic_store(&hpc_next_free,
                 dealloc_interval > 0 ? last_dump_free + dealloc_interval : LLONG_MAX);
    atomic_store(&hpc_next_inuse,
                 inuse_interval > 0 ? high_water_mark + inuse_interval : LLONG_MAX);
}

static void file_name(char *out, size_t cap, int n)
{
    char num[16];
    hpc_fmt(num, sizeof(num), "%d", n);
    size_t nl = hpc_strlen(num);
    const char *zeros = "0000";
    hpc_fmt(out, cap, "%s.%s%s.heap", prefix, nl < 4 ? zeros + nl : "", num);
}

static void fill_profile(struct hpc_out *o, void *ctx)
{
    char type[48];
    if (hpc_sample_period)
        hpc_fmt(type, sizeof(type), "heap_v2/%lld", (long long)hpc_sample_period);
    else
        hpc_fmt(type, sizeof(type), "heapprofile");
    hpc_write_profile(o, ctx, atomic_load(&hpc_mmap_rec), type);
}

/* Caller holds ctl_lock and has set the recursion guard. */
static void dump_locked(const char *reason)
{
    struct hpc_rec *r = atomic_load(&hpc_prof_rec);
    if (!r)
        return;
    char name[4300];
    file_name(name, sizeof(name), ++dump_count);
    hpc_log(0, "Dumping heap profile to %s (%s)", name, reason);
    hpc_write_file(name, fill_profile, r);
}

/* A total reached its limit (recorder.c calls this after adding a batch). */
static void maybe_dump(void)
{
    if (!hpc_lock_try(&ctl_lock))
        return; /* another thread is dumping */
    if (!atomic_load(&hpc_prof_rec)) {
        hpc_lock_drop(&ctl_lock);
        return;
    }
    long long a = atomic_load(&hpc_total_alloc), f = atomic_load(&hpc_total_free);
    long long inuse = a - f;
    char buf[128];
    bool need = false;
    if (alloc_interval > 0 && a >= last_dump_alloc + alloc_interval) {
        hpc_fmt(buf, sizeof(buf), "%lld MB allocated cumulatively, %lld MB currently in use",
                a >> 20, inuse >> 20);
        need = true;
    } else if (dealloc_interval > 0 && f >= last_dump_free + dealloc_interval) {
        hpc_fmt(buf, sizeof(buf), "%lld MB freed cumulatively, %lld MB currently in use", f >> 20,
                inuse >> 20);
        need = true;
    } else if (inuse_interval > 0 && inuse > high_water_mark + inuse_interval) {
        hpc_fmt(buf, sizeof(buf), "%lld MB currently in use", inuse >> 20);
        need = true;
    } else if (time_interval > 0) {
        long long now = (long long)time(NULL);
        if (now - last_dump_time >= time_interval) {
            hpc_fmt(buf, sizeof(buf), "%lld sec since the last dump", now - last_dump_time);
            need = true;
            last_dump_time = now;
        }
    }
    if (need) {
        dump_locked(buf);
        last_dump_alloc = a;
        last_dump_free = f;
        if (inuse > high_water_mark)
            high_water_mark = inuse;
        update_next();
    }
    hpc_lock_drop(&ctl_lock);
}

/* A forked child that allocated less than fork_dump_min bytes since the fork (default
 * 64 KiB; HEAP_PROFILE_FORK_DUMP) writes no exit dump: it would be the parent's heap. Shell
 * subshells allocate a few bytes to a few kB and exit; dumping each made a bash script with
 * subshells many times slower. 0 restores gperftools (every child dumps at exit).
 * (hpc_quiet_left counts down in recorder.c.) */
static long long fork_dump_min = 64 << 10;

/* ---- public API -------------------------------------------------------------------------- */

HPC_EXPORT void HeapProfilerStart(const char *pfx)
{
    struct hpc_thread *t = &hpc_tls;
    int was_busy = t->busy;
    t->busy = 1;
    hpc_lock_take(&ctl_lock);
    if (!atomic_load(&hpc_prof_rec) && pfx) {
        struct hpc_rec *r = hpc_rec_new(hpc_sample_period > 0, hpc_sample_period > 0, true);
        if (r) {
            size_t n = hpc_strlen(pfx);
            if (n >= sizeof(base_prefix))
                n = sizeof(base_prefix) - 1;
            memcpy(base_prefix, pfx, n);
            base_prefix[n] = '\0';
            memcpy(prefix, base_prefix, n + 1);
            hpc_recorder_reset_totals();
            last_dump_alloc = last_dump_free = high_water_mark = last_dump_time = 0;
            update_next();
            hpc_log(0, "Starting tracking the heap");
            if (profile_mmap && !atomic_load(&hpc_mmap_rec))
                hpc_recorder_use(&hpc_mmap_rec, hpc_rec_new(false, false, true));
            hpc_recorder_use(&hpc_prof_rec, r);
        }
    }
    hpc_lock_drop(&ctl_lock);
    t->busy = was_busy;
}

HPC_EXPORT int IsHeapProfilerRunning(void)
{
    return atomic_load(&hpc_prof_rec) != NULL;
}

HPC_EXPORT void HeapProfilerStop(void)
{
    hpc_lock_take(&ctl_lock);
    /* The old recorder is abandoned, not unmapped: other threads may still hold it. */
    hpc_recorder_use(&hpc_prof_rec, NULL);
    hpc_recorder_use(&hpc_mmap_rec, NULL);
    hpc_lock_drop(&ctl_lock);
}

HPC_EXPORT void HeapProfilerDump(const char *reason)
{
    struct hpc_thread *t = &hpc_tls;
    int was_busy = t->busy;
    t->busy = 1;
    if (hpc_lock_try(&ctl_lock)) {
        dump_locked(reason ? reason : "");
        hpc_lock_drop(&ctl_lock);
    }
    t->busy = was_busy;
}

HPC_EXPORT char *GetHeapProfile(void)
{
    struct hpc_thread *t = &hpc_tls;
    int was_busy = t->busy;
    t->busy = 1;
    char *res = NULL;
    struct hpc_out o;
    hpc_lock_take(&ctl_lock);
    struct hpc_rec *r = atomic_load(&hpc_prof_rec);
    if (r && hpc_out_open_mem(&o)) {
        fill_profile(&o, r);
        res = __libc_malloc(o.len + 1);
        if (res) {
            memcpy(res, o.buf, o.len);
            res[o.len] = '\0';
        }
        hpc_munmap(o.buf, o.cap);
    }
    hpc_lock_drop(&ctl_lock);
    if (!r) {
        res = __libc_malloc(1);
        if (res)
            res[0] = '\0';
    }
    t->busy = was_busy;
    return res;
}

/* ---- start-up ---------------------------------------------------------------------------- */

static void on_signal(int sig)
{
    (void)sig;
    struct hpc_thread *t = &hpc_tls;
    int was_busy = t->busy;
    t->busy = 1;
    if (hpc_lock_try(&ctl_lock)) {
        dump_locked("signal");
        hpc_lock_drop(&ctl_lock);
    }
    t->busy = was_busy;
}

static void setup_signal(void)
{
    const char *s = hpc_getenv("HEAPPROFILESIGNAL");
    if (!s)
        return;
    long long signo = hpc_env_ll("HEAPPROFILESIGNAL", 0);
    struct sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    if (signo <= 0 || signo >= NSIG || sigaction((int)signo, NULL, &old) != 0) {
        hpc_log(-4, "Failed to set signal. Perhaps signal number %s is invalid", s);
        abort();
    }
    if (old.sa_handler != SIG_DFL) {
        hpc_log(-4, "Signal %d already in use", (int)signo);
        abort();
    }
    sigaction((int)signo, &sa, NULL);
    hpc_log(-1, "Using signal %d as heap profiling switch", (int)signo);
}

static pid_t main_pid;

static void fork_prepare(void)
{
    hpc_tls.busy++;
    hpc_lock_take(&ctl_lock);
    struct hpc_rec *r = atomic_load(&hpc_prof_rec), *c = atomic_load(&hpc_check_rec);
    if (r)
        hpc_rec_lock_all(r);
    if (c)
        hpc_rec_lock_all(c);
    struct hpc_rec *m = atomic_load(&hpc_mmap_rec);
    if (m)
        hpc_rec_lock_all(m);
    hpc_count_lock_all();
}

static void fork_parent(void)
{
    struct hpc_rec *r = atomic_load(&hpc_prof_rec), *c = atomic_load(&hpc_check_rec);
    hpc_count_unlock_all();
    struct hpc_rec *m = atomic_load(&hpc_mmap_rec);
    if (m)
        hpc_rec_unlock_all(m);
    if (c)
        hpc_rec_unlock_all(c);
    if (r)
        hpc_rec_unlock_all(r);
    hpc_lock_drop(&ctl_lock);
    hpc_tls.busy--;
}

static void fork_child(void)
{
    /* DECISIONS 12: a forked child writes PREFIX_<pid>.NNNN.heap, numbered from 0001. */
    if (base_prefix[0]) {
        hpc_fmt(prefix, sizeof(prefix), "%s_%d", base_prefix, (int)getpid());
        dump_count = 0;
    }
    atomic_store(&hpc_quiet_left, fork_dump_min);
    fork_parent();
}

bool hpc_is_main_process(void)
{
    return getpid() == main_pid;
}

void hpc_init(void)
{
    if (initialised)
        return;
    initialised = true;
    struct hpc_thread *t = &hpc_tls;
    t->busy = 1;
    main_pid = getpid();
    hpc_log_keep_stderr();
    hpc_verbose = (int)hpc_env_ll("PERFTOOLS_VERBOSE", 0);
    hpc_usable_size_init();
    hpc_capture_init();
    hpc_count_init();

    long long depth = hpc_env_ll("HEAP_PROFILE_MAX_DEPTH", 64);
    if (depth > HPC_MAX_DEPTH) {
        hpc_log(-1, "HeapProfiler: HEAP_PROFILE_MAX_DEPTH=%lld clamped to the maximum, %d", depth,
                HPC_MAX_DEPTH);
        depth = HPC_MAX_DEPTH;
    }
    hpc_max_depth = depth < 1 ? 1 : (int)depth;
    hpc_sample_period = hpc_env_ll("HEAP_PROFILE_SAMPLE", 0);
    if (hpc_sample_period < 0)
        hpc_sample_period = 0;
    alloc_interval = hpc_env_ll("HEAP_PROFILE_ALLOCATION_INTERVAL", 1LL << 30);
    dealloc_interval = hpc_env_ll("HEAP_PROFILE_DEALLOCATION_INTERVAL", 0);
    inuse_interval = hpc_env_ll("HEAP_PROFILE_INUSE_INTERVAL", 100LL << 20);
    time_interval = hpc_env_ll("HEAP_PROFILE_TIME_INTERVAL", 0);
    hpc_only_mmap = hpc_env_bool("HEAP_PROFILE_ONLY_MMAP", false);
    fork_dump_min = hpc_env_ll("HEAP_PROFILE_FORK_DUMP", fork_dump_min);
    profile_mmap = hpc_only_mmap || hpc_env_bool("HEAP_PROFILE_MMAP", false);
    /* batch the shared totals, but never by more than 1/16 of the smallest interval */
    hpc_flush_threshold = 256 << 10;
    long long iv[3] = {alloc_interval, dealloc_interval, inuse_interval};
    for (int i = 0; i < 3; i++)
        if (iv[i] > 0 && iv[i] / 16 < hpc_flush_threshold)
            hpc_flush_threshold = iv[i] / 16;
    if (time_interval > 0) {
        hpc_flush_threshold = 0;
        hpc_flush_always = true; /* every batch asks maybe_dump, which checks the time */
    }
    update_next();
    hpc_recorder_on_limit(maybe_dump);

    pthread_atfork(fork_prepare, fork_parent, fork_child);
    hpc_heapcheck_setup();

    char *env = hpc_getenv("HEAPPROFILE");
    char *typo = hpc_getenv("HEAPROFILE"); /* misspelt in a widely copied how-to */
    if (typo && *typo) {
        if (env && *env) {
            hpc_log(-2, "HeapProfiler: HEAPPROFILE is set, ignoring HEAPROFILE (misspelling)");
        } else {
            hpc_log(-2, "HeapProfiler: reading HEAPROFILE as HEAPPROFILE (misspelling accepted)");
            env = typo;
        }
    }
    if (env && *env) {
        if (getuid() != geteuid()) {
            hpc_log(-2, "HeapProfiler: ignoring HEAPPROFILE because program seems to be setuid");
        } else {
            char pfx[4200];
            bool cleanup = hpc_env_bool("HEAP_PROFILE_CLEANUP", true);
            if ((unsigned char)env[0] & 0x80) {
                /* a parent already profiled with this variable: we are an exec'd child */
                hpc_fmt(pfx, sizeof(pfx), "%s_%d", env, (int)getpid());
                pfx[0] = (char)((unsigned char)pfx[0] & 0x7f);
            } else {
                long owner;
                hpc_fmt(pfx, sizeof(pfx), "%s", env);
                env[0] = (char)((unsigned char)env[0] | 0x80);
                if (!hpc_prefix_claim(pfx, &owner)) {
                    /* another live process writes this prefix: touch none of its files */
                    char who[32] = "", mine[4200];
                    if (owner > 0)
                        hpc_fmt(who, sizeof(who), " (pid %ld)", owner);
                    hpc_fmt(mine, sizeof(mine), "%s-%d", pfx, (int)getpid());
                    hpc_log(-2, "HeapProfiler: %s is in use by another process%s; writing %s.NNNN.heap",
                            pfx, who, mine);
                    memcpy(pfx, mine, sizeof(pfx));
                    cleanup = false;
                }
            }
            if (cleanup)
                hpc_prefix_cleanup(pfx);
            HeapProfilerStart(pfx);
            setup_signal();
        }
    }
    t->busy = 0;
}

__attribute__((constructor)) static void hpc_ctor(void)
{
    hpc_init();
}

__attribute__((destructor)) static void hpc_dtor(void)
{
    struct hpc_thread *t = &hpc_tls;
    t->busy = 1;
    hpc_heapcheck_wipe(); /* before our frames cover the program's dead ones */
    struct hpc_rec *r = atomic_load(&hpc_prof_rec);
    if (r && !hpc_is_main_process() && atomic_load(&hpc_quiet_left) > 0)
        r = NULL; /* the parent's heap, unchanged: the parent dumps it */
    if (r) {
        long long inuse;
        if (hpc_sample_period) {
            inuse = llround(hpc_inuse_unsampled(r, hpc_sample_period));
        } else {
            long long tot[4];
            hpc_totals(r, tot);
            inuse = tot[1];
        }
        char buf[128];
        if ((inuse >> 20) > 0)
            hpc_fmt(buf, sizeof(buf), "Exiting, %lld MB in use", inuse >> 20);
        else if ((inuse >> 10) > 0)
            hpc_fmt(buf, sizeof(buf), "Exiting, %lld kB in use", inuse >> 10);
        else
            hpc_fmt(buf, sizeof(buf), "Exiting, %lld bytes in use", inuse);
        HeapProfilerDump(buf);
    }
    if (hpc_is_main_process()) {
        hpc_prefix_release();
        hpc_heapcheck_at_exit();
    }
    t->busy = 0;
}
