/*
 * newdel.cc - collector test target: every operator new/delete form, new-handler and
 * std::bad_alloc behaviour. Leaks exactly one 333-byte new[] from NewLeak.
 */
#include <cstdint>
#include <cstdio>
#include <new>

static int handler_calls;
static void handler()
{
    handler_calls++;
    std::set_new_handler(nullptr);
}

struct alignas(64) Wide {
    char c[64];
};

__attribute__((noinline)) static char *NewLeak()
{
    return new char[333];
}

#define CHECK(c)                                                                               \
    do {                                                                                       \
        if (!(c)) {                                                                            \
            std::fprintf(stderr, "newdel: check failed: %s (line %d)\n", #c, __LINE__);       \
            return 1;                                                                          \
        }                                                                                      \
    } while (0)

int main()
{
    int *i = new int(3);
    delete i;
    int *a = new int[10];
    delete[] a;
    Wide *w = new Wide;
    CHECK(((uintptr_t)w & 63) == 0);
    delete w;
    Wide *wa = new Wide[3];
    CHECK(((uintptr_t)wa & 63) == 0);
    delete[] wa;
    int *n = new (std::nothrow) int(1);
    CHECK(n);
    delete n;
    volatile size_t huge = SIZE_MAX / 2;
    CHECK(new (std::nothrow) char[huge] == nullptr);
    bool thrown = false;
    try {
        char *p = new char[huge];
        delete[] p;
    } catch (const std::bad_alloc &) {
        thrown = true;
    }
    CHECK(thrown);
    std::set_new_handler(handler);
    thrown = false;
    try {
        char *p = new char[huge];
        delete[] p;
    } catch (const std::bad_alloc &) {
        thrown = true;
    }
    CHECK(thrown && handler_calls == 1);
    void *z = ::operator new(0);
    CHECK(z);
    ::operator delete(z);
    void *s = ::operator new(24);
    ::operator delete(s, 24);
    void *al = ::operator new(100, std::align_val_t(128));
    CHECK(((uintptr_t)al & 127) == 0);
    ::operator delete(al, std::align_val_t(128));
    static char *volatile keep __attribute__((used));
    keep = NewLeak();
    std::printf("newdel ok\n");
    return 0;
}
