/*
 * trend.c - the series model of pprof --trend: stacks of every dump's report
 * matched by their key text (not by address, so that matching survives
 * address-space randomisation between runs), their value per dump, and the
 * ranking of growing stacks (score = growth x monotonicity).
 */
#include "hp_common.h"
#include "hp_str.h"
#include "hp_trend.h"

#include <ctype.h>

int hp_trend_new(size_t ndumps, int metric, hp_trend **ret)
{
    hp_return_if_fail(ret, -EINVAL);
    if (ndumps < 1)
        return -EINVAL;
    hp_trend *t = hp_new0(hp_trend, 1);
    if (!t)
        return -ENOMEM;
    t->metric = metric;
    t->ndumps = ndumps;
    t->dumps = hp_new0(char *, ndumps);
    t->numbers = hp_new0(long, ndumps);
    t->totals = hp_new0(double, ndumps);
    t->keys = hp_strtab_new();
    t->labels = hp_strtab_new();
    t->seqs = hp_seqtab_new();
    if (!t->dumps || !t->numbers || !t->totals || !t->keys || !t->labels || !t->seqs) {
        hp_trend_free(t);
        return -ENOMEM;
    }
    for (size_t i = 0; i < ndumps; i++)
        t->numbers[i] = -1;
    *ret = t;
    return 0;
}

hp_trend *hp_trend_free(hp_trend *t)
{
    if (!t)
        return NULL;
    for (size_t i = 0; t->dumps && i < t->ndumps; i++)
        free(t->dumps[i]);
    free(t->dumps);
    free(t->numbers);
    free(t->totals);
    free(t->values);
    free(t->rows);
    free(t->label_of);
    hp_strtab_free(t->keys);
    hp_strtab_free(t->labels);
    hp_seqtab_free(t->seqs);
    free(t);
    return NULL;
}

/* Global key id of a report key; its label is recorded the first time. */
static int64_t global_key(hp_trend *t, const hp_report *rep, uint32_t k)
{
    const char *key = hp_report_key(rep, k);
    int64_t id = hp_strtab_intern(t->keys, key, strlen(key));
    if (id < 0)
        return id;
    if (HP_GROW0(t->label_of, t->label_of_alloc, (size_t)id + 1) < 0)
        return -ENOMEM;
    if (!t->label_of[id] && rep->display[k]) {
        const char *label = hp_report_label(rep, k);
        int64_t l = hp_strtab_intern(t->labels, label, strlen(label));
        if (l < 0)
            return l;
        t->label_of[id] = (uint32_t)l;
    }
    return id;
}

int hp_trend_add(hp_trend *t, size_t dump, const char *name, const hp_report *rep)
{
    hp_return_if_fail(t && rep && name, -EINVAL);
    if (dump >= t->ndumps || (rep->nstacks && !rep->opts.keep_stack_keys))
        return -EINVAL;
    free(t->dumps[dump]);
    if (!(t->dumps[dump] = hp_strdup(name)))
        return -ENOMEM;
    t->numbers[dump] = hp_trend_dump_number(name);
    t->totals[dump] = rep->total;
    /* report key id -> global key id + 1 (0: not mapped yet) */
    uint32_t *map = hp_new0(uint32_t, rep->nkeys + 1);
    uint32_t *seq = NULL;
    size_t seq_alloc = 0;
    int rc = map ? 0 : -ENOMEM;
    for (size_t i = 0; rc == 0 && i < rep->nstacks; i++) {
        const hp_report_stack *st = &rep->stacks[i];
        const uint32_t *ks = rep->stack_keys + st->keys;
        if (HP_GROW(seq, seq_alloc, (size_t)st->nkeys + 1) < 0) {
            rc = -ENOMEM;
            break;
        }
        for (uint32_t j = 0; j < st->nkeys; j++) {
            if (!map[ks[j]]) {
                int64_t g = global_key(t, rep, ks[j]);
                if (g < 0) {
                    rc = (int)g;
                    break;
                }
                map[ks[j]] = (uint32_t)g + 1;
            }
            seq[j] = map[ks[j]] - 1;
        }
        if (rc < 0)
            break;
        int64_t id = hp_seqtab_intern(t->seqs, seq, st->nkeys);
        if (id < 0) {
            rc = (int)id;
            break;
        }
        if ((size_t)id >= t->nstacks) {
            if (HP_GROW0(t->values, t->values_alloc, ((size_t)id + 1) * t->ndumps) < 0) {
                rc = -ENOMEM;
                break;
            }
            t->nstacks = (size_t)id + 1;
        }
        t->values[(size_t)id * t->ndumps + dump] += st->value;
    }
    free(map);
    free(seq);
    return rc;
}

