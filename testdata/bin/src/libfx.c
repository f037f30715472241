/* libfx.c - shared-library fixture for the symbolizer tests. */
#include <stdlib.h>

static char pad[8192] __attribute__((used)); /* pushes .text to a non-zero offset */

__attribute__((noinline)) void *fxlib_alloc(unsigned long n)
{
    return malloc(n + pad[0]); /* line 8 */
}

void *fxlib_entry(unsigned long n)
{
    return fxlib_alloc(n); /* line 13 */
}
