/*
 * stacks.c - renderers that print whole stacks: Perl pprof's --stacks
 * listing and its leak report, and --collapsed folded stacks. Perl prints
 * them in hash order; cpprof sorts them (value descending, then addresses)
 * so every run prints the same bytes.
 */
#include "hp_common.h"
#include "render-internal.h"

#include <inttypes.h>
#include <math.h>

/* Perl's symbol entry of a frame: outermost short name and file:line. */
typedef struct frame_sym {
    bool exists;
    const char *name;
    const char *fileline;
    char buf[24];
} frame_sym;

static void frame_symbol(const hp_profile *p, uint32_t loc, uint64_t addr, frame_sym *fs)
{
    const hp_line *outer = hp_profile_outer_line(p, loc);
    fs->exists = false;
    if (outer) {
        fs->exists = true;
        fs->name = hp_profile_line_name(p, outer);
        fs->fileline = hp_profile_str(p, outer->fileline);
    } else if (p->locations[loc].state == HP_LOC_UNSYMBOLIZED) {
        snprintf(fs->buf, sizeof(fs->buf), "0x%016" PRIx64, addr);
        fs->exists = true;
        fs->name = fs->buf;
        fs->fileline = "?";
    }
}

static int stack_cmp(const void *pa, const void *pb, void *ctx)
{
    const hp_report *r = ctx;
    const hp_report_stack *a = &r->stacks[*(const uint32_t *)pa];
    const hp_report_stack *b = &r->stacks[*(const uint32_t *)pb];
    if (a->value != b->value)
        return a->value > b->value ? -1 : 1;
    uint32_t n = a->nframes < b->nframes ? a->nframes : b->nframes;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t x = hp_report_frame_address(r, hp_report_frame(r, a, i));
        uint64_t y = hp_report_frame_address(r, hp_report_frame(r, b, i));
        if (x != y)
            return x < y ? -1 : 1;
    }
    return a->nframes < b->nframes ? -1 : a->nframes > b->nframes;
}

uint32_t *hp_render_sorted_stacks(const hp_report *r)
{
    uint32_t *order = hp_new0(uint32_t, r->nstacks + 1);
    if (!order)
        return NULL;
    for (size_t i = 0; i < r->nstacks; i++)
        order[i] = (uint32_t)i;
    qsort_r(order, r->nstacks, sizeof(*order), stack_cmp, (void *)r);
    return order;
}

int hp_render_stacks(const hp_report *r, const hp_render_options *o, FILE *out)
{
    (void)o;
    const hp_profile *p = r->profile;
    uint32_t *order = hp_render_sorted_stacks(r);
    if (!order)
        return -ENOMEM;
    for (size_t i = 0; i < r->nstacks; i++) {
        const hp_report_stack *st = &r->stacks[order[i]];
        fprintf(out, "%-8lld ", hp_fmt_perl_int(st->value));
        for (uint32_t j = 0; j < st->nframes; j++) {
            uint32_t f = hp_report_frame(r, st, j);
            uint64_t a = hp_report_frame_address(r, f);
            frame_sym fs;
            frame_symbol(p, HP_FRAME_LOC(f), a, &fs);
            if (j)
                fputs("\n         ", out);
            if (!fs.exists) {
                fprintf(out, "(%016" PRIx64 ") ??:0:unknown", a);
            } else {
                const char *fl = fs.fileline;
                if (!strcmp(fl, "?") || !strcmp(fl, ":0"))
                    fl = "??:0";
                fprintf(out, "(%016" PRIx64 ") %s:%s", a, fl, fs.name);
            }
        }
        fputs("\n\n", out);
    }
    free(order);
    return ferror(out) ? -EIO : 0;
}

static int record_cmp(const void *pa, const void *pb, void *ctx)
{
    const hp_profile *p = ctx;
    const hp_record *a = &p->records[*(const uint32_t *)pa];
    const hp_record *b = &p->records[*(const uint32_t *)pb];
    if (a->value[HP_INUSE_SPACE] != b->value[HP_INUSE_SPACE])
        return a->value[HP_INUSE_SPACE] > b->value[HP_INUSE_SPACE] ? -1 : 1;
    /* stable: file order */
    return *(const uint32_t *)pa < *(const uint32_t *)pb ? -1 : 1;
}

