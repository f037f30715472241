/*
 * threads.c - the thread registry of libheapprof's heap checker: an interposed
 * pthread_create starts every thread through a trampoline that records the thread's
 * stack block (pthread_getattr_np: the whole mapping, which in glibc also holds the
 * thread's static TLS and its struct pthread) in a fixed mmap'd table, and removes it when
 * the thread ends (normal return, pthread_exit or cancellation: a cleanup attribute runs
 * on the forced unwind). The checker scans the recorded blocks of the threads still listed
 * in /proc/self/task. Memory of other threads is read with process_vm_readv, so a block
 * that disappears while it is being scanned is skipped instead of faulting.
 *
 * The trampoline is only used while the heap checker is on; otherwise pthread_create
 * forwards at once.
 *
 * The main thread's end: an interposed __libc_start_main runs main through a wrapper that
 * notes when main has returned (from then on the main stack holds only exit machinery, whose
 * uninitialised slots still carry the dead frames' block addresses), and an interposed exit
 * zeroes the dead stack below its caller before the exit handlers' frames are laid over it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "hpc.h"
#include "recorder.h"

#define NSLOTS 4096

struct slot {
    atomic_int tid; /* 0: free */
    uintptr_t lo, hi;
};

static struct slot *slots; /* mmap'd, NSLOTS entries */
static int (*real_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

struct start {
    void *(*fn)(void *);
    void *arg;
};

static int my_tid(void)
{
    return (int)syscall(SYS_gettid);
}

/* Called from hpc_heapcheck_setup with the recursion guard set. */
void hpc_threads_init(void)
{
    if (!slots)
        slots = hpc_mmap(NSLOTS * sizeof(*slots));
    if (!real_create)
        real_create = (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
                               void *))dlsym(RTLD_NEXT, "pthread_create");
}

static struct slot *slot_add(int tid, uintptr_t lo, uintptr_t hi)
{
    if (!slots)
        return NULL;
    for (int i = 0; i < NSLOTS; i++) {
        int z = 0;
        if (atomic_load_explicit(&slots[i].tid, memory_order_relaxed) == 0 &&
            atomic_compare_exchange_strong(&slots[i].tid, &z, -1)) {
            slots[i].lo = lo;
            slots[i].hi = hi;
            atomic_store_explicit(&slots[i].tid, tid, memory_order_release);
            return &slots[i];
        }
    }
    return NULL; /* full: this thread's stack is not scanned */
}

static void slot_drop(struct slot **s)
{
    if (*s)
        atomic_store_explicit(&(*s)->tid, 0, memory_order_release);
}

static void *trampoline(void *p)
{
    struct start st = *(struct start *)p;
    __libc_free(p);
    struct hpc_thread *t = &hpc_tls;
    uintptr_t lo = 0, hi = 0;
    pthread_attr_t attr;
    t->busy++; /* pthread_getattr_np allocates: keep that out of the tables */
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        void *addr;
        size_t size;
        if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
            lo = (uintptr_t)addr;
            hi = lo + size;
        }
        pthread_attr_destroy(&attr);
    }
    t->busy--;
    __attribute__((cleanup(slot_drop))) struct slot *me = hi ? slot_add(my_tid(), lo, hi) : NULL;
    (void)me;
    return st.fn(st.arg);
}

HPC_EXPORT int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *),
                              void *arg)
{
    if (!real_create) {
        struct hpc_thread *t = &hpc_tls;
        t->busy++;
        real_create = (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
                               void *))dlsym(RTLD_NEXT, "pthread_create");
        t->busy--;
        if (!real_create)
            return EAGAIN;
    }
    if (!slots || !atomic_load_explicit(&hpc_check_rec, memory_order_relaxed))
        return real_create(th, attr, fn, arg);
    struct start *s = __libc_malloc(sizeof(*s));
    if (!s)
        return EAGAIN;
    s->fn = fn;
    s->arg = arg;
    int rc = real_create(th, attr, trampoline, s);
    if (rc != 0)
        __libc_free(s);
    return rc;
}

/* ---- the main thread's end ---------------------------------------------------------------- */

atomic_bool hpc_main_returned;
static int (*real_main)(int, char **, char **);

typedef int (*start_main_fn)(int (*)(int, char **, char **), int, char **, void (*)(void),
                             void (*)(void), void (*)(void), void *);

