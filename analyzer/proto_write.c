/*
 * proto_write.c - an hp_profile as profile.proto (see hp_proto.h for the
 * conventions): samples first, assigning location ids in first-use order,
 * then locations (assigning function ids), mappings, functions and the
 * string table; then gzip with zlib. Same profile, same bytes.
 */
#include "hp_common.h"
#include "hp_hash.h"
#include "hp_proto.h"
#include "hp_proto_wire.h"
#include "proto-internal.h"

#include <math.h>
#include <zlib.h>

/* cpprof's allocator frames (analyzer/names.c: hp_is_allocator_frame), for
 * Go pprof's pruning: it matches ^(...)$ against each function name. */
const char hp_proto_drop_frames[] =
    "_?(calloc|cfree|malloc|free|memalign|posix_memalign|pvalloc|valloc|realloc|tc_calloc|"
    "tc_cfree|tc_malloc|tc_free|tc_memalign|tc_posix_memalign|tc_pvalloc|tc_valloc|tc_realloc|"
    "tc_new|tc_delete|tc_newarray|tc_deletearray|tc_new_nothrow|tc_newarray_nothrow|do_malloc|"
    "::do_malloc|::do_malloc_or_cpp_alloc|DoSampledAllocation|simple_alloc::allocate|"
    "__malloc_alloc_template::allocate|__builtin_delete|__builtin_new|__builtin_vec_delete|"
    "__builtin_vec_new|operator new|operator new\\[\\]|malloc_zone_malloc|malloc_zone_calloc|"
    "malloc_zone_valloc|malloc_zone_realloc|malloc_zone_memalign|malloc_zone_free|"
    "__start_google_malloc|__stop_google_malloc|__start_malloc_hook|__stop_malloc_hook)|"
    ".*TCMalloc.*|tcmalloc::.*";

/* Go pprof's order of heap sample types, as model value indices */
static const int sample_types[HP_NVALUES] = {HP_ALLOC_OBJECTS, HP_ALLOC_SPACE, HP_INUSE_OBJECTS,
                                             HP_INUSE_SPACE};

typedef struct mapstat {
    uint32_t id; /* proto mapping id, 0 = not written (not executable) */
    size_t nlocs, nsym;
    bool files, lines, inlined;
} mapstat;

typedef struct writer {
    const hp_profile *p;
    hp_strtab *strings;
    hp_buf out, msg, sub, packed;
    uint32_t *loc_id; /* per model location: proto id, 0 = unused */
    uint32_t *loc_order;
    size_t nlocs;
    mapstat *maps;
    /* functions: (model function, file string) -> proto id */
    uint64_t *fn_keys;
    uint32_t *fn_ids;
    size_t fn_nslots, nfns;
    uint64_t *fn_order; /* keys in id order */
    size_t fn_order_alloc;
} writer;

static int64_t str(writer *w, const char *s)
{
    return hp_strtab_intern(w->strings, s, strlen(s));
}

static int64_t as_int64(double v)
{
    return hp_value_int64(round(v)); /* llround's rounding, clamped */
}

/* The address that was looked up for a location (see hp_proto.h). */
static uint64_t pc_of(const hp_profile *p, const hp_location *L)
{
    if (!L->address || p->ngiven || p->binary)
        return L->address; /* symbolized profiles hold looked-up addresses already */
    return L->address - 1;
}

static int fn_rehash(writer *w, size_t nslots)
{
    uint64_t *keys = hp_new0(uint64_t, nslots);
    uint32_t *ids = hp_new0(uint32_t, nslots);
    if (!keys || !ids) {
        free(keys);
        free(ids);
        return -ENOMEM;
    }
    for (size_t i = 0; i < w->fn_nslots; i++) {
        if (!w->fn_ids[i])
            continue;
        size_t h = hp_hash_u64(w->fn_keys[i]) & (nslots - 1);
        while (ids[h])
            h = (h + 1) & (nslots - 1);
        keys[h] = w->fn_keys[i];
        ids[h] = w->fn_ids[i];
    }
    free(w->fn_keys);
    free(w->fn_ids);
    w->fn_keys = keys;
    w->fn_ids = ids;
    w->fn_nslots = nslots;
    return 0;
}

