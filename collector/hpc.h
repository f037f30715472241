/*
 * hpc.h - internal interface of libheapprof, the preload heap collector (all but the
 * recorder's, recorder.h, which also lists the collector's layers).
 *
 * Invariants shared by every file of collector/:
 *   - Nothing here calls malloc: tables and buffers come from mmap, output goes through
 *     write(2). The collector includes no header of the rest of the project.
 *   - A thread that is inside the collector has hpc_tls.busy != 0; allocations it makes
 *     are forwarded to glibc without being recorded (recursion guard, recorder.c).
 *   - A table ("struct hpc_rec", stacks.c) owns a de-duplicating stack table (buckets) and
 *     an address table (live allocation -> bucket, size). The heap profiler, the heap
 *     checker and HEAP_PROFILE_MMAP each own one, attached to the recorder (recorder.h);
 *     a table is never freed while the process runs, so a thread that loaded a table
 *     pointer can keep using it.
 */
#ifndef HPC_H
#define HPC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HPC_EXPORT     __attribute__((visibility("default")))
#define HPC_TLS        __thread __attribute__((tls_model("initial-exec")))
#define HPC_LIKELY(x)  __builtin_expect(!!(x), 1)
#define HPC_UNLIKELY(x) __builtin_expect(!!(x), 0)

#define HPC_MAX_DEPTH 256 /* hard upper bound for HEAP_PROFILE_MAX_DEPTH */

/* ---- spinlock ------------------------------------------------------------------------- */
typedef struct {
    atomic_int v;
} hpc_lock;

void hpc_lock_slow(hpc_lock *l);
static inline void hpc_lock_take(hpc_lock *l)
{
    if (HPC_LIKELY(!atomic_exchange_explicit(&l->v, 1, memory_order_acquire)))
        return;
    hpc_lock_slow(l);
}
static inline bool hpc_lock_try(hpc_lock *l)
{
    return !atomic_exchange_explicit(&l->v, 1, memory_order_acquire);
}
static inline void hpc_lock_drop(hpc_lock *l)
{
    atomic_store_explicit(&l->v, 0, memory_order_release);
}

/* ---- per-thread state --------------------------------------------------------------- */
struct hpc_tcache;
struct hpc_thread {
    struct hpc_tcache *tc; /* pending bucket counts (tcache.c), NULL until first use */
    int busy;            /* recursion guard */
    int64_t sample_left; /* bytes until the next sampled allocation */
    uint64_t rng;        /* sampler PRNG state, 0 = not seeded */
    int64_t pend_alloc;  /* allocated bytes not yet added to the global totals */
    int64_t pend_free;   /* freed bytes not yet added to the global totals */
    int disabled;        /* HeapLeakChecker::Disabler depth */
};
extern HPC_TLS struct hpc_thread hpc_tls;

/* ---- memory (base.c) ------------------------------------------------------------------- */
void *hpc_mmap(size_t n);       /* zeroed pages or NULL */
/* The kernel's calls, bypassing the interposed mmap family (mmaphook.c). */
void *hpc_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int hpc_sys_munmap(void *addr, size_t len);
void *hpc_sys_mremap(void *old, size_t old_len, size_t new_len, int flags, void *new_addr);
void hpc_munmap(void *p, size_t n);
void hpc_usable_size_init(void); /* resolves glibc's malloc_usable_size (hpc_init) */
size_t hpc_usable_size(void *p); /* glibc's malloc_usable_size */

/* Allocation-free heap sort (glibc's qsort may malloc): afterwards before(a[i], a[j])
 * is false for every i > j. Elements of at most 64 bytes. */
typedef bool (*hpc_before_fn)(const void *a, const void *b, void *arg);
void hpc_heapsort(void *base, size_t n, size_t size, hpc_before_fn before, void *arg);

/* ---- tables (stacks.c) -------------------------------------------------------------- */
struct hpc_bucket {
    struct hpc_bucket *_Atomic next; /* hash chain */
    struct hpc_bucket *all_next;     /* list of every bucket, newest first */
    uint64_t hash;
    uint64_t size_key; /* object size when buckets are split by size (sampling), else 0 */
    atomic_llong allocs, alloc_bytes, frees, free_bytes;
    uint32_t depth;
    uint32_t ref;  /* compact reference: slab number << 16 | offset in the slab / 16 */
    bool counted; /* a heap-profiler bucket: counters kept (the checker's are not) */
    uintptr_t pcs[];
};

