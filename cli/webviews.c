/*
 * webviews.c - the pages of the web UI (--http): one view per URL, all its
 * state in the query string (Go pprof's si, f, i, h, s), so that a link
 * reproduces the view. Every report is the command line's: a view copies the
 * session's options, applies the query, builds the report from the session
 * and renders it through hp_cli_render into memory (open_memstream), exactly
 * as `pprof --text`, `--svg`, `--flame`, `--list`, `-peek` or `-tree` would;
 * this file only wraps that output in HTML (header bar, sortable table,
 * <pre>), and the scripts (webui.js, pan/zoom, sorting) are inline, so a
 * page loads nothing from elsewhere.
 */
#include "hp_common.h"
#include "hp_cli.h"
#include "hp_dispatch.h"
#include "web.h"
#include "webui_css.h"
#include "webui_js.h"

#include <ctype.h>
#include <unistd.h>

typedef struct view {
    const char *path, *title;
    hp_output_mode mode;
} view;

static const view views[] = {
    {"/", "Graph", HP_OUT_SVG},
    {"/top", "Top", HP_OUT_TEXT},
    {"/flamegraph", "Flame graph", HP_OUT_FLAME},
    {"/icicle", "Icicle", HP_OUT_ICICLE},
    {"/source", "Source", HP_OUT_LIST},
    {"/disasm", "Disassembly", HP_OUT_DISASM},
    {"/peek", "Peek", HP_OUT_PEEK},
    {"/tree", "Tree", HP_OUT_TREE},
    {"/trend", "Trend", HP_OUT_TREND},
};

static const char *const sample_names[HP_NVALUES] = {
    [HP_INUSE_SPACE] = "inuse_space", [HP_INUSE_OBJECTS] = "inuse_objects",
    [HP_ALLOC_SPACE] = "alloc_space", [HP_ALLOC_OBJECTS] = "alloc_objects"};

/* One page being made: the view, its options and report, the output. */
typedef struct page {
    const hp_web_ctx *c;
    const hp_web_query *q;
    const view *v;
    hp_cli_opts o;
    hp_report *rep;
    hp_error err;
    FILE *f;
    char *body;
    size_t len;
} page;

static void put_html(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        switch (s[i]) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(s[i], f); break;
        }
    }
}

static void put_html_str(FILE *f, const char *s)
{
    put_html(f, s, SIZE_MAX);
}

static void put_url_value(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isalnum(ch) || strchr("-_.~", ch))
            fputc(ch, f);
        else
            fprintf(f, "%%%02X", ch);
    }
}

/* The query of the current state ("?si=...&f=..."), for links to other views. */
static void put_query(FILE *f, const hp_web_query *q)
{
    const char *names[] = {"si", "f", "i", "h", "s"};
    const char *values[] = {q->si, q->f, q->i, q->h, q->s};
    char sep = '?';
    for (size_t k = 0; k < HP_ARRAY_SIZE(names); k++) {
        if (!values[k])
            continue;
        fprintf(f, "%c%s=", sep, names[k]);
        put_url_value(f, values[k]);
        sep = '&';
    }
}

/* The view's options: the command line's, with the query's parameters. */
static int apply_query(page *p)
{
    const hp_web_query *q = p->q;
    p->o = *p->c->o;
    p->o.mode = p->v->mode;
    p->o.mode_arg = NULL;
    p->o.json = 0;
    p->o.output = NULL;
    p->o.http = NULL;
    if (q->si && hp_cli_set_option(&p->o, "sample_index", q->si, &p->err) < 0)
        return hp_error_set(&p->err, -EINVAL, "bad si '%s' (inuse_space, inuse_objects, "
                                              "alloc_space or alloc_objects)", q->si);
    const char *const *set[] = {&q->f, &q->i, &q->h, &q->s};
    const char **to[] = {&p->o.focus, &p->o.ignore, &p->o.hide, &p->o.show};
    for (size_t k = 0; k < HP_ARRAY_SIZE(set); k++)
        if (*set[k])
            *to[k] = **set[k] ? *set[k] : NULL;
    return 0;
}

/* Renders the view's report (p->o) into a new string, as the command line would. */
static int render(page *p, hp_output_mode mode, const char *mode_arg, char **ret, size_t *len)
{
    hp_cli_opts o = p->o;
    o.mode = mode;
    o.mode_arg = mode_arg;
    FILE *f = open_memstream(ret, len);
    if (!f)
        return hp_error_set(&p->err, -ENOMEM, "out of memory");
    hp_render_options rnd;
    hp_cli_render_options(&o, p->c->s, &rnd);
    int r = hp_cli_render(&o, p->c->s, p->rep, &rnd, f, &p->err);
    if (fclose(f) != 0 && r == 0)
        r = hp_error_set(&p->err, -ENOMEM, "out of memory");
    if (r < 0) {
        free(*ret);
        *ret = NULL;
    }
    return r;
}

