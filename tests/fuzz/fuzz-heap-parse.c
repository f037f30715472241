/*
 * fuzz-heap-parse.c - fuzz target for the .heap reader: parses the input,
 * and when it parses, runs the report pipeline over it unsymbolized in every
 * granularity, so the whole analyzer sees hostile profiles.
 */
#include "hp_common.h"
#include "hp_heap.h"
#include "hp_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hp_profile *p = NULL;
    hp_error err = {0};
    if (hp_heap_parse("fuzz.heap", (const char *)data, size, &p, &err) < 0)
        return 0;
    for (int g = HP_GRAN_FUNCTIONS; g <= HP_GRAN_ADDRESSES; g++) {
        hp_report_options o = {
            .metric = g % HP_NVALUES,
            .granularity = (hp_granularity)g,
            .drop_allocator_frames = true,
            .focus = g == HP_GRAN_LINES ? "0x[0-9]+" : NULL,
        };
        hp_report *r = NULL;
        if (hp_report_build(p, &o, &r, &err) == 0)
            hp_report_free(r);
    }
    hp_profile_free(p);
    return 0;
}
