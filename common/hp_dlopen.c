/*
 * hp_dlopen.c - hp_dlopen_many: a library and the functions used from it,
 * loaded once on first use (hp_dlopen.h).
 */
#include "hp_dlopen.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

/* Sets every pointer of the list to NULL (after a failed resolve). */
static void clear_all(va_list ap)
{
    void **ptr;
    while ((ptr = va_arg(ap, void **))) {
        (void)va_arg(ap, const char *);
        *ptr = NULL;
    }
}

static int load(hp_dlib *lib, const char *soname, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    void *so = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!so) {
        const char *e = dlerror();
        snprintf(lib->why, sizeof(lib->why), "cannot load %s: %s", soname, e ? e : "?");
        va_end(again);
        return -ENOENT;
    }
    void **ptr;
    while ((ptr = va_arg(ap, void **))) {
        const char *name = va_arg(ap, const char *);
        dlerror();
        *ptr = dlsym(so, name);
        if (!*ptr) {
            const char *e = dlerror();
            snprintf(lib->why, sizeof(lib->why), "cannot load %s: %s", soname,
                     e ? e : "symbol not found");
            clear_all(again);
            va_end(again);
            dlclose(so);
            return -ENOSYS;
        }
    }
    va_end(again);
    return 1;
}

int hp_dlopen_many(hp_dlib *lib, const char *soname, const char *feature, hp_error *err, ...)
{
    pthread_mutex_lock(&load_lock);
    if (!lib->state) {
        va_list ap;
        va_start(ap, err);
        lib->state = load(lib, soname, ap);
        va_end(ap);
    }
    int state = lib->state;
    pthread_mutex_unlock(&load_lock);
    if (state > 0)
        return 0;
    return hp_error_set(err, state, "%s%s%s", feature ? feature : "", feature ? ": " : "",
                        lib->why);
}
