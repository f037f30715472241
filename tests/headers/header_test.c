/* header_test.c - compiled once per public header: it must include what it uses. */
#include HP_TEST_HEADER
#include HP_TEST_HEADER

int hp_header_test_dummy(void);
int hp_header_test_dummy(void)
{
    return 0;
}
