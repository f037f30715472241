/*
 * hp-addr2line.c - test and debugging front end of the symbolizer. Prints for
 * each address what `addr2line -f -i -C -e OBJ ADDR...` prints (function line,
 * then file:line line, one pair per inline level, innermost first), or with
 * --symbol the symbol-table answer. Addresses come from the command line or,
 * when there are none, one per line from stdin (as addr2line reads them).
 */
#include "hp_common.h"

#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
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

/* All of stdin (NUL-terminated), *ret_n bytes; NULL when out of memory. */
static char *read_all(FILE *f, size_t *ret_n)
{
    size_t n = 0, alloc = 0;
    char *buf = NULL;
    for (;;) {
        if (HP_GROW(buf, alloc, n + 65536 + 1) < 0) {
            free(buf);
            return NULL;
        }
        size_t k = fread(buf + n, 1, alloc - n - 1, f);
        n += k;
        if (k == 0)
            break;
    }
    buf[n] = '\0';
    *ret_n = n;
    return buf;
}

/* Hex digits of s (an optional 0x first) up to the first other character:
 * false when there are none or the value overflows. */
static bool parse_hex(const char *s, const char *end, uint64_t *ret)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    bool neg = s < end && *s == '-'; /* as strtoull */
    if (s < end && (*s == '-' || *s == '+'))
        s++;
    if (end - s > 2 && s[0] == '0' && (s[1] | 0x20) == 'x' && isxdigit((unsigned char)s[2]))
        s += 2;
    uint64_t v = 0;
    const char *start = s;
    for (; s < end; s++) {
        unsigned c = (unsigned char)*s, d;
        if (c - '0' < 10)
            d = c - '0';
        else if ((c | 0x20) - 'a' < 6)
            d = (c | 0x20) - 'a' + 10;
        else
            break;
        if (v >> 60)
            return false;
        v = v << 4 | d;
    }
    *ret = neg ? -v : v;
    return s > start;
}

/* Output through one buffer, without printf and mostly without strlen: a
 * quarter of the time of the addr2line mode went to formatting (the
 * benchmark prints 250k lines). */
static char out_buf[1 << 17];
static size_t out_len;

static void out_flush(void)
{
    fwrite_unlocked(out_buf, 1, out_len, stdout);
    out_len = 0;
}

static void out_mem(const char *s, size_t n)
{
    if (out_len + n > sizeof(out_buf)) {
        out_flush();
        if (n > sizeof(out_buf)) {
            fwrite_unlocked(s, 1, n, stdout);
            return;
        }
    }
    memcpy(out_buf + out_len, s, n);
    out_len += n;
}

#define out_lit(s) out_mem((s), sizeof(s) - 1)

static void out_char(char c)
{
    if (out_len == sizeof(out_buf))
        out_flush();
    out_buf[out_len++] = c;
}

/* A string copied up to its NUL: function names, short and mostly printed
 * once or twice (strlen + memcpy cost more). */
static void out_copy(const char *s)
{
    for (;;) {
        char *p = out_buf + out_len, *end = out_buf + sizeof(out_buf);
        while (p < end && *s)
            *p++ = *s++;
        out_len = (size_t)(p - out_buf);
        if (!*s)
            return;
        out_flush();
    }
}

/* The lengths of the file names printed last (a few, printed again and
 * again; interned: one pointer per string), direct-mapped by address. */
static struct {
    const char *s;
    size_t n;
} file_lens[256];

static void out_file(const char *s)
{
    size_t k = ((uintptr_t)s >> 3) * 0x9e3779b97f4a7c15u >> 56;
    if (file_lens[k].s != s) {
        file_lens[k].s = s;
        file_lens[k].n = strlen(s);
    }
    out_mem(s, file_lens[k].n);
}

static void out_u32(uint32_t v)
{
    char buf[16], *p = buf + sizeof(buf);
    do
        *--p = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    out_mem(p, (size_t)(buf + sizeof(buf) - p));
}

static void out_printf(const char *fmt, ...) HP_PRINTF(1, 2);
static void out_printf(const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(small)) {
        out_mem(small, (size_t)n);
        return;
    }
    char *big = hp_malloc((size_t)n + 1);
    if (!big)
        return;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    out_mem(big, (size_t)n);
    free(big);
}

static void print_one(const hp_sym_result *r, const hp_sym_frame *frames, bool symbol_mode)
{
    if (symbol_mode) {
        if (r->symbol)
            out_printf("%s\t%s\t%" PRIx64 "\t%" PRIu64 "\n", r->symbol, r->symbol_raw,
                       r->symbol_start, r->symbol_size);
        else
            out_lit("??\t??\t0\t0\n");
        return;
    }
    if (r->nframes == 0) {
        if (r->symbol) {
            out_copy(r->symbol);
            out_lit("\n??:?\n");
        } else {
            out_lit("??\n??:0\n");
        }
        return;
    }
    for (size_t i = 0; i < r->nframes; i++) {
        const hp_sym_frame *f = &frames[i];
        const char *fn = f->function;
        if (!fn && i + 1 == r->nframes)
            fn = r->symbol;
        out_copy(fn ? fn : "??");
        out_char('\n');
        out_file(f->file ? f->file : "??");
        out_char(':');
        if (f->line)
            out_u32(f->line);
        else
            out_char('?');
        out_char('\n');
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
    bool from_argv = optind < argc;
    size_t in_len = 0;
    char *in = from_argv || info ? NULL : read_all(stdin, &in_len);
    const char *next = in;
    if (!from_argv && !info && !in) {
        fprintf(stderr, "hp-addr2line: out of memory\n");
        rc = 1;
    }
    /* --info reads no stdin, but looks up the addresses of the command line */
    for (int i = optind; !rc && (from_argv ? i < argc : !info && next < in + in_len); i++) {
        uint64_t a;
        bool ok;
        if (from_argv) {
            ok = parse_u64(argv[i], &a);
            if (!ok)
                fprintf(stderr, "hp-addr2line: bad address '%s'\n", argv[i]);
        } else { /* one address a line */
            const char *nl = memchr(next, '\n', (size_t)(in + in_len - next));
            const char *eol = nl ? nl : in + in_len;
            ok = parse_hex(next, eol, &a);
            next = nl ? nl + 1 : eol;
        }
        if (!ok)
            continue;
        if (HP_GROW(q, qalloc, nq + 1) < 0) {
            fprintf(stderr, "hp-addr2line: out of memory\n");
            rc = 1;
            break;
        }
        q[nq++] = (hp_sym_query){.obj = o, .map_start = start, .map_offset = off, .pc = a,
                                 .in_object = map == NULL};
    }
    free(in);
    hp_sym_batch *b = NULL;
    hp_sym_result *r = hp_malloc(sizeof(*r));
    if (!rc && (!r || hp_sym_lookup_batch(q, nq, threads, &b) < 0)) {
        fprintf(stderr, "hp-addr2line: out of memory\n");
        rc = 1;
    }
    fflush(stdout); /* --info's lines first */
    for (size_t i = 0; b && i < nq; i++) {
        if (addresses)
            out_printf("0x%016" PRIx64 "\n", q[i].pc);
        const hp_sym_frame *frames = hp_sym_batch_answer(b, i, r);
        print_one(r, frames, symbol_mode);
    }
    out_flush();
    hp_sym_batch_free(b);
    free(r);
    free(q);
    fflush(stdout);
    hp_symobj_cache_save(o);
    hp_symbolizer_free(s);
    free(cache_dir);
    return rc;
}