/* Proto id of the function (model function fn, source file file). Levels
 * with no function get one named "??" (Go pprof rejects lines without one). */
static int64_t function_id(writer *w, uint32_t fn, uint32_t file)
{
    if ((w->nfns + 1) * 2 >= w->fn_nslots &&
        fn_rehash(w, w->fn_nslots ? w->fn_nslots * 2 : 256) < 0)
        return -ENOMEM;
    uint64_t key = (uint64_t)fn << 32 | file;
    size_t mask = w->fn_nslots - 1, h = hp_hash_u64(key) & mask;
    while (w->fn_ids[h]) {
        if (w->fn_keys[h] == key)
            return w->fn_ids[h];
        h = (h + 1) & mask;
    }
    if (HP_GROW(w->fn_order, w->fn_order_alloc, w->nfns + 1) < 0)
        return -ENOMEM;
    w->fn_order[w->nfns++] = key;
    w->fn_keys[h] = key;
    w->fn_ids[h] = (uint32_t)w->nfns;
    return (int64_t)w->nfns;
}

static void value_type(writer *w, uint32_t field, int64_t type, int64_t unit)
{
    hp_buf_reset(&w->msg);
    hp_pbw_int(&w->msg, VALUETYPE_TYPE, type);
    hp_pbw_int(&w->msg, VALUETYPE_UNIT, unit);
    hp_pbw_bytes(&w->out, field, w->msg.buf, w->msg.len);
}

static int write_samples(writer *w, const uint8_t *skip)
{
    const hp_profile *p = w->p;
    for (size_t i = 0; i < p->nsamples; i++) {
        const hp_sample *s = &p->samples[i];
        if (skip && skip[i])
            continue;
        hp_buf_reset(&w->msg);
        hp_buf_reset(&w->packed);
        for (uint32_t d = 0; d < s->depth; d++) {
            uint32_t loc = p->stack_locs[s->stack + d];
            if (!w->loc_id[loc]) {
                w->loc_order[w->nlocs++] = loc;
                w->loc_id[loc] = (uint32_t)w->nlocs;
            }
            hp_pbw_varint(&w->packed, w->loc_id[loc]);
        }
        if (w->packed.len)
            hp_pbw_bytes(&w->msg, SAMPLE_LOCATION_ID, w->packed.buf, w->packed.len);
        hp_buf_reset(&w->packed);
        for (int v = 0; v < HP_NVALUES; v++)
            hp_pbw_varint(&w->packed, (uint64_t)as_int64(s->value[sample_types[v]]));
        hp_pbw_bytes(&w->msg, SAMPLE_VALUE, w->packed.buf, w->packed.len);
        hp_pbw_bytes(&w->out, PROFILE_SAMPLE, w->msg.buf, w->msg.len);
    }
    return hp_buf_ok(&w->out) && hp_buf_ok(&w->msg) && hp_buf_ok(&w->packed) ? 0 : -ENOMEM;
}

static int write_locations(writer *w)
{
    const hp_profile *p = w->p;
    for (size_t k = 0; k < w->nlocs; k++) {
        const hp_location *L = &p->locations[w->loc_order[k]];
        uint64_t pc = pc_of(p, L);
        uint32_t m = L->mapping ? L->mapping : hp_profile_mapping_of(p, pc);
        mapstat *ms = m && w->maps[m].id ? &w->maps[m] : NULL;
        bool symbolized = L->state == HP_LOC_SYMBOLIZED && L->nlines;
        hp_buf_reset(&w->msg);
        hp_pbw_uint(&w->msg, LOCATION_ID, k + 1);
        hp_pbw_uint(&w->msg, LOCATION_MAPPING_ID, ms ? ms->id : 0);
        hp_pbw_uint(&w->msg, LOCATION_ADDRESS, pc);
        for (uint32_t i = 0; symbolized && i < L->nlines; i++) {
            const hp_line *l = &p->lines[L->first_line + i];
            int64_t fid = function_id(w, l->function, l->file);
            if (fid < 0)
                return -ENOMEM;
            hp_buf_reset(&w->sub);
            hp_pbw_uint(&w->sub, LINE_FUNCTION_ID, (uint64_t)fid);
            hp_pbw_int(&w->sub, LINE_LINE, l->line);
            hp_pbw_bytes(&w->msg, LOCATION_LINE, w->sub.buf, w->sub.len);
            if (ms) {
                ms->files |= l->file != 0;
                ms->lines |= l->line != 0;
            }
        }
        if (ms) {
            ms->nlocs++;
            ms->nsym += symbolized;
            ms->inlined |= symbolized && L->nlines > 1;
        }
        hp_pbw_bytes(&w->out, PROFILE_LOCATION, w->msg.buf, w->msg.len);
    }
    return hp_buf_ok(&w->out) && hp_buf_ok(&w->msg) && hp_buf_ok(&w->sub) ? 0 : -ENOMEM;
}

