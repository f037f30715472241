/*
 * writer.c - output side of libheapprof: a small buffered writer over write(2) or an
 * mmap'd growing buffer, number formatting, the gperftools heap-profile text
 * (header, buckets sorted by in-use bytes, MAPPED_LIBRARIES from /proc/self/maps),
 * atomic file replacement (temporary name + rename). Nothing here calls malloc or stdio.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hpc.h"

/* ---- buffered output ----------------------------------------------------------------------- */

void hpc_out_init_fd(struct hpc_out *o, int fd, char *buf, size_t cap)
{
    o->fd = fd;
    o->buf = buf;
    o->len = 0;
    o->cap = cap;
    o->err = 0;
}

bool hpc_out_open_mem(struct hpc_out *o)
{
    o->fd = -1;
    o->cap = 1 << 16;
    o->len = 0;
    o->err = 0;
    o->buf = hpc_mmap(o->cap);
    return o->buf != NULL;
}

void hpc_out_flush(struct hpc_out *o)
{
    if (o->fd < 0)
        return;
    size_t off = 0;
    while (off < o->len && !o->err) {
        ssize_t w = write(o->fd, o->buf + off, o->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            o->err = w < 0 ? errno : ENOSPC;
            break;
        }
        off += (size_t)w;
    }
    o->len = 0;
}

static bool out_room(struct hpc_out *o, size_t n)
{
    if (o->len + n <= o->cap)
        return true;
    if (o->fd >= 0) {
        hpc_out_flush(o);
        return n <= o->cap;
    }
    size_t nc = o->cap;
    while (nc < o->len + n)
        nc *= 2;
    void *p = hpc_sys_mremap(o->buf, o->cap, nc, MREMAP_MAYMOVE, NULL);
    if (p == MAP_FAILED) {
        o->err = ENOMEM;
        return false;
    }
    o->buf = p;
    o->cap = nc;
    return true;
}

void hpc_out_mem(struct hpc_out *o, const char *s, size_t n)
{
    while (n) {
        size_t chunk = n < 4096 ? n : 4096;
        if (!out_room(o, chunk))
            return;
        memcpy(o->buf + o->len, s, chunk);
        o->len += chunk;
        s += chunk;
        n -= chunk;
    }
}

void hpc_out_str(struct hpc_out *o, const char *s)
{
    hpc_out_mem(o, s, hpc_strlen(s));
}

void hpc_out_dec(struct hpc_out *o, long long v, int width)
{
    char tmp[24], out[48];
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    int n = hpc_fmt_digits(tmp, u, 10), k = 0;
    int len = n + (v < 0);
    for (; len < width && k < 24; len++)
        out[k++] = ' ';
    if (v < 0)
        out[k++] = '-';
    while (n > 0)
        out[k++] = tmp[--n];
    hpc_out_mem(o, out, (size_t)k);
}

void hpc_out_hex(struct hpc_out *o, unsigned long long v, int width, bool prefix)
{
    char tmp[24], out[48];
    int n = hpc_fmt_digits(tmp, v, 16), k = 0;
    if (prefix) {
        out[k++] = '0';
        out[k++] = 'x';
    }
    for (int len = n; len < width && k < 24; len++)
        out[k++] = '0';
    while (n > 0)
        out[k++] = tmp[--n];
    hpc_out_mem(o, out, (size_t)k);
}

/* ---- heap profile ------------------------------------------------------------------------- */

void hpc_write_sample(struct hpc_out *o, long long n1, long long s1, long long n2, long long s2,
                      const struct hpc_bucket *b)
{
    /* "%6d: %8lld [%6d: %8lld] @" then " 0x%08lx" per frame */
    hpc_out_dec(o, (int)n1, 6);
    hpc_out_str(o, ": ");
    hpc_out_dec(o, s1, 8);
    hpc_out_str(o, " [");
    hpc_out_dec(o, (int)n2, 6);
    hpc_out_str(o, ": ");
    hpc_out_dec(o, s2, 8);
    hpc_out_str(o, "] @");
    if (b) {
        for (uint32_t i = 0; i < b->depth; i++) {
            hpc_out_str(o, " ");
            hpc_out_hex(o, b->pcs[i], 8, true);
        }
    }
}

struct snap {
    const struct hpc_bucket *b;
    long long n1, s1, n2, s2;
};

