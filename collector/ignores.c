/*
 * ignores.c - what HeapLeakChecker's users hand the heap checker: the IgnoreObject list
 * (start addresses of blocks that are roots of the marking, heapcheck.c) and the
 * HeapCleaner functions run once before the at-exit check. checkapi.c fills both.
 * mmap'd memory only.
 */
#include <string.h>

#include "hpc.h"

static uintptr_t *ignored;
static size_t nignored, capignored;

size_t hpc_ignored(const uintptr_t **v)
{
    *v = ignored;
    return nignored;
}

int hpc_ignore_add(uintptr_t start)
{
    for (size_t i = 0; i < nignored; i++)
        if (ignored[i] == start)
            return 0;
    if (nignored == capignored) {
        size_t nc = capignored ? capignored * 2 : 512;
        uintptr_t *nv = hpc_mmap(nc * sizeof(*nv));
        if (nv && ignored) {
            memcpy(nv, ignored, nignored * sizeof(*nv));
            hpc_munmap(ignored, capignored * sizeof(*nv));
        }
        if (nv) {
            ignored = nv;
            capignored = nc;
        }
    }
    if (nignored == capignored)
        return -1;
    ignored[nignored++] = start;
    return 1;
}

bool hpc_ignore_remove(uintptr_t start)
{
    for (size_t i = 0; i < nignored; i++) {
        if (ignored[i] == start) {
            ignored[i] = ignored[--nignored];
            return true;
        }
    }
    return false;
}

#define MAX_CLEANUPS 1024
static void (*cleanups[MAX_CLEANUPS])(void);
static atomic_int ncleanups;

void hpc_cleanup_add(void (*fn)(void))
{
    int i = atomic_fetch_add(&ncleanups, 1);
    if (i < MAX_CLEANUPS)
        cleanups[i] = fn;
}

void hpc_run_cleanups(void)
{
    int n = atomic_exchange(&ncleanups, 0); /* like gperftools: each runs once */
    for (int i = 0; i < n && i < MAX_CLEANUPS; i++)
        if (cleanups[i])
            cleanups[i]();
}
