/*
 * dwarf_die.h - what dwarf.c and dwarf_attrs.c (the two files that include
 * libdwarf.h) share: the libdwarf session of one object (hp_dwa_ctx), the
 * attributes of one DIE read on first use (hp_dwa_attrs), and the reading
 * of attributes and pc ranges (dwarf_attrs.c). Not for the rest of the
 * symbolizer. Include after libdwarf.h.
 */
#ifndef HP_DWARF_DIE_H
#define HP_DWARF_DIE_H

#include "dwarf_compat.h"
#include "dwarf_skim.h"
#include "symbolizer-internal.h"

typedef struct hp_dw_ctx {
    hp_dw_state b; /* first: what is kept */
    Dwarf_Debug dbg;
    Dwarf_Debug alt; /* dwz supplementary file, NULL if none */
    Dwarf_Debug cur; /* the session of the DIE being read (dbg or alt) */
    int alt_fd;
    hp_dw_elf elf, alt_elf; /* the sections of the sessions (dwarf_compat.h) */
    hp_dw_units units;      /* when units_ok: the CU index came from .debug_aranges */
    bool units_ok;
    bool indexed_all; /* every unit is in the index */
    hp_dw_line_table lines;   /* the buffers of the line-table reader (dwarf_lines.c) */
    hp_dw_line_strs line_strs; /* .debug_str, .debug_line_str for it, loaded when needed */
    hp_dw_skim skim;          /* the DIEs of the CU being decoded (dwarf_skim.c) */
    const unsigned char *str; /* .debug_str for raw attributes, when str_state > 0 */
    size_t str_n;
    int str_state;            /* 0: not looked up yet; < 0: none or unreadable */
    bool skimmed;             /* walk reads the skim's DIEs, not every DIE with libdwarf */
    /* current CU */
    Dwarf_Half version;
    bool lang_mangles; /* C++, D, Rust: DW_AT_name is not the symbol name */
    uint64_t cu_base;
} hp_dwa_ctx;

/* The attributes the symbolizer reads (A_* index attr_nums of dwarf_attrs.c). */
/* clang-format off */
enum { A_LOW, A_HIGH, A_RANGES, A_LINKAGE, A_MIPS_LINKAGE, A_NAME, A_ORIGIN, A_SPEC,
       A_CALL_FILE, A_CALL_LINE, A_COMP_DIR, A_STMT_LIST, A_LANG, A_COUNT };
/* clang-format on */

/* The attributes of one DIE, each read on first use (one dwarf_attr call,
 * which scans the DIE): only those its abbreviation declares (mask). A raw
 * one (a DIE the skim kept, hp_dwa_of_node) reads the values of the common
 * forms from the bytes itself and asks libdwarf (die, read on first need)
 * only for the others. */
typedef struct hp_dwa_attrs {
    Dwarf_Die die;
    unsigned mask, fetched; /* bit k: declared, read */
    Dwarf_Attribute at[A_COUNT];
    bool raw, own_die; /* raw: raw[] and off are set; own_die: die to be freed */
    Dwarf_Off off;
    hp_dw_skim_attr raw_at[A_COUNT];
    bool low_read; /* low_r and low are set (read once: an error counts once) */
    int low_r;
    Dwarf_Addr low;
} hp_dwa_attrs;

/* ---- dwarf_attrs.c ---------------------------------------------------------- */

/** hp_dwa_note_error - count a libdwarf error (freed) as a DWARF warning,
 * or the section that could not be inflated when one could not. */
void hp_dwa_note_error(hp_dwa_ctx *c, Dwarf_Error err, const char *what);
/** hp_dwa_r - r, the result of a libdwarf call; an error is noted (and freed). */
int hp_dwa_r(hp_dwa_ctx *c, int r, Dwarf_Error err, const char *what);
/** hp_dwa_drop_error - free an error that is not worth a warning. */
void hp_dwa_drop_error(hp_dwa_ctx *c, Dwarf_Error err);

/** hp_dwa_of - start reading the attributes of die; release with hp_dwa_release. */
hp_dwa_attrs hp_dwa_of(hp_dwa_ctx *c, Dwarf_Die die);
void hp_dwa_release(hp_dwa_ctx *c, hp_dwa_attrs *a);
/** hp_dwa_skim_init - set the attributes the skim is to find (the A_* ones). */
void hp_dwa_skim_init(hp_dw_skim *s);
/** hp_dwa_of_node - start reading the attributes of the DIE at off, when it
 * is one the skim of the current CU kept (read from its bytes); false if not. */
bool hp_dwa_of_node(hp_dwa_ctx *c, Dwarf_Off off, hp_dwa_attrs *ret);
/** hp_dwa_offset - the .debug_info offset of the DIE; false (noted) when unreadable. */
bool hp_dwa_offset(hp_dwa_ctx *c, hp_dwa_attrs *a, Dwarf_Off *ret);
/** hp_dwa_get - attribute k (A_*) of the DIE, NULL when it has none. */
Dwarf_Attribute hp_dwa_get(hp_dwa_ctx *c, hp_dwa_attrs *a, int k);
/** hp_dwa_str - its string (libdwarf's), NULL when none or unreadable. */
const char *hp_dwa_str(hp_dwa_ctx *c, hp_dwa_attrs *a, int k);
/** hp_dwa_udata - its unsigned value; false when none or unreadable. */
bool hp_dwa_udata(hp_dwa_ctx *c, hp_dwa_attrs *a, int k, Dwarf_Unsigned *ret);
/** hp_dwa_ref - the global .debug_info offset it refers to, *alt set for one
 * of the dwz file; false for none or an unreachable one. */
bool hp_dwa_ref(hp_dwa_ctx *c, hp_dwa_attrs *a, int k, Dwarf_Off *ret, bool *alt);
/** hp_dwa_lowpc - low_pc: DW_DLV_OK with *ret, DW_DLV_NO_ENTRY, or DW_DLV_ERROR (noted). */
int hp_dwa_lowpc(hp_dwa_ctx *c, hp_dwa_attrs *a, Dwarf_Addr *ret);
/** hp_dwa_ranges - add the pc ranges of a DIE (low/high pc, else DW_AT_ranges;
 * for a CU DIE, cu, also when high_pc is missing) with hp_dw_add_range;
 * false when it has none. */
bool hp_dwa_ranges(hp_dwa_ctx *c, hp_dwa_attrs *a, int32_t scope, uint32_t depth, bool cu);

#endif
