/*
 * base.c - the bottom layer of libheapprof (see recorder.h for the layers): the per-thread
 * state, memory straight from the kernel (the interposed mmap family is bypassed), the
 * spinlock's slow path, glibc's malloc_usable_size and an allocation-free sort.
 */
#include <dlfcn.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hpc.h"

HPC_TLS struct hpc_thread hpc_tls;

/* ---- the kernel's memory calls ---------------------------------------------------------- */

void *hpc_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    long r = syscall(SYS_mmap, addr, len, prot, flags, fd, off);
    return r == -1 ? MAP_FAILED : (void *)r;
}

int hpc_sys_munmap(void *addr, size_t len)
{
    return (int)syscall(SYS_munmap, addr, len);
}

void *hpc_sys_mremap(void *old, size_t old_len, size_t new_len, int flags, void *new_addr)
{
    long r = syscall(SYS_mremap, old, old_len, new_len, flags, new_addr);
    return r == -1 ? MAP_FAILED : (void *)r;
}

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

/* ---- glibc's malloc_usable_size ----------------------------------------------------------- */

static size_t (*real_usable_size)(void *);

size_t hpc_usable_size(void *p)
{
    return real_usable_size ? real_usable_size(p) : 0;
}

/* Called once from hpc_init(), with the recursion guard set. */
void hpc_usable_size_init(void)
{
    real_usable_size = (size_t(*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
    if (!real_usable_size)
        real_usable_size = (size_t(*)(void *))dlsym(RTLD_DEFAULT, "__malloc_usable_size");
}

/* ---- sorting ---------------------------------------------------------------------------------- */

/* Heap sort (allocation-free, unlike glibc's qsort): afterwards before(a[i], a[j])
 * never holds for i > j. Elements are at most 64 bytes. */
static void heap_sift(char *base, size_t size, size_t i, size_t n, hpc_before_fn before,
                      void *arg)
{
    char t[64];
    for (;;) {
        size_t m = i, l = 2 * i + 1, r = l + 1;
        if (l < n && before(base + m * size, base + l * size, arg))
            m = l;
        if (r < n && before(base + m * size, base + r * size, arg))
            m = r;
        if (m == i)
            return;
        memcpy(t, base + i * size, size);
        memcpy(base + i * size, base + m * size, size);
        memcpy(base + m * size, t, size);
        i = m;
    }
}

void hpc_heapsort(void *base, size_t n, size_t size, hpc_before_fn before, void *arg)
{
    char *a = base, t[64];
    if (size > sizeof(t))
        return;
    for (size_t i = n / 2; i-- > 0;)
        heap_sift(a, size, i, n, before, arg);
    for (size_t end = n; end > 1; end--) {
        memcpy(t, a, size);
        memcpy(a, a + (end - 1) * size, size);
        memcpy(a + (end - 1) * size, t, size);
        heap_sift(a, size, 0, end - 1, before, arg);
    }
}

