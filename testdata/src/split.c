/* split.c - the program of tests/debugfile (scripts/make-debugfile.sh):
 * outer() calls inner(), inlined at -O2, which allocates; 40 blocks of
 * 64 KiB stay in use at exit. Built with -DREBUILT it is "the same program
 * rebuilt after profiling": pad() moves the code of main and outer. */
#include <stdlib.h>
#include <string.h>

static inline __attribute__((always_inline)) char *inner(size_t n)
{
    char *p = malloc(n);
    if (p)
        memset(p, 1, n);
    return p;
}

__attribute__((noinline)) char *outer(size_t n)
{
    return inner(n);
}

#ifdef REBUILT
__attribute__((noinline)) static void pad(void)
{
    static volatile int x;
    for (int i = 0; i < 100; i++)
        x += i * 3;
}
#endif

int main(void)
{
    static char *keep[40];
#ifdef REBUILT
    pad();
#endif
    for (int i = 0; i < 40; i++)
        keep[i] = outer(64 << 10);
    return keep[0] == NULL;
}
