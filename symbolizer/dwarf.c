/*
 * dwarf.c - libdwarf side of the symbolizer (with dwarf_attrs.c, the only
 * files that include libdwarf.h). Indexes the CUs of one ELF file by address
 * (hp_dwarf_load: from .debug_aranges and the unit headers, dwarf_units.c;
 * libdwarf reads the CU DIEs of the units aranges does not describe, or of
 * every unit when there is no .debug_aranges), keeps the libdwarf session
 * open, and decodes one CU when a lookup first falls in it
 * (hp_dwarf_decode_cu): subprogram and inlined_subroutine ranges, scope names
 * (linkage name, demangled on first lookup, following abstract_origin and
 * specification), call_file/call_line, and the line tables (DWARF 2-5,
 * decoded from the .debug_line bytes by dwarf_lines.c, not libdwarf). A
 * DIE's attributes and ranges are read by dwarf_attrs.c; what is kept goes
 * through dwarf_build.c (hp_dw_state), which flattens, joins and interns
 * without libdwarf.
 *
 * libdwarf is handed the sections by dwarf_sections.c (dwarf_compat.h): read
 * in place from the mapping, compressed ones inflated when first read, the
 * unused ones hidden. libdwarf's allocation tracking stays on: with
 * dwarf_set_de_alloc_flag(0) 20210528 leaks the error records it drops
 * internally on corrupt DWARF.
 *
 * A dwz supplementary file is opened as a second session, tied to the first
 * so that DW_FORM_GNU_strp_alt / strp_sup strings resolve; DW_FORM_GNU_ref_alt
 * / ref_sup4/8 references are followed into it by name_from_off.
 */
#include "hp_common.h"

#include <fcntl.h>
#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>
#include <unistd.h>

#include "dwarf_die.h"

/* Error handler for calls made without an error pointer: record, never abort. */
static void dw_errhand(Dwarf_Error err, Dwarf_Ptr arg)
{
    (void)err;
    (void)arg;
}

/* ---- the part of .debug_info libdwarf reads ------------------------------- */

/* Makes .debug_info (streamed when the index came from .debug_aranges) valid
 * up to the end of the unit holding off, before libdwarf reads there:
 * libdwarf 20210528's dwarf_offdie_b reads the unit headers and CU DIEs from
 * its last known unit up to that one, in order, and nothing further. False
 * (noted as an error about what) when no unit holds off or the section
 * cannot be inflated that far. */
static bool reach(hp_dwa_ctx *c, uint64_t off, const char *what)
{
    if (!c->units_ok || hp_dw_units_reach(c->elf.secs, &c->units, off))
        return true;
    hp_dwa_note_error(c, NULL, what);
    return false;
}

/* ---- names -------------------------------------------------------------- */

static const char *name_from_attrs(hp_dwa_ctx *c, hp_dwa_attrs *a, int hops, int *ret_linkage);

/* Name of the DIE at a global offset (of the dwz file when alt), cached. */
static const char *name_from_off(hp_dwa_ctx *c, Dwarf_Off off, bool alt, int hops, int *ret_linkage)
{
    const hp_dw_name *cached = hp_dw_name_get(&c->b, off, alt);
    if (cached)
        *ret_linkage = cached->linkage;
    if (cached || off >= HP_DW_ALT_OFF || c->b.oom)
        return cached ? cached->name : NULL;
    Dwarf_Die die = NULL;
    Dwarf_Error err = NULL;
    const char *name = NULL;
    int linkage = NAME_PLAIN;
    Dwarf_Debug save = c->cur;
    hp_dwa_attrs a;
    if (!alt && hp_dwa_of_node(c, off, &a)) { /* a DIE the skim kept */
        name = name_from_attrs(c, &a, hops + 1, &linkage);
        hp_dwa_release(c, &a);
    } else {
        c->cur = alt ? c->alt : c->dbg;
        if ((alt || reach(c, off, "bad DIE reference")) &&
            hp_dwa_r(c, dwarf_offdie_b(c->cur, off, 1, &die, &err), err,
                     alt ? "bad DIE reference into the dwz file" : "bad DIE reference") ==
                DW_DLV_OK) {
            a = hp_dwa_of(c, die);
            name = name_from_attrs(c, &a, hops + 1, &linkage);
            hp_dwa_release(c, &a);
            dwarf_dealloc_die(die);
        }
        c->cur = save;
    }
    hp_dw_name_put(&c->b, off, alt, name, linkage);
    *ret_linkage = linkage;
    return name;
}