/* Perl prints numbers with %.15g; unscaled values are the file's integers. */
static void perl_number(FILE *out, double v)
{
    if (v == floor(v) && fabs(v) < 1e15)
        fprintf(out, "%.0f", v);
    else
        fprintf(out, "%.15g", v);
}

int hp_render_leak_report(const hp_report *r, FILE *out)
{
    const hp_profile *p = r->profile;
    uint32_t *order = hp_new0(uint32_t, p->nrecords + 1);
    if (!order)
        return -ENOMEM;
    for (size_t i = 0; i < p->nrecords; i++)
        order[i] = (uint32_t)i;
    qsort_r(order, p->nrecords, sizeof(*order), record_cmp, (void *)p);
    for (size_t i = 0; i < p->nrecords; i++) {
        const hp_record *rec = &p->records[order[i]];
        const hp_sample *s = &p->samples[rec->sample];
        if (r->dropped && r->dropped[rec->sample])
            continue; /* --focus/--ignore apply to the leak report too (DECISIONS 9) */
        fputs("Leak of ", out);
        perl_number(out, rec->value[HP_INUSE_SPACE]);
        fputs(" bytes in ", out);
        perl_number(out, rec->value[HP_INUSE_OBJECTS]);
        fputs(" objects allocated from:\n", out);
        for (uint32_t d = 0; d < s->depth; d++) {
            uint32_t loc = p->stack_locs[s->stack + d];
            uint64_t addr = p->locations[loc].address;
            if (d == 0) {
                /* Perl keeps the leaf as written, which never matches its
                 * symbol table: "unknown" (reproduced, see README) */
                fprintf(out, "\t@ %08" PRIx64 " unknown\n", addr);
                continue;
            }
            uint64_t a = (p->ngiven || p->binary) ? addr : addr - 1;
            frame_sym fs;
            frame_symbol(p, loc, a, &fs);
            if (fs.exists)
                fprintf(out, "\t@ %016" PRIx64 " %s %s\n", a, fs.name, fs.fileline);
            else
                fprintf(out, "\t@ %016" PRIx64 " unknown\n", a);
        }
    }
    free(order);
    return ferror(out) ? -EIO : 0;
}

int hp_render_collapsed(const hp_report *r, FILE *out)
{
    const hp_profile *p = r->profile;
    uint32_t *order = hp_render_sorted_stacks(r);
    if (!order)
        return -ENOMEM;
    for (size_t i = 0; i < r->nstacks; i++) {
        const hp_report_stack *st = &r->stacks[order[i]];
        bool first = true;
        for (uint32_t j = st->nframes; j-- > 0;) { /* root first */
            uint32_t f = hp_report_frame(r, st, j);
            uint64_t a = hp_report_frame_address(r, f);
            const hp_location *L = &p->locations[HP_FRAME_LOC(f)];
            if (L->state != HP_LOC_SYMBOLIZED || !L->nlines) {
                fprintf(out, first ? "%s%016" PRIx64 : ";%s%016" PRIx64,
                        L->state == HP_LOC_UNSYMBOLIZED ? "0x" : "", a);
                first = false;
                continue;
            }
            const hp_line *lines = p->lines + L->first_line;
            /* outermost level first; as Perl, every level but the outermost (the
             * function the code sits in) is marked [inline] */
            for (uint32_t k = L->nlines; k-- > 0;) {
                const hp_line *l = &lines[k];
                const char *name = l->function ? hp_profile_str(p, p->functions[l->function].name)
                                               : NULL;
                if (!name) {
                    name = hp_profile_str(p, l->fileline);
                    if (!strcmp(name, "?") || !strcmp(name, ":0"))
                        name = "??:0";
                }
                fprintf(out, "%s%s%s", first ? "" : ";", name,
                        k + 1 < L->nlines ? "[inline]" : "");
                first = false;
            }
        }
        fprintf(out, " %lld\n", hp_fmt_perl_int(st->value));
    }
    free(order);
    return ferror(out) ? -EIO : 0;
}
