/*
 * text.c - the --text report of Perl pprof, byte for byte: the "Total:" line
 * and rows "%8s %6s %6s %8s %6s %s" sorted by flat (or cum) then key; the
 * walk over those rows (hp_rows_*) is shared with --json.
 */
#include "hp_common.h"
#include "render-internal.h"

void hp_rows_start(const hp_report *r, const hp_render_options *o, hp_rows *it)
{
    *it = (hp_rows){.rows = hp_report_rows(r, o->cum)};
}

bool hp_rows_next(const hp_report *r, const hp_render_options *o, hp_rows *it)
{
    while (it->next < r->nrows) {
        uint32_t k = it->rows[it->next++];
        it->running += r->flat[k];
        if (r->flat[k] == 0 && r->cum[k] == 0)
            continue;
        if (o->nodecount >= 0 && it->printed >= o->nodecount)
            return false;
        it->key = k;
        it->printed++;
        return true;
    }
    return false;
}

static void print_table(const hp_report *r, const hp_render_options *o, FILE *out)
{
    hp_rows it;
    hp_rows_start(r, o, &it);
    while (hp_rows_next(r, o, &it)) {
        uint32_t k = it.key;
        double f = r->flat[k], c = r->cum[k];
        char fv[64], fp[32], rp[32], cv[64], cp[32];
        hp_fmt_value(r, o, f, fv, sizeof(fv));
        hp_fmt_percent(f, r->focused, fp, sizeof(fp));
        hp_fmt_percent(it.running, r->focused, rp, sizeof(rp));
        hp_fmt_value(r, o, c, cv, sizeof(cv));
        hp_fmt_percent(c, r->focused, cp, sizeof(cp));
        fprintf(out, "%8s %6s %6s %8s %6s %s\n", fv, fp, rp, cv, cp, hp_report_label(r, k));
    }
}

int hp_render_text(const hp_report *r, const hp_render_options *o, FILE *out)
{
    if (r->total != 0 && !o->omit_total) {
        char tv[64];
        hp_fmt_value(r, o, r->total, tv, sizeof(tv));
        if (o->has_thread)
            fprintf(out, "Total (t%ld): %s %s\n", o->thread, tv, hp_fmt_units(r, o));
        else
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
