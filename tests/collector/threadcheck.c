/*
 * threadcheck.c - heap-checker test target for threads, one workload per argv[1]:
 *   hold     at exit, one live thread holds a 4321-byte block only in a stack variable and
 *            another holds a 5432-byte block only in a __thread variable; a joined thread
 *            leaked 999 bytes (pointer stored XOR-masked): exactly that one is a leak
 *   noleak   4 threads allocate, pass blocks to each other through a shared slot array and
 *            free everything before they are joined: no leaks
 *   stale    a function fills 512 dead stack slots with the address of a 777-byte block it
 *            then drops; main returns: the exit handlers' frames laid over those slots must
 *            not make the block reachable (exactly that one is a leak)
 *   stale-exit  the same, but main calls exit(0)
 * Built with the project's default -O2 and no frame pointers.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static sem_t g_ready;
static uintptr_t g_hidden;
static __thread void *volatile t_block; /* volatile: gcc drops stores to a write-only static */

__attribute__((noinline)) static void *LeakFromThread(size_t n)
{
    return malloc(n);
}

static void *hold_on_stack(void *arg)
{
    (void)arg;
    void *volatile p = malloc(4321);
    memset(p, 1, 4321);
    sem_post(&g_ready);
    for (;;)
        pause();
    return NULL;
}

static void *hold_in_tls(void *arg)
{
    (void)arg;
    t_block = malloc(5432);
    memset((void *)t_block, 2, 5432);
    sem_post(&g_ready);
    for (;;)
        pause();
    return NULL;
}

static void *leaker(void *arg)
{
    (void)arg;
    g_hidden = (uintptr_t)LeakFromThread(999) ^ 0x5a5a5a5a5aUL;
    return NULL;
}

static int do_hold(void)
{
    pthread_t a, b, c;
    sem_init(&g_ready, 0, 0);
    if (pthread_create(&a, NULL, hold_on_stack, NULL) ||
        pthread_create(&b, NULL, hold_in_tls, NULL))
        return 2;
    sem_wait(&g_ready);
    sem_wait(&g_ready);
    if (pthread_create(&c, NULL, leaker, NULL) || pthread_join(c, NULL))
        return 3;
    return 0; /* a and b are still blocked in pause() */
}

#define NSLOT 64
static void *volatile g_slots[NSLOT];
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

static void *churn(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    for (int i = 0; i < 20000; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned k = (seed >> 8) % NSLOT;
        void *n = malloc(16 + (seed >> 20) % 300);
        pthread_mutex_lock(&g_mu);
        void *old = g_slots[k];
        g_slots[k] = n;
        pthread_mutex_unlock(&g_mu);
        free(old);
    }
    return NULL;
}

static int do_noleak(void)
{
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        if (pthread_create(&th[i], NULL, churn, (void *)(uintptr_t)(i + 1)))
            return 2;
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int k = 0; k < NSLOT; k++) {
        free(g_slots[k]);
        g_slots[k] = NULL;
    }
    return 0;
}

/* Leaves p's address in many stack slots that are dead once this returns. */
__attribute__((noinline)) static void drop_block(void)
{
    void *p = malloc(777);
    volatile uintptr_t slots[512];
    for (int i = 0; i < 512; i++)
        slots[i] = (uintptr_t)p;
    (void)slots;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    if (!strcmp(argv[1], "hold"))
        return do_hold();
    if (!strcmp(argv[1], "noleak"))
        return do_noleak();
    if (!strncmp(argv[1], "stale", 5)) {
        drop_block();
        if (!strcmp(argv[1], "stale-exit"))
            exit(0);
        return 0;
    }
    return 2;
}
