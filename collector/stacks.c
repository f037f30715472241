/*
 * stacks.c - stack capture and the recorder tables of libheapprof, all in mmap'd memory.
 *
 * Stack table: a fixed array of chain heads indexed by the stack hash; buckets are carved
 * from mmap'd slabs and never freed. Lookups walk the chains without a lock (buckets are
 * published with release stores and never unlinked); inserts take one of 64 striped
 * spinlocks. Counters are relaxed atomics, updated in per-thread batches (tcache.c).
 *
 * Address table: 256 shards chosen by a hash of the address's 2 MiB region (glibc gives
 * each thread its own arena, so threads mostly use disjoint shards and their locks stay in
 * their own caches), each an open-addressing table (linear probing, keys apart from values,
 * backward-shift deletion, load <= 1/2) under its own spinlock; a shard grows by rehashing
 * into a fresh mapping. With sampling, most frees concern unsampled blocks: a counting
 * filter (a saturating byte counter per 256-byte granule, incremented before the allocation
 * is returned and decremented when it is removed) lets them skip the shard lock.
 */
#include <execinfo.h>
#include <link.h>
#ifdef HPC_USE_LIBUNWIND
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#endif
#include <sched.h>
#include <string.h>
#include <sys/mman.h>

#include "hpc.h"

/* ---- memory and locks ------------------------------------------------------------------ */

void *hpc_mmap(size_t n)
{
    void *p = hpc_sys_mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void hpc_munmap(void *p, size_t n)
{
    if (p)
        hpc_sys_munmap(p, n);
}

void hpc_lock_slow(hpc_lock *l)
{
    for (unsigned spins = 0;; spins++) {
        if (!atomic_load_explicit(&l->v, memory_order_relaxed) &&
            !atomic_exchange_explicit(&l->v, 1, memory_order_acquire))
            return;
        if (spins < 64)
            __builtin_ia32_pause();
        else
            sched_yield();
    }
}

/* ---- stack capture ---------------------------------------------------------------------- */

/* The collector's own executable segment: no captured stack keeps a frame in it (the
 * thread trampoline and main's wrapper of threads.c sit below every program frame). */
static uintptr_t own_lo, own_hi;

static int find_own_text(struct dl_phdr_info *info, size_t sz, void *ctx)
{
    (void)sz;
    uintptr_t me = (uintptr_t)ctx;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && me >= lo && me < hi) {
            own_lo = lo;
            own_hi = hi;
            return 1;
        }
    }
    return 0;
}

/* Removes the frames whose call site (return address - 1) lies in the collector's text. */
static int drop_own_frames(uintptr_t *pcs, int d)
{
    int k = 0;
    for (int i = 0; i < d; i++)
        if (pcs[i] - 1 - own_lo >= own_hi - own_lo)
            pcs[k++] = pcs[i];
    return k;
}

void hpc_capture_init(void)
{
    if (!own_hi)
        dl_iterate_phdr(find_own_text, (void *)(uintptr_t)hpc_capture_init);
    /* The first backtrace() dlopens libgcc_s and allocates: do it now, with the guard set. */
    void *buf[4];
#ifdef HPC_USE_LIBUNWIND
    unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
    unw_backtrace(buf, 4);
#else
    backtrace(buf, 4);
#endif
}

#define OWN_FRAMES 8 /* upper bound on collector frames above the caller of malloc */

int hpc_capture(uintptr_t *pcs, int max, void *ra)
{
    void *buf[HPC_MAX_DEPTH + OWN_FRAMES];
#ifdef HPC_USE_LIBUNWIND
    int n = unw_backtrace(buf, max + OWN_FRAMES);
#else
    int n = backtrace(buf, max + OWN_FRAMES);
#endif
    int i;
    for (i = 0; i < n && i < OWN_FRAMES; i++)
        if (buf[i] == ra)
            break;
    if (i >= n || i >= OWN_FRAMES) {
        /* the unwinder lost track: keep at least the caller */
        pcs[0] = (uintptr_t)ra;
        return 1;
    }
    int d = n - i;
    if (d > max)
        d = max;
    memcpy(pcs, buf + i, (size_t)d * sizeof(*pcs));
    return drop_own_frames(pcs, d);
}

/* ---- recorder --------------------------------------------------------------------------- */

#define HEAD_BITS   18
#define NHEADS      (1u << HEAD_BITS)
#define NSTRIPES    64
#define NSHARDS     256
#define REGION_BITS 21
#define SHARD_INIT  512
#define FILTER_BITS 18
#define SLAB_SIZE   (1u << 20)
#define KEY_EMPTY   0

struct val {
    struct hpc_bucket *b;
    size_t size;
};

