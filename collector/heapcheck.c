/*
 * heapcheck.c - the leak-finding engine of libheapprof's heap checker (HEAPCHECK=minimal|
 * normal|strict|draconian|as-is|local, SPEC 1.5, DECISIONS 13). It owns the checker's
 * recorder, filled by the allocation hooks with every allocation, and the marking: every
 * block reachable from the roots is live, conservatively (any aligned word that points into
 * the first HEAP_CHECK_MAX_POINTER_OFFSET + 1 bytes of a block, the whole block with -1).
 * Roots (gathered with dl_iterate_phdr before the other threads stop):
 *   - writable PT_LOAD segments of all loaded objects except this library;
 *   - the checking thread's stack (from its stack pointer, callee-saved registers spilled),
 *     its static TLS blocks (dl_iterate_phdr) and its thread control block; in the at-exit
 *     check after main has returned, the main thread's stack is not a root: only exit
 *     machinery runs there, over dead frames whose block addresses linger in its
 *     uninitialised slots (false negatives that made gperftools' and our results vary);
 *   - every other thread, stopped for the time of the marking (stopworld.c; the recorder's
 *     locks are taken before the stop, so no thread stops inside the recorder): its saved
 *     registers, its live stack from the saved stack pointer (and the x86-64 red zone) to
 *     the top of its stack block, its thread control block (whose DTV leads to dynamic TLS)
 *     and static TLS blocks. A thread that did not stop (it kept the signal blocked) is
 *     scanned as without stopping: its whole registered stack block, dead frames included;
 *   - in glibc's own data, a word pointing at the next chunk's header (the main arena's bins
 *     and top) is no reference to the block whose last word it hits; elsewhere it is;
 *   - blocks allocated under a HeapLeakChecker::Disabler, IgnoreObject'ed blocks, and (as
 *     in gperftools) blocks allocated directly by the dynamic loader.
 * draconian marks nothing: every block not freed is a leak. Unmarked blocks are reported
 * by leakreport.c. The whole-program "_main_" check runs at exit, after global destructors.
 */
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dlfcn.h>

#include "hpc.h"
#include "recorder.h"

extern void *__libc_stack_end;

hpc_lock hpc_check_lock;
static bool draconian;
static bool global_check; /* run "_main_" at exit (not HEAPCHECK=local) */
static long long max_offset = 1024;
static size_t tcb_size = 0x700; /* sizeof(struct pthread), refined from libthread_db's hint */
static bool exit_check;         /* the at-exit "_main_" check is running */

void hpc_heapcheck_setup(void)
{
    const char *mode = hpc_getenv("HEAPCHECK");
    if (!mode || !*mode)
        return;
    bool local = strcmp(mode, "local") == 0;
    if (!local && strcmp(mode, "minimal") != 0 && strcmp(mode, "normal") != 0 &&
        strcmp(mode, "strict") != 0 && strcmp(mode, "draconian") != 0 &&
        strcmp(mode, "as-is") != 0) {
        hpc_log(-4, "Unsupported heap_check flag: %s", mode);
        abort();
    }
    if (getuid() != geteuid())
        return;
    draconian = strcmp(mode, "draconian") == 0;
    if (strcmp(mode, "as-is") == 0)
        draconian = !hpc_env_bool("HEAP_CHECK_IGNORE_GLOBAL_LIVE", true);
    global_check = !local;
    max_offset = hpc_env_ll("HEAP_CHECK_MAX_POINTER_OFFSET", 1024);
    hpc_check_max_leaks = (int)hpc_env_ll("HEAP_CHECK_MAX_LEAKS", 20);
    hpc_check_identify = hpc_env_bool("HEAP_CHECK_IDENTIFY_LEAKS", false);
    const unsigned *sz = dlsym(RTLD_DEFAULT, "_thread_db_sizeof_pthread");
    if (sz && *sz >= 64 && *sz < (1u << 16))
        tcb_size = *sz;
    hpc_threads_init();
    hpc_stw_init();
    struct hpc_rec *r = hpc_rec_new(false, false, false);
    if (!r)
        return;
    hpc_log(10, "Starting tracking the heap"); /* gperftools' line at PERFTOOLS_VERBOSE=10 */
    hpc_log(-2, "WARNING: Perftools heap leak checker is active -- Performance may suffer");
    hpc_recorder_use(&hpc_check_rec, r);
}