static const char *name_from_attrs(hp_dwa_ctx *c, hp_dwa_attrs *a, int hops, int *ret_linkage)
{
    const char *s = hp_dwa_str(c, a, A_LINKAGE);
    if (!s)
        s = hp_dwa_str(c, a, A_MIPS_LINKAGE);
    if (s) { /* demangled on the scope's first lookup (hp_dw_scope_name) */
        *ret_linkage = NAME_LINKAGE;
        return s;
    }
    const char *plain = hp_dwa_str(c, a, A_NAME);
    *ret_linkage = NAME_PLAIN;
    if (hops < HP_DW_MAX_REF_HOPS) {
        Dwarf_Off off;
        bool alt = false;
        int linkage = NAME_PLAIN;
        const char *via = NULL;
        if (hp_dwa_ref(c, a, A_ORIGIN, &off, &alt) || hp_dwa_ref(c, a, A_SPEC, &off, &alt))
            via = name_from_off(c, off, alt, hops, &linkage);
        if (via && (linkage || !plain)) {
            *ret_linkage = linkage;
            return via;
        }
    }
    return plain ? hp_dw_intern(&c->b, plain, SIZE_MAX) : NULL;
}

/* Name of a subprogram or inlined_subroutine DIE; ns is the enclosing
 * namespace prefix ("a::b::") of a DIE found by the tree walk. */
static const char *scope_name(hp_dwa_ctx *c, hp_dwa_attrs *a, const char *ns, int *ret_linkage)
{
    int linkage = NAME_PLAIN;
    const char *name = name_from_attrs(c, a, 0, &linkage);
    *ret_linkage = linkage;
    if (!name || linkage != NAME_PLAIN || !ns || !*ns)
        return name;
    return hp_dw_concat(&c->b, ns, name, NULL);
}

/* A declaration inside a namespace without a linkage name (gcc omits it for
 * static functions): remember "ns::name" for the DIEs that refer to it, so
 * they print the qualified name, as addr2line does through the ELF symbol. */
static void note_qualified(hp_dwa_ctx *c, hp_dwa_attrs *a, const char *ns)
{
    if (hp_dwa_str(c, a, A_LINKAGE) || hp_dwa_str(c, a, A_MIPS_LINKAGE))
        return;
    const char *n = hp_dwa_str(c, a, A_NAME);
    Dwarf_Off off = 0;
    if (!n || !hp_dwa_offset(c, a, &off) || hp_dw_name_get(&c->b, off, false))
        return;
    const char *q = hp_dw_concat(&c->b, ns, n, NULL);
    if (q) /* final: not to be qualified again */
        hp_dw_name_put(&c->b, off, false, q, NAME_QUALIFIED);
}

/* ---- DIE tree ----------------------------------------------------------- */

/* The parent node of the CU DIE's children in c->skim. */
#define CU_NODE SIZE_MAX

static void walk(hp_dwa_ctx *c, Dwarf_Die parent, size_t node, int32_t scope, uint32_t depth,
                 unsigned level, const char *ns);

/* A subprogram or inlined_subroutine: a scope when it has code, which its
 * children (inlined calls, lexical blocks) nest in. node: its skim node
 * (CU_NODE when the unit is walked with libdwarf). */
