/*
 * target.c - collector test target with one workload per argv[1]:
 *   stress      8 threads of malloc/calloc/realloc/free churn; each leaks 1000 x 64 bytes
 *               from LeakInThread (8000 objects, 512000 bytes in total)
 *   fork        parent and child allocate; the child exits normally, the parent waits
 *   thread-exit main() ends with pthread_exit; a worker leaks 4096 bytes and finishes
 *   dlopen      load argv[2], call its plugin_alloc() (leaks 3000 bytes), dlclose
 *   edge        realloc(p, 0), huge and failing allocations, memalign family; exits 1 on a
 *               wrong libc result; leaks exactly 777 bytes from EdgeLeak
 *   churn       allocate and free 64 MiB in 1 MiB blocks (interval triggers)
 *   mmap        MmapRegion maps 1 MiB (kept) and 64 KiB (unmapped); mallocs 4321 bytes (kept)
 * Built with the project's default -O2 and no frame pointers.
 */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile g_keep;

__attribute__((noinline)) static void *LeakInThread(size_t n)
{
    return malloc(n);
}

static void *stress_worker(void *arg)
{
    void **leaks = arg;
    void *slots[64] = {0};
    for (int i = 0; i < 200000; i++) {
        int k = i & 63;
        switch (i % 4) {
        case 0:
            free(slots[k]);
            slots[k] = malloc((size_t)(i % 500) + 1);
            break;
        case 1:
            free(slots[k]);
            slots[k] = calloc(3, (size_t)(i % 100) + 1);
            break;
        case 2:
            slots[k] = realloc(slots[k], (size_t)(i % 700) + 1);
            break;
        default:
            free(slots[k]);
            slots[k] = NULL;
        }
    }
    for (int k = 0; k < 64; k++)
        free(slots[k]);
    for (int i = 0; i < 1000; i++)
        leaks[i] = LeakInThread(64);
    return NULL;
}

static int do_stress(void)
{
    pthread_t th[8];
    static void *leaks[8][1000];
    for (int i = 0; i < 8; i++)
        if (pthread_create(&th[i], NULL, stress_worker, leaks[i]) != 0)
            return 2;
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    return 0;
}

__attribute__((noinline)) static void *ChildAlloc(size_t n)
{
    return malloc(n);
}

static int do_fork(void)
{
    g_keep = malloc(1000);
    pid_t pid = fork();
    if (pid < 0)
        return 2;
    if (pid == 0) {
        g_keep = ChildAlloc(5000);
        printf("child %d\n", (int)getpid());
        fflush(stdout);
        exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 3;
}

static void *exit_worker(void *arg)
{
    (void)arg;
    g_keep = malloc(4096);
    return NULL;
}

static int do_thread_exit(void)
{
    pthread_t th;
    pthread_create(&th, NULL, exit_worker, NULL);
    pthread_detach(th);
    pthread_exit(NULL);
}

static int do_dlopen(const char *path)
{
    void *h = dlopen(path, RTLD_NOW);
    if (!h) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 2;
    }
    void *(*fn)(void) = (void *(*)(void))dlsym(h, "plugin_alloc");
    if (!fn)
        return 3;
    g_keep = fn();
    dlclose(h);
    void *p = malloc(10);
    free(p);
    return 0;
}

#define CHECK(c)                                                                               \
    do {                                                                                       \
        if (!(c)) {                                                                            \
            fprintf(stderr, "edge: check failed: %s (line %d)\n", #c, __LINE__);              \
            return 1;                                                                          \
        }                                                                                      \
    } while (0)

__attribute__((noinline)) static void *EdgeLeak(size_t n)
{
    return malloc(n);
}

static int do_edge(void)
{
    void *volatile p = malloc(100);
    CHECK(p);
    CHECK(malloc_usable_size(p) >= 100);
    CHECK(realloc(p, 0) == NULL); /* glibc frees */
    p = realloc(NULL, 50);
    CHECK(p);
    p = realloc(p, 5000);
    CHECK(p);
    free(p);
    volatile size_t huge = SIZE_MAX;
    errno = 0;
    CHECK(malloc(huge) == NULL && errno == ENOMEM);
    errno = 0;
    CHECK(calloc(huge / 2, 4) == NULL && errno == ENOMEM);
    p = malloc(10);
    errno = 0;
    CHECK(realloc(p, huge) == NULL && errno == ENOMEM);
    free(p);
    errno = 0;
    CHECK(reallocarray(NULL, huge / 2, 4) == NULL && errno == ENOMEM);
    void *a = NULL;
    CHECK(posix_memalign(&a, 3, 10) == EINVAL);
    CHECK(posix_memalign(&a, 64, 100) == 0 && ((uintptr_t)a & 63) == 0);
    free(a);
    CHECK(posix_memalign(&a, 64, huge) == ENOMEM);
    a = aligned_alloc(256, 512);
    CHECK(a && ((uintptr_t)a & 255) == 0);
    free(a);
    a = memalign(4096, 10);
    CHECK(a && ((uintptr_t)a & 4095) == 0);
    free(a);
    a = valloc(10);
    CHECK(a);
    free(a);
    a = pvalloc(10);
    CHECK(a);
    free(a);
    free(NULL);
    g_keep = EdgeLeak(777);
    return 0;
}

static int do_churn(void)
{
    for (int i = 0; i < 64; i++) {
        char *p = malloc(1 << 20);
        p[0] = 1;
        g_keep = p;
        free(p);
    }
    return 0;
}

__attribute__((noinline)) static void *MmapRegion(size_t n)
{
    return mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static int do_mmap(void)
{
    g_keep = MmapRegion(1 << 20);
    void *q = MmapRegion(1 << 16);
    if (g_keep == MAP_FAILED || q == MAP_FAILED || munmap(q, 1 << 16) != 0)
        return 1;
    g_keep = malloc(4321);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    const char *m = argv[1];
    if (!strcmp(m, "stress"))
        return do_stress();
    if (!strcmp(m, "fork"))
        return do_fork();
    if (!strcmp(m, "thread-exit"))
        return do_thread_exit();
    if (!strcmp(m, "dlopen") && argc > 2)
        return do_dlopen(argv[2]);
    if (!strcmp(m, "edge"))
        return do_edge();
    if (!strcmp(m, "churn"))
        return do_churn();
    if (!strcmp(m, "mmap"))
        return do_mmap();
    return 2;
}