bool hpc_heapcheck_global(void)
{
    return global_check;
}

/* ---- live blocks, sorted by address ---------------------------------------------------- */

struct state {
    struct hpc_blk *v;
    size_t n, cap;
    size_t *work; /* stack of block indexes to scan */
    size_t nwork, capwork;
    bool libc_words; /* scanning glibc's own data (its malloc arena) */
};

static void collect(void *ctx, uintptr_t p, size_t size, struct hpc_bucket *b)
{
    struct state *st = ctx;
    if (st->n < st->cap)
        st->v[st->n++] = (struct hpc_blk){p, size, b, false};
}

static bool addr_before(const void *x, const void *y, void *arg)
{
    (void)arg;
    return ((const struct hpc_blk *)x)->addr < ((const struct hpc_blk *)y)->addr;
}

bool hpc_check_collect(struct hpc_blk **v, size_t *n, size_t *cap)
{
    struct hpc_rec *r = atomic_load(&hpc_check_rec);
    struct state st = {0};
    if (!r)
        return false;
    st.cap = hpc_rec_live_count(r) + 4096;
    st.v = hpc_mmap(st.cap * sizeof(*st.v));
    if (!st.v)
        return false;
    hpc_rec_each_live(r, collect, &st);
    _Static_assert(sizeof(struct hpc_blk) <= 64, "hpc_heapsort sorts elements of at most 64 bytes");
    hpc_heapsort(st.v, st.n, sizeof(*st.v), addr_before, NULL);
    *v = st.v;
    *n = st.n;
    *cap = st.cap;
    return true;
}

/* Index of the block containing v, or -1. */
static ptrdiff_t find_block(const struct hpc_blk *a, size_t n, uintptr_t v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) { /* first block with addr > v */
        size_t mid = (lo + hi) / 2;
        if (a[mid].addr <= v)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return -1;
    const struct hpc_blk *b = &a[lo - 1];
    return v - b->addr < (b->size ? b->size : 1) ? (ptrdiff_t)(lo - 1) : -1;
}

static void push_block(struct state *st, size_t i)
{
    st->v[i].marked = true;
    if (st->nwork == st->capwork) {
        size_t nc = st->capwork ? st->capwork * 2 : 4096;
        size_t *nw = hpc_mmap(nc * sizeof(*nw));
        if (!nw)
            return; /* cannot follow: children may be reported as leaks */
        if (st->work) {
            memcpy(nw, st->work, st->nwork * sizeof(*nw));
            hpc_munmap(st->work, st->capwork * sizeof(*nw));
        }
        st->work = nw;
        st->capwork = nc;
    }
    st->work[st->nwork++] = i;
}

static inline void mark_value(struct state *st, uintptr_t v)
{
    ptrdiff_t i = find_block(st->v, st->n, v);
    if (i < 0 || st->v[i].marked)
        return;
    uintptr_t off = v - st->v[i].addr;
    if (max_offset >= 0 && off > (uintptr_t)max_offset)
        return;
    /* glibc's chunk of the next block starts 8 bytes before the end of this one's usable
     * area: the bins and top pointers of its main arena (in libc's data) are not references
     * to this block; the same value anywhere else is (a pointer into the last word) */
    if (st->libc_words && off && !(v & 15) &&
        off == hpc_usable_size((void *)st->v[i].addr) - 8)
        return;
    push_block(st, (size_t)i);
}

static void scan_words(void *ctx, const uintptr_t *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mark_value(ctx, w[i]);
}