static void header_bar(page *p)
{
    FILE *f = p->f;
    const char *name = hp_cli_session_program(p->c->s);
    const char *slash = strrchr(name, '/');
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width\">"
          "<link rel=\"icon\" href=\"data:,\"><title>",
          f);
    put_html_str(f, slash ? slash + 1 : name);
    fprintf(f, " %s</title><style>%s</style></head>\n<body>\n<div id=\"hdr\">", p->v->title,
            webui_css);
    fputs("<nav>", f);
    for (size_t i = 0; i < HP_ARRAY_SIZE(views); i++) {
        if (views[i].mode == HP_OUT_TREND && !p->c->trend)
            continue;
        fprintf(f, "<a id=\"v-%s\"%s href=\"%s", views[i].path[1] ? views[i].path + 1 : "graph",
                &views[i] == p->v ? " class=\"cur\"" : "", views[i].path);
        put_query(f, p->q);
        fprintf(f, "\">%s</a>", views[i].title);
    }
    fputs("</nav><select id=\"si\" title=\"sample type\">", f);
    int metric = p->rep ? p->rep->opts.metric : p->o.metric;
    for (int i = 0; i < HP_NVALUES; i++)
        fprintf(f, "<option%s>%s</option>", i == metric ? " selected" : "", sample_names[i]);
    fputs("</select><input id=\"re\" size=\"28\" placeholder=\"regexp\" value=\"", f);
    put_html_str(f, p->q->f ? p->q->f : p->o.focus ? p->o.focus : "");
    fputs("\"><button id=\"b-f\">focus</button><button id=\"b-i\">ignore</button>"
          "<button id=\"b-h\">hide</button><button id=\"b-s\">show</button>"
          "<button id=\"b-r\">reset</button><span id=\"name\">",
          f);
    put_html_str(f, name);
    if (p->rep) {
        hp_render_options rnd;
        hp_cli_render_options(&p->o, p->c->s, &rnd);
        char total[64], shown[64];
        hp_fmt_value(p->rep, &rnd, p->rep->total, total, sizeof(total));
        hp_fmt_value(p->rep, &rnd, p->rep->focused, shown, sizeof(shown));
        fprintf(f, "</span><span id=\"total\">Total: %s %s", total, hp_fmt_units(p->rep, &rnd));
        if (p->rep->focused != p->rep->total)
            fprintf(f, " (shown: %s)", shown);
    }
    const char *filters[] = {"focus", p->o.focus, "ignore", p->o.ignore, "hide", p->o.hide,
                             "show", p->o.show};
    for (size_t k = 0; k < HP_ARRAY_SIZE(filters); k += 2) {
        if (!filters[k + 1])
            continue;
        fprintf(f, " <span class=\"flt\">%s=", filters[k]);
        put_html_str(f, filters[k + 1]);
        fputs("</span>", f);
    }
    fprintf(f, "</span></div>\n<script>%s</script>\n<div id=\"main\">\n", webui_js);
}

static void footer(page *p)
{
    fputs("</div>\n</body></html>\n", p->f);
}

static void pre(page *p, const char *text, size_t len)
{
    fputs("<pre id=\"report\">", p->f);
    put_html(p->f, text, len);
    fputs("</pre>\n", p->f);
}

static void note(page *p, const char *msg)
{
    fputs("<p class=\"note\">", p->f);
    put_html_str(p->f, msg);
    fputs("</p>\n", p->f);
}

/* One --text row split in place: the five value columns and the name;
 * false for the other lines ("Total:", the stacks). */
static bool text_row(char *line, char *cell[5], char **name)
{
    char *s = line;
    for (int n = 0; n < 5; n++) {
        s += strspn(s, " ");
        size_t w = strcspn(s, " ");
        if (!w || !s[w])
            return false;
        cell[n] = s;
        s[w] = '\0';
        s += w + 1;
    }
    *name = s;
    return strchr(cell[1], '%') != NULL;
}

/* The --text rows of the other unit (objects for space, space for objects):
 * name, flat, cum of each row, split in place in *text. */
