/*
 * dwarf_sections.c - the sections of one ELF file as libdwarf is handed them
 * (hp_dw_sections, behind the object-access methods of dwarf_compat.h), and
 * the sanity checks libdwarf 20210528 needs before it sees them.
 *
 * Headers and names come through libelf (ELF_C_READ_MMAP); a section's bytes
 * are read in place from the mapping when libdwarf first asks for them. A
 * SHF_COMPRESSED section is inflated then, whole, into a buffer of the size
 * its compression header gives: zlib with libdeflate, zstd with libzstd.
 * Sections the symbolizer never reads (location lists, macros, frames, name
 * indexes) are hidden from libdwarf, which would otherwise load and inflate
 * some of them (.debug_loclists) for every CU it meets.
 *
 * A section that cannot be inflated fails its load; the reason (naming the
 * section) is kept for the DWARF warning (hp_dw_sections_error).
 * libdwarf-free: dwarf.c and dwarf_compat.h call this file, never the reverse.
 */
#include "hp_common.h"

#include <gelf.h>
#include <libdeflate.h>
#include <libelf.h>
#include <zlib.h>
#include <zstd.h>

#include "symbolizer-internal.h"

#ifndef ELFCOMPRESS_ZSTD
#define ELFCOMPRESS_ZSTD 2
#endif

/* A compressed section claiming more than this many times its size is not
 * believed (zlib's own limit is about 1032). */
#define MAX_RATIO 1100

/* A streamed section is inflated at least this much further each time. */
#define STREAM_STEP (16 * 1024)

typedef struct dw_section {
    const char *name; /* "" when hidden or unnamed (libelf's string otherwise) */
    uint64_t addr, type, size, link, info, entsize;
    uint32_t ctype; /* 0, ELFCOMPRESS_ZLIB or ELFCOMPRESS_ZSTD */
    bool loaded;    /* data is set (or failed) */
    bool failed;
    unsigned char *data; /* in the mapping, or owned when inflated */
    bool owned;
    bool streamed;   /* inflated as far as asked (hp_dw_sections_stream) */
    size_t have;     /* bytes of data valid so far (size once whole) */
    const unsigned char *in; /* the compressed bytes (streamed) */
    size_t in_n, in_pos;
    z_stream *zs;         /* zlib stream while part inflated */
    ZSTD_DStream *zd;     /* zstd stream while part inflated */
} dw_section;

struct hp_dw_sections {
    char tag; /* first byte: not 'E', 'F', 'M' or 'P' (libdwarf 20210528's
               * dwarf_finish reads it to tell its own access objects) */
    bool big_endian, is64;
    Elf *elf;
    size_t n;
    dw_section *secs;
    struct libdeflate_decompressor *inflater;
    char error[160]; /* why the first section failed to load, "" if none */
};

/* The sections the symbolizer reads nothing from. */
static bool hidden(const char *name)
{
    static const char *const never[] = {
        ".debug_loc",          ".debug_loclists", ".debug_macro",    ".debug_macinfo",
        ".debug_frame",        ".debug_pubnames", ".debug_pubtypes", ".debug_gnu_pubnames",
        ".debug_gnu_pubtypes", ".debug_names",    ".gdb_index",      ".eh_frame",
    };
    for (size_t i = 0; i < sizeof(never) / sizeof(*never); i++)
        if (!strcmp(name, never[i]))
            return true;
    return false;
}

/* Headers of a DWARF 5 .debug_rnglists section, checked at least as strictly
 * as libdwarf does: its error path for a bad table header frees the table
 * twice (dwarf_load_rnglists, seen with ASan). */
static bool lists_section_ok(const unsigned char *p, size_t n)
{
    size_t off = 0;
    while (off < n) {
        if (n - off < 4)
            return false;
        uint32_t len32;
        memcpy(&len32, p + off, 4);
        uint64_t len = len32;
        size_t hdr = 4;
        if (len32 == 0xffffffffu) {
            if (n - off < 12)
                return false;
            memcpy(&len, p + off + 4, 8);
            hdr = 12;
        } else if (len32 >= 0xfffffff0u) {
            return false;
        }
        size_t osize = hdr == 12 ? 8 : 4;
        if (len < 8 || len > n - off - hdr)
            return false;
        const unsigned char *t = p + off + hdr;
        uint16_t version;
        memcpy(&version, t, 2);
        uint8_t asize = t[2], segsize = t[3];
        uint32_t count;
        memcpy(&count, t + 4, 4);
        if (version != 5 || (asize != 4 && asize != 8) || segsize != 0 ||
            (uint64_t)count * osize > len - 8)
            return false;
        off += hdr + (size_t)len;
    }
    return true;
}

