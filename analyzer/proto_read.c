/*
 * proto_read.c - a profile.proto message into an hp_profile (see hp_proto.h).
 * Flat, bounded decoding: one walk of the top-level fields collects the
 * string table and the positions of the repeated messages, then sample
 * types, mappings, functions, locations and samples are decoded in that
 * order, each nested message with its own bounded cursor (the nesting depth
 * is fixed: no recursion). Ids are mapped through sorted tables; a reference
 * to an id that does not exist, a string index out of range or a value count
 * that does not match the sample types is an error.
 */
#include "hp_common.h"
#include "hp_buf.h"
#include "hp_demangle.h"
#include "hp_heap.h"
#include "hp_names.h"
#include "hp_proto.h"
#include "hp_proto_wire.h"
#include "proto-internal.h"

#include <inttypes.h>
#include <stdarg.h>

typedef struct slice {
    const uint8_t *data;
    size_t len;
} slice;

typedef struct idmap {
    uint64_t id;
    uint32_t index;
} idmap;

typedef struct reader {
    const char *name;
    hp_error *err;
    hp_profile *p;
    slice *strings;
    size_t nstrings;
    slice *msgs[PROFILE_STRING]; /* per top-level message field 1..5 */
    size_t nmsgs[PROFILE_STRING];
    uint32_t *string_ids; /* proto string index -> model string id + 1 (0: not interned yet) */
    int *type_value;      /* per sample type: HP_* or -1 */
    size_t ntypes;
    idmap *mappings, *functions, *locations;
    size_t nmappings, nfunctions, nlocations;
    uint32_t *fn_model; /* per proto function (in file order): model function, 0 = nameless */
    uint32_t *fn_file;  /* per proto function: model string id of its file */
    int64_t period;
} reader;

static int fail(reader *rd, int code, const char *fmt, ...) HP_PRINTF(3, 4);
static int fail(reader *rd, int code, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return hp_error_set(rd->err, code, "%s: %s", rd->name, what);
}

static int corrupt(reader *rd, const char *what)
{
    return fail(rd, -EBADMSG, "corrupt profile.proto (%s)", what);
}

static int oom(reader *rd)
{
    return hp_error_set(rd->err, -ENOMEM, "%s: out of memory", rd->name);
}

/* Top-level fields and the wire type each must have. */
static bool top_field_ok(const hp_pbfield *f)
{
    switch (f->number) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
    case 11:
        return f->wire == HP_PB_LEN;
    case 13: /* repeated int64 comment: plain or packed */
        return f->wire == HP_PB_VARINT || f->wire == HP_PB_LEN;
    case 7:
    case 8:
    case 9:
    case 10:
    case 12:
    case 14:
        return f->wire == HP_PB_VARINT;
    default:
        return true; /* unknown fields of newer versions are skipped */
    }
}

bool hp_proto_detect(const void *data, size_t len)
{
    const char *s = data;
    if (!len || (len >= 4 && !memcmp(s, "heap", 4)) || s[0] == '%' ||
        (len >= 3 && !memcmp(s, "---", 3)))
        return false;
    hp_pbr r = hp_pbr_make(data, len);
    hp_pbfield f;
    int e;
    while ((e = hp_pbr_next(&r, &f)) > 0)
        if (!top_field_ok(&f))
            return false;
    if (e == 0)
        return true;
    /* a damaged message (truncated, corrupt) still goes to the protobuf reader,
     * for a meaningful error: it starts with the key of a profile field
     * (one byte) and has control characters no text profile has */
    uint8_t key = (uint8_t)s[0];
    f = (hp_pbfield){.number = key >> 3, .wire = key & 7};
    if (key & 0x80 || f.number == 0 || f.number > 14 || !top_field_ok(&f) ||
        (f.wire != HP_PB_VARINT && f.wire != HP_PB_LEN))
        return false;
    for (size_t i = 1; i < len && i < 64; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return true;
    }
    return false;
}

/* ---- strings and id tables --------------------------------------------- */

