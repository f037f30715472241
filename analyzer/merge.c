/*
 * merge.c - profiles from different runs added together (several profiles
 * summed, a --base subtracted) after each was symbolized through its own
 * memory map (DECISIONS 16). Address-space randomisation loads every PIE
 * program and shared library at a new address in each run, so a frame is
 * matched by what it is, never by its raw address: each mapping of src is
 * paired with dst's mapping of the same file and offset, and src addresses
 * are relocated into it (the address the same code had in dst's run, as Go
 * pprof's merge does). A relocated location that dst already has is the same
 * frame when the names agree; otherwise a new location keeps src's names
 * (reachable by a later merge through the `others` list, not by address).
 * Objects only src maps are added to dst's map unrelocated. Functions are
 * shared by full name, so a function present in both runs is one function.
 */
#include "hp_common.h"
#include "hp_profile.h"

typedef struct merger {
    hp_profile *dst;
    const hp_profile *src;
    uint32_t *mapping_of;  /* src mapping -> dst mapping, 0 = not paired yet */
    int64_t *delta;        /* per src mapping: dst start - src start */
    uint32_t *fn_by_name;  /* dst string id of a full name -> dst function */
    size_t fn_by_name_alloc;
    uint32_t *others;      /* dst locations that share an address with another
                              frame (earlier merges), by address */
    size_t nothers;
} merger;

static int remember_function(merger *g, uint32_t name, uint32_t fn)
{
    if (HP_GROW0(g->fn_by_name, g->fn_by_name_alloc, (size_t)name + 1) < 0)
        return -ENOMEM;
    if (!g->fn_by_name[name])
        g->fn_by_name[name] = fn;
    return 0;
}

/* dst's mapping for src mapping m: the same file at the same offset, else a copy. */
static int64_t pair_mapping(merger *g, uint32_t m)
{
    if (g->mapping_of[m])
        return g->mapping_of[m];
    const hp_mapping *S = &g->src->mappings[m];
    const char *path = hp_profile_str(g->src, S->path);
    hp_profile *dst = g->dst;
    for (size_t j = 1; j < dst->nmappings; j++) {
        const hp_mapping *D = &dst->mappings[j];
        if (D->offset == S->offset && D->perms[2] == S->perms[2] &&
            !strcmp(hp_profile_str(dst, D->path), path)) {
            g->delta[m] = (int64_t)(D->start - S->start);
            return g->mapping_of[m] = (uint32_t)j;
        }
    }
    hp_mapping copy = *S;
    int64_t id = hp_profile_copy_string(dst, g->src, S->path);
    if (id < 0)
        return id;
    copy.path = (uint32_t)id;
    int64_t j = hp_profile_add_mapping(dst, &copy);
    if (j < 0)
        return j;
    g->delta[m] = 0;
    return g->mapping_of[m] = (uint32_t)j;
}

/* dst's function for src function f: the one with the same full name, else a copy. */
static int64_t pair_function(merger *g, uint32_t f)
{
    const hp_function *F = &g->src->functions[f];
    hp_profile *dst = g->dst;
    int64_t name = hp_profile_copy_string(dst, g->src, F->name);
    if (name < 0)
        return name;
    if ((size_t)name < g->fn_by_name_alloc && g->fn_by_name[name])
        return g->fn_by_name[name];
    int64_t short_name = hp_profile_copy_string(dst, g->src, F->short_name);
    int64_t file = hp_profile_copy_string(dst, g->src, F->file);
    int64_t mapping = F->mapping ? pair_mapping(g, F->mapping) : 0;
    if (short_name < 0 || file < 0 || mapping < 0 ||
        HP_GROW(dst->functions, dst->functions_alloc, dst->nfunctions + 1) < 0)
        return -ENOMEM;
    uint32_t idx = (uint32_t)dst->nfunctions++;
    dst->functions[idx] = (hp_function){
        .name = (uint32_t)name, .short_name = (uint32_t)short_name, .file = (uint32_t)file,
        .start = F->start, .mapping = (uint32_t)mapping,
    };
    return remember_function(g, (uint32_t)name, idx) < 0 ? -ENOMEM : (int64_t)idx;
}

static int64_t function_of(void *g, uint32_t f)
{
    return pair_function(g, f);
}

/* Copies src location `from`'s state and inline chain into dst location `to`. */
static int copy_location(merger *g, uint32_t to, uint32_t from, uint32_t mapping)
{
    int r = hp_profile_copy_lines(g->dst, to, g->src, from, function_of, g);
    if (r < 0)
        return r;
    hp_location *D = &g->dst->locations[to];
    D->mapping = mapping;
    D->state = g->src->locations[from].state;
    return 0;
}

/* True when dst location d and src location s name the same inline chain
 * (or either was never named: then the relocated address decides). */
