/*
 * flame.c - --flame and --icicle: the report's processed stacks drawn as one
 * self-contained SVG flame graph (root = outermost frame; --icicle puts the
 * root at the top). Owns the frame tree: frames are merged by name at each
 * level and ordered by name (as flamegraph.pl), widths are proportional to
 * the chosen sample value, colours follow the object a frame belongs to.
 * flame.js, embedded in a CDATA section, adds click-to-zoom, search and
 * hover details. The output is deterministic: a report gives the same bytes.
 *
 * Negative values (--base): a frame's width is the sum of the magnitudes of
 * its stacks' changes, its colour the sign of the net change (red grew,
 * blue shrank), so every stack is drawn and widths still nest.
 */
#include "hp_common.h"
#include "hp_hash.h"
#include "hp_str.h"
#include "render-internal.h"

#include <math.h>

#include "flame_js.h"

enum {
    WIDTH = 1200, /* the image width */
    PAD = 10,     /* left and right margins */
    FRAME_H = 16, /* one level, 1 px gap included */
    TOP = 74,     /* title, subtitle, legend, controls */
    BOTTOM = 26,  /* details and search result line */
    MAX_LEGEND_LIBS = 8,
};
#define CHAR_W      7.2 /* advance of the 12 px monospace font (0.6 em) */
#define MIN_FRAME_W 0.1 /* narrower frames (and their subtrees) are not drawn */

enum family { FAM_UNKNOWN, FAM_MAIN, FAM_SYSTEM, FAM_LIB, FAM_NONE = 0xff };

/* One processed stack as a sequence of frame names, root first. */
typedef struct fstack {
    double pos, neg; /* its value when positive; the magnitude when negative */
    uint32_t first;  /* into seq[], fam[], obj[] */
    uint32_t n;
} fstack;

/* A frame being drawn: stacks order[lo..hi) share its name sequence. */
typedef struct fframe {
    uint32_t name;  /* id in names */
    uint32_t depth; /* 0 = root */
    uint8_t family;
    uint32_t obj;
    double pos, neg, offset; /* offset: value left of the frame */
} fframe;

typedef struct flame {
    const hp_report *r;
    const hp_render_options *o;
    hp_strtab *names;      /* frame labels */
    hp_strtab *objs;       /* object basenames */
    uint32_t *name_of_key; /* per report key: names id, 0 = not looked up yet */
    uint8_t *loc_family;   /* per location, FAM_NONE = not looked up yet */
    uint32_t *loc_obj;
    uint32_t main_map;

    fstack *stacks;
    size_t nstacks, stacks_alloc;
    uint32_t *seq; /* names ids, then (after rank_names) ranks in name order */
    uint8_t *fam;
    uint32_t *obj;
    size_t nseq, seq_alloc, fam_alloc, obj_alloc;
    uint32_t *name_of_rank;
    uint32_t *order; /* stacks sorted by their rank sequences */
    double pos, neg; /* the root */

    bool diff;    /* some stack is negative */
    double scale; /* pixels per unit of value */
    uint32_t max_depth;
    bool fams[4];      /* families drawn */
    uint8_t *obj_seen; /* per object: drawn as FAM_LIB */
    FILE *out;         /* NULL while measuring */
    bool icicle;
} flame;

/* libc, libstdc++, the dynamic loader and their companions share one colour family. */
static bool is_system_library(const char *base)
{
    static const char *const prefixes[] = {
        "libc.so",  "libc-",  "libstdc++", "libm.so",  "libm-",
        "ld-linux", "ld-2.",  "ld64.so",   "libgcc_s", "libpthread",
        "libdl.so", "libdl-", "librt.so",  "librt-",   "libresolv",
    };
    for (size_t i = 0; i < HP_ARRAY_SIZE(prefixes); i++)
        if (hp_has_prefix(base, prefixes[i]))
            return true;
    return false;
}