/* Model string id of proto string index i. */
static int64_t string_at(reader *rd, uint64_t i, const char *what)
{
    if (i >= rd->nstrings)
        return fail(rd, -EBADMSG, "profile.proto: %s names string %" PRIu64 " of %zu", what, i,
                    rd->nstrings);
    if (!rd->string_ids[i]) {
        int64_t id =
            hp_strtab_intern(rd->p->strings, (const char *)rd->strings[i].data, rd->strings[i].len);
        if (id < 0 || id >= UINT32_MAX)
            return oom(rd);
        rd->string_ids[i] = (uint32_t)id + 1;
    }
    return rd->string_ids[i] - 1;
}

static int idmap_cmp(const void *a, const void *b)
{
    uint64_t x = ((const idmap *)a)->id, y = ((const idmap *)b)->id;
    return x < y ? -1 : x > y;
}

static int idmap_sort(reader *rd, idmap *m, size_t n, const char *what)
{
    qsort(m, n, sizeof(*m), idmap_cmp);
    for (size_t i = 0; i < n; i++) {
        if (m[i].id == 0)
            return fail(rd, -EBADMSG, "profile.proto: %s with id 0", what);
        if (i && m[i].id == m[i - 1].id)
            return fail(rd, -EBADMSG, "profile.proto: two %ss with id %" PRIu64, what, m[i].id);
    }
    return 0;
}

/* Index stored for id, or -1. */
static int64_t idmap_find(const idmap *m, size_t n, uint64_t id)
{
    idmap key = {.id = id};
    const idmap *hit = n ? bsearch(&key, m, n, sizeof(key), idmap_cmp) : NULL;
    return hit ? (int64_t)hit->index : -1;
}

/* The varint fields 1..n of a nested message into v[0..n-1]; other fields
 * are skipped, the last of a repeated one wins. Returns: 0, or < 0 when the
 * message is damaged. */
static int read_varints(const void *data, size_t len, uint64_t *v, uint32_t n)
{
    hp_pbr c = hp_pbr_make(data, len);
    hp_pbfield f;
    int e;
    while ((e = hp_pbr_next(&c, &f)) > 0)
        if (f.wire == HP_PB_VARINT && f.number >= 1 && f.number <= n)
            v[f.number - 1] = f.value;
    return e;
}

/* ---- the top-level walk ------------------------------------------------ */

static int collect(reader *rd, const void *data, size_t len)
{
    size_t count[PROFILE_STRING + 1] = {0};
    for (int pass = 0; pass < 2; pass++) {
        hp_pbr r = hp_pbr_make(data, len);
        hp_pbfield f;
        int e;
        size_t fill[PROFILE_STRING + 1] = {0};
        while ((e = hp_pbr_next(&r, &f)) > 0) {
            if (!top_field_ok(&f))
                return fail(rd, -EBADMSG,
                            "corrupt profile.proto (field %" PRIu32 " of wire type %d)", f.number,
                            f.wire);
            if (f.number == PROFILE_PERIOD && pass == 0)
                rd->period = (int64_t)f.value;
            if (f.number > PROFILE_STRING)
                continue;
            if (pass == 0) {
                count[f.number]++;
                continue;
            }
            slice s = {f.data, f.len};
            if (f.number == PROFILE_STRING)
                rd->strings[fill[f.number]++] = s;
            else
                rd->msgs[f.number][fill[f.number]++] = s;
        }
        if (e < 0)
            return corrupt(rd, "truncated or bad field");
        if (pass == 1)
            break;
        rd->nstrings = count[PROFILE_STRING];
        rd->strings = hp_new0(slice, rd->nstrings + 1);
        rd->string_ids = hp_new0(uint32_t, rd->nstrings + 1);
        if (!rd->strings || !rd->string_ids)
            return oom(rd);
        for (int k = PROFILE_SAMPLE_TYPE; k < PROFILE_STRING; k++) {
            rd->nmsgs[k] = count[k];
            rd->msgs[k] = hp_new0(slice, count[k] + 1);
            if (!rd->msgs[k])
                return oom(rd);
        }
    }
    if (rd->nstrings == 0 || rd->strings[0].len != 0)
        return fail(rd, -EBADMSG, "profile.proto: the string table does not start with \"\"");
    return 0;
}

