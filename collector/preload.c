/*
 * preload.c - the interposed allocation functions of libheapprof: the C allocator
 * (malloc, free, calloc, realloc, reallocarray, memalign, posix_memalign, aligned_alloc,
 * valloc, pvalloc, malloc_usable_size) and every C++ operator new/delete form, by their
 * mangled names. Each forwards to glibc through the exported __libc_* entry points (no
 * dlsym bootstrap is needed) and, while something records, reports the block to the
 * recorder (recorder.h), which is all these hooks call.
 *
 * Ordering rules: an allocation is reported after the real call returns; a free before
 * the real free, so another thread cannot get the address back from glibc and record it
 * while the old entry still exists.
 */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "recorder.h"

#define ACTIVE()    hpc_recording()
#define FRAME()     HPC_FRAME()

/* ---- C allocator ---------------------------------------------------------------------- */

HPC_EXPORT void *malloc(size_t n)
{
    void *p = __libc_malloc(n);
    if (ACTIVE() && p)
        hpc_on_alloc(p, n, FRAME());
    return p;
}

HPC_EXPORT void free(void *p)
{
    if (ACTIVE() && p)
        hpc_on_free(p);
    __libc_free(p);
}

HPC_EXPORT void *calloc(size_t n, size_t size)
{
    void *p = __libc_calloc(n, size);
    if (ACTIVE() && p)
        hpc_on_alloc(p, n * size, FRAME());
    return p;
}

/* always inlined: a tail call from realloc would run it in realloc's released frame record */
static inline __attribute__((always_inline)) void *realloc_impl(void *p, size_t n, void *const *frame)
{
    if (!p) {
        void *q = __libc_malloc(n);
        if (ACTIVE() && q)
            hpc_on_alloc(q, n, frame);
        return q;
    }
    if (!ACTIVE())
        return __libc_realloc(p, n);
    void *q = hpc_on_realloc(p, n, frame);
    __asm__ volatile("" : "+r"(q)); /* no tail call: hpc_on_realloc reads this frame record */
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
        hpc_on_alloc(p, n, FRAME());
    return p;
}

HPC_EXPORT void *aligned_alloc(size_t align, size_t n)
{
    void *p = __libc_memalign(align, n);
    if (ACTIVE() && p)
        hpc_on_alloc(p, n, FRAME());
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
        hpc_on_alloc(p, n, FRAME());
    *out = p;
    return 0;
}

HPC_EXPORT void *valloc(size_t n)
{
    void *p = __libc_valloc(n);
    if (ACTIVE() && p)
        hpc_on_alloc(p, n, FRAME());
    return p;
}

HPC_EXPORT void *pvalloc(size_t n)
{
    void *p = __libc_pvalloc(n);
    if (ACTIVE() && p)
        hpc_on_alloc(p, n, FRAME());
    return p;
}

HPC_EXPORT size_t malloc_usable_size(void *p)
{
    return hpc_usable_size(p);
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
                hpc_on_alloc(p, n, frame);
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
        hpc_on_free(p);
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
