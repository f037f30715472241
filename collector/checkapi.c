/*
 * checkapi.c - C-linkage entry points behind <gperftools/heap-checker.h> (the header's
 * inline C++ class HeapLeakChecker calls them): the "_main_" checker and named checkers
 * (a named checker remembers the live blocks at its creation; its check reports the
 * unreachable blocks allocated since), CancelGlobalCheck, the Disabler depth, the
 * IgnoreObject list and the HeapCleaner functions run before the at-exit check (both
 * kept by ignores.c).
 * Everything lives in mmap'd memory; checks are serialised by hpc_check_lock.
 */
#include <stdlib.h>
#include <string.h>

#include "gperftools/heap-checker.h"
#include "hpc.h"
#include "recorder.h"

struct checker {
    char name[256];
    struct hpc_blk *base; /* live blocks at creation, sorted by address (named only) */
    size_t nbase, capbase;
    bool checked;
    long long bytes, objects;
};

static struct checker main_checker = {.name = "_main_"};

/* ---- entry points --------------------------------------------------------------------- */

#define GUARD_ON()                                                                             \
    struct hpc_thread *t_ = &hpc_tls;                                                          \
    t_->busy++
#define GUARD_OFF() t_->busy--

HPC_EXPORT int heapprof_checker_is_active(void)
{
    return atomic_load(&hpc_check_rec) != NULL;
}

HPC_EXPORT void *heapprof_checker_global(void)
{
    return atomic_load(&hpc_check_rec) && hpc_heapcheck_global() ? &main_checker : NULL;
}

static bool do_check(struct checker *c, bool symbolize)
{
    struct hpc_check hc = {.name = c->name, .base = c->base, .nbase = c->nbase,
                           .symbolize = symbolize};
    GUARD_ON();
    hpc_lock_take(&hpc_check_lock);
    bool ok = hpc_check_run(&hc);
    hpc_lock_drop(&hpc_check_lock);
    GUARD_OFF();
    c->checked = true;
    c->bytes = hc.leak_bytes;
    c->objects = hc.leak_n;
    return ok;
}

HPC_EXPORT int heapprof_checker_no_global_leaks(void)
{
    struct checker *c = heapprof_checker_global();
    return c ? do_check(c, false) : 1;
}

HPC_EXPORT void heapprof_checker_cancel_global(void)
{
    hpc_heapcheck_cancel();
}

HPC_EXPORT void *heapprof_checker_new(const char *name)
{
    if (!name)
        name = "";
    if (!atomic_load(&hpc_check_rec)) {
        hpc_log(0, "Heap checker is not active, hence checker \"%s\" will do nothing!", name);
        hpc_log(0, "To activate set the HEAPCHECK environment variable.\n");
        return NULL;
    }
    GUARD_ON();
    struct checker *c = hpc_mmap(sizeof(*c));
    if (c) {
        size_t n = hpc_strlen(name);
        if (n >= sizeof(c->name))
            n = sizeof(c->name) - 1;
        memcpy(c->name, name, n);
        hpc_lock_take(&hpc_check_lock);
        if (hpc_check_collect(&c->base, &c->nbase, &c->capbase)) {
            long long bytes = 0;
            for (size_t i = 0; i < c->nbase; i++)
                bytes += (long long)c->base[i].size;
            hpc_log(0, "Start check \"%s\" profile: %lld bytes in %lld objects", c->name, bytes,
                    (long long)c->nbase);
        }
        hpc_lock_drop(&hpc_check_lock);
    }
    GUARD_OFF();
    return c;
}

HPC_EXPORT void heapprof_checker_delete(void *h)
{
    struct checker *c = h;
    if (!c || c == &main_checker)
        return;
    if (!c->checked) {
        hpc_log(-4, "Some *NoLeaks|SameHeap method must be called on any created "
                    "HeapLeakChecker");
        abort();
    }
    if (c->base)
        hpc_munmap(c->base, c->capbase * sizeof(*c->base));
    hpc_munmap(c, sizeof(*c));
}

HPC_EXPORT int heapprof_checker_no_leaks(void *h)
{
    struct checker *c = h;
    if (!c)
        return 1;
    if (!atomic_load(&hpc_check_rec)) {
        hpc_log(-2, "Heap leak checker got turned off after checker \"%s\" has been created, "
                    "no leak check is being done for it!", c->name);
        return 1;
    }
    return do_check(c, false);
}

static long long leaked(const void *h, bool objects)
{
    const struct checker *c = h;
    if (!c || !c->checked) {
        hpc_log(-4, "Check failed: has_checked_: *NoLeaks|SameHeap must execute before this "
                    "call");
        abort();
    }
    return objects ? c->objects : c->bytes;
}

HPC_EXPORT long heapprof_checker_bytes_leaked(const void *h)
{
    return (long)leaked(h, false);
}

HPC_EXPORT long heapprof_checker_objects_leaked(const void *h)
{
    return (long)leaked(h, true);
}

HPC_EXPORT void heapprof_checker_disable(int delta)
{
    hpc_tls.disabled += delta;
}

/* The live block holding p (its start or any byte inside, as gperftools' header promises:
 * new T[n] of a T with a destructor returns the block + 8); *size its size. 0 if none. */
struct containing {
    uintptr_t p, start;
    size_t size;
};

static void find_containing(void *ctx, uintptr_t start, size_t size, struct hpc_bucket *b)
{
    (void)b;
    struct containing *c = ctx;
    if (c->p >= start && c->p - start < (size ? size : 1)) {
        c->start = start;
        c->size = size;
    }
}

static uintptr_t block_start(struct hpc_rec *r, const void *p)
{
    if (hpc_rec_find(r, (uintptr_t)p) >= 0)
        return (uintptr_t)p;
    struct containing c = {(uintptr_t)p, 0, 0};
    hpc_rec_each_live(r, find_containing, &c);
    return c.start;
}

HPC_EXPORT void heapprof_checker_ignore(const void *p)
{
    struct hpc_rec *r = atomic_load(&hpc_check_rec);
    if (!r)
        return;
    GUARD_ON();
    hpc_lock_take(&hpc_check_lock);
    uintptr_t start = p ? block_start(r, p) : 0;
    if (!start)
        hpc_log(-3, "No live heap object at %p to ignore", p);
    else if (hpc_ignore_add(start) == 0)
        hpc_log(-2, "Object at %p is already being ignored", p);
    hpc_lock_drop(&hpc_check_lock);
    GUARD_OFF();
}

HPC_EXPORT void heapprof_checker_unignore(const void *p)
{
    struct hpc_rec *r = atomic_load(&hpc_check_rec);
    if (!r)
        return;
    GUARD_ON();
    hpc_lock_take(&hpc_check_lock);
    uintptr_t start = p ? block_start(r, p) : 0;
    bool live = start != 0, found = live && hpc_ignore_remove(start);
    hpc_lock_drop(&hpc_check_lock);
    GUARD_OFF();
    if (!live) {
        hpc_log(-4, "No live heap object at %p to un-ignore", p);
        abort();
    }
    if (!found) {
        hpc_log(-4, "Object at %p has not been ignored", p);
        abort();
    }
}

HPC_EXPORT void heapprof_checker_add_cleanup(void (*fn)(void))
{
    hpc_cleanup_add(fn);
}

HPC_EXPORT void heapprof_checker_run_cleanups(void)
{
    hpc_run_cleanups();
}
