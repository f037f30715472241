/*
 * stacks.c - stack capture and the recorder tables of libheapprof, all in mmap'd memory.
 *
 * Stack table: a fixed array of chain heads indexed by the stack hash; buckets are carved
 * from mmap'd slabs and never freed. Lookups walk the chains without a lock (buckets are
 * published with release stores and never unlinked); inserts take one of 64 striped
 * spinlocks. Counters are relaxed atomics, updated in per-thread batches (tcache.c).
 *
 * Address table: a shadow map with one 32-bit slot per 16-byte granule of the heap (windows
 * of 64 MiB mapped on first use), holding the block's bucket reference and its slack (glibc's
 * usable size read from the chunk header, minus the requested size), so a live block costs
 * 4 bytes per 16 of heap at most and no lock: glibc never hands one address to two threads,
 * frees are recorded before the real free, so slots are written by plain relaxed stores.
 * What does not fit (mmap'd chunks, slack above 30 bytes, mmap regions) goes to an overflow
 * table: 64 shards of open addressing under spinlocks. With sampling, most frees concern
 * unsampled blocks: a counting filter (a saturating byte counter per 256-byte granule,
 * incremented before the allocation is returned and decremented when it is removed) lets
 * them skip the map.
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

/* Removes the frames whose call site (return address - 1) lies in the collector's text:
 * only the outermost ones can (the thread trampoline and main's wrapper, a few frames above
 * libc's thread start or __libc_start_main); the frames above the caller of malloc are never
 * walked (hpc_fast_backtrace starts in the caller). */
#define BOTTOM_FRAMES 6
static int drop_own_frames(uintptr_t *pcs, int d)
{
    int i = d > BOTTOM_FRAMES ? d - BOTTOM_FRAMES : 0, k = i;
    for (; i < d; i++)
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
    hpc_fast_backtrace_init();
}

int hpc_capture(uintptr_t *pcs, int max, void *const *frame)
{
    int n = hpc_fast_backtrace((void **)pcs, max, frame);
    if (HPC_UNLIKELY(n <= 0)) {
        /* the unwinder lost track: keep at least the caller */
        pcs[0] = (uintptr_t)frame[1];
        return 1;
    }
    return drop_own_frames(pcs, n);
}

/* ---- recorder --------------------------------------------------------------------------- */

#define HEAD_BITS   18
#define NHEADS      (1u << HEAD_BITS)
#define NSTRIPES    64
#define SLAB_BITS   20
#define SLAB_SIZE   (1u << SLAB_BITS)
#define NSLABS      2048 /* bucket refs: 11-bit slab number, 16-bit offset / 16 */
#define FILTER_BITS 18

/* Shadow map: one 32-bit slot per 16-byte granule of a 64 MiB window (glibc's thread heaps
 * are 64 MiB-aligned), windows mapped on first use (MAP_NORESERVE: only pages holding a
 * live or past block start cost memory, 4 bytes per 16 bytes of heap at most). */
#define GRAN_BITS   4
#define WIN_BITS    26
#define WIN_SLOTS   (1u << (WIN_BITS - GRAN_BITS))
#define PAGE_SLOTS  1024 /* slots per 4 KiB page of a window */
#define ADDR_BITS   47   /* user space; higher addresses go to the overflow table */
#define NWINS       ((size_t)1 << (ADDR_BITS - WIN_BITS))
#define SLACK_BITS  5
#define SLACK_MAX   ((1u << SLACK_BITS) - 2) /* 31: the size is in the overflow table */

/* A slot holds 0 (no recorded block starts there) or bucket ref << 5 | slack, where slack =
 * glibc's usable size - the requested size (usable size read from the chunk header). */
struct win {
    _Atomic uint32_t slot[WIN_SLOTS];
    _Atomic uint64_t touched[WIN_SLOTS / PAGE_SLOTS / 64]; /* pages ever written */
    struct win *next;
    uintptr_t base;
};

/* Overflow table for what the shadow map cannot hold: mmap'd chunks, sizes more than 30
 * bytes below the usable size (then the entry's bucket is NULL: the slot has it), mmap
 * regions. Shards chosen by a hash of the address's 2 MiB region, each an open-addressing
 * table (linear probing, backward-shift deletion, load <= 1/2) under its own spinlock. */
#define NSHARDS     64
#define REGION_BITS 21
#define SHARD_INIT  64
#define KEY_EMPTY   0

struct val {
    struct hpc_bucket *b;
    size_t size;
};

