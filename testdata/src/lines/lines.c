/* lines.c - a program whose line table has what tests/symbolizer/lines-check.sh
 * wants hp-lines-check to see: inlined functions from a header, a loop at -O2,
 * a #line directive naming another file and a #include of a fragment in the
 * middle of a function. Compiled there with several compilers and -g flavours. */
#include <stdio.h>

#include "lines-twice.h"

static inline int square(int x)
{
    return x * x;
}

int main(int argc, char **argv)
{
    int s = 0;
    for (int i = 0; i < argc * 1000; i++)
        s += square(i) + twice(i);
#line 500 "generated.y"
    s += argc;
#include "lines-frag.def"
    printf("%d %s\n", s, argv[0]);
    return 0;
}