static void fail(hp_dw_sections *s, dw_section *sec, const char *what)
{
    sec->failed = true;
    if (!s->error[0])
        snprintf(s->error, sizeof(s->error), "%s %s", what, sec->name);
}

/* Inflates the compressed bytes in[0..n) of sec into a new buffer. */
static bool inflate_section(hp_dw_sections *s, dw_section *sec, const unsigned char *in, size_t n)
{
    unsigned char *out = hp_malloc(sec->size ? sec->size : 1);
    if (!out) {
        fail(s, sec, "out of memory inflating");
        return false;
    }
    bool ok = false;
    if (sec->ctype == ELFCOMPRESS_ZLIB) {
        size_t got = 0;
        if (!s->inflater)
            s->inflater = libdeflate_alloc_decompressor();
        ok = s->inflater &&
             libdeflate_zlib_decompress(s->inflater, in, n, out, sec->size, &got) ==
                 LIBDEFLATE_SUCCESS &&
             got == sec->size;
    } else {
        size_t got = ZSTD_decompress(out, sec->size, in, n);
        ok = !ZSTD_isError(got) && got == sec->size;
    }
    if (!ok) {
        free(out);
        fail(s, sec,
             sec->ctype == ELFCOMPRESS_ZLIB ? "cannot inflate (zlib)" : "cannot inflate (zstd)");
        return false;
    }
    sec->data = out;
    sec->owned = true;
    return true;
}

/* Inflates the streamed section sec until at least want bytes (at most its
 * size) are valid; more is inflated in steps, not byte by byte. */
static bool stream_to(hp_dw_sections *s, dw_section *sec, size_t want)
{
    if (want > sec->size)
        want = sec->size;
    if (sec->have >= want)
        return true;
    size_t target = want + (want - sec->have < STREAM_STEP ? STREAM_STEP : want - sec->have);
    if (target > sec->size || target < want)
        target = sec->size;
    bool ok = true, end = false;
    if (sec->ctype == ELFCOMPRESS_ZLIB) {
        if (!sec->zs) {
            /* the zlib header checked here, the deflate data inflated raw:
             * no adler32 over the part inflated (a fifth of zlib's time) */
            const unsigned char *h = sec->in + sec->in_pos;
            if (sec->in_n - sec->in_pos < 2 || (h[0] & 0x0f) != 8 || (h[0] >> 4) > 7 ||
                (h[1] & 0x20) || ((unsigned)h[0] << 8 | h[1]) % 31) {
                fail(s, sec, "cannot inflate (zlib)");
                return false;
            }
            sec->in_pos += 2;
            sec->zs = hp_new0(z_stream, 1);
            if (!sec->zs || inflateInit2(sec->zs, -15) != Z_OK) {
                free(sec->zs);
                sec->zs = NULL;
                fail(s, sec, "out of memory inflating");
                return false;
            }
        }
        z_stream *zs = sec->zs;
        while (ok && !end && sec->have < want) {
            size_t in_left = sec->in_n - sec->in_pos, out_left = target - sec->have;
            zs->next_in = (unsigned char *)sec->in + sec->in_pos; /* zlib only reads it */
            zs->avail_in = in_left > UINT_MAX ? UINT_MAX : (unsigned)in_left;
            zs->next_out = sec->data + sec->have;
            zs->avail_out = out_left > UINT_MAX ? UINT_MAX : (unsigned)out_left;
            unsigned in0 = zs->avail_in, out0 = zs->avail_out;
            int r = inflate(zs, Z_NO_FLUSH);
            sec->in_pos += in0 - zs->avail_in;
            sec->have += out0 - zs->avail_out;
            end = r == Z_STREAM_END;
            ok = r == Z_OK || end || (r == Z_BUF_ERROR && out0 != zs->avail_out);
        }
    } else {
        if (!sec->zd && !(sec->zd = ZSTD_createDStream())) {
            fail(s, sec, "out of memory inflating");
            return false;
        }
        while (ok && !end && sec->have < want) {
            ZSTD_inBuffer in = {sec->in, sec->in_n, sec->in_pos};
            ZSTD_outBuffer out = {sec->data, target, sec->have};
            size_t r = ZSTD_decompressStream(sec->zd, &out, &in);
            ok = !ZSTD_isError(r) && (out.pos != sec->have || in.pos != sec->in_pos);
            end = !ZSTD_isError(r) && r == 0;
            sec->in_pos = in.pos;
            sec->have = out.pos;
        }
    }
    if (ok && !(end && sec->have != sec->size))
        return true;
    fail(s, sec,
         sec->ctype == ELFCOMPRESS_ZLIB ? "cannot inflate (zlib)" : "cannot inflate (zstd)");
    return false;
}

