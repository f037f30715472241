/*
 * dwarf_reader.h - a bounds-checked cursor over raw DWARF section bytes, for
 * the libdwarf-free readers (dwarf_units.c: unit headers and .debug_aranges;
 * dwarf_lines.c: line tables; dwarf_skim.c: DIEs), and the forms they read. Every read past the end sets bad and yields
 * 0, so a caller checks once after a group of reads. Not for the rest of the
 * symbolizer.
 */
#ifndef HP_DWARF_READER_H
#define HP_DWARF_READER_H

#include "hp_common.h"

#define HP_LITTLE_ENDIAN (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)

/* The attribute forms (DWARF 5 section 7.5.6, and GNU's) by their numbers, for the raw
 * readers (dwarf.h is libdwarf's). */
enum {
    HP_DW_FORM_addr = 0x01,
    HP_DW_FORM_block2 = 0x03,
    HP_DW_FORM_block4 = 0x04,
    HP_DW_FORM_data2 = 0x05,
    HP_DW_FORM_data4 = 0x06,
    HP_DW_FORM_data8 = 0x07,
    HP_DW_FORM_string = 0x08,
    HP_DW_FORM_block = 0x09,
    HP_DW_FORM_block1 = 0x0a,
    HP_DW_FORM_data1 = 0x0b,
    HP_DW_FORM_flag = 0x0c,
    HP_DW_FORM_sdata = 0x0d,
    HP_DW_FORM_strp = 0x0e,
    HP_DW_FORM_udata = 0x0f,
    HP_DW_FORM_ref_addr = 0x10,
    HP_DW_FORM_ref1 = 0x11,
    HP_DW_FORM_ref2 = 0x12,
    HP_DW_FORM_ref4 = 0x13,
    HP_DW_FORM_ref8 = 0x14,
    HP_DW_FORM_ref_udata = 0x15,
    HP_DW_FORM_indirect = 0x16,
    HP_DW_FORM_sec_offset = 0x17,
    HP_DW_FORM_exprloc = 0x18,
    HP_DW_FORM_flag_present = 0x19,
    HP_DW_FORM_strx = 0x1a,
    HP_DW_FORM_addrx = 0x1b,
    HP_DW_FORM_ref_sup4 = 0x1c,
    HP_DW_FORM_strp_sup = 0x1d,
    HP_DW_FORM_data16 = 0x1e,
    HP_DW_FORM_line_strp = 0x1f,
    HP_DW_FORM_ref_sig8 = 0x20,
    HP_DW_FORM_implicit_const = 0x21,
    HP_DW_FORM_loclistx = 0x22,
    HP_DW_FORM_rnglistx = 0x23,
    HP_DW_FORM_ref_sup8 = 0x24,
    HP_DW_FORM_strx1 = 0x25,
    HP_DW_FORM_strx2 = 0x26,
    HP_DW_FORM_strx3 = 0x27,
    HP_DW_FORM_strx4 = 0x28,
    HP_DW_FORM_addrx1 = 0x29,
    HP_DW_FORM_addrx2 = 0x2a,
    HP_DW_FORM_addrx3 = 0x2b,
    HP_DW_FORM_addrx4 = 0x2c,
    HP_DW_FORM_GNU_addr_index = 0x1f01,
    HP_DW_FORM_GNU_str_index = 0x1f02,
    HP_DW_FORM_GNU_ref_alt = 0x1f20,
    HP_DW_FORM_GNU_strp_alt = 0x1f21,
};

typedef struct hp_dw_reader {
    const unsigned char *p, *end;
    bool big_endian, bad;
} hp_dw_reader;

/* An unsigned value of size bytes (at most 8) in the section's byte order. */
static inline uint64_t hp_dwr_u(hp_dw_reader *r, unsigned size)
{
    if (r->bad || (size_t)(r->end - r->p) < size) {
        r->bad = true;
        return 0;
    }
    uint64_t v = 0;
    if (!r->big_endian && size <= 8 && HP_LITTLE_ENDIAN) {
        memcpy(&v, r->p, size); /* the host's order */
    } else {
        for (unsigned i = 0; i < size; i++)
            v |= (uint64_t)r->p[r->big_endian ? size - 1 - i : i] << (8 * i);
    }
    r->p += size;
    return v;
}

/* An initial length: the unit's size after it; *osize 4 or 8 (offset size). */
static inline uint64_t hp_dwr_length(hp_dw_reader *r, unsigned *osize)
{
    uint64_t len = hp_dwr_u(r, 4);
    *osize = 4;
    if (len == 0xffffffffu) {
        len = hp_dwr_u(r, 8);
        *osize = 8;
    } else if (len >= 0xfffffff0u) {
        r->bad = true;
    }
    return len;
}

/* Skips n bytes. */
static inline void hp_dwr_skip(hp_dw_reader *r, uint64_t n)
{
    if (r->bad || (uint64_t)(r->end - r->p) < n)
        r->bad = true;
    else
        r->p += n;
}

/* A LEB128, sign-extended when is_signed; bits past 64 are dropped, a
 * value longer than 10 bytes is not believed (bad). */
static inline uint64_t hp_dwr_leb(hp_dw_reader *r, bool is_signed)
{
    uint64_t v = 0;
    for (unsigned shift = 0; !r->bad; shift += 7) {
        if (r->p >= r->end || shift >= 70) {
            r->bad = true;
            break;
        }
        unsigned char b = *r->p++;
        if (shift < 64)
            v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (is_signed && shift + 7 < 64 && (b & 0x40))
                v |= ~(uint64_t)0 << (shift + 7);
            return v;
        }
    }
    return 0;
}

static inline uint64_t hp_dwr_uleb(hp_dw_reader *r)
{
    return hp_dwr_leb(r, false);
}

static inline int64_t hp_dwr_sleb(hp_dw_reader *r)
{
    return (int64_t)hp_dwr_leb(r, true);
}

/* A NUL-terminated string that ends before r->end; NULL (bad) otherwise. */
static inline const char *hp_dwr_str(hp_dw_reader *r)
{
    if (r->bad)
        return NULL;
    const unsigned char *nul = memchr(r->p, 0, (size_t)(r->end - r->p));
    if (!nul) {
        r->bad = true;
        return NULL;
    }
    const char *s = (const char *)r->p;
    r->p = nul + 1;
    return s;
}

#endif
