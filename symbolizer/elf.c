/*
 * elf.c - libelf side of the symbolizer: opens an object file, reads its
 * program headers (PT_LOAD, for address translation), build-id note,
 * .gnu_debuglink, .gnu_debugaltlink and DWARF 5 .debug_sup (dwz supplementary
 * files), and decodes the function symbols of
 * .symtab or .dynsym (with "@@VER"/"@VER" suffixes like `nm -D`) into a sorted
 * array holding one symbol per address.
 */
#include "hp_common.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <unistd.h>

#include "hp_buf.h"
#include "symbolizer-internal.h"

#ifndef NT_GNU_BUILD_ID
#define NT_GNU_BUILD_ID 3
#endif
#define HP_MAX_BUILD_ID 64

const char *hp_sym_intern(hp_strtab *t, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        n = strlen(s);
    int64_t id = hp_strtab_intern(t, s, n);
    if (id < 0)
        return NULL;
    return hp_strtab_get(t, (uint32_t)id);
}

const char *hp_sym_internf(hp_strtab *t, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return hp_sym_intern(t, msg, SIZE_MAX);
}

static const char *hex_intern(hp_strtab *strs, const unsigned char *p, size_t n)
{
    char hex[2 * HP_MAX_BUILD_ID + 1];
    static const char digits[] = "0123456789abcdef";
    if (n == 0 || n > HP_MAX_BUILD_ID)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[p[i] >> 4];
        hex[2 * i + 1] = digits[p[i] & 15];
    }
    return hp_sym_intern(strs, hex, 2 * n);
}

/* Scan an ELF note blob for NT_GNU_BUILD_ID. */
static const char *notes_build_id(Elf_Data *data, hp_strtab *strs)
{
    GElf_Nhdr nhdr;
    size_t off = 0, name_off, desc_off;
    while (off < data->d_size && (off = gelf_getnote(data, off, &nhdr, &name_off, &desc_off)) > 0) {
        if (nhdr.n_type == NT_GNU_BUILD_ID && nhdr.n_namesz == 4 &&
            memcmp((const char *)data->d_buf + name_off, "GNU", 4) == 0)
            return hex_intern(strs, (const unsigned char *)data->d_buf + desc_off, nhdr.n_descsz);
    }
    return NULL;
}

static void read_links(hp_elf_file *f, Elf_Scn *scn, bool alt, hp_strtab *strs)
{
    Elf_Data *d = elf_getdata(scn, NULL);
    if (!d || !d->d_buf || d->d_size < 2)
        return;
    const char *p = d->d_buf;
    size_t len = strnlen(p, d->d_size);
    if (len == 0 || len >= d->d_size)
        return;
    if (!alt) {
        size_t crc_off = (len + 4) & ~(size_t)3;
        if (crc_off + 4 > d->d_size)
            return;
        uint32_t crc;
        memcpy(&crc, p + crc_off, 4);
        if (elf_getident(f->elf, NULL)[EI_DATA] == ELFDATA2MSB)
            crc = __builtin_bswap32(crc);
        f->debuglink = hp_sym_intern(strs, p, len);
        f->debuglink_crc = crc;
    } else {
        f->altlink = hp_sym_intern(strs, p, len);
        f->altlink_build_id =
            hex_intern(strs, (const unsigned char *)p + len + 1, d->d_size - len - 1);
    }
}

/* DWARF 5 .debug_sup: version (2), is_supplementary (1), file name (NUL
 * terminated), checksum length (ULEB128), checksum (dwz puts the build-id
 * there). A supplementary file records its own checksum in f->sup_checksum. */
static void read_sup(hp_elf_file *f, Elf_Scn *scn, hp_strtab *strs)
{
    Elf_Data *d = elf_getdata(scn, NULL);
    if (!d || !d->d_buf || d->d_size < 4)
        return;
    const unsigned char *p = d->d_buf, *end = p + d->d_size;
    bool is_sup = p[2] != 0;
    const char *name = (const char *)p + 3;
    size_t len = strnlen(name, d->d_size - 3);
    if (3 + len >= d->d_size)
        return;
    p += 3 + len + 1;
    uint64_t n = 0;
    for (unsigned shift = 0; p < end && shift < 64; shift += 7) {
        n |= (uint64_t)(*p & 0x7f) << shift;
        if (!(*p++ & 0x80))
            break;
    }
    if (n > (uint64_t)(end - p))
        return;
    const char *sum = hex_intern(strs, p, (size_t)n);
    if (is_sup) {
        f->sup_checksum = sum;
    } else if (len) {
        f->altlink = hp_sym_intern(strs, name, len);
        f->altlink_build_id = sum;
    }
}

