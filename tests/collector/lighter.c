/*
 * lighter.c - collector test target for the table and the stack walk (collector-lighter,
 * collector-unwind):
 *   live N      LiveBlocks keeps N blocks of 8, 31, 54, 77 and 100 bytes, ShrunkBlocks 1000
 *               blocks of 969 bytes made by realloc(malloc(1000), 969) (glibc keeps the
 *               1000-byte chunk: 31 bytes of slack), BigBlocks 3 blocks of 300000 bytes
 *               (mmap'd chunks), the array of their N + 1003 pointers; prints
 *               "heap BYTES" (the chunks' span: usable size + 8 each) and "rss KB" (VmRSS)
 *               with all of them live, without stdio (no buffer stays allocated).
 *   walk        allocations under recursion, a frame with a variable-length array (CFA
 *               from rbp), a function pointer, a signal handler and a second thread.
 * Built with -O2 and no frame pointers.
 */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void **g_live;
static size_t g_n;
static volatile int g_three = 3; /* one call site, however the compiler unrolls */

__attribute__((noinline)) static void LiveBlocks(size_t n)
{
    for (size_t i = 0; i < n; i++)
        g_live[i] = malloc(8 + (i % 5) * 23);
}

__attribute__((noinline)) static void ShrunkBlocks(void **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = realloc(malloc(1000), 969);
}

__attribute__((noinline)) static void BigBlocks(void **v)
{
    for (int i = 0; i < g_three; i++)
        v[i] = malloc(300000);
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb;
}

static int live(size_t n)
{
    g_n = n;
    g_live = malloc((n + 1003) * sizeof(void *));
    LiveBlocks(n);
    ShrunkBlocks(g_live + n, 1000);
    BigBlocks(g_live + n + 1000);
    size_t heap = 0;
    for (size_t i = 0; i < n + 1003; i++)
        heap += malloc_usable_size(g_live[i]) + sizeof(size_t);
    char out[64]; /* no stdio buffer: the blocks above are all the program keeps */
    int len = snprintf(out, sizeof out, "heap %zu\nrss %ld\n", heap, rss_kb());
    return write(1, out, (size_t)len) == len ? 0 : 1;
}

/* ---- walk ---------------------------------------------------------------------------- */

static void *volatile g_sink[64];

__attribute__((noinline)) static void Recurse(int d)
{
    if (d == 0) {
        g_sink[0] = malloc(111);
        return;
    }
    Recurse(d - 1);
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void WithVla(int n)
{
    char buf[n];
    memset(buf, 1, (size_t)n);
    g_sink[1] = malloc(222 + (size_t)buf[n / 2]);
    /* realloc: the interposed entry must not hand its frame record to a tail call */
    g_sink[3] = realloc(NULL, 9 + (size_t)buf[n / 3]);
    __asm__ volatile("" : : "r"(buf) : "memory");
}

__attribute__((noinline)) static void ViaPointer(void (*fn)(int), int a)
{
    fn(a);
    __asm__ volatile("" ::: "memory");
}

static void OnSignal(int sig)
{
    (void)sig;
    g_sink[2] = malloc(333);
}

static void *Worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 50; i++) {
        Recurse(i % 7);
        WithVla(16 + i);
    }
    return NULL;
}

static int walk(void)
{
    for (int i = 0; i < 50; i++) {
        Recurse(i % 9);
        WithVla(64 + 8 * i);
        ViaPointer(Recurse, i % 3);
        ViaPointer(WithVla, 100 + i);
    }
    signal(SIGUSR1, OnSignal);
    raise(SIGUSR1);
    pthread_t t;
    pthread_create(&t, NULL, Worker, NULL);
    pthread_join(t, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "live") == 0)
        return live((size_t)atol(argv[2]));
    if (argc >= 2 && strcmp(argv[1], "walk") == 0)
        return walk();
    fprintf(stderr, "usage: lighter live N | walk\n");
    return 2;
}
