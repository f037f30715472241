/*
 * heap_read.c - getting a profile's bytes into memory: mmap for regular
 * files, read() for pipes, zlib for gzip-compressed files (bounded, so a
 * compression bomb is an error rather than an out-of-memory death); then
 * the text reader, or the profile.proto reader when the bytes are a protobuf.
 */
#include "hp_common.h"
#include "hp_heap.h"
#include "hp_proto.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static int read_all(int fd, const char *path, char **ret, size_t *ret_len, hp_error *err)
{
    char *buf = NULL;
    size_t len = 0, alloc = 0;
    for (;;) {
        if (HP_GROW(buf, alloc, len + 65536) < 0) {
            free(buf);
            return hp_error_set(err, -ENOMEM, "%s: out of memory", path);
        }
        ssize_t n = read(fd, buf + len, alloc - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            return hp_error_set(err, -e, "cannot read '%s': %s", path, strerror(e));
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > HP_HEAP_MAX_SIZE) {
            free(buf);
            return hp_error_set(err, -EFBIG, "%s: larger than 4 GiB", path);
        }
    }
    *ret = buf;
    *ret_len = len;
    return 0;
}

static int inflate_all(const char *path, const unsigned char *in, size_t in_len, char **ret,
                       size_t *ret_len, hp_error *err)
{
    z_stream zs = {0};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return hp_error_set(err, -ENOMEM, "%s: cannot initialise zlib", path);
    char *out = NULL;
    size_t len = 0, alloc = 0;
    int r = 0;
    zs.next_in = (unsigned char *)in;
    size_t left = in_len;
    for (;;) {
        if (zs.avail_in == 0 && left) {
            zs.avail_in = left > UINT32_MAX ? UINT32_MAX : (uInt)left;
            left -= zs.avail_in;
        }
        if (HP_GROW(out, alloc, len + 1 + (len < 1 << 20 ? 1 << 20 : len / 2)) < 0) {
            r = hp_error_set(err, -ENOMEM, "%s: out of memory", path);
            break;
        }
        size_t room = alloc - len;
        zs.next_out = (unsigned char *)out + len;
        zs.avail_out = room > UINT32_MAX ? UINT32_MAX : (uInt)room;
        uInt before = zs.avail_out;
        int z = inflate(&zs, Z_NO_FLUSH);
        len += before - zs.avail_out;
        if (len > HP_HEAP_MAX_SIZE) {
            r = hp_error_set(err, -EFBIG, "%s: decompresses to more than 4 GiB", path);
            break;
        }
        if (z == Z_STREAM_END) {
            /* concatenated gzip members are legal; continue if more input */
            if (zs.avail_in == 0 && left == 0)
                break;
            if (inflateReset(&zs) != Z_OK) {
                r = hp_error_set(err, -EBADMSG, "%s: corrupt gzip data", path);
                break;
            }
            continue;
        }
        if (z == Z_BUF_ERROR && zs.avail_in == 0 && left == 0) {
            r = hp_error_set(err, -EBADMSG, "%s: truncated gzip data", path);
            break;
        }
        if (z != Z_OK && z != Z_BUF_ERROR) {
            r = hp_error_set(err, -EBADMSG, "%s: corrupt gzip data (%s)", path,
                             zs.msg ? zs.msg : "inflate failed");
            break;
        }
    }
    inflateEnd(&zs);
    if (r < 0) {
        free(out);
        return r;
    }
    *ret = out;
    *ret_len = len;
    return 0;
}