static int read_headers(hp_elf_file *f, hp_strtab *strs)
{
    Elf *elf = f->elf;
    GElf_Ehdr eh;
    if (!gelf_getehdr(elf, &eh))
        return -ENOEXEC;
    f->type = eh.e_type;
    f->machine = eh.e_machine;

    size_t nph = 0;
    if (elf_getphdrnum(elf, &nph) != 0)
        nph = 0;
    if (nph > HP_SYM_MAX_PHDRS)
        nph = HP_SYM_MAX_PHDRS;
    if (nph) {
        f->phdrs = hp_new0(hp_phdr, nph);
        if (!f->phdrs)
            return -ENOMEM;
    }
    for (size_t i = 0; i < nph; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(elf, (int)i, &ph))
            continue;
        if (ph.p_type == PT_LOAD) {
            f->phdrs[f->nphdrs++] = (hp_phdr){.offset = ph.p_offset,
                                              .vaddr = ph.p_vaddr,
                                              .filesz = ph.p_filesz,
                                              .memsz = ph.p_memsz,
                                              .flags = ph.p_flags};
        } else if (ph.p_type == PT_NOTE && !f->build_id) {
            Elf_Data *d = elf_getdata_rawchunk(elf, ph.p_offset, ph.p_filesz, ELF_T_NHDR);
            if (d)
                f->build_id = notes_build_id(d, strs);
        }
    }

    size_t shstrndx;
    if (elf_getshdrstrndx(elf, &shstrndx) != 0)
        return 0; /* no section headers: program headers are enough */
    bool info = false, line = false;
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(elf, scn))) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh))
            continue;
        const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
        if (!name)
            continue;
        if (sh.sh_type == SHT_NOTE && !f->build_id) {
            Elf_Data *d = elf_getdata(scn, NULL);
            if (d && d->d_buf)
                f->build_id = notes_build_id(d, strs);
        } else if (sh.sh_type == SHT_SYMTAB && sh.sh_entsize && sh.sh_size / sh.sh_entsize > 1) {
            f->has_symtab = true;
        } else if (sh.sh_type == SHT_DYNSYM && sh.sh_entsize && sh.sh_size / sh.sh_entsize > 1) {
            f->has_dynsym = true;
        } else if (sh.sh_type == SHT_NOBITS) {
            continue;
        } else if (!strcmp(name, ".gnu_debuglink")) {
            read_links(f, scn, false, strs);
        } else if (!strcmp(name, ".gnu_debugaltlink")) {
            read_links(f, scn, true, strs);
        } else if (!strcmp(name, ".debug_sup")) {
            read_sup(f, scn, strs);
        } else if (!strcmp(name, ".debug_info") || !strcmp(name, ".zdebug_info")) {
            info = sh.sh_size > 0;
        } else if (!strcmp(name, ".debug_line") || !strcmp(name, ".zdebug_line")) {
            line = sh.sh_size > 0;
        }
    }
    f->has_debug_info = info && line;
    return 0;
}

int hp_elf_open(const char *path, hp_strtab *strs, hp_elf_file **ret, hp_error *reterr)
{
    static bool inited;
    if (!inited) {
        if (elf_version(EV_CURRENT) == EV_NONE)
            return hp_error_set(reterr, -ENOEXEC, "libelf is out of date");
        inited = true;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return hp_error_set(reterr, -ENOENT, "cannot open '%s': %s", path, strerror(e));
    }
    hp_elf_file *f = hp_new0(hp_elf_file, 1);
    if (!f) {
        close(fd);
        return hp_error_set(reterr, -ENOMEM, "out of memory");
    }
    f->fd = fd;
    f->path = hp_sym_intern(strs, path, SIZE_MAX);
    f->elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    int r;
    if (!f->elf || elf_kind(f->elf) != ELF_K_ELF) {
        r = hp_error_set(reterr, -ENOEXEC, "'%s' is not an ELF file", path);
        goto fail;
    }
    r = read_headers(f, strs);
    if (r == -ENOMEM || !f->path) {
        r = hp_error_set(reterr, -ENOMEM, "out of memory");
        goto fail;
    }
    if (r < 0) {
        r = hp_error_set(reterr, r, "'%s': bad ELF header: %s", path, elf_errmsg(-1));
        goto fail;
    }
    *ret = f;
    return 0;
fail:
    hp_elf_close(f);
    return r;
}