struct shard {
    hpc_lock lock;
    uint32_t cap, used;
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
    unsigned nslabs;
    struct hpc_bucket *_Atomic all_buckets;
    _Atomic uint8_t *filter; /* NULL unless sampling */
    struct win *_Atomic *wins;   /* NWINS entries */
    struct win *_Atomic win_list;
    char *slabs[NSLABS];
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
    r->nslabs = 1; /* ref 0 is never a bucket's */
    r->heads = hpc_mmap(NHEADS * sizeof(*r->heads));
    r->wins = hpc_sys_mmap(NULL, NWINS * sizeof(*r->wins), PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (!r->heads || r->wins == MAP_FAILED)
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

/* Caller holds slab_lock. Buckets never cross a slab, so a ref names each one. */
static struct hpc_bucket *slab_alloc(struct hpc_rec *r, size_t n, uint32_t *ref)
{
    n = (n + 15) & ~(size_t)15;
    if (r->slab_left < n) {
        if (r->nslabs >= NSLABS)
            return NULL;
        char *s = hpc_mmap(SLAB_SIZE);
        if (!s)
            return NULL;
        r->slabs[r->nslabs++] = s;
        r->slab = s;
        r->slab_left = SLAB_SIZE;
    }
    struct hpc_bucket *b = (struct hpc_bucket *)r->slab;
    *ref = (uint32_t)(r->nslabs - 1) << 16 | (uint32_t)((SLAB_SIZE - r->slab_left) >> 4);
    r->slab += n;
    r->slab_left -= n;
    return b;
}

static inline struct hpc_bucket *bucket_at(const struct hpc_rec *r, uint32_t ref)
{
    return (struct hpc_bucket *)(r->slabs[ref >> 16] + ((size_t)(ref & 0xffff) << 4));
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
            uint32_t ref;
            struct hpc_bucket *b = slab_alloc(r, sizeof(*b) + bytes, &ref);
            if (b) {
                b->hash = h;
                b->size_key = size_key;
                b->depth = (uint32_t)depth;
                b->ref = ref;
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

/* ---- overflow table ------------------------------------------------------------------------ */

static inline struct shard *shard_of(struct hpc_rec *r, uintptr_t p)
{
    return &r->shards[mix64(p >> REGION_BITS) & (NSHARDS - 1)];
}

static inline uint32_t home_of(uintptr_t p, uint32_t mask)
{
    return (uint32_t)(mix64(p) >> 32) & mask;
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

static void over_put(struct hpc_rec *r, uintptr_t p, struct hpc_bucket *b, size_t size)
{
    struct shard *s = shard_of(r, p);
    hpc_lock_take(&s->lock);
    shard_insert(s, p, b, size);
    hpc_lock_drop(&s->lock);
}

static bool over_take(struct hpc_rec *r, uintptr_t p, struct hpc_bucket **b, size_t *size)
{
    struct shard *s = shard_of(r, p);
    hpc_lock_take(&s->lock);
    bool found = s->used && shard_remove(s, p, b, size);
    hpc_lock_drop(&s->lock);
    return found;
}

static bool over_find(struct hpc_rec *r, uintptr_t p, struct hpc_bucket **b, size_t *size)
{
    struct shard *s = shard_of(r, p);
    hpc_lock_take(&s->lock);
    int64_t j = shard_find(s, p);
    if (j >= 0) {
        *b = s->vals[j].b;
        *size = s->vals[j].size;
    }
    hpc_lock_drop(&s->lock);
    return j >= 0;
}

/* ---- sampling free filter ----------------------------------------------------------------- */

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

/* ---- shadow map ------------------------------------------------------------------------------ */

static struct win *win_new(struct hpc_rec *r, size_t w)
{
    struct win *x = hpc_sys_mmap(NULL, sizeof(struct win), PROT_READ | PROT_WRITE,
                                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (x == MAP_FAILED)
        return NULL;
    x->base = (uintptr_t)w << WIN_BITS;
    struct win *expect = NULL;
    if (!atomic_compare_exchange_strong(&r->wins[w], &expect, x)) {
        hpc_sys_munmap(x, sizeof(struct win));
        return expect;
    }
    x->next = atomic_load(&r->win_list);
    while (!atomic_compare_exchange_weak(&r->win_list, &x->next, x))
        ;
    return x;
}

/* p's slot, or NULL if p is outside the map (or its window is not mapped and !create). */
static inline _Atomic uint32_t *slot_of(struct hpc_rec *r, uintptr_t p, bool create)
{
    if (HPC_UNLIKELY((p >> ADDR_BITS) || (p & ((1u << GRAN_BITS) - 1))))
        return NULL;
    size_t w = p >> WIN_BITS;
    struct win *x = atomic_load_explicit(&r->wins[w], memory_order_acquire);
    if (HPC_UNLIKELY(!x) && (!create || !(x = win_new(r, w))))
        return NULL;
    uint32_t i = (uint32_t)(p >> GRAN_BITS) & (WIN_SLOTS - 1);
    if (create) {
        _Atomic uint64_t *t = &x->touched[i / PAGE_SLOTS / 64];
        uint64_t bit = (uint64_t)1 << (i / PAGE_SLOTS % 64);
        if (HPC_UNLIKELY(!(atomic_load_explicit(t, memory_order_relaxed) & bit)))
            atomic_fetch_or_explicit(t, bit, memory_order_relaxed);
    }
    return &x->slot[i];
}

/* glibc's chunk header before p: usable size, and whether the chunk is mmap'd. */
static inline size_t chunk_size_word(uintptr_t p)
{
    return ((const size_t *)p)[-1];
}

static inline size_t usable_of(size_t word)
{
    return (word & ~(size_t)7) - sizeof(size_t);
}

/* Decodes slot value v of the live chunk p. */
static void slot_decode(struct hpc_rec *r, uintptr_t p, uint32_t v, struct hpc_bucket **b,
                        size_t *size, bool take)
{
    *b = bucket_at(r, v >> SLACK_BITS);
    uint32_t slack = v & ((1u << SLACK_BITS) - 1);
    if (HPC_LIKELY(slack <= SLACK_MAX)) {
        *size = usable_of(chunk_size_word(p)) - slack;
        return;
    }
    struct hpc_bucket *ob;
    size_t sz = 0;
    if (take ? over_take(r, p, &ob, &sz) : over_find(r, p, &ob, &sz))
        *size = sz;
    else
        *size = usable_of(chunk_size_word(p));
}

/* Records the malloc chunk p; its previous entry, if any, is overwritten. */
static void put(struct hpc_rec *r, uintptr_t p, struct hpc_bucket *b, size_t size)
{
    if (r->filter)
        filter_add(filter_slot(r, p), 1);
    size_t word = chunk_size_word(p);
    _Atomic uint32_t *slot;
    if (HPC_UNLIKELY(word & 2)) { /* mmap'd chunk: large, rare */
        if ((slot = slot_of(r, p, false)))
            atomic_store_explicit(slot, 0, memory_order_relaxed);
        over_put(r, p, b, size);
        return;
    }
    if (HPC_UNLIKELY(!(slot = slot_of(r, p, true)))) {
        over_put(r, p, b, size);
        return;
    }
    size_t slack = usable_of(word) - size;
    if (HPC_UNLIKELY(slack > SLACK_MAX)) {
        slack = SLACK_MAX + 1;
        over_put(r, p, NULL, size);
    }
    atomic_store_explicit(slot, b->ref << SLACK_BITS | (uint32_t)slack, memory_order_relaxed);
}

/* ---- recorder API ------------------------------------------------------------------------------ */

void hpc_rec_alloc(struct hpc_rec *r, uintptr_t p, size_t size, const uintptr_t *pcs, int depth)
{
    hpc_rec_alloc_key(r, p, size, pcs, depth, r->split_by_size ? size : 0);
}

void hpc_rec_alloc_key(struct hpc_rec *r, uintptr_t p, size_t size, const uintptr_t *pcs,
                       int depth, uint64_t key)
{
    struct hpc_bucket *b = find_bucket(r, pcs, depth, key);
    if (!b)
        return;
    if (r->count)
        hpc_count(b, 1, (int64_t)size, 0, 0);
    put(r, p, b, size);
}

void hpc_rec_alloc_region(struct hpc_rec *r, uintptr_t p, size_t size, const uintptr_t *pcs,
                          int depth)
{
    struct hpc_bucket *b = find_bucket(r, pcs, depth, r->split_by_size ? size : 0);
    if (!b)
        return;
    if (r->count)
        hpc_count(b, 1, (int64_t)size, 0, 0);
    over_put(r, p, b, size);
}

void hpc_rec_free_region(struct hpc_rec *r, uintptr_t p)
{
    struct hpc_bucket *b;
    size_t size;
    if (over_take(r, p, &b, &size) && b)
        hpc_rec_charge_free(b, size);
}

bool hpc_rec_take(struct hpc_rec *r, uintptr_t p, struct hpc_bucket **b, size_t *size)
{
    _Atomic uint8_t *f = NULL;
    if (r->filter) {
        f = filter_slot(r, p);
        if (atomic_load_explicit(f, memory_order_relaxed) == 0)
            return false;
    }
    bool found = true;
    __builtin_prefetch((const char *)p - sizeof(size_t)); /* the chunk header: overlap misses */
    _Atomic uint32_t *slot = slot_of(r, p, false);
    uint32_t v = slot ? atomic_load_explicit(slot, memory_order_relaxed) : 0;
    if (HPC_LIKELY(v)) {
        /* no other thread can free p now, and a checker walking the map re-reads it */
        atomic_store_explicit(slot, 0, memory_order_relaxed);
        slot_decode(r, p, v, b, size, true);
    } else {
        /* mmap'd chunks; a chunk never recorded finds an empty shard most often */
        const volatile struct shard *vs = shard_of(r, p);
        found = vs->used && over_take(r, p, b, size) && *b;
    }
    if (found && f)
        filter_add(f, -1);
    return found;
}

int64_t hpc_rec_find(struct hpc_rec *r, uintptr_t p)
{
    struct hpc_bucket *b;
    size_t size;
    _Atomic uint32_t *slot = slot_of(r, p, false);
    uint32_t v = slot ? atomic_load_explicit(slot, memory_order_relaxed) : 0;
    if (v)
        slot_decode(r, p, v, &b, &size, false);
    else if (!over_find(r, p, &b, &size) || !b)
        return -1;
    return (int64_t)size;
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

/* Calls fn(ctx, p, v) for each non-empty slot of the shadow map. */
static void each_slot(struct hpc_rec *r, void (*fn)(void *ctx, uintptr_t p, uint32_t v),
                      void *ctx)
{
    for (struct win *x = atomic_load(&r->win_list); x; x = x->next) {
        for (uint32_t pg = 0; pg < WIN_SLOTS / PAGE_SLOTS; pg++) {
            if (!(atomic_load_explicit(&x->touched[pg / 64], memory_order_relaxed) &
                  ((uint64_t)1 << (pg % 64))))
                continue;
            for (uint32_t i = pg * PAGE_SLOTS; i < (pg + 1) * PAGE_SLOTS; i++) {
                uint32_t v = atomic_load_explicit(&x->slot[i], memory_order_relaxed);
                if (v)
                    fn(ctx, x->base + ((uintptr_t)i << GRAN_BITS), v);
            }
        }
    }
}

struct live_walk {
    struct hpc_rec *r;
    void (*fn)(void *ctx, uintptr_t p, size_t size, struct hpc_bucket *b);
    void *ctx;
    size_t n;
};

static void live_slot(void *ctx, uintptr_t p, uint32_t v)
{
    struct live_walk *lw = ctx;
    struct hpc_bucket *b;
    size_t size;
    slot_decode(lw->r, p, v, &b, &size, false);
    _Atomic uint32_t *slot = slot_of(lw->r, p, false);
    if (atomic_load_explicit(slot, memory_order_relaxed) == v) /* not freed meanwhile */
        lw->fn(lw->ctx, p, size, b);
}

static void count_slot(void *ctx, uintptr_t p, uint32_t v)
{
    (void)p;
    (void)v;
    ((struct live_walk *)ctx)->n++;
}

void hpc_rec_each_live(struct hpc_rec *r,
                       void (*fn)(void *ctx, uintptr_t p, size_t size, struct hpc_bucket *b),
                       void *ctx)
{
    struct live_walk lw = {r, fn, ctx, 0};
    each_slot(r, live_slot, &lw);
    for (int i = 0; i < NSHARDS; i++) {
        struct shard *s = &r->shards[i];
        hpc_lock_take(&s->lock);
        for (uint32_t j = 0; j < s->cap; j++)
            if (s->keys[j] != KEY_EMPTY && s->vals[j].b)
                fn(ctx, s->keys[j], s->vals[j].size, s->vals[j].b);
        hpc_lock_drop(&s->lock);
    }
}

size_t hpc_rec_live_count(struct hpc_rec *r)
{
    struct live_walk lw = {r, NULL, NULL, 0};
    each_slot(r, count_slot, &lw);
    for (int i = 0; i < NSHARDS; i++)
        lw.n += r->shards[i].used;
    return lw.n;
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
