/*
 * fuzz-symbolize-elf.c - fuzz target for the symbolizer: the input is written
 * to a memfd, opened as an object file (through /proc/self/fd) and a few
 * addresses are looked up: symbol starts, a spread over the first PT_LOAD-ish
 * range, and a mapping-relative lookup; each function's code is disassembled
 * (--disasm: bad or truncated code sections). Debug files are never searched
 * outside a non-existent root, so the result depends on the input only.
 */
#include "hp_common.h"

#include <sys/mman.h>
#include <unistd.h>

#include "hp_symbolizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (8u << 20))
        return 0;
    int fd = memfd_create("fuzz-elf", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    size_t done = 0;
    while (done < size) {
        ssize_t k = write(fd, data + done, size - done);
        if (k <= 0)
            break;
        done += (size_t)k;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    hp_symbolizer_config cfg = {.debug_root = "/nonexistent-fuzz-debug-root"};
    hp_symbolizer *s = NULL;
    hp_symobj *o = NULL;
    static hp_sym_result r;
    if (hp_symbolizer_new(&cfg, &s, NULL) == 0 &&
        hp_symbolizer_open(s, path, NULL, &o, NULL) == 0) {
        const uint64_t *starts;
        const char *const *names;
        size_t n = hp_symobj_functions(o, &starts, &names);
        for (size_t i = 0; i < n && i < 64; i++) {
            hp_symobj_lookup_obj(o, starts[i], &r);
            hp_symobj_lookup_obj(o, starts[i] + 3, &r);
            hp_sym_insn *in = NULL;
            size_t nin = 0;
            uint64_t end = i + 1 < n && starts[i + 1] - starts[i] < 4096 ? starts[i + 1] : starts[i] + 256;
            if (hp_symobj_disassemble(o, starts[i], end, &in, &nin) == 0)
                free(in);
        }
        for (uint64_t a = 0; a < 0x3000; a += 0x35)
            hp_symobj_lookup_obj(o, a, &r);
        for (uint64_t a = 0x400000; a < 0x403000; a += 0x35)
            hp_symobj_lookup_obj(o, a, &r);
        hp_symobj_lookup(o, 0x7f0000001000ull, 0x1000, 0x7f0000001234ull, &r);
        (void)hp_symobj_warning(o);
    }
    hp_symbolizer_free(s);
    close(fd);
    return 0;
}