static void scan_range(struct state *st, uintptr_t from, uintptr_t to)
{
    from = (from + 7) & ~(uintptr_t)7;
    if (to > from)
        scan_words(st, (const uintptr_t *)from, (to - from) / sizeof(uintptr_t));
}

static void drain(struct state *st)
{
    while (st->nwork) {
        struct hpc_blk *b = &st->v[st->work[--st->nwork]];
        /* a large block may be unmapped by a concurrent free: read it safely */
        if (b->size >= (64u << 10))
            hpc_scan_foreign(b->addr, b->addr + b->size, scan_words, st);
        else
            scan_range(st, b->addr, b->addr + b->size);
    }
}

/* ---- roots ------------------------------------------------------------------------------ */

/* Root ranges, gathered before the world stops: dl_iterate_phdr takes the loader's lock,
 * which a stopped thread may hold. */
#define MAX_SEGS 4096
enum { SEG_DATA, SEG_LIBC, SEG_TLS };
struct seg {
    uintptr_t lo, hi;
    uintptr_t tp_off; /* SEG_TLS in static TLS: thread pointer - lo, alike in every thread */
    int kind;
};
struct roots {
    struct seg *segs; /* mmap'd once, MAX_SEGS entries */
    size_t nsegs;
    uintptr_t ld_lo, ld_hi; /* executable segment of the dynamic loader */
};

static int self_marker;

static uintptr_t thread_pointer(void)
{
#if defined(__x86_64__)
    uintptr_t tp;
    __asm__("mov %%fs:0, %0" : "=r"(tp));
    return tp;
#else
    return 0;
#endif
}

static void add_seg(struct roots *ro, uintptr_t lo, uintptr_t hi, int kind, uintptr_t tp_off)
{
    if (ro->nsegs < MAX_SEGS)
        ro->segs[ro->nsegs++] = (struct seg){lo, hi, tp_off, kind};
}

/* Executable segments of the dynamic loader: like gperftools, blocks that ld.so allocates
 * itself (thread DTVs, dynamic TLS, link maps) are live; glibc keeps some of them for its
 * cache of dead threads' stacks, which no root reaches. */
static int gather_object(struct dl_phdr_info *info, size_t sz, void *ctx)
{
    (void)sz;
    struct roots *ro = ctx;
    uintptr_t me = (uintptr_t)&self_marker, tp = thread_pointer();
    const char *name = info->dlpi_name ? info->dlpi_name : "";
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    bool ld = strncmp(base, "ld-linux", 8) == 0 || strncmp(base, "ld.so", 5) == 0 ||
              strncmp(base, "ld64.so", 7) == 0;
    bool libc = strncmp(base, "libc.so", 7) == 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (ph->p_type == PT_TLS && info->dlpi_tls_data) {
            uintptr_t t = (uintptr_t)info->dlpi_tls_data;
            add_seg(ro, t, t + ph->p_memsz, SEG_TLS, tp > t && tp - t < (1u << 20) ? tp - t : 0);
        } else if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && ld && !ro->ld_hi) {
            ro->ld_lo = lo;
            ro->ld_hi = hi;
        } else if (ph->p_type == PT_LOAD && (ph->p_flags & PF_W) && !(me >= lo && me < hi)) {
            add_seg(ro, lo, hi, libc ? SEG_LIBC : SEG_DATA, 0); /* our own globals are not roots */
        }
    }
    return 0;
}

static bool gather_roots(struct roots *ro)
{
    static struct seg *segs;
    if (!segs && !(segs = hpc_mmap(MAX_SEGS * sizeof(*segs))))
        return false;
    *ro = (struct roots){.segs = segs};
    dl_iterate_phdr(gather_object, ro);
    return true;
}

static void scan_libc_words(void *ctx, const uintptr_t *w, size_t n)
{
    struct state *st = ctx;
    st->libc_words = true;
    scan_words(st, w, n);
    st->libc_words = false;
}