const uint32_t *hp_trend_stack(const hp_trend *t, uint32_t stack, uint32_t *ret_n)
{
    return hp_seqtab_get(t->seqs, stack, ret_n);
}

const char *hp_trend_label(const hp_trend *t, uint32_t key)
{
    if (key < t->label_of_alloc && t->label_of[key])
        return hp_strtab_get(t->labels, t->label_of[key]);
    return hp_strtab_get(t->keys, key);
}

static int stack_text_cmp(const hp_trend *t, uint32_t a, uint32_t b)
{
    uint32_t na, nb;
    const uint32_t *sa = hp_trend_stack(t, a, &na), *sb = hp_trend_stack(t, b, &nb);
    for (uint32_t i = 0; i < na && i < nb; i++) {
        int c = strcmp(hp_trend_label(t, sa[i]), hp_trend_label(t, sb[i]));
        if (c)
            return c;
    }
    return na < nb ? -1 : na > nb;
}

static int row_cmp(const void *pa, const void *pb, void *ctx)
{
    const hp_trend_row *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    if (a->growth != b->growth)
        return a->growth > b->growth ? -1 : 1;
    if (a->last != b->last)
        return a->last > b->last ? -1 : 1;
    int c = stack_text_cmp(ctx, a->stack, b->stack);
    return c ? c : a->stack < b->stack ? -1 : a->stack > b->stack;
}

int hp_trend_rank(hp_trend *t, bool all)
{
    free(t->rows);
    t->rows = hp_new0(hp_trend_row, t->nstacks + 1);
    t->nrows = t->ngrowing = 0;
    if (!t->rows)
        return -ENOMEM;
    size_t n = t->ndumps;
    for (size_t s = 0; s < t->nstacks; s++) {
        const double *v = t->values + s * n;
        size_t up = 0;
        for (size_t i = 1; i < n; i++)
            up += v[i] >= v[i - 1];
        hp_trend_row row = {
            .stack = (uint32_t)s,
            .first = v[0],
            .last = v[n - 1],
            .growth = v[n - 1] - v[0],
            .monotonicity = n > 1 ? (double)up / (double)(n - 1) : 1.0,
        };
        row.score = row.growth * row.monotonicity;
        if (row.growth > 0)
            t->ngrowing++;
        if (row.growth > 0 || all)
            t->rows[t->nrows++] = row;
    }
    qsort_r(t->rows, t->nrows, sizeof(*t->rows), row_cmp, t);
    return 0;
}

long hp_trend_dump_number(const char *path)
{
    const char *b = hp_base_name(path);
    size_t n = strlen(b);
    if (n > 3 && !strcmp(b + n - 3, ".gz"))
        n -= 3;
    if (n < 5 || memcmp(b + n - 5, ".heap", 5) != 0)
        return -1;
    n -= 5;
    size_t end = n;
    while (n > 0 && isdigit((unsigned char)b[n - 1]))
        n--;
    if (n == end || n < 2 || b[n - 1] != '.' || end - n > 9)
        return -1;
    long v = 0;
    for (size_t i = n; i < end; i++)
        v = v * 10 + (b[i] - '0');
    return v;
}
