/*
 * addr_index.h - the bucket index of addr_index.c over the symbolizer's
 * sorted tables (symbols, CU extents, scope segments, line rows).
 */
#ifndef HP_ADDR_INDEX_H
#define HP_ADDR_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A bucket index over a table sorted by the uint64_t key its elements start
 * with (see addr_index.c); zero it before the first build. */
typedef struct hp_addr_index {
    uint32_t *first; /* nbuckets + 1: elements before each bucket; NULL: bisect */
    uint64_t base;   /* the first key; bucket b holds keys with (key - base) >> shift == b */
    unsigned shift;
    size_t nbuckets;
    const void *of; /* the table indexed */
    size_t n;      /* elements indexed */
    uint32_t uses; /* lookups before it was built */
    bool built;    /* hp_addr_index_build was called (first may still be NULL) */
} hp_addr_index;

#define HP_ADDR_INDEX_AFTER 64 /* lookups in a table before it is indexed */

/** hp_addr_index_build - index the n elements (stride bytes each, sorted by
 * key) at base; on allocation failure (or a small table) lookups bisect. */
void hp_addr_index_build(hp_addr_index *ix, const void *base, size_t n, size_t stride);
static inline uint64_t hp_addr_key_at(const void *base, size_t stride, size_t i)
{
    uint64_t k;
    memcpy(&k, (const char *)base + i * stride, sizeof(k));
    return k;
}

/* Number of elements of [lo, lo + n) whose key is <= addr (keys sorted);
 * without data-dependent branches. */
static inline size_t hp_addr_count_in(const void *base, size_t stride, size_t lo, size_t n,
                                      uint64_t addr)
{
    if (!n)
        return lo;
    while (n > 1) {
        size_t half = n / 2;
        lo = hp_addr_key_at(base, stride, lo + half - 1) <= addr ? lo + half : lo;
        n -= half;
    }
    return lo + (hp_addr_key_at(base, stride, lo) <= addr);
}

/* hp_addr_index_peek of ix built for this table (or bisecting, ix->first NULL) */
static inline size_t hp_addr_index_peek_built(const hp_addr_index *ix, const void *base, size_t n,
                                              size_t stride, uint64_t addr)
{
    if (!ix->first)
        return hp_addr_count_in(base, stride, 0, n, addr);
    if (addr < ix->base)
        return 0;
    uint64_t b = (addr - ix->base) >> ix->shift;
    if (b >= ix->nbuckets)
        return n;
    size_t lo = ix->first[b];
    return hp_addr_count_in(base, stride, lo, ix->first[b + 1] - lo, addr);
}

/** hp_addr_index_peek - how many of the n elements at base have a key <= addr,
 * by ix when it is built for this table, else by bisection; reads only.
 * Inline, as the two below: a lookup calls them a dozen times. */
static inline size_t hp_addr_index_peek(const hp_addr_index *ix, const void *base, size_t n,
                                        size_t stride, uint64_t addr)
{
    if (!ix->first || ix->n != n || ix->of != base)
        return hp_addr_count_in(base, stride, 0, n, addr);
    return hp_addr_index_peek_built(ix, base, n, stride, addr);
}

/** hp_addr_index_touch - count a use of ix for this table: drop an ix built
 * for another base or n, build it on the HP_ADDR_INDEX_AFTER-th use. */
void hp_addr_index_touch(hp_addr_index *ix, const void *base, size_t n, size_t stride);

/** hp_addr_index_count_touch - hp_addr_index_peek after hp_addr_index_touch
 * (hp_addr_index_count's way while ix is not built for this table). */
size_t hp_addr_index_count_touch(hp_addr_index *ix, const void *base, size_t n, size_t stride,
                                 uint64_t addr);

/** hp_addr_index_count - hp_addr_index_peek after hp_addr_index_touch (a
 * table changed in place must hp_addr_index_free its ix). */
static inline size_t hp_addr_index_count(hp_addr_index *ix, const void *base, size_t n,
                                         size_t stride, uint64_t addr)
{
    if (__builtin_expect(!ix->built || ix->n != n || ix->of != base, 0))
        return hp_addr_index_count_touch(ix, base, n, stride, addr);
    return hp_addr_index_peek_built(ix, base, n, stride, addr);
}

/** hp_addr_bisect - the same by bisection over the whole table. */
size_t hp_addr_bisect(const void *base, size_t n, size_t stride, uint64_t addr);

/** hp_addr_index_prefetch - prefetch what a count of addr will read, for a
 * lookup some steps ahead: its bucket (!near), or the table elements the
 * bucket (fetched earlier) points to (near). Reads, changes nothing; a no-op
 * while ix is not built. */
static inline void hp_addr_index_prefetch(const hp_addr_index *ix, const void *base, size_t stride,
                                          uint64_t addr, bool near)
{
    if (!ix->first || addr < ix->base)
        return;
    uint64_t b = (addr - ix->base) >> ix->shift;
    if (b >= ix->nbuckets)
        return;
    if (!near) {
        __builtin_prefetch(&ix->first[b]);
        return;
    }
    /* the count reads the bucket's elements; the answer may be the one before */
    size_t lo = ix->first[b];
    __builtin_prefetch((const char *)base + lo * stride);
    if (lo)
        __builtin_prefetch((const char *)base + (lo - 1) * stride);
}

/** hp_addr_index_free - free and zero ix. */
void hp_addr_index_free(hp_addr_index *ix);

#endif