/* Writable segments of every loaded object but this library; this thread's TLS blocks. */
static void scan_segments(struct state *st, const struct roots *ro)
{
    for (size_t i = 0; i < ro->nsegs; i++) {
        const struct seg *g = &ro->segs[i];
        if (g->kind == SEG_TLS) {
            /* this thread's block of the module's TLS; it may itself be a heap block */
            ptrdiff_t k = find_block(st->v, st->n, g->lo);
            if (k >= 0 && !st->v[k].marked)
                push_block(st, (size_t)k);
            scan_range(st, g->lo, g->hi);
        } else {
            /* read safely: another thread may have unloaded the object since */
            hpc_scan_foreign(g->lo, g->hi, g->kind == SEG_LIBC ? scan_libc_words : scan_words,
                             st);
        }
        drain(st);
    }
}

/* At exit after main returned, the main thread's stack holds no program frame. */
static bool main_stack_dead(void)
{
    return exit_check && atomic_load(&hpc_main_returned);
}

__attribute__((noinline)) static void scan_own_stack(struct state *st)
{
    __builtin_unwind_init(); /* spill callee-saved registers into this frame */
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    uintptr_t lo, top = 0;
    if (hpc_thread_self(&lo, &top) && sp >= lo && sp < top) {
        /* a registered thread: up to the top of its block (TLS and TCB included) */
    } else {
        top = (uintptr_t)__libc_stack_end;
        if (!(sp < top && top - sp < (256u << 20)) || main_stack_dead())
            top = sp; /* nothing to scan */
    }
    scan_range(st, sp, top);
    drain(st);
    uintptr_t tp = thread_pointer();
    if (tp) {
        hpc_scan_foreign(tp, tp + tcb_size, scan_words, st);
        drain(st);
    }
}

/* The stack blocks of the threads started through pthread_create (threads.c). */
#define MAX_BLOCKS 4096
struct tblock {
    int tid;
    uintptr_t lo, hi;
};
struct tblocks {
    struct tblock *v;
    size_t n;
};

static void add_block(void *ctx, int tid, uintptr_t lo, uintptr_t hi)
{
    struct tblocks *tb = ctx;
    if (tb->n < MAX_BLOCKS)
        tb->v[tb->n++] = (struct tblock){tid, lo, hi};
}

static uintptr_t map_end(uintptr_t addr)
{
    uintptr_t lo, hi;
    bool stack;
    return hpc_map_find(addr, &lo, &hi, &stack) ? hi : 0;
}

static const struct tblock *block_of(const struct tblocks *tb, int tid)
{
    for (size_t i = 0; i < tb->n; i++)
        if (tb->v[i].tid == tid)
            return &tb->v[i];
    return NULL;
}

static bool was_stopped(struct hpc_stopped *tv, size_t nt, int tid)
{
    for (size_t i = 0; i < nt; i++)
        if (tv[i].tid == tid)
            return hpc_stw_is_stopped(&tv[i]);
    return false;
}

/* A stopped thread: its registers, its live stack from the saved stack pointer (and the
 * x86-64 red zone below it) to the top, its TCB and static TLS blocks. */
static void scan_stopped(struct state *st, const struct roots *ro, const struct hpc_stopped *e,
                         const struct tblock *b)
{
    scan_words(st, e->regs, (size_t)e->nregs);
    drain(st);
    uintptr_t sp = e->sp > 128 ? e->sp - 128 : e->sp, top = 0;
    bool in_block = b && e->sp >= b->lo && e->sp < b->hi;
    if (in_block) {
        top = b->hi;
    } else if (e->tid == getpid()) {
        top = (uintptr_t)__libc_stack_end;
        if (!(e->sp < top && top - e->sp < (256u << 20)))
            top = map_end(e->sp);
        if (main_stack_dead())
            top = 0;
    } else {
        top = map_end(e->sp); /* a thread started before us, or on another stack */
    }
    if (top > sp)
        hpc_scan_foreign(sp, top, scan_words, st);
    if (b && !in_block)
        hpc_scan_foreign(b->lo, b->hi, scan_words, st); /* on a signal stack: all of it */
    drain(st);
    if (!e->tp)
        return;
    hpc_scan_foreign(e->tp, e->tp + tcb_size, scan_words, st);
    for (size_t i = 0; i < ro->nsegs; i++) {
        const struct seg *g = &ro->segs[i];
        if (g->kind == SEG_TLS && g->tp_off && e->tp > g->tp_off)
            hpc_scan_foreign(e->tp - g->tp_off, e->tp - g->tp_off + (g->hi - g->lo), scan_words,
                             st);
    }
    drain(st);
}

