/*
 * hp-addr2line.c - test and debugging front end of the symbolizer. Prints for
 * each address what `addr2line -f -i -C -e OBJ ADDR...` prints (function line,
 * then file:line line, one pair per inline level, innermost first), or with
 * --symbol the symbol-table answer. Addresses come from the command line or,
 * when there are none, one per line from stdin (as addr2line reads them).
 */
#include "hp_common.h"

#include <getopt.h>
#include <inttypes.h>

#include "hp_symbolizer.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: hp-addr2line [-a] -e OBJ [--map START:OFFSET] [--symbol] [--info]\n"
               "                    [--debug-root DIR] [--search-path DIRS] [--nearest]\n"
               "                    [--debuginfod] [--build-id HEX] [--cache] [--threads N]\n"
               "                    [ADDR...]\n");
}

static bool parse_u64(const char *s, uint64_t *ret)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 16);
    if (errno || end == s)
        return false;
    *ret = v;
    return true;
}

/* Output without printf: a quarter of the time of the addr2line mode went to
 * formatting (the benchmark prints 250k lines). */
static void put_str(const char *s)
{
    fwrite_unlocked(s, 1, strlen(s), stdout);
}

static void put_u32(uint32_t v)
{
    char buf[16], *p = buf + sizeof(buf);
    do
        *--p = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    fwrite_unlocked(p, 1, (size_t)(buf + sizeof(buf) - p), stdout);
}

