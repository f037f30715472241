/* hp_strtab.c - open-addressing string interning table backed by an arena. */
#include "hp_common.h"
#include "hp_arena.h"
#include "hp_hash.h"
#include "hp_strtab.h"

struct hp_strtab {
    hp_arena *arena;
    const char **strs;
    uint32_t *lens;
    size_t count, alloc;
    uint32_t *slots; /* id + 1, 0 = empty */
    size_t nslots;
};

hp_strtab *hp_strtab_new(void)
{
    hp_strtab *t = hp_new0(hp_strtab, 1);
    if (!t)
        return NULL;
    t->arena = hp_arena_new();
    if (!t->arena || hp_strtab_intern(t, "", 0) != 0)
        return hp_strtab_free(t);
    return t;
}

hp_strtab *hp_strtab_free(hp_strtab *t)
{
    if (!t)
        return NULL;
    hp_arena_free(t->arena);
    free(t->strs);
    free(t->lens);
    free(t->slots);
    free(t);
    return NULL;
}

static uint64_t str_hash_of(const void *ctx, size_t id)
{
    const hp_strtab *t = ctx;
    return hp_hash_bytes(t->strs[id], t->lens[id], 0);
}

static int strtab_rehash(hp_strtab *t, size_t nslots)
{
    return hp_hash_reindex(&t->slots, &t->nslots, nslots, t->count, str_hash_of, t);
}

int hp_strtab_reserve(hp_strtab *t, size_t n)
{
    size_t want = t->count + n, nslots = t->nslots ? t->nslots : 64;
    while ((want + 1) * 2 > nslots)
        nslots *= 2;
    size_t a1 = t->alloc, a2 = t->alloc;
    if (HP_GROW(t->strs, a1, want) < 0 || HP_GROW(t->lens, a2, want) < 0)
        return -ENOMEM;
    t->alloc = a1 < a2 ? a1 : a2;
    return nslots != t->nslots ? strtab_rehash(t, nslots) : 0;
}

int64_t hp_strtab_intern(hp_strtab *t, const char *s, size_t n)
{
    if (n > UINT32_MAX)
        return -EOVERFLOW;
    if ((t->count + 1) * 2 > t->nslots) {
        int r = strtab_rehash(t, t->nslots ? t->nslots * 2 : 64);
        if (r < 0)
            return r;
    }
    size_t mask = t->nslots - 1;
    size_t h = hp_hash_bytes(s, n, 0) & mask;
    while (t->slots[h]) {
        uint32_t id = t->slots[h] - 1;
        if (t->lens[id] == n && (!n || memcmp(t->strs[id], s, n) == 0))
            return id;
        h = (h + 1) & mask;
    }
    if (t->count >= UINT32_MAX - 1)
        return -EOVERFLOW;
    size_t a1 = t->alloc, a2 = t->alloc;
    if (HP_GROW(t->strs, a1, t->count + 1) < 0 || HP_GROW(t->lens, a2, t->count + 1) < 0)
        return -ENOMEM;
    t->alloc = a1 < a2 ? a1 : a2;
    char *copy = hp_arena_strndup(t->arena, s, n);
    if (!copy)
        return -ENOMEM;
    uint32_t id = (uint32_t)t->count++;
    t->strs[id] = copy;
    t->lens[id] = (uint32_t)n;
    t->slots[h] = id + 1;
    return id;
}

const char *hp_strtab_get(const hp_strtab *t, uint32_t id)
{
    return id < t->count ? t->strs[id] : "";
}

uint32_t hp_strtab_count(const hp_strtab *t)
{
    return (uint32_t)t->count;
}