static void visit_scope(hp_dwa_ctx *c, Dwarf_Die die, size_t node, bool sub, int32_t scope,
                        uint32_t depth, unsigned level, const char *ns)
{
    bool inl = !sub && scope >= 0;
    size_t mark = c->b.nranges;
    uint32_t d = scope >= 0 ? depth + 1 : 0;
    int32_t s = hp_dw_new_scope(&c->b, inl ? scope : -1);
    if (s < 0)
        return;
    hp_dwa_attrs a;
    if (die)
        a = hp_dwa_of(c, die);
    else if (!hp_dwa_of_node(c, c->skim.nodes[node].off, &a))
        return; /* not reached: the node is the skim's */
    if (!hp_dwa_ranges(c, &a, s, d, false) || c->b.nranges == mark) {
        /* no code (declaration, abstract instance): drop the scope */
        hp_dw_drop_scope(&c->b, mark);
        if (ns && sub)
            note_qualified(c, &a, ns);
        hp_dwa_release(c, &a);
        return;
    }
    int linkage = NAME_PLAIN;
    hp_dw_scope *sc = &c->b.cu->scopes[s];
    sc->name = scope_name(c, &a, sub ? ns : NULL, &linkage);
    sc->mangled = sc->name && linkage == NAME_LINKAGE;
    sc->entry = c->b.ranges[mark].lo;
    sc->plain = !inl && linkage != NAME_LINKAGE && c->lang_mangles;
    Dwarf_Unsigned v;
    if (inl && hp_dwa_udata(c, &a, A_CALL_FILE, &v))
        sc->call_file = hp_dw_file(&c->b, v);
    if (inl && hp_dwa_udata(c, &a, A_CALL_LINE, &v) && v <= UINT32_MAX)
        sc->call_line = (uint32_t)v;
    hp_dwa_release(c, &a);
    walk(c, die, node, s, d, level + 1, NULL);
}

/* Visits the DIE with tag: die, or skim node node when die is NULL. */
static void visit_tag(hp_dwa_ctx *c, Dwarf_Die die, size_t node, Dwarf_Half tag, int32_t scope,
                      uint32_t depth, unsigned level, const char *ns)
{
    hp_dwa_attrs a;
    switch (tag) {
    case DW_TAG_subprogram:
    case DW_TAG_inlined_subroutine:
        /* no pc attribute: visit_scope would drop it without reading a thing */
        if (!die && !c->skim.nodes[node].has_pc && !(ns && tag == DW_TAG_subprogram))
            return;
        visit_scope(c, die, node, tag == DW_TAG_subprogram, scope, depth, level, ns);
        break;
    case DW_TAG_lexical_block:
    case DW_TAG_try_block:
    case DW_TAG_catch_block:
        if (scope >= 0)
            walk(c, die, node, scope, depth, level + 1, NULL);
        break;
    case DW_TAG_namespace:
        if (scope < 0 && (die ? (a = hp_dwa_of(c, die), true)
                              : hp_dwa_of_node(c, c->skim.nodes[node].off, &a))) {
            const char *n = hp_dwa_str(c, &a, A_NAME);
            const char *p = hp_dw_concat(&c->b, ns, n ? n : "(anonymous namespace)", "::");
            hp_dwa_release(c, &a);
            walk(c, die, node, scope, depth, level + 1, p);
        }
        break;
    default:
        break;
    }
}

/* Visits the children of parent: of its skim node when the unit was skimmed
 * (c->skimmed), else read with libdwarf. */
static void walk(hp_dwa_ctx *c, Dwarf_Die parent, size_t node, int32_t scope, uint32_t depth,
                 unsigned level, const char *ns)
{
    if (level > HP_DW_MAX_DEPTH || c->b.oom)
        return;
    if (c->skimmed) {
        size_t end = node == CU_NODE ? c->skim.nnodes : c->skim.nodes[node].end;
        for (size_t i = node == CU_NODE ? 0 : node + 1;
             i < end && !c->b.oom && c->b.nerrors < HP_DW_MAX_ERRORS; i = c->skim.nodes[i].end)
            visit_tag(c, NULL, i, c->skim.nodes[i].tag, scope, depth, level, ns);
        return;
    }
    Dwarf_Die die = NULL;
    Dwarf_Error err = NULL;
    int r = hp_dwa_r(c, dwarf_child(parent, &die, &err), err, "DIE child");
    while (r == DW_DLV_OK && !c->b.oom && c->b.nerrors < HP_DW_MAX_ERRORS) {
        Dwarf_Half tag = 0;
        if (hp_dwa_r(c, dwarf_tag(die, &tag, &err), err, "tag") == DW_DLV_OK)
            visit_tag(c, die, CU_NODE, tag, scope, depth, level, ns);
        Dwarf_Die next = NULL;
        r = hp_dwa_r(c, dwarf_siblingof_b(c->dbg, die, 1, &next, &err), err, "DIE sibling");
        dwarf_dealloc_die(die);
        die = next;
    }
}

