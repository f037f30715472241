/*
 * parallel.c - looks up many (object, address) queries at once, the objects
 * spread over worker threads. Every object is looked up by one thread only
 * (an object's tables, libdwarf session and string table are its own, see
 * symbolizer.c), so objects need no locks; answers are stored per query, in
 * query order, so the result does not depend on the number of threads or on
 * scheduling: threads = 1 runs the same code in the calling thread.
 */
#include "hp_common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "symbolizer-internal.h"

/* One answer without its frames (those go to the worker's frame array):
 * 32 bytes, a cache line holds two (answers are written in lookup order,
 * that is scattered, and read in query order). */
typedef struct answer {
    uint64_t obj_addr;
    const hp_elfsym *sym, *nm; /* named: symbol is sym->name (else raw) */
    uint64_t where;            /* first frame << 16 | worker << 8 | nframes << 1 | all levels */
} answer;
#define WHERE_FIRST_MAX (UINT64_C(1) << 48)
_Static_assert(HP_SYM_MAX_THREADS <= 256 && HP_SYM_MAX_FRAMES < 128, "answer.where's fields");

/* A worker's frames, in blocks that never move (an asynchronous batch's
 * reader holds pointers into them while the worker goes on): frame number
 * f is blocks[f / FRAME_BLOCK][f % FRAME_BLOCK]; an answer's frames are in
 * one block. The block table is sized for the batch at once. */
#define FRAME_BLOCK_BYTES ((size_t)2 << 20) /* a huge page (hp_malloc_huge) */
#define FRAME_BLOCK ((size_t)1 << 16)       /* frames in one: a power of two (division) */
_Static_assert(FRAME_BLOCK * sizeof(hp_sym_frame) <= FRAME_BLOCK_BYTES, "a block holds its frames");
typedef struct worker {
    hp_sym_frame **blocks;
    size_t nblocks; /* room in blocks[] */
    size_t nframes; /* the next frame's number */
    bool oom;
} worker;

#define SORT_WINDOW 32768 /* queries sorted together (sort_keys) */

struct run;

