/*
 * hp_str.h - small string predicates shared by several modules: the last
 * component of a path, and prefix / suffix tests. Header-only, no allocation.
 */
#ifndef HP_STR_H
#define HP_STR_H

#include <stdbool.h>
#include <string.h>

/** hp_base_name - the part of path after its last '/' (borrowed from path). */
static inline const char *hp_base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/** hp_has_prefix - true when s starts with prefix. */
static inline bool hp_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/** hp_has_suffix - true when s ends with suffix. */
static inline bool hp_has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

#endif