/* Skims the unit whose CU DIE is at die_off (dwarf_skim.c) so that walk
 * reads only the DIEs it visits; false when libdwarf is to walk it. */
static bool skim_unit(hp_dwa_ctx *c, uint64_t die_off)
{
    hp_dw_sections *secs = c->elf.secs;
    const hp_dw_unit *un = c->units_ok ? hp_dw_units_reach(secs, &c->units, die_off) : NULL;
    hp_dw_skim_input su = {.big_endian = hp_dw_sections_big_endian(secs)};
    if (!un || un->die_off != die_off || c->units.abbrev == SIZE_MAX ||
        hp_dw_sections_prefix(secs, c->units.info, 0, &su.info, &su.info_n) < 0 ||
        hp_dw_sections_prefix(secs, c->units.abbrev, 0, &su.abbrev, &su.abbrev_n) < 0)
        return false;
    su.hdr_off = un->hdr_off;
    su.die_off = un->die_off;
    su.end = un->end;
    su.abbrev_off = un->abbrev_off;
    su.version = un->version;
    su.addr_size = un->addr_size;
    su.offset_size = un->offset_size;
    return hp_dw_skim_unit(&c->skim, &su) == 0;
}

/* ---- line tables -------------------------------------------------------- */

/* The line table of a CU with libdwarf: only for the experimental two-level
 * tables (version 0xf006) the reader of dwarf_lines.c does not decode. */
static void cu_files_libdwarf(hp_dwa_ctx *c, Dwarf_Line_Context lctx)
{
    Dwarf_Signed base = 0, count = 0, end = 0;
    Dwarf_Error err = NULL;
    if (hp_dwa_r(c, dwarf_srclines_files_indexes(lctx, &base, &count, &end, &err), err,
                 "line table files") != DW_DLV_OK ||
        end - base != count || !hp_dw_files_begin(&c->b, base, end))
        return;
    for (Dwarf_Signed i = base; i < end; i++) {
        const char *name = NULL, *dir = NULL;
        Dwarf_Unsigned diridx = 0, mtime, flen;
        Dwarf_Form_Data16 *md5 = NULL;
        if (hp_dwa_r(
                c, dwarf_srclines_files_data_b(lctx, i, &name, &diridx, &mtime, &flen, &md5, &err),
                err, "line table file entry") != DW_DLV_OK) {
            name = NULL;
        } else if (dwarf_srclines_include_dir_data(lctx, (Dwarf_Signed)diridx, &dir, &err) ==
                   DW_DLV_ERROR) {
            hp_dwa_drop_error(c, err);
            err = NULL;
            dir = NULL;
        }
        hp_dw_add_file(&c->b, name, dir);
    }
}

static void cu_lines_libdwarf(hp_dwa_ctx *c, Dwarf_Die cu_die)
{
    Dwarf_Unsigned lversion = 0;
    Dwarf_Small tcount = 0;
    Dwarf_Line_Context lctx = NULL;
    Dwarf_Error err = NULL;
    if (hp_dwa_r(c, dwarf_srclines_b(cu_die, &lversion, &tcount, &lctx, &err), err, "line table") !=
        DW_DLV_OK)
        return;
    cu_files_libdwarf(c, lctx);
    dwarf_srclines_dealloc_b(lctx); /* two-level tables: files only, as before */
}

/* The CU's DW_AT_stmt_list offset; false when it cannot be read. */
static bool stmt_list(hp_dwa_ctx *c, Dwarf_Attribute at, uint64_t *ret)
{
    Dwarf_Unsigned off = 0;
    Dwarf_Error err = NULL;
    if (dwarf_formudata(at, &off, &err) == DW_DLV_OK) { /* data4/8 before DWARF 4 */
        *ret = off;
        return true;
    }
    hp_dwa_drop_error(c, err);
    err = NULL;
    Dwarf_Off goff = 0; /* DW_FORM_sec_offset, which 20210528's dwarf_formudata rejects */
    if (dwarf_global_formref(at, &goff, &err) == DW_DLV_OK) {
        *ret = goff;
        return true;
    }
    hp_dwa_note_error(c, err, "line table");
    return false;
}

