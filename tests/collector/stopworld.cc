// stopworld.cc - heap-checker targets for checks that run while other threads work (issue 12
// item 1); nothing in them leaks, so every leak reported is a false one. argv[1]:
//   set      4 threads build and destroy std::set<int> in a loop while main calls
//            HeapLeakChecker::NoGlobalLeaks() 20 times (the reproduction)
//   busy64   64 threads allocate and free in a loop, 5 checks; afterwards every thread must
//            still run (each counts its iterations after the checks) and join
//   register 2 threads each hold a block only in a register while spinning
//   masked   threads that block every signal (pthread_sigmask, sigprocmask, and one through
//            the raw rt_sigprocmask syscall that no interposition sees) hold a block only on
//            their stack while allocating and freeing, and one waits in sigwait for every
//            signal; 10 checks; prints how many signals that sigwait took (SIGUSR1 ends it)
//   spawn    a thread keeps starting short-lived threads (each allocates, frees, exits)
//            while main runs 20 checks
//   unregistered  2 threads started through libc's own pthread_create (as a library
//            constructor running before the collector would: the collector's thread
//            registry never sees them) hold a block on their stack while allocating
//   main-exited  main calls pthread_exit; a thread runs 3 checks while 2 others allocate
//            and free, then calls exit(0): the at-exit check must pass too
// Prints "false reports: N/M" and "threads: K running after the checks"; exit status 0.
#include <gperftools/heap-checker.h>

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

static std::atomic<bool> g_stop;
static std::atomic<int> g_ready;

static int run_checks(int n)
{
    int bad = 0;
    for (int i = 0; i < n; i++)
        if (!HeapLeakChecker::NoGlobalLeaks())
            bad++;
    std::printf("false reports: %d/%d\n", bad, n);
    return bad;
}

static void *churn_set(void *)
{
    g_ready++;
    while (!g_stop.load(std::memory_order_relaxed)) {
        std::set<int> s;
        for (int i = 0; i < 100; i++)
            s.insert(i);
    }
    return nullptr;
}

struct counter {
    std::atomic<long> after{0}; // iterations done after the checks
};
static counter g_counts[64];
static std::atomic<bool> g_checked;

static void *churn_malloc(void *arg)
{
    counter *c = static_cast<counter *>(arg);
    g_ready++;
    unsigned seed = (unsigned)(c - g_counts);
    while (!g_stop.load(std::memory_order_relaxed)) {
        void *volatile p = std::malloc(16 + rand_r(&seed) % 200);
        std::memset(p, 0, 16);
        std::free(p);
        if (g_checked.load(std::memory_order_relaxed))
            c->after++;
    }
    return nullptr;
}

static void *hold_in_register(void *)
{
    void *p = std::malloc(4444);
    g_ready++;
#if defined(__x86_64__)
    // zero 4 KiB below the stack pointer (malloc's dead frames and the red zone): from here
    // on p is only in a register
    __asm__ volatile("lea -4096(%%rsp), %%rdi\n\tmov $512, %%ecx\n\txor %%eax, %%eax\n\t"
                     "rep stosq"
                     : "+r"(p)
                     :
                     : "rdi", "rcx", "rax", "memory", "cc");
#endif
    while (!g_stop.load(std::memory_order_relaxed))
        __asm__ volatile("pause" : "+r"(p));
    std::free(p);
    return nullptr;
}

static std::atomic<int> g_taken; // signals the sigwait thread received other than SIGUSR1

static void *masked(void *arg)
{
    sigset_t all;
    sigfillset(&all);
    long how = (long)arg;
    if (how == 0 || how == 3)
        pthread_sigmask(SIG_BLOCK, &all, nullptr);
    else if (how == 1)
        sigprocmask(SIG_SETMASK, &all, nullptr);
    else
        syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, nullptr, 8); // unseen by any wrapper
    void *volatile held = std::malloc(3000 + how);
    g_ready++;
    if (how == 3) {
        for (int sig = 0; sigwait(&all, &sig) == 0 && sig != SIGUSR1;)
            g_taken++;
    } else if (how == 2) {
        while (!g_stop.load(std::memory_order_relaxed))
            sched_yield();
    } else {
        while (!g_stop.load(std::memory_order_relaxed)) {
            void *volatile p = std::malloc(64);
            std::free(p);
        }
    }
    std::free(held);
    return nullptr;
}

