/*
 * profile.c - construction of the profile model: location interning by
 * address, sample interning by stack, mappings, warnings, and merging of
 * profiles (several profiles summed, a --base subtracted), and whether a
 * profile is a heap checker's leak file.
 */
#include "hp_common.h"
#include "hp_hash.h"
#include "hp_profile.h"

#include <stdarg.h>

int hp_profile_new(const char *path, hp_profile **ret)
{
    hp_profile *p = hp_new0(hp_profile, 1);
    if (!p)
        return -ENOMEM;
    p->arena = hp_arena_new();
    p->strings = hp_strtab_new();
    if (!p->arena || !p->strings)
        goto oom;
    p->path = hp_arena_strdup(p->arena, path ? path : "");
    if (!p->path)
        goto oom;
    /* index 0 of these arrays is the "none" sentinel */
    if (HP_GROW(p->locations, p->locations_alloc, 1) < 0 ||
        HP_GROW(p->mappings, p->mappings_alloc, 1) < 0 ||
        HP_GROW(p->functions, p->functions_alloc, 1) < 0)
        goto oom;
    memset(&p->locations[0], 0, sizeof(p->locations[0]));
    memset(&p->mappings[0], 0, sizeof(p->mappings[0]));
    memset(&p->functions[0], 0, sizeof(p->functions[0]));
    p->nlocations = p->nmappings = p->nfunctions = 1;
    *ret = p;
    return 0;
oom:
    hp_profile_free(p);
    return -ENOMEM;
}

hp_profile *hp_profile_free(hp_profile *p)
{
    if (!p)
        return NULL;
    for (size_t i = 0; i < p->nwarnings; i++)
        free(p->warnings[i]);
    free(p->warnings);
    free(p->samples);
    free(p->stack_locs);
    free(p->locations);
    free(p->mappings);
    free(p->functions);
    free(p->lines);
    free(p->records);
    free(p->given);
    free(p->given_names);
    free(p->loc_slots);
    free(p->sample_slots);
    hp_strtab_free(p->strings);
    hp_arena_free(p->arena);
    free(p);
    return NULL;
}

int64_t hp_profile_intern(hp_profile *p, const char *s)
{
    return hp_strtab_intern(p->strings, s, strlen(s));
}

int hp_profile_warn(hp_profile *p, const char *fmt, ...)
{
    if (p->nwarnings >= 100)
        return 0; /* enough said */
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    char *copy = hp_strdup(line);
    if (!copy || HP_GROW(p->warnings, p->warnings_alloc, p->nwarnings + 1) < 0) {
        free(copy);
        return -ENOMEM;
    }
    p->warnings[p->nwarnings++] = copy;
    return 0;
}

/* ---- locations --------------------------------------------------------- */

static int loc_rehash(hp_profile *p, size_t nslots)
{
    uint32_t *slots = hp_new0(uint32_t, nslots);
    if (!slots)
        return -ENOMEM;
    for (size_t i = 1; i < p->nlocations; i++) {
        size_t h = hp_hash_u64(p->locations[i].address) & (nslots - 1);
        while (slots[h])
            h = (h + 1) & (nslots - 1);
        slots[h] = (uint32_t)i;
    }
    free(p->loc_slots);
    p->loc_slots = slots;
    p->loc_nslots = nslots;
    return 0;
}

/* The slot of address in the location table: its location's, or the empty
 * slot where it goes. The table must exist. */
static size_t loc_slot(const hp_profile *p, uint64_t address)
{
    size_t mask = p->loc_nslots - 1;
    size_t h = hp_hash_u64(address) & mask;
    uint32_t id;
    while ((id = p->loc_slots[h]) && p->locations[id].address != address)
        h = (h + 1) & mask;
    return h;
}

uint32_t hp_profile_find_location(const hp_profile *p, uint64_t address)
{
    return p->loc_nslots ? p->loc_slots[loc_slot(p, address)] : 0;
}

int64_t hp_profile_location(hp_profile *p, uint64_t address)
{
    if (p->nlocations * 2 >= p->loc_nslots) {
        int r = loc_rehash(p, p->loc_nslots ? p->loc_nslots * 2 : 1024);
        if (r < 0)
            return r;
    }
    size_t h = loc_slot(p, address);
    uint32_t id = p->loc_slots[h];
    if (id)
        return id;
    if (p->nlocations >= UINT32_MAX - 1)
        return -EOVERFLOW;
    if (HP_GROW(p->locations, p->locations_alloc, p->nlocations + 1) < 0)
        return -ENOMEM;
    id = (uint32_t)p->nlocations++;
    p->locations[id] = (hp_location){.address = address};
    p->loc_slots[h] = id;
    return id;
}