/* Decodes the line table of the CU (DW_AT_stmt_list) with dwarf_lines.c
 * from the .debug_line bytes (streamed when the index came from
 * .debug_aranges: inflated up to the end of that table) into the CU's files
 * and rows; a table with an error gives nothing and is noted. */
static void cu_lines(hp_dwa_ctx *c, Dwarf_Die cu_die, hp_dwa_attrs *a)
{
    Dwarf_Attribute at = hp_dwa_get(c, a, A_STMT_LIST);
    uint64_t off = 0;
    if (!at || !stmt_list(c, at, &off))
        return;
    hp_dw_sections *secs = c->elf.secs;
    size_t li = c->units_ok ? c->units.line : hp_dw_sections_find(secs, ".debug_line");
    const unsigned char *p;
    size_t n;
    if (li == SIZE_MAX)
        return; /* no .debug_line: libdwarf said nothing either */
    if ((c->units_ok && hp_dw_units_reach_lines(secs, &c->units, off) < 0) ||
        hp_dw_sections_prefix(secs, li, 0, &p, &n) < 0) {
        hp_dwa_note_error(c, NULL, "line table");
        return;
    }
    c->line_strs.load = hp_dw_sections_line_strs;
    c->line_strs.arg = secs;
    hp_dw_line_table *t = &c->lines;
    int r = hp_dw_lines_read(p, n, off, hp_dw_sections_big_endian(secs), &c->line_strs, t);
    if (r == -ENOTSUP) {
        cu_lines_libdwarf(c, cu_die);
        return;
    }
    if (r == -ENOMEM) {
        c->b.oom = true;
        return;
    }
    if (r < 0) {
        if (hp_dw_sections_error(secs))
            hp_dwa_note_error(c, NULL, "line table");
        else
            hp_dw_error(&c->b, "line table", t->error);
        return;
    }
    if (hp_dw_files_begin(&c->b, t->file_base, t->file_end)) /* else rows without files */
        for (size_t i = 0; i < t->nfiles; i++)
            hp_dw_add_file(&c->b, t->files[i].name, t->files[i].dir);
    for (size_t i = 0; i < t->nrows && !c->b.oom; i++)
        hp_dw_add_line(&c->b, t->rows[i].addr, t->rows[i].file, t->rows[i].line, t->rows[i].endseq);
    hp_dw_lines_end(&c->b);
}

/* ---- per CU --------------------------------------------------------------- */

/* Sets the CU-wide state (version, language, base address, and comp_dir
 * when decoding) from the attributes of its DIE. */
static void cu_setup(hp_dwa_ctx *c, hp_dwa_attrs *a, Dwarf_Half version, bool decoding)
{
    c->version = version;
    if (decoding) {
        const char *cd = hp_dwa_str(c, a, A_COMP_DIR);
        c->b.comp_dir = cd ? hp_dw_intern(&c->b, cd, SIZE_MAX) : NULL;
    }
    Dwarf_Unsigned l = 0;
    Dwarf_Addr base = 0;
    c->lang_mangles =
        hp_dwa_udata(c, a, A_LANG, &l) &&
        (l == DW_LANG_C_plus_plus || l == DW_LANG_C_plus_plus_03 || l == DW_LANG_C_plus_plus_11 ||
         l == DW_LANG_C_plus_plus_14 || l == DW_LANG_D || l == DW_LANG_Rust);
    c->cu_base = hp_dwa_lowpc(c, a, &base) == DW_DLV_OK ? base : 0;
}

/* Decodes the line table and scope tree of CU number i from its DIE. */
static void decode_cu(hp_dwa_ctx *c, size_t i, Dwarf_Die cu_die, hp_dwa_attrs *a)
{
    hp_dw_cu_begin(&c->b, i);
    cu_setup(c, a, c->b.cu->version, true);
    cu_lines(c, cu_die, a);
    Dwarf_Off off = 0;
    Dwarf_Error err = NULL;
    if (dwarf_dieoffset(cu_die, &off, &err) != DW_DLV_OK) {
        hp_dwa_drop_error(c, err);
        off = UINT64_MAX;
    }
    c->skimmed = off != UINT64_MAX && skim_unit(c, off);
    walk(c, cu_die, CU_NODE, -1, 0, 0, NULL);
    c->skimmed = false;
    hp_dw_cu_end(&c->b);
}