/* buckets by in-use bytes, descending */
static bool snap_before(const void *x, const void *y, void *arg)
{
    (void)arg;
    return ((const struct snap *)x)->s1 > ((const struct snap *)y)->s1;
}

static void snap_of(const struct hpc_bucket *b, struct snap *s)
{
    s->b = b;
    s->n2 = atomic_load_explicit(&((struct hpc_bucket *)b)->allocs, memory_order_relaxed);
    s->s2 = atomic_load_explicit(&((struct hpc_bucket *)b)->alloc_bytes, memory_order_relaxed);
    s->n1 = s->n2 - atomic_load_explicit(&((struct hpc_bucket *)b)->frees, memory_order_relaxed);
    s->s1 =
        s->s2 - atomic_load_explicit(&((struct hpc_bucket *)b)->free_bytes, memory_order_relaxed);
}

void hpc_totals(struct hpc_rec *r, long long t[4])
{
    hpc_count_sync();
    t[0] = t[1] = t[2] = t[3] = 0;
    for (const struct hpc_bucket *b = hpc_rec_buckets(r); b; b = b->all_next) {
        struct snap s;
        snap_of(b, &s);
        t[0] += s.n1;
        t[1] += s.s1;
        t[2] += s.n2;
        t[3] += s.s2;
    }
}

/* In-use bytes of r as pprof reports a heap_v2/period file: each bucket's bytes times
 * 1 / (1 - exp(-average size / period)). */
double hpc_inuse_unsampled(struct hpc_rec *r, long long period)
{
    hpc_count_sync();
    double sum = 0;
    for (const struct hpc_bucket *b = hpc_rec_buckets(r); b; b = b->all_next) {
        struct snap s;
        snap_of(b, &s);
        if (s.n1 > 0 && s.s1 > 0)
            sum += (double)s.s1 / -expm1(-((double)s.s1 / (double)s.n1) / (double)period);
    }
    return sum;
}

static void write_header(struct hpc_out *o, long long t[4], const char *type)
{
    hpc_out_str(o, "heap profile: ");
    hpc_write_sample(o, t[0], t[1], t[2], t[3], NULL);
    hpc_out_str(o, " ");
    hpc_out_str(o, type);
    hpc_out_str(o, "\n");
}

/* Snapshots of r's buckets sorted by in-use bytes (mmap'd, *bytes long), or NULL. */
static struct snap *snapshot(struct hpc_rec *r, size_t *n, size_t *bytes, long long t[4])
{
    size_t cnt = 0;
    const struct hpc_bucket *head = hpc_rec_buckets(r);
    for (const struct hpc_bucket *b = head; b; b = b->all_next)
        cnt++;
    *bytes = (cnt ? cnt : 1) * sizeof(struct snap);
    struct snap *a = hpc_mmap(*bytes);
    if (!a)
        return NULL;
    size_t i = 0;
    for (const struct hpc_bucket *b = head; b && i < cnt; b = b->all_next, i++) {
        snap_of(b, &a[i]);
        t[0] += a[i].n1;
        t[1] += a[i].s1;
        t[2] += a[i].n2;
        t[3] += a[i].s2;
    }
    _Static_assert(sizeof(struct snap) <= 64, "hpc_heapsort sorts elements of at most 64 bytes");
    hpc_heapsort(a, cnt, sizeof(*a), snap_before, NULL);
    *n = cnt;
    return a;
}

void hpc_write_profile(struct hpc_out *o, struct hpc_rec *r, struct hpc_rec *mr,
                       const char *type)
{
    hpc_count_sync(); /* exact counts: every thread's pending deltas into the buckets */
    long long t[4] = {0, 0, 0, 0}, mt[4] = {0, 0, 0, 0};
    size_t n = 0, bytes = 0, mn = 0, mbytes = 0;
    struct snap *a = snapshot(r, &n, &bytes, t);
    /* HEAP_PROFILE_MMAP: mapping buckets first, outside the header totals (as tcmalloc) */
    struct snap *m = mr ? snapshot(mr, &mn, &mbytes, mt) : NULL;
    if (!a || (mr && !m)) {
        o->err = ENOMEM;
        hpc_munmap(a, bytes);
        hpc_munmap(m, mbytes);
        return;
    }
    write_header(o, t, type);
    for (size_t i = 0; i < mn; i++) {
        hpc_write_sample(o, m[i].n1, m[i].s1, m[i].n2, m[i].s2, m[i].b);
        hpc_out_str(o, "\n");
    }
    for (size_t i = 0; i < n; i++) {
        hpc_write_sample(o, a[i].n1, a[i].s1, a[i].n2, a[i].s2, a[i].b);
        hpc_out_str(o, "\n");
    }
    hpc_munmap(a, bytes);
    hpc_munmap(m, mbytes);
    hpc_write_maps(o);
}