/* ---- sample types ------------------------------------------------------ */

static int read_sample_types(reader *rd)
{
    size_t n = rd->nmsgs[PROFILE_SAMPLE_TYPE];
    rd->ntypes = n;
    rd->type_value = hp_new0(int, n + 1);
    if (!rd->type_value)
        return oom(rd);
    bool used[HP_NVALUES] = {false}, any = false;
    hp_buf names = HP_BUF_INIT;
    int r = 0;
    for (size_t i = 0; i < n && r == 0; i++) {
        const slice *s = &rd->msgs[PROFILE_SAMPLE_TYPE][i];
        uint64_t tu[VALUETYPE_UNIT] = {0};
        int64_t t = read_varints(s->data, s->len, tu, VALUETYPE_UNIT) < 0
                        ? corrupt(rd, "bad sample type")
                        : string_at(rd, tu[VALUETYPE_TYPE - 1], "a sample type");
        int64_t u = t < 0 ? t : string_at(rd, tu[VALUETYPE_UNIT - 1], "a sample unit");
        if (u < 0) {
            r = (int)u;
            break;
        }
        const char *ts = hp_profile_str(rd->p, (uint32_t)t);
        int v = hp_value_of_name(ts);
        if (v >= 0 && used[v])
            v = -1;
        rd->type_value[i] = v;
        if (v >= 0)
            used[v] = any = true;
        hp_buf_addf(&names, "%s%s/%s", i ? ", " : "", ts, hp_profile_str(rd->p, (uint32_t)u));
    }
    if (r == 0 && !hp_buf_ok(&names))
        r = oom(rd);
    if (r == 0 && !any)
        r = fail(rd, -ENOTSUP, "not a heap profile (sample types: %s)",
                 names.len ? names.buf : "none");
    hp_buf_release(&names);
    return r;
}

/* ---- mappings ---------------------------------------------------------- */

static int read_mappings(reader *rd)
{
    size_t n = rd->nmsgs[PROFILE_MAPPING];
    rd->mappings = hp_new0(idmap, n + 1);
    if (!rd->mappings)
        return oom(rd);
    for (size_t i = 0; i < n; i++) {
        const slice *s = &rd->msgs[PROFILE_MAPPING][i];
        uint64_t v[MAPPING_FILENAME] = {0};
        if (read_varints(s->data, s->len, v, MAPPING_FILENAME) < 0)
            return corrupt(rd, "bad mapping");
        uint64_t id = v[MAPPING_ID - 1];
        hp_mapping m = {.perms = "r-xp",
                        .start = v[MAPPING_START - 1],
                        .limit = v[MAPPING_LIMIT - 1],
                        .offset = v[MAPPING_OFFSET - 1]};
        int64_t path = string_at(rd, v[MAPPING_FILENAME - 1], "a mapping");
        if (path < 0)
            return (int)path;
        m.path = (uint32_t)path;
        /* profile.proto has no permissions: every mapping is code but the
         * kernel's data regions ([heap], [stack], [anon:...]) */
        const char *name = hp_profile_str(rd->p, m.path);
        if (name[0] == '[' && strcmp(name, "[vdso]") && strcmp(name, "[vsyscall]"))
            memcpy(m.perms, "rw-p", sizeof(m.perms));
        int64_t idx = hp_profile_add_mapping(rd->p, &m);
        if (idx < 0)
            return oom(rd);
        rd->mappings[rd->nmappings++] = (idmap){.id = id, .index = (uint32_t)idx};
    }
    return idmap_sort(rd, rd->mappings, rd->nmappings, "mapping");
}

/* ---- functions --------------------------------------------------------- */

static bool looks_mangled(const char *s)
{
    return !strncmp(s, "_Z", 2) || !strncmp(s, "_R", 2);
}

/* A model function from (name, system_name): the full name is the system
 * name unless that is mangled (Go pprof's convention: then it is demangled,
 * or the name is used). */
