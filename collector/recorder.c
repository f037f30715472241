/*
 * recorder.c - what libheapprof records for each allocation, free, realloc and mapping the
 * hooks report (recorder.h): the sampling decision (HEAP_PROFILE_SAMPLE: exponential gaps
 * between sampled bytes, per thread), the stack capture, the tables that record (heap
 * profiler, heap checker, mmap regions) and the totals behind the dump triggers.
 *
 * Global totals for the triggers are kept per thread and added to shared atomics in
 * batches (hpc_flush_threshold bytes), so threads do not fight over one cache line; dumps
 * themselves total the buckets and are exact.
 */
#include <math.h>

#include "recorder.h"

atomic_int hpc_enabled;
struct hpc_rec *_Atomic hpc_prof_rec;
struct hpc_rec *_Atomic hpc_check_rec;
struct hpc_rec *_Atomic hpc_mmap_rec;
int hpc_max_depth = 64;
int64_t hpc_sample_period;
bool hpc_only_mmap;

void hpc_recorder_use(struct hpc_rec *_Atomic *slot, struct hpc_rec *r)
{
    atomic_store(slot, r);
    atomic_store(&hpc_enabled, atomic_load(&hpc_prof_rec) || atomic_load(&hpc_check_rec));
}

/* ---- totals and triggers ------------------------------------------------------------------ */

atomic_llong hpc_total_alloc, hpc_total_free;
atomic_llong hpc_next_alloc, hpc_next_free, hpc_next_inuse;
int64_t hpc_flush_threshold;
bool hpc_flush_always;
atomic_llong hpc_quiet_left;
static void (*on_limit)(void);

void hpc_recorder_on_limit(void (*fn)(void))
{
    on_limit = fn;
}

void hpc_recorder_reset_totals(void)
{
    atomic_store(&hpc_total_alloc, 0);
    atomic_store(&hpc_total_free, 0);
    hpc_tls.pend_alloc = hpc_tls.pend_free = 0;
}

static void flush_totals(struct hpc_thread *t)
{
    long long a = atomic_fetch_add(&hpc_total_alloc, t->pend_alloc) + t->pend_alloc;
    long long f = atomic_fetch_add(&hpc_total_free, t->pend_free) + t->pend_free;
    t->pend_alloc = t->pend_free = 0;
    if ((a >= atomic_load_explicit(&hpc_next_alloc, memory_order_relaxed) ||
         f >= atomic_load_explicit(&hpc_next_free, memory_order_relaxed) ||
         a - f > atomic_load_explicit(&hpc_next_inuse, memory_order_relaxed) ||
         hpc_flush_always) && on_limit)
        on_limit();
}

/* With HEAP_PROFILE_SAMPLE=R the totals behind the triggers and messages add, for each
 * sampled block, the bytes pprof will attribute to it: size / (1 - exp(-size / R)). */
int64_t hpc_sample_weight(int64_t size)
{
    if (size <= 0)
        return 0;
    return llround((double)size / -expm1(-(double)size / (double)hpc_sample_period));
}

static void after_alloc(struct hpc_thread *t, int64_t bytes)
{
    if (HPC_UNLIKELY(atomic_load_explicit(&hpc_quiet_left, memory_order_relaxed) > 0))
        atomic_fetch_sub_explicit(&hpc_quiet_left, bytes, memory_order_relaxed);
    t->pend_alloc += bytes;
    if (t->pend_alloc + t->pend_free >= hpc_flush_threshold && atomic_load(&hpc_prof_rec))
        flush_totals(t);
}

static void after_free(struct hpc_thread *t, int64_t bytes)
{
    t->pend_free += bytes;
    if (t->pend_alloc + t->pend_free >= hpc_flush_threshold && atomic_load(&hpc_prof_rec))
        flush_totals(t);
}

/* ---- sampling ----------------------------------------------------------------------- */

