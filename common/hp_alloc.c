/* hp_alloc.c - checked allocation helpers and the allocation-failure hook for tests. */
#include "hp_common.h"

#include <sys/mman.h>

static long fail_countdown = -1;

void hp_alloc_fail_after(long n)
{
    fail_countdown = n;
}

static bool injected_failure(void)
{
    if (fail_countdown < 0)
        return false;
    if (fail_countdown == 0)
        return true;
    fail_countdown--;
    return false;
}

void *hp_malloc(size_t n)
{
    if (injected_failure())
        return NULL;
    return malloc(n ? n : 1);
}

void *hp_calloc(size_t n, size_t size)
{
    if (injected_failure())
        return NULL;
    if (size && n > SIZE_MAX / size)
        return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

void *hp_realloc(void *p, size_t n)
{
    if (injected_failure())
        return NULL;
    return realloc(p, n ? n : 1);
}

char *hp_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *r = hp_malloc(n);
    if (r)
        memcpy(r, s, n);
    return r;
}

#define HUGE_PAGE ((size_t)2 << 20)

/* Transparent huge pages for the whole 2 MiB pages inside p[0..n). */
static void advise_huge(void *p, size_t n)
{
    uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t hi = ((uintptr_t)p + n) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (hi > lo)
        madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
}

void *hp_malloc_huge(size_t n)
{
    if (n < HUGE_PAGE)
        return hp_malloc(n);
    if (injected_failure() || n > SIZE_MAX - HUGE_PAGE)
        return NULL;
    size_t whole = (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    void *p = aligned_alloc(HUGE_PAGE, whole);
    if (p)
        advise_huge(p, whole);
    return p;
}

int hp_grow(void **array, size_t *alloc, size_t need, size_t elem)
{
    if (need <= *alloc)
        return 0;
    size_t n = *alloc ? *alloc : 16;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return -ENOMEM;
        n *= 2;
    }
    if (elem && n > SIZE_MAX / elem)
        return -ENOMEM;
    void *p = hp_realloc(*array, n * elem);
    if (!p)
        return -ENOMEM;
    /* Large tables: ask for transparent huge pages, so filling them costs
     * few page faults (a 50 MB profile otherwise spends a third of its time
     * faulting in 4 KiB pages). */
    if (n * elem >= ((size_t)8 << 20))
        advise_huge(p, n * elem);
    *array = p;
    *alloc = n;
    return 0;
}

int hp_grow0(void **array, size_t *alloc, size_t need, size_t elem)
{
    size_t old = *alloc;
    int r = hp_grow(array, alloc, need, elem);
    if (r == 0 && *alloc > old)
        memset((char *)*array + old * elem, 0, (*alloc - old) * elem);
    return r;
}

void hp_prefault(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
    if (!p || !n)
        return;
    uintptr_t lo = (uintptr_t)p & ~(uintptr_t)4095;
    (void)madvise((void *)lo, (uintptr_t)p + n - lo, MADV_POPULATE_WRITE);
#else
    (void)p, (void)n;
#endif
}
