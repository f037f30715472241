/*
 * howto7.cc - collector test target: section 7 of the users' how-to (shared/000_*.txt)
 * exactly as printed there, except its "++i>" typo (now "++i"). It must compile with g++
 * against collector/gperftools/ and link with -lheapprof.
 */
#include<string>
#include<stdlib.h>
#include<unistd.h>
#include<gperftools/heap-profiler.h>
#include<gperftools/heap-checker.h>

void
Leak20000Func()
{
    for(int i = 0; i < 100; ++i)
    {
        char *leak_200_bytes = (char*)malloc(200);
    }
    return ;
}

void
NoLeak1000Func()
{
    for(int i = 0; i < 10; ++i)
    {
        char *no_leak_100_bytes = (char*)malloc(100);
        if(no_leak_100_bytes)
            free(no_leak_100_bytes);
    }
    return ;
}

int
main(int argc, char** argv)
{
    HeapProfilerStart("heapfile");
    Leak20000Func();
    HeapProfilerDump("DumpOutReason1");
    NoLeak1000Func();
    HeapProfilerDump("DumpOutReason2");
    HeapProfilerStop();
    return 0;
}
