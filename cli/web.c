/*
 * web.c - the HTTP server of --http=[HOST]:PORT, on libmicrohttpd (one
 * internal polling thread: requests are answered one at a time from the one
 * session, which is loaded and symbolized once before the server starts).
 * It owns what is HTTP: the listening address (127.0.0.1 unless a host is
 * given; port 0 picks a free one), the Host check against DNS rebinding (403
 * unless the Host names this server), GET/HEAD only, bounded query values,
 * and the headers of every response (content type, nosniff, no caching, a
 * content security policy that lets pages load nothing from elsewhere).
 * The pages themselves come from webviews.c. SIGINT/SIGTERM stop the
 * daemon and free the session.
 */
#include "hp_common.h"
#include "hp_cli.h"
#include "web.h"
#include "dl_microhttpd.h"

#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MAX_PARAM = 512, MAX_HOSTS = 4 };

typedef struct server {
    hp_web_ctx ctx;
    char *allowed[MAX_HOSTS]; /* Host header values accepted, "name:port" */
    size_t nallowed;
} server;

/* "[HOST]:PORT", HOST possibly "[v6]" or empty (127.0.0.1). */
static int split_address(const char *arg, char *host, size_t hsize, char *port, size_t psize,
                         hp_error *err)
{
    const char *colon = strrchr(arg, ':');
    const char *h = arg, *he = colon;
    if (colon && *arg == '[' && colon > arg && colon[-1] == ']') {
        h = arg + 1;
        he = colon - 1;
    }
    size_t plen = colon ? strlen(colon + 1) : 0;
    if (!colon || plen == 0 || plen >= psize || strspn(colon + 1, "0123456789") != plen ||
        atol(colon + 1) > 65535 || (size_t)(he - h) >= hsize)
        return hp_error_set(err, -EINVAL, "invalid --http '%s' ([HOST]:PORT, e.g. :8080 or "
                                          "localhost:0)", arg);
    if (he == h)
        snprintf(host, hsize, "127.0.0.1");
    else
        snprintf(host, hsize, "%.*s", (int)(he - h), h);
    snprintf(port, psize, "%s", colon + 1);
    return 0;
}

static enum MHD_Result respond(struct MHD_Connection *c, hp_web_page *pg)
{
    struct MHD_Response *r =
        sym_MHD_create_response_from_buffer(pg->len, pg->body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(pg->body);
        return MHD_NO;
    }
    sym_MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, pg->type);
    sym_MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    sym_MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    sym_MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    sym_MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; script-src 'unsafe-inline'; "
                            "style-src 'unsafe-inline'; img-src 'self' data:; "
                            "frame-src 'self'; frame-ancestors 'self'; form-action 'self'");
    enum MHD_Result ret = sym_MHD_queue_response(c, pg->status, r);
    sym_MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result respond_text(struct MHD_Connection *c, unsigned status, const char *fmt,
                                    ...) HP_PRINTF(3, 4);
static enum MHD_Result respond_text(struct MHD_Connection *c, unsigned status, const char *fmt,
                                    ...)
{
    hp_web_page pg = {.status = status, .type = "text/plain; charset=utf-8"};
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&pg.body, fmt, ap);
    va_end(ap);
    if (n < 0)
        return MHD_NO;
    pg.len = (size_t)n;
    return respond(c, &pg);
}

static bool host_allowed(const server *sv, const char *host)
{
    for (size_t i = 0; host && i < sv->nallowed; i++)
        if (!strcasecmp(host, sv->allowed[i]))
            return true;
    return false;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **req_cls)
{
    (void)version, (void)upload, (void)upload_size, (void)req_cls;
    const server *sv = cls;
    const char *host = sym_MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (!host_allowed(sv, host))
        return respond_text(c, MHD_HTTP_FORBIDDEN,
                            "pprof: Host '%.100s' is not this server (see pprof --http)\n",
                            host ? host : "");
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return respond_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "pprof: only GET and HEAD\n");
    static const char *const names[] = {"si", "f", "i", "h", "s"};
    const char *values[HP_ARRAY_SIZE(names)];
    for (size_t k = 0; k < HP_ARRAY_SIZE(names); k++) {
        values[k] = sym_MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, names[k]);
        if (values[k] && strlen(values[k]) > MAX_PARAM)
            return respond_text(c, MHD_HTTP_BAD_REQUEST,
                                "pprof: parameter '%s' is longer than %d bytes\n", names[k],
                                MAX_PARAM);
    }
    hp_web_query q = {values[0], values[1], values[2], values[3], values[4]};
    hp_web_page pg = {0};
    if (hp_web_page_make(&sv->ctx, url, &q, &pg) < 0)
        return respond_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "pprof: out of memory\n");
    return respond(c, &pg);
}