struct hpc_rec;
/* split_by_size: one bucket per (stack, size); filter: the sampling free filter;
 * count: keep per-bucket counters (heap profiler) or only the live table (checker). */
struct hpc_rec *hpc_rec_new(bool split_by_size, bool filter, bool count);
/* Records p (size bytes) allocated at stack pcs[0..depth). */
void hpc_rec_alloc(struct hpc_rec *r, uintptr_t p, size_t size, const uintptr_t *pcs, int depth);
/* Recorders hold malloc chunks of glibc (their header gives the usable size); mmap'd
 * regions go through these two instead. */
void hpc_rec_alloc_region(struct hpc_rec *r, uintptr_t p, size_t size, const uintptr_t *pcs,
                          int depth);
void hpc_rec_free_region(struct hpc_rec *r, uintptr_t p);
/* Same with an explicit bucket key (the checker's HPC_KEY_IGNORED). */
void hpc_rec_alloc_key(struct hpc_rec *r, uintptr_t p, size_t size, const uintptr_t *pcs,
                       int depth, uint64_t key);
/* Size of the live block starting at p, or -1. */
int64_t hpc_rec_find(struct hpc_rec *r, uintptr_t p);
/* Removes p; returns its size or -1 if unknown. account: charge the free to the bucket. */
int64_t hpc_rec_free(struct hpc_rec *r, uintptr_t p);
/* Removes p without charging a free; *b and *size receive what it was (realloc support). */
bool hpc_rec_take(struct hpc_rec *r, uintptr_t p, struct hpc_bucket **b, size_t *size);
void hpc_rec_put_back(struct hpc_rec *r, uintptr_t p, struct hpc_bucket *b, size_t size);
void hpc_rec_charge_free(struct hpc_bucket *b, size_t size);
struct hpc_bucket *hpc_rec_buckets(struct hpc_rec *r); /* head of the all-buckets list */
/* Calls fn for every live allocation (under each shard lock in turn). */
void hpc_rec_each_live(struct hpc_rec *r,
                       void (*fn)(void *ctx, uintptr_t p, size_t size, struct hpc_bucket *b),
                       void *ctx);
size_t hpc_rec_live_count(struct hpc_rec *r);
void hpc_rec_lock_all(struct hpc_rec *r);   /* fork: prepare */
void hpc_rec_unlock_all(struct hpc_rec *r); /* fork: parent and child */

/* Per-thread counter batching (tcache.c). */
void hpc_count_init(void);
void hpc_count(struct hpc_bucket *b, int64_t allocs, int64_t abytes, int64_t frees,
               int64_t fbytes);
void hpc_count_sync(void); /* every thread's pending counts into the buckets (before dumps) */
void hpc_count_lock_all(void);   /* fork: prepare */
void hpc_count_unlock_all(void); /* fork: parent and child */

/* The frame record of an interposed function (it makes the compiler keep a frame pointer
 * there): frame[0] the caller's rbp, frame[1] the return address into the caller. */
#define HPC_FRAME() ((void *const *)__builtin_frame_address(0))

/* Captures the stack of the caller of the interposed function whose HPC_FRAME() is `frame`:
 * pcs[0] is the return address into it. Returns the depth. */
int hpc_capture(uintptr_t *pcs, int max, void *const *frame);
void hpc_capture_init(void);
/* backtrace(3) from the caller of `frame` on, through the cached CFI walk of unwind.c
 * (libunwind, else backtrace, when a frame needs more than a cached rule); -1 when the
 * careful unwinder does not meet frame's return address. */
int hpc_fast_backtrace(void **buf, int size, void *const *frame);
/* The careful unwinder's stack from the return address `from` on (within the first few). */
int hpc_backtrace_from(void **buf, int size, const void *from);
void hpc_fast_backtrace_init(void);