/* ---- samples ----------------------------------------------------------- */

static uint64_t stack_hash(const uint32_t *locs, uint32_t depth)
{
    return hp_hash_bytes(locs, depth * sizeof(*locs), depth);
}

static uint64_t sample_hash_of(const void *ctx, size_t id)
{
    const hp_profile *p = ctx;
    const hp_sample *s = &p->samples[id];
    return stack_hash(p->stack_locs + s->stack, s->depth);
}

static int sample_rehash(hp_profile *p, size_t nslots)
{
    return hp_hash_reindex(&p->sample_slots, &p->sample_nslots, nslots, p->nsamples,
                           sample_hash_of, p);
}

/* Index of the sample with this stack; creates it (zero values) when absent
 * and create is set. Returns index, -1 when absent, or -ENOMEM. */
static int64_t find_sample(hp_profile *p, const uint32_t *locs, uint32_t depth, bool create)
{
    if ((p->nsamples + 1) * 2 >= p->sample_nslots) {
        int r = sample_rehash(p, p->sample_nslots ? p->sample_nslots * 2 : 1024);
        if (r < 0)
            return r;
    }
    size_t mask = p->sample_nslots - 1;
    size_t h = stack_hash(locs, depth) & mask;
    uint32_t id;
    while ((id = p->sample_slots[h])) {
        const hp_sample *s = &p->samples[id - 1];
        if (s->depth == depth &&
            (!depth || memcmp(p->stack_locs + s->stack, locs, depth * sizeof(*locs)) == 0))
            return id - 1;
        h = (h + 1) & mask;
    }
    if (!create)
        return -1;
    if (p->nsamples >= UINT32_MAX - 1 || p->nstack_locs > UINT32_MAX - depth)
        return -EOVERFLOW;
    if (HP_GROW(p->samples, p->samples_alloc, p->nsamples + 1) < 0 ||
        HP_GROW(p->stack_locs, p->stack_locs_alloc, p->nstack_locs + depth) < 0)
        return -ENOMEM;
    uint32_t idx = (uint32_t)p->nsamples++;
    hp_sample *s = &p->samples[idx];
    memset(s, 0, sizeof(*s));
    s->stack = (uint32_t)p->nstack_locs;
    s->depth = depth;
    if (depth)
        memcpy(p->stack_locs + p->nstack_locs, locs, depth * sizeof(*locs));
    p->nstack_locs += depth;
    p->sample_slots[h] = idx + 1;
    return idx;
}

int64_t hp_profile_add_sample(hp_profile *p, const uint32_t *locs, uint32_t depth,
                              const double value[HP_NVALUES], double sign)
{
    int64_t idx = find_sample(p, locs, depth, true);
    if (idx < 0)
        return idx;
    for (int i = 0; i < HP_NVALUES; i++)
        p->samples[idx].value[i] += sign * value[i];
    return idx;
}

/* ---- mappings ---------------------------------------------------------- */

int64_t hp_profile_add_mapping(hp_profile *p, const hp_mapping *m)
{
    if (p->nmappings >= UINT32_MAX - 1)
        return -EOVERFLOW;
    if (HP_GROW(p->mappings, p->mappings_alloc, p->nmappings + 1) < 0)
        return -ENOMEM;
    p->mappings[p->nmappings] = *m;
    return (int64_t)p->nmappings++;
}

uint32_t hp_profile_mapping_of(const hp_profile *p, uint64_t address)
{
    /* executable mappings first: a stack address always points at code */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = p->nmappings; i-- > 1;) {
            const hp_mapping *m = &p->mappings[i];
            if ((m->perms[2] == 'x') != (pass == 0))
                continue;
            if (address >= m->start && address < m->limit)
                return (uint32_t)i;
        }
    }
    return 0;
}

/* ---- merging ----------------------------------------------------------- */

int64_t hp_profile_copy_string(hp_profile *dst, const hp_profile *src, uint32_t id)
{
    return id ? hp_profile_intern(dst, hp_profile_str(src, id)) : 0;
}

int hp_profile_copy_lines(hp_profile *dst, uint32_t to, const hp_profile *src, uint32_t from,
                          int64_t (*function_of)(void *ctx, uint32_t function), void *ctx)
{
    const hp_location *S = &src->locations[from];
    uint32_t first = (uint32_t)dst->nlines;
    for (uint32_t i = 0; i < S->nlines; i++) {
        const hp_line *l = &src->lines[S->first_line + i];
        int64_t fn = l->function ? function_of(ctx, l->function) : 0;
        if (fn < 0)
            return (int)fn;
        int64_t file = hp_profile_copy_string(dst, src, l->file);
        int64_t fileline = hp_profile_copy_string(dst, src, l->fileline);
        if (file < 0 || fileline < 0 || HP_GROW(dst->lines, dst->lines_alloc, dst->nlines + 1) < 0)
            return -ENOMEM;
        dst->lines[dst->nlines++] = (hp_line){
            .function = (uint32_t)fn, .file = (uint32_t)file, .line = l->line,
            .fileline = (uint32_t)fileline,
        };
    }
    hp_location *D = &dst->locations[to];
    D->first_line = first;
    D->nlines = S->nlines;
    return 0;
}

