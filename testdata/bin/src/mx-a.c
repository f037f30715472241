/* fx-mixed: CU 1 (gcc). Each function returns a value the next one uses so
 * nothing is folded away; noinline keeps one symbol per function. */
extern int mx_b_one(int), mx_c_one(int), mx_c_two(int);

__attribute__((noinline)) int mx_a_one(int x)
{
    return x * 3 + 1;
}

__attribute__((noinline)) int mx_a_two(int x)
{
    return mx_a_one(x) ^ (x >> 2);
}

int main(int argc, char **argv)
{
    (void)argv;
    return (mx_a_two(argc) + mx_b_one(argc) + mx_c_one(argc) + mx_c_two(argc)) & 1;
}
