/* fx-mixed: CU 3 (clang, which writes no .debug_aranges set for it). */
__attribute__((noinline)) int mx_c_one(int x)
{
    return x * 11 + 13;
}

__attribute__((noinline)) int mx_c_two(int x)
{
    return mx_c_one(x) - mx_c_one(x - 1);
}
