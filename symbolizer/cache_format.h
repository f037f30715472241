/*
 * cache_format.h - the layout of a symbol cache file (cache.c reads it,
 * cache_write.c writes it). Native byte order and alignment: the cache is
 * this machine's. All offsets are from the start of the file, records are
 * 8-byte aligned, strings are NUL-terminated in one block and named by their
 * offset in it (HP_CACHE_NONE: no string). hp_cache_seg and hp_cache_row are
 * laid out as hp_dw_seg and hp_dw_row: cache.c uses them in place.
 *
 *   header | records (symbols, nm symbols, CUs, per-CU tables, CU index) | strings
 */
#ifndef HP_CACHE_FORMAT_H
#define HP_CACHE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define HP_CACHE_MAGIC   "cpprofSC"
#define HP_CACHE_VERSION 2u
#define HP_CACHE_BOM     0x01020304u
#define HP_CACHE_NONE    UINT32_MAX
#define HP_CACHE_SUFFIX  ".cpsym"

typedef struct hp_cache_header {
    char magic[8];
    uint32_t version, byte_order;
    uint64_t size, checksum; /* checksum: hp_cache_checksum of the bytes from strings_off on */
    uint64_t strings_off, strings_size;
    uint32_t ident, flags; /* ident: the identity string; flags: HP_CACHE_F_* */
    uint64_t nsyms, syms_off, nnm, nm_off;
    uint64_t ncus, cus_off, nindex, index_off;
} hp_cache_header;

enum { HP_CACHE_F_NM_SAME = 1, HP_CACHE_F_DWARF = 2, HP_CACHE_F_LINES = 4 };

typedef struct hp_cache_sym {
    uint64_t start, size;
    uint32_t raw, pad;
} hp_cache_sym;

typedef struct hp_cache_cu { /* sorted by die_off */
    uint64_t die_off;
    uint16_t version, cached; /* cached: the tables below are present */
    uint32_t nscopes, nsegs, nrows, nfiles, pad;
    uint64_t scopes_off, segs_off, rows_off, files_off;
} hp_cache_cu;

typedef struct hp_cache_scope {
    uint64_t entry;
    uint32_t name, call_file, call_line;
    int32_t parent; /* -1, or an earlier scope of the CU */
    uint32_t flags, pad; /* 1: name is mangled, 2: plain (hp_dw_scope) */
} hp_cache_scope;

typedef struct hp_cache_seg {
    uint64_t lo;
    int32_t scope;
    uint32_t pad;
} hp_cache_seg;

typedef struct hp_cache_row {
    uint64_t addr;
    uint32_t file, line; /* file: index in the CU's file list, HP_CACHE_NONE: end of sequence */
} hp_cache_row;

typedef struct hp_cache_extent { /* sorted by lo */
    uint64_t lo, hi;
    uint32_t cu, pad;
} hp_cache_extent;

static inline uint64_t hp_cache_mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    return h ^ (h >> 29);
}

/** hp_cache_checksum - a 64-bit hash of n bytes at p (not cryptographic):
 * four independent lanes over 32-byte blocks (a valid file is hashed whole at
 * every open), then the tail. */
static inline uint64_t hp_cache_checksum(const uint8_t *p, size_t n)
{
    uint64_t h0 = 0x9e3779b97f4a7c15ull ^ n, h1 = 0xc2b2ae3d27d4eb4full,
             h2 = 0x165667b19e3779f9ull, h3 = 0x27d4eb2f165667c5ull;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        uint64_t w[4];
        __builtin_memcpy(w, p + i, 32);
        h0 = hp_cache_mix(h0, w[0]);
        h1 = hp_cache_mix(h1, w[1]);
        h2 = hp_cache_mix(h2, w[2]);
        h3 = hp_cache_mix(h3, w[3]);
    }
    uint64_t h = hp_cache_mix(hp_cache_mix(hp_cache_mix(h0, h1), h2), h3);
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        __builtin_memcpy(&w, p + i, 8);
        h = hp_cache_mix(h, w);
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h ^ (h >> 31);
}

#endif