/* $BROWSER or xdg-open on url, detached (a grandchild: no zombie left). */
static void open_browser(const char *url)
{
    const char *b = getenv("BROWSER");
    if (!b || !*b)
        b = "xdg-open";
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        pthread_sigmask(SIG_SETMASK, &none, NULL);
        if (fork() == 0) {
            int fd = open("/dev/null", O_RDWR);
            if (fd >= 0) {
                dup2(fd, STDIN_FILENO);
                dup2(fd, STDOUT_FILENO);
            }
            execlp(b, b, url, (char *)NULL);
            fprintf(stderr, "pprof: cannot run '%s': %s\n", b, strerror(errno));
            _exit(127);
        }
        _exit(0);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

/* --trend --http: the views show the series' last profile, the Trend view the series. */
static int trend_args(const hp_cli_opts *o, hp_cli_opts *so, hp_web_ctx *ctx, char **last,
                      hp_error *err)
{
    const char *program;
    char **profiles;
    int n;
    int r = hp_cli_split_args(o, &program, &profiles, &n, err);
    if (r < 0)
        return r;
    ctx->trend = profiles;
    ctx->ntrend = n;
    ctx->trend_program = program;
    int k = 0;
    if (program)
        last[k++] = (char *)program;
    last[k++] = profiles[n - 1];
    so->args = last;
    so->nargs = k;
    so->mode = HP_OUT_NONE;
    return 0;
}

static int listen_address(const char *host, const char *port, struct addrinfo **ret,
                          hp_error *err)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    int e = getaddrinfo(host, port, &hints, ret);
    if (e != 0)
        return hp_error_set(err, -EINVAL, "--http: cannot resolve '%s': %s", host,
                            gai_strerror(e));
    return 0;
}

static int add_allowed(server *sv, const char *name, unsigned port)
{
    if (sv->nallowed == MAX_HOSTS || asprintf(&sv->allowed[sv->nallowed], "%s:%u", name, port) < 0)
        return -ENOMEM;
    sv->nallowed++;
    return 0;
}

/* Serves until SIGINT/SIGTERM (blocked in every thread, taken by sigwait). */
static int serve(server *sv, const char *host, const char *port, hp_error *err)
{
    struct addrinfo *ai = NULL;
    int r = listen_address(host, port, &ai, err);
    if (r < 0)
        return r;
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD |
                     (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    struct MHD_Daemon *d = sym_MHD_start_daemon(
        flags, 0, NULL, NULL, handle, sv, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_END);
    int family = ai->ai_family;
    freeaddrinfo(ai);
    if (!d)
        return hp_error_set(err, -EADDRNOTAVAIL, "--http: cannot listen on %s:%s", host, port);
    const union MHD_DaemonInfo *info = sym_MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned p = info ? info->port : (unsigned)atoi(port);
    char shown[300];
    snprintf(shown, sizeof(shown), family == AF_INET6 ? "[%s]" : "%s", host);
    if (add_allowed(sv, "127.0.0.1", p) < 0 || add_allowed(sv, "localhost", p) < 0 ||
        add_allowed(sv, "[::1]", p) < 0 || add_allowed(sv, shown, p) < 0) {
        sym_MHD_stop_daemon(d);
        return hp_error_set(err, -ENOMEM, "out of memory");
    }
    char url[400];
    snprintf(url, sizeof(url), "http://%s:%u", shown, p);
    fprintf(stderr, "Serving web UI on %s\n", url);
    fflush(stderr);
    if (!sv->ctx.o->no_browser)
        open_browser(url);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    int sig;
    sigwait(&stop, &sig);
    sym_MHD_stop_daemon(d);
    return 0;
}

int hp_cli_web(const hp_cli_opts *o, hp_error *err)
{
    char host[256], port[8];
    int r = split_address(o->http, host, sizeof(host), port, sizeof(port), err);
    if (r < 0 || (r = hp_dl_microhttpd(err)) < 0)
        return r;
    if (o->mode != HP_OUT_NONE && o->mode != HP_OUT_TREND)
        return hp_error_set(err, -EINVAL, "--http shows every view: give no output mode "
                                          "(--trend adds the Trend view)");
    if (o->json)
        return hp_error_set(err, -EINVAL, "--http does not go with --json");
    hp_cli_opts so = *o;
    server sv = {.ctx.o = o};
    char *last[2];
    if (o->mode == HP_OUT_TREND && (r = trend_args(o, &so, &sv.ctx, last, err)) < 0)
        return r;
    /* interactive: keep the objects (the Source view lists from them) */
    if ((r = hp_cli_session_open(&so, true, true, &sv.ctx.s, err)) < 0)
        return r;
    /* before the daemon's thread exists, so that it inherits the mask */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    r = serve(&sv, host, port, err);
    pthread_sigmask(SIG_UNBLOCK, &stop, NULL);
    for (size_t i = 0; i < sv.nallowed; i++)
        free(sv.allowed[i]);
    hp_cli_session_free(sv.ctx.s);
    return r;
}
