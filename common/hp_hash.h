/*
 * hp_hash.h - the hash functions used by every hash table of the analyzer:
 * 64-bit mixing of integers and of byte strings (wyhash-style multiply-fold);
 * and the re-indexing of the id tables built on them (open addressing).
 */
#ifndef HP_HASH_H
#define HP_HASH_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hp_alloc.h"

static inline uint64_t hp_hash_mix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)(a ^ 0xa0761d6478bd642fULL) * (b ^ 0xe7037ed1a0b428dbULL);
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t hp_hash_u64(uint64_t x)
{
    return hp_hash_mix(x, 0x8ebc6af09c88c6e3ULL);
}

static inline uint64_t hp_hash_bytes(const void *data, size_t n, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = seed ^ (n * 0x589965cc75374cc3ULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = hp_hash_mix(h, w);
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        memcpy(&w, p, n);
        h = hp_hash_mix(h, w ^ 0x1d8e4e27c47d124fULL);
    }
    return hp_hash_mix(h, 0x2d358dccaa6c78a5ULL);
}

/**
 * hp_hash_reindex - rebuilds the slots of an open-addressing id table (a
 * power-of-two number of slots, linear probing, a slot holds id + 1, 0 is
 * empty) at nslots slots for the ids 0..count-1, id i at hash(ctx, i); the
 * old *slots is freed. Returns: 0, or -ENOMEM (the table untouched).
 */
static inline int hp_hash_reindex(uint32_t **slots, size_t *ret_nslots, size_t nslots,
                                  size_t count, uint64_t (*hash)(const void *ctx, size_t id),
                                  const void *ctx)
{
    uint32_t *fresh = (uint32_t *)hp_calloc(nslots, sizeof(uint32_t));
    if (!fresh)
        return -ENOMEM;
    for (size_t i = 0; i < count; i++) {
        size_t h = hash(ctx, i) & (nslots - 1);
        while (fresh[h])
            h = (h + 1) & (nslots - 1);
        fresh[h] = (uint32_t)i + 1;
    }
    free(*slots);
    *slots = fresh;
    *ret_nslots = nslots;
    return 0;
}

#endif
