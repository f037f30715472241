/*
 * addr_index.h - the bucket index of addr_index.c over the symbolizer's
 * sorted tables (symbols, CU extents, scope segments, line rows).
 */
#ifndef HP_ADDR_INDEX_H
#define HP_ADDR_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
/** hp_addr_index_count - how many of the n elements at base have a key <= addr;
 * ix (of this table, zeroed at first) is built on the HP_ADDR_INDEX_AFTER-th
 * call, plain bisection until then; an ix built for another base or n is
 * dropped (a table changed in place must hp_addr_index_free its ix). */
size_t hp_addr_index_count(hp_addr_index *ix, const void *base, size_t n, size_t stride,
                           uint64_t addr);
/** hp_addr_index_peek - the same without building or dropping ix (reads
 * only; bisects unless ix is built for this table). */
size_t hp_addr_index_peek(const hp_addr_index *ix, const void *base, size_t n, size_t stride,
                          uint64_t addr);
/** hp_addr_bisect - the same by bisection over the whole table. */
size_t hp_addr_bisect(const void *base, size_t n, size_t stride, uint64_t addr);
/** hp_addr_index_prefetch - prefetch what a count of addr will read, for a
 * lookup some steps ahead: its bucket (!near), or the table elements the
 * bucket (fetched earlier) points to (near). Reads, changes nothing; a no-op
 * while ix is not built. */
void hp_addr_index_prefetch(const hp_addr_index *ix, const void *base, size_t stride,
                            uint64_t addr, bool near);
/** hp_addr_index_free - free and zero ix. */
void hp_addr_index_free(hp_addr_index *ix);

#endif
