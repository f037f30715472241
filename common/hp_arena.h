/*
 * hp_arena.h - block bump allocator (after git's mem_pool). Objects allocated
 * from an arena are never freed one by one: hp_arena_free releases them all.
 * A profile owns one arena; later stages (aggregation, graph) own their own.
 * Invariants: every returned pointer is 16-byte aligned; allocation failure
 * returns NULL and leaves the arena usable.
 */
#ifndef HP_ARENA_H
#define HP_ARENA_H

#include <stddef.h>
#include "hp_macros.h"

typedef struct hp_arena hp_arena;

/** hp_arena_new - new empty arena. Returns: new arena (free with hp_arena_free) or NULL. */
hp_arena *hp_arena_new(void);
/** hp_arena_free - release the arena and everything allocated from it. Accepts NULL; returns NULL. */
hp_arena *hp_arena_free(hp_arena *a);

/** hp_arena_alloc - n bytes, uninitialised. Returns: borrowed memory valid until hp_arena_free, or NULL. */
void *hp_arena_alloc(hp_arena *a, size_t n);
/** hp_arena_calloc - zeroed array of n * size bytes (overflow-checked). */
void *hp_arena_calloc(hp_arena *a, size_t n, size_t size);
/** hp_arena_memdup - copy of n bytes of p. */
void *hp_arena_memdup(hp_arena *a, const void *p, size_t n);
/** hp_arena_strndup - NUL-terminated copy of the first n bytes of s. */
char *hp_arena_strndup(hp_arena *a, const char *s, size_t n);
/** hp_arena_strdup - NUL-terminated copy of s. */
char *hp_arena_strdup(hp_arena *a, const char *s);
/** hp_arena_strfmt - printf into arena memory. */
char *hp_arena_strfmt(hp_arena *a, const char *fmt, ...) HP_PRINTF(2, 3);
/** hp_arena_size - bytes reserved by the arena's blocks (for statistics). */
size_t hp_arena_size(const hp_arena *a);

#endif
