/*
 * proto.c - the --proto output: the profile being reported (several profiles
 * summed, --base subtracted, the samples --focus/--ignore drop left out) as
 * a gzipped profile.proto, for Go pprof, Pyroscope, Parca and the like.
 */
#include "hp_common.h"
#include "hp_proto.h"
#include "hp_render.h"

int hp_render_proto(const hp_report *r, FILE *out, hp_error *reterr)
{
    uint8_t *raw = NULL, *gz = NULL;
    size_t raw_len = 0, gz_len = 0;
    int e = hp_proto_encode(r->profile, r->dropped, &raw, &raw_len);
    if (e == 0)
        e = hp_proto_gzip(raw, raw_len, &gz, &gz_len);
    free(raw);
    if (e < 0)
        return hp_error_set(reterr, e, "cannot encode the profile: %s", strerror(-e));
    e = fwrite(gz, 1, gz_len, out) == gz_len && !ferror(out) ? 0 : -EIO;
    free(gz);
    return e;
}
