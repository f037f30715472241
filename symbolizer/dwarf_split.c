/*
 * dwarf_split.c - decodes many CUs of one object on two cores. libdwarf
 * sessions are not shared between threads, so the CUs are split in two
 * halves of about equal .debug_info size, each decoded in a session of its
 * own opened on the same file (one in a new thread, one in the calling
 * thread), and their tables are then moved into the object's own
 * hp_dwarf_info, as if its session had decoded them.
 *
 * The answers must not depend on the number of threads (--threads=1 decodes
 * lazily in the object's session, in lookup order), so a split is all or
 * nothing: when either session reports anything (corrupt DWARF, out of
 * memory, a CU index differing from the object's), both are dropped and the
 * object's session decodes the CUs as it would have anyway. Objects with a
 * dwz file are not split (DW_FORM_ref_sup reads go through the object's
 * hook, which is not for other threads).
 *
 * Calls dwarf.c (hp_dwarf_load, hp_dwarf_decode_cu, hp_dwarf_release) and
 * dwarf_build.c's interning; called by symbolizer.c.
 */
#include "hp_common.h"

#include <pthread.h>

#include "symbolizer-internal.h"

typedef struct half {
    const hp_dwarf_info *d; /* the object's: its CU index is compared */
    int fd;
    const uint32_t *cus; /* CU numbers to decode, ascending */
    size_t n;
    hp_dwarf_info info; /* the session of this half */
    hp_strtab *strs;    /* where its names are interned; outlives the session */
    bool ok;
} half;

/* Same CU numbering as the object's index (it is built from the same file
 * the same way; anything else makes the split unusable). */
static bool same_index(const hp_dwarf_info *a, const hp_dwarf_info *b)
{
    if (a->ncus != b->ncus || a->nindex != b->nindex)
        return false;
    for (size_t i = 0; i < a->nindex; i++)
        if (a->index[i].lo != b->index[i].lo || a->index[i].hi != b->index[i].hi ||
            a->index[i].cu != b->index[i].cu)
            return false;
    return true;
}

static void *decode_half(void *p)
{
    half *h = p;
    hp_error err = {0};
    h->strs = hp_strtab_new();
    if (!h->strs ||
        hp_dwarf_load(h->fd, NULL, h->strs, NULL, NULL, NULL, &h->info, &err) < 0)
        return NULL;
    if (h->info.warning || !same_index(h->d, &h->info))
        return NULL;
    for (size_t k = 0; k < h->n; k++) {
        uint32_t i = h->cus[k];
        hp_dwarf_decode_cu(&h->info, i);
        if (h->info.warning || h->info.cus[i].state != HP_DW_CU_DONE)
            return NULL;
        /* a linkage name still to demangle points into this session's
         * sections: keep a copy that outlives it */
        hp_dw_cu *cu = &h->info.cus[i];
        for (size_t s = 0; s < cu->nscopes; s++) {
            if (cu->scopes[s].mangled && cu->scopes[s].name &&
                !(cu->scopes[s].name = hp_sym_intern(h->strs, cu->scopes[s].name, SIZE_MAX)))
                return NULL;
        }
    }
    h->ok = true;
    return NULL;
}

/* Moves the tables of h's CUs into d: d's file table grows by h's, which
 * the CUs' file_base points to. False (d untouched) when out of memory. */
static bool adopt(hp_dwarf_info *d, half *h)
{
    const hp_dwarf_info *s = &h->info;
    size_t base = d->nfiles;
    if (s->nfiles && HP_GROW(d->files, d->files_alloc, d->nfiles + s->nfiles) < 0)
        return false;
    if (s->nfiles)
        memcpy(d->files + d->nfiles, s->files, s->nfiles * sizeof(*s->files));
    d->nfiles += s->nfiles;
    for (size_t k = 0; k < h->n; k++) {
        hp_dw_cu *from = &h->info.cus[h->cus[k]], *to = &d->cus[h->cus[k]];
        from->file_base += base;
        hp_dw_cu_release(to);
        *to = *from;
        *from = (hp_dw_cu){.state = HP_DW_CU_FAILED};
    }
    return true;
}

static int off_cmp(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* Splits cus[0..n) (ascending) into h[0] and h[1] of about equal
 * .debug_info size: from a CU's offset to the next CU's. */
static bool halve(const hp_dwarf_info *d, const uint32_t *cus, size_t n, half h[2])
{
    uint64_t *offs = hp_new0(uint64_t, d->ncus), *size = hp_new0(uint64_t, n), total = 0;
    bool ok = offs && size;
    for (size_t i = 0; ok && i < d->ncus; i++)
        offs[i] = d->cus[i].die_off;
    if (ok)
        qsort(offs, d->ncus, sizeof(*offs), off_cmp);
    for (size_t k = 0; ok && k < n; k++) {
        uint64_t at = d->cus[cus[k]].die_off;
        size_t lo = 0, hi = d->ncus; /* first offset above at */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (offs[mid] <= at)
                lo = mid + 1;
            else
                hi = mid;
        }
        size[k] = lo < d->ncus ? offs[lo] - at : 1;
        total += size[k];
    }
    uint64_t acc = 0;
    for (size_t k = 0; ok && k < n; k++) {
        half *to = k == 0 || acc + size[k] / 2 <= total / 2 ? &h[0] : &h[1];
        ((uint32_t *)to->cus)[to->n++] = cus[k];
        if (to == &h[0])
            acc += size[k];
    }
    free(offs);
    free(size);
    return ok && h[0].n && h[1].n;
}

size_t hp_dw_decode_split(hp_dwarf_info *d, int fd, const uint32_t *cus, size_t n,
                          hp_strtab *ret_strs[2])
{
    ret_strs[0] = ret_strs[1] = NULL;
    if (n < 2 || !d->ctx || d->warning)
        return 0;
    uint32_t *lists = hp_new0(uint32_t, 2 * n);
    if (!lists)
        return 0;
    half h[2] = {{.d = d, .fd = fd, .cus = lists}, {.d = d, .fd = fd, .cus = lists + n}};
    size_t adopted = 0;
    pthread_t tid;
    if (halve(d, cus, n, h) && pthread_create(&tid, NULL, decode_half, &h[1]) == 0) {
        decode_half(&h[0]);
        pthread_join(tid, NULL);
        /* both or neither; a half that cannot be adopted (out of memory)
         * stays pending, for the object's session */
        for (int k = 0; k < 2 && h[0].ok && h[1].ok; k++) {
            if (adopt(d, &h[k])) {
                ret_strs[k] = h[k].strs;
                h[k].strs = NULL;
                adopted += h[k].n;
            }
        }
    }
    for (int k = 0; k < 2; k++) {
        hp_dwarf_release(&h[k].info);
        hp_strtab_free(h[k].strs);
    }
    free(lists);
    return adopted;
}
