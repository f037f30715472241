/*
 * api.cc - collector test target: the seed workload driven through the heap-profiler C API
 * (compiled against collector/gperftools/heap-profiler.h, linked with -lheapprof).
 */
#include <gperftools/heap-profiler.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *g_sink[100];

void Leak20000Func()
{
    for (int i = 0; i < 100; i++) {
        void *p = malloc(200);
        g_sink[i] = (void *)((unsigned long)p ^ 0x5a5a5a5a5a5aUL);
    }
}

void NoLeak1000Func()
{
    void *p[10];
    for (int i = 0; i < 10; i++)
        p[i] = malloc(100);
    for (int i = 0; i < 10; i++)
        free(p[i]);
}

int main()
{
    if (IsHeapProfilerRunning() != 0)
        return 10;
    char *e = GetHeapProfile();
    if (!e || e[0] != '\0')
        return 11;
    free(e);
    HeapProfilerStart("heapfile");
    HeapProfilerDump("DumpOutReason1");
    Leak20000Func();
    HeapProfilerDump("DumpOutReason2");
    NoLeak1000Func();
    char *s = GetHeapProfile();
    if (!s || strncmp(s, "heap profile:    100:    20000 [   110:    21000] @ heapprofile\n",
                      63) != 0 || !strstr(s, "\nMAPPED_LIBRARIES:\n"))
        return 12;
    free(s);
    printf("IsHeapProfilerRunning=%d\n", IsHeapProfilerRunning());
    HeapProfilerStop();
    if (IsHeapProfilerRunning() != 0)
        return 13;
    HeapProfilerDump("not written");
    return 0;
}
