/*
 * profile_copy.c - deep copy of a profile, so that a caller can keep an
 * untouched original while it changes a copy (the interactive shell keeps the
 * summed profiles and subtracts a different base from a fresh copy each time).
 * Every array and hash table is duplicated; strings keep their ids because
 * the table is rebuilt in id order. Warnings are not copied.
 */
#include "hp_common.h"
#include "hp_profile.h"

/* Copy of n elements of size elem at src in *ret (NULL when n is 0); *ret_alloc = n. */
static int dup_array(const void *src, size_t n, size_t elem, void **ret, size_t *ret_alloc)
{
    *ret = NULL;
    *ret_alloc = 0;
    if (!n)
        return 0;
    void *copy = hp_calloc(n, elem);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, src, n * elem);
    *ret = copy;
    *ret_alloc = n;
    return 0;
}

#define DUP(field, count, alloc)                                                              \
    dup_array(src->field, src->count, sizeof(*src->field), (void **)&p->field, &p->alloc)

int hp_profile_copy(const hp_profile *src, hp_profile **ret)
{
    hp_profile *p = NULL;
    int r = hp_profile_new(src->path, &p);
    if (r < 0)
        return r;
    /* the new profile's sentinel arrays are replaced by the copies */
    free(p->locations);
    free(p->mappings);
    free(p->functions);
    p->locations = NULL;
    p->mappings = NULL;
    p->functions = NULL;
    p->nlocations = p->nmappings = p->nfunctions = 0;
    p->locations_alloc = p->mappings_alloc = p->functions_alloc = 0;

    p->kind = src->kind;
    memcpy(p->type, src->type, sizeof(p->type));
    p->sampling = src->sampling;
    p->sampling_rate = src->sampling_rate;
    memcpy(p->header, src->header, sizeof(p->header));

    uint32_t nstrings = hp_strtab_count(src->strings);
    for (uint32_t id = 1; id < nstrings; id++) {
        const char *s = hp_strtab_get(src->strings, id);
        if (hp_strtab_intern(p->strings, s, strlen(s)) != id) {
            r = -ENOMEM; /* ids are dense: only a failed allocation can break the order */
            goto fail;
        }
    }
    if (src->binary && !(p->binary = hp_arena_strdup(p->arena, src->binary))) {
        r = -ENOMEM;
        goto fail;
    }
    size_t dummy = 0;
    if (DUP(samples, nsamples, samples_alloc) < 0 ||
        DUP(stack_locs, nstack_locs, stack_locs_alloc) < 0 ||
        DUP(locations, nlocations, locations_alloc) < 0 ||
        DUP(mappings, nmappings, mappings_alloc) < 0 ||
        DUP(functions, nfunctions, functions_alloc) < 0 || DUP(lines, nlines, lines_alloc) < 0 ||
        DUP(records, nrecords, records_alloc) < 0 || DUP(given, ngiven, given_alloc) < 0 ||
        DUP(given_names, ngiven_names, given_names_alloc) < 0 ||
        dup_array(src->loc_slots, src->loc_nslots, sizeof(*src->loc_slots),
                  (void **)&p->loc_slots, &dummy) < 0 ||
        dup_array(src->sample_slots, src->sample_nslots, sizeof(*src->sample_slots),
                  (void **)&p->sample_slots, &dummy) < 0) {
        r = -ENOMEM;
        goto fail;
    }
    p->nsamples = src->nsamples;
    p->nstack_locs = src->nstack_locs;
    p->nlocations = src->nlocations;
    p->nmappings = src->nmappings;
    p->nfunctions = src->nfunctions;
    p->nlines = src->nlines;
    p->nrecords = src->nrecords;
    p->ngiven = src->ngiven;
    p->ngiven_names = src->ngiven_names;
    p->loc_nslots = src->loc_nslots;
    p->sample_nslots = src->sample_nslots;
    *ret = p;
    return 0;
fail:
    hp_profile_free(p);
    return r;
}
