/* fx.c - C fixture for the symbolizer tests (see scripts/make-fixtures.sh).
 * Line numbers are asserted by tests/symbolizer/test-symbolizer.c: edit with care. */
#include <stdlib.h>

__attribute__((noinline)) void *fx_leaf(unsigned long n)
{
    return malloc(n); /* line 7 */
}

static inline void *fx_inner(unsigned long n)
{
    return fx_leaf(n + 1); /* line 12 */
}

__attribute__((noinline)) void *fx_outer(unsigned long n)
{
    void *p = fx_inner(n * 2); /* line 17 */
    return p;
}

static __attribute__((noinline)) void *fx_static(unsigned long n)
{
    return fx_outer(n) ? fx_leaf(n) : 0; /* line 23 */
}

int main(int argc, char **argv)
{
    (void)argv;
    free(fx_static((unsigned long)argc)); /* line 29 */
    return 0;
}