/* answers[i] is query i's */
struct hp_sym_batch {
    answer *answers;
    size_t n;
    worker *workers;
    unsigned nworkers;
    struct run *run; /* the lookups, until hp_sym_batch_wait */
    int status;      /* hp_sym_batch_wait's */
    /* answered while looked up (hp_sym_lookup_batch_in_async): left[w], the
     * answers of window w of SORT_WINDOW queries not made yet; running,
     * the threads not done; mu and cv, to wait for either */
    atomic_size_t *left;
    size_t nwindows;
    atomic_uint running;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

/* Queries are grouped by object and, within one, looked up in address
 * order: in a random order every bisection step over the CU index, scope
 * segments, line rows and symbols is a cache miss (half of a warm-cache run
 * of scripts/bench-symbolize). A key holds all a lookup needs (the object
 * is its group's), so a worker reads no query; answers are stored in query
 * order, which their reader follows. The order changes no answer. */
typedef struct key {
    uint64_t addr; /* the object-relative address looked up */
    uint32_t obj;  /* object number, in order of first appearance */
    uint32_t i;    /* query */
} key;
_Static_assert(offsetof(key, addr) == 0, "hp_symobj_decode_ahead reads the address first");

typedef struct job {
    const key *keys;      /* sorted by object, then address */
    const size_t *groups; /* start of each object's run in keys, ngroups + 1 entries */
    hp_symobj *const *objs; /* the object of each group (object number = group) */
    size_t ngroups;
    atomic_size_t next;
    atomic_int spare; /* threads allowed but not working: one may help decode */
    /* keys[0..sorted) are in their final order: an asynchronous batch of
     * one object sorts its later windows while the first are looked up */
    atomic_size_t sorted;
    hp_sym_batch *b;
} job;

typedef struct arg {
    job *j;
    unsigned id;
} arg;

static size_t keys_sorted(job *j, size_t want);

/* With a spare thread: the CUs group g needs, decoded on two threads. */
static void decode_ahead(job *j, size_t g)
{
    if (!hp_symobj_decodes_ahead(j->objs[g]))
        return;
    int spare = atomic_load(&j->spare);
    while (spare > 0 && !atomic_compare_exchange_weak(&j->spare, &spare, spare - 1))
        ;
    if (spare <= 0)
        return;
    size_t lo = j->groups[g];
    keys_sorted(j, j->groups[g + 1]); /* it reads them all */
    hp_symobj_decode_ahead(j->objs[g], j->keys + lo, j->groups[g + 1] - lo, sizeof(key));
    atomic_fetch_add(&j->spare, 1);
}

#define AHEAD 8 /* lookups: a prefetch of the tables' buckets at 2 * AHEAD,
                 * of their elements at AHEAD */
/* Wakes the threads waiting on b->cv: the reader, for answers; a worker,
 * for sorted keys (keys_sorted). */
static void wake_waiters(hp_sym_batch *b)
{
    pthread_mutex_lock(&b->mu);
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

/* made answers of window w are written (an answer's writes come before its
 * count: release). */
static void answers_made(hp_sym_batch *b, size_t w, size_t made)
{
    if (made && atomic_fetch_sub_explicit(&b->left[w], made, memory_order_release) == made)
        wake_waiters(b);
}

/* Waits until keys[0..want) are sorted (sort_later); what is sorted. */
static size_t keys_sorted(job *j, size_t want)
{
    size_t s = atomic_load_explicit(&j->sorted, memory_order_acquire);
    if (s >= want)
        return s;
    pthread_mutex_lock(&j->b->mu);
    while ((s = atomic_load_explicit(&j->sorted, memory_order_acquire)) < want)
        pthread_cond_wait(&j->b->cv, &j->b->mu);
    pthread_mutex_unlock(&j->b->mu);
    return s;
}

/* Room for an answer's frames at w->nframes (moved to the next block when
 * the rest of this one may be too small); NULL: out of memory. */
static hp_sym_frame *frame_room(worker *w)
{
    size_t b = w->nframes / FRAME_BLOCK;
    if (w->nframes % FRAME_BLOCK > FRAME_BLOCK - HP_SYM_MAX_FRAMES)
        w->nframes = ++b * FRAME_BLOCK;
    if (b >= w->nblocks || w->nframes >= WHERE_FIRST_MAX) {
        w->oom = true;
        return NULL;
    }
    if (!w->blocks[b] && !(w->blocks[b] = hp_malloc_huge(FRAME_BLOCK_BYTES))) {
        w->oom = true;
        return NULL;
    }
    return w->blocks[b] + w->nframes % FRAME_BLOCK;
}

static void *work(void *p)
{
    arg *a = p;
    job *j = a->j;
    worker *w = &j->b->workers[a->id];
    for (;;) {
        size_t g = atomic_fetch_add(&j->next, 1);
        if (g >= j->ngroups)
            break;
        decode_ahead(j, g);
        hp_dw_extent far = {0}, near = {0}; /* the CUs the prefetches last found */
        hp_sym_cursor cur = {0};                /* and the lookups */
        size_t window = SIZE_MAX, made = 0; /* answers made in window, not counted yet */
        /* what the loop reads, in locals: the calls could change it for all the compiler knows */
        hp_symobj *o = j->objs[g];
        const key *keys = j->keys;
        answer *answers = j->b->answers;
        bool counted = j->b->left; /* answers made are counted per window */
        uint64_t levels = hp_symobj_all_inline_levels(o), who = (uint64_t)a->id << 8 | levels;
        size_t sorted = 0; /* keys known to be sorted: the loop reads up to 2 * AHEAD ahead */
        for (size_t k = j->groups[g], end = j->groups[g + 1]; k < end; k++) {
            if (k + 2 * AHEAD >= sorted)
                sorted = keys_sorted(j, k + 2 * AHEAD < end ? k + 2 * AHEAD + 1 : end);
            /* the tables' cache misses of later lookups, started now */
            if (k + 2 * AHEAD < end) {
                hp_symobj_prefetch(o, keys[k + 2 * AHEAD].addr, false, &far);
                __builtin_prefetch(&answers[keys[k + 2 * AHEAD].i], 1);
            }
            if (k + AHEAD < end)
                hp_symobj_prefetch(o, keys[k + AHEAD].addr, true, &near);
            /* the frames go straight to the worker's blocks */
            hp_sym_frame *to = frame_room(w);
            if (!to)
                break;
            hp_sym_found f;
            uint32_t i = keys[k].i;
            hp_symobj_answer_to(o, keys[k].addr, to, &cur, &f);
            answers[i] = (answer){
                .obj_addr = keys[k].addr,
                .sym = f.sym,
                .nm = f.nm,
                .where = (uint64_t)w->nframes << 16 | f.nframes << 1 | who,
            };
            w->nframes += f.nframes;
            if (counted && i / SORT_WINDOW != window) {
                answers_made(j->b, window, made);
                window = i / SORT_WINDOW;
                made = 0;
            }
            made++;
        }
        if (counted)
            answers_made(j->b, window, made);
        if (j->groups[g] < j->groups[g + 1])
            hp_symobj_cache_save(j->objs[g]);
    }
    atomic_fetch_add(&j->spare, 1); /* this thread is done */
    if (j->b->left && atomic_fetch_sub(&j->b->running, 1) == 1)
        wake_waiters(j->b); /* the last one: what is not made will not be */
    return NULL;
}

/* ---- ordering ------------------------------------------------------------- */

typedef struct obj_slot {
    const hp_symobj *obj;
    uint32_t id;
} obj_slot;

/* Slot of obj in the open-addressing table tab[0..cap), cap a power of two:
 * its own or the empty one where it goes. */
static obj_slot *obj_slot_of(obj_slot *tab, size_t cap, const hp_symobj *obj)
{
    size_t k = (size_t)(((uintptr_t)obj >> 4) * 0x9e3779b97f4a7c15u >> 17) & (cap - 1);
    while (tab[k].obj && tab[k].obj != obj)
        k = (k + 1) & (cap - 1);
    return &tab[k];
}

/* Numbers the objects of q[0..n) in order of first appearance into
 * keys[].obj. Returns: their count, or 0 when out of memory. */
static size_t number_objects(const hp_sym_query *q, size_t n, key *keys)
{
    size_t cap = 64, count = 0;
    obj_slot *tab = hp_new0(obj_slot, cap);
    if (!tab)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (i && q[i].obj == q[i - 1].obj) { /* the usual case: runs of one object */
            keys[i].obj = keys[i - 1].obj;
            continue;
        }
        obj_slot *sl = obj_slot_of(tab, cap, q[i].obj);
        if (!sl->obj) {
            *sl = (obj_slot){q[i].obj, (uint32_t)count++};
            if (count * 2 > cap) { /* at most half full: rehash into twice the size */
                obj_slot *bigger = hp_new0(obj_slot, cap * 2);
                if (!bigger) {
                    free(tab);
                    return 0;
                }
                for (size_t m = 0; m < cap; m++)
                    if (tab[m].obj)
                        *obj_slot_of(bigger, cap * 2, tab[m].obj) = tab[m];
                free(tab);
                tab = bigger;
                cap *= 2;
                sl = obj_slot_of(tab, cap, q[i].obj);
            }
        }
        keys[i].obj = sl->id;
    }
    free(tab);
    return count ? count : 1;
}

/* Stable LSD radix sort of keys[0..n) by address: only over the bits in
 * which the addresses differ, in as few passes of at most RADIX_BITS as
 * they need (a window of a 5 MB text: two), every pass's counts from one
 * read, keys and tmp taking turns as the source; tmp has room for n keys. */
#define RADIX_BITS 12
_Static_assert((64 + RADIX_BITS - 1) / RADIX_BITS <= 6, "sort_by_addr's counts");
static void sort_by_addr(key *keys, key *tmp, size_t n)
{
    uint64_t differ = 0;
    for (size_t i = 1; i < n; i++)
        differ |= keys[i].addr ^ keys[0].addr;
    if (!differ)
        return;
    unsigned low = (unsigned)__builtin_ctzll(differ), high = 64 - (unsigned)__builtin_clzll(differ);
    unsigned passes = (high - low + RADIX_BITS - 1) / RADIX_BITS;
    unsigned bits = (high - low + passes - 1) / passes;
    uint64_t mask = (UINT64_C(1) << bits) - 1;
    uint32_t count[6][1u << RADIX_BITS];
    memset(count, 0, sizeof(count[0]) * passes);
    for (size_t i = 0; i < n; i++)
        for (unsigned p = 0; p < passes; p++)
            count[p][(keys[i].addr >> (low + p * bits)) & mask]++;
    key *from = keys, *to = tmp;
    for (unsigned p = 0; p < passes; p++) {
        uint32_t *c = count[p];
        for (size_t b = 0, sum = 0; b <= mask; b++) {
            uint32_t k = c[b];
            c[b] = (uint32_t)sum;
            sum += k;
        }
        unsigned shift = low + p * bits;
        for (size_t i = 0; i < n; i++)
            to[c[(from[i].addr >> shift) & mask]++] = from[i];
        key *t = from;
        from = to;
        to = t;
    }
    if (from != keys)
        memcpy(keys, from, n * sizeof(*keys));
}

/* Sorts keys[0..n) (in query order) by object, then by window of
 * SORT_WINDOW queries, then by address; tmp has room for n keys, start for
 * nobjs counts. Sorting
 * within windows keeps most of the table reads of neighbouring lookups
 * shared while an object's answers for one window stay close together
 * (their consumer reads them in query order: one window at a time). */
static void sort_keys(key *keys, key *tmp, size_t *start, size_t n, size_t nobjs)
{
    for (size_t w = 0; w < n; w += SORT_WINDOW)
        sort_by_addr(keys + w, tmp, n - w < SORT_WINDOW ? n - w : SORT_WINDOW);
    if (nobjs < 2)
        return;
    for (size_t i = 0; i < n; i++)
        start[keys[i].obj]++;
    for (size_t b = 0, sum = 0; b < nobjs; b++) {
        size_t c = start[b];
        start[b] = sum;
        sum += c;
    }
    for (size_t i = 0; i < n; i++)
        tmp[start[keys[i].obj]++] = keys[i];
    memcpy(keys, tmp, n * sizeof(*keys));
}

unsigned hp_sym_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > HP_SYM_DEFAULT_MAX_THREADS ? HP_SYM_DEFAULT_MAX_THREADS : (unsigned)n;
}