/* Fills in the DIE offset and version of a CU indexed from .debug_aranges
 * (version 0) from its unit header, and makes its unit readable. False when
 * it cannot be read or is no compilation unit (DWARF 5 unit type). */
static bool unit_header(hp_dwa_ctx *c, hp_dw_cu *cu)
{
    if (cu->version) /* indexed from its DIE */
        return reach(c, cu->die_off, "CU DIE");
    const hp_dw_unit *un = hp_dw_units_reach(c->elf.secs, &c->units, cu->die_off);
    if (!un || un->hdr_off != cu->die_off) {
        hp_dwa_note_error(c, NULL, ".debug_aranges: no unit at its CU offset");
        return false;
    }
    if (un->version >= 5 && un->type != DW_UT_compile && un->type != DW_UT_skeleton)
        return false;
    cu->die_off = un->die_off;
    cu->version = un->version;
    return true;
}

void hp_dwarf_decode_cu(hp_dwarf_info *d, size_t i)
{
    hp_dwa_ctx *c = d->ctx;
    if (i >= d->ncus || d->cus[i].state != HP_DW_CU_PENDING)
        return;
    d->cus[i].state = HP_DW_CU_FAILED;
    if (!c || c->b.oom || c->b.nerrors >= HP_DW_MAX_ERRORS)
        return;
    Dwarf_Die die = NULL;
    Dwarf_Error err = NULL;
    if (unit_header(c, &d->cus[i]) &&
        hp_dwa_r(c, dwarf_offdie_b(c->dbg, d->cus[i].die_off, 1, &die, &err), err, "CU DIE") ==
            DW_DLV_OK) {
        hp_dwa_attrs a = hp_dwa_of(c, die);
        d->cus[i].state = HP_DW_CU_PENDING;
        decode_cu(c, i, die, &a);
        hp_dwa_release(c, &a);
        dwarf_dealloc_die(die);
    }
    hp_dw_set_warning(&c->b);
}

/* Registers the CU whose DIE is cu_die: its address ranges from the CU DIE
 * (low/high pc, else DW_AT_ranges); decoded at once when it has none. */
static void index_cu(hp_dwa_ctx *c, Dwarf_Die cu_die, Dwarf_Half version)
{
    Dwarf_Half tag = 0;
    Dwarf_Error err = NULL;
    Dwarf_Off off = 0;
    if (hp_dwa_r(c, dwarf_tag(cu_die, &tag, &err), err, "CU tag") != DW_DLV_OK ||
        (tag != DW_TAG_compile_unit && tag != DW_TAG_skeleton_unit) || /* partial (dwz) and type
                                                                        * units hold no code */
        hp_dwa_r(c, dwarf_dieoffset(cu_die, &off, &err), err, "CU offset") != DW_DLV_OK)
        return;
    int32_t i = hp_dw_add_cu(&c->b, off, version);
    if (i < 0)
        return;
    hp_dwa_attrs a = hp_dwa_of(c, cu_die);
    if (hp_dwa_get(c, &a, A_STMT_LIST))
        c->b.out->has_lines = true;
    cu_setup(c, &a, version, false);
    hp_dwa_ranges(c, &a, i, 0, true);
    /* no CU ranges (or none usable): decode it now and index what it holds */
    if (!hp_dw_take_cu_ranges(&c->b) && !c->b.oom) {
        decode_cu(c, (size_t)i, cu_die, &a);
        hp_dw_index_decoded(&c->b, (size_t)i);
    }
    hp_dwa_release(c, &a);
}

/* Registers the CUs .debug_aranges describes (dwarf_units.c), by their
 * ranges, without reading them (version 0: the unit header is read when the
 * CU is decoded, unit_header); a set without ranges is a unit without code. */