static void stream_end(dw_section *sec)
{
    if (sec->zs) {
        inflateEnd(sec->zs);
        free(sec->zs);
        sec->zs = NULL;
    }
    if (sec->zd) {
        ZSTD_freeDStream(sec->zd);
        sec->zd = NULL;
    }
}

/* Reads section i's header-described bytes: in place, inflated whole, or
 * (streamed) with nothing inflated yet. */
static void first_load(hp_dw_sections *s, dw_section *sec, size_t i)
{
    sec->loaded = true;
    Elf_Scn *scn = elf_getscn(s->elf, i);
    Elf_Data *d = scn ? elf_rawdata(scn, NULL) : NULL;
    size_t hdr = sec->ctype ? (s->is64 ? sizeof(Elf64_Chdr) : sizeof(Elf32_Chdr)) : 0;
    if (!d || d->d_size < hdr || (d->d_size && !d->d_buf)) {
        fail(s, sec, "cannot read");
    } else if (sec->ctype && sec->streamed) {
        /* zeroed pages: what libdwarf could read past the part inflated is 0 */
        sec->data = calloc(sec->size ? sec->size : 1, 1);
        sec->owned = sec->data != NULL;
        sec->in = (const unsigned char *)d->d_buf + hdr;
        sec->in_n = d->d_size - hdr;
        if (!sec->data)
            fail(s, sec, "out of memory inflating");
    } else if (sec->ctype) {
        if (inflate_section(s, sec, (const unsigned char *)d->d_buf + hdr, d->d_size - hdr))
            sec->have = sec->size;
    } else if (d->d_size != sec->size) {
        fail(s, sec, "cannot read");
    } else {
        sec->data = d->d_size ? d->d_buf : (unsigned char *)"";
        sec->have = sec->size;
    }
}

int hp_dw_sections_prefix(hp_dw_sections *s, size_t i, size_t want, const unsigned char **ret,
                          size_t *ret_n)
{
    if (i >= s->n || !s->secs[i].name[0])
        return -ENOENT;
    dw_section *sec = &s->secs[i];
    if (!sec->loaded)
        first_load(s, sec, i);
    if (!sec->failed && sec->have < want && sec->have < sec->size && !stream_to(s, sec, want))
        stream_end(sec);
    if (!sec->failed && sec->have == sec->size)
        stream_end(sec);
    if (sec->failed)
        return -EBADMSG;
    *ret = sec->data;
    *ret_n = sec->have;
    return 0;
}

int hp_dw_sections_load(hp_dw_sections *s, size_t i, const unsigned char **ret, size_t *ret_n)
{
    return hp_dw_sections_prefix(s, i, SIZE_MAX, ret, ret_n);
}

int hp_dw_sections_map(hp_dw_sections *s, size_t i, const unsigned char **ret)
{
    size_t n;
    return hp_dw_sections_prefix(s, i, 0, ret, &n);
}

void hp_dw_sections_stream(hp_dw_sections *s, size_t i)
{
    if (i < s->n && !s->secs[i].loaded && s->secs[i].ctype)
        s->secs[i].streamed = true;
}

/* The checks libdwarf 20210528 needs: sane compression headers on the debug
 * sections, and .debug_rnglists table headers (loaded now for that). */
static const char *precheck(hp_dw_sections *s)
{
    for (size_t i = 0; i < s->n; i++) {
        dw_section *sec = &s->secs[i];
        if (sec->failed)
            return "bad compressed debug section";
        if (strcmp(sec->name, ".debug_rnglists"))
            continue;
        const unsigned char *p;
        size_t n;
        if (hp_dw_sections_load(s, i, &p, &n) < 0)
            return "cannot decompress a debug section";
        if (!lists_section_ok(p, n))
            return "bad .debug_rnglists or .debug_loclists header";
    }
    return NULL;
}

/* Fills sec from the header of scn; a debug section whose compression
 * header is not believable is marked failed. */
