/* A threaded program for jemalloc profiles (libjemalloc2 with
 * MALLOC_CONF=prof:true,...): the main thread and three workers allocate
 * known amounts through malloc, calloc, realloc, posix_memalign and
 * aligned_alloc; half of WorkerSmall's blocks are freed.
 *   main:         MainAlloc 4 x 100000 B
 *   WorkerBig:    4 x 1048576 B (malloc)
 *   WorkerSmall:  1000 x 64 B (calloc), 500 freed
 *   WorkerMixed:  realloc 1000 -> 300000 B; posix_memalign 8 x 4096 B;
 *                 aligned_alloc 2 x 65536 B
 * Every block but the freed ones stays allocated until exit. */
#include <pthread.h>
#include <stdlib.h>

static void *keep[2000];

__attribute__((noinline)) void MainAlloc(void)
{
    for (int i = 0; i < 4; i++)
        keep[i] = malloc(100000);
}

__attribute__((noinline)) static void *WorkerBig(void *arg)
{
    (void)arg;
    for (int i = 0; i < 4; i++)
        keep[10 + i] = malloc(1048576);
    return NULL;
}

__attribute__((noinline)) static void *WorkerSmall(void *arg)
{
    (void)arg;
    for (int i = 0; i < 1000; i++)
        keep[100 + i] = calloc(1, 64);
    for (int i = 0; i < 1000; i += 2) {
        free(keep[100 + i]);
        keep[100 + i] = NULL;
    }
    return NULL;
}

__attribute__((noinline)) static void *WorkerMixed(void *arg)
{
    (void)arg;
    keep[20] = malloc(1000);
    keep[20] = realloc(keep[20], 300000);
    for (int i = 0; i < 8; i++)
        if (posix_memalign(&keep[30 + i], 4096, 4096) != 0)
            keep[30 + i] = NULL;
    for (int i = 0; i < 2; i++)
        keep[40 + i] = aligned_alloc(65536, 65536);
    return NULL;
}

int main(void)
{
    void *(*workers[])(void *) = {WorkerBig, WorkerSmall, WorkerMixed};
    MainAlloc();
    for (int i = 0; i < 3; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, workers[i], NULL) != 0 || pthread_join(t, NULL) != 0)
            return 1;
    }
    return 0;
}