static bool same_frame(const merger *g, uint32_t d, uint32_t s)
{
    const hp_profile *dst = g->dst, *src = g->src;
    const hp_location *D = &dst->locations[d], *S = &src->locations[s];
    if (D->state != HP_LOC_SYMBOLIZED || S->state != HP_LOC_SYMBOLIZED)
        return true;
    if (D->nlines != S->nlines)
        return false;
    for (uint32_t i = 0; i < D->nlines; i++) {
        const hp_line *a = &dst->lines[D->first_line + i], *b = &src->lines[S->first_line + i];
        const char *fa = a->function ? hp_profile_str(dst, dst->functions[a->function].name) : "";
        const char *fb = b->function ? hp_profile_str(src, src->functions[b->function].name) : "";
        if (strcmp(fa, fb) || strcmp(hp_profile_str(dst, a->fileline),
                                     hp_profile_str(src, b->fileline)))
            return false;
    }
    return true;
}

/* A location of dst not reachable by address (its address names another
 * frame there already). */
static int64_t append_location(hp_profile *dst, uint64_t address)
{
    if (dst->nlocations >= UINT32_MAX - 1)
        return -EOVERFLOW;
    if (HP_GROW(dst->locations, dst->locations_alloc, dst->nlocations + 1) < 0)
        return -ENOMEM;
    dst->locations[dst->nlocations] = (hp_location){.address = address};
    return (int64_t)dst->nlocations++;
}

static int by_address(const void *x, const void *y, void *arg)
{
    const hp_profile *p = arg;
    uint64_t a = p->locations[*(const uint32_t *)x].address;
    uint64_t b = p->locations[*(const uint32_t *)y].address;
    return a < b ? -1 : a > b;
}

/* The locations an address lookup does not reach (see append_location). */
static int find_others(merger *g)
{
    const hp_profile *dst = g->dst;
    for (size_t i = 1; i < dst->nlocations; i++) {
        if (hp_profile_find_location(dst, dst->locations[i].address) == i)
            continue;
        if (!g->others && !(g->others = hp_new0(uint32_t, dst->nlocations)))
            return -ENOMEM;
        g->others[g->nothers++] = (uint32_t)i;
    }
    if (g->nothers)
        qsort_r(g->others, g->nothers, sizeof(*g->others), by_address, g->dst);
    return 0;
}

/* dst's frame at address that is src location s, 0 if none. */
static uint32_t find_frame(const merger *g, uint64_t address, uint32_t s)
{
    uint32_t d = hp_profile_find_location(g->dst, address);
    if (!d || same_frame(g, d, s))
        return d;
    size_t lo = 0, hi = g->nothers;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g->dst->locations[g->others[mid]].address < address)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < g->nothers && g->dst->locations[g->others[lo]].address == address; lo++)
        if (same_frame(g, g->others[lo], s))
            return g->others[lo];
    return 0;
}

/* dst's location for src location i. */
static int64_t pair_location(merger *g, uint32_t i)
{
    const hp_location *S = &g->src->locations[i];
    uint64_t address = S->address;
    uint32_t m = S->mapping ? S->mapping
                            : hp_profile_mapping_of(g->src, address ? address - 1 : address);
    int64_t dm = 0;
    if (m && *hp_profile_str(g->src, g->src->mappings[m].path)) {
        if ((dm = pair_mapping(g, m)) < 0)
            return dm;
        address += (uint64_t)g->delta[m];
    }
    uint32_t d = find_frame(g, address, i);
    if (d)
        return d;
    int64_t id = hp_profile_find_location(g->dst, address) ? append_location(g->dst, address)
                                                          : hp_profile_location(g->dst, address);
    if (id < 0)
        return id;
    int r = copy_location(g, (uint32_t)id, i, (uint32_t)dm);
    return r < 0 ? r : id;
}

int hp_profile_merge_runs(hp_profile *dst, const hp_profile *src, double sign,
                          bool drop_negative)
{
    merger g = {
        .dst = dst,
        .src = src,
        .mapping_of = hp_new0(uint32_t, src->nmappings + 1),
        .delta = hp_new0(int64_t, src->nmappings + 1),
    };
    uint32_t *map = hp_new0(uint32_t, src->nlocations + 1);
    int r = g.mapping_of && g.delta && map ? find_others(&g) : -ENOMEM;
    for (size_t f = 1; r == 0 && f < dst->nfunctions; f++)
        r = remember_function(&g, dst->functions[f].name, (uint32_t)f);
    for (size_t i = 1; r == 0 && i < src->nlocations; i++) {
        int64_t id = pair_location(&g, (uint32_t)i);
        if (id < 0)
            r = (int)id;
        else
            map[i] = (uint32_t)id;
    }
    if (r == 0)
        r = hp_profile_merge_samples(dst, src, map, sign, drop_negative);
    free(map);
    free(g.mapping_of);
    free(g.delta);
    free(g.fn_by_name);
    free(g.others);
    return r;
}