static void read_header(hp_dw_sections *s, Elf_Scn *scn, size_t shstrndx, dw_section *sec)
{
    GElf_Shdr sh;
    sec->name = "";
    if (!gelf_getshdr(scn, &sh))
        return;
    const char *name = elf_strptr(s->elf, shstrndx, sh.sh_name);
    *sec = (dw_section){.name = name && !hidden(name) ? name : "",
                        .addr = sh.sh_addr,
                        .type = sh.sh_type,
                        .size = sh.sh_type == SHT_NOBITS ? 0 : sh.sh_size,
                        .link = sh.sh_link,
                        .info = sh.sh_info,
                        .entsize = sh.sh_entsize};
    if (!(sh.sh_flags & SHF_COMPRESSED) || sh.sh_type == SHT_NOBITS)
        return;
    GElf_Chdr ch;
    bool debug = name && !strncmp(name, ".debug_", 7);
    if (!gelf_getchdr(scn, &ch) ||
        (ch.ch_type != ELFCOMPRESS_ZLIB && ch.ch_type != ELFCOMPRESS_ZSTD) ||
        ch.ch_size / MAX_RATIO > sh.sh_size || ch.ch_size > SIZE_MAX / 2) {
        if (debug)
            sec->loaded = sec->failed = true;
        else
            sec->name = ""; /* not ours to read */
        return;
    }
    sec->ctype = ch.ch_type;
    sec->size = ch.ch_size;
}

int hp_dw_sections_open(int fd, hp_dw_sections **ret, const char **ret_why)
{
    *ret = NULL;
    *ret_why = "not an ELF file";
    if (elf_version(EV_CURRENT) == EV_NONE)
        return -ENOEXEC;
    hp_dw_sections *s = hp_new0(hp_dw_sections, 1);
    if (!s) {
        *ret_why = "out of memory";
        return -ENOMEM;
    }
    s->tag = 'H';
    s->elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    size_t shstrndx, n;
    const char *ident = s->elf ? elf_getident(s->elf, NULL) : NULL;
    if (!ident || elf_kind(s->elf) != ELF_K_ELF || elf_getshdrstrndx(s->elf, &shstrndx) != 0 ||
        elf_getshdrnum(s->elf, &n) != 0 || n > UINT16_MAX) {
        hp_dw_sections_free(s);
        return -ENOEXEC;
    }
    s->big_endian = ident[EI_DATA] == ELFDATA2MSB;
    s->is64 = ident[EI_CLASS] == ELFCLASS64;
    s->secs = hp_new0(dw_section, n ? n : 1);
    if (!s->secs) {
        hp_dw_sections_free(s);
        *ret_why = "out of memory";
        return -ENOMEM;
    }
    s->n = n;
    for (size_t i = 0; i < n; i++) {
        Elf_Scn *scn = elf_getscn(s->elf, i);
        s->secs[i].name = "";
        if (scn && i)
            read_header(s, scn, shstrndx, &s->secs[i]);
    }
    *ret_why = precheck(s);
    if (*ret_why) {
        hp_dw_sections_free(s);
        return -EBADMSG;
    }
    *ret = s;
    return 0;
}

size_t hp_dw_sections_find(const hp_dw_sections *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->secs[i].name, name))
            return i;
    return SIZE_MAX;
}

void hp_dw_sections_line_strs(hp_dw_line_strs *ls, bool line_str)
{
    hp_dw_sections *s = ls->arg;
    const unsigned char *p;
    size_t n;
    if (hp_dw_sections_load(s, hp_dw_sections_find(s, line_str ? ".debug_line_str" : ".debug_str"),
                            &p, &n) < 0)
        return;
    if (line_str) {
        ls->line_str = p;
        ls->line_str_n = n;
    } else {
        ls->str = p;
        ls->str_n = n;
    }
}

size_t hp_dw_sections_count(const hp_dw_sections *s)
{
    return s->n;
}

bool hp_dw_sections_info(const hp_dw_sections *s, size_t i, hp_dw_section_info *ret)
{
    if (i >= s->n)
        return false;
    const dw_section *sec = &s->secs[i];
    *ret = (hp_dw_section_info){.name = sec->name,
                                .addr = sec->addr,
                                .type = sec->type,
                                .size = sec->size,
                                .link = sec->link,
                                .info = sec->info,
                                .entsize = sec->entsize};
    return true;
}

bool hp_dw_sections_big_endian(const hp_dw_sections *s)
{
    return s->big_endian;
}

bool hp_dw_sections_is64(const hp_dw_sections *s)
{
    return s->is64;
}

const char *hp_dw_sections_error(const hp_dw_sections *s)
{
    return s && s->error[0] ? s->error : NULL;
}

hp_dw_sections *hp_dw_sections_free(hp_dw_sections *s)
{
    if (!s)
        return NULL;
    for (size_t i = 0; i < s->n; i++) {
        stream_end(&s->secs[i]);
        if (s->secs[i].owned)
            free(s->secs[i].data);
    }
    free(s->secs);
    if (s->inflater)
        libdeflate_free_decompressor(s->inflater);
    if (s->elf)
        elf_end(s->elf);
    free(s);
    return NULL;
}
