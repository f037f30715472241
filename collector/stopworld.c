/*
 * stopworld.c - stops every other thread of the process while the heap checker marks
 * (issue 12): a check that scans while other threads keep allocating takes the blocks they
 * hold only in a register or a fresh stack slot for leaks.
 *
 * Mechanism: a signal, as in the Boehm GC (not ptrace from a helper task as gperftools'
 * checker and LeakSanitizer do): ptrace is refused under yama ptrace_scope 2/3, in
 * containers without CAP_SYS_PTRACE and in a program already traced by gdb or strace, and
 * needs a helper task sharing our TLS. The signal (HEAP_CHECK_STOP_SIGNAL, default
 * SIGPWR; 0 turns stopping off) is sent with tgkill to every task of /proc/self/task but
 * the caller. Its handler saves the interrupted registers (general and SSE) and the thread
 * pointer in the thread's entry, acknowledges, and waits on a futex until the check
 * resumes the world. Threads that start during the stop are found by listing the tasks
 * again until no new one appears; a thread that exits is dropped when tgkill says it is
 * gone; a thread that does not acknowledge within HEAP_CHECK_STOP_TIMEOUT_MS (2000) - it
 * blocked the signal with a raw syscall, waits for it with sigwaitinfo or is exiting -
 * is left running and reported as not stopped (the checker then scans its whole stack
 * block, as without stopping). pthread_sigmask and sigprocmask are interposed so that the
 * program never blocks the signal while the checker is on, and sigwait, sigwaitinfo and
 * sigtimedwait so that it never takes the signal away from the handler.
 *
 * Nothing here allocates or takes a lock another thread may hold: the checker must not
 * call malloc, dl_iterate_phdr or anything else that locks while the world is stopped.
 * Side effect shared with every signal-based stop: a thread stopped inside a call that
 * the kernel never restarts after a handler (nanosleep, poll, epoll_wait, ...) sees EINTR.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "hpc.h"
#include "recorder.h"

enum { ST_REQ = 1, ST_STOPPED, ST_GONE, ST_LATE };

static struct hpc_stopped *_Atomic stw_vec; /* mmap'd, never unmapped: late handlers read it */
static size_t stw_cap;
static atomic_size_t stw_n;
static atomic_int stw_resumed; /* round last resumed */
static int stw_round;
static int stw_sig = -1; /* -1: not set up yet, 0: off */
static long stw_timeout_ms = 2000;
static struct sigaction stw_old; /* the program's handler before ours, for foreign signals */

static int gettid_raw(void)
{
    return (int)syscall(SYS_gettid);
}

