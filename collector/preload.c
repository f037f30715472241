/*
 * preload.c - the interposed allocation functions of libheapprof: the C allocator
 * (malloc, free, calloc, realloc, reallocarray, memalign, posix_memalign, aligned_alloc,
 * valloc, pvalloc, malloc_usable_size) and every C++ operator new/delete form, by their
 * mangled names. Each forwards to glibc through the exported __libc_* entry points (no
 * dlsym bootstrap is needed) and, while a recorder is active, records the block.
 *
 * Ordering rules: an allocation is recorded after the real call returns; a free is
 * recorded before the real free, so another thread cannot get the address back from
 * glibc and record it while the old entry still exists.
 */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "hpc.h"

HPC_TLS struct hpc_thread hpc_tls;

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

static size_t (*real_usable_size)(void *);

static size_t usable(void *p)
{
    return real_usable_size ? real_usable_size(p) : 0;
}

size_t hpc_usable_size(void *p)
{
    return usable(p);
}

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
    hpc_after_alloc(acct);
}

static void record_alloc(void *p, size_t size, void *const *frame)
{
    struct hpc_thread *t = &hpc_tls;
    if (t->busy)
        return;
    t->busy = 1;
    record_alloc_busy(t, p, size, frame);
    t->busy = 0;
}

static void record_free(void *p)
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
        hpc_after_free(size);
    t->busy = 0;
}

#define ACTIVE() HPC_UNLIKELY(atomic_load_explicit(&hpc_enabled, memory_order_relaxed))
#define FRAME()     HPC_FRAME()

/* ---- C allocator ---------------------------------------------------------------------- */

HPC_EXPORT void *malloc(size_t n)
{
    void *p = __libc_malloc(n);
    if (ACTIVE() && p)
        record_alloc(p, n, FRAME());
    return p;
}

HPC_EXPORT void free(void *p)
{
    if (ACTIVE() && p)
        record_free(p);
    __libc_free(p);
}

HPC_EXPORT void *calloc(size_t n, size_t size)
{
    void *p = __libc_calloc(n, size);
    if (ACTIVE() && p)
        record_alloc(p, n * size, FRAME());
    return p;
}

/* always inlined: a tail call from realloc would run it in realloc's released frame record */
static inline __attribute__((always_inline)) void *realloc_impl(void *p, size_t n, void *const *frame)
{
    if (!p) {
        void *q = __libc_malloc(n);
        if (ACTIVE() && q)
            record_alloc(q, n, frame);
        return q;
    }
    struct hpc_thread *t = &hpc_tls;
    if (!ACTIVE() || t->busy)
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
            hpc_after_free(old_acct);
        if (q)
            record_alloc_busy(t, q, n, frame);
    }
    t->busy = 0;
    return q;
}

HPC_EXPORT void *realloc(void *p, size_t n)
{
    return realloc_impl(p, n, FRAME());
}

HPC_EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc_impl(p, total, FRAME());
}

HPC_EXPORT void *memalign(size_t align, size_t n)
{
    void *p = __libc_memalign(align, n);
    if (ACTIVE() && p)
        record_alloc(p, n, FRAME());
    return p;
}

HPC_EXPORT void *aligned_alloc(size_t align, size_t n)
{
    void *p = __libc_memalign(align, n);
    if (ACTIVE() && p)
        record_alloc(p, n, FRAME());
    return p;
}

HPC_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    if (align % sizeof(void *) != 0 || (align & (align - 1)) != 0 || align == 0)
        return EINVAL;
    int saved = errno;
    void *p = __libc_memalign(align, n);
    if (!p) {
        errno = saved;
        return ENOMEM;
    }
    if (ACTIVE())
        record_alloc(p, n, FRAME());
    *out = p;
    return 0;
}

HPC_EXPORT void *valloc(size_t n)
{
    void *p = __libc_valloc(n);
    if (ACTIVE() && p)
        record_alloc(p, n, FRAME());
    return p;
}

HPC_EXPORT void *pvalloc(size_t n)
{
    void *p = __libc_pvalloc(n);
    if (ACTIVE() && p)
        record_alloc(p, n, FRAME());
    return p;
}

HPC_EXPORT size_t malloc_usable_size(void *p)
{
    if (!real_usable_size)
        return 0;
    return real_usable_size(p);
}

