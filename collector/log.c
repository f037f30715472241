/*
 * log.c - the raw logger of libheapprof (to a duplicate of the start's stderr), its
 * printf-like formatting and environment helpers, none of which calls malloc or stdio.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hpc.h"

extern char **environ;

/* ---- small libc replacements -------------------------------------------------------------- */

size_t hpc_strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

char *hpc_getenv(const char *name)
{
    size_t n = hpc_strlen(name);
    if (!environ)
        return NULL;
    for (char **e = environ; *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

long long hpc_env_ll(const char *name, long long dflt)
{
    const char *v = hpc_getenv(name);
    if (!v || !*v)
        return dflt;
    bool neg = false;
    if (*v == '-' || *v == '+')
        neg = *v++ == '-';
    long long x = 0;
    if (*v < '0' || *v > '9')
        return dflt;
    while (*v >= '0' && *v <= '9')
        x = x * 10 + (*v++ - '0');
    return neg ? -x : x;
}

/* gperftools EnvToBool: true iff the first byte is one of "tTyY1" or the value is empty. */
bool hpc_env_bool(const char *name, bool dflt)
{
    const char *v = hpc_getenv(name);
    if (!v)
        return dflt;
    return memchr("tTyY1\0", v[0], 6) != NULL;
}

/* ---- formatting ---------------------------------------------------------------------------- */

struct sbuf {
    char *p;
    size_t len, cap;
};

static void sb_putc(struct sbuf *b, char c)
{
    if (b->len + 1 < b->cap)
        b->p[b->len] = c;
    b->len++;
}

static void sb_puts(struct sbuf *b, const char *s)
{
    while (*s)
        sb_putc(b, *s++);
}

int hpc_fmt_digits(char *tmp, unsigned long long v, unsigned base)
{
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    return n;
}

void hpc_vfmt(char *buf, size_t cap, const char *fmt, va_list ap)
{
    struct sbuf b = {buf, 0, cap};
    char tmp[24];
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            sb_putc(&b, *f);
            continue;
        }
        f++;
        int lng = 0;
        while (*f == 'l' || *f == 'z') {
            lng++;
            f++;
        }
        unsigned long long u = 0;
        long long s = 0;
        switch (*f) {
        case 's': {
            const char *str = va_arg(ap, const char *);
            sb_puts(&b, str ? str : "(null)");
            continue;
        }
        case 'd':
            s = lng ? va_arg(ap, long long) : va_arg(ap, int);
            if (s < 0) {
                sb_putc(&b, '-');
                u = 0ULL - (unsigned long long)s;
            } else {
                u = (unsigned long long)s;
            }
            for (int n = hpc_fmt_digits(tmp, u, 10); n > 0; n--)
                sb_putc(&b, tmp[n - 1]);
            continue;
        case 'u':
        case 'x':
            u = lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
            for (int n = hpc_fmt_digits(tmp, u, *f == 'x' ? 16 : 10); n > 0; n--)
                sb_putc(&b, tmp[n - 1]);
            continue;
        case 'p':
            u = (uintptr_t)va_arg(ap, void *);
            sb_puts(&b, "0x");
            for (int n = hpc_fmt_digits(tmp, u, 16); n > 0; n--)
                sb_putc(&b, tmp[n - 1]);
            continue;
        case '%':
            sb_putc(&b, '%');
            continue;
        default:
            sb_putc(&b, '?');
            if (!*f)
                f--;
            continue;
        }
    }
    if (cap)
        buf[b.len < cap ? b.len : cap - 1] = '\0';
}

void hpc_fmt(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hpc_vfmt(buf, cap, fmt, ap);
    va_end(ap);
}

int hpc_verbose;

/* The stderr of the start: programs such as coreutils' sort close fd 2 before exit, and
 * the leak report comes after that. A duplicate on a high descriptor (close-on-exec) keeps
 * it; it is used while it still refers to the file it was made from (a program that closed
 * every descriptor may have reused the number), else fd 2 is. Only terminals and files are
 * kept: a duplicate of a pipe or socket would hold it open after a daemon closed its stderr,
 * and whoever reads the other end ($(...), a pipeline) would wait for it forever. */
static int log_fd = -1;
static dev_t log_dev;
static ino_t log_ino;

void hpc_log_keep_stderr(void)
{
    struct stat st;
    if (log_fd >= 0 || fstat(2, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode)))
        return;
    int fd = fcntl(2, F_DUPFD_CLOEXEC, 200);
    if (fd < 0)
        return;
    log_dev = st.st_dev;
    log_ino = st.st_ino;
    log_fd = fd;
}

static int log_target(void)
{
    struct stat st;
    if (log_fd >= 0 && fstat(log_fd, &st) == 0 && st.st_dev == log_dev && st.st_ino == log_ino)
        return log_fd;
    return 2;
}

void hpc_log(int level, const char *fmt, ...)
{
    if (hpc_verbose < level)
        return;
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    hpc_vfmt(buf, 599, fmt, ap); /* at most 598 characters, like the gperftools raw logger */
    va_end(ap);
    size_t n = hpc_strlen(buf);
    if (n == 0 || buf[n - 1] != '\n')
        buf[n++] = '\n';
    ssize_t w = write(log_target(), buf, n);
    (void)w;
}