static uint64_t rng_next(struct hpc_thread *t)
{
    uint64_t x = t->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    t->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* Natural logarithm of x in (0, 1], accurate to ~1e-4: enough for sampling gaps. */
static double fast_ln(double x)
{
    union {
        double d;
        uint64_t u;
    } v = {.d = x};
    int e = (int)((v.u >> 52) & 0x7ff) - 1023;
    v.u = (v.u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL; /* mantissa in [1, 2) */
    double m = v.d;
    /* ln(m) = 2 atanh((m - 1) / (m + 1)) */
    double s = (m - 1) / (m + 1), s2 = s * s;
    double l = 2 * s * (1 + s2 * (1.0 / 3 + s2 * (1.0 / 5 + s2 * (1.0 / 7 + s2 / 9))));
    return l + e * 0.69314718055994530942;
}

static int64_t next_gap(struct hpc_thread *t)
{
    if (!t->rng) {
        uintptr_t seed = (uintptr_t)t ^ ((uintptr_t)&seed << 17) ^ 0x9E3779B97F4A7C15ULL;
        t->rng = seed | 1;
    }
    /* uniform in (0, 1] with 53 bits */
    double u = ((double)(rng_next(t) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
    double gap = -fast_ln(u) * (double)hpc_sample_period;
    return (int64_t)gap + 1;
}

static bool sample_hit(struct hpc_thread *t, size_t size)
{
    if (HPC_UNLIKELY(!t->rng))
        t->sample_left = next_gap(t);
    t->sample_left -= (int64_t)size;
    if (HPC_LIKELY(t->sample_left > 0))
        return false;
    t->sample_left = next_gap(t);
    return true;
}

/* ---- recording ------------------------------------------------------------------------ */

/* Caller has set t->busy. */
static void record_alloc_busy(struct hpc_thread *t, void *p, size_t size, void *const *frame)
{
    struct hpc_rec *prof = atomic_load_explicit(&hpc_prof_rec, memory_order_acquire);
    struct hpc_rec *check = atomic_load_explicit(&hpc_check_rec, memory_order_acquire);
    int64_t acct = (int64_t)size;
    if (HPC_UNLIKELY(hpc_only_mmap))
        prof = NULL;

    if (prof && hpc_sample_period) {
        /* the totals count what the file will show once unsampled: sampled blocks only */
        if (sample_hit(t, size))
            acct = hpc_sample_weight((int64_t)size);
        else
            prof = NULL, acct = 0;
    }
    if (prof || check) {
        uintptr_t pcs[HPC_MAX_DEPTH];
        int depth = hpc_capture(pcs, hpc_max_depth, frame);
        if (prof)
            hpc_rec_alloc(prof, (uintptr_t)p, size, pcs, depth);
        if (check)
            hpc_rec_alloc_key(check, (uintptr_t)p, size, pcs, depth,
                              t->disabled > 0 ? HPC_KEY_IGNORED : 0);
    }
    after_alloc(t, acct);
}

void hpc_on_alloc(void *p, size_t size, void *const *frame)
{
    struct hpc_thread *t = &hpc_tls;
    if (t->busy)
        return;
    t->busy = 1;
    record_alloc_busy(t, p, size, frame);
    t->busy = 0;
}

void hpc_on_free(void *p)
{
    struct hpc_thread *t = &hpc_tls;
    if (t->busy)
        return;
    t->busy = 1;
    struct hpc_rec *prof = atomic_load_explicit(&hpc_prof_rec, memory_order_acquire);
    struct hpc_rec *check = atomic_load_explicit(&hpc_check_rec, memory_order_acquire);
    int64_t size = -1;
    if (HPC_UNLIKELY(hpc_only_mmap))
        prof = NULL;
    if (prof)
        size = hpc_rec_free(prof, (uintptr_t)p);
    if (prof && hpc_sample_period)
        size = size > 0 ? hpc_sample_weight(size) : 0; /* unsampled blocks were not counted */
    if (check) {
        int64_t s2 = hpc_rec_free(check, (uintptr_t)p);
        if (size < 0)
            size = s2;
    }
    if (size > 0)
        after_free(t, size);
    t->busy = 0;
}


/* ---- realloc: the old block out before the real call, the outcome after it ---------------- */

void *hpc_on_realloc(void *p, size_t n, void *const *frame)
{
    struct hpc_thread *t = &hpc_tls;
    if (t->busy)
        return __libc_realloc(p, n);

    /* Take the old block out of the tables first: once glibc has freed it, another
     * thread may receive the same address. */
    struct hpc_rec *recs[2] = {atomic_load_explicit(&hpc_prof_rec, memory_order_acquire),
                               atomic_load_explicit(&hpc_check_rec, memory_order_acquire)};
    struct hpc_bucket *ob[2] = {NULL, NULL};
    size_t osz[2] = {0, 0};
    bool had[2] = {false, false};
    int64_t old_acct = -1;
    t->busy = 1;
    for (int i = 0; i < 2; i++) {
        if (recs[i]) {
            had[i] = hpc_rec_take(recs[i], (uintptr_t)p, &ob[i], &osz[i]);
            if (had[i] && old_acct < 0)
                old_acct = (int64_t)osz[i];
        }
    }
    if (recs[0] && hpc_sample_period)
        old_acct = had[0] ? hpc_sample_weight((int64_t)osz[0]) : 0;
    t->busy = 0;

    void *q = __libc_realloc(p, n);

    t->busy = 1;
    if (!q && n != 0) {
        /* failed: the old block is still live */
        for (int i = 0; i < 2; i++)
            if (had[i])
                hpc_rec_put_back(recs[i], (uintptr_t)p, ob[i], osz[i]);
    } else {
        for (int i = 0; i < 2; i++)
            if (had[i])
                hpc_rec_charge_free(ob[i], osz[i]);
        if (old_acct > 0)
            after_free(t, old_acct);
        if (q)
            record_alloc_busy(t, q, n, frame);
    }
    t->busy = 0;
    return q;
}

/* ---- mmap regions (HEAP_PROFILE_MMAP) ----------------------------------------------------- */

void hpc_on_mmap(void *p, size_t len, void *const *frame)
{
    struct hpc_thread *t = &hpc_tls;
    struct hpc_rec *r = atomic_load_explicit(&hpc_mmap_rec, memory_order_acquire);
    if (!r || t->busy)
        return;
    t->busy = 1;
    uintptr_t pcs[HPC_MAX_DEPTH];
    int depth = hpc_capture(pcs, hpc_max_depth, frame);
    hpc_rec_alloc_region(r, (uintptr_t)p, len, pcs, depth);
    t->busy = 0;
}

void hpc_on_munmap(void *p)
{
    struct hpc_thread *t = &hpc_tls;
    struct hpc_rec *r = atomic_load_explicit(&hpc_mmap_rec, memory_order_acquire);
    if (!r || t->busy)
        return;
    t->busy = 1;
    hpc_rec_free_region(r, (uintptr_t)p);
    t->busy = 0;
}