static void index_listed(hp_dwa_ctx *c)
{
    const hp_dw_units *u = &c->units;
    for (size_t k = 0; k < u->nsets && !c->b.oom; k++) {
        const hp_dw_unit_set *set = &u->sets[k];
        int32_t i = hp_dw_add_cu(&c->b, set->hdr_off, 0);
        for (size_t j = 0; i >= 0 && j < set->n; j++)
            hp_dw_add_range(&c->b, u->ranges[set->first + j].lo, u->ranges[set->first + j].hi, i,
                            0);
        c->b.out->has_lines |= i >= 0 && u->has_lines;
        hp_dw_take_cu_ranges(&c->b);
    }
}

/* Registers the units .debug_aranges does not describe from their CU DIEs
 * (index_cu), reading every unit header. */
static void index_unlisted(hp_dwa_ctx *c)
{
    hp_dw_units *u = &c->units;
    if (hp_dw_units_read_all(c->elf.secs, u) < 0)
        hp_dwa_note_error(c, NULL, "unit header");
    for (size_t k = 0; k < u->nunits && !c->b.oom && c->b.nerrors < HP_DW_MAX_ERRORS; k++) {
        const hp_dw_unit *un = &u->units[k];
        if (hp_dw_units_listed(u, un->hdr_off))
            continue;
        Dwarf_Die die = NULL;
        Dwarf_Error err = NULL;
        if (hp_dwa_r(c, dwarf_offdie_b(c->dbg, un->die_off, 1, &die, &err), err, "CU DIE") !=
            DW_DLV_OK)
            continue;
        index_cu(c, die, un->version);
        dwarf_dealloc_die(die);
    }
}

bool hp_dwarf_index_rest(hp_dwarf_info *d)
{
    hp_dwa_ctx *c = d->ctx;
    if (!c || c->indexed_all || c->b.oom)
        return false;
    c->indexed_all = true;
    size_t ncus = d->ncus;
    index_unlisted(c);
    hp_dw_finish_index(&c->b, false);
    hp_dw_set_warning(&c->b);
    return d->ncus != ncus;
}

/* Registers every CU from its DIE, walking the CU headers with libdwarf. */
static void index_all(hp_dwa_ctx *c)
{
    while (!c->b.oom && c->b.nerrors < HP_DW_MAX_ERRORS) {
        Dwarf_Unsigned hdrlen = 0, typeoff = 0, next = 0;
        Dwarf_Half version = 0, asize = 0, osize = 0, esize = 0, cutype = 0;
        Dwarf_Off abbrev = 0;
        Dwarf_Sig8 sig;
        Dwarf_Error err = NULL;
        int r = dwarf_next_cu_header_d(c->dbg, 1, &hdrlen, &version, &abbrev, &asize, &osize,
                                       &esize, &sig, &typeoff, &next, &cutype, &err);
        if (hp_dwa_r(c, r, err, "CU header") != DW_DLV_OK)
            break;
        Dwarf_Die cu_die = NULL;
        r = hp_dwa_r(c, dwarf_siblingof_b(c->dbg, NULL, 1, &cu_die, &err), err, "CU DIE");
        if (r == DW_DLV_ERROR)
            break;
        if (r != DW_DLV_OK)
            continue;
        index_cu(c, cu_die, version);
        dwarf_dealloc_die(cu_die);
    }
}

/* ---- entry points --------------------------------------------------------- */

static void ctx_free(hp_dwa_ctx *c)
{
    if (!c)
        return;
    if (c->dbg)
        hp_dwarf_finish(c->dbg);
    if (c->alt)
        hp_dwarf_finish(c->alt);
    hp_dw_elf_end(&c->elf);
    hp_dw_elf_end(&c->alt_elf);
    hp_dw_units_release(&c->units);
    hp_dw_lines_release(&c->lines);
    hp_dw_skim_release(&c->skim);
    if (c->alt_fd >= 0)
        close(c->alt_fd);
    hp_dw_state_release(&c->b);
    free(c);
}

void hp_dwarf_release(hp_dwarf_info *d)
{
    if (!d)
        return;
    ctx_free(d->ctx);
    hp_dw_info_release(d);
}

