/*
 * gperftools/heap-checker.h - C++ API of libheapprof's heap leak checker, source compatible
 * with the header of the same name in gperftools 2.10 (SPEC 1.5; link with -lheapprof
 * instead of -ltcmalloc, or preload libheapprof.so). The class is inline C++ over C-linkage
 * functions exported by the library, which itself is plain C; C code may call those
 * functions directly.
 *
 * Invariants: checks need HEAPCHECK set at start-up (any mode; "local" disables only the
 * at-exit whole-program check). A named checker reports the unreachable blocks allocated
 * since its construction; each must run one of its NoLeaks or SameHeap checks before it is
 * destroyed. Leak files go to <HEAP_CHECK_DUMP_DIRECTORY>/<prog>.<pid>.<name>-end.heap.
 */
#ifndef BASE_HEAP_CHECKER_H_
#define BASE_HEAP_CHECKER_H_

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifndef PERFTOOLS_DLL_DECL
#define PERFTOOLS_DLL_DECL
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* C entry points. Handles are opaque; NULL stands for an inactive checker. */
int heapprof_checker_is_active(void);           /* 1 iff HEAPCHECK turned the checker on */
void *heapprof_checker_global(void);            /* the "_main_" checker or NULL */
int heapprof_checker_no_global_leaks(void);     /* whole-program check now: 1 iff no leaks */
void heapprof_checker_cancel_global(void);      /* no at-exit check */
void *heapprof_checker_new(const char *name);   /* named check starting now (name copied) */
void heapprof_checker_delete(void *h);          /* aborts if h was never checked */
int heapprof_checker_no_leaks(void *h);         /* 1 iff nothing allocated since is leaked */
long heapprof_checker_bytes_leaked(const void *h);   /* after a check, else abort */
long heapprof_checker_objects_leaked(const void *h); /* after a check, else abort */
void heapprof_checker_disable(int delta);       /* +1 / -1: this thread's Disabler depth */
void heapprof_checker_ignore(const void *p);    /* p: start of or into a block; it and what it reaches: live */
void heapprof_checker_unignore(const void *p);  /* aborts if p was not ignored */
void heapprof_checker_add_cleanup(void (*fn)(void)); /* run before the at-exit check */
void heapprof_checker_run_cleanups(void);       /* runs (once) the registered cleanups */

#ifdef __cplusplus
}

class PERFTOOLS_DLL_DECL HeapLeakChecker {
public:
    /* Whether the heap checker is on (HEAPCHECK was set at start-up). */
    static bool IsActive() { return heapprof_checker_is_active() != 0; }

    /* The whole-program "_main_" checker, or NULL if there is none. */
    static HeapLeakChecker *GlobalChecker()
    {
        void *h = heapprof_checker_global();
        if (!h)
            return NULL;
        static HeapLeakChecker global(h);
        return &global;
    }

    /* Runs the whole-program check now (no symbolization). Returns false iff leaks. */
    static bool NoGlobalLeaks() { return heapprof_checker_no_global_leaks() != 0; }

    /* Cancels the automatic at-exit whole-program check. */
    static void CancelGlobalCheck() { heapprof_checker_cancel_global(); }

    /* Starts a named check; the name becomes part of the leak file's name. */
    explicit HeapLeakChecker(const char *name) : h_(heapprof_checker_new(name)), owned_(true) {}
    ~HeapLeakChecker()
    {
        if (owned_)
            heapprof_checker_delete(h_);
    }

    /* True iff every block allocated since construction is reachable. */
    bool NoLeaks() { return heapprof_checker_no_leaks(h_) != 0; }
    bool QuickNoLeaks() { return NoLeaks(); }
    bool BriefNoLeaks() { return NoLeaks(); }
    bool SameHeap() { return NoLeaks(); }
    bool QuickSameHeap() { return NoLeaks(); }
    bool BriefSameHeap() { return NoLeaks(); }

    /* Results of the last check (fatal before any check). */
    ssize_t BytesLeaked() const { return heapprof_checker_bytes_leaked(h_); }
    ssize_t ObjectsLeaked() const { return heapprof_checker_objects_leaked(h_); }

    /* Scoped: blocks this thread allocates meanwhile are never leaks (nor what they reach). */
    class Disabler {
    public:
        Disabler() { heapprof_checker_disable(1); }
        ~Disabler() { heapprof_checker_disable(-1); }

    private:
        Disabler(const Disabler &);
        void operator=(const Disabler &);
    };

    /* The heap block at ptr, and everything reachable from it, is live. Returns ptr. */
    template <typename T> static T *IgnoreObject(T *ptr)
    {
        heapprof_checker_ignore(static_cast<const void *>(const_cast<const T *>(ptr)));
        return ptr;
    }
    static void UnIgnoreObject(const void *ptr) { heapprof_checker_unignore(ptr); }

private:
    explicit HeapLeakChecker(void *h) : h_(h), owned_(false) {}
    HeapLeakChecker(const HeapLeakChecker &);
    void operator=(const HeapLeakChecker &);

    void *h_;
    bool owned_;
};

/* A pointer the checker cannot see (stored XOR-masked), for deliberately leaked data. */
template <class T> class HiddenPointer {
public:
    explicit HiddenPointer(T *t) : masked_t_(reinterpret_cast<uintptr_t>(t) ^ kHideMask) {}
    T *get() const { return reinterpret_cast<T *>(masked_t_ ^ kHideMask); }

private:
    static const uintptr_t kHideMask = static_cast<uintptr_t>(0xF03A5F7BF03A5F7BULL);
    uintptr_t masked_t_;
};

/* Functions run before the at-exit whole-program check (e.g. to free caches). */
class PERFTOOLS_DLL_DECL HeapCleaner {
public:
    typedef void (*void_function)(void);
    HeapCleaner(void_function f) { heapprof_checker_add_cleanup(f); }
    static void RunHeapCleanups() { heapprof_checker_run_cleanups(); }
};

#define REGISTER_HEAPCHECK_CLEANUP(name, body)                                                 \
    namespace {                                                                                \
    void heapcheck_cleanup_##name() { body; }                                                  \
    static HeapCleaner heapcheck_cleaner_##name(&heapcheck_cleanup_##name);                    \
    }

#endif /* __cplusplus */

#endif /* BASE_HEAP_CHECKER_H_ */