int hp_elf_read_uint(hp_elf_file *f, const char *name, uint64_t off, unsigned size,
                     uint64_t *ret)
{
    size_t shstrndx;
    if (!f || !f->elf || size == 0 || size > 8 || elf_getshdrstrndx(f->elf, &shstrndx) != 0)
        return -ENOENT;
    Elf_Scn *scn = NULL;
    while ((scn = elf_nextscn(f->elf, scn))) {
        GElf_Shdr sh;
        const char *n;
        if (!gelf_getshdr(scn, &sh) || !(n = elf_strptr(f->elf, shstrndx, sh.sh_name)) ||
            strcmp(n, name) != 0 || sh.sh_type == SHT_NOBITS)
            continue;
        if ((sh.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
            return -ERANGE;
        Elf_Data *d = elf_getdata(scn, NULL);
        if (!d || !d->d_buf || off > d->d_size || d->d_size - off < size)
            return -ERANGE;
        const unsigned char *p = (const unsigned char *)d->d_buf + off;
        bool msb = elf_getident(f->elf, NULL)[EI_DATA] == ELFDATA2MSB;
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++)
            v |= (uint64_t)p[msb ? size - 1 - i : i] << (8 * i);
        *ret = v;
        return 0;
    }
    return -ENOENT;
}

hp_elf_file *hp_elf_close(hp_elf_file *f)
{
    if (!f)
        return NULL;
    if (f->elf)
        elf_end(f->elf);
    if (f->fd >= 0)
        close(f->fd);
    free(f->phdrs);
    free(f);
    return NULL;
}

/* ---- symbols ----------------------------------------------------------- */

typedef struct rawsym {
    hp_elfsym s;
    int rank;     /* lower wins */
    size_t index; /* then the first in the symbol table, as binutils */
} rawsym;

static int sym_rank(unsigned bind, bool hidden_version, const char *name)
{
    int r = bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2;
    r = r * 2 + (hidden_version ? 1 : 0);
    int us = 0;
    while (name[us] == '_' && us < 7)
        us++;
    return r * 8 + us;
}

static int rawsym_cmp(const void *a, const void *b)
{
    const rawsym *x = a, *y = b;
    if (x->s.start != y->s.start)
        return x->s.start < y->s.start ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Version names of .gnu.version_d, indexed by version index (max 0x7fff). */
static const char **read_verdefs(Elf *elf, Elf_Scn *scn, size_t strndx, size_t *ret_n)
{
    if (!scn)
        return NULL;
    Elf_Data *d = elf_getdata(scn, NULL);
    if (!d)
        return NULL;
    size_t n = 0, alloc = 0;
    const char **names = NULL;
    size_t off = 0;
    for (int guard = 0; guard < 0x8000; guard++) {
        GElf_Verdef vd;
        if (!gelf_getverdef(d, (int)off, &vd))
            break;
        GElf_Verdaux va;
        if (vd.vd_cnt && gelf_getverdaux(d, (int)(off + vd.vd_aux), &va)) {
            size_t idx = vd.vd_ndx & 0x7fff;
            const char *nm = elf_strptr(elf, strndx, va.vda_name);
            if (nm && idx < 0x8000) {
                if (idx >= n) {
                    if (HP_GROW(names, alloc, idx + 1) < 0)
                        break;
                    memset(names + n, 0, (idx + 1 - n) * sizeof(*names));
                    n = idx + 1;
                }
                names[idx] = nm;
            }
        }
        if (!vd.vd_next)
            break;
        off += vd.vd_next;
    }
    *ret_n = n;
    return names;
}

void hp_elf_versions_open(void *elf_handle, hp_elf_versions *ret)
{
    Elf *elf = elf_handle;
    *ret = (hp_elf_versions){0};
    Elf_Scn *versym = NULL, *verdef = NULL;
    GElf_Shdr sh, vdsh = {0};
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
        if (!gelf_getshdr(scn, &sh))
            continue;
        if (sh.sh_type == SHT_GNU_versym)
            versym = scn;
        else if (sh.sh_type == SHT_GNU_verdef)
            verdef = scn, vdsh = sh;
    }
    if (!versym || !verdef)
        return;
    ret->versym = elf_getdata(versym, NULL);
    ret->names = read_verdefs(elf, verdef, vdsh.sh_link, &ret->nnames);
}

const char *hp_elf_version_of(const hp_elf_versions *v, size_t symndx, bool *ret_hidden)
{
    GElf_Versym vs;
    *ret_hidden = false;
    if (!v->versym || !v->names || !gelf_getversym(v->versym, (int)symndx, &vs))
        return NULL;
    size_t idx = vs & 0x7fff;
    *ret_hidden = (vs & 0x8000) != 0;
    return idx >= 2 && idx < v->nnames ? v->names[idx] : NULL;
}

void hp_elf_versions_close(hp_elf_versions *v)
{
    free(v->names);
    *v = (hp_elf_versions){0};
}

int hp_elf_symbols(hp_elf_file *f, hp_strtab *strs, bool dynsym, hp_elfsym **ret_syms,
                   size_t *ret_n)
{
    Elf *elf = f->elf;
    Elf_Scn *scn = NULL, *symscn = NULL;
    GElf_Shdr symsh = {0}, sh;
    unsigned want = dynsym ? SHT_DYNSYM : SHT_SYMTAB;
    while ((scn = elf_nextscn(elf, scn))) {
        if (!gelf_getshdr(scn, &sh))
            continue;
        if (sh.sh_type == want && !symscn) {
            symscn = scn;
            symsh = sh;
        }
    }
    *ret_syms = NULL;
    *ret_n = 0;
    if (!symscn || !symsh.sh_entsize)
        return 0;
    Elf_Data *d = elf_getdata(symscn, NULL);
    if (!d)
        return 0;
    size_t nsyms = symsh.sh_size / symsh.sh_entsize;
    if (nsyms > HP_SYM_MAX_SYMBOLS)
        nsyms = HP_SYM_MAX_SYMBOLS;

    hp_elf_versions vers = {0};
    if (dynsym)
        hp_elf_versions_open(elf, &vers);

    rawsym *v = NULL;
    size_t n = 0, alloc = 0;
    int r = 0;
    hp_buf name = HP_BUF_INIT;
    for (size_t i = 1; i < nsyms; i++) {
        GElf_Sym sym;
        if (!gelf_getsym(d, (int)i, &sym))
            break;
        unsigned type = GELF_ST_TYPE(sym.st_info);
        if (type != STT_FUNC && type != STT_GNU_IFUNC)
            continue;
        if (sym.st_shndx == SHN_UNDEF || sym.st_value == 0)
            continue;
        const char *nm = elf_strptr(elf, symsh.sh_link, sym.st_name);
        if (!nm || !*nm)
            continue;
        bool hidden = false;
        const char *full = nm; /* with its version suffix (.dynsym) */
        size_t len = SIZE_MAX;
        const char *ver = hp_elf_version_of(&vers, i, &hidden);
        if (ver) {
            hp_buf_reset(&name);
            hp_buf_adds(&name, nm);
            hp_buf_adds(&name, hidden ? "@" : "@@");
            hp_buf_adds(&name, ver);
            full = name.buf;
            len = name.len;
        }
        if (!hp_buf_ok(&name) || HP_GROW(v, alloc, n + 1) < 0) {
            r = -ENOMEM;
            goto out;
        }
        const char *raw = hp_sym_intern(strs, full, len);
        if (!raw) {
            r = -ENOMEM;
            goto out;
        }
        uint64_t size = sym.st_size > (1ull << 32) ? 0 : sym.st_size;
        v[n++] = (rawsym){.s = {.start = sym.st_value, .size = size, .raw = raw},
                          .rank = sym_rank(GELF_ST_BIND(sym.st_info), hidden, nm),
                          .index = i};
    }
    if (n)
        qsort(v, n, sizeof(*v), rawsym_cmp);
    hp_elfsym *out = n ? hp_new0(hp_elfsym, n) : NULL;
    if (n && !out) {
        r = -ENOMEM;
        goto out;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && out[m - 1].start == v[i].s.start) {
            if (v[i].s.size > out[m - 1].size)
                out[m - 1].size = v[i].s.size;
            continue;
        }
        out[m++] = v[i].s;
    }
    *ret_syms = out;
    *ret_n = m;
out:
    hp_buf_release(&name);
    free(v);
    hp_elf_versions_close(&vers);
    return r;
}

/* ---- CRC-32 of .gnu_debuglink (the zlib polynomial) --------------------- */

int hp_file_crc32(int fd, uint32_t *ret_crc)
{
    static uint32_t table[256];
    if (!table[1]) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
    }
    unsigned char buf[65536];
    uint32_t crc = 0xffffffffu;
    off_t off = 0;
    for (;;) {
        ssize_t k = pread(fd, buf, sizeof(buf), off);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -EIO;
        }
        if (k == 0)
            break;
        for (ssize_t i = 0; i < k; i++)
            crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
        off += k;
    }
    *ret_crc = crc ^ 0xffffffffu;
    return 0;
}
