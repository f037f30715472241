/* hp_arena.c - block bump allocator: big blocks carved front to back, freed together. */
#include "hp_common.h"
#include "hp_arena.h"

#include <stdarg.h>

#define ARENA_BLOCK   (256 * 1024)
#define ARENA_ALIGN   16

struct arena_block {
    struct arena_block *next;
    size_t used, size;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

struct hp_arena {
    struct arena_block *head;
    size_t reserved;
};

hp_arena *hp_arena_new(void)
{
    return hp_new0(hp_arena, 1);
}

hp_arena *hp_arena_free(hp_arena *a)
{
    if (!a)
        return NULL;
    struct arena_block *b = a->head;
    while (b) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
    return NULL;
}

void *hp_arena_alloc(hp_arena *a, size_t n)
{
    if (n > SIZE_MAX - ARENA_ALIGN * 2)
        return NULL;
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    struct arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK;
        struct arena_block *nb = hp_malloc(sizeof(*nb) + size);
        if (!nb)
            return NULL;
        nb->used = 0;
        nb->size = size;
        a->reserved += size;
        if (b && n > ARENA_BLOCK / 4) {
            /* a big object gets its own block behind the current one */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

void *hp_arena_calloc(hp_arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = hp_arena_alloc(a, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *hp_arena_memdup(hp_arena *a, const void *p, size_t n)
{
    void *r = hp_arena_alloc(a, n);
    if (r && n)
        memcpy(r, p, n);
    return r;
}

char *hp_arena_strndup(hp_arena *a, const char *s, size_t n)
{
    char *r = hp_arena_alloc(a, n + 1);
    if (r) {
        memcpy(r, s, n);
        r[n] = '\0';
    }
    return r;
}

char *hp_arena_strdup(hp_arena *a, const char *s)
{
    return hp_arena_strndup(a, s, strlen(s));
}

char *hp_arena_strfmt(hp_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *r = hp_arena_alloc(a, (size_t)n + 1);
    if (!r)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(r, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return r;
}

size_t hp_arena_size(const hp_arena *a)
{
    return a->reserved;
}
