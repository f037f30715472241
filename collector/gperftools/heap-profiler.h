/*
 * gperftools/heap-profiler.h - C API of libheapprof's heap profiler, source compatible
 * with the header of the same name in gperftools 2.10 (link with -lheapprof instead of
 * -ltcmalloc, or preload libheapprof.so).
 *
 * Invariants: all functions are thread-safe and never allocate through the profiled
 * heap except GetHeapProfile's result. Profiles are written as "<prefix>.NNNN.heap"
 * (first file .0001, numbering continues across Stop/Start) in the gperftools text
 * format; a forked child writes "<prefix>_<pid>.NNNN.heap".
 */
#ifndef BASE_HEAP_PROFILER_H_
#define BASE_HEAP_PROFILER_H_

#include <stddef.h>

#ifndef PERFTOOLS_DLL_DECL
#define PERFTOOLS_DLL_DECL
#endif

#ifdef __cplusplus
extern "C" {
#endif

/**
 * HeapProfilerStart - start recording every allocation; dumps go to "<prefix>.NNNN.heap".
 * No-op if the profiler already runs (e.g. started by $HEAPPROFILE).
 * Returns: nothing. Ownership: prefix is copied.
 */
PERFTOOLS_DLL_DECL void HeapProfilerStart(const char *prefix);

/**
 * IsHeapProfilerRunning - whether the profiler runs (between Start and Stop).
 * Returns: 1 if running, else 0. Ownership: none.
 */
int IsHeapProfilerRunning(void);

/**
 * HeapProfilerStop - stop recording and discard the data; writes nothing.
 * Returns: nothing. Ownership: none.
 */
PERFTOOLS_DLL_DECL void HeapProfilerStop(void);

/**
 * HeapProfilerDump - write the next "<prefix>.NNNN.heap" now and log
 * "Dumping heap profile to <file> (<reason>)". No-op if not running or already dumping.
 * Returns: nothing. Ownership: reason is only read.
 */
PERFTOOLS_DLL_DECL void HeapProfilerDump(const char *reason);

/**
 * GetHeapProfile - the current profile as text (same content as a dump file).
 * Returns: a NUL-terminated string, empty if the profiler is not running; NULL if out of
 * memory. Ownership: malloc'ed, the caller frees it with free().
 */
PERFTOOLS_DLL_DECL char *GetHeapProfile(void);

#ifdef __cplusplus
}
#endif

#endif /* BASE_HEAP_PROFILER_H_ */