/* Called once from hpc_init(), with the recursion guard set. */
void hpc_preload_init(void)
{
    real_usable_size = (size_t(*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
    if (!real_usable_size)
        real_usable_size = (size_t(*)(void *))dlsym(RTLD_DEFAULT, "__malloc_usable_size");
}

/* ---- C++ operators ------------------------------------------------------------------------
 * Throwing follows libstdc++: loop on std::get_new_handler(), throw std::bad_alloc when there
 * is none. Both are looked up only when an allocation fails, so C programs never need
 * libstdc++. The nothrow forms return NULL at once without calling the new-handler (C
 * cannot catch what a handler throws). */

typedef void (*hpc_new_handler)(void);

__attribute__((noinline, cold)) static bool new_failed(void)
{
    hpc_new_handler (*get)(void) =
        (hpc_new_handler(*)(void))dlsym(RTLD_DEFAULT, "_ZSt15get_new_handlerv");
    hpc_new_handler h = get ? get() : NULL;
    if (h) {
        h();
        return true; /* retry */
    }
    void (*thr)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "_ZSt17__throw_bad_allocv");
    if (thr)
        thr();
    abort();
}

/* always inlined: see realloc_impl */
static inline __attribute__((always_inline)) void *new_impl(size_t n, size_t align, bool nothrow,
                                                          void *const *frame)
{
    if (n == 0)
        n = 1;
    for (;;) {
        void *p = align ? __libc_memalign(align, n) : __libc_malloc(n);
        if (HPC_LIKELY(p)) {
            if (ACTIVE())
                record_alloc(p, n, frame);
            return p;
        }
        if (nothrow)
            return NULL;
        new_failed();
    }
}

static void delete_impl(void *p)
{
    if (ACTIVE() && p)
        record_free(p);
    __libc_free(p);
}

/* Mangled names (x86-64: size_t is 'm'). */
#define NOTHROW_T const void *
#define ALIGN_T   size_t

HPC_EXPORT void *_Znwm(size_t n);
HPC_EXPORT void *_Znam(size_t n);
HPC_EXPORT void *_ZnwmRKSt9nothrow_t(size_t n, NOTHROW_T nt);
HPC_EXPORT void *_ZnamRKSt9nothrow_t(size_t n, NOTHROW_T nt);
HPC_EXPORT void *_ZnwmSt11align_val_t(size_t n, ALIGN_T a);
HPC_EXPORT void *_ZnamSt11align_val_t(size_t n, ALIGN_T a);
HPC_EXPORT void *_ZnwmSt11align_val_tRKSt9nothrow_t(size_t n, ALIGN_T a, NOTHROW_T nt);
HPC_EXPORT void *_ZnamSt11align_val_tRKSt9nothrow_t(size_t n, ALIGN_T a, NOTHROW_T nt);
HPC_EXPORT void _ZdlPv(void *p);
HPC_EXPORT void _ZdaPv(void *p);
HPC_EXPORT void _ZdlPvm(void *p, size_t n);
HPC_EXPORT void _ZdaPvm(void *p, size_t n);
HPC_EXPORT void _ZdlPvRKSt9nothrow_t(void *p, NOTHROW_T nt);
HPC_EXPORT void _ZdaPvRKSt9nothrow_t(void *p, NOTHROW_T nt);
HPC_EXPORT void _ZdlPvSt11align_val_t(void *p, ALIGN_T a);
HPC_EXPORT void _ZdaPvSt11align_val_t(void *p, ALIGN_T a);
HPC_EXPORT void _ZdlPvmSt11align_val_t(void *p, size_t n, ALIGN_T a);
HPC_EXPORT void _ZdaPvmSt11align_val_t(void *p, size_t n, ALIGN_T a);
HPC_EXPORT void _ZdlPvSt11align_val_tRKSt9nothrow_t(void *p, ALIGN_T a, NOTHROW_T nt);
HPC_EXPORT void _ZdaPvSt11align_val_tRKSt9nothrow_t(void *p, ALIGN_T a, NOTHROW_T nt);

void *_Znwm(size_t n)
{
    return new_impl(n, 0, false, FRAME());
}
void *_Znam(size_t n)
{
    return new_impl(n, 0, false, FRAME());
}
void *_ZnwmRKSt9nothrow_t(size_t n, NOTHROW_T nt)
{
    (void)nt;
    return new_impl(n, 0, true, FRAME());
}
void *_ZnamRKSt9nothrow_t(size_t n, NOTHROW_T nt)
{
    (void)nt;
    return new_impl(n, 0, true, FRAME());
}
void *_ZnwmSt11align_val_t(size_t n, ALIGN_T a)
{
    return new_impl(n, a, false, FRAME());
}
void *_ZnamSt11align_val_t(size_t n, ALIGN_T a)
{
    return new_impl(n, a, false, FRAME());
}
void *_ZnwmSt11align_val_tRKSt9nothrow_t(size_t n, ALIGN_T a, NOTHROW_T nt)
{
    (void)nt;
    return new_impl(n, a, true, FRAME());
}
void *_ZnamSt11align_val_tRKSt9nothrow_t(size_t n, ALIGN_T a, NOTHROW_T nt)
{
    (void)nt;
    return new_impl(n, a, true, FRAME());
}
void _ZdlPv(void *p)
{
    delete_impl(p);
}
void _ZdaPv(void *p)
{
    delete_impl(p);
}
void _ZdlPvm(void *p, size_t n)
{
    (void)n;
    delete_impl(p);
}
void _ZdaPvm(void *p, size_t n)
{
    (void)n;
    delete_impl(p);
}
void _ZdlPvRKSt9nothrow_t(void *p, NOTHROW_T nt)
{
    (void)nt;
    delete_impl(p);
}
void _ZdaPvRKSt9nothrow_t(void *p, NOTHROW_T nt)
{
    (void)nt;
    delete_impl(p);
}
void _ZdlPvSt11align_val_t(void *p, ALIGN_T a)
{
    (void)a;
    delete_impl(p);
}
void _ZdaPvSt11align_val_t(void *p, ALIGN_T a)
{
    (void)a;
    delete_impl(p);
}
void _ZdlPvmSt11align_val_t(void *p, size_t n, ALIGN_T a)
{
    (void)n;
    (void)a;
    delete_impl(p);
}
void _ZdaPvmSt11align_val_t(void *p, size_t n, ALIGN_T a)
{
    (void)n;
    (void)a;
    delete_impl(p);
}
void _ZdlPvSt11align_val_tRKSt9nothrow_t(void *p, ALIGN_T a, NOTHROW_T nt)
{
    (void)a;
    (void)nt;
    delete_impl(p);
}
void _ZdaPvSt11align_val_tRKSt9nothrow_t(void *p, ALIGN_T a, NOTHROW_T nt)
{
    (void)a;
    (void)nt;
    delete_impl(p);
}