typedef struct copy_ctx {
    hp_profile *dst;
    const hp_profile *src;
} copy_ctx;

/* A copy of src function f in dst (a new function each time). */
static int64_t copy_function(void *ctx, uint32_t f)
{
    const copy_ctx *c = ctx;
    hp_profile *dst = c->dst;
    const hp_function *F = &c->src->functions[f];
    int64_t name = hp_profile_copy_string(dst, c->src, F->name);
    int64_t short_name = hp_profile_copy_string(dst, c->src, F->short_name);
    int64_t file = hp_profile_copy_string(dst, c->src, F->file);
    if (name < 0 || short_name < 0 || file < 0 ||
        HP_GROW(dst->functions, dst->functions_alloc, dst->nfunctions + 1) < 0)
        return -ENOMEM;
    dst->functions[dst->nfunctions] = (hp_function){
        .name = (uint32_t)name, .short_name = (uint32_t)short_name,
        .file = (uint32_t)file, .start = F->start,
    };
    return (int64_t)dst->nfunctions++;
}

/* The inline chain of a location named by its file (profile.proto), copied
 * into a dst location that has none, so merged profiles keep their names. */
static int copy_lines(hp_profile *dst, uint32_t to, const hp_profile *src, uint32_t from)
{
    int r = hp_profile_copy_lines(dst, to, src, from, copy_function, &(copy_ctx){dst, src});
    if (r == 0)
        dst->locations[to].state = HP_LOC_SYMBOLIZED;
    return r;
}

int hp_profile_merge_samples(hp_profile *dst, const hp_profile *src, const uint32_t *map,
                             double sign, bool drop_negative)
{
    uint32_t *stack = NULL;
    size_t stack_alloc = 0;
    int r = -ENOMEM;
    for (size_t i = 0; i < src->nsamples; i++) {
        const hp_sample *s = &src->samples[i];
        if (HP_GROW(stack, stack_alloc, s->depth + 1) < 0)
            goto out;
        for (uint32_t d = 0; d < s->depth; d++)
            stack[d] = map[src->stack_locs[s->stack + d]];
        int64_t idx = find_sample(dst, stack, s->depth, !drop_negative);
        if (idx == -1)
            continue; /* only in the base: dropped with drop_negative */
        if (idx < 0) {
            r = (int)idx;
            goto out;
        }
        hp_sample *d = &dst->samples[idx];
        for (int v = 0; v < HP_NVALUES; v++) {
            d->value[v] += sign * s->value[v];
            if (drop_negative && d->value[v] < 0)
                d->value[v] = 0;
        }
    }
    r = 0;
out:
    free(stack);
    return r;
}

int hp_profile_merge(hp_profile *dst, const hp_profile *src, double sign, bool drop_negative)
{
    uint32_t *map = hp_new0(uint32_t, src->nlocations);
    int r = -ENOMEM;
    if (!map)
        return -ENOMEM;
    for (size_t i = 1; i < src->nlocations; i++) {
        int64_t id = hp_profile_location(dst, src->locations[i].address);
        if (id < 0) {
            r = (int)id;
            goto out;
        }
        map[i] = (uint32_t)id;
        const hp_location *S = &src->locations[i];
        if (S->state == HP_LOC_SYMBOLIZED && S->nlines &&
            dst->locations[id].state != HP_LOC_SYMBOLIZED &&
            (r = copy_lines(dst, (uint32_t)id, src, (uint32_t)i)) < 0)
            goto out;
    }
    r = hp_profile_merge_samples(dst, src, map, sign, drop_negative);
out:
    free(map);
    return r;
}

bool hp_profile_is_leak_file(const hp_profile *p)
{
    if (p->kind != HP_KIND_HEAP || p->sampling != HP_SAMPLING_NONE ||
        strcmp(p->type, "heapprofile") != 0 || p->nrecords == 0)
        return false;
    for (size_t i = 0; i < p->nrecords; i++) {
        const double *v = p->records[i].value;
        if (v[HP_INUSE_OBJECTS] != 1 || v[HP_ALLOC_OBJECTS] != 1 ||
            v[HP_INUSE_SPACE] != v[HP_ALLOC_SPACE])
            return false;
    }
    return true;
}
