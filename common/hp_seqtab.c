/* hp_seqtab.c - open-addressing hash table of uint32 sequences. */
#include "hp_common.h"
#include "hp_hash.h"
#include "hp_seqtab.h"

struct hp_seqtab {
    uint32_t *data; /* all sequences back to back */
    size_t ndata, data_alloc;
    uint32_t *start, *len; /* per id */
    size_t count, start_alloc, len_alloc;
    uint32_t *slots; /* id + 1 */
    size_t nslots;
};

hp_seqtab *hp_seqtab_new(void)
{
    return hp_new0(hp_seqtab, 1);
}

hp_seqtab *hp_seqtab_free(hp_seqtab *t)
{
    if (!t)
        return NULL;
    free(t->data);
    free(t->start);
    free(t->len);
    free(t->slots);
    free(t);
    return NULL;
}

static uint64_t seq_hash(const uint32_t *seq, uint32_t n)
{
    return hp_hash_bytes(seq, (size_t)n * sizeof(*seq), n);
}

static uint64_t seq_hash_of(const void *ctx, size_t id)
{
    const hp_seqtab *t = ctx;
    return seq_hash(t->data + t->start[id], t->len[id]);
}

static int seq_rehash(hp_seqtab *t, size_t nslots)
{
    return hp_hash_reindex(&t->slots, &t->nslots, nslots, t->count, seq_hash_of, t);
}

int64_t hp_seqtab_intern(hp_seqtab *t, const uint32_t *seq, uint32_t n)
{
    if ((t->count + 1) * 2 >= t->nslots) {
        int r = seq_rehash(t, t->nslots ? t->nslots * 2 : 256);
        if (r < 0)
            return r;
    }
    size_t mask = t->nslots - 1;
    size_t h = seq_hash(seq, n) & mask;
    uint32_t id;
    while ((id = t->slots[h])) {
        id--;
        if (t->len[id] == n &&
            (!n || memcmp(t->data + t->start[id], seq, (size_t)n * sizeof(*seq)) == 0))
            return id;
        h = (h + 1) & mask;
    }
    if (t->count >= UINT32_MAX - 1 || t->ndata > UINT32_MAX - n)
        return -EOVERFLOW;
    if (HP_GROW(t->data, t->data_alloc, t->ndata + n) < 0 ||
        HP_GROW(t->start, t->start_alloc, t->count + 1) < 0 ||
        HP_GROW(t->len, t->len_alloc, t->count + 1) < 0)
        return -ENOMEM;
    id = (uint32_t)t->count++;
    t->start[id] = (uint32_t)t->ndata;
    t->len[id] = n;
    if (n)
        memcpy(t->data + t->ndata, seq, (size_t)n * sizeof(*seq));
    t->ndata += n;
    t->slots[h] = id + 1;
    return id;
}

size_t hp_seqtab_count(const hp_seqtab *t)
{
    return t->count;
}

const uint32_t *hp_seqtab_get(const hp_seqtab *t, uint32_t id, uint32_t *ret_n)
{
    *ret_n = t->len[id];
    return t->data ? t->data + t->start[id] : NULL;
}