/* ---- output (writer.c) ---------------------------------------------------------------- */
struct hpc_out {
    int fd;        /* -1: memory mode */
    char *buf;     /* mmap'd */
    size_t len, cap;
    int err;       /* first errno seen, 0 if none */
};
bool hpc_out_open_mem(struct hpc_out *o);
void hpc_out_init_fd(struct hpc_out *o, int fd, char *buf, size_t cap);
void hpc_out_flush(struct hpc_out *o);
void hpc_out_str(struct hpc_out *o, const char *s);
void hpc_out_mem(struct hpc_out *o, const char *s, size_t n);
void hpc_out_dec(struct hpc_out *o, long long v, int width); /* right-aligned */
void hpc_out_hex(struct hpc_out *o, unsigned long long v, int width, bool prefix);
/* The heap profile of r (buckets sorted by in-use bytes) after the buckets of the mmap
 * table mr (NULL: none), header type e.g. "heapprofile". */
void hpc_write_profile(struct hpc_out *o, struct hpc_rec *r, struct hpc_rec *mr,
                       const char *type);
void hpc_write_maps(struct hpc_out *o); /* "\nMAPPED_LIBRARIES:\n" + /proc/self/maps */
void hpc_write_maps_lines(struct hpc_out *o); /* just the /proc/self/maps lines */
void hpc_write_sample(struct hpc_out *o, long long n1, long long s1, long long n2, long long s2,
                      const struct hpc_bucket *b);
void hpc_totals(struct hpc_rec *r, long long t[4]); /* inuse n, inuse bytes, alloc n, alloc b */
double hpc_inuse_unsampled(struct hpc_rec *r, long long period); /* as pprof scales heap_v2 */
/* Writes a file atomically (temp name + rename); prints the tcmalloc failure message. */
typedef void (*hpc_fill_fn)(struct hpc_out *o, void *ctx);
bool hpc_write_file(const char *path, hpc_fill_fn fill, void *ctx);

/* ---- dump files of a prefix (dumpfiles.c) ---------------------------------------------- */
/* Takes PREFIX.lock for the process; false if a live process holds it (*owner: its pid or 0). */
bool hpc_prefix_claim(const char *pfx, long *owner);
void hpc_prefix_release(void);            /* at exit of the owner */
void hpc_prefix_cleanup(const char *pfx); /* HEAP_PROFILE_CLEANUP: files of earlier runs */

/* ---- logging (log.c) ----------------------------------------------------------------- */
/* Formats a message like the gperftools raw logger: at most 598 bytes, then '\n'.
 * Supported conversions: %s %d %ld %lld %zu %lx (%llx) %p %%. */