_Static_assert(sizeof(answer) >= sizeof(key), "the sort's scratch keys fit in the answers");

/* A batch's lookups: what its threads share, kept until they are done. */
typedef struct run {
    job j;
    key *keys;
    size_t *groups;
    hp_symobj **objs;
    arg args[HP_SYM_MAX_THREADS];
    pthread_t tids[HP_SYM_MAX_THREADS];
    unsigned nthreads; /* threads started */
} run;

/* Waits for b's threads, frees what they shared; b->status. */
static int finish(hp_sym_batch *b)
{
    run *u = b->run;
    if (!u)
        return b->status;
    for (unsigned t = 0; t < u->nthreads; t++)
        pthread_join(u->tids[t], NULL);
    b->status = b->workers ? 0 : -ENOMEM;
    for (unsigned t = 0; b->workers && t < b->nworkers; t++)
        b->status = b->workers[t].oom ? -ENOMEM : b->status;
    free(u->keys);
    free(u->groups);
    free(u->objs);
    free(u);
    b->run = NULL;
    return b->status;
}

/* The answers of window w are made: true; false when they never will be
 * (a thread ran out of memory). */
static bool window_made(hp_sym_batch *b, size_t w)
{
    if (atomic_load_explicit(&b->left[w], memory_order_acquire) == 0)
        return true;
    pthread_mutex_lock(&b->mu);
    while (atomic_load_explicit(&b->left[w], memory_order_acquire) != 0 &&
           atomic_load(&b->running) != 0)
        pthread_cond_wait(&b->cv, &b->mu);
    pthread_mutex_unlock(&b->mu);
    return atomic_load_explicit(&b->left[w], memory_order_acquire) == 0;
}

