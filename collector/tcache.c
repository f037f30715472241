/*
 * tcache.c - per-thread batching of the heap profiler's bucket counters. Every thread owns
 * a small direct-mapped cache (mmap'd, never freed) of pending (allocs, bytes, frees,
 * bytes) deltas per bucket, so the hot path touches no shared cache line; a delta reaches
 * its bucket's atomics when its slot is taken by another bucket, and every cache is
 * flushed before a dump reads the buckets (hpc_count_sync), so dumps stay exact.
 *
 * A cache is guarded by its own lock, taken by the owner on every update (uncontended) and
 * by a dumper while flushing. A thread's cache is handed back at thread exit (a pthread key
 * destructor) with its pending deltas, and reused by the next new thread.
 */
#include <pthread.h>

#include "hpc.h"

#define TC_SLOTS 512

struct tc_entry {
    struct hpc_bucket *b;
    int64_t allocs, abytes, frees, fbytes;
};

struct hpc_tcache {
    hpc_lock lock;
    atomic_int in_use;
    struct hpc_tcache *next;
    struct tc_entry e[TC_SLOTS];
};

static struct hpc_tcache *_Atomic tc_list;
static pthread_key_t tc_key;
static bool tc_key_ok;

static void tc_release(void *p)
{
    struct hpc_tcache *tc = p;
    if (hpc_tls.tc == tc)
        hpc_tls.tc = NULL;
    atomic_store_explicit(&tc->in_use, 0, memory_order_release);
}

/* Called from hpc_init with the recursion guard set. */
void hpc_count_init(void)
{
    tc_key_ok = pthread_key_create(&tc_key, tc_release) == 0;
}

static struct hpc_tcache *tc_get(struct hpc_thread *t)
{
    struct hpc_tcache *tc;
    for (tc = atomic_load(&tc_list); tc; tc = tc->next) {
        int z = 0;
        if (atomic_load_explicit(&tc->in_use, memory_order_relaxed) == 0 &&
            atomic_compare_exchange_strong(&tc->in_use, &z, 1))
            break;
    }
    if (!tc) {
        tc = hpc_mmap(sizeof(*tc));
        if (!tc)
            return NULL;
        tc->in_use = 1;
        tc->next = atomic_load(&tc_list);
        while (!atomic_compare_exchange_weak(&tc_list, &tc->next, tc))
            ;
    }
    t->tc = tc;
    if (tc_key_ok)
        pthread_setspecific(tc_key, tc); /* hands the cache back at thread exit */
    return tc;
}

static void flush_entry(struct tc_entry *e)
{
    struct hpc_bucket *b = e->b;
    if (!b)
        return;
    if (e->allocs || e->abytes) {
        atomic_fetch_add_explicit(&b->allocs, e->allocs, memory_order_relaxed);
        atomic_fetch_add_explicit(&b->alloc_bytes, e->abytes, memory_order_relaxed);
    }
    if (e->frees || e->fbytes) {
        atomic_fetch_add_explicit(&b->frees, e->frees, memory_order_relaxed);
        atomic_fetch_add_explicit(&b->free_bytes, e->fbytes, memory_order_relaxed);
    }
    e->allocs = e->abytes = e->frees = e->fbytes = 0;
}

void hpc_count(struct hpc_bucket *b, int64_t allocs, int64_t abytes, int64_t frees,
               int64_t fbytes)
{
    struct hpc_thread *t = &hpc_tls;
    struct hpc_tcache *tc = t->tc;
    if (HPC_UNLIKELY(!tc) && !(tc = tc_get(t))) {
        struct tc_entry e = {b, allocs, abytes, frees, fbytes};
        flush_entry(&e);
        return;
    }
    struct tc_entry *e = &tc->e[((uintptr_t)b >> 4) & (TC_SLOTS - 1)];
    hpc_lock_take(&tc->lock);
    if (HPC_UNLIKELY(e->b != b)) {
        flush_entry(e);
        e->b = b;
    }
    e->allocs += allocs;
    e->abytes += abytes;
    e->frees += frees;
    e->fbytes += fbytes;
    hpc_lock_drop(&tc->lock);
}

void hpc_count_sync(void)
{
    struct hpc_tcache *own = hpc_tls.tc;
    for (struct hpc_tcache *tc = atomic_load(&tc_list); tc; tc = tc->next) {
        if (tc == own) {
            /* a signal handler may have interrupted our own update: do not wait for it */
            if (!hpc_lock_try(&tc->lock))
                continue;
        } else {
            hpc_lock_take(&tc->lock);
        }
        for (int i = 0; i < TC_SLOTS; i++)
            flush_entry(&tc->e[i]);
        hpc_lock_drop(&tc->lock);
    }
}

void hpc_count_lock_all(void)
{
    for (struct hpc_tcache *tc = atomic_load(&tc_list); tc; tc = tc->next)
        hpc_lock_take(&tc->lock);
}

void hpc_count_unlock_all(void)
{
    for (struct hpc_tcache *tc = atomic_load(&tc_list); tc; tc = tc->next)
        hpc_lock_drop(&tc->lock);
}