static void futex_wait(atomic_int *w, int val)
{
    syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake_all(atomic_int *w)
{
    syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
}

static void save_context(struct hpc_stopped *e, const ucontext_t *uc)
{
    int k = 0;
#if defined(__x86_64__)
    for (int i = 0; i < NGREG && k < HPC_STW_NREGS; i++)
        e->regs[k++] = (uintptr_t)uc->uc_mcontext.gregs[i];
    e->sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
    if (uc->uc_mcontext.fpregs) { /* pointers copied through SSE registers */
        const uintptr_t *x = (const uintptr_t *)uc->uc_mcontext.fpregs->_xmm;
        for (int i = 0; i < 32 && k < HPC_STW_NREGS; i++)
            e->regs[k++] = x[i];
    }
    uintptr_t tp;
    __asm__("mov %%fs:0, %0" : "=r"(tp));
    e->tp = tp;
#elif defined(__aarch64__)
    for (int i = 0; i < 31 && k < HPC_STW_NREGS; i++)
        e->regs[k++] = (uintptr_t)uc->uc_mcontext.regs[i];
    e->sp = (uintptr_t)uc->uc_mcontext.sp;
    e->tp = (uintptr_t)__builtin_thread_pointer();
#else
    (void)uc;
    char here;
    e->sp = (uintptr_t)&here;
    e->tp = 0;
#endif
    e->nregs = k;
}

static void chain(int sig, siginfo_t *si, void *uc)
{
    if (stw_old.sa_flags & SA_SIGINFO) {
        if (stw_old.sa_sigaction)
            stw_old.sa_sigaction(sig, si, uc);
    } else if (stw_old.sa_handler != SIG_DFL && stw_old.sa_handler != SIG_IGN &&
               stw_old.sa_handler) {
        stw_old.sa_handler(sig);
    }
}

static void on_stop(int sig, siginfo_t *si, void *ucv)
{
    int saved_errno = errno;
    struct hpc_stopped *v = stw_vec;
    size_t n = atomic_load_explicit(&stw_n, memory_order_acquire);
    if (si->si_code == SI_TKILL && si->si_pid == getpid() && v) {
        int me = gettid_raw();
        for (size_t i = 0; i < n; i++) {
            if (v[i].tid != me)
                continue;
            /* the checker writes only tid, round and state; this handler the rest, before
             * the state says it stopped */
            struct hpc_stopped *e = &v[i];
            int want = ST_REQ;
            save_context(e, ucv);
            e->busy = hpc_tls.busy;
            if (atomic_compare_exchange_strong(&e->state, &want, ST_STOPPED)) {
                int round = e->round; /* stored before the state became ST_REQ */
                for (;;) {
                    int r = atomic_load(&stw_resumed);
                    if (r - round >= 0)
                        break;
                    futex_wait(&stw_resumed, r);
                }
            }
            errno = saved_errno;
            return;
        }
        errno = saved_errno;
        return; /* a late signal of a finished check */
    }
    errno = saved_errno;
    chain(sig, si, ucv);
}

/* Is tid a zombie (a thread group leader that called pthread_exit) or gone? */
static bool task_dead(int tid)
{
    char path[64];
    hpc_fmt(path, sizeof(path), "/proc/self/task/%d/stat", tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return true;
    char buf[512];
    ssize_t got = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (got <= 0)
        return true;
    buf[got] = 0;
    const char *p = strrchr(buf, ')'); /* "pid (comm) S ..." */
    return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

static void setup(void)
{
    stw_sig = (int)hpc_env_ll("HEAP_CHECK_STOP_SIGNAL", SIGPWR);
    stw_timeout_ms = hpc_env_ll("HEAP_CHECK_STOP_TIMEOUT_MS", 2000);
    if (stw_sig <= 0 || stw_sig >= NSIG || stw_sig == SIGKILL || stw_sig == SIGSTOP) {
        stw_sig = 0;
        return;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_stop;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
    sigfillset(&sa.sa_mask); /* nothing else runs on a stopped thread */
    if (sigaction(stw_sig, &sa, &stw_old) != 0)
        stw_sig = 0;
}

void hpc_stw_init(void)
{
    if (stw_sig < 0)
        setup();
}

int hpc_stw_signal(void)
{
    return stw_sig > 0 ? stw_sig : 0;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool known(int tid, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (stw_vec[i].tid == tid)
            return true;
    return false;
}

/* Waits until every requested thread stopped, is gone or timed out. */
static void wait_acks(size_t from, size_t to, long long deadline)
{
    pid_t pid = getpid();
    for (unsigned spin = 0;; spin++) {
        bool pending = false;
        for (size_t i = from; i < to; i++) {
            struct hpc_stopped *e = &stw_vec[i];
            if (atomic_load(&e->state) != ST_REQ)
                continue;
            int want = ST_REQ;
            if (syscall(SYS_tgkill, pid, e->tid, 0) != 0 && errno == ESRCH)
                atomic_compare_exchange_strong(&e->state, &want, ST_GONE);
            else if (spin > 0 && spin % 64 == 0 && task_dead(e->tid))
                atomic_compare_exchange_strong(&e->state, &want, ST_GONE);
            else
                pending = true;
        }
        if (!pending)
            return;
        if (now_ms() > deadline) {
            for (size_t i = from; i < to; i++) {
                int want = ST_REQ;
                atomic_compare_exchange_strong(&stw_vec[i].state, &want, ST_LATE);
            }
            return;
        }
        if (spin < 100) {
            sched_yield();
        } else {
            struct timespec ts = {0, 200000};
            nanosleep(&ts, NULL);
        }
    }
}

bool hpc_stw_stop(void)
{
    hpc_stw_init();
    if (!stw_sig)
        return false;
    struct sigaction cur;
    if (sigaction(stw_sig, NULL, &cur) != 0 || !(cur.sa_flags & SA_SIGINFO) ||
        cur.sa_sigaction != on_stop) {
        static bool said;
        if (!said)
            hpc_log(-2, "The program replaced the heap checker's handler of signal %d: "
                        "threads keep running during checks (HEAP_CHECK_STOP_SIGNAL)", stw_sig);
        said = true;
        return false;
    }
    static int *tids;
    static const int tcap = 1 << 16;
    if (!tids && !(tids = hpc_mmap(tcap * sizeof(*tids))))
        return false;
    int self = gettid_raw();
    pid_t pid = getpid();
    int nt = hpc_tids_load(tids, tcap);
    if (nt < 0)
        return false;
    if (!stw_vec || stw_cap < (size_t)nt * 2 + 256) {
        size_t cap = (size_t)nt * 4 + 1024;
        struct hpc_stopped *v = hpc_mmap(cap * sizeof(*v));
        if (!v)
            return false;
        atomic_store(&stw_n, 0);
        stw_vec = v; /* the old vector stays mapped for late handlers */
        stw_cap = cap;
    }
    int round = ++stw_round;
    atomic_store(&stw_n, 0);
    size_t n = 0;
    long long deadline = now_ms() + stw_timeout_ms;
    for (int pass = 0; pass < 1000; pass++) {
        size_t first = n;
        for (int k = 0; k < nt && n < stw_cap; k++) {
            if (tids[k] == self || known(tids[k], n))
                continue;
            struct hpc_stopped *e = &stw_vec[n];
            e->tid = tids[k];
            e->round = round;
            atomic_store(&e->state, ST_REQ);
            atomic_store_explicit(&stw_n, ++n, memory_order_release);
        }
        if (n == first)
            break; /* no thread appeared since the last listing */
        for (size_t i = first; i < n; i++) {
            int want = ST_REQ;
            if (syscall(SYS_tgkill, pid, stw_vec[i].tid, stw_sig) != 0)
                atomic_compare_exchange_strong(&stw_vec[i].state, &want, ST_GONE);
        }
        wait_acks(first, n, deadline);
        nt = hpc_tids_load(tids, tcap);
        if (nt < 0)
            break;
    }
    return true;
}

void hpc_stw_resume(void)
{
    if (!stw_sig || !stw_vec)
        return;
    atomic_store(&stw_resumed, stw_round);
    futex_wake_all(&stw_resumed);
}

size_t hpc_stw_threads(struct hpc_stopped **v)
{
    *v = stw_vec;
    return stw_vec ? atomic_load(&stw_n) : 0;
}

bool hpc_stw_is_stopped(const struct hpc_stopped *e)
{
    return atomic_load(&e->state) == ST_STOPPED;
}

/* ---- the program never blocks the stop signal -------------------------------------------- */

static const sigset_t *without_stop(const sigset_t *set, sigset_t *copy)
{
    int sig = stw_sig;
    if (!set || sig == 0 || !atomic_load_explicit(&hpc_check_rec, memory_order_relaxed))
        return set;
    if (sig < 0)
        sig = SIGPWR; /* not set up yet: protect the default */
    if (!sigismember(set, sig))
        return set;
    *copy = *set;
    sigdelset(copy, sig);
    return copy;
}

typedef int (*mask_fn)(int, const sigset_t *, sigset_t *);

static void *resolve_any(const char *name)
{
    struct hpc_thread *t = &hpc_tls;
    t->busy++;
    void *f = dlsym(RTLD_NEXT, name);
    t->busy--;
    return f;
}

static mask_fn resolve(const char *name)
{
    return (mask_fn)resolve_any(name);
}

HPC_EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
    static mask_fn real;
    if (!real && !(real = resolve("pthread_sigmask")))
        return ENOSYS;
    sigset_t copy;
    return real(how, how == SIG_UNBLOCK ? set : without_stop(set, &copy), old);
}

HPC_EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
    static mask_fn real;
    if (!real && !(real = resolve("sigprocmask"))) {
        errno = ENOSYS;
        return -1;
    }
    sigset_t copy;
    return real(how, how == SIG_UNBLOCK ? set : without_stop(set, &copy), old);
}

/* A thread waiting in sigwait for a set that holds the stop signal would take it instead of
 * its handler: the waits leave it out of the set. */
HPC_EXPORT int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *timeout)
{
    static int (*real)(const sigset_t *, siginfo_t *, const struct timespec *);
    if (!real && !(real = (int (*)(const sigset_t *, siginfo_t *, const struct timespec *))
                       resolve_any("sigtimedwait"))) {
        errno = ENOSYS;
        return -1;
    }
    sigset_t copy;
    return real(without_stop(set, &copy), info, timeout);
}

HPC_EXPORT int sigwaitinfo(const sigset_t *set, siginfo_t *info)
{
    return sigtimedwait(set, info, NULL);
}

HPC_EXPORT int sigwait(const sigset_t *set, int *sig)
{
    int r;
    do
        r = sigtimedwait(set, NULL, NULL);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return errno;
    *sig = r;
    return 0;
}