/* The main thread's stack when another thread runs the check and could not stop it. */
static void scan_main_stack(struct state *st)
{
    uintptr_t lo, hi;
    if (hpc_thread_self(&lo, &hi) == false || main_stack_dead())
        return; /* we are the main thread (or unregistered): scan_own_stack covered it */
    uintptr_t top = (uintptr_t)__libc_stack_end;
    /* the main stack is at most RLIMIT_STACK below its top; unmapped pages are skipped */
    uintptr_t bottom = top > (8u << 20) ? top - (8u << 20) : 0;
    hpc_scan_foreign(bottom, top, scan_words, st);
    drain(st);
}

/* Every other thread: stopped ones precisely; those that did not stop (or all of them when
 * stopping is off) by their whole registered stack block and the main thread's stack. */
static void scan_threads(struct state *st, const struct roots *ro, bool stopped)
{
    static struct tblock *blocks;
    if (!blocks)
        blocks = hpc_mmap(MAX_BLOCKS * sizeof(*blocks));
    struct tblocks tb = {blocks, 0};
    if (blocks)
        hpc_each_thread(add_block, &tb);
    struct hpc_stopped *tv = NULL;
    size_t nt = stopped ? hpc_stw_threads(&tv) : 0;
    for (size_t i = 0; i < nt; i++)
        if (hpc_stw_is_stopped(&tv[i]))
            scan_stopped(st, ro, &tv[i], block_of(&tb, tv[i].tid));
    for (size_t i = 0; i < tb.n; i++) {
        if (!was_stopped(tv, nt, tb.v[i].tid)) {
            hpc_scan_foreign(tb.v[i].lo, tb.v[i].hi, scan_words, st);
            drain(st);
        }
    }
    if (!was_stopped(tv, nt, getpid()))
        scan_main_stack(st);
}

static void mark_roots(struct state *st, const struct roots *ro, bool stopped)
{
    for (size_t i = 0; i < st->n; i++) {
        const struct hpc_bucket *b = st->v[i].b;
        if (!st->v[i].marked && b->depth && b->pcs[0] >= ro->ld_lo && b->pcs[0] < ro->ld_hi)
            push_block(st, i);
    }
    drain(st);
    /* Disabler blocks and ignored objects first: they and what they reach are live */
    for (size_t i = 0; i < st->n; i++)
        if (!st->v[i].marked && (st->v[i].b->size_key & HPC_KEY_IGNORED))
            push_block(st, i);
    drain(st);
    const uintptr_t *ign;
    size_t ni = hpc_ignored(&ign);
    for (size_t i = 0; i < ni; i++) {
        ptrdiff_t k = find_block(st->v, st->n, ign[i]);
        if (k >= 0 && !st->v[k].marked)
            push_block(st, (size_t)k);
    }
    drain(st);
    scan_own_stack(st);
    scan_threads(st, ro, stopped);
    scan_segments(st, ro);
}

/* ---- checks ------------------------------------------------------------------------------ */

static bool in_base(const struct hpc_check *c, const struct hpc_blk *b)
{
    size_t lo = 0, hi = c->nbase;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->base[mid].addr < b->addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->nbase && c->base[lo].addr == b->addr && c->base[lo].size == b->size &&
           c->base[lo].b == b->b;
}

/* Zeroes up to 32 KiB of dead stack below the caller, so frames called next do not carry
 * stale block addresses (conservative scanning would take them for references). */
