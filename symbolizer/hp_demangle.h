/*
 * hp_demangle.h - C++ (and Rust) symbol demangling behind one function, so the
 * rest of cpprof never sees libiberty or libstdc++. Uses libiberty's
 * cplus_demangle when available, else libstdc++'s __cxa_demangle, else
 * nothing (names are returned unchanged by the callers).
 */
#ifndef HP_DEMANGLE_H
#define HP_DEMANGLE_H

#include <stdbool.h>

typedef enum hp_demangle_mode {
    HP_DEMANGLE_NONE,      /* no demangling: always returns NULL */
    HP_DEMANGLE_FULL,      /* like `c++filt` / `addr2line -C`: with parameters */
    HP_DEMANGLE_NO_PARAMS, /* without the parameter list (templates kept) */
} hp_demangle_mode;

/**
 * hp_demangle - demangle one symbol name (without ELF version suffix).
 * Returns: a new malloc()ed string (caller frees with free()), or NULL when
 *          the name is not mangled, cannot be demangled, mode is NONE, or
 *          memory ran out.
 * Ownership: mangled is not retained.
 */
char *hp_demangle(const char *mangled, hp_demangle_mode mode);
/** hp_demangle_candidate - whether s looks mangled (Itanium C++ "_Z", Rust v0
 * "_R"): hp_demangle returns NULL for every other name. */
static inline bool hp_demangle_candidate(const char *s)
{
    return s && s[0] == '_' && (s[1] == 'Z' || s[1] == 'R');
}

/** hp_demangle_backend - "libiberty", "libstdc++" or "none". */
const char *hp_demangle_backend(void);

#endif
