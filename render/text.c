/*
 * text.c - the --text report of Perl pprof, byte for byte: the "Total:" line
 * and rows "%8s %6s %6s %8s %6s %s" sorted by flat (or cum) then key.
 */
#include "hp_common.h"
#include "hp_render.h"

static void print_table(hp_report *r, const hp_render_options *o, FILE *out)
{
    hp_report_sort(r, o->cum);
    double running = 0;
    long printed = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        uint32_t k = r->rows[i];
        double f = r->flat[k], c = r->cum[k];
        running += f;
        if (f == 0 && c == 0)
            continue;
        if (o->nodecount >= 0 && printed >= o->nodecount)
            break;
        char fv[64], fp[32], rp[32], cv[64], cp[32];
        hp_fmt_value(r, o, f, fv, sizeof(fv));
        hp_fmt_percent(f, r->focused, fp, sizeof(fp));
        hp_fmt_percent(running, r->focused, rp, sizeof(rp));
        hp_fmt_value(r, o, c, cv, sizeof(cv));
        hp_fmt_percent(c, r->focused, cp, sizeof(cp));
        fprintf(out, "%8s %6s %6s %8s %6s %s\n", fv, fp, rp, cv, cp, hp_report_label(r, k));
        printed++;
    }
}

int hp_render_text(hp_report *r, const hp_render_options *o, FILE *out)
{
    if (r->total != 0 && !o->omit_total) {
        char tv[64];
        hp_fmt_value(r, o, r->total, tv, sizeof(tv));
        fprintf(out, "Total: %s %s\n", tv, hp_fmt_units(r, o));
    }
    if (o->stacks) {
        fputs("Stacks:\n\n", out);
        int rc = hp_render_stacks(r, o, out);
        if (rc == 0 && r->profile->nrecords)
            rc = hp_render_leak_report(r, out);
        if (rc < 0)
            return rc;
        if (r->profile->nrecords)
            fputs("\n", out);
    }
    print_table(r, o, out);
    return ferror(out) ? -EIO : 0;
}
