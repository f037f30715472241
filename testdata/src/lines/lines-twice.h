/* lines-twice.h - an inline function of lines.c from another file. */
static inline int twice(int x)
{
    return 2 * x + 1;
}
