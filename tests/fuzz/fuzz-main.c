/*
 * fuzz-main.c - standalone replayer for libFuzzer targets (after systemd's
 * fuzz-main.c): calls LLVMFuzzerTestOneInput on every file named on the
 * command line, or on every file of the directories named, so a fuzz corpus
 * and its crash reproducers run as ordinary tests under any compiler.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fuzz-main: cannot open '%s': %s\n", path, strerror(errno));
        return -1;
    }
    uint8_t *buf = NULL;
    size_t len = 0, alloc = 0;
    for (;;) {
        if (len == alloc) {
            alloc = alloc ? alloc * 2 : 65536;
            uint8_t *nb = realloc(buf, alloc);
            if (!nb) {
                free(buf);
                fclose(f);
                return -1;
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, alloc - len, f);
        if (n == 0)
            break;
        len += n;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

static int run_path(const char *path, int *count)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        fprintf(stderr, "fuzz-main: cannot stat '%s': %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        (*count)++;
        return run_file(path);
    }
    struct dirent **names;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0)
        return -1;
    int r = 0;
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.' && r == 0) {
            char sub[4096];
            snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name);
            r = run_path(sub, count);
        }
        free(names[i]);
    }
    free(names);
    return r;
}

int main(int argc, char **argv)
{
    int count = 0;
    for (int i = 1; i < argc; i++)
        if (run_path(argv[i], &count) < 0)
            return 1;
    printf("fuzz-main: %d inputs replayed\n", count);
    return count > 0 ? 0 : 1;
}
