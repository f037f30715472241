/* Two heap dumps for --base tests: PhaseOne allocates 64 x 64 KiB, then half
 * is freed and PhaseTwo allocates 48 x 32 KiB. Dumps are taken by the
 * collector's API (HeapProfilerDump), so the program links -lheapprof or
 * -ltcmalloc. */
#include <stdlib.h>

void HeapProfilerDump(const char *reason);

static void *keep[64 + 48];

__attribute__((noinline)) void PhaseOneAlloc(void)
{
    for (int i = 0; i < 64; i++)
        keep[i] = malloc(65536);
}

__attribute__((noinline)) void PhaseTwoAlloc(void)
{
    for (int i = 0; i < 48; i++)
        keep[64 + i] = malloc(32768);
}

int main(void)
{
    free(malloc(8)); /* one free before the first dump: all four sample types exist */
    PhaseOneAlloc();
    HeapProfilerDump("phase one");
    for (int i = 0; i < 64; i += 2) {
        free(keep[i]);
        keep[i] = NULL;
    }
    PhaseTwoAlloc();
    HeapProfilerDump("phase two");
    return 0;
}
