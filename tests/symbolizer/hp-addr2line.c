/*
 * hp-addr2line.c - test and debugging front end of the symbolizer. Prints for
 * each address what `addr2line -f -i -C -e OBJ ADDR...` prints (function line,
 * then file:line line, one pair per inline level, innermost first), or with
 * --symbol the symbol-table answer. Addresses come from the command line or,
 * when there are none, one per line from stdin (as addr2line reads them, but
 * a line without an address, which addr2line reads as 0, is skipped, and a
 * sign is read as strtoull reads it; tests/symbolizer/a2l-input.sh).
 */
#include "hp_common.h"

#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* All of stdin (NUL-terminated), *ret_n bytes, read at once when it is a
 * file; NULL when out of memory. */
static char *read_all(int fd, size_t *ret_n)
{
    struct stat st;
    size_t n = 0, alloc = 65536;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        alloc = (size_t)st.st_size + 2; /* the second read sees the end */
    char *buf = hp_malloc(alloc);
    while (buf) {
        if (n + 1 == alloc && HP_GROW(buf, alloc, alloc + 1) < 0)
            break;
        ssize_t k = read(fd, buf + n, alloc - n - 1);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            buf[n] = '\0';
            *ret_n = n;
            return buf;
        }
        n += (size_t)k;
    }
    free(buf);
    return NULL;
}

/* The lines of s[0..n): one more than its newlines. */
static size_t count_lines(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101u, low7 = ones * 0x7f;
    size_t lines = 1, i = 0;
    for (; i + 8 <= n; i += 8) { /* the newlines of 8 bytes at once */
        uint64_t w;
        memcpy(&w, s + i, 8);
        w ^= ones * '\n';                        /* 0 where a newline is */
        uint64_t nonzero = ((w & low7) + low7) | w; /* high bit where not */
        lines += (~nonzero >> 7 & ones) * ones >> 56;
    }
    for (; i < n; i++)
        lines += s[i] == '\n';
    return lines;
}

/* 1 + the value of each hex digit, 0 for every other byte. */
static const uint8_t hex1[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,
    ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14,
    ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
    ['F'] = 16,
};

/* The address of the line at s of a NUL-terminated text ending at end:
 * blanks (space, tab), a sign (as strtoull), "0x" when a hex digit follows,
 * then hex digits up to the first other character; the rest of the line is
 * ignored. False when there are no digits or the value overflows (more than
 * 16 digits after the leading zeros).
 * *ret_next: the next line (end after the last). */
static bool parse_line(const char *s, const char *end, const char **ret_next, uint64_t *ret)
{
    while (*s == ' ' || *s == '\t')
        s++;
    bool neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    if (s[0] == '0' && (s[1] | 0x20) == 'x' && hex1[(unsigned char)s[2]])
        s += 2;
    const char *digits = s;
    while (*s == '0')
        s++;
    const char *significant = s;
    uint64_t v = 0;
    for (unsigned d; (d = hex1[(unsigned char)*s]) != 0; s++)
        v = v << 4 | (d - 1);
    bool ok = s > digits && s - significant <= 16; /* else it overflows */
    if (*s != '\n') {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        s = nl ? nl : end;
    }
    *ret_next = s < end ? s + 1 : end;
    *ret = neg ? -v : v;
    return ok;
}

/* The addresses on the lines of in[0..n) (NUL-terminated): *ret and
 * *ret_n; lines without one are skipped.
 * Returns: false when out of memory. */
static bool parse_lines(const char *in, size_t n, uint64_t **ret, size_t *ret_n)
{
    size_t bytes = count_lines(in, n) * sizeof(uint64_t);
    uint64_t *pcs = hp_malloc(bytes);
    if (!pcs)
        return false;
    hp_prefault(pcs, bytes); /* faulting page by page costs a quarter more */
    size_t npcs = 0;
    for (const char *s = in, *end = in + n; s < end;) {
        if (parse_line(s, end, &s, &pcs[npcs]))
            npcs++;
    }
    *ret = pcs;
    *ret_n = npcs;
    return true;
}