static int write_mappings(writer *w)
{
    const hp_profile *p = w->p;
    for (size_t m = 1; m < p->nmappings; m++) {
        const hp_mapping *M = &p->mappings[m];
        const mapstat *ms = &w->maps[m];
        if (!ms->id)
            continue;
        int64_t file = str(w, hp_profile_str(p, M->path));
        if (file < 0)
            return -ENOMEM;
        bool all = ms->nlocs && ms->nsym == ms->nlocs;
        hp_buf_reset(&w->msg);
        hp_pbw_uint(&w->msg, MAPPING_ID, ms->id);
        hp_pbw_uint(&w->msg, MAPPING_START, M->start);
        hp_pbw_uint(&w->msg, MAPPING_LIMIT, M->limit);
        hp_pbw_uint(&w->msg, MAPPING_OFFSET, M->offset);
        hp_pbw_int(&w->msg, MAPPING_FILENAME, file);
        hp_pbw_uint(&w->msg, MAPPING_HAS_FUNCTIONS, all);
        hp_pbw_uint(&w->msg, MAPPING_HAS_FILENAMES, all && ms->files);
        hp_pbw_uint(&w->msg, MAPPING_HAS_LINE_NUMBERS, all && ms->lines);
        hp_pbw_uint(&w->msg, MAPPING_HAS_INLINE_FRAMES, all && ms->inlined);
        hp_pbw_bytes(&w->out, PROFILE_MAPPING, w->msg.buf, w->msg.len);
    }
    return hp_buf_ok(&w->out) && hp_buf_ok(&w->msg) ? 0 : -ENOMEM;
}

static int write_functions(writer *w)
{
    const hp_profile *p = w->p;
    for (size_t i = 0; i < w->nfns; i++) {
        uint32_t fn = (uint32_t)(w->fn_order[i] >> 32), file = (uint32_t)w->fn_order[i];
        const hp_function *F = fn ? &p->functions[fn] : NULL;
        int64_t name = str(w, F ? hp_profile_str(p, F->short_name) : "??");
        int64_t sys = str(w, F ? hp_profile_str(p, F->name) : "??");
        int64_t fname = str(w, hp_profile_str(p, file));
        if (name < 0 || sys < 0 || fname < 0)
            return -ENOMEM;
        hp_buf_reset(&w->msg);
        hp_pbw_uint(&w->msg, FUNCTION_ID, i + 1);
        hp_pbw_int(&w->msg, FUNCTION_NAME, name);
        hp_pbw_int(&w->msg, FUNCTION_SYSTEM_NAME, sys);
        hp_pbw_int(&w->msg, FUNCTION_FILENAME, fname);
        hp_pbw_bytes(&w->out, PROFILE_FUNCTION, w->msg.buf, w->msg.len);
    }
    return hp_buf_ok(&w->out) && hp_buf_ok(&w->msg) ? 0 : -ENOMEM;
}

