/*
 * traces.c - Go pprof's -traces report: "File:" and "Type:" lines, then one
 * block per sample (after allocator-frame removal and filters) with its
 * average object size label, its value scaled to a readable unit, and its
 * frames, innermost first, inlined frames marked " (inline)".
 */
#include "hp_common.h"
#include "hp_render.h"
#include "hp_str.h"

#include <inttypes.h>
#include <math.h>

static const char separator[] = "-----------+-------------------------------------------------------";

int hp_render_traces(const hp_report *r, const hp_render_options *o, FILE *out)
{
    const hp_profile *p = r->profile;
    int metric = r->opts.metric;
    bool bytes = hp_value_is_space(metric);
    fprintf(out, "File: %s\nType: %s\n", hp_base_name(o->program), hp_value_name(metric));
    for (size_t i = 0; i < r->nstacks; i++) {
        const hp_report_stack *st = &r->stacks[i];
        if (st->nkeys == 0)
            continue;
        fprintf(out, "%s\n", separator);
        const hp_sample *s = &p->samples[st->sample];
        double n = s->value[HP_INUSE_OBJECTS], sz = s->value[HP_INUSE_SPACE];
        if (n == 0) {
            n = s->value[HP_ALLOC_OBJECTS];
            sz = s->value[HP_ALLOC_SPACE];
        }
        char label[64], value[64];
        hp_fmt_go_value(n ? trunc(sz / n) : 0, true, label, sizeof(label));
        fprintf(out, "%10s:  %s\n", "bytes", label);
        hp_fmt_go_value(st->value, bytes, value, sizeof(value));
        const uint32_t *ks = r->stack_keys + st->keys;
        for (uint32_t j = 0; j < st->nkeys; j++)
            fprintf(out, "%10s   %s\n", j ? "" : value, hp_report_label(r, ks[j]));
    }
    fprintf(out, "%s\n", separator);
    return ferror(out) ? -EIO : 0;
}
