/*
 * hp_dlopen.h - optional libraries loaded on first use (as systemd's dlopen
 * helpers): a feature's library (the HTTP server, the disassembler, cairo,
 * graphviz) is a build dependency for its headers only, not a DT_NEEDED of
 * pprof, so runs that never use it do not pay for loading it and its
 * dependencies at start-up.
 *
 * Each library has one small module in the folder that uses it which declares
 * a function pointer per function the code calls,
 *     static HP_DLSYM_PROTOTYPE(cairo_create);     -> sym_cairo_create
 * (typed from the real prototype, so the headers still check every call) and
 * resolves them all at once:
 *     hp_dlopen_many(&lib, HP_SONAME_CAIRO, "--png", err, HP_DLSYM_ARG(cairo_create), ..., NULL)
 */
#ifndef HP_DLOPEN_H
#define HP_DLOPEN_H

#include "hp_error.h"

/* The pointer that stands for fn once its library is loaded: sym_fn, typed as &fn. */
#define HP_DLSYM_PROTOTYPE(fn) __typeof__(&fn) sym_##fn

/* One (pointer, name) argument pair of hp_dlopen_many; fails to compile when
 * sym_fn's type is not that of &fn. */
#define HP_DLSYM_ARG(fn)                                                                           \
    __extension__({                                                                                \
        _Static_assert(__builtin_types_compatible_p(__typeof__(sym_##fn), __typeof__(&fn)),      \
                       "sym_" #fn " does not match " #fn "'s prototype");                         \
        (void **)&sym_##fn;                                                                        \
    }),                                                                                            \
        #fn

/* A library loaded at most once per process (zero-initialised static). */
typedef struct hp_dlib {
    int state;      /* 0 not tried, 1 loaded, < 0 failed (negative errno) */
    char why[400];  /* the failure, when state < 0 */
} hp_dlib;

/**
 * hp_dlopen_many - dlopen soname and resolve each (void **ptr, const char *name) pair
 * that follows err, up to a NULL, for the feature (an option such as "--png", or NULL); on the first call only, later calls return the
 * first call's result. Thread-safe.
 * Returns: 0 when every symbol resolved; -ENOENT (library not loadable) or -ENOSYS
 * (a symbol missing; every pointer is then NULL again), with err set to
 * "FEATURE: cannot load SONAME: <dlerror>".
 * Ownership: the library stays loaded for the process.
 */
int hp_dlopen_many(hp_dlib *lib, const char *soname, const char *feature, hp_error *err, ...);

#endif
