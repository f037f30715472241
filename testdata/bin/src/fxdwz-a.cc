// fxdwz-a.cc - program a of the dwz fixture (see scripts/make-fixtures.sh).
// Line numbers are asserted by tests/symbolizer/test-symbolizer.c.
#include "fxdwz.h"

namespace fxdz {
__attribute__((noinline)) void *Grab(Pool *p, unsigned long n)
{
    return p->used < p->limit ? std::malloc(n) : nullptr; // line 8
}
} // namespace fxdz

__attribute__((noinline)) void *Use_a(fxdz::Pool *p, unsigned long n)
{
    return fxdz::TakeTwice(p, n + 5); // line 14
}

int main(int argc, char **)
{
    fxdz::Pool pool = {0, 100, {}};
    std::free(Use_a(&pool, static_cast<unsigned long>(argc))); // line 20
    return 0;
}
