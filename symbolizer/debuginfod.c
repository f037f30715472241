/*
 * debuginfod.c - debug info on demand: asks the debuginfod servers named in
 * DEBUGINFOD_URLS for a file by build-id (an object's separate debug file,
 * its dwz supplementary file, or the object itself) through libdebuginfod.
 *
 *  - libdebuginfod.so.1 is loaded with dlopen on the first request, as
 *    elfutils' libdwfl does: linking it would make every run start libcurl
 *    and its TLS libraries (about 20 ms, twice pprof's own start-up);
 *  - the cache is the library's own ($DEBUGINFOD_CACHE_PATH, else
 *    $XDG_CACHE_HOME/debuginfod_client, else ~/.cache/debuginfod_client):
 *    files found there are used without asking a server, and the library
 *    remembers misses for a while (its cache_miss_s file, 600 s by default);
 *  - time limits are the library's (DEBUGINFOD_TIMEOUT, 90 s without progress
 *    by default; DEBUGINFOD_MAXTIME; DEBUGINFOD_MAXSIZE); once the servers
 *    cannot be reached (refused, unreachable, timed out) no further request
 *    is made in this session, so a dead server costs one timeout, not one per
 *    object;
 *  - DEBUGINFOD_PROGRESS=1 makes the library print download progress.
 *
 * Without libdebuginfod's header at build time (HP_HAVE_DEBUGINFOD 0) every
 * request fails with -ENOSYS.
 */
#include "hp_common.h"

#include <unistd.h>

#include "symbolizer-internal.h"

#if HP_HAVE_DEBUGINFOD
#include <dlfcn.h>
#include <elfutils/debuginfod.h>
#endif

/* libdebuginfod rejects longer build-ids (EINVAL): 64 bytes */
#define HP_DBGD_MAX_ID_HEX 128

struct hp_sym_dbgd {
    hp_strtab *strs;
    bool tried;        /* the library was loaded, or loading failed */
    const char *off;   /* why no more requests are made (interned), NULL while usable */
    bool off_reported; /* off was already given as a reason once */
#if HP_HAVE_DEBUGINFOD
    debuginfod_client *client;
    __typeof__(debuginfod_begin) *begin;
    __typeof__(debuginfod_end) *end;
    __typeof__(debuginfod_find_debuginfo) *find_debuginfo;
    __typeof__(debuginfod_find_executable) *find_executable;
#endif
};

bool hp_sym_dbgd_supported(void)
{
    return HP_HAVE_DEBUGINFOD;
}

hp_sym_dbgd *hp_sym_dbgd_new(hp_strtab *strs)
{
    hp_sym_dbgd *d = hp_new0(hp_sym_dbgd, 1);
    if (d)
        d->strs = strs;
    return d;
}

hp_sym_dbgd *hp_sym_dbgd_free(hp_sym_dbgd *d)
{
#if HP_HAVE_DEBUGINFOD
    /* the library itself stays loaded: libcurl is not made to be unloaded */
    if (d && d->client)
        d->end(d->client);
#endif
    free(d);
    return NULL;
}

/* A message kept in the session's strings. */
#define say(d, ...) hp_sym_internf((d)->strs, __VA_ARGS__)

#if HP_HAVE_DEBUGINFOD
static const char *kind_name(hp_dbgd_kind kind)
{
    return kind == HP_DBGD_EXECUTABLE ? "executable" : "debug info";
}

/* Loads the library and starts a client; d->off says why not. */
static void load(hp_sym_dbgd *d)
{
    d->tried = true;
    void *so = dlopen(DEBUGINFOD_SONAME, RTLD_LAZY);
    if (!so) {
        const char *e = dlerror();
        d->off = say(d, "debuginfod: cannot load %s (%s)", DEBUGINFOD_SONAME, e ? e : "?");
        return;
    }
    d->begin = (__typeof__(d->begin))dlsym(so, "debuginfod_begin");
    d->end = (__typeof__(d->end))dlsym(so, "debuginfod_end");
    d->find_debuginfo = (__typeof__(d->find_debuginfo))dlsym(so, "debuginfod_find_debuginfo");
    d->find_executable = (__typeof__(d->find_executable))dlsym(so, "debuginfod_find_executable");
    if (!d->begin || !d->end || !d->find_debuginfo || !d->find_executable) {
        d->off = say(d, "debuginfod: %s lacks the debuginfod_find_* functions", DEBUGINFOD_SONAME);
        return;
    }
    d->client = d->begin();
    if (!d->client)
        d->off = say(d, "debuginfod: cannot start a client: %s", strerror(errno));
}

/* Errors after which asking again in this session would only cost time. */
static bool unreachable(int err)
{
    switch (err) {
    case ECONNREFUSED:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case ETIME:
    case ETIMEDOUT:
        return true;
    default:
        return false;
    }
}
#endif

static bool is_hex_id(const char *id)
{
    size_t n = strspn(id, "0123456789abcdef");
    return n && n % 2 == 0 && n <= HP_DBGD_MAX_ID_HEX && !id[n];
}

int hp_sym_dbgd_fetch(hp_sym_dbgd *d, hp_dbgd_kind kind, const char *build_id,
                      const char **ret_path, const char **ret_why)
{
    hp_return_if_fail(d && build_id && ret_path && ret_why, -EINVAL);
    *ret_why = NULL;
    if (!is_hex_id(build_id)) {
        *ret_why = say(d, "debuginfod: '%s' is not a build-id", build_id);
        return -EINVAL;
    }
#if HP_HAVE_DEBUGINFOD
    if (!d->tried)
        load(d);
    if (d->off) {
        /* the reason is given once; later objects just go without */
        if (!d->off_reported)
            *ret_why = d->off;
        d->off_reported = true;
        return -ECANCELED;
    }
    char *path = NULL;
    int fd = kind == HP_DBGD_EXECUTABLE
                 ? d->find_executable(d->client, (const unsigned char *)build_id, 0, &path)
                 : d->find_debuginfo(d->client, (const unsigned char *)build_id, 0, &path);
    if (fd >= 0) {
        close(fd); /* reopened by path, like every other candidate */
        const char *p = path ? hp_sym_intern(d->strs, path, SIZE_MAX) : NULL;
        free(path);
        if (!p)
            return -ENOMEM;
        *ret_path = p;
        return 0;
    }
    free(path);
    int err = -fd;
    if (err == ENOMEM)
        return -ENOMEM;
    if (err == ENOENT) {
        *ret_why = say(d, "debuginfod has no %s for build-id %s", kind_name(kind), build_id);
        return -ENOENT;
    }
    if (err == ENOSYS) {
        d->off = say(d, "debuginfod: DEBUGINFOD_URLS is not set");
        d->off_reported = true;
        *ret_why = d->off;
        return -ECANCELED;
    }
    if (unreachable(err)) {
        d->off = say(d, "debuginfod: %s", strerror(err));
        d->off_reported = true;
        *ret_why = say(d, "debuginfod: %s for build-id %s: %s (no more requests in this run)",
                       kind_name(kind), build_id, strerror(err));
        return -err;
    }
    *ret_why =
        say(d, "debuginfod: %s for build-id %s: %s", kind_name(kind), build_id, strerror(err));
    return -err;
#else
    (void)kind;
    if (!d->off_reported)
        *ret_why = say(d, "debuginfod: cpprof was built without libdebuginfod");
    d->off_reported = true;
    return -ENOSYS;
#endif
}
