/*
 * recorder.h - the narrow interface between libheapprof's interposed functions and
 * everything that records (as heaptrack's libheaptrack.h): the malloc and mmap hooks
 * (preload.c, mmaphook.c) call only the hpc_on_* entry points below, after the real call
 * for an allocation, before it for a free; the recorder (recorder.c) decides what is
 * recorded where (sampling, the recursion guard, the heap profiler's, the heap checker's
 * and the mmap tables) and keeps the totals behind the dump triggers. control.c and the
 * checker only consume it: they attach and detach tables, set the trigger limits and read
 * the tables through stacks.c's hpc_rec_* functions.
 *
 * The collector's files in layers; a file calls only into its own layer and those below
 * it, with no cycles between files (tests/collector/layers.py checks both on the objects):
 *   7  control.c      life cycle, heap-profiler API, dumps, fork          (constructor)
 *   6  checkapi.c     HeapLeakChecker's C entry points
 *   5  heapcheck.c    the leak check: roots, marking
 *   4  leakreport.c   the leak report and file          writer.c      the profile text
 *      dumpfiles.c    PREFIX.lock, clean-up             ignores.c     IgnoreObject, cleanups
 *      threads.c      thread registry, stacks, exit     stopworld.c   stopping threads
 *      preload.c      malloc/free/new/delete hooks      mmaphook.c    mmap/munmap/mremap hooks
 *   3  recorder.c     this interface: on_alloc / on_free / on_realloc / on_mmap, totals
 *   2  stacks.c       stack capture, stack and address tables (struct hpc_rec)
 *   1  unwind.c       the cached CFI stack walk     tcache.c   per-thread counter batches
 *   0  base.c, log.c  thread state, kernel memory, locks, sort; logging, formatting, env
 * Everything is declared in hpc.h (layers 0-2, 4-7) or here (layer 3).
 */
#ifndef HPC_RECORDER_H
#define HPC_RECORDER_H

#include "hpc.h"

/* ---- for the hooks --------------------------------------------------------------------- */

extern atomic_int hpc_enabled;               /* a malloc table (profiler or checker) records */
extern struct hpc_rec *_Atomic hpc_mmap_rec; /* HEAP_PROFILE_MMAP regions, NULL if off */

/* Whether the malloc hooks need to call hpc_on_alloc / hpc_on_free / hpc_on_realloc. */
static inline bool hpc_recording(void)
{
    return HPC_UNLIKELY(atomic_load_explicit(&hpc_enabled, memory_order_relaxed));
}
/* Whether the mmap hooks need to call hpc_on_mmap / hpc_on_munmap. */
static inline bool hpc_recording_mmap(void)
{
    return atomic_load_explicit(&hpc_mmap_rec, memory_order_relaxed) != NULL;
}

/* p (size bytes) was just allocated; frame: HPC_FRAME() of the interposed function. */
void hpc_on_alloc(void *p, size_t size, void *const *frame);
/* p is about to be freed. */
void hpc_on_free(void *p);
/* realloc(p, n) for p != NULL, the real call included: the old block leaves the tables
 * before glibc's realloc (once glibc freed it, another thread may get the address), the
 * outcome is recorded after it (a failed call puts the old block back). The hook must not
 * tail-call it: frame is the hook's own frame record, read by the stack capture. */
void *hpc_on_realloc(void *p, size_t n, void *const *frame);
/* A mapping [p, p + len) was made / p was unmapped (HEAP_PROFILE_MMAP). */
void hpc_on_mmap(void *p, size_t len, void *const *frame);
void hpc_on_munmap(void *p);

/* ---- for control.c and the checker ------------------------------------------------------ */

extern struct hpc_rec *_Atomic hpc_prof_rec;  /* heap profiler, NULL if stopped */
extern struct hpc_rec *_Atomic hpc_check_rec; /* heap checker, NULL if off */
extern int hpc_max_depth;                     /* HEAP_PROFILE_MAX_DEPTH */
extern int64_t hpc_sample_period;             /* 0: record every allocation */
extern bool hpc_only_mmap;                    /* HEAP_PROFILE_ONLY_MMAP */

/* Attaches r (NULL: detaches) as the table of slot (&hpc_prof_rec, &hpc_check_rec or
 * &hpc_mmap_rec). A table is never freed while the process runs: a thread that loaded it
 * can keep using it. */
void hpc_recorder_use(struct hpc_rec *_Atomic *slot, struct hpc_rec *r);

/* bytes a sampled block of size stands for (as pprof unsamples heap_v2) */
int64_t hpc_sample_weight(int64_t size);

/* Totals behind the dump triggers, in bytes: kept per thread and added to these in batches
 * of hpc_flush_threshold bytes; after each batch, when a total reaches its limit (or
 * hpc_flush_always), the function given to hpc_recorder_on_limit runs (control.c's dump
 * trigger). Counted only while the heap profiler runs. */
extern atomic_llong hpc_total_alloc, hpc_total_free;
extern atomic_llong hpc_next_alloc, hpc_next_free, hpc_next_inuse; /* set by control.c */
extern int64_t hpc_flush_threshold;
extern bool hpc_flush_always;
/* > 0: a forked child, bytes still to allocate before its exit dump is worth writing */
extern atomic_llong hpc_quiet_left;
void hpc_recorder_on_limit(void (*fn)(void));
void hpc_recorder_reset_totals(void); /* the totals and the calling thread's batch to 0 */

#endif