/* ---- MAPPED_LIBRARIES ------------------------------------------------------------------- */

static unsigned long long parse_hex(const char **p)
{
    unsigned long long v = 0;
    for (;; (*p)++) {
        char c = **p;
        if (c >= '0' && c <= '9')
            v = v * 16 + (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = v * 16 + (unsigned)(c - 'a' + 10);
        else
            return v;
    }
}

static void skip_field(const char **p, const char *end)
{
    while (*p < end && **p != ' ')
        (*p)++;
    while (*p < end && **p == ' ')
        (*p)++;
}

/* One /proc/self/maps line in gperftools' ProcMapsIterator::FormatLine layout:
 * "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %-11lld %s\n", device always 00:00. */
static void format_maps_line(struct hpc_out *o, const char *p, const char *end)
{
    unsigned long long start = parse_hex(&p);
    if (p < end && *p == '-')
        p++;
    unsigned long long stop = parse_hex(&p);
    while (p < end && *p == ' ')
        p++;
    char flags[4] = {'-', '-', '-', '-'};
    for (int i = 0; i < 4 && p < end && *p != ' '; i++)
        flags[i] = *p++;
    skip_field(&p, end);
    unsigned long long off = parse_hex(&p);
    skip_field(&p, end); /* offset rest */
    skip_field(&p, end); /* device */
    long long inode = 0;
    while (p < end && *p >= '0' && *p <= '9')
        inode = inode * 10 + (*p++ - '0');
    while (p < end && *p == ' ')
        p++;
    hpc_out_hex(o, start, 8, false);
    hpc_out_str(o, "-");
    hpc_out_hex(o, stop, 8, false);
    hpc_out_str(o, " ");
    hpc_out_mem(o, flags, 4);
    hpc_out_str(o, " ");
    hpc_out_hex(o, off, 8, false);
    hpc_out_str(o, " 00:00 ");
    char num[32];
    hpc_fmt(num, sizeof(num), "%lld", inode);
    size_t nl = hpc_strlen(num);
    hpc_out_str(o, num);
    for (; nl < 11; nl++)
        hpc_out_str(o, " ");
    hpc_out_str(o, " ");
    hpc_out_mem(o, p, (size_t)(end - p));
    hpc_out_str(o, "\n");
}

void hpc_write_maps(struct hpc_out *o)
{
    hpc_out_str(o, "\nMAPPED_LIBRARIES:\n");
    hpc_write_maps_lines(o);
}

void hpc_write_maps_lines(struct hpc_out *o)
{
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    size_t cap = 1 << 16, len = 0;
    char *buf = hpc_mmap(cap);
    while (buf) {
        if (len == cap) {
            void *nb = hpc_sys_mremap(buf, cap, cap * 2, MREMAP_MAYMOVE, NULL);
            if (nb == MAP_FAILED)
                break;
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    if (!buf)
        return;
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (le > p)
            format_maps_line(o, p, le);
        p = le + 1;
    }
    hpc_munmap(buf, cap);
}

/* ---- files ------------------------------------------------------------------------------ */

bool hpc_write_file(const char *path, hpc_fill_fn fill, void *ctx)
{
    char tmp[4200];
    hpc_fmt(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0664);
    if (fd < 0) {
        hpc_log(-3, "Failed dumping heap profile to %s", path);
        return false;
    }
    size_t cap = 1 << 18;
    char *buf = hpc_mmap(cap);
    if (!buf) {
        close(fd);
        unlink(tmp);
        hpc_log(-3, "Failed dumping heap profile to %s", path);
        return false;
    }
    struct hpc_out o;
    hpc_out_init_fd(&o, fd, buf, cap);
    fill(&o, ctx);
    hpc_out_flush(&o);
    hpc_munmap(buf, cap);
    if (close(fd) != 0 && !o.err)
        o.err = errno;
    if (!o.err && rename(tmp, path) != 0)
        o.err = errno;
    if (o.err) {
        unlink(tmp);
        hpc_log(-3, "Failed dumping heap profile to %s (%s)", path, strerrordesc_np(o.err));
        return false;
    }
    return true;
}
