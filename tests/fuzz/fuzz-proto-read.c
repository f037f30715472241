/*
 * fuzz-proto-read.c - fuzz target for the profile.proto reader: detects and
 * parses the input (uncompressed protobuf), and when it parses, writes it
 * back as profile.proto, reads that again, and runs the report pipeline over
 * it in every granularity.
 */
#include "hp_common.h"
#include "hp_proto.h"
#include "hp_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hp_profile *p = NULL;
    hp_error err = {0};
    (void)hp_proto_detect(data, size);
    if (hp_proto_parse("fuzz.pb", data, size, &p, &err) < 0)
        return 0;
    uint8_t *out = NULL;
    size_t len = 0;
    if (hp_proto_encode(p, NULL, &out, &len) == 0) {
        hp_profile *q = NULL;
        if (hp_proto_parse("fuzz2.pb", out, len, &q, &err) == 0) {
            /* what cpprof writes, it reads back (stacks that differ only
             * between addresses 0 and 1 may merge: both are written as 0) */
            if (q->nsamples > p->nsamples)
                abort();
            hp_profile_free(q);
        }
        free(out);
    }
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
