/* fx-mixed: CU 2 (gcc). */
__attribute__((noinline)) int mx_b_one(int x)
{
    return x * 5 - 7;
}

__attribute__((noinline)) int mx_b_two(int x)
{
    return mx_b_one(x) * mx_b_one(x + 1);
}