/* Colour family and object of a location (cached per location). */
static int loc_family(flame *fl, uint32_t loc, uint32_t *ret_obj)
{
    const hp_profile *p = fl->r->profile;
    if (fl->loc_family[loc] == FAM_NONE) {
        const hp_location *L = &p->locations[loc];
        uint32_t m = L->mapping ? L->mapping : hp_profile_mapping_of(p, L->address);
        const char *path = m ? hp_profile_str(p, p->mappings[m].path) : "";
        uint8_t fam = FAM_UNKNOWN;
        uint32_t obj = 0;
        if (*path && path[0] != '[') {
            const char *b = hp_base_name(path);
            int64_t id = hp_strtab_intern(fl->objs, b, strlen(b));
            if (id < 0)
                return (int)id;
            obj = (uint32_t)id;
            fam = m == fl->main_map ? FAM_MAIN : is_system_library(b) ? FAM_SYSTEM : FAM_LIB;
        }
        fl->loc_family[loc] = fam;
        fl->loc_obj[loc] = obj;
    }
    *ret_obj = fl->loc_obj[loc];
    return fl->loc_family[loc];
}

/* Frames are merged by the label the text report prints (two address keys of
 * an unknown function print alike). */
static int64_t name_of_key(flame *fl, uint32_t key)
{
    if (!fl->name_of_key[key]) {
        const char *label = hp_report_label(fl->r, key);
        int64_t id = hp_strtab_intern(fl->names, label, strlen(label));
        if (id < 0)
            return id;
        fl->name_of_key[key] = (uint32_t)id;
    }
    return fl->name_of_key[key];
}

/* Appends one processed stack: names root first, with each frame's object. */
static int add_stack(flame *fl, const hp_report_stack *st)
{
    const hp_report *r = fl->r;
    const hp_profile *p = r->profile;
    size_t need = fl->nseq + st->nkeys;
    if (need > UINT32_MAX || HP_GROW(fl->seq, fl->seq_alloc, need) < 0 ||
        HP_GROW(fl->fam, fl->fam_alloc, need) < 0 || HP_GROW(fl->obj, fl->obj_alloc, need) < 0 ||
        HP_GROW(fl->stacks, fl->stacks_alloc, fl->nstacks + 1) < 0)
        return -ENOMEM;
    uint32_t *seq = fl->seq + fl->nseq, *obj = fl->obj + fl->nseq;
    uint8_t *fam = fl->fam + fl->nseq;
    for (uint32_t k = 0; k < st->nkeys; k++) {
        int64_t name = name_of_key(fl, r->stack_keys[st->keys + k]);
        if (name < 0)
            return (int)name;
        seq[st->nkeys - 1 - k] = (uint32_t)name;
    }
    /* keys are the frames' inline levels, leaf first */
    uint32_t n = 0;
    for (uint32_t j = 0; j < st->nframes; j++) {
        uint32_t loc = HP_FRAME_LOC(hp_report_frame(r, st, j)), o = 0;
        int f = loc_family(fl, loc, &o);
        if (f < 0)
            return f;
        for (uint32_t k = hp_frame_nkeys(p, loc); k > 0 && n < st->nkeys; k--, n++) {
            fam[st->nkeys - 1 - n] = (uint8_t)f;
            obj[st->nkeys - 1 - n] = o;
        }
    }
    if (n != st->nkeys) { /* cannot happen with the report's translation; stay safe */
        memset(fam, FAM_UNKNOWN, st->nkeys);
        memset(obj, 0, st->nkeys * sizeof(*obj));
    }
    double v = st->value;
    fl->stacks[fl->nstacks++] = (fstack){
        .pos = v > 0 ? v : 0, .neg = v < 0 ? -v : 0, .first = (uint32_t)fl->nseq, .n = st->nkeys};
    fl->pos += v > 0 ? v : 0;
    fl->neg += v < 0 ? -v : 0;
    fl->nseq = need;
    return 0;
}

static int name_cmp(const void *pa, const void *pb, void *ctx)
{
    const hp_strtab *t = ctx;
    return strcmp(hp_strtab_get(t, *(const uint32_t *)pa), hp_strtab_get(t, *(const uint32_t *)pb));
}