/* stdin's addresses, read and parsed on a thread of their own while the
 * object is opened (each takes about 2 ms on the benchmark). */
typedef struct stdin_reader {
    uint64_t *pcs;
    size_t n;
    bool ok;
} stdin_reader;

static void *read_stdin(void *arg)
{
    stdin_reader *sr = arg;
    size_t in_len = 0;
    char *in = read_all(STDIN_FILENO, &in_len);
    sr->ok = in && parse_lines(in, in_len, &sr->pcs, &sr->n);
    free(in);
    return NULL;
}

/* One batch lookup of pcs[0..n) in o, as pprof does (in address order):
 * object-relative addresses answered while looked up (printing overlaps
 * looking up), addresses of a mapping (--map) as queries. */
static int look_up(hp_symobj *o, const char *map, uint64_t start, uint64_t off,
                   const uint64_t *pcs, size_t n, unsigned threads, hp_sym_batch **ret)
{
    if (!map)
        return hp_sym_lookup_batch_in_async(o, pcs, n, threads, ret);
    hp_sym_query *q = hp_malloc((n ? n : 1) * sizeof(*q));
    if (!q)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        q[i] = (hp_sym_query){.obj = o, .map_start = start, .map_offset = off, .pc = pcs[i]};
    int r = hp_sym_lookup_batch(q, n, threads, ret);
    free(q);
    return r;
}

/* Output through one buffer written with write(2), without printf: a
 * quarter of the time of the addr2line mode went to formatting (the
 * benchmark prints 250k lines). A frame's lines are formatted straight into
 * the buffer once there is room for all of them. */
static char out_buf[1 << 17];
static size_t out_len;

static void write_all(const char *s, size_t n)
{
    while (n) {
        ssize_t k = write(STDOUT_FILENO, s, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return; /* as fwrite's errors before: ignored */
        s += k;
        n -= (size_t)k;
    }
}

static void out_flush(void)
{
    write_all(out_buf, out_len);
    out_len = 0;
}

/* Room for n bytes at the end of out_buf, flushing it if needed: a pointer
 * to write them at, NULL when n exceeds the buffer. */
static char *out_room(size_t n)
{
    if (n > sizeof(out_buf) - out_len) {
        out_flush();
        if (n > sizeof(out_buf))
            return NULL;
    }
    return out_buf + out_len;
}

static void out_end(const char *p)
{
    out_len = (size_t)(p - out_buf);
}

static void out_mem(const char *s, size_t n)
{
    char *p = out_room(n);
    if (!p) {
        write_all(s, n);
        return;
    }
    memcpy(p, s, n);
    out_end(p + n);
}

#define out_lit(s) out_mem((s), sizeof(s) - 1)

/* The lengths of the file names printed last (a few, printed again and
 * again; interned: one pointer per string), direct-mapped by address. */
static struct {
    const char *s;
    size_t n;
} file_lens[256];

static size_t file_len(const char *s)
{
    size_t k = ((uintptr_t)s >> 3) * 0x9e3779b97f4a7c15u >> 56;
    if (file_lens[k].s != s) {
        file_lens[k].s = s;
        file_lens[k].n = strlen(s);
    }
    return file_lens[k].n;
}

/* v in decimal at p; returns the end. */
static char *put_u32(char *p, uint32_t v)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    unsigned n = 1;
    for (uint32_t t = v; t >= 10; t /= 10)
        n++;
    char *end = p + n;
    for (p = end; v >= 100; v /= 100) {
        p -= 2;
        memcpy(p, pairs + v % 100 * 2, 2);
    }
    if (v >= 10)
        memcpy(p - 2, pairs + v * 2, 2);
    else
        p[-1] = (char)('0' + v);
    return end;
}