/* Opens the dwz file as c->alt, tied to c->dbg; a failure is a DWARF warning. */
static void open_alt(hp_dwa_ctx *c, const char *path)
{
    Dwarf_Error err = NULL;
    c->alt_fd = open(path, O_RDONLY | O_CLOEXEC);
    const char *why = strerror(errno);
    if (c->alt_fd >= 0 && hp_dw_sections_open(c->alt_fd, &c->alt_elf.secs, &why) == 0)
        why = NULL;
    Dwarf_Debug errdbg = NULL;
    if (!why &&
        hp_dwarf_init_fd(c->alt_fd, &c->alt_elf, dw_errhand, NULL, &c->alt, &err) != DW_DLV_OK) {
        c->alt = NULL;
        why = err ? dwarf_errmsg(err) : "no DWARF";
    } else if (!why && dwarf_set_tied_dbg(c->dbg, c->alt, &err) != DW_DLV_OK) {
        why = err ? dwarf_errmsg(err) : "cannot tie";
        errdbg = c->dbg;
    }
    if (why) {
        char what[200];
        snprintf(what, sizeof(what), "dwz file '%s'", path);
        hp_dw_error(&c->b, what, why);
    }
    if (err)
        hp_dwarf_dealloc_error(errdbg, err);
    if (why && c->alt) {
        hp_dwarf_finish(c->alt);
        c->alt = NULL;
    }
}

int hp_dwarf_load(int fd, const char *alt_path, hp_strtab *strs, hp_dw_name_hook *hook,
                  hp_dw_read_hook *read, void *hook_arg, hp_dwarf_info *ret, hp_error *reterr)
{
    *ret = (hp_dwarf_info){.strs = strs, .hook = hook, .read = read, .hook_arg = hook_arg};
    hp_dw_sections *secs = NULL;
    const char *why = NULL;
    int r = hp_dw_sections_open(fd, &secs, &why);
    if (r == -ENOMEM)
        return hp_error_set(reterr, -ENOMEM, "out of memory decoding DWARF");
    if (r < 0)
        return hp_error_set(reterr, -EBADMSG, "corrupt DWARF: %s", why);
    hp_dwa_ctx *c = hp_new0(hp_dwa_ctx, 1);
    if (!c) {
        hp_dw_sections_free(secs);
        return hp_error_set(reterr, -ENOMEM, "out of memory decoding DWARF");
    }
    *c = (hp_dwa_ctx){.b = {.strs = strs, .out = ret, .tmp = HP_BUF_INIT}, .alt_fd = -1};
    hp_dwa_skim_init(&c->skim);
    c->elf.secs = secs;
    ret->ctx = c;
    /* before libdwarf loads .debug_info: streamed from here on */
    c->units_ok = hp_dw_units_scan(c->elf.secs, &c->units) == 0;
    Dwarf_Error err = NULL;
    r = hp_dwarf_init_fd(fd, &c->elf, dw_errhand, NULL, &c->dbg, &err);
    if (r != DW_DLV_OK) {
        c->dbg = NULL;
        hp_dwarf_release(ret);
        if (r == DW_DLV_ERROR) {
            hp_error_set(reterr, -EBADMSG, "corrupt DWARF: %s", dwarf_errmsg(err));
            hp_dwarf_dealloc_error(NULL, err);
            return -EBADMSG;
        }
        return hp_error_set(reterr, -EBADMSG, "no DWARF");
    }
    c->cur = c->dbg;
    if (alt_path)
        open_alt(c, alt_path);
    if (c->units_ok) {
        index_listed(c);
        if (!ret->ncus) { /* aranges without a unit: all from the DIEs */
            c->indexed_all = true;
            index_unlisted(c);
        }
    } else {
        c->indexed_all = true;
        index_all(c);
    }
    if (hp_dw_finish_index(&c->b, !c->indexed_all) < 0) {
        hp_dwarf_release(ret);
        return hp_error_set(reterr, -ENOMEM, "out of memory decoding DWARF");
    }
    hp_dw_set_warning(&c->b);
    if (c->b.nerrors && !ret->nindex) {
        const char *msg = ret->warning;
        hp_dwarf_release(ret);
        return hp_error_set(reterr, -EBADMSG, "%s", msg ? msg : "corrupt DWARF");
    }
    return 0;
}
