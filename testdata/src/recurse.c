/*
 * recurse.c - recursion and inlined allocation for the call-graph and
 * --collapsed tests (tests/recurse.sh, issue 11 items 7 and 8). Nothing is
 * freed, so in-use = allocated, and every stack is known from the code:
 *
 *   Down(5)  Down 5..0, then Grab (inlined) 1 MiB           (Down x6)
 *            Down 5..3, then malloc 64 KiB at d == 3          (Down x3)
 *   Ping(4)  Ping4 Pong3 Ping2 Pong1 Ping0: malloc 128 KiB
 *            Ping4 Pong3 Ping2: malloc 32 KiB at d == 2
 *   Pong(4)  Pong4 Ping3 Pong2 Ping1 Pong0: Grab (inlined) 256 KiB
 *   Pong(1)  Pong1 Ping0: malloc 128 KiB
 *
 * gcc -g -O2; noipa keeps each recursive call a real call (no inlining,
 * cloning or tail-recursion elimination), always_inline makes Grab inline.
 */
#include <stdlib.h>

void *keep[64]; /* global: the allocations stay observable */
int nkeep;

static inline __attribute__((always_inline)) void Grab(size_t n)
{
    void *p = malloc(n);
    if (!p)
        abort();
    keep[nkeep++] = p;
}

__attribute__((noipa)) int Down(int d)
{
    if (d == 0) {
        Grab(1 << 20);
        return 0;
    }
    if (d == 3)
        keep[nkeep++] = malloc(64 << 10);
    int r = Down(d - 1);
    __asm__ volatile("" ::: "memory");
    return r + 1;
}

__attribute__((noipa)) int Pong(int d);

__attribute__((noipa)) int Ping(int d)
{
    if (d == 0) {
        keep[nkeep++] = malloc(128 << 10);
        return 0;
    }
    if (d == 2)
        keep[nkeep++] = malloc(32 << 10);
    int r = Pong(d - 1);
    __asm__ volatile("" ::: "memory");
    return r + 1;
}

__attribute__((noipa)) int Pong(int d)
{
    if (d == 0) {
        Grab(256 << 10);
        return 0;
    }
    int r = Ping(d - 1);
    __asm__ volatile("" ::: "memory");
    return r + 1;
}

int main(void)
{
    int n = Down(5) + Ping(4) + Pong(4) + Pong(1);
    return n == 5 + 4 + 4 + 1 ? 0 : 1;
}
