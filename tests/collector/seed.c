/*
 * seed.c - collector test target, the corpus seed workload in C: Leak20000Func leaks
 * 100 x 200 bytes (stored XOR-masked, so the leak checker cannot see them),
 * NoLeak1000Func allocates and frees 10 x 100 bytes. Built with -O0 like the user how-to.
 */
#include <stdio.h>
#include <stdlib.h>

static void *g_sink[100];

void Leak20000Func(void);
void NoLeak1000Func(void);

void Leak20000Func(void)
{
    for (int i = 0; i < 100; i++) {
        void *p = malloc(200);
        g_sink[i] = (void *)((unsigned long)p ^ 0x5a5a5a5a5a5aUL);
    }
}

void NoLeak1000Func(void)
{
    void *p[10];
    for (int i = 0; i < 10; i++)
        p[i] = malloc(100);
    for (int i = 0; i < 10; i++)
        free(p[i]);
}

int main(int argc, char **argv)
{
    (void)argv;
    Leak20000Func();
    NoLeak1000Func();
    if (argc > 1) { /* "noleak": free the leak again so the heap checker finds nothing */
        for (int i = 0; i < 100; i++)
            free((void *)((unsigned long)g_sink[i] ^ 0x5a5a5a5a5a5aUL));
    }
    printf("seed done\n");
    return 0;
}
