/*
 * hp_macros.h - small compiler helpers shared by every module: scoped cleanup
 * (after systemd), array sizes, branch hints and format attributes.
 * gcc and clang only: cpprof is Linux/ELF-only.
 */
#ifndef HP_MACROS_H
#define HP_MACROS_H

#include <stddef.h>

#define HP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define hp_likely(x)     __builtin_expect(!!(x), 1)
#define hp_unlikely(x)   __builtin_expect(!!(x), 0)
#define HP_PRINTF(f, a)  __attribute__((format(printf, f, a)))
#define HP_UNUSED        __attribute__((unused))
#define HP_NORETURN      __attribute__((noreturn))

/* Runs fn(&var) when var goes out of scope. */
#define HP_CLEANUP(fn) __attribute__((cleanup(fn)))

/* Defines a static cleanup helper <fn>p for pointers of the given type. */
#define HP_DEFINE_CLEANUP_FUNC(type, fn)                                                           \
    static inline void fn##p(type **p)                                                             \
    {                                                                                              \
        if (*p)                                                                                    \
            fn(*p);                                                                                \
    }

/* Returns the pointer and sets the variable to NULL, so a cleanup does not free it. */
#define HP_TAKE_PTR(p)                                                                             \
    ({                                                                                             \
        __typeof__(p) _tp = (p);                                                                   \
        (p) = NULL;                                                                                \
        _tp;                                                                                       \
    })

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
