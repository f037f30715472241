/*
 * raw.c - the --raw report: a symbolized profile that cpprof and Perl pprof
 * both read back without the binaries. A "--- symbol" section names every
 * address of the profile (outermost inline level first, levels joined by
 * "--"), then the samples follow as a gperftools heap profile whose stacks
 * already hold the addresses that were looked up (callers - 1), which is
 * what symbolized profiles mean. Perl writes a binary CPU profile there and
 * loses the heap values; this keeps all four of them.
 */
#include "hp_common.h"
#include "hp_render.h"

#include <inttypes.h>
#include <math.h>

static long long as_count(double v)
{
    if (isnan(v) || v < 0)
        return 0;
    if (v >= 9223372036854775807.0)
        return INT64_MAX;
    return (long long)llround(v);
}

/* The address a frame was looked up at: Perl's FixCallerAddresses. */
static uint64_t pc_of(const hp_profile *p, uint32_t loc, bool leaf)
{
    uint64_t a = p->locations[loc].address;
    if (leaf || p->ngiven || p->binary)
        return a;
    return a - 1;
}

static void print_symbol(FILE *out, const hp_profile *p, uint32_t loc, uint64_t pc)
{
    const hp_location *L = &p->locations[loc];
    if (L->state != HP_LOC_SYMBOLIZED || !L->nlines)
        return;
    fprintf(out, "0x%016" PRIx64, pc);
    const hp_line *lines = p->lines + L->first_line;
    for (uint32_t k = L->nlines; k-- > 0;) { /* outermost first */
        const hp_line *l = &lines[k];
        const char *name = l->function ? hp_profile_str(p, p->functions[l->function].name) : "??";
        fprintf(out, "%s%s", k + 1 == L->nlines ? " " : "--", name);
    }
    fputc('\n', out);
}

int hp_render_raw(const hp_report *r, const hp_render_options *o, FILE *out)
{
    const hp_profile *p = r->profile;
    /* each location may be looked up as a leaf (unadjusted) and as a caller */
    uint8_t *seen = hp_new0(uint8_t, p->nlocations);
    if (!seen)
        return -ENOMEM;
    fputs("--- symbol\n", out);
    if (o->program)
        fprintf(out, "binary=%s\n", o->program);
    for (size_t i = 0; i < p->nsamples; i++) {
        const hp_sample *s = &p->samples[i];
        for (uint32_t d = 0; d < s->depth; d++) {
            uint32_t loc = p->stack_locs[s->stack + d];
            uint8_t bit = d == 0 ? 1 : 2;
            if (seen[loc] & bit)
                continue;
            seen[loc] |= bit;
            print_symbol(out, p, loc, pc_of(p, loc, d == 0));
        }
    }
    free(seen);
    fputs("---\n", out);
    double tot[HP_NVALUES] = {0};
    for (size_t i = 0; i < p->nsamples; i++)
        for (int v = 0; v < HP_NVALUES; v++)
            tot[v] += p->samples[i].value[v];
    fprintf(out, "heap profile: %6lld: %8lld [%6lld: %8lld] @ heapprofile\n", as_count(tot[0]),
            as_count(tot[1]), as_count(tot[2]), as_count(tot[3]));
    for (size_t i = 0; i < p->nsamples; i++) {
        const hp_sample *s = &p->samples[i];
        fprintf(out, "%6lld: %8lld [%6lld: %8lld] @", as_count(s->value[0]),
                as_count(s->value[1]), as_count(s->value[2]), as_count(s->value[3]));
        for (uint32_t d = 0; d < s->depth; d++)
            fprintf(out, " 0x%016" PRIx64, pc_of(p, p->stack_locs[s->stack + d], d == 0));
        fputc('\n', out);
    }
    return ferror(out) ? -EIO : 0;
}