/* Keys and values in separate arrays (one mapping): probes touch 8 keys per cache line. */
struct shard {
    hpc_lock lock;
    uint32_t cap, used; /* load kept <= 1/2 */
    uintptr_t *keys;
    struct val *vals;
    char pad[64 - sizeof(hpc_lock) - 2 * sizeof(uint32_t) - 2 * sizeof(void *)];
};

struct hpc_rec {
    bool split_by_size, count;
    struct hpc_bucket *_Atomic *heads;
    hpc_lock stripes[NSTRIPES];
    hpc_lock slab_lock; /* also protects all_buckets */
    char *slab;
    size_t slab_left;
    struct hpc_bucket *_Atomic all_buckets;
    _Atomic uint8_t *filter; /* NULL unless sampling */
    struct shard shards[NSHARDS];
};

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

struct hpc_rec *hpc_rec_new(bool split_by_size, bool filter, bool count)
{
    struct hpc_rec *r = hpc_mmap(sizeof(*r));
    if (!r)
        return NULL;
    r->split_by_size = split_by_size;
    r->count = count;
    r->heads = hpc_mmap(NHEADS * sizeof(*r->heads));
    if (!r->heads)
        return NULL;
    if (filter) {
        r->filter = hpc_mmap(((size_t)1 << FILTER_BITS) * sizeof(*r->filter));
        if (!r->filter)
            return NULL;
    }
    for (int i = 0; i < NSHARDS; i++) {
        struct shard *sh = &r->shards[i];
        sh->cap = SHARD_INIT;
        sh->keys = hpc_mmap(SHARD_INIT * (sizeof(uintptr_t) + sizeof(struct val)));
        if (!sh->keys)
            return NULL;
        sh->vals = (struct val *)(sh->keys + SHARD_INIT);
    }
    return r;
}

static struct hpc_bucket *slab_alloc(struct hpc_rec *r, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (r->slab_left < n) {
        size_t sz = n > SLAB_SIZE ? n : SLAB_SIZE;
        char *s = hpc_mmap(sz);
        if (!s)
            return NULL;
        r->slab = s;
        r->slab_left = sz;
    }
    struct hpc_bucket *b = (struct hpc_bucket *)r->slab;
    r->slab += n;
    r->slab_left -= n;
    return b;
}

static struct hpc_bucket *find_bucket(struct hpc_rec *r, const uintptr_t *pcs, int depth,
                                      uint64_t size_key)
{
    /* two independent multiply lanes: the hash is on the hot path of every allocation */
    uint64_t h0 = size_key * 0x9E3779B97F4A7C15ULL + (uint64_t)depth, h1 = 0x243F6A8885A308D3ULL;
    int i = 0;
    for (; i + 1 < depth; i += 2) {
        h0 = (h0 ^ pcs[i]) * 0x100000001B3ULL;
        h1 = (h1 ^ pcs[i + 1]) * 0xC6A4A7935BD1E995ULL;
    }
    if (i < depth)
        h0 = (h0 ^ pcs[i]) * 0x100000001B3ULL;
    uint64_t h = mix64(h0 ^ (h1 >> 7) ^ (h1 << 29));
    size_t idx = h & (NHEADS - 1);
    struct hpc_bucket *_Atomic *head = &r->heads[idx];
    size_t bytes = (size_t)depth * sizeof(uintptr_t);

    for (int pass = 0; pass < 2; pass++) {
        for (struct hpc_bucket *b = atomic_load_explicit(head, memory_order_acquire); b;
             b = atomic_load_explicit(&b->next, memory_order_acquire)) {
            if (b->hash == h && b->depth == (uint32_t)depth && b->size_key == size_key &&
                memcmp(b->pcs, pcs, bytes) == 0)
                return b;
        }
        if (pass == 1)
            break;
        /* not found: insert under the stripe lock, re-checking first */
        hpc_lock *sl = &r->stripes[idx % NSTRIPES];
        hpc_lock_take(sl);
        struct hpc_bucket *found = NULL;
        for (struct hpc_bucket *b = atomic_load_explicit(head, memory_order_acquire); b;
             b = atomic_load_explicit(&b->next, memory_order_relaxed)) {
            if (b->hash == h && b->depth == (uint32_t)depth && b->size_key == size_key &&
                memcmp(b->pcs, pcs, bytes) == 0) {
                found = b;
                break;
            }
        }
        if (!found) {
            hpc_lock_take(&r->slab_lock);
            struct hpc_bucket *b = slab_alloc(r, sizeof(*b) + bytes);
            if (b) {
                b->hash = h;
                b->size_key = size_key;
                b->depth = (uint32_t)depth;
                b->counted = r->count;
                memcpy(b->pcs, pcs, bytes);
                b->all_next = atomic_load_explicit(&r->all_buckets, memory_order_relaxed);
                atomic_store_explicit(&r->all_buckets, b, memory_order_release);
                atomic_store_explicit(&b->next, atomic_load(head), memory_order_relaxed);
                atomic_store_explicit(head, b, memory_order_release);
            }
            hpc_lock_drop(&r->slab_lock);
            found = b;
        }
        hpc_lock_drop(sl);
        return found;
    }
    return NULL;
}

