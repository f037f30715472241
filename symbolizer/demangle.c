/*
 * demangle.c - hp_demangle(): libiberty's cplus_demangle (C++, Rust, D) when
 * HAVE_LIBIBERTY, else __cxa_demangle from libstdc++ (declared by hand: its
 * header is C++ only), else no demangling (HP_NO_DEMANGLER).
 */
#include "config.h"
#include "hp_common.h"
#include "hp_demangle.h"

#if HAVE_LIBIBERTY
#include <libiberty/demangle.h>
#elif !defined(HP_NO_DEMANGLER)
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);
#endif

#if !HAVE_LIBIBERTY && !defined(HP_NO_DEMANGLER)
/* Names demangled by anything else than cplus_demangle are cut at the
 * parameter list by hand: the last top-level '(' (not part of
 * "(anonymous namespace)"), keeping everything before it. */
static char *cut_params(char *s)
{
    int depth = 0;
    size_t cut = 0;
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '<')
            depth++;
        else if (s[i] == '>' && depth > 0)
            depth--;
        else if (s[i] == '(' && depth == 0 && strncmp(s + i, "(anonymous namespace)", 21) != 0 &&
                 !(i >= 8 && strncmp(s + i - 8, "operator", 8) == 0)) {
            cut = i;
            break;
        }
    }
    if (cut)
        s[cut] = '\0';
    return s;
}
#endif

char *hp_demangle(const char *mangled, hp_demangle_mode mode)
{
    if (!mangled || mode == HP_DEMANGLE_NONE)
        return NULL;
    if (!hp_demangle_candidate(mangled))
        return NULL;
#if HAVE_LIBIBERTY
    int opts = DMGL_ANSI | (mode == HP_DEMANGLE_FULL ? DMGL_PARAMS : DMGL_NO_OPTS);
    char *r = cplus_demangle(mangled, opts);
    if (!r)
        return NULL;
    /* libiberty mallocs with xmalloc-compatible malloc: hand it on as is. */
    return r;
#elif !defined(HP_NO_DEMANGLER)
    int status = 0;
    char *r = __cxa_demangle(mangled, NULL, NULL, &status);
    if (!r || status != 0) {
        free(r);
        return NULL;
    }
    return mode == HP_DEMANGLE_NO_PARAMS ? cut_params(r) : r;
#else
    return NULL;
#endif
}

const char *hp_demangle_backend(void)
{
#if HAVE_LIBIBERTY
    return "libiberty";
#elif !defined(HP_NO_DEMANGLER)
    return "libstdc++";
#else
    return "none";
#endif
}
