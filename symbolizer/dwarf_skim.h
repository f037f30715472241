/*
 * dwarf_skim.h - the DIE skim of dwarf_skim.c (libdwarf-free): the DIEs of
 * one unit that dwarf.c's tree walk visits, and the attributes of one of
 * them read from its bytes. For dwarf.c / dwarf_attrs.c and the fuzz target.
 */
#ifndef HP_DWARF_SKIM_H
#define HP_DWARF_SKIM_H

#include "hp_common.h"

/* One DIE the tree walk of dwarf.c visits (dwarf_skim.c says which). */
typedef struct hp_dw_skim_node {
    uint64_t off; /* .debug_info offset */
    uint32_t end; /* index of the first node after its subtree */
    uint16_t tag;
    bool has_pc; /* its abbreviation declares DW_AT_low_pc or DW_AT_ranges */
} hp_dw_skim_node;

/* The unit to skim and the bytes it is read from. */
typedef struct hp_dw_skim_input {
    const unsigned char *info, *abbrev; /* .debug_info (up to end at least), .debug_abbrev */
    size_t info_n, abbrev_n;
    uint64_t hdr_off, die_off, end, abbrev_off; /* as in hp_dw_unit */
    uint16_t version;
    uint8_t addr_size, offset_size;
    bool big_endian;
} hp_dw_skim_input;

typedef struct hp_dw_skim {
    const uint16_t *want; /* the attributes hp_dw_skim_die reads (set before the first unit) */
    size_t nwant;
    hp_dw_skim_node *nodes; /* the children of the CU DIE kept, in tree order */
    size_t nnodes, nodes_alloc;
    /* the buffers: the abbreviation table last read, the open sibling lists */
    struct hp_dw_skim_abbrev *abbrevs;
    size_t nabbrevs, abbrevs_alloc;
    struct hp_dw_skim_spec *specs;
    size_t nspecs, specs_alloc;
    uint32_t *by_code; /* abbrevs index by code, UINT32_MAX for none */
    size_t ncodes, by_code_alloc;
    struct hp_dw_skim_level *levels;
    size_t levels_alloc;
    bool abbrevs_ok;
    uint64_t abbrev_off;
    hp_dw_skim_input abbrev_unit;
    bool unit_ok; /* unit: the unit last skimmed, with success */
    hp_dw_skim_input unit;
} hp_dw_skim;

/* Where the value of one attribute of a DIE starts, and its form (0: none);
 * the value of a DW_FORM_implicit_const (in the abbreviation) in implicit. */
typedef struct hp_dw_skim_attr {
    const unsigned char *val;
    uint16_t form;
    int64_t implicit;
} hp_dw_skim_attr;

/**
 * hp_dw_skim_unit - the DIEs of unit u that dwarf.c's tree walk visits
 * (s->nodes; s is reused from unit to unit, hp_dw_skim_release).
 * Returns: 0; -EBADMSG when the unit is not one the skim fully accepts (then
 *          libdwarf walks it); -ENOMEM.
 */
int hp_dw_skim_unit(hp_dw_skim *s, const hp_dw_skim_input *u);
void hp_dw_skim_release(hp_dw_skim *s);
/**
 * hp_dw_skim_die - the attributes s->want[0..s->nwant) of the kept DIE (a
 * node) at .debug_info offset off of the unit last skimmed: ret[k], the
 * first of that number (DW_FORM_indirect resolved). False when off is no node.
 */
bool hp_dw_skim_die(const hp_dw_skim *s, uint64_t off, hp_dw_skim_attr *ret);

#endif
