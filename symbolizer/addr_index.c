/*
 * addr_index.c - a bucket index over a sorted table whose elements start
 * with a uint64_t key (hp_elfsym.start, hp_dw_seg.lo, hp_dw_row.addr,
 * hp_dw_extent.lo): the key range is cut into equal power-of-two buckets,
 * about one per element, each remembering how many elements lie before it.
 * A lookup goes to its bucket and searches the few elements in it instead
 * of bisecting the whole table (most of a warm lookup's time went to
 * mispredicted bisection branches). Built in O(n), 4 bytes per bucket, once
 * a table has been searched HP_ADDR_INDEX_AFTER times: a small profile
 * looks up too few addresses to pay for it.
 */
#include "hp_common.h"

#include "addr_index.h"

size_t hp_addr_bisect(const void *base, size_t n, size_t stride, uint64_t addr)
{
    return hp_addr_count_in(base, stride, 0, n, addr);
}

void hp_addr_index_build(hp_addr_index *ix, const void *base, size_t n, size_t stride)
{
    hp_addr_index_free(ix);
    ix->built = true;
    ix->n = n;
    ix->of = base;
    if (n < 8 || n > UINT32_MAX) /* bisection is as quick */
        return;
    uint64_t lo = hp_addr_key_at(base, stride, 0), span = hp_addr_key_at(base, stride, n - 1) - lo;
    unsigned shift = 0;
    while (shift < 63 && (span >> shift) >= n)
        shift++;
    size_t nb = (size_t)(span >> shift) + 1; /* <= n */
    uint32_t *first = hp_new0(uint32_t, nb + 1);
    if (!first)
        return; /* bisection */
    /* first[b]: the elements before bucket b (keys < lo + (b << shift)) */
    size_t b = 0;
    for (size_t i = 0; i < n; i++) {
        size_t bi = (size_t)((hp_addr_key_at(base, stride, i) - lo) >> shift);
        while (b <= bi)
            first[b++] = (uint32_t)i;
    }
    while (b <= nb)
        first[b++] = (uint32_t)n;
    ix->first = first;
    ix->base = lo;
    ix->shift = shift;
    ix->nbuckets = nb;
}

void hp_addr_index_touch(hp_addr_index *ix, const void *base, size_t n, size_t stride)
{
    if (ix->built && (ix->n != n || ix->of != base)) /* another table */
        hp_addr_index_free(ix);
    if (!ix->built && ++ix->uses >= HP_ADDR_INDEX_AFTER)
        hp_addr_index_build(ix, base, n, stride);
}

size_t hp_addr_index_count_touch(hp_addr_index *ix, const void *base, size_t n, size_t stride,
                                 uint64_t addr)
{
    hp_addr_index_touch(ix, base, n, stride);
    return hp_addr_index_peek(ix, base, n, stride, addr);
}

void hp_addr_index_free(hp_addr_index *ix)
{
    free(ix->first);
    *ix = (hp_addr_index){0};
}