void hpc_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hpc_vfmt(char *buf, size_t cap, const char *fmt, __builtin_va_list ap);
void hpc_fmt(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The digits of v in base 10 or 16 into tmp (24 bytes), least significant first; their number. */
int hpc_fmt_digits(char *tmp, unsigned long long v, unsigned base);
extern int hpc_verbose;
void hpc_log_keep_stderr(void); /* at start: later messages survive the program closing fd 2 */

/* ---- control.c ---------------------------------------------------------------------- */
void hpc_init(void);
bool hpc_is_main_process(void); /* false in a forked child */

/* ---- heap checker (heapcheck.c, leakreport.c, checkapi.c, threads.c) ------------------- */
#define HPC_KEY_IGNORED (1ULL << 63) /* size_key of checker buckets made under a Disabler */

struct hpc_blk { /* one live block as seen by a check */
    uintptr_t addr;
    size_t size;
    struct hpc_bucket *b;
    bool marked; /* reachable, ignored, or older than the check's base snapshot */
};

struct hpc_check {
    const char *name;          /* "_main_" or the named checker's */
    const struct hpc_blk *base; /* sorted by address; blocks in it are not leaks; or NULL */
    size_t nbase;
    bool symbolize;            /* pipe the report's addresses to $PPROF_PATH --symbols */
    long long leak_bytes, leak_n, live_bytes, live_n; /* results */
};

extern hpc_lock hpc_check_lock; /* serialises checks and the ignore list */
extern int hpc_check_max_leaks;  /* HEAP_CHECK_MAX_LEAKS (leakreport.c) */
extern bool hpc_check_identify;  /* HEAP_CHECK_IDENTIFY_LEAKS (leakreport.c) */
void hpc_heapcheck_cancel(void); /* HeapLeakChecker::CancelGlobalCheck */
void hpc_heapcheck_setup(void); /* reads HEAPCHECK; may create hpc_check_rec */
bool hpc_heapcheck_global(void); /* HEAPCHECK asked for the "_main_" check */
void hpc_heapcheck_at_exit(void);
void hpc_heapcheck_wipe(void); /* zero dead stack below the caller (checker on only) */
void hpc_heapcheck_wipe_deep(void); /* same, down to the bottom of the caller's stack
                                       (threads.c, for its exit hook) */
/* Runs a check now (caller holds hpc_check_lock and set the recursion guard); reports on
 * stderr and writes <dir>/<prog>.<pid>.<name>-end.heap. Returns true iff no leaks. */
bool hpc_check_run(struct hpc_check *c);
/* Live blocks of the checker, sorted by address, in *v (mmap'd, *cap entries). */
bool hpc_check_collect(struct hpc_blk **v, size_t *n, size_t *cap);
/* Ignore list and HeapCleaner functions (ignores.c): addresses whose blocks are roots. */
size_t hpc_ignored(const uintptr_t **v);
/* 1: added; 0: already there; -1: no memory. Caller holds hpc_check_lock. */
int hpc_ignore_add(uintptr_t start);
bool hpc_ignore_remove(uintptr_t start); /* false: was not there; caller holds the lock */
void hpc_cleanup_add(void (*fn)(void));
void hpc_run_cleanups(void);

/* leakreport.c: the stderr report and the leak file for the unmarked blocks of v. */
void hpc_leak_report(struct hpc_check *c, struct hpc_blk *v, size_t n, char *path, size_t cap);

/* stopworld.c: every other thread stopped by a signal for the time of a check. */
#define HPC_STW_NREGS 64
struct hpc_stopped {
    int tid;
    int round;       /* the stop this entry belongs to */
    atomic_int state;
    int busy;        /* the thread's recursion guard when it stopped */
    int nregs;
    uintptr_t sp;    /* stack pointer when it stopped */
    uintptr_t tp;    /* thread pointer (TCB; static TLS lies below it on x86-64) */
    uintptr_t regs[HPC_STW_NREGS]; /* general and vector registers */
};
void hpc_stw_init(void);  /* installs the stop signal's handler (checker setup) */
int hpc_stw_signal(void); /* the stop signal, 0 if stopping is off */
/* Stops every other thread (false: could not, nothing stopped); the entries of
 * hpc_stw_threads say which ones stopped. Allocation-free; no lock taken. */
bool hpc_stw_stop(void);
void hpc_stw_resume(void);
size_t hpc_stw_threads(struct hpc_stopped **v);
bool hpc_stw_is_stopped(const struct hpc_stopped *e);

/* threads.c */
void hpc_threads_init(void);
void hpc_scan_foreign(uintptr_t lo, uintptr_t hi, void (*fn)(void *, const uintptr_t *, size_t),
                      void *ctx);
void hpc_each_thread(void (*fn)(void *ctx, int tid, uintptr_t lo, uintptr_t hi), void *ctx);
bool hpc_thread_self(uintptr_t *lo, uintptr_t *hi);
int hpc_tids_load(int *tids, int cap); /* /proc/self/task's thread ids; their number or -1 */
uintptr_t hpc_stack_floor(uintptr_t sp); /* lowest address of the caller's stack, or 0 */
/* The /proc/self/maps mapping holding addr: [*lo, *hi), *stack if "[stack]". */
bool hpc_map_find(uintptr_t addr, uintptr_t *lo, uintptr_t *hi, bool *stack);
extern atomic_bool hpc_main_returned;    /* main has returned (__libc_start_main wrapper) */

/* ---- libc helpers without allocation (log.c) --------------------------------------------- */
size_t hpc_strlen(const char *s);
char *hpc_getenv(const char *name); /* environ scan, no locale */
long long hpc_env_ll(const char *name, long long dflt);
bool hpc_env_bool(const char *name, bool dflt);

/* glibc's allocator entry points (no dlsym needed) */
extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

#endif
