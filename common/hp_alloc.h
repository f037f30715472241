/*
 * hp_alloc.h - checked allocation. Every heap allocation of the analyzer goes
 * through hp_malloc/hp_realloc so a test build can make the Nth one fail
 * (hp_alloc_fail_after). Allocation failure is reported, never ignored:
 * the helpers return NULL and callers propagate -ENOMEM.
 */
#ifndef HP_ALLOC_H
#define HP_ALLOC_H

#include <stddef.h>
#include <stdint.h>

/** hp_malloc - malloc(n), NULL on failure or injected failure. Caller frees with free(). */
void *hp_malloc(size_t n);
/** hp_malloc_huge - hp_malloc for a large array filled soon after: from
 * 2 MiB on, aligned to and rounded up to 2 MiB pages and backed by
 * transparent huge pages where the kernel allows (a page fault per 2 MiB
 * instead of per 4 KiB; a fault costs about 2 us in a VM). Freed with free(). */
void *hp_malloc_huge(size_t n);
/** hp_calloc - zeroed array of n * size bytes; NULL on overflow or failure. */
void *hp_calloc(size_t n, size_t size);
/** hp_realloc - realloc; on failure the old block is untouched and NULL returned. */
void *hp_realloc(void *p, size_t n);
/** hp_strdup - copy of s; NULL on failure. */
char *hp_strdup(const char *s);

/** hp_alloc_fail_after - make the allocation after n more succeed fail (n < 0: never). Tests only. */
void hp_alloc_fail_after(long n);

#define hp_new0(T, n) ((T *)hp_calloc((n), sizeof(T)))

/**
 * hp_prefault - have the kernel map the pages of p[0..n) writable at once
 * (MADV_POPULATE_WRITE) instead of one fault at a time on first write; the
 * contents are not changed. Best effort: nothing on kernels before 5.14.
 */
void hp_prefault(void *p, size_t n);

/**
 * hp_grow - make room for at least need elements of size elem in *array whose
 * capacity is *alloc; grows geometrically. Returns: 0 or -ENOMEM (array untouched).
 */
int hp_grow(void **array, size_t *alloc, size_t need, size_t elem);

/* the common case, room enough, checked inline (an append per element is frequent) */
#define HP_GROW(array, alloc, need)                                                            \
    ((size_t)(need) <= (alloc) ? 0 : hp_grow((void **)&(array), &(alloc), (need), sizeof(*(array))))

/**
 * hp_grow0 - hp_grow, the new elements zero-filled: for tables indexed by an
 * id (a string id, a key) that grow as larger ids appear.
 * Returns: 0 or -ENOMEM (array untouched).
 */
int hp_grow0(void **array, size_t *alloc, size_t need, size_t elem);

#define HP_GROW0(array, alloc, need) hp_grow0((void **)&(array), &(alloc), (need), sizeof(*(array)))

#endif
