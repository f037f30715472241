/*
 * fuzz-dwarf-skim.c - fuzz target for the DIE skim (symbolizer/dwarf_skim.c).
 * The input is: a flags byte (bit 0: big-endian), the size of a .debug_abbrev
 * (a little-endian 32-bit number), that section, then the .debug_info section
 * (the rest). Each part is copied to a buffer of its own size, so that a read
 * past one is caught by ASan. The units of .debug_info (32- and 64-bit unit
 * headers, DWARF 2-5; up to 64) are skimmed one after the other with the same
 * reused hp_dw_skim, and every node kept is read back with hp_dw_skim_die, its
 * attribute values touched.
 * Seeds: testdata/fuzz/fuzz-dwarf-skim (scripts/make-skim-fuzz.sh).
 */
#include "hp_common.h"

#include "dwarf_reader.h"
#include "dwarf_skim.h"
#include "fuzz-copy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The attributes read back: name, low_pc, high_pc, abstract_origin, call_line. */
static const uint16_t want[] = {0x03, 0x11, 0x12, 0x31, 0x59};

/* Reads the unit header at off into *u; the offset of the next unit, 0 when none. */
static size_t unit_at(const unsigned char *info, size_t n, size_t off, bool big_endian,
                      hp_dw_skim_input *u)
{
    hp_dw_reader r = {.p = info + off, .end = info + n, .big_endian = big_endian};
    unsigned osize;
    uint64_t len = hp_dwr_length(&r, &osize);
    size_t body = (size_t)(r.p - info);
    u->hdr_off = off;
    u->offset_size = (uint8_t)osize;
    u->version = (uint16_t)hp_dwr_u(&r, 2);
    if (u->version >= 5) {
        hp_dwr_u(&r, 1); /* unit type */
        u->addr_size = (uint8_t)hp_dwr_u(&r, 1);
        u->abbrev_off = hp_dwr_u(&r, osize);
    } else {
        u->abbrev_off = hp_dwr_u(&r, osize);
        u->addr_size = (uint8_t)hp_dwr_u(&r, 1);
    }
    if (r.bad || len > n - body)
        return 0;
    u->die_off = (uint64_t)(r.p - info);
    u->end = body + len;
    return (size_t)u->end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5 || size > (4u << 20))
        return 0;
    bool big_endian = data[0] & 1;
    size_t na = (size_t)data[1] | (size_t)data[2] << 8 | (size_t)data[3] << 16 |
                (size_t)data[4] << 24;
    if (na > size - 5)
        return 0;
    size_t ni = size - 5 - na;
    unsigned char *abbrev = fuzz_copy(data + 5, na), *info = fuzz_copy(data + 5 + na, ni);
    hp_dw_skim s = {.want = want, .nwant = sizeof(want) / sizeof(want[0])};
    unsigned sum = 0;
    size_t off = 0;
    for (int k = 0; abbrev && info && off < ni && k < 64; k++) {
        hp_dw_skim_input u = {.info = info, .info_n = ni, .abbrev = abbrev, .abbrev_n = na,
                              .big_endian = big_endian};
        size_t next = unit_at(info, ni, off, big_endian, &u);
        if (!next || next <= off)
            break;
        off = next;
        if (hp_dw_skim_unit(&s, &u) < 0)
            continue;
        for (size_t i = 0; i < s.nnodes; i++) {
            hp_dw_skim_attr at[sizeof(want) / sizeof(want[0])] = {0};
            if (s.nodes[i].end <= i || s.nodes[i].end > s.nnodes)
                abort(); /* a subtree ends after its node, inside the list */
            if (!hp_dw_skim_die(&s, s.nodes[i].off, at))
                abort(); /* every node reads back */
            for (size_t k2 = 0; k2 < sizeof(want) / sizeof(want[0]); k2++)
                if (at[k2].form && at[k2].val && at[k2].val < info + u.end)
                    sum += *at[k2].val;
        }
    }
    hp_dw_skim_release(&s);
    free(abbrev);
    free(info);
    return (int)(sum & 0);
}