static int64_t add_function(reader *rd, const char *name, const char *sys, uint32_t file)
{
    hp_profile *p = rd->p;
    char *dem = NULL;
    const char *full = sys;
    if (!*sys) {
        full = name;
    } else if (looks_mangled(sys)) {
        dem = hp_demangle(sys, HP_DEMANGLE_FULL);
        full = dem ? dem : *name ? name : sys;
    }
    if ((!*full && !*name) || (!strcmp(name, "??") && (!*sys || !strcmp(sys, "??")))) {
        free(dem);
        return 0; /* a level with no name */
    }
    hp_buf shortb = HP_BUF_INIT;
    if (!*name)
        hp_short_name(full, true, &shortb);
    int64_t full_id = hp_profile_intern(p, full);
    int64_t short_id = *name                ? hp_profile_intern(p, name)
                       : hp_buf_ok(&shortb) ? hp_profile_intern(p, shortb.buf)
                                            : -ENOMEM;
    free(dem);
    hp_buf_release(&shortb);
    if (full_id < 0 || short_id < 0 || p->nfunctions >= UINT32_MAX - 1 ||
        HP_GROW(p->functions, p->functions_alloc, p->nfunctions + 1) < 0)
        return -ENOMEM;
    p->functions[p->nfunctions] = (hp_function){
        .name = (uint32_t)full_id,
        .short_name = (uint32_t)short_id,
        .file = file,
    };
    return (int64_t)p->nfunctions++;
}

static int read_functions(reader *rd)
{
    size_t n = rd->nmsgs[PROFILE_FUNCTION];
    rd->functions = hp_new0(idmap, n + 1);
    rd->fn_model = hp_new0(uint32_t, n + 1);
    rd->fn_file = hp_new0(uint32_t, n + 1);
    if (!rd->functions || !rd->fn_model || !rd->fn_file)
        return oom(rd);
    for (size_t i = 0; i < n; i++) {
        const slice *s = &rd->msgs[PROFILE_FUNCTION][i];
        uint64_t v[FUNCTION_FILENAME] = {0};
        if (read_varints(s->data, s->len, v, FUNCTION_FILENAME) < 0)
            return corrupt(rd, "bad function");
        uint64_t id = v[FUNCTION_ID - 1];
        int64_t nm = string_at(rd, v[FUNCTION_NAME - 1], "a function"),
                sy = nm < 0 ? nm : string_at(rd, v[FUNCTION_SYSTEM_NAME - 1], "a function");
        int64_t fl = sy < 0 ? sy : string_at(rd, v[FUNCTION_FILENAME - 1], "a function");
        if (fl < 0)
            return (int)fl;
        int64_t idx = add_function(rd, hp_profile_str(rd->p, (uint32_t)nm),
                                   hp_profile_str(rd->p, (uint32_t)sy), (uint32_t)fl);
        if (idx < 0)
            return oom(rd);
        rd->fn_model[i] = (uint32_t)idx;
        rd->fn_file[i] = (uint32_t)fl;
        rd->functions[i] = (idmap){.id = id, .index = (uint32_t)i};
    }
    return idmap_sort(rd, rd->functions, n, "function");
}

/* ---- locations --------------------------------------------------------- */

static int add_line(reader *rd, uint64_t function_id, int64_t line, hp_buf *tmp)
{
    hp_profile *p = rd->p;
    uint32_t fn = 0, file = 0;
    if (function_id) {
        int64_t i = idmap_find(rd->functions, rd->nmsgs[PROFILE_FUNCTION], function_id);
        if (i < 0)
            return fail(rd, -EBADMSG,
                        "profile.proto: a line refers to function %" PRIu64
                        ", which does not exist",
                        function_id);
        fn = rd->fn_model[i];
        file = rd->fn_file[i];
    }
    uint32_t ln = line > 0 && line <= UINT32_MAX ? (uint32_t)line : 0;
    hp_buf_reset(tmp);
    if (file)
        hp_buf_addf(tmp, "%s:%" PRIu32, hp_profile_str(p, file), ln);
    else
        hp_buf_adds(tmp, "??:0");
    int64_t fl = hp_buf_ok(tmp) ? hp_profile_intern(p, tmp->buf) : -ENOMEM;
    if (fl < 0 || p->nlines >= UINT32_MAX - 1 ||
        HP_GROW(p->lines, p->lines_alloc, p->nlines + 1) < 0)
        return oom(rd);
    p->lines[p->nlines++] =
        (hp_line){.function = fn, .file = file, .line = ln, .fileline = (uint32_t)fl};
    return 0;
}

