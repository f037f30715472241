/* test-names.c - Perl pprof's ShortFunctionName and allocator-frame list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "hp_common.h"
#include "hp_names.h"

static void check(const char *full, bool strip, const char *want)
{
    hp_buf b = HP_BUF_INIT;
    hp_short_name(full, strip, &b);
    assert_true(hp_buf_ok(&b));
    assert_string_equal(b.buf, want);
    hp_buf_release(&b);
}

static void test_short_names(void **state)
{
    (void)state;
    check("std::vector<int, std::allocator<int> >::push_back(int const&)", true,
          "std::vector::push_back");
    check("app::Holder<double>::Make(unsigned long)", true, "app::Holder::Make");
    check("(anonymous namespace)::AnonSmallObjects(int)", true, "::AnonSmallObjects");
    check("Leak20000Func()<0000000000001159>", true, "Leak20000Func");
    check("main<000000000000120d>", true, "main");
    check("__libc_start_call_main", true, "__libc_start_call_main");
    check("Foo::get() const", true, "Foo::get");
    check("void std::vector<int>::emplace_back<int>(int&&)", true, "std::vector::emplace_back");
    check("int ns::f<int>(int)", true, "ns::f");
    check("std::__throw_ios_failure@@GLIBCXX_3.4.26", true, "std::__throw_ios_failure@@GLIBCXX_3.4.26");
    /* --no_strip_temp keeps templates, and Perl's return-type rule cuts at the last blank */
    check("std::vector<int, std::allocator<int> >::push_back(int const&)", false,
          "std::allocator<int> >::push_back");
    check("f(int (*)(int))", true, "f");
    check("", true, "");
}

static void test_allocator_frames(void **state)
{
    (void)state;
    assert_true(hp_is_allocator_frame("malloc"));
    assert_true(hp_is_allocator_frame("_malloc"));
    assert_true(hp_is_allocator_frame("operator new"));
    assert_true(hp_is_allocator_frame("operator new[]"));
    assert_true(hp_is_allocator_frame("tcmalloc::allocate_full_malloc_oom"));
    assert_true(hp_is_allocator_frame("TCMallocImplementation::GetHeapSample"));
    assert_false(hp_is_allocator_frame("std::__new_allocator::allocate"));
    assert_false(hp_is_allocator_frame("mallocx"));
    assert_false(hp_is_allocator_frame("??"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_names),
        cmocka_unit_test(test_allocator_frames),
    };
    return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