/* The windows of keys from the first unsorted one on, sorted (the keys of
 * one object), each published when done: a worker may be looking up the
 * ones before. The scratch of window w is its queries' answers, written
 * only once it is sorted. */
static void sort_later(job *j, size_t n)
{
    key *keys = (key *)j->keys;
    for (size_t w = atomic_load(&j->sorted); w < n; w += SORT_WINDOW) {
        size_t e = n - w < SORT_WINDOW ? n : w + SORT_WINDOW;
        sort_by_addr(keys + w, (key *)(void *)(j->b->answers + w), e - w);
        atomic_store_explicit(&j->sorted, e, memory_order_release);
        if (j->b->left)
            wake_waiters(j->b);
    }
}

/* Looks up keys[0..n) (addresses and query numbers set, objects numbered
 * 0..nobjs-1: objs[]) into a new batch *ret; takes keys and objs. async:
 * every lookup on threads of the batch's own, *ret returned at once. */
static int run_batch(key *keys, size_t n, hp_symobj **objs, size_t nobjs, unsigned threads,
                     bool async, hp_sym_batch **ret)
{
    if (!threads)
        threads = hp_sym_default_threads();
    if (threads > HP_SYM_MAX_THREADS)
        threads = HP_SYM_MAX_THREADS;
    hp_sym_batch *b = hp_new0(hp_sym_batch, 1);
    run *u = hp_new0(run, 1);
    size_t *groups = hp_new0(size_t, n + 1);
    size_t *start = hp_new0(size_t, nobjs);
    int r = -ENOMEM;
    /* every answer is written (the batch is freed otherwise): no zeroing;
     * until then its memory is the sort's scratch (fewer fresh pages) */
    if (!b || !u || !groups || !start ||
        !(b->answers = hp_malloc_huge(sizeof(answer) * (n ? n : 1))))
        goto fail;
    /* asynchronous, one object: the first window sorted now, the rest
     * while it is looked up (sort_later) */
    size_t first = async && nobjs == 1 && n > SORT_WINDOW ? SORT_WINDOW : n;
    sort_keys(keys, (key *)(void *)b->answers, start, first, nobjs);
    free(start);
    start = NULL;
    *u = (run){.j = {.keys = keys, .groups = groups, .objs = objs, .b = b},
               .keys = keys, .groups = groups, .objs = objs};
    b->run = u;
    keys = NULL, groups = NULL, objs = NULL; /* the run's */
    job *j = &u->j;
    for (size_t k = 0; k < n; k++) {
        if (!k || u->keys[k].obj != u->keys[k - 1].obj) /* group g: object number g */
            u->groups[j->ngroups++] = k;
    }
    u->groups[j->ngroups] = n;
    atomic_init(&j->next, 0);
    atomic_init(&j->sorted, first);
    unsigned allowed = threads;
    if (threads > j->ngroups)
        threads = j->ngroups ? (unsigned)j->ngroups : 1;
    atomic_init(&j->spare, (int)(allowed - threads));
    b->nworkers = threads;
    b->n = n;
    if (!(b->workers = hp_new0(worker, threads)))
        goto fail;
    /* blocks for every query with the most frames: never more are needed */
    size_t nblocks = n / (FRAME_BLOCK / HP_SYM_MAX_FRAMES - 1) + 1;
    for (unsigned t = 0; t < threads; t++) {
        if (!(b->workers[t].blocks = hp_new0(hp_sym_frame *, nblocks)))
            goto fail;
        b->workers[t].nblocks = nblocks;
    }
    b->nwindows = (n + SORT_WINDOW - 1) / SORT_WINDOW;
    if (async && b->nwindows && (b->left = hp_malloc(b->nwindows * sizeof(*b->left)))) {
        for (size_t w = 0; w < b->nwindows; w++)
            atomic_init(&b->left[w], w + 1 < b->nwindows ? SORT_WINDOW : n - w * SORT_WINDOW);
        atomic_init(&b->running, 0);
        pthread_mutex_init(&b->mu, NULL);
        pthread_cond_init(&b->cv, NULL);
    }
    if (!b->left) /* no thread may wait (no b->cv): every key sorted first */
        sort_later(j, n);
    for (unsigned t = 0; t < threads; t++)
        u->args[t] = (arg){j, t};
    /* async: every worker a thread; else the calling thread is worker 0
     * (the threads started take every group between them) */
    for (unsigned t = b->left ? 0 : 1; t < threads; t++, u->nthreads++) {
        if (b->left)
            atomic_fetch_add(&b->running, 1);
        if (pthread_create(&u->tids[u->nthreads], NULL, work, &u->args[t]) != 0) {
            if (b->left)
                atomic_fetch_sub(&b->running, 1);
            break;
        }
    }
    sort_later(j, n); /* async: while the threads look up the first window */
    if (!b->left || !u->nthreads) { /* here, before returning */
        if (b->left)
            atomic_fetch_add(&b->running, 1);
        work(&u->args[0]);
    }
    if (!b->left && (r = finish(b)) < 0) {
        u = NULL; /* freed by finish */
        goto fail;
    }
    *ret = b;
    return 0;
fail:
    free(keys);
    free(groups);
    free(objs);
    free(start);
    if (!b || b->run != u)
        free(u);
    hp_sym_batch_free(b);
    return r;
}