static int companion_rows(page *p, char **text, char ***rows, size_t *nrows)
{
    *text = NULL;
    *rows = NULL;
    *nrows = 0;
    hp_cli_opts keep = p->o;
    hp_report *mine = p->rep;
    p->o.metric = mine->opts.metric ^ 1; /* HP_INUSE_OBJECTS <-> HP_INUSE_SPACE, alloc alike */
    size_t len = 0;
    int r = hp_cli_session_report(p->c->s, &p->o, &p->rep, &p->err);
    if (r == 0) {
        r = render(p, HP_OUT_TEXT, NULL, text, &len);
        hp_report_free(p->rep);
    }
    p->rep = mine;
    p->o = keep;
    size_t alloc = 0;
    char *save = NULL;
    for (char *line = r == 0 ? strtok_r(*text, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        char *cell[5], *name;
        if (!text_row(line, cell, &name))
            continue;
        if (HP_GROW(*rows, alloc, *nrows + 3) < 0)
            return hp_error_set(&p->err, -ENOMEM, "out of memory");
        (*rows)[(*nrows)++] = name;
        (*rows)[(*nrows)++] = cell[0];
        (*rows)[(*nrows)++] = cell[3];
    }
    return r;
}

static void value_cell(FILE *f, const char *v)
{
    fprintf(f, "<td data-v=\"%g\">%s</td>", strtod(v, NULL), v);
}

/* Top: the --text rows as a table (flat, flat%, sum%, cum, cum% of the
 * sample type; flat and cum of the other unit, from its own --text; name). */
static int view_top(page *p)
{
    char *text = NULL, *other = NULL, **orows = NULL;
    size_t len = 0, north = 0;
    int r = render(p, HP_OUT_TEXT, NULL, &text, &len);
    if (r == 0)
        r = companion_rows(p, &other, &orows, &north);
    const char *unit = strstr(sample_names[p->rep->opts.metric], "space") ? "objects" : "bytes";
    FILE *f = p->f;
    fprintf(f, "<table id=\"top\"><thead><tr><th>Flat</th><th>Flat%%</th><th>Sum%%</th>"
               "<th>Cum</th><th>Cum%%</th><th>Flat %s</th><th>Cum %s</th><th>Name</th></tr>"
               "</thead><tbody>\n", unit, unit);
    char *save = NULL;
    for (char *line = r == 0 ? strtok_r(text, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        char *cell[5], *name;
        if (!text_row(line, cell, &name))
            continue;
        fputs("<tr data-n=\"", f);
        put_html_str(f, name);
        fputs("\">", f);
        for (int k = 0; k < 5; k++)
            value_cell(f, cell[k]);
        size_t k = 0;
        while (k < north && strcmp(orows[k], name) != 0)
            k += 3;
        value_cell(f, k < north ? orows[k + 1] : "");
        value_cell(f, k < north ? orows[k + 2] : "");
        fputs("<td>", f);
        put_html_str(f, name);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
    free(text);
    free(other);
    free(orows);
    return r;
}

/* Graph: the --svg drawing, inline, with pan/zoom and click-to-focus (webui.js). */
static int view_graph(page *p)
{
    char *svg = NULL;
    size_t len = 0;
    int r = render(p, HP_OUT_SVG, NULL, &svg, &len);
    if (r == -ENODATA) { /* nothing left to draw */
        note(p, p->err.msg);
        return 0;
    }
    if (r < 0)
        return r;
    const char *start = strstr(svg, "<svg");
    fputs("<div id=\"graph\">", p->f);
    if (start)
        fputs(start, p->f);
    fputs("</div>\n", p->f);
    free(svg);
    return 0;
}

/* Flame graph / icicle: the --flame SVG (with its own script) in a frame. */
static int view_flame(page *p)
{
    fprintf(p->f, "<iframe id=\"flame\" title=\"%s\" src=\"%s.svg", p->v->title, p->v->path);
    put_query(p->f, p->q);
    fputs("\"></iframe>\n", p->f);
    return 0;
}

static int view_pre(page *p, hp_output_mode mode, const char *arg)
{
    char *text = NULL;
    size_t len = 0;
    int r = render(p, mode, arg, &text, &len);
    if (r < 0)
        return r;
    if (len == 0)
        note(p, "nothing matches");
    else
        pre(p, text, len);
    free(text);
    return 0;
}

/* Trend: the --trend --svg plot of the series (through a temporary file:
 * hp_cli_trend writes to --output). */
static int view_trend(page *p)
{
    if (!p->c->trend) {
        note(p, "start pprof with --trend and a dump series for this view");
        return 0;
    }
    const char *tmpdir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/pprof-trend.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return hp_error_set(&p->err, -errno, "cannot create '%s': %s", path, strerror(errno));
    close(fd);
    hp_cli_opts o = p->o;
    o.mode = HP_OUT_TREND;
    o.trend_svg = true;
    o.output = path;
    int r = hp_cli_trend(&o, p->c->trend_program, p->c->trend, p->c->ntrend, &p->err);
    FILE *in = r == 0 ? fopen(path, "r") : NULL;
    if (in) {
        char buf[65536];
        size_t n;
        bool started = false;
        fputs("<div id=\"trend\">", p->f);
        while ((n = fread(buf, 1, sizeof(buf) - 1, in)) > 0) {
            buf[n] = '\0';
            const char *s = started ? buf : strstr(buf, "<svg");
            if (!s)
                continue;
            started = true;
            fwrite(s, 1, n - (size_t)(s - buf), p->f);
        }
        fputs("</div>\n", p->f);
        fclose(in);
    }
    unlink(path);
    return r;
}

static int view_body(page *p)
{
    switch (p->v->mode) {
    case HP_OUT_TEXT: return view_top(p);
    case HP_OUT_SVG: return view_graph(p);
    case HP_OUT_FLAME:
    case HP_OUT_ICICLE: return view_flame(p);
    case HP_OUT_LIST:
        if (!p->o.focus) {
            note(p, "Source lists the functions matching the focus regexp: click a function in "
                    "Top or Graph, or type a regexp and press focus.");
            return 0;
        }
        return view_pre(p, HP_OUT_LIST, p->o.focus);
    case HP_OUT_DISASM:
        if (!p->o.focus) {
            note(p, "Disassembly shows the functions matching the focus regexp: click a function "
                    "in Top or Graph, or type a regexp and press focus.");
            return 0;
        }
        return view_pre(p, HP_OUT_DISASM, p->o.focus);
    case HP_OUT_PEEK: return view_pre(p, HP_OUT_PEEK, p->o.focus ? p->o.focus : ".");
    case HP_OUT_TREE: return view_pre(p, HP_OUT_TREE, NULL);
    case HP_OUT_TREND: return view_trend(p);
    default: return hp_error_set(&p->err, -ENOTSUP, "no such view");
    }
}

static int error_page(hp_web_page *ret, unsigned status, const char *msg)
{
    *ret = (hp_web_page){.status = status, .type = "text/plain; charset=utf-8"};
    int n = asprintf(&ret->body, "pprof: %s\n", msg);
    if (n < 0)
        return -ENOMEM;
    ret->len = (size_t)n;
    return 0;
}

/* The SVG of the flame/icicle views, alone (their frame's document). */
static int flame_svg(page *p, hp_web_page *ret)
{
    char *svg = NULL;
    size_t len = 0;
    int r = render(p, p->v->mode, NULL, &svg, &len);
    if (r < 0)
        return r;
    *ret = (hp_web_page){.status = 200, .type = "image/svg+xml", .body = svg, .len = len};
    return 0;
}

int hp_web_page_make(const hp_web_ctx *c, const char *path, const hp_web_query *q,
                     hp_web_page *ret)
{
    page p = {.c = c, .q = q};
    bool svg = false;
    for (size_t i = 0; i < HP_ARRAY_SIZE(views) && !p.v; i++) {
        size_t n = strlen(views[i].path);
        if (!strcmp(path, views[i].path))
            p.v = &views[i];
        else if ((views[i].mode == HP_OUT_FLAME || views[i].mode == HP_OUT_ICICLE) &&
                 !strncmp(path, views[i].path, n) && !strcmp(path + n, ".svg"))
            p.v = &views[i], svg = true;
    }
    if (!p.v)
        return error_page(ret, 404, "no such page (the views: / /top /flamegraph /icicle "
                                    "/source /disasm /peek /tree /trend)");
    int r = apply_query(&p);
    if (r == 0)
        r = hp_cli_session_report(c->s, &p.o, &p.rep, &p.err);
    if (r == 0 && svg)
        r = flame_svg(&p, ret);
    else if (r == 0) {
        p.f = open_memstream(&p.body, &p.len);
        if (!p.f)
            r = -ENOMEM;
        else {
            header_bar(&p);
            r = view_body(&p);
            footer(&p);
            if (fclose(p.f) != 0 && r == 0)
                r = -ENOMEM;
            if (r == 0)
                *ret = (hp_web_page){.status = 200, .type = "text/html; charset=utf-8",
                                     .body = p.body, .len = p.len};
            else
                free(p.body);
        }
    }
    hp_report_free(p.rep);
    if (r == -ENOMEM)
        return r;
    if (r < 0)
        /* a bad or unmatched regexp, a bad value: the request's fault */
        return error_page(ret, r == -EINVAL || r == -ENODATA ? 400 : 500,
                          p.err.msg[0] ? p.err.msg : strerror(-r));
    return 0;
}
