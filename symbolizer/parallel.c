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

/* One answer without its frames (those go to the worker's frame array). */
typedef struct answer {
    uint64_t obj_addr, symbol_start, symbol_size, nm_symbol_start;
    const char *symbol, *symbol_raw, *nm_symbol_raw;
    size_t first_frame; /* in frames[worker] */
    uint32_t nframes;
    uint16_t worker;
    bool all_inline_levels;
} answer;

typedef struct worker {
    hp_sym_frame *frames;
    size_t nframes, alloc;
    bool oom;
} worker;

struct hp_sym_batch {
    answer *answers;
    worker *workers;
    unsigned nworkers;
};

typedef struct job {
    const hp_sym_query *q;
    const size_t *order;  /* query indices grouped by object */
    const size_t *groups; /* start of each group in order, ngroups + 1 entries */
    size_t ngroups;
    atomic_size_t next;
    hp_sym_batch *b;
} job;

typedef struct arg {
    job *j;
    unsigned id;
} arg;

static void *work(void *p)
{
    arg *a = p;
    job *j = a->j;
    worker *w = &j->b->workers[a->id];
    hp_sym_result *res = hp_malloc(sizeof(*res));
    if (!res) {
        w->oom = true;
        return NULL;
    }
    for (;;) {
        size_t g = atomic_fetch_add(&j->next, 1);
        if (g >= j->ngroups)
            break;
        for (size_t k = j->groups[g]; k < j->groups[g + 1]; k++) {
            size_t i = j->order[k];
            const hp_sym_query *q = &j->q[i];
            memset(res, 0, offsetof(hp_sym_result, frames));
            hp_symobj_lookup(q->obj, q->map_start, q->map_offset, q->pc, res);
            if (HP_GROW(w->frames, w->alloc, w->nframes + res->nframes) < 0) {
                w->oom = true;
                res->nframes = 0;
            }
            if (res->nframes)
                memcpy(w->frames + w->nframes, res->frames, res->nframes * sizeof(*res->frames));
            j->b->answers[i] = (answer){
                .obj_addr = res->obj_addr,
                .symbol_start = res->symbol_start,
                .symbol_size = res->symbol_size,
                .nm_symbol_start = res->nm_symbol_start,
                .symbol = res->symbol,
                .symbol_raw = res->symbol_raw,
                .nm_symbol_raw = res->nm_symbol_raw,
                .first_frame = w->nframes,
                .nframes = (uint32_t)res->nframes,
                .worker = (uint16_t)a->id,
                .all_inline_levels = res->all_inline_levels,
            };
            w->nframes += res->nframes;
        }
        if (j->groups[g] < j->groups[g + 1])
            hp_symobj_cache_save(j->q[j->order[j->groups[g]]].obj);
    }
    free(res);
    return NULL;
}

typedef struct obj_key {
    uintptr_t obj;
    size_t i;
} obj_key;

static int key_cmp(const void *x, const void *y)
{
    const obj_key *a = x, *b = y;
    if (a->obj != b->obj)
        return a->obj < b->obj ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

unsigned hp_sym_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > HP_SYM_DEFAULT_MAX_THREADS ? HP_SYM_DEFAULT_MAX_THREADS : (unsigned)n;
}

int hp_sym_lookup_batch(const hp_sym_query *q, size_t n, unsigned threads, hp_sym_batch **ret)
{
    hp_return_if_fail(ret && (q || !n), -EINVAL);
    if (!threads)
        threads = hp_sym_default_threads();
    if (threads > HP_SYM_MAX_THREADS)
        threads = HP_SYM_MAX_THREADS;
    hp_sym_batch *b = hp_new0(hp_sym_batch, 1);
    obj_key *keys = hp_new0(obj_key, n ? n : 1);
    size_t *order = hp_new0(size_t, n ? n : 1), *groups = hp_new0(size_t, n + 1);
    int r = -ENOMEM;
    if (!b || !keys || !order || !groups || !(b->answers = hp_new0(answer, n ? n : 1)))
        goto out;
    for (size_t i = 0; i < n; i++)
        keys[i] = (obj_key){(uintptr_t)q[i].obj, i};
    qsort(keys, n, sizeof(*keys), key_cmp);
    job j = {.q = q, .order = order, .groups = groups, .b = b};
    for (size_t k = 0; k < n; k++) {
        order[k] = keys[k].i;
        if (!k || keys[k].obj != keys[k - 1].obj)
            groups[j.ngroups++] = k;
    }
    groups[j.ngroups] = n;
    atomic_init(&j.next, 0);
    if (threads > j.ngroups)
        threads = j.ngroups ? (unsigned)j.ngroups : 1;
    b->nworkers = threads;
    if (!(b->workers = hp_new0(worker, threads)))
        goto out;
    arg args[HP_SYM_MAX_THREADS];
    pthread_t tids[HP_SYM_MAX_THREADS];
    unsigned started = 0;
    for (unsigned t = 0; t < threads; t++)
        args[t] = (arg){&j, t};
    for (unsigned t = 1; t < threads; t++, started++) {
        if (pthread_create(&tids[t], NULL, work, &args[t]) != 0)
            break; /* the threads started (and this one) do the work */
    }
    work(&args[0]);
    for (unsigned t = 1; t <= started; t++)
        pthread_join(tids[t], NULL);
    r = 0;
    for (unsigned t = 0; t < threads; t++)
        r = b->workers[t].oom ? -ENOMEM : r;
out:
    free(keys);
    free(order);
    free(groups);
    if (r < 0)
        hp_sym_batch_free(b);
    else
        *ret = b;
    return r;
}

void hp_sym_batch_get(const hp_sym_batch *b, size_t i, hp_sym_result *ret)
{
    const answer *a = &b->answers[i];
    ret->obj_addr = a->obj_addr;
    ret->nframes = a->nframes;
    if (a->nframes)
        memcpy(ret->frames, b->workers[a->worker].frames + a->first_frame,
               a->nframes * sizeof(*ret->frames));
    ret->symbol = a->symbol;
    ret->symbol_raw = a->symbol_raw;
    ret->symbol_start = a->symbol_start;
    ret->symbol_size = a->symbol_size;
    ret->nm_symbol_raw = a->nm_symbol_raw;
    ret->nm_symbol_start = a->nm_symbol_start;
    ret->all_inline_levels = a->all_inline_levels;
}

hp_sym_batch *hp_sym_batch_free(hp_sym_batch *b)
{
    if (!b)
        return NULL;
    for (unsigned t = 0; b->workers && t < b->nworkers; t++)
        free(b->workers[t].frames);
    free(b->workers);
    free(b->answers);
    free(b);
    return NULL;
}
