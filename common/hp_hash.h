/*
 * hp_hash.h - the hash functions used by every hash table of the analyzer:
 * 64-bit mixing of integers and of byte strings (wyhash-style multiply-fold).
 */
#ifndef HP_HASH_H
#define HP_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

#endif