static int read_location(reader *rd, const slice *s, hp_buf *tmp)
{
    hp_profile *p = rd->p;
    uint64_t v[LOCATION_ADDRESS] = {0};
    if (read_varints(s->data, s->len, v, LOCATION_ADDRESS) < 0)
        return corrupt(rd, "bad location");
    uint64_t id = v[LOCATION_ID - 1], mapping = v[LOCATION_MAPPING_ID - 1],
             address = v[LOCATION_ADDRESS - 1];
    uint32_t m = 0;
    if (mapping) {
        int64_t i = idmap_find(rd->mappings, rd->nmappings, mapping);
        if (i < 0)
            return fail(rd, -EBADMSG,
                        "profile.proto: location %" PRIu64 " refers to mapping %" PRIu64
                        ", which does not exist",
                        id, mapping);
        m = (uint32_t)i;
    }
    /* the model keeps return addresses: the address looked up + 1 */
    uint64_t ret_addr = address && address != UINT64_MAX ? address + 1 : address;
    int64_t loc = hp_profile_location(p, ret_addr);
    if (loc < 0)
        return oom(rd);
    rd->locations[rd->nlocations++] = (idmap){.id = id, .index = (uint32_t)loc};
    hp_location *L = &p->locations[loc];
    if (L->state == HP_LOC_SYMBOLIZED || L->mapping)
        return 0; /* a second location at the same address: the first one wins */
    L->mapping = m;
    L->first_line = (uint32_t)p->nlines;
    hp_pbr c = hp_pbr_make(s->data, s->len);
    hp_pbfield f;
    while (hp_pbr_next(&c, &f) > 0) {
        if (f.number != LOCATION_LINE || f.wire != HP_PB_LEN)
            continue;
        uint64_t lv[LINE_LINE] = {0};
        if (read_varints(f.data, f.len, lv, LINE_LINE) < 0)
            return corrupt(rd, "bad line");
        int r = add_line(rd, lv[LINE_FUNCTION_ID - 1], (int64_t)lv[LINE_LINE - 1], tmp);
        if (r < 0)
            return r;
    }
    L = &p->locations[loc];
    L->nlines = (uint32_t)(p->nlines - L->first_line);
    L->state = L->nlines ? HP_LOC_SYMBOLIZED : HP_LOC_UNSYMBOLIZED;
    return 0;
}

static int read_locations(reader *rd)
{
    size_t n = rd->nmsgs[PROFILE_LOCATION];
    rd->locations = hp_new0(idmap, n + 1);
    if (!rd->locations)
        return oom(rd);
    hp_buf tmp = HP_BUF_INIT;
    int r = 0;
    for (size_t i = 0; i < n && r == 0; i++)
        r = read_location(rd, &rd->msgs[PROFILE_LOCATION][i], &tmp);
    hp_buf_release(&tmp);
    return r < 0 ? r : idmap_sort(rd, rd->locations, rd->nlocations, "location");
}

/* ---- samples ----------------------------------------------------------- */

typedef struct sample_ctx {
    reader *rd;
    uint32_t stack[HP_HEAP_MAX_DEPTH];
    uint32_t depth;
    int64_t values[HP_NVALUES];
    size_t nvalues;
} sample_ctx;

static int on_location(uint64_t id, void *arg)
{
    sample_ctx *sc = arg;
    int64_t loc = idmap_find(sc->rd->locations, sc->rd->nlocations, id);
    if (loc < 0)
        return fail(sc->rd, -EBADMSG,
                    "profile.proto: a sample refers to location %" PRIu64 ", which does not exist",
                    id);
    if (sc->depth >= HP_HEAP_MAX_DEPTH)
        return fail(sc->rd, -EBADMSG, "profile.proto: a sample has more than %d frames",
                    HP_HEAP_MAX_DEPTH);
    sc->stack[sc->depth++] = (uint32_t)loc;
    return 0;
}