static void *short_lived(void *)
{
    void *volatile p = std::malloc(128);
    std::memset(p, 1, 128);
    std::free(p);
    return nullptr;
}

static void *spawner(void *)
{
    g_ready++;
    while (!g_stop.load(std::memory_order_relaxed)) {
        pthread_t t;
        if (pthread_create(&t, nullptr, short_lived, nullptr) == 0)
            pthread_join(t, nullptr);
    }
    return nullptr;
}

static void *hold_unregistered(void *)
{
    void *volatile held = std::malloc(2345);
    std::memset(held, 3, 2345);
    g_ready++;
    while (!g_stop.load(std::memory_order_relaxed)) {
        void *volatile p = std::malloc(48);
        std::free(p);
    }
    std::free(held);
    return nullptr;
}

using create_fn = int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

static create_fn libc_create()
{
    void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    void *f = libc ? dlsym(libc, "pthread_create") : nullptr;
    return f ? reinterpret_cast<create_fn>(f) : pthread_create;
}

static int with_threads(int n, void *(*fn)(void *), void *(*arg)(int), int checks,
                        create_fn create = pthread_create)
{
    pthread_t t[64];
    g_ready = 0;
    for (int i = 0; i < n; i++)
        if (create(&t[i], nullptr, fn, arg ? arg(i) : nullptr) != 0)
            return 2;
    while (g_ready.load() < n)
        sched_yield();
    int bad = run_checks(checks);
    g_checked = true;
    int running = 0;
    if (fn == churn_malloc) { // every thread resumed: each counts iterations after the checks
        for (int i = 0; i < n; i++)
            while (g_counts[i].after.load() == 0)
                sched_yield();
        running = n;
    }
    g_stop = true;
    if (fn == masked) {
        pthread_kill(t[3], SIGUSR1);
        std::printf("signals taken by sigwait: %d\n", g_taken.load());
    }
    for (int i = 0; i < n; i++)
        pthread_join(t[i], nullptr);
    if (fn == churn_malloc)
        std::printf("threads: %d running after the checks\n", running);
    return bad ? 1 : 0;
}

static void *checks_then_exit(void *)
{
    pthread_t t[2];
    for (auto &x : t)
        if (pthread_create(&x, nullptr, churn_set, nullptr) != 0)
            std::exit(2);
    while (g_ready.load() < 2)
        sched_yield();
    int bad = run_checks(3);
    std::fflush(stdout);
    std::exit(bad ? 1 : 0); // the others still run: the at-exit check stops them too
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!std::strcmp(mode, "set"))
        return with_threads(4, churn_set, nullptr, 20);
    if (!std::strcmp(mode, "busy64"))
        return with_threads(64, churn_malloc, [](int i) -> void * { return &g_counts[i]; }, 5);
    if (!std::strcmp(mode, "register"))
        return with_threads(2, hold_in_register, nullptr, 5);
    if (!std::strcmp(mode, "masked"))
        return with_threads(4, masked, [](int i) -> void * { return (void *)(long)i; }, 10);
    if (!std::strcmp(mode, "spawn"))
        return with_threads(1, spawner, nullptr, 20);
    if (!std::strcmp(mode, "main-exited")) {
        pthread_t t;
        if (pthread_create(&t, nullptr, checks_then_exit, nullptr) != 0)
            return 2;
        pthread_exit(nullptr);
    }
    if (!std::strcmp(mode, "unregistered"))
        return with_threads(2, hold_unregistered, nullptr, 10, libc_create());
    std::fprintf(stderr, "usage: %s set|busy64|register|masked|spawn|unregistered|main-exited\n", argv[0]);
    return 2;
}
