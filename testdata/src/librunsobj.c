/* librunsobj.c - the shared library of runs.c, committed stripped: its two
 * static allocators have no name in it (they print as librunsobj.so+0x...),
 * only the exported runs_work does. */
#include <stdlib.h>

static __attribute__((noinline)) void grow_a(int k)
{
    for (int i = 0; i < 10 * k; i++) {
        void *volatile p = malloc(3000);
        (void)p;
    }
}

static __attribute__((noinline)) void grow_b(int k)
{
    for (int i = 0; i < 20 * k; i++) {
        void *volatile p = malloc(500);
        (void)p;
    }
}

void *runs_work(int k)
{
    grow_a(k);
    grow_b(k);
    return 0;
}
