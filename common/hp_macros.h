/*
 * hp_macros.h - small compiler helpers shared by every module: array sizes,
 * a branch hint, format attributes and API-contract checks.
 * gcc and clang only: cpprof is Linux/ELF-only.
 */
#ifndef HP_MACROS_H
#define HP_MACROS_H

#include <stddef.h>

#define HP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define hp_unlikely(x)   __builtin_expect(!!(x), 0)
#define HP_PRINTF(f, a)  __attribute__((format(printf, f, a)))

/* Broken API contracts: abort in debug builds, return an error in release builds. */
#ifdef NDEBUG
#define hp_return_if_fail(cond, ret)                                                               \
    do {                                                                                           \
        if (hp_unlikely(!(cond)))                                                                  \
            return (ret);                                                                          \
    } while (0)
#else
#include <assert.h>
#define hp_return_if_fail(cond, ret)                                                               \
    do {                                                                                           \
        assert(cond);                                                                              \
        if (!(cond))                                                                               \
            return (ret);                                                                          \
    } while (0)
#endif

#endif
