/*
 * web.h - the web UI of --http, between its two files: web.c owns the HTTP
 * server (libmicrohttpd: listening, the Host check, the query's bounds, the
 * response headers, Ctrl-C), webviews.c the pages (one view per URL, every
 * report rendered by the command line's own dispatch into memory).
 */
#ifndef HP_CLI_WEB_H
#define HP_CLI_WEB_H

#include "hp_cli.h"

/* What a page shows: the view's path and Go pprof's query parameters. A
 * parameter left out keeps the command line's setting; given empty, it clears it. */
typedef struct hp_web_query {
    const char *si;          /* sample_index: inuse_space ... alloc_objects */
    const char *f, *i, *h, *s; /* focus, ignore, hide, show (POSIX EREs) */
} hp_web_query;

/* What the server shares with every page. */
typedef struct hp_web_ctx {
    hp_cli_session *s;    /* loaded and symbolized once */
    const hp_cli_opts *o; /* the command line's settings */
    char **trend;         /* --trend: the series (Trend view), else NULL */
    int ntrend;
    const char *trend_program;
} hp_web_ctx;

/* One response: status, content type and a malloc'ed body. */
typedef struct hp_web_page {
    unsigned status;
    const char *type;
    char *body;
    size_t len;
} hp_web_page;

/**
 * hp_web_page_make - the response for path with query q: a view, one of the
 * SVG documents the views embed, or an error page (400 for a bad parameter,
 * 404 for an unknown path). Returns: 0, or -ENOMEM (no page).
 */
int hp_web_page_make(const hp_web_ctx *c, const char *path, const hp_web_query *q,
                     hp_web_page *ret);

/**
 * hp_cli_web - --http: open the session, serve the web UI until SIGINT or
 * SIGTERM, then stop and free everything.
 * Returns: 0 or a negative errno with reterr set.
 */
int hp_cli_web(const hp_cli_opts *o, hp_error *reterr);

#endif
