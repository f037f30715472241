/*
 * checkapi.cc - collector test target for <gperftools/heap-checker.h>: every HeapLeakChecker
 * call of SPEC 1.5 with its expected result; prints "FAIL: <what>" and exits 1 on a
 * mismatch. argv[1]: "active" (run with HEAPCHECK=normal) or "inactive" (no HEAPCHECK).
 * At exit under HEAPCHECK the only leak left is 100 x 77 bytes from AtExitLeak (unless
 * argv[2] is "cancel", which cancels the at-exit check).
 */
#include <gperftools/heap-checker.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_fail;
#define EXPECT(c)                                                                              \
    do {                                                                                       \
        if (!(c)) {                                                                            \
            fprintf(stderr, "FAIL: %s (line %d)\n", #c, __LINE__);                            \
            g_fail = 1;                                                                        \
        }                                                                                      \
    } while (0)

static void *g_cache; /* freed by the cleanup below before the at-exit check */
static unsigned long g_hidden[100];
static int g_cleanups;

static void free_cache()
{
    g_cleanups++;
    fprintf(stderr, "cleanup ran\n");
    free(g_cache);
    g_cache = NULL;
}
REGISTER_HEAPCHECK_CLEANUP(cache, free_cache())

__attribute__((noinline)) static void *Alloc(size_t n)
{
    return malloc(n);
}

__attribute__((noinline)) static void AtExitLeak()
{
    for (int i = 0; i < 100; i++)
        g_hidden[i] = (unsigned long)Alloc(77) ^ 0xF0F0F0F0F0UL;
}

/* Keep the unmasked pointer out of main's registers. */
__attribute__((noinline)) static void UnIgnoreHidden(const HiddenPointer<int> *hp)
{
    HeapLeakChecker::UnIgnoreObject(hp->get());
}

__attribute__((noinline)) static void DeleteHidden(const HiddenPointer<int> *hp)
{
    delete[] hp->get();
}

/* Conservative scanning sees stale pointers in dead stack slots: wipe them before a check. */
__attribute__((noinline)) static void Clobber()
{
    volatile char buf[16384];
    memset((char *)buf, 0, sizeof(buf));
}

__attribute__((noinline)) static unsigned long HiddenAlloc(size_t n)
{
    return (unsigned long)Alloc(n) ^ 0xABCDEF0123UL;
}

__attribute__((noinline)) static HiddenPointer<int> IgnoredArray()
{
    return HiddenPointer<int>(HeapLeakChecker::IgnoreObject(new int[10]));
}

static void active(bool cancel)
{
    EXPECT(HeapLeakChecker::IsActive());
    EXPECT(HeapLeakChecker::GlobalChecker() != NULL);
    EXPECT(HeapLeakChecker::NoGlobalLeaks());
    {
        HeapLeakChecker clean("clean");
        void *p = Alloc(123);
        free(p);
        EXPECT(clean.NoLeaks());
        EXPECT(clean.BytesLeaked() == 0 && clean.ObjectsLeaked() == 0);
    }
    {
        HeapLeakChecker leaky("leaky");
        unsigned long h = HiddenAlloc(300);
        Clobber();
        EXPECT(!leaky.SameHeap());
        EXPECT(leaky.BytesLeaked() == 300 && leaky.ObjectsLeaked() == 1);
        free((void *)(h ^ 0xABCDEF0123UL));
        EXPECT(leaky.QuickNoLeaks() && leaky.BytesLeaked() == 0);
    }
    {
        HeapLeakChecker dis("disabled");
        {
            HeapLeakChecker::Disabler d;
            void **chain = (void **)Alloc(64);
            chain[0] = Alloc(32); /* reachable from a Disabler block: live too */
            g_hidden[0] = (unsigned long)chain ^ 1;
        }
        EXPECT(dis.BriefNoLeaks());
    }
    {
        HeapLeakChecker ign("ignored");
        HiddenPointer<int> hp = IgnoredArray();
        Clobber();
        EXPECT(ign.NoLeaks());
        UnIgnoreHidden(&hp);
        Clobber();
        EXPECT(!ign.BriefSameHeap() && ign.ObjectsLeaked() == 1 && ign.BytesLeaked() == 40);
        DeleteHidden(&hp);
        EXPECT(ign.QuickSameHeap());
    }
    g_cache = Alloc(5000);
    g_cache = (void *)((unsigned long)g_cache ^ 0); /* reachable until the cleanup frees it */
    AtExitLeak();
    Clobber();
    EXPECT(!HeapLeakChecker::NoGlobalLeaks());
    EXPECT(HeapLeakChecker::GlobalChecker()->ObjectsLeaked() == 100);
    EXPECT(HeapLeakChecker::GlobalChecker()->BytesLeaked() == 7700);
    if (cancel)
        HeapLeakChecker::CancelGlobalCheck();
}

static void inactive()
{
    EXPECT(!HeapLeakChecker::IsActive());
    EXPECT(HeapLeakChecker::GlobalChecker() == NULL);
    EXPECT(HeapLeakChecker::NoGlobalLeaks());
    HeapLeakChecker::CancelGlobalCheck();
    int *p = HeapLeakChecker::IgnoreObject(new int(5));
    EXPECT(*p == 5);
    delete p;
    HiddenPointer<int> hp(p);
    EXPECT(hp.get() == p);
    HeapLeakChecker::Disabler d;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "active"))
        active(argc > 2 && !strcmp(argv[2], "cancel"));
    else
        inactive();
    EXPECT(g_cleanups == 0);
    if (g_fail)
        return 1;
    printf("checkapi ok\n");
    fflush(stdout); /* the at-exit check ends the process with _exit(1) */
    return 0;
}
