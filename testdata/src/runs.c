/* runs.c - a PIE program and its shared library (librunsobj.so, stripped)
 * recorded in several runs with ASLR on (scripts/make-runs.sh, tests/runs.sh).
 * What it provably leaks, times k = the number of arguments + 1: MainLeak
 * 50 x 400 = 20000 bytes in the program; through runs_work() in the library,
 * grow_a 10 x 3000 = 30000 bytes and grow_b 20 x 500 = 10000 bytes;
 * MainNoLeak frees its 8 x 64 bytes. */
#include <stdlib.h>

void *runs_work(int k);

__attribute__((noinline)) void MainLeak(int k)
{
    for (int i = 0; i < 50 * k; i++) {
        void *volatile leak = malloc(400);
        (void)leak;
    }
}

__attribute__((noinline)) void MainNoLeak(void)
{
    for (int i = 0; i < 8; i++) {
        void *volatile p = malloc(64);
        free(p);
    }
}

int main(int argc, char **argv)
{
    (void)argv;
    MainLeak(argc);
    MainNoLeak();
    runs_work(argc);
    return 0;
}