static int on_value(uint64_t v, void *arg)
{
    sample_ctx *sc = arg;
    if (sc->nvalues < sc->rd->ntypes) {
        int t = sc->rd->type_value[sc->nvalues];
        if (t >= 0)
            sc->values[t] = (int64_t)v;
    }
    sc->nvalues++;
    return 0;
}

static int64_t sat_add(int64_t a, int64_t b)
{
    int64_t s;
    if (__builtin_add_overflow(a, b, &s))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return s;
}

static int read_samples(reader *rd)
{
    hp_profile *p = rd->p;
    sample_ctx *sc = hp_malloc(sizeof(*sc));
    if (!sc)
        return oom(rd);
    sc->rd = rd;
    int r = 0;
    for (size_t i = 0; i < rd->nmsgs[PROFILE_SAMPLE] && r == 0; i++) {
        const slice *s = &rd->msgs[PROFILE_SAMPLE][i];
        hp_pbr c = hp_pbr_make(s->data, s->len);
        hp_pbfield f;
        int e;
        sc->depth = 0;
        sc->nvalues = 0;
        memset(sc->values, 0, sizeof(sc->values));
        while ((e = hp_pbr_next(&c, &f)) > 0 && r == 0) {
            if (f.number == 1)
                r = hp_pbr_repeated(&f, on_location, sc);
            else if (f.number == 2)
                r = hp_pbr_repeated(&f, on_value, sc);
            if (r == -EBADMSG && !rd->err->msg[0])
                r = corrupt(rd, "bad sample");
        }
        if (r < 0)
            break;
        if (e < 0) {
            r = corrupt(rd, "bad sample");
            break;
        }
        if (sc->nvalues != rd->ntypes) {
            r = fail(rd, -EBADMSG, "profile.proto: a sample has %zu values for %zu sample types",
                     sc->nvalues, rd->ntypes);
            break;
        }
        double v[HP_NVALUES];
        for (int k = 0; k < HP_NVALUES; k++) {
            v[k] = (double)sc->values[k];
            p->header[k] = sat_add(p->header[k], sc->values[k]);
        }
        int64_t idx = hp_profile_add_sample(p, sc->stack, sc->depth, v, 1.0);
        if (idx < 0 || HP_GROW(p->records, p->records_alloc, p->nrecords + 1) < 0) {
            r = oom(rd);
            break;
        }
        hp_record *rec = &p->records[p->nrecords++];
        rec->sample = (uint32_t)idx;
        memcpy(rec->value, v, sizeof(v));
    }
    free(sc);
    return r;
}

/* ---- entry point ------------------------------------------------------- */

int hp_proto_parse(const char *name, const void *data, size_t len, hp_profile **ret,
                   hp_error *reterr)
{
    hp_error local = {0};
    reader rd = {.name = name, .err = reterr ? reterr : &local};
    rd.err->msg[0] = '\0';
    /* the wire-level walk first: garbage is rejected before anything is built */
    int r = collect(&rd, data, len);
    if (r == 0 && hp_profile_new(name, &rd.p) < 0)
        r = oom(&rd);
    if (r == 0) {
        rd.p->kind = HP_KIND_HEAP;
        snprintf(rd.p->type, sizeof(rd.p->type), "profile.proto");
        rd.p->sampling_rate = (double)rd.period;
        r = read_sample_types(&rd);
    }
    if (r == 0)
        r = read_mappings(&rd);
    if (r == 0)
        r = read_functions(&rd);
    if (r == 0)
        r = read_locations(&rd);
    if (r == 0)
        r = read_samples(&rd);
    free(rd.strings);
    free(rd.string_ids);
    for (size_t k = 0; k < HP_ARRAY_SIZE(rd.msgs); k++)
        free(rd.msgs[k]);
    free(rd.type_value);
    free(rd.mappings);
    free(rd.functions);
    free(rd.locations);
    free(rd.fn_model);
    free(rd.fn_file);
    if (r < 0) {
        hp_profile_free(rd.p);
        return r;
    }
    *ret = rd.p;
    return 0;
}
