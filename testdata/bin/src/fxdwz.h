// fxdwz.h - shared header of the dwz fixture (see scripts/make-fixtures.sh):
// types and inline functions that dwz -m moves into the common file.
// Line numbers are asserted by tests/symbolizer/test-symbolizer.c.
#include <cstdlib>

namespace fxdz {
struct Pool {
    unsigned long used;
    unsigned long limit;
    void *blocks[4];
};

__attribute__((noinline)) void *Grab(Pool *p, unsigned long n);

inline void *Take(Pool *p, unsigned long n)
{
    p->used += n;
    return Grab(p, n + 1); // line 18
}

inline void *TakeTwice(Pool *p, unsigned long n)
{
    void *a = Take(p, n); // line 23
    return a ? a : Take(p, n * 2);
}
} // namespace fxdz