static int stack_cmp(const void *pa, const void *pb, void *ctx)
{
    const flame *fl = ctx;
    const fstack *a = &fl->stacks[*(const uint32_t *)pa], *b = &fl->stacks[*(const uint32_t *)pb];
    const uint32_t *x = fl->seq + a->first, *y = fl->seq + b->first;
    uint32_t n = a->n < b->n ? a->n : b->n;
    for (uint32_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    return *(const uint32_t *)pa < *(const uint32_t *)pb ? -1 : 1;
}

/* Collects the stacks and sorts them by name sequence: then the children of
 * a frame are consecutive runs, in name order. */
static int build(flame *fl)
{
    const hp_report *r = fl->r;
    for (size_t i = 0; i < r->nstacks; i++) {
        if (r->stacks[i].value < 0)
            fl->diff = true;
        if (r->stacks[i].value != 0) {
            int rc = add_stack(fl, &r->stacks[i]);
            if (rc < 0)
                return rc;
        }
    }
    /* names become ranks, so comparing stacks compares integers */
    uint32_t nnames = hp_strtab_count(fl->names);
    fl->name_of_rank = hp_new0(uint32_t, nnames);
    uint32_t *rank = hp_new0(uint32_t, nnames);
    fl->order = hp_new0(uint32_t, fl->nstacks + 1);
    if (!fl->name_of_rank || !rank || !fl->order) {
        free(rank);
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < nnames; i++)
        fl->name_of_rank[i] = i;
    qsort_r(fl->name_of_rank, nnames, sizeof(uint32_t), name_cmp, fl->names);
    for (uint32_t i = 0; i < nnames; i++)
        rank[fl->name_of_rank[i]] = i;
    for (size_t i = 0; i < fl->nseq; i++)
        fl->seq[i] = rank[fl->seq[i]];
    free(rank);
    for (size_t i = 0; i < fl->nstacks; i++)
        fl->order[i] = (uint32_t)i;
    qsort_r(fl->order, fl->nstacks, sizeof(uint32_t), stack_cmp, fl);
    return 0;
}

/* ---- colours ------------------------------------------------------------ */

static uint32_t hsl(double h, double s, double l)
{
    double c = (1 - fabs(2 * l - 1)) * s, hp = fmod(h, 360.0) / 60.0;
    double x = c * (1 - fabs(fmod(hp, 2.0) - 1)), m = l - c / 2, rgb[3] = {0, 0, 0};
    int sector = (int)hp;
    static const int at[6][3] = {{0, 1, 2}, {1, 0, 2}, {2, 0, 1}, {2, 1, 0}, {1, 2, 0}, {0, 2, 1}};
    double v[3] = {c, x, 0};
    for (int i = 0; i < 3; i++)
        rgb[i] = v[at[sector % 6][i]];
    uint32_t out = 0;
    for (int i = 0; i < 3; i++)
        out = out << 8 | (uint32_t)lround((rgb[i] + m) * 255);
    return out;
}

/* Two numbers in [0, 1) from a string, stable across runs. */
static void unit_hash(const char *s, double *u1, double *u2)
{
    uint64_t h = hp_hash_bytes(s, strlen(s), 0x666c616d65ULL);
    *u1 = (double)(h & 0xffff) / 65536.0;
    *u2 = (double)((h >> 16) & 0xffff) / 65536.0;
}

/* The hue of a library: greens, teals or violets, away from the main program's reds,
 * libc's blues and the magenta of search matches. */
static double lib_hue(const flame *fl, uint32_t obj)
{
    static const double hues[] = {90, 115, 140, 160, 178, 250, 265, 280};
    const char *b = hp_strtab_get(fl->objs, obj);
    return hues[hp_hash_bytes(b, strlen(b), 0x6c6962ULL) % HP_ARRAY_SIZE(hues)];
}

static uint32_t family_colour(const flame *fl, int family, uint32_t obj, double u1, double u2)
{
    switch (family) {
    case FAM_MAIN:
        return hsl(50 * u1, 0.80, 0.55 + 0.12 * u2);
    case FAM_SYSTEM:
        return hsl(200 + 25 * u1, 0.55, 0.62 + 0.12 * u2);
    case FAM_LIB:
        return hsl(lib_hue(fl, obj) + 10 * (u1 - 0.5), 0.50, 0.55 + 0.12 * u2);
    default:
        return hsl(0, 0, 0.72 + 0.08 * u2);
    }
}

static uint32_t frame_colour(const flame *fl, const fframe *f)
{
    if (fl->diff) {
        double w = f->pos + f->neg, ratio = w > 0 ? (f->pos - f->neg) / w : 0;
        return hsl(ratio >= 0 ? 0 : 220, 0.75, 0.95 - 0.4 * fabs(ratio));
    }
    double u1, u2;
    unit_hash(hp_strtab_get(fl->names, f->name), &u1, &u2);
    return family_colour(fl, f->family, f->obj, u1, u2);
}

/* ---- text --------------------------------------------------------------- */

/* The label of a frame w pixels wide: as many characters as fit, ".." when
 * cut (flame.js computes the same after a zoom). */
static void put_label(FILE *out, const char *name, double x, int y, double w)
{
    double fit = floor((w - 6) / CHAR_W);
    if (fit < 3)
        return;
    size_t n = (size_t)fit, len = hp_utf8_chars(name);
    fprintf(out, "<text x=\"%.2f\" y=\"%d\">", x + 3, y + FRAME_H - 4);
    if (len <= n) {
        hp_xml_puts_utf8(out, name, SIZE_MAX);
    } else {
        hp_xml_puts_utf8(out, name, n - 2);
        fputs("..", out);
    }
    fputs("</text>", out);
}

/* A value as the text report prints it, with the exact bytes when that is MB. */
static void put_amount(FILE *out, const flame *fl, double v, bool sign)
{
    char buf[64];
    hp_fmt_value(fl->r, fl->o, v, buf, sizeof(buf));
    const char *units = hp_fmt_units(fl->r, fl->o);
    fprintf(out, "%s%s %s", sign && v >= 0 ? "+" : "", buf, units);
    if (!strcmp(units, "MB"))
        fprintf(out, " (%s%lld bytes)", sign && v >= 0 ? "+" : "", hp_fmt_perl_int(v));
}

static void put_title(FILE *out, const flame *fl, const fframe *n)
{
    char pct[32];
    hp_fmt_percent(n->pos + n->neg, fl->pos + fl->neg, pct, sizeof(pct));
    fputs("<title>", out);
    hp_xml_puts_utf8(out, hp_strtab_get(fl->names, n->name), SIZE_MAX);
    fputc('\n', out);
    if (!fl->diff) {
        put_amount(out, fl, n->pos, false);
        fprintf(out, ", %s", pct);
    } else {
        const char *what = hp_value_is_space(fl->r->opts.metric) ? "bytes" : "objects";
        fputs("net ", out);
        put_amount(out, fl, n->pos - n->neg, true);
        fprintf(out, ": %lld %s grown, %lld %s shrunk, %s of the change", hp_fmt_perl_int(n->pos),
                what, hp_fmt_perl_int(n->neg), what, pct);
    }
    fputs("</title>", out);
}

/* ---- the document ------------------------------------------------------- */

static const char flame_css[] = "text { font-family: monospace; font-size: 12px; fill: #000; }\n"
                                "#title { font-size: 17px; text-anchor: middle; }\n"
                                "#sub { fill: #555; text-anchor: middle; }\n"
                                ".lg { font-size: 11px; fill: #333; }\n"
                                ".end { text-anchor: end; }\n"
                                ".c { cursor: pointer; fill: #1a5fb4; }\n"
                                ".f { cursor: pointer; }\n"
                                ".f:hover rect { stroke: #000; stroke-width: 0.6; }\n"
                                ".a rect { opacity: 0.55; }\n"
                                ".h { display: none; }\n";

static const char *const metric_names[] = {"in-use objects", "in-use space", "allocated objects",
                                           "allocated space"};

static void put_subtitle(FILE *out, const flame *fl)
{
    const hp_report *r = fl->r;
    fprintf(out, "<text id=\"sub\" x=\"%d\" y=\"42\">", WIDTH / 2);
    if (r->total != 0) {
        fputs("Total: ", out);
        put_amount(out, fl, r->total, false);
    } else {
        fputs("Total: 0", out);
    }
    const char *filters[][2] = {{"focus", r->opts.focus},
                                {"ignore", r->opts.ignore},
                                {"show", r->opts.show},
                                {"hide", r->opts.hide}};
    for (size_t i = 0; i < HP_ARRAY_SIZE(filters); i++) {
        if (!filters[i][1])
            continue;
        fprintf(out, "; %s=", filters[i][0]);
        hp_xml_puts_utf8(out, filters[i][1], SIZE_MAX);
    }
    if (fl->diff)
        fputs("; widths: size of the change", out);
    fputs("</text>\n", out);
}

static double put_swatch(FILE *out, double x, uint32_t colour, const char *label)
{
    fprintf(out, "<rect x=\"%.1f\" y=\"52\" width=\"10\" height=\"10\" fill=\"#%06x\"/>", x,
            colour);
    fprintf(out, "<text class=\"lg\" x=\"%.1f\" y=\"61\">", x + 14);
    hp_xml_puts_utf8(out, label, 60);
    fputs("</text>", out);
    return x + 14 + 6.6 * (double)hp_utf8_chars(label) + 18;
}

/* One swatch per colour family drawn (per library, up to MAX_LEGEND_LIBS). */
static void put_legend(FILE *out, const flame *fl)
{
    double x = PAD;
    if (fl->diff) {
        x = put_swatch(out, x, hsl(0, 0.75, 0.6), "grew");
        put_swatch(out, x, hsl(220, 0.75, 0.6), "shrank");
        fputc('\n', out);
        return;
    }
    if (fl->fams[FAM_MAIN]) {
        const hp_profile *p = fl->r->profile;
        x = put_swatch(out, x, family_colour(fl, FAM_MAIN, 0, 0.4, 0.5),
                       hp_base_name(hp_profile_str(p, p->mappings[fl->main_map].path)));
    }
    if (fl->fams[FAM_SYSTEM])
        x = put_swatch(out, x, family_colour(fl, FAM_SYSTEM, 0, 0.5, 0.5),
                       "libc, libstdc++, ld.so");
    uint32_t libs = 0, more = 0;
    for (uint32_t obj = 1; obj < hp_strtab_count(fl->objs); obj++) { /* in stack order */
        if (!fl->obj_seen[obj])
            continue;
        if (libs++ >= MAX_LEGEND_LIBS) {
            more++;
            continue;
        }
        x = put_swatch(out, x, family_colour(fl, FAM_LIB, obj, 0.5, 0.5),
                       hp_strtab_get(fl->objs, obj));
    }
    if (fl->fams[FAM_UNKNOWN])
        x = put_swatch(out, x, family_colour(fl, FAM_UNKNOWN, 0, 0.5, 0.5), "no object");
    if (more)
        fprintf(out, "<text class=\"lg\" x=\"%.1f\" y=\"61\">and %u more libraries</text>", x,
                more);
    fputc('\n', out);
}

/* A frame: measured (fl->out NULL: depth and colour families) or drawn. */
static void visit(flame *fl, const fframe *f)
{
    FILE *out = fl->out;
    if (!out) {
        if (f->depth > fl->max_depth)
            fl->max_depth = f->depth;
        if (f->depth) {
            fl->fams[f->family] = true;
            if (f->family == FAM_LIB)
                fl->obj_seen[f->obj] = 1;
        }
        return;
    }
    double w = f->depth ? (f->pos + f->neg) * fl->scale : WIDTH - 2 * PAD;
    double x = PAD + f->offset * fl->scale;
    int y = TOP + (int)(fl->icicle ? f->depth : fl->max_depth - f->depth) * FRAME_H;
    fputs("<g class=\"f\">", out);
    put_title(out, fl, f);
    fprintf(out, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"#%06x\"/>", x, y, w,
            FRAME_H - 1, frame_colour(fl, f));
    put_label(out, hp_strtab_get(fl->names, f->name), x, y, w);
    fputs("</g>\n", out);
}

/* The children of a frame at depth: stacks order[lo..hi) share its first
 * depth names; runs of equal next names are its children, in name order
 * (stacks that end here come first). Frames narrower than MIN_FRAME_W are
 * skipped with their subtrees. */
static void walk(flame *fl, uint32_t lo, uint32_t hi, uint32_t depth, double offset)
{
    uint32_t i = lo;
    while (i < hi && fl->stacks[fl->order[i]].n <= depth)
        i++;
    while (i < hi) {
        const fstack *s = &fl->stacks[fl->order[i]];
        uint32_t rank = fl->seq[s->first + depth], j = i;
        fframe f = {.name = fl->name_of_rank[rank],
                    .depth = depth + 1,
                    .family = fl->fam[s->first + depth],
                    .obj = fl->obj[s->first + depth],
                    .offset = offset};
        for (; j < hi; j++) {
            const fstack *t = &fl->stacks[fl->order[j]];
            if (fl->seq[t->first + depth] != rank)
                break;
            f.pos += t->pos;
            f.neg += t->neg;
        }
        if ((f.pos + f.neg) * fl->scale >= MIN_FRAME_W) {
            visit(fl, &f);
            walk(fl, i, j, depth + 1, offset);
        }
        offset += f.pos + f.neg;
        i = j;
    }
}

static void walk_all(flame *fl, FILE *out)
{
    fl->out = out;
    fframe root = {.name = 1 /* "all" */, .pos = fl->pos, .neg = fl->neg};
    visit(fl, &root);
    if (fl->scale > 0)
        walk(fl, 0, (uint32_t)fl->nstacks, 0, 0);
}

static void write_svg(FILE *out, flame *fl)
{
    const hp_report *r = fl->r;
    double total = fl->pos + fl->neg;
    fl->scale = total > 0 ? (WIDTH - 2 * PAD) / total : 0;
    walk_all(fl, NULL);
    int height = TOP + (int)(fl->max_depth + 1) * FRAME_H + BOTTOM;
    int root_y = TOP + (int)(fl->icicle ? 0 : fl->max_depth) * FRAME_H;

    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n", out);
    fprintf(out,
            "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" data-pad=\"%d\" data-fh=\"%d\" data-cw=\"%.1f\" "
            "data-root-y=\"%d\" data-icicle=\"%d\">\n",
            WIDTH, height, WIDTH, height, PAD, FRAME_H, CHAR_W, root_y, fl->icicle ? 1 : 0);
    fprintf(out, "<style type=\"text/css\"><![CDATA[\n%s]]></style>\n", flame_css);
    fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fdfdf8\"/>\n", WIDTH,
            height);
    fprintf(out, "<text id=\"title\" x=\"%d\" y=\"24\">%s graph of ", WIDTH / 2,
            fl->icicle ? "Icicle" : "Flame");
    hp_xml_puts_utf8(out, fl->o->program ? fl->o->program : "the profile", SIZE_MAX);
    int metric = r->opts.metric >= 0 && r->opts.metric < HP_NVALUES ? r->opts.metric : 1;
    fprintf(out, ": %s%s</text>\n", metric_names[metric], fl->diff ? " (difference)" : "");
    put_subtitle(out, fl);
    put_legend(out, fl);
    fprintf(out, "<text id=\"reset\" class=\"c h\" x=\"%d\" y=\"24\">Reset Zoom</text>\n", PAD);
    fprintf(out, "<text id=\"search\" class=\"c end\" x=\"%d\" y=\"24\">Search</text>\n",
            WIDTH - PAD);
    fputs("<g id=\"frames\">\n", out);
    walk_all(fl, out);
    fputs("</g>\n", out);
    fprintf(out, "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n", PAD, height - 9);
    fprintf(out, "<text id=\"matched\" class=\"end\" x=\"%d\" y=\"%d\"> </text>\n", WIDTH - PAD,
            height - 9);
    fprintf(out, "<script type=\"text/ecmascript\"><![CDATA[\n%s]]></script>\n", flame_js);
    fputs("</svg>\n", out);
}

