/*
 * disasm.c - prints Perl pprof's --disasm report from an hp_disasm:
 * "ROUTINE ====== name", the routine's flat and cumulative totals with its
 * share of the total, then per source file and line run the source line and
 * the instructions with their values ("." for zero).
 */
#include "hp_common.h"
#include "hp_render.h"
#include "render-internal.h"

#include <inttypes.h>

int hp_render_disasm(const hp_report *r, const hp_disasm *d, const hp_render_options *o, FILE *out)
{
    for (size_t i = 0; i < d->nroutines; i++) {
        const hp_disasm_routine *rt = &d->routines[i];
        char f[64], c[64];
        hp_fmt_value(r, o, rt->flat, f, sizeof(f));
        hp_fmt_value(r, o, rt->cum, c, sizeof(c));
        fprintf(out, "ROUTINE ====================== %s\n%6s %6s %s (flat, cumulative) %.1f%% of total\n",
                rt->name, f, c, hp_fmt_units(r, o), r->focused ? rt->cum * 100.0 / r->focused : 0.0);
        for (size_t k = 0; k < rt->nrows; k++) {
            const hp_disasm_row *row = &rt->rows[k];
            switch (row->kind) {
            case HP_DISASM_FILE:
                fprintf(out, "-------------------- %s\n", row->text);
                break;
            case HP_DISASM_SOURCE:
                hp_fmt_value_or_dot(r, o, row->flat, f, sizeof(f));
                hp_fmt_value_or_dot(r, o, row->cum, c, sizeof(c));
                /* Perl strips leading blanks, newline included for a blank line */
                fprintf(out, "%6s %6s %5u: %s%s", f, c, row->line, row->text, *row->text ? "\n" : "");
                break;
            case HP_DISASM_INSN:
                hp_fmt_value_or_dot(r, o, row->flat, f, sizeof(f));
                hp_fmt_value_or_dot(r, o, row->cum, c, sizeof(c));
                fprintf(out, "%6s %6s    %8" PRIx64 ": %6s\n", f, c, row->addr, row->text);
                break;
            }
        }
    }
    return ferror(out) ? -EIO : 0;
}
