/*
 * dumpfiles.c - who owns the dump files of a HEAPPROFILE prefix, and the clean-up of the
 * files earlier runs left there.
 *
 * The process started with HEAPPROFILE=PREFIX holds an exclusive flock(2) on PREFIX.lock
 * (which holds its pid) until it exits; its forked children share the lock. A second process
 * started with the same prefix while the first one runs cannot take the lock: it deletes
 * nothing, writes PREFIX-<pid>.NNNN.heap (its children PREFIX-<pid>_<child>.NNNN.heap) and
 * says so in one line. Neither name matches PREFIX.*.heap nor a child's PREFIX_<pid>.
 *
 * Clean-up (HEAP_PROFILE_CLEANUP, on by default, only by the lock owner): PREFIX.*.heap
 * as in gperftools, and the files of processes that are gone: temporary files
 * (PREFIX.NNNN.heap.<pid>.tmp of a killed writer), children's and second processes' dumps
 * (PREFIX_<pid>..., PREFIX-<pid>...) whose every pid in the name is dead.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hpc.h"

static int lock_fd = -1;
static char lock_path[4200];

static long parse_pid(const char **s)
{
    long v = 0;
    const char *p = *s;
    if (*p < '0' || *p > '9')
        return -1;
    while (*p >= '0' && *p <= '9' && v < (1L << 31))
        v = v * 10 + (*p++ - '0');
    *s = p;
    return v;
}

static bool pid_alive(long pid)
{
    return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH);
}

bool hpc_prefix_claim(const char *pfx, long *owner)
{
    *owner = 0;
    hpc_fmt(lock_path, sizeof(lock_path), "%s.lock", pfx);
    for (int attempt = 0; attempt < 4; attempt++) {
        int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0664);
        if (fd < 0)
            return true; /* no lock possible (the dumps will fail too): behave as gperftools */
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK) {
                close(fd); /* a file system without locks: behave as gperftools */
                return true;
            }
            char buf[24];
            ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
            close(fd);
            buf[n > 0 ? n : 0] = '\0';
            const char *p = buf;
            *owner = parse_pid(&p);
            return false;
        }
        /* the owner before us may have unlinked the file between our open and flock */
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(lock_path, &b) == 0 && a.st_ino == b.st_ino &&
            a.st_dev == b.st_dev) {
            char buf[24];
            hpc_fmt(buf, sizeof(buf), "%d\n", (int)getpid());
            if (ftruncate(fd, 0) == 0 && pwrite(fd, buf, hpc_strlen(buf), 0) < 0)
                buf[0] = '\0'; /* the pid is only for the second process's message */
            lock_fd = fd;
            return true;
        }
        close(fd);
    }
    return true;
}

void hpc_prefix_release(void)
{
    if (lock_fd < 0)
        return;
    unlink(lock_path); /* while still locked: a newcomer re-checks the inode it locked */
    close(lock_fd);
    lock_fd = -1;
}

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static bool ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = hpc_strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* Whether a file name (the part after the prefix's base name) is clean-up's to remove. */
static bool is_stale(const char *rest, size_t n)
{
    if (!ends_with(rest, n, ".heap") && !ends_with(rest, n, ".tmp"))
        return false;
    if (ends_with(rest, n, ".tmp")) {
        /* <name>.<pid>.tmp: the writer's pid */
        size_t k = n - 4;
        while (k > 0 && rest[k - 1] >= '0' && rest[k - 1] <= '9')
            k--;
        const char *p = rest + k;
        if (k == 0 || rest[k - 1] != '.' || pid_alive(parse_pid(&p)))
            return false;
    }
    if (rest[0] == '.')
        return true; /* PREFIX.*.heap (gperftools' pattern) or a dead writer's temp file */
    /* PREFIX_<pid>... and PREFIX-<pid>...: every process named in the chain is gone */
    const char *p = rest;
    while (*p == '_' || *p == '-') {
        p++;
        long pid = parse_pid(&p);
        if (pid < 0 || pid_alive(pid))
            return false;
    }
    return *p == '.';
}

void hpc_prefix_cleanup(const char *pfx)
{
    char dir[4096];
    const char *slash = strrchr(pfx, '/');
    const char *base = slash ? slash + 1 : pfx;
    if (slash) {
        size_t n = (size_t)(slash - pfx);
        if (n >= sizeof(dir))
            return;
        memcpy(dir, pfx, n);
        dir[n ? n : 1] = '\0';
        if (!n)
            dir[0] = '/';
    } else {
        dir[0] = '.';
        dir[1] = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    size_t bl = hpc_strlen(base);
    static char buf[8192];
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
        if (n <= 0)
            break;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            off += d->d_reclen;
            size_t nl = hpc_strlen(d->d_name);
            if (nl >= bl + 6 && memcmp(d->d_name, base, bl) == 0 &&
                is_stale(d->d_name + bl, nl - bl))
                unlinkat(fd, d->d_name, 0);
        }
    }
    close(fd);
}
