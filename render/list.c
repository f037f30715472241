/*
 * list.c - prints Perl pprof's --list report from an hp_listing:
 * "ROUTINE ====== name in file", the routine's totals, then the source
 * lines with flat and cumulative values ("." for zero) and "---" around the
 * routine's own lines.
 */
#include "hp_common.h"
#include "hp_render.h"
#include "render-internal.h"

int hp_render_list(const hp_report *r, const hp_listing *l, const hp_render_options *o, FILE *out)
{
    for (size_t i = 0; i < l->nroutines; i++) {
        const hp_listing_routine *rt = &l->routines[i];
        char f[64], c[64];
        hp_fmt_value(r, o, rt->flat, f, sizeof(f));
        hp_fmt_value(r, o, rt->cum, c, sizeof(c));
        fprintf(out, "ROUTINE ====================== %s in %s\n%6s %6s Total %s (flat / cumulative)\n",
                rt->name, rt->file, f, c, hp_fmt_units(r, o));
        for (size_t k = 0; k < rt->nlines; k++) {
            const hp_listing_line *ln = &rt->lines[k];
            if (ln->number == rt->first)
                fputs("---\n", out);
            hp_fmt_value_or_dot(r, o, ln->flat, f, sizeof(f));
            hp_fmt_value_or_dot(r, o, ln->cum, c, sizeof(c));
            fprintf(out, "%6s %6s %4u: %s\n", f, c, ln->number, ln->text);
            if (ln->number == rt->last)
                fputs("---\n", out);
        }
    }
    return ferror(out) ? -EIO : 0;
}
