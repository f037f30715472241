// stacks.cc - allocation paths (main thread and 4 threads, malloc/new[]/calloc) for comparing
// libheapprof's stacks with tcmalloc's on the same program; "leak" forgets every block;
// "grow" is single-threaded growth for the sampled figures.
#include <cstdlib>
#include <cstring>
#include <pthread.h>
#include <string>

static void *keep[1024];
static size_t nkeep;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline)) static void hold(void *p)
{
    pthread_mutex_lock(&mu);
    keep[nkeep++] = p;
    pthread_mutex_unlock(&mu);
}
__attribute__((noinline)) void leaf_malloc(size_t n) { hold(malloc(n)); }
__attribute__((noinline)) void leaf_new(size_t n) { hold(new char[n]); }
__attribute__((noinline)) void leaf_calloc(size_t n) { hold(calloc(n, 1)); }
__attribute__((noinline)) void mid_a(int i) { leaf_malloc(100 + (size_t)i % 3); asm(""); }
__attribute__((noinline)) void mid_b(int i) { leaf_new(200); leaf_calloc(300 + (size_t)i % 2); asm(""); }
__attribute__((noinline)) void *worker(void *arg)
{
    long k = (long)arg;
    for (int i = 0; i < 50; i++) {
        mid_a(i);
        if (k & 1)
            mid_b(i);
    }
    return nullptr;
}
// "grow": one thread keeps 20000 blocks of 24..200 bytes (sampled totals and triggers)
static int grow()
{
    static void *blocks[20000];
    for (size_t i = 0; i < 20000; i++)
        blocks[i] = malloc(24 + i % 177);
    return blocks[19999] == nullptr;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "grow") == 0)
        return grow();
    for (int i = 0; i < 20; i++)
        mid_b(i);
    pthread_t t[4];
    for (long k = 0; k < 4; k++)
        pthread_create(&t[k], nullptr, worker, (void *)k);
    for (auto &x : t)
        pthread_join(x, nullptr);
    for (int i = 0; i < 10; i++) // main's blocks only: keep[0..39] are filled before the threads start
        free(keep[(size_t)i * 3]), keep[(size_t)i * 3] = nullptr;
    if (argc > 1) // "leak": forget every block, the heap checker reports them all
        memset(keep, 0, sizeof(keep));
    return 0;
}