static int main_wrapper(int argc, char **argv, char **envp)
{
    int rc = real_main(argc, argv, envp);
    atomic_store(&hpc_main_returned, true);
    return rc;
}

int __libc_start_main(int (*main)(int, char **, char **), int argc, char **argv,
                      void (*init)(void), void (*fini)(void), void (*rtld_fini)(void),
                      void *stack_end);
HPC_EXPORT int __libc_start_main(int (*main)(int, char **, char **), int argc, char **argv,
                                 void (*init)(void), void (*fini)(void), void (*rtld_fini)(void),
                                 void *stack_end)
{
    struct hpc_thread *t = &hpc_tls;
    t->busy++;
    start_main_fn real = (start_main_fn)dlsym(RTLD_NEXT, "__libc_start_main");
    t->busy--;
    if (!real)
        _exit(127);
    real_main = main;
    return real(main_wrapper, argc, argv, init, fini, rtld_fini, stack_end);
}

__attribute__((noinline)) static void wipe_below(size_t n)
{
    char *buf = __builtin_alloca(n + 1);
    memset(buf, 0, n + 1);
    __asm__ volatile("" : : "r"(buf) : "memory");
}

/* exit() from anywhere: zero the whole dead part of the stack below the caller, so the exit
 * handlers' and destructors' frames laid over it hold no stale block addresses. */
void hpc_heapcheck_wipe_deep(void)
{
    if (!atomic_load(&hpc_check_rec))
        return;
    char here;
    uintptr_t sp = (uintptr_t)&here;
    uintptr_t lo = hpc_stack_floor(sp);
    const size_t margin = 16384; /* memset's frame (and a signal frame) stay below the wipe */
    if (lo && sp > lo && sp - lo > 2 * margin)
        wipe_below(sp - lo - margin); /* else hpc_dtor's shallow wipe is all there is */
}

HPC_EXPORT void exit(int status)
{
    static void (*real_exit)(int);
    if (!real_exit) {
        struct hpc_thread *t = &hpc_tls;
        t->busy++;
        real_exit = (void (*)(int))dlsym(RTLD_NEXT, "exit");
        t->busy--;
    }
    hpc_heapcheck_wipe_deep();
    if (real_exit)
        real_exit(status);
    _exit(status);
}

static bool is_stack_line(const char *l, size_t n)
{
    return n >= 7 && memcmp(l + n - 7, "[stack]", 7) == 0;
}

