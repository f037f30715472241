/*
 * heap_totals.c - the check of a .heap file's header totals against the sums
 * of its sample lines (DECISIONS 8). The report never uses the header; a
 * difference means lines are missing (a truncated or damaged file, or
 * tcmalloc's 1 MiB dump buffer, which keeps the header totals and drops the
 * buckets that do not fit) and is reported as a warning saying how much.
 * Sums above the header are accepted: tcmalloc's HEAP_PROFILE_MMAP buckets
 * are not counted in its header.
 */
#include "hp_common.h"
#include "hp_heap.h"

#include <inttypes.h>

/* tcmalloc's heap profiler writes each dump into one 1 MiB buffer */
#define TCMALLOC_DUMP_BUFFER ((size_t)1 << 20)

static void amount(char *out, size_t size, int64_t v, bool bytes, bool mb)
{
    if (!bytes)
        snprintf(out, size, "%" PRId64 " objects", v);
    else if (mb)
        snprintf(out, size, "%.1f MB", (double)v / 1048576.0);
    else
        snprintf(out, size, "%" PRId64 " bytes", v);
}

int hp_heap_check_totals(hp_profile *p, const char *name, const int64_t header[HP_NVALUES],
                         const int64_t sum[HP_NVALUES], size_t file_len)
{
    static const int order[] = {HP_INUSE_SPACE, HP_ALLOC_SPACE, HP_INUSE_OBJECTS,
                                HP_ALLOC_OBJECTS};
    int k = -1;
    /* more than the header is no loss: tcmalloc's HEAP_PROFILE_MMAP buckets are
     * outside its header totals */
    for (size_t i = 0; i < HP_ARRAY_SIZE(order) && k < 0; i++)
        if (sum[order[i]] < header[order[i]])
            k = order[i];
    if (k < 0)
        return 0;
    bool bytes = hp_value_is_space(k);
    bool mb = header[k] - sum[k] >= 104858 && sum[k] >= 104858; /* 0.1 MB */
    const char *what = k == HP_INUSE_SPACE || k == HP_INUSE_OBJECTS ? "in use" : "allocated";
    char s[48], h[48], d[48];
    amount(s, sizeof(s), sum[k], bytes, mb);
    amount(h, sizeof(h), header[k], bytes, mb);
    amount(d, sizeof(d), header[k] - sum[k], bytes, mb);
    char pct[16] = "<0.1%";
    double share = 100.0 * (double)(header[k] - sum[k]) / (double)header[k];
    if (share >= 0.1)
        snprintf(pct, sizeof(pct), "%.1f%%", share);
    bool capped = p->kind != HP_KIND_JEMALLOC && file_len <= TCMALLOC_DUMP_BUFFER &&
                  file_len > TCMALLOC_DUMP_BUFFER - TCMALLOC_DUMP_BUFFER / 16;
    return hp_profile_warn(p, "%s: warning: sample lines sum to %s %s, the header says %s: "
                           "%s (%s) missing (%s)", name, s, what, h, d, pct,
                           capped ? "tcmalloc writes at most 1 MiB per dump and drops the "
                                    "stacks that do not fit"
                                  : "truncated file?");
}
