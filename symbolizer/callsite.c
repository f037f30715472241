/*
 * callsite.c - is this file the code that ran? Every address of a heap
 * profile's stacks is a return address, so in the file that was mapped the
 * bytes just before it are a call instruction. A rebuilt program whose code
 * moved fails this for nearly every address (a random position passes for a
 * few percent), an unchanged copy passes for all of them, wherever it sits
 * and whatever its inode. Understood machines: x86-64 (call rel32, call
 * r/m64 in every addressing form) and AArch64 (BL, BLR and their
 * pointer-authenticating forms); others are not checked.
 */
#include "hp_common.h"

#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include "symbolizer-internal.h"

/* b[0..8): the 8 bytes before a return address. */
static bool x86_64_call_before(const uint8_t *b)
{
    if (b[3] == 0xe8) /* call rel32 */
        return true;
    for (int k = 2; k <= 7; k++) { /* ff /2: call r/m64, k bytes long */
        const uint8_t *op = b + 8 - k;
        if (op[0] != 0xff || ((op[1] >> 3) & 7) != 2)
            continue;
        int mod = op[1] >> 6, rm = op[1] & 7, len;
        if (mod == 3)
            len = 2;
        else if (mod == 0 && rm == 5)
            len = 6; /* rip + disp32 */
        else if (mod == 0 && rm == 4) /* SIB byte op[2] (k >= 3: inside b) */
            len = k < 3 ? 0 : (op[2] & 7) == 5 ? 7 : 3;
        else if (mod == 0)
            len = 2;
        else
            len = (mod == 1 ? 3 : 6) + (rm == 4);
        if (len == k)
            return true;
    }
    return false;
}

static bool aarch64_call_before(const uint8_t *b)
{
    uint32_t w = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 |
                 (uint32_t)b[7] << 24;
    return (w & 0xfc000000u) == 0x94000000u || /* BL */
           (w & 0xfffffc1fu) == 0xd63f0000u || /* BLR */
           (w & 0xfefff800u) == 0xd63f0800u;   /* BLRAA, BLRAAZ, BLRAB, BLRABZ */
}

int hp_sym_count_call_sites(const char *path, uint16_t machine, const hp_phdr *phdrs,
                            size_t nphdrs, const uint64_t *offsets, size_t n, size_t *ret_ok)
{
    bool (*call_before)(const uint8_t *) = machine == EM_X86_64    ? x86_64_call_before
                                           : machine == EM_AARCH64 ? aarch64_call_before
                                                                   : NULL;
    if (!call_before)
        return -ENOTSUP;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t off = offsets[i];
        bool in_code = false;
        for (size_t k = 0; k < nphdrs && !in_code; k++) {
            const hp_phdr *p = &phdrs[k];
            in_code = (p->flags & PF_X) && off >= p->offset + 8 && off - p->offset <= p->filesz;
        }
        uint8_t b[8];
        if (in_code && pread(fd, b, sizeof(b), (off_t)(off - 8)) == (ssize_t)sizeof(b) &&
            call_before(b))
            ok++;
    }
    close(fd);
    *ret_ok = ok;
    return 0;
}
