/*
 * tcache.c - per-thread batching of the heap profiler's bucket counters. Every thread owns
 * a small direct-mapped cache (mmap'd, never freed) of pending (allocs, bytes, frees,
 * bytes) deltas per bucket, so the hot path touches no shared cache line; a delta reaches
 * its bucket's atomics when its slot is taken by another bucket, and every cache is
 * flushed before a dump reads the buckets (hpc_count_sync), so dumps stay exact.
 *
 * An entry's counters are cumulative and written only by the owner, with plain relaxed
 * stores (no atomic read-modify-write on the hot path); what has already reached the bucket
 * is remembered beside them, so a dumper flushes the difference without stopping the owner.
 * The cache's lock is taken by the owner only to give a slot to another bucket, and by a
 * dumper while flushing. A thread's cache is handed back at thread exit (a pthread key
 * destructor) with its pending deltas, and reused by the next new thread.
 */
#include <pthread.h>

#include "hpc.h"

#define TC_SLOTS 512

struct tc_entry {
    struct hpc_bucket *_Atomic b;                 /* changed by the owner under the lock */
    _Atomic int64_t allocs, abytes, frees, fbytes; /* since b took the slot; owner stores */
    int64_t sent[4];                              /* part already in b (under the lock) */
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

/* Adds what e counted since the last flush to its bucket. Caller holds the lock. */
static void flush_entry(struct tc_entry *e)
{
    struct hpc_bucket *b = atomic_load_explicit(&e->b, memory_order_relaxed);
    if (!b)
        return;
    int64_t now[4] = {atomic_load_explicit(&e->allocs, memory_order_relaxed),
                      atomic_load_explicit(&e->abytes, memory_order_relaxed),
                      atomic_load_explicit(&e->frees, memory_order_relaxed),
                      atomic_load_explicit(&e->fbytes, memory_order_relaxed)};
    atomic_llong *dst[4] = {&b->allocs, &b->alloc_bytes, &b->frees, &b->free_bytes};
    for (int i = 0; i < 4; i++) {
        if (now[i] != e->sent[i])
            atomic_fetch_add_explicit(dst[i], now[i] - e->sent[i], memory_order_relaxed);
        e->sent[i] = now[i];
    }
}

static inline void bump(_Atomic int64_t *c, int64_t d)
{
    if (d)
        atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + d,
                              memory_order_relaxed);
}

void hpc_count(struct hpc_bucket *b, int64_t allocs, int64_t abytes, int64_t frees,
               int64_t fbytes)
{
    struct hpc_thread *t = &hpc_tls;
    struct hpc_tcache *tc = t->tc;
    if (HPC_UNLIKELY(!tc) && !(tc = tc_get(t))) {
        atomic_fetch_add_explicit(&b->allocs, allocs, memory_order_relaxed);
        atomic_fetch_add_explicit(&b->alloc_bytes, abytes, memory_order_relaxed);
        atomic_fetch_add_explicit(&b->frees, frees, memory_order_relaxed);
        atomic_fetch_add_explicit(&b->free_bytes, fbytes, memory_order_relaxed);
        return;
    }
    struct tc_entry *e = &tc->e[((uintptr_t)b >> 4) & (TC_SLOTS - 1)];
    if (HPC_UNLIKELY(atomic_load_explicit(&e->b, memory_order_relaxed) != b)) {
        hpc_lock_take(&tc->lock);
        flush_entry(e);
        atomic_store_explicit(&e->allocs, 0, memory_order_relaxed);
        atomic_store_explicit(&e->abytes, 0, memory_order_relaxed);
        atomic_store_explicit(&e->frees, 0, memory_order_relaxed);
        atomic_store_explicit(&e->fbytes, 0, memory_order_relaxed);
        e->sent[0] = e->sent[1] = e->sent[2] = e->sent[3] = 0;
        atomic_store_explicit(&e->b, b, memory_order_relaxed);
        hpc_lock_drop(&tc->lock);
    }
    bump(&e->allocs, allocs);
    bump(&e->abytes, abytes);
    bump(&e->frees, frees);
    bump(&e->fbytes, fbytes);
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