/* A hint for files that are plainly something else than a profile. */
static int not_a_profile(const char *path, const unsigned char *d, size_t len, hp_error *err)
{
    static const unsigned char cpu64[16] = {0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0};
    static const unsigned char cpu32[8] = {0, 0, 0, 0, 3, 0, 0, 0};
    if (len >= 4 && !memcmp(d, "\177ELF", 4))
        return hp_error_set(err, -EBADMSG, "%s: an ELF file (a program or library), not a heap "
                            "profile: give the program first, then the profile (pprof [options] "
                            "PROGRAM PROFILE...)", path);
    if (len >= 2 && d[0] == '#' && d[1] == '!')
        return hp_error_set(err, -EBADMSG, "%s: a script, not a heap profile (pprof [options] "
                            "[PROGRAM] PROFILE...)", path);
    /* the binary CPU profile of gperftools' profiler (64- or 32-bit words):
     * header count 0, header words 3, version 0 (Perl pprof's ReadCPUProfile) */
    if ((len >= 24 && !memcmp(d, cpu64, 16) && !memcmp(d + 16, cpu64, 8)) ||
        (len >= 12 && !memcmp(d, cpu32, 8) && !memcmp(d + 8, cpu32, 4)))
        return hp_error_set(err, -ENOTSUP, "%s: a CPU profile (CPUPROFILE), not a heap profile: "
                            "cpprof reads heap profiles only; use google-pprof for CPU profiles",
                            path);
    return 0;
}

/* profile.proto or text, by content */
static int parse_any(const char *path, const char *data, size_t len,
                     const hp_heap_options *opts, hp_profile **ret, hp_error *err)
{
    int r = not_a_profile(path, (const unsigned char *)data, len, err);
    if (r < 0)
        return r;
    if (hp_proto_detect(data, len)) {
        if (opts && opts->thread >= 0)
            return hp_error_set(err, -ENOTSUP, "%s: --thread needs a jemalloc heap profile (per-thread 't<N>:' lines)", path);
        return hp_proto_parse(path, data, len, ret, err);
    }
    return hp_heap_parse_ex(path, data, len, opts, ret, err);
}

int hp_heap_read_file(const char *path, hp_profile **ret, hp_error *reterr)
{
    return hp_heap_read_file_ex(path, NULL, ret, reterr);
}

int hp_heap_read_file_ex(const char *path, const hp_heap_options *opts, hp_profile **ret,
                         hp_error *reterr)
{
    /* "-": the profile comes from standard input */
    bool std_in = strcmp(path, "-") == 0;
    int fd = std_in ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    if (std_in)
        path = "<stdin>";
    if (fd < 0) {
        int e = errno;
        return hp_error_set(reterr, -e, "cannot open '%s': %s", path, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return hp_error_set(reterr, -e, "cannot stat '%s': %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return hp_error_set(reterr, -EISDIR, "cannot read '%s': %s", path, strerror(EISDIR));
    }
    char *data = NULL, *owned = NULL;
    size_t len = 0;
    void *mapped = MAP_FAILED;
    int r = 0;
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        if ((uint64_t)st.st_size > HP_HEAP_MAX_SIZE) {
            close(fd);
            return hp_error_set(reterr, -EFBIG, "%s: larger than 4 GiB", path);
        }
        len = (size_t)st.st_size;
        mapped = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (mapped == MAP_FAILED) {
            int e = errno;
            close(fd);
            return hp_error_set(reterr, -e, "cannot map '%s': %s", path, strerror(e));
        }
        madvise(mapped, len, MADV_SEQUENTIAL);
        data = mapped;
    } else if (S_ISREG(st.st_mode)) {
        data = (char *)"";
    } else {
        r = read_all(fd, path, &owned, &len, reterr);
        data = owned;
    }
    close(fd);
    if (r < 0)
        return r;
    if (len >= 2 && (unsigned char)data[0] == 0x1f && (unsigned char)data[1] == 0x8b) {
        char *plain = NULL;
        size_t plain_len = 0;
        r = inflate_all(path, (const unsigned char *)data, len, &plain, &plain_len, reterr);
        if (r == 0) {
            r = parse_any(path, plain, plain_len, opts, ret, reterr);
            free(plain);
        }
    } else {
        r = parse_any(path, data, len, opts, ret, reterr);
    }
    if (mapped != MAP_FAILED)
        munmap(mapped, len);
    free(owned);
    return r;
}
