// The example of the gperftools how-to our users follow: 100 x 200 bytes
// leaked in Leak20000Func, 10 x 100 bytes allocated and freed in NoLeak1000Func.
#include <stdlib.h>

void Leak20000Func()
{
    for (int i = 0; i < 100; ++i) {
        char *leak_200_bytes = (char *)malloc(200);
        (void)leak_200_bytes;
    }
}

void NoLeak1000Func()
{
    for (int i = 0; i < 10; ++i) {
        char *no_leak_100_bytes = (char *)malloc(100);
        if (no_leak_100_bytes)
            free(no_leak_100_bytes);
    }
}

int main(int, char **)
{
    Leak20000Func();
    NoLeak1000Func();
    return 0;
}