struct hpc_bucket *hpc_rec_buckets(struct hpc_rec *r)
{
    return atomic_load_explicit(&r->all_buckets, memory_order_acquire);
}

static inline uint64_t addr_hash(uintptr_t p)
{
    return mix64(p);
}

static inline struct shard *shard_of(struct hpc_rec *r, uintptr_t p)
{
    return &r->shards[mix64(p >> REGION_BITS) & (NSHARDS - 1)];
}

/* Indexed by address bits (256-byte granules), not by hash: a thread's heap maps to a few
 * kB of filter, which stays in its cache; sampled blocks are rare, so a granule shared by
 * several blocks only costs an occasional locked lookup. Counters
 * saturate at 255 and then stay there (the slot just always says "maybe"). */
static inline _Atomic uint8_t *filter_slot(struct hpc_rec *r, uintptr_t p)
{
    return &r->filter[(p >> 8) & (((size_t)1 << FILTER_BITS) - 1)];
}

static void filter_add(_Atomic uint8_t *f, int d)
{
    uint8_t v = atomic_load_explicit(f, memory_order_relaxed);
    while (v != 255 && !atomic_compare_exchange_weak_explicit(f, &v, (uint8_t)(v + d),
                                                              memory_order_relaxed,
                                                              memory_order_relaxed))
        ;
}

static inline uint32_t home_of(uintptr_t p, uint32_t mask)
{
    return (uint32_t)(addr_hash(p) >> 32) & mask;
}

/* Rehashes s into a table of new_cap entries. Caller holds the shard lock. */
static bool shard_rehash(struct shard *s, uint32_t new_cap)
{
    uintptr_t *nk = hpc_mmap((size_t)new_cap * (sizeof(*nk) + sizeof(struct val)));
    if (!nk)
        return false;
    struct val *nv = (struct val *)(nk + new_cap);
    uint32_t mask = new_cap - 1;
    for (uint32_t i = 0; i < s->cap; i++) {
        if (s->keys[i] == KEY_EMPTY)
            continue;
        uint32_t j = home_of(s->keys[i], mask);
        while (nk[j] != KEY_EMPTY)
            j = (j + 1) & mask;
        nk[j] = s->keys[i];
        nv[j] = s->vals[i];
    }
    hpc_munmap(s->keys, (size_t)s->cap * (sizeof(*nk) + sizeof(struct val)));
    s->keys = nk;
    s->vals = nv;
    s->cap = new_cap;
    return true;
}

static void shard_insert(struct shard *s, uintptr_t p, struct hpc_bucket *b, size_t size)
{
    if ((s->used + 1) * 2 > s->cap && !shard_rehash(s, s->cap * 2) && s->used + 2 >= s->cap)
        return; /* out of memory: the block stays unrecorded */
    uint32_t mask = s->cap - 1;
    uint32_t j = home_of(p, mask);
    while (s->keys[j] != KEY_EMPTY) {
        if (s->keys[j] == p) {
            /* stale entry (a free we never saw): replace it */
            s->vals[j] = (struct val){b, size};
            return;
        }
        j = (j + 1) & mask;
    }
    s->keys[j] = p;
    s->vals[j] = (struct val){b, size};
    s->used++;
}

static int64_t shard_find(const struct shard *s, uintptr_t p)
{
    uint32_t mask = s->cap - 1;
    for (uint32_t j = home_of(p, mask); s->keys[j] != KEY_EMPTY; j = (j + 1) & mask)
        if (s->keys[j] == p)
            return (int64_t)j;
    return -1;
}

static bool shard_remove(struct shard *s, uintptr_t p, struct hpc_bucket **b, size_t *size)
{
    int64_t found = shard_find(s, p);
    if (found < 0)
        return false;
    uint32_t mask = s->cap - 1, i = (uint32_t)found;
    *b = s->vals[i].b;
    *size = s->vals[i].size;
    s->used--;
    /* backward-shift deletion: no tombstones, probe chains stay short */
    for (uint32_t k = (i + 1) & mask; s->keys[k] != KEY_EMPTY; k = (k + 1) & mask) {
        uint32_t h = home_of(s->keys[k], mask);
        /* the entry at k may move to i iff its home is not cyclically in (i, k] */
        if (((k - h) & mask) >= ((k - i) & mask)) {
            s->keys[i] = s->keys[k];
            s->vals[i] = s->vals[k];
            i = k;
        }
    }
    s->keys[i] = KEY_EMPTY;
    return true;
}

