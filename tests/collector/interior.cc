// interior.cc - heap-checker targets for pointers into a block (issue 12 items 2 and 3).
// argv[1]:
//   ignore    IgnoreObject / UnIgnoreObject with a pointer into the block: new T[3] for a T
//             with a destructor (block + 8, the array cookie) and malloc(100) + 40. Both are
//             ignored, then only referenced XOR-masked: NoGlobalLeaks() must pass; after
//             UnIgnoreObject of each (again through the interior pointer) the same check
//             must report exactly those two blocks. Prints "ignore ok" when all held.
//   offsets SIZE...  for every SIZE and every offset 0..SIZE-1, one zeroed block of SIZE
//             bytes referenced only by a global pointer to that offset; prints the number
//             of blocks and their bytes whose offset is above HEAP_CHECK_MAX_POINTER_OFFSET
//             (default 1024; -1: none), i.e. what the at-exit check must report.
#include <gperftools/heap-checker.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

struct T {
    long v = 7;
    ~T() { v = 0; } // a destructor: new T[n] stores n in front of the array
};

static volatile uintptr_t g_masked[2];
static const uintptr_t kMask = 0x5a5a5a5a5aUL;

static int fail(const char *what)
{
    std::printf("FAIL: %s\n", what);
    return 1;
}

__attribute__((noinline)) static void make_blocks()
{
    T *arr = new T[3];
    char *mid = static_cast<char *>(std::malloc(100)) + 40;
    std::memset(mid - 40, 0, 100);
    HeapLeakChecker::IgnoreObject(arr);
    HeapLeakChecker::IgnoreObject(mid);
    g_masked[0] = reinterpret_cast<uintptr_t>(arr) ^ kMask;
    g_masked[1] = reinterpret_cast<uintptr_t>(mid) ^ kMask;
}

__attribute__((noinline)) static void wipe()
{
    volatile char buf[16384];
    std::memset(const_cast<char *>(buf), 0, sizeof(buf));
}

static int ignore_mode()
{
    make_blocks();
    wipe();
    if (!HeapLeakChecker::NoGlobalLeaks())
        return fail("ignored interior blocks reported");
    HeapLeakChecker::UnIgnoreObject(reinterpret_cast<void *>(g_masked[0] ^ kMask));
    HeapLeakChecker::UnIgnoreObject(reinterpret_cast<void *>(g_masked[1] ^ kMask));
    wipe();
    if (HeapLeakChecker::NoGlobalLeaks())
        return fail("un-ignored blocks not reported");
    T *arr = reinterpret_cast<T *>(g_masked[0] ^ kMask);
    char *mid = reinterpret_cast<char *>(g_masked[1] ^ kMask);
    delete[] arr;
    std::free(mid - 40);
    if (!HeapLeakChecker::NoGlobalLeaks())
        return fail("leak after freeing both");
    std::printf("ignore ok\n");
    return 0;
}

static char **g_keep; // interior pointers, one per block (in a block reached from a global)

static int offsets_mode(int argc, char **argv)
{
    const char *env = std::getenv("HEAP_CHECK_MAX_POINTER_OFFSET");
    long max_off = env ? std::atol(env) : 1024;
    size_t total = 0;
    for (int i = 2; i < argc; i++)
        total += std::strtoul(argv[i], nullptr, 10);
    g_keep = static_cast<char **>(std::calloc(total, sizeof(char *)));
    size_t k = 0;
    long long leak_n = 0, leak_bytes = 0;
    for (int i = 2; i < argc; i++) {
        size_t size = std::strtoul(argv[i], nullptr, 10);
        for (size_t off = 0; off < size; off++) {
            char *b = static_cast<char *>(std::malloc(size));
            std::memset(b, 0, size);
            g_keep[k++] = b + off;
            if (max_off >= 0 && off > (size_t)max_off) {
                leak_n++;
                leak_bytes += (long long)size;
            }
        }
    }
    std::printf("blocks %zu expected leaks %lld bytes in %lld objects\n", k, leak_bytes, leak_n);
    std::fflush(stdout); // a leak ends the program with _exit(1)
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!std::strcmp(mode, "ignore"))
        return ignore_mode();
    if (!std::strcmp(mode, "offsets"))
        return offsets_mode(argc, argv);
    std::fprintf(stderr, "usage: %s ignore | offsets SIZE...\n", argv[0]);
    return 2;
}