static void print_one(const hp_sym_result *r, bool symbol_mode)
{
    if (symbol_mode) {
        if (r->symbol)
            printf("%s\t%s\t%" PRIx64 "\t%" PRIu64 "\n", r->symbol, r->symbol_raw, r->symbol_start,
                   r->symbol_size);
        else
            printf("??\t??\t0\t0\n");
        return;
    }
    if (r->nframes == 0) {
        if (r->symbol) {
            put_str(r->symbol);
            put_str("\n??:?\n");
        } else {
            put_str("??\n??:0\n");
        }
        return;
    }
    for (size_t i = 0; i < r->nframes; i++) {
        const hp_sym_frame *f = &r->frames[i];
        const char *fn = f->function;
        if (!fn && i + 1 == r->nframes)
            fn = r->symbol;
        put_str(fn ? fn : "??");
        putchar_unlocked('\n');
        put_str(f->file ? f->file : "??");
        putchar_unlocked(':');
        if (f->line)
            put_u32(f->line);
        else
            putchar_unlocked('?');
        putchar_unlocked('\n');
    }
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"exe", required_argument, NULL, 'e'},
        {"map", required_argument, NULL, 'm'},
        {"symbol", no_argument, NULL, 's'},
        {"info", no_argument, NULL, 'I'},
        {"debug-root", required_argument, NULL, 'd'},
        {"search-path", required_argument, NULL, 'p'},
        {"nearest", no_argument, NULL, 'N'},
        {"debuginfod", no_argument, NULL, 'D'},
        {"build-id", required_argument, NULL, 'B'},
        {"cache", no_argument, NULL, 'K'},
        {"threads", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *obj = NULL, *map = NULL;
    bool symbol_mode = false, info = false;
    bool addresses = false;
    const char *build_id = NULL;
    hp_symbolizer_config cfg = {0};
    char *cache_dir = NULL;
    unsigned threads = 0; /* as pprof: the online CPUs */
    int c;
    /* addr2line compatibility: -f -i -C are accepted and always on */
    while ((c = getopt_long(argc, argv, "ae:fiCh", opts, NULL)) != -1) {
        switch (c) {
        case 'e':
            obj = optarg;
            break;
        case 'm':
            map = optarg;
            break;
        case 's':
            symbol_mode = true;
            break;
        case 'I':
            info = true;
            break;
        case 'd':
            cfg.debug_root = optarg;
            break;
        case 'p':
            cfg.search_path = optarg;
            break;
        case 'N':
            cfg.nearest_symbol = true;
            break;
        case 'D':
            cfg.debuginfod = true;
            break;
        case 'B':
            build_id = optarg;
            break;
        case 'K': /* the symbol cache, as pprof uses it (scripts/bench-symbolize) */
            free(cache_dir);
            cache_dir = hp_symbolizer_cache_dir();
            cfg.cache_dir = cache_dir;
            break;
        case 'T':
            threads = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'a':
            addresses = true;
            break;
        case 'f':
        case 'i':
        case 'C':
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!obj) {
        usage(stderr);
        return 2;
    }
    uint64_t start = 0, off = 0;
    if (map) {
        const char *colon = strchr(map, ':');
        if (!colon || !parse_u64(map, &start) || !parse_u64(colon + 1, &off)) {
            fprintf(stderr, "hp-addr2line: bad --map '%s'\n", map);
            return 2;
        }
    }
    hp_error err = {0};
    hp_symbolizer *s = NULL;
    hp_symobj *o = NULL;
    if (hp_symbolizer_new(&cfg, &s, &err) < 0 ||
        hp_symbolizer_open_build_id(s, obj, NULL, build_id, &o, &err) < 0) {
        fprintf(stderr, "hp-addr2line: %s\n", err.msg);
        hp_symbolizer_free(s);
        return 1;
    }
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
    if (info) {
        const uint64_t *starts;
        const char *const *names;
        size_t n = hp_symobj_functions(o, &starts, &names);
        hp_sym_result r;
        hp_symobj_lookup_obj(o, 0, &r); /* decodes DWARF */
        printf("path: %s\ndebug: %s\nbuild-id: %s\ndyn: %d\ndwarf: %d\nsymbols: %zu\n"
               "warning: %s\n",
               hp_symobj_path(o), hp_symobj_debug_path(o) ? hp_symobj_debug_path(o) : "-",
               hp_symobj_build_id(o) ? hp_symobj_build_id(o) : "-", hp_symobj_is_dyn(o),
               hp_symobj_has_dwarf(o), n, hp_symobj_warning(o) ? hp_symobj_warning(o) : "-");
    }
    /* all addresses first, then one batch lookup as pprof does (in address
     * order), then the answers in input order */
    hp_sym_query *q = NULL;
    size_t nq = 0, qalloc = 0;
    int rc = 0;
    char line[256];
    bool from_argv = optind < argc;
    for (int i = optind; !info && (from_argv ? i < argc : !feof(stdin)); i++) {
        const char *text = from_argv ? argv[i] : fgets(line, sizeof(line), stdin);
        uint64_t a;
        if (!text)
            break;
        if (!parse_u64(text, &a)) {
            if (from_argv)
                fprintf(stderr, "hp-addr2line: bad address '%s'\n", text);
            continue;
        }
        if (HP_GROW(q, qalloc, nq + 1) < 0) {
            fprintf(stderr, "hp-addr2line: out of memory\n");
            rc = 1;
            break;
        }
        q[nq++] = (hp_sym_query){.obj = o, .map_start = start, .map_offset = off, .pc = a,
                                 .in_object = map == NULL};
    }
    hp_sym_batch *b = NULL;
    hp_sym_result *r = hp_malloc(sizeof(*r));
    if (!rc && (!r || hp_sym_lookup_batch(q, nq, threads, &b) < 0)) {
        fprintf(stderr, "hp-addr2line: out of memory\n");
        rc = 1;
    }
    for (size_t i = 0; b && i < nq; i++) {
        if (addresses)
            printf("0x%016" PRIx64 "\n", q[i].pc);
        hp_sym_batch_get(b, i, r);
        print_one(r, symbol_mode);
    }
    hp_sym_batch_free(b);
    free(r);
    free(q);
    fflush(stdout);
    hp_symobj_cache_save(o);
    hp_symbolizer_free(s);
    free(cache_dir);
    return rc;
}