static int encode(writer *w, const uint8_t *skip)
{
    const hp_profile *p = w->p;
    int64_t inuse_space = 0;
    for (int v = 0; v < HP_NVALUES; v++) {
        int64_t t = str(w, hp_value_name(sample_types[v]));
        int64_t u = str(w, hp_value_is_space(sample_types[v]) ? "bytes" : "count");
        if (t < 0 || u < 0)
            return -ENOMEM;
        value_type(w, PROFILE_SAMPLE_TYPE, t, u);
        if (sample_types[v] == HP_INUSE_SPACE)
            inuse_space = t;
    }
    int r = write_samples(w, skip);
    uint32_t next_map = 0;
    /* executable mappings (as Go pprof), and the kernel's named regions ([heap],
     * [stack], [vdso], ...) so that the profile still says where they were */
    for (size_t m = 1; m < p->nmappings; m++)
        if (p->mappings[m].perms[2] == 'x' || hp_profile_str(p, p->mappings[m].path)[0] == '[')
            w->maps[m].id = ++next_map;
    if (r == 0)
        r = write_locations(w);
    if (r == 0)
        r = write_mappings(w);
    if (r == 0)
        r = write_functions(w);
    int64_t drop = str(w, hp_proto_drop_frames), space = str(w, "space"), bytes = str(w, "bytes");
    if (r < 0 || drop < 0 || space < 0 || bytes < 0)
        return -ENOMEM;
    hp_pbw_int(&w->out, PROFILE_DROP_FRAMES, drop);
    value_type(w, PROFILE_PERIOD_TYPE, space, bytes);
    /* Go pprof's period: the sampling rate, 1 for profiles of every allocation */
    hp_pbw_int(&w->out, PROFILE_PERIOD,
               p->sampling == HP_SAMPLING_V2 ? as_int64(p->sampling_rate) : 1);
    hp_pbw_int(&w->out, PROFILE_DEFAULT_SAMPLE_TYPE, inuse_space);
    /* the string table last: every string is known by now */
    uint32_t n = hp_strtab_count(w->strings);
    for (uint32_t i = 0; i < n; i++) {
        const char *s = hp_strtab_get(w->strings, i);
        hp_pbw_bytes(&w->out, PROFILE_STRING, s, strlen(s));
    }
    return hp_buf_ok(&w->out) && hp_buf_ok(&w->msg) ? 0 : -ENOMEM;
}

int hp_proto_encode(const hp_profile *p, const uint8_t *skip, uint8_t **ret, size_t *ret_len)
{
    writer w = {
        .p = p,
        .strings = hp_strtab_new(),
        .out = HP_BUF_INIT,
        .msg = HP_BUF_INIT,
        .sub = HP_BUF_INIT,
        .packed = HP_BUF_INIT,
        .loc_id = hp_new0(uint32_t, p->nlocations),
        .loc_order = hp_new0(uint32_t, p->nlocations),
        .maps = hp_new0(mapstat, p->nmappings),
    };
    int r = -ENOMEM;
    if (w.strings && w.loc_id && w.loc_order && w.maps)
        r = encode(&w, skip);
    if (r == 0) {
        size_t len = w.out.len;
        char *data = hp_buf_detach(&w.out, NULL);
        if (!data) {
            r = -ENOMEM;
        } else {
            *ret = (uint8_t *)data;
            *ret_len = len;
        }
    }
    hp_buf_release(&w.out);
    hp_buf_release(&w.msg);
    hp_buf_release(&w.sub);
    hp_buf_release(&w.packed);
    hp_strtab_free(w.strings);
    free(w.loc_id);
    free(w.loc_order);
    free(w.maps);
    free(w.fn_keys);
    free(w.fn_ids);
    free(w.fn_order);
    return r;
}

int hp_proto_gzip(const void *data, size_t len, uint8_t **ret, size_t *ret_len)
{
    if (len > UINT32_MAX)
        return -EFBIG;
    z_stream zs = {0};
    /* 16 + MAX_WBITS: a gzip wrapper; zlib writes mtime 0 and no name */
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return -ENOMEM;
    uLong bound = deflateBound(&zs, (uLong)len);
    uint8_t *out = hp_malloc(bound ? bound : 1);
    int r = -ENOMEM;
    if (out) {
        zs.next_in = (Bytef *)data;
        zs.avail_in = (uInt)len;
        zs.next_out = out;
        zs.avail_out = (uInt)bound;
        if (bound <= UINT32_MAX && deflate(&zs, Z_FINISH) == Z_STREAM_END) {
            *ret = out;
            *ret_len = zs.total_out;
            out = NULL;
            r = 0;
        }
    }
    deflateEnd(&zs);
    free(out);
    return r;
}