/* The mapping of /proc/self/maps that holds addr: [*lo, *hi), *stack if it is "[stack]". */
bool hpc_map_find(uintptr_t addr, uintptr_t *lo, uintptr_t *hi, bool *stack)
{
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char buf[4096];
    size_t len = 0;
    bool found = false;
    for (;;) {
        ssize_t got = read(fd, buf + len, sizeof(buf) - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        len += (size_t)got;
        size_t start = 0;
        for (size_t i = 0; i < len && !found; i++) {
            if (buf[i] != '\n')
                continue;
            uintptr_t a = 0, b = 0;
            size_t k = start;
            for (; k < i && buf[k] != '-'; k++)
                a = a * 16 + (uintptr_t)(buf[k] <= '9' ? buf[k] - '0' : (buf[k] | 32) - 'a' + 10);
            for (k++; k < i && buf[k] != ' '; k++)
                b = b * 16 + (uintptr_t)(buf[k] <= '9' ? buf[k] - '0' : (buf[k] | 32) - 'a' + 10);
            if (addr >= a && addr < b) {
                found = true;
                *lo = a;
                *hi = b;
                *stack = is_stack_line(buf + start, i - start);
            }
            start = i + 1;
        }
        if (found)
            break;
        memmove(buf, buf + start, len - start); /* keep the partial last line */
        len -= start;
        if (len == sizeof(buf))
            len = 0; /* a line longer than the buffer cannot be a stack's: drop it */
    }
    close(fd);
    return found;
}

/* Lowest address of the calling thread's stack: its registered block, or for the main thread
 * the "[stack]" mapping of /proc/self/maps that holds sp; 0 if unknown (never a mapping that
 * might be anything else, such as a user-supplied stack inside the heap). */
uintptr_t hpc_stack_floor(uintptr_t sp)
{
    uintptr_t lo, hi;
    bool stack;
    if (hpc_thread_self(&lo, &hi))
        return sp >= lo && sp < hi ? lo : 0;
    if (my_tid() != getpid())
        return 0;
    return hpc_map_find(sp, &lo, &hi, &stack) && stack ? lo : 0;
}

/* ---- reading other threads' memory ------------------------------------------------------ */

static char *rbuf; /* RBUF bytes, mmap'd on first use; callers hold the check lock */
#define RBUF (1u << 16)

/* Calls fn(ctx, words, n) on the aligned words of [lo, hi) as read safely through
 * process_vm_readv; unreadable pages are skipped. */
void hpc_scan_foreign(uintptr_t lo, uintptr_t hi, void (*fn)(void *, const uintptr_t *, size_t),
                      void *ctx)
{
    lo = (lo + 7) & ~(uintptr_t)7;
    if (!rbuf && !(rbuf = hpc_mmap(RBUF)))
        return;
    pid_t pid = my_tid(); /* not getpid(): a main thread that called pthread_exit has no mm */
    while (lo + sizeof(uintptr_t) <= hi) {
        size_t n = hi - lo < RBUF ? (size_t)(hi - lo) : RBUF;
        struct iovec local = {rbuf, n}, remote = {(void *)lo, n};
        ssize_t got = process_vm_readv(pid, &local, 1, &remote, 1, 0);
        if (got > 0) {
            fn(ctx, (const uintptr_t *)rbuf, (size_t)got / sizeof(uintptr_t));
            lo += (uintptr_t)got;
            continue;
        }
        /* a bad page somewhere in the chunk (one iovec is all or nothing): go page by page */
        uintptr_t end = lo + n;
        while (lo < end) {
            size_t m = ((lo | 4095) + 1) - lo;
            if (m > end - lo)
                m = (size_t)(end - lo);
            struct iovec l1 = {rbuf, m}, r1 = {(void *)lo, m};
            got = process_vm_readv(pid, &l1, 1, &r1, 1, 0);
            if (got > 0)
                fn(ctx, (const uintptr_t *)rbuf, (size_t)got / sizeof(uintptr_t));
            lo += m;
        }
    }
}

/* Fills tids with the thread ids listed in /proc/self/task; returns their number or -1. */
int hpc_tids_load(int *tids, int cap)
{
    int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char buf[4096];
    int n = 0;
    for (;;) {
        long got = syscall(SYS_getdents64, fd, buf, sizeof(buf));
        if (got <= 0)
            break;
        for (long off = 0; off < got;) {
            unsigned short reclen;
            memcpy(&reclen, buf + off + 16, sizeof(reclen));
            const char *name = buf + off + 19;
            off += reclen;
            int v = 0;
            if (*name < '0' || *name > '9')
                continue;
            while (*name >= '0' && *name <= '9')
                v = v * 10 + (*name++ - '0');
            if (n < cap)
                tids[n++] = v;
        }
    }
    close(fd);
    return n;
}

/* Calls fn for the stack block of every registered thread still alive except the caller. */
void hpc_each_thread(void (*fn)(void *ctx, int tid, uintptr_t lo, uintptr_t hi), void *ctx)
{
    if (!slots)
        return;
    static int tids[NSLOTS];
    int n = hpc_tids_load(tids, NSLOTS);
    int self = my_tid();
    for (int i = 0; i < NSLOTS; i++) {
        int tid = atomic_load_explicit(&slots[i].tid, memory_order_acquire);
        if (tid <= 0 || tid == self)
            continue;
        bool alive = n < 0; /* no /proc: trust the registry */
        for (int k = 0; k < n && !alive; k++)
            alive = tids[k] == tid;
        if (alive)
            fn(ctx, tid, slots[i].lo, slots[i].hi);
    }
}

/* Stack block of the calling thread if it was registered, else false. */
bool hpc_thread_self(uintptr_t *lo, uintptr_t *hi)
{
    if (!slots)
        return false;
    int self = my_tid();
    for (int i = 0; i < NSLOTS; i++) {
        if (atomic_load_explicit(&slots[i].tid, memory_order_acquire) == self) {
            *lo = slots[i].lo;
            *hi = slots[i].hi;
            return true;
        }
    }
    return false;
}