__attribute__((noinline)) static void wipe_stack(void)
{
    char here;
    uintptr_t sp = (uintptr_t)&here, lo, hi;
    size_t n = 32768;
    if (hpc_thread_self(&lo, &hi) && sp > lo && sp - lo < n + 8192)
        n = sp - lo > 8192 ? sp - lo - 8192 : 0;
    char *buf = __builtin_alloca(n + 1);
    memset(buf, 0, n + 1);
    __asm__ volatile("" : : "r"(buf) : "memory");
}

bool hpc_check_run(struct hpc_check *c)
{
    struct state st = {0};
    c->leak_bytes = c->leak_n = c->live_bytes = c->live_n = 0;
    struct roots ro = {0};
    struct hpc_rec *r = atomic_load(&hpc_check_rec);
    bool stopped = false;
    if (!draconian && r && gather_roots(&ro)) {
        /* no thread may stop inside the recorder: the snapshot below takes its locks */
        hpc_rec_lock_all(r);
        stopped = hpc_stw_stop();
        hpc_rec_unlock_all(r);
    }
    bool have = hpc_check_collect(&st.v, &st.n, &st.cap);
    if (have && !draconian) {
        wipe_stack(); /* the table walk above left block addresses in dead stack slots */
        mark_roots(&st, &ro, stopped);
    }
    if (stopped)
        hpc_stw_resume();
    if (!have)
        return true;
    for (size_t i = 0; i < st.n; i++) {
        if (!st.v[i].marked && c->base && in_base(c, &st.v[i]))
            st.v[i].marked = true; /* older than the named check: not its business */
        if (st.v[i].marked) {
            c->live_n++;
            c->live_bytes += (long long)st.v[i].size;
        } else {
            c->leak_n++;
            c->leak_bytes += (long long)st.v[i].size;
        }
    }
    if (c->leak_n == 0) {
        hpc_log(0,
                "No leaks found for check \"%s\" (but no 100%% guarantee that there aren't "
                "any): found %lld reachable heap objects of %lld bytes",
                c->name, c->live_n, c->live_bytes);
    } else {
        char path[4400];
        hpc_leak_report(c, st.v, st.n, path, sizeof(path));
    }
    hpc_munmap(st.v, st.cap * sizeof(*st.v));
    hpc_munmap(st.work, st.capwork * sizeof(*st.work));
    return c->leak_n == 0;
}

static atomic_int canceled;

void hpc_heapcheck_cancel(void)
{
    if (atomic_load(&hpc_check_rec) && global_check && !atomic_exchange(&canceled, 1))
        hpc_log(0, "Canceling the automatic at-exit whole-program memory leak check");
}

static void at_exit_check(void);

void hpc_heapcheck_wipe(void)
{
    if (atomic_load(&hpc_check_rec))
        wipe_stack();
}

void hpc_heapcheck_at_exit(void)
{
    if (!atomic_load(&hpc_check_rec) || !global_check || atomic_load(&canceled))
        return;
    int busy = hpc_tls.busy;
    hpc_tls.busy = 0; /* the cleanups' frees must be seen */
    hpc_run_cleanups();
    hpc_tls.busy = busy;
    wipe_stack(); /* residue of the program's last frames, the cleanups and the dump */
    at_exit_check();
}

__attribute__((noinline)) static void at_exit_check(void)
{
    hpc_lock_take(&hpc_check_lock);
    struct hpc_check c = {.name = "_main_", .symbolize = true};
    exit_check = true;
    bool ok = hpc_check_run(&c);
    exit_check = false;
    hpc_recorder_use(&hpc_check_rec, NULL); /* stop recording */
    hpc_lock_drop(&hpc_check_lock);
    if (ok)
        return;
    if (hpc_check_identify) {
        hpc_log(-4, "Whole-program memory leaks found.");
        abort();
    }
    hpc_log(-3, "Exiting with error code (instead of crashing) because of whole-program "
                "memory leaks");
    _exit(1);
}
