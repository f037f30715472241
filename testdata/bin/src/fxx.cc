// fxx.cc - C++ fixture for the symbolizer tests (see scripts/make-fixtures.sh).
// Line numbers are asserted by tests/symbolizer/test-symbolizer.c.
#include <cstdlib>

namespace fxns {
template <typename T> struct Box {
    __attribute__((noinline)) static T *Make(unsigned long n)
    {
        return static_cast<T *>(std::malloc(n * sizeof(T))); // line 9
    }
};

static __attribute__((noinline)) void *Helper(unsigned long n)
{
    return Box<double>::Make(n); // line 15
}
} // namespace fxns

namespace {
__attribute__((noinline)) void *AnonFn(unsigned long n)
{
    return fxns::Helper(n + 3); // line 22
}
} // namespace

int main(int argc, char **)
{
    std::free(AnonFn(static_cast<unsigned long>(argc))); // line 28
    return 0;
}