int hp_sym_lookup_batch(const hp_sym_query *q, size_t n, unsigned threads, hp_sym_batch **ret)
{
    hp_return_if_fail(ret && (q || !n), -EINVAL);
    if (n >= UINT32_MAX)
        return -EOVERFLOW;
    key *keys = hp_malloc_huge(sizeof(key) * (n ? n : 1)); /* every field set below */
    size_t nobjs = keys ? number_objects(q, n, keys) : 0;
    hp_symobj **objs = nobjs ? hp_new0(hp_symobj *, nobjs) : NULL;
    if (!objs) {
        free(keys);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        keys[i].addr = q[i].in_object ? q[i].pc
                                      : hp_symobj_obj_addr(q[i].obj, q[i].map_start,
                                                           q[i].map_offset, q[i].pc);
        keys[i].i = (uint32_t)i;
        objs[keys[i].obj] = q[i].obj;
    }
    return run_batch(keys, n, objs, nobjs, threads, false, ret);
}

/* Keys of n object-relative addresses in o: *ret_keys, *ret_objs. */
static int keys_in(hp_symobj *o, const uint64_t *obj_addrs, size_t n, key **ret_keys,
                   hp_symobj ***ret_objs)
{
    if (n >= UINT32_MAX)
        return -EOVERFLOW;
    key *keys = hp_malloc_huge(sizeof(key) * (n ? n : 1));
    hp_symobj **objs = hp_new0(hp_symobj *, 1);
    if (!keys || !objs) {
        free(keys);
        free(objs);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        keys[i] = (key){.addr = obj_addrs[i], .obj = 0, .i = (uint32_t)i};
    objs[0] = o;
    *ret_keys = keys;
    *ret_objs = objs;
    return 0;
}

int hp_sym_lookup_batch_in(hp_symobj *o, const uint64_t *obj_addrs, size_t n, unsigned threads,
                           hp_sym_batch **ret)
{
    hp_return_if_fail(o && ret && (obj_addrs || !n), -EINVAL);
    key *keys;
    hp_symobj **objs;
    int r = keys_in(o, obj_addrs, n, &keys, &objs);
    return r < 0 ? r : run_batch(keys, n, objs, 1, threads, false, ret);
}

int hp_sym_lookup_batch_in_async(hp_symobj *o, const uint64_t *obj_addrs, size_t n,
                                 unsigned threads, hp_sym_batch **ret)
{
    hp_return_if_fail(o && ret && (obj_addrs || !n), -EINVAL);
    key *keys;
    hp_symobj **objs;
    int r = keys_in(o, obj_addrs, n, &keys, &objs);
    return r < 0 ? r : run_batch(keys, n, objs, 1, threads, true, ret);
}

int hp_sym_batch_wait(hp_sym_batch *b)
{
    hp_return_if_fail(b, -EINVAL);
    return finish(b);
}

#define PREFETCH_FAR 16
#define PREFETCH_NEAR 6
/* The frames of answer a. */
static const hp_sym_frame *frames_of(const hp_sym_batch *b, const answer *a)
{
    size_t f = (size_t)(a->where >> 16);
    return b->workers[(a->where >> 8) & 0xff].blocks[f / FRAME_BLOCK] + f % FRAME_BLOCK;
}

/* Whether answer i is made (only a batch answered while looked up waits). */
static bool made(const hp_sym_batch *b, size_t i)
{
    return !b->left || window_made((hp_sym_batch *)b, i / SORT_WINDOW);
}

const hp_sym_frame *hp_sym_batch_answer(const hp_sym_batch *b, size_t i, hp_sym_result *ret)
{
    if (!made(b, i)) { /* never made (out of memory): no answer */
        memset(ret, 0, offsetof(hp_sym_result, frames));
        return NULL;
    }
    const answer *a = &b->answers[i];
    /* readers go in query order, the frames lie in lookup (address) order:
     * fetch a later answer's frames and symbol, and the names of a nearer
     * one's, now */
    if (i + PREFETCH_FAR < b->n &&
        (!b->left || atomic_load_explicit(&b->left[(i + PREFETCH_FAR) / SORT_WINDOW],
                                          memory_order_acquire) == 0)) {
        const answer *far = &b->answers[i + PREFETCH_FAR];
        __builtin_prefetch(frames_of(b, far));
        __builtin_prefetch(far->sym);
    }
    if (i + PREFETCH_NEAR < b->n &&
        (!b->left || atomic_load_explicit(&b->left[(i + PREFETCH_NEAR) / SORT_WINDOW],
                                          memory_order_acquire) == 0)) {
        const answer *near = &b->answers[i + PREFETCH_NEAR];
        const hp_sym_frame *f = frames_of(b, near);
        if (near->where & 0xfe) {
            __builtin_prefetch(f->function);
            __builtin_prefetch(f->file);
        }
    }
    ret->obj_addr = a->obj_addr;
    ret->nframes = (a->where >> 1) & 0x7f;
    hp_sym_result_symbols(a->sym, a->nm, a->where & 1, ret);
    return frames_of(b, a);
}

hp_sym_batch *hp_sym_batch_free(hp_sym_batch *b)
{
    if (!b)
        return NULL;
    finish(b);
    if (b->left) {
        pthread_mutex_destroy(&b->mu);
        pthread_cond_destroy(&b->cv);
        free(b->left);
    }
    for (unsigned t = 0; b->workers && t < b->nworkers; t++) {
        worker *w = &b->workers[t];
        for (size_t k = 0; w->blocks && k < w->nblocks; k++)
            free(w->blocks[k]);
        free(w->blocks);
    }
    free(b->workers);
    free(b->answers);
    free(b);
    return NULL;
}
