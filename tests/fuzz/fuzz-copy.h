/*
 * fuzz-copy.h - for the fuzz targets that hand parts of their input to a
 * reader: each part copied to a buffer of its own size, so that a read past
 * one is caught by ASan.
 */
#ifndef HP_FUZZ_COPY_H
#define HP_FUZZ_COPY_H

#include "hp_common.h"

/* A malloc'ed copy of the n bytes at p (free it); NULL when out of memory. */
static inline unsigned char *fuzz_copy(const uint8_t *p, size_t n)
{
    unsigned char *c = hp_malloc(n ? n : 1);
    if (c && n)
        memcpy(c, p, n);
    return c;
}

#endif