/* "fn\nfile:line\n" (line 0: "?") */
static void out_frame(const char *fn, const char *file, uint32_t line)
{
    size_t fn_n = strlen(fn), file_n = file_len(file);
    char *p = out_room(fn_n + file_n + 13); /* 2 newlines, ':', 10 digits */
    if (!p) { /* a name longer than the buffer */
        out_mem(fn, fn_n);
        out_frame("", file, line);
        return;
    }
    memcpy(p, fn, fn_n);
    p += fn_n;
    *p++ = '\n';
    memcpy(p, file, file_n);
    p += file_n;
    *p++ = ':';
    if (line)
        p = put_u32(p, line);
    else
        *p++ = '?';
    *p++ = '\n';
    out_end(p);
}

/* -a: "0x" and the address in 16 hex digits */
static void out_address(uint64_t a)
{
    char *p = out_room(19);
    *p++ = '0';
    *p++ = 'x';
    for (int shift = 60; shift >= 0; shift -= 4)
        *p++ = "0123456789abcdef"[a >> shift & 15];
    *p++ = '\n';
    out_end(p);
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
        if (r->symbol)
            out_frame(r->symbol, "??", 0);
        else
            out_lit("??\n??:0\n");
        return;
    }
    for (size_t i = 0; i < r->nframes; i++) {
        const hp_sym_frame *f = &frames[i];
        const char *fn = f->function;
        if (!fn && i + 1 == r->nframes)
            fn = r->symbol;
        out_frame(fn ? fn : "??", f->file ? f->file : "??", f->line);
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
    stdin_reader sr = {0};
    bool from_stdin = optind == argc && !info; /* --info reads no stdin */
    pthread_t reader;
    bool reading = from_stdin && pthread_create(&reader, NULL, read_stdin, &sr) == 0;
    hp_error err = {0};
    hp_symbolizer *s = NULL;
    hp_symobj *o = NULL;
    if (hp_symbolizer_new(&cfg, &s, &err) < 0 ||
        hp_symbolizer_open_build_id(s, obj, NULL, build_id, &o, &err) < 0) {
        fprintf(stderr, "hp-addr2line: %s\n", err.msg);
        hp_symbolizer_free(s);
        return 1; /* the reader, perhaps waiting for a terminal, ends with us */
    }
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
    /* all addresses first, then one batch lookup, then the answers in input order */
    uint64_t *pcs = NULL;
    size_t npcs = 0;
    int rc = 0;
    if (from_stdin) {
        if (reading)
            pthread_join(reader, NULL);
        else
            read_stdin(&sr);
        pcs = sr.pcs;
        npcs = sr.n;
        rc = sr.ok ? 0 : 1;
    } else if (optind < argc) { /* --info too looks up the addresses of the command line */
        pcs = hp_malloc((size_t)(argc - optind) * sizeof(*pcs));
        rc = pcs ? 0 : 1;
        for (int i = optind; pcs && i < argc; i++) {
            if (parse_u64(argv[i], &pcs[npcs]))
                npcs++;
            else
                fprintf(stderr, "hp-addr2line: bad address '%s'\n", argv[i]);
        }
    }
    if (rc)
        fprintf(stderr, "hp-addr2line: out of memory\n");
    hp_sym_batch *b = NULL;
    hp_sym_result *r = hp_malloc(sizeof(*r));
    if (!rc && (!r || look_up(o, map, start, off, pcs, npcs, threads, &b) < 0)) {
        fprintf(stderr, "hp-addr2line: out of memory\n");
        rc = 1;
    }
    fflush(stdout); /* --info's lines first */
    for (size_t i = 0; b && i < npcs; i++) {
        if (addresses)
            out_address(pcs[i]);
        const hp_sym_frame *frames = hp_sym_batch_answer(b, i, r);
        print_one(r, frames, symbol_mode);
    }
    out_flush();
    if (b && hp_sym_batch_wait(b) < 0) {
        fprintf(stderr, "hp-addr2line: out of memory\n");
        rc = 1;
    }
    hp_sym_batch_free(b);
    free(r);
    free(pcs);
    hp_symobj_cache_save(o);
    hp_symbolizer_free(s);
    free(cache_dir);
    return rc;
}