/* Starts loading p's home key and value lines before the shard lock is taken, so the two
 * cache misses overlap each other and the caller's work. Reads the shard without its lock:
 * a stale table pointer only makes a useless prefetch (prefetches never fault). */
static inline void shard_prefetch(struct shard *s, uintptr_t p)
{
    const volatile struct shard *vs = s;
    uintptr_t *keys = vs->keys;
    struct val *vals = vs->vals;
    uint32_t j = home_of(p, vs->cap - 1);
    __builtin_prefetch(&keys[j], 1);
    __builtin_prefetch(&vals[j], 1);
}

static void put(struct hpc_rec *r, uintptr_t p, struct hpc_bucket *b, size_t size)
{
    if (r->filter)
        filter_add(filter_slot(r, p), 1);
    struct shard *s = shard_of(r, p);
    hpc_lock_take(&s->lock);
    shard_insert(s, p, b, size);
    hpc_lock_drop(&s->lock);
}

void hpc_rec_alloc(struct hpc_rec *r, uintptr_t p, size_t size, const uintptr_t *pcs, int depth)
{
    hpc_rec_alloc_key(r, p, size, pcs, depth, r->split_by_size ? size : 0);
}

void hpc_rec_alloc_key(struct hpc_rec *r, uintptr_t p, size_t size, const uintptr_t *pcs,
                       int depth, uint64_t key)
{
    shard_prefetch(shard_of(r, p), p); /* overlaps with the bucket lookup */
    struct hpc_bucket *b = find_bucket(r, pcs, depth, key);
    if (!b)
        return;
    if (r->count)
        hpc_count(b, 1, (int64_t)size, 0, 0);
    put(r, p, b, size);
}

bool hpc_rec_take(struct hpc_rec *r, uintptr_t p, struct hpc_bucket **b, size_t *size)
{
    _Atomic uint8_t *f = NULL;
    if (r->filter) {
        f = filter_slot(r, p);
        if (atomic_load_explicit(f, memory_order_relaxed) == 0)
            return false;
    }
    struct shard *s = shard_of(r, p);
    shard_prefetch(s, p);
    hpc_lock_take(&s->lock);
    bool found = shard_remove(s, p, b, size);
    hpc_lock_drop(&s->lock);
    if (found && f)
        filter_add(f, -1);
    return found;
}

int64_t hpc_rec_find(struct hpc_rec *r, uintptr_t p)
{
    struct shard *s = shard_of(r, p);
    hpc_lock_take(&s->lock);
    int64_t j = shard_find(s, p);
    int64_t res = j < 0 ? -1 : (int64_t)s->vals[j].size;
    hpc_lock_drop(&s->lock);
    return res;
}

void hpc_rec_put_back(struct hpc_rec *r, uintptr_t p, struct hpc_bucket *b, size_t size)
{
    put(r, p, b, size);
}

void hpc_rec_charge_free(struct hpc_bucket *b, size_t size)
{
    if (b->counted)
        hpc_count(b, 0, 0, 1, (int64_t)size);
}

int64_t hpc_rec_free(struct hpc_rec *r, uintptr_t p)
{
    struct hpc_bucket *b;
    size_t size;
    if (!hpc_rec_take(r, p, &b, &size))
        return -1;
    hpc_rec_charge_free(b, size);
    return (int64_t)size;
}

void hpc_rec_each_live(struct hpc_rec *r,
                       void (*fn)(void *ctx, uintptr_t p, size_t size, struct hpc_bucket *b),
                       void *ctx)
{
    for (int i = 0; i < NSHARDS; i++) {
        struct shard *s = &r->shards[i];
        hpc_lock_take(&s->lock);
        for (uint32_t j = 0; j < s->cap; j++)
            if (s->keys[j] != KEY_EMPTY)
                fn(ctx, s->keys[j], s->vals[j].size, s->vals[j].b);
        hpc_lock_drop(&s->lock);
    }
}

size_t hpc_rec_live_count(struct hpc_rec *r)
{
    size_t n = 0;
    for (int i = 0; i < NSHARDS; i++)
        n += r->shards[i].used;
    return n;
}

void hpc_rec_lock_all(struct hpc_rec *r)
{
    for (int i = 0; i < NSTRIPES; i++)
        hpc_lock_take(&r->stripes[i]);
    hpc_lock_take(&r->slab_lock);
    for (int i = 0; i < NSHARDS; i++)
        hpc_lock_take(&r->shards[i].lock);
}

void hpc_rec_unlock_all(struct hpc_rec *r)
{
    for (int i = 0; i < NSHARDS; i++)
        hpc_lock_drop(&r->shards[i].lock);
    hpc_lock_drop(&r->slab_lock);
    for (int i = 0; i < NSTRIPES; i++)
        hpc_lock_drop(&r->stripes[i]);
}
