/*
 * dot.c - Perl pprof's DOT dialect (SPEC 4.9), written by our own code so the
 * text is byte-stable: the legend box, one box per node with flat and cum
 * values and a font size growing with flat, edges with pen widths, weights
 * and dashed lines into inlined frames.
 */
#include "hp_common.h"
#include "hp_render.h"

#include <math.h>

/* Perl: $sym =~ s/\s+/\\n/g; $sym =~ s/::/\\n/g; plus escaping of '"' for dot. */
static void node_label(FILE *out, const char *key)
{
    for (const char *s = key; *s;) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == '\v') {
            while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == '\v')
                s++;
            fputs("\\n", out);
        } else if (s[0] == ':' && s[1] == ':') {
            fputs("\\n", out);
            s += 2;
        } else {
            if (*s == '"' || *s == '\\')
                fputc('\\', out);
            fputc(*s++, out);
        }
    }
}

int hp_render_dot(const hp_graph *g, const hp_render_options *o, FILE *out)
{
    const hp_report *r = g->report;
    char total[64], local[64], nl[64], el[64];
    const char *units = hp_fmt_units(r, o);
    hp_fmt_value(r, o, r->total, total, sizeof(total));
    hp_fmt_value(r, o, g->local_total, local, sizeof(local));
    hp_fmt_value(r, o, g->nodelimit, nl, sizeof(nl));
    hp_fmt_value(r, o, g->edgelimit, el, sizeof(el));
    fprintf(out, "digraph \"%s; %s %s\" {\n", o->program, total, units);
    if (o->page_size)
        fprintf(out, "size=\"8,11\"\n");
    fprintf(out, "node [width=0.375,height=0.25];\n");
    fprintf(out,
            "Legend [shape=box,fontsize=24,shape=plaintext,label=\"%s\\lTotal %s: %s\\lFocusing on: "
            "%s\\lDropped nodes with <= %s abs(%s)\\lDropped edges with <= %s %s\\l\"];\n",
            o->program, units, total, local, nl, units, el, units);
    for (size_t i = 0; i < g->nnodes; i++) {
        const hp_graph_node *n = &g->nodes[i];
        double fs = 8;
        if (g->local_total > 0)
            fs = 8 + 50.0 * sqrt(fabs(n->flat / g->local_total));
        char fv[64], fp[32], cv[64], cp[32];
        hp_fmt_value(r, o, n->flat, fv, sizeof(fv));
        hp_fmt_percent(n->flat, g->local_total, fp, sizeof(fp));
        fprintf(out, "N%zu [label=\"", i + 1);
        node_label(out, hp_report_key(r, n->key));
        fprintf(out, "\\n%s (%s)", fv, fp);
        if (n->flat != n->cum) {
            hp_fmt_value(r, o, n->cum, cv, sizeof(cv));
            hp_fmt_percent(n->cum, g->local_total, cp, sizeof(cp));
            fprintf(out, "\\rof %s (%s)", cv, cp);
        }
        const char *style = "";
        if (o->heapcheck)
            style = n->flat > 0 ? ",style=filled,fillcolor=gray" : n->flat < 0 ? ",peripheries=3" : "";
        fprintf(out, "\\r\",shape=box,fontsize=%.1f%s];\n", fs, style);
    }
    for (size_t i = 0; i < g->nedges; i++) {
        const hp_graph_edge *e = &g->edges[i];
        double fraction = g->local_total ? fabs(3 * (e->weight / g->local_total)) : 0;
        if (fraction > 1)
            fraction = 1;
        double w = fraction * 2;
        if (w < 1 && o->min_line_width)
            w = 1;
        double weight = pow(fabs(e->weight), 0.7);
        if (weight > 100000)
            weight = 100000;
        char wv[64];
        hp_fmt_value(r, o, e->weight, wv, sizeof(wv));
        fprintf(out, "N%u -> N%u [label=%s, weight=%d, style=\"setlinewidth(%f)%s\"];\n",
                e->src + 1, e->dst + 1, wv, (int)weight, w, e->inline_dst ? ",dashed" : "");
    }
    fprintf(out, "}\n");
    return ferror(out) ? -EIO : 0;
}