int hp_render_flame(const hp_report *r, const hp_render_options *o, bool icicle, FILE *out)
{
    if (!r->opts.keep_stack_keys)
        return -EINVAL;
    const hp_profile *p = r->profile;
    flame fl = {.r = r, .o = o, .main_map = hp_profile_main_mapping(p), .icicle = icicle};
    fl.names = hp_strtab_new();
    fl.objs = hp_strtab_new();
    fl.name_of_key = hp_new0(uint32_t, r->nkeys + 1);
    fl.loc_family = hp_malloc(p->nlocations + 1);
    fl.loc_obj = hp_new0(uint32_t, p->nlocations + 1);
    int rc = -ENOMEM;
    if (fl.names && fl.objs && fl.name_of_key && fl.loc_family && fl.loc_obj &&
        hp_strtab_intern(fl.names, "all", 3) == 1) {
        memset(fl.loc_family, FAM_NONE, p->nlocations + 1);
        rc = build(&fl);
        if (rc == 0 && !(fl.obj_seen = hp_new0(uint8_t, hp_strtab_count(fl.objs))))
            rc = -ENOMEM;
        if (rc == 0)
            write_svg(out, &fl);
    }
    hp_strtab_free(fl.names);
    hp_strtab_free(fl.objs);
    free(fl.name_of_key);
    free(fl.loc_family);
    free(fl.loc_obj);
    free(fl.stacks);
    free(fl.seq);
    free(fl.fam);
    free(fl.obj);
    free(fl.name_of_rank);
    free(fl.order);
    free(fl.obj_seen);
    if (rc < 0)
        return rc;
    return ferror(out) ? -EIO : 0;
}
