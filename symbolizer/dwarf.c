/*
 * dwarf.c - libdwarf side of the symbolizer (the only file that includes
 * libdwarf.h). Indexes the CUs of one ELF file by address from their CU DIEs
 * (hp_dwarf_load), keeps the libdwarf session open, and decodes one CU when a
 * lookup first falls in it (hp_dwarf_decode_cu): subprogram and
 * inlined_subroutine ranges (low/high pc, DWARF 4 .debug_ranges, DWARF 5
 * rnglists), scope names (linkage name, demangled on first lookup, following
 * abstract_origin and specification), call_file/call_line, and the line
 * tables (DWARF 2-5). What is kept goes through dwarf_build.c (hp_dw_state),
 * which flattens, joins and interns without libdwarf.
 *
 * Speed: a DIE's attributes are read (dwarf_attr, which scans the DIE) only
 * when its abbreviation declares them, the set being cached per abbreviation;
 * with libdwarf 20210528 the file is opened through libelf (ELF_C_READ_MMAP,
 * dwarf_elf_init_b), so sections are read in place instead of copied.
 * libdwarf's allocation tracking stays on: with dwarf_set_de_alloc_flag(0)
 * 20210528 leaks the error records it drops internally on corrupt DWARF.
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

#include "dwarf_compat.h"
#include "symbolizer-internal.h"

typedef struct hp_dw_ctx {
    hp_dw_state b; /* first: what is kept */
    Dwarf_Debug dbg;
    Dwarf_Debug alt; /* dwz supplementary file, NULL if none */
    Dwarf_Debug cur; /* the session of the DIE being read (dbg or alt) */
    int alt_fd;
    hp_dw_elf elf, alt_elf; /* libelf handles of the sessions (dwarf_compat.h) */
    /* current CU */
    Dwarf_Half version;
    bool lang_mangles; /* C++, D, Rust: DW_AT_name is not the symbol name */
    uint64_t cu_base;
} dw_ctx;

static void dw_note_error(dw_ctx *c, Dwarf_Error err, const char *what)
{
    /* a section that could not be inflated says so itself */
    const char *lost = hp_dw_sections_error(c->elf.secs);
    if (!lost)
        lost = hp_dw_sections_error(c->alt_elf.secs);
    if (lost)
        hp_dw_error(&c->b, lost, "corrupt compressed section");
    else
        hp_dw_error(&c->b, what, err ? dwarf_errmsg(err) : NULL);
    if (err)
        hp_dwarf_dealloc_error(c->cur, err);
}

/* r, the result of a libdwarf call; an error is noted (and freed). */
static int dw_r(dw_ctx *c, int r, Dwarf_Error err, const char *what)
{
    if (r == DW_DLV_ERROR)
        dw_note_error(c, err, what);
    return r;
}

/* Frees an error that is not worth a warning. */
static void dw_drop_error(dw_ctx *c, Dwarf_Error err)
{
    if (err)
        hp_dwarf_dealloc_error(c->cur, err);
}

/* Error handler for calls made without an error pointer: record, never abort. */
static void dw_errhand(Dwarf_Error err, Dwarf_Ptr arg)
{
    (void)err;
    (void)arg;
}

/* ---- attributes ------------------------------------------------------------ */

/* The attributes the symbolizer reads (A_* indexes attr_nums). */
/* clang-format off */
enum { A_LOW, A_HIGH, A_RANGES, A_LINKAGE, A_MIPS_LINKAGE, A_NAME, A_ORIGIN, A_SPEC,
       A_CALL_FILE, A_CALL_LINE, A_COMP_DIR, A_STMT_LIST, A_LANG, A_COUNT };
static const Dwarf_Half attr_nums[A_COUNT] = {
    DW_AT_low_pc, DW_AT_high_pc, DW_AT_ranges, DW_AT_linkage_name, DW_AT_MIPS_linkage_name,
    DW_AT_name, DW_AT_abstract_origin, DW_AT_specification, DW_AT_call_file, DW_AT_call_line,
    DW_AT_comp_dir, DW_AT_stmt_list, DW_AT_language};
/* clang-format on */

/* The attributes of one DIE, each read on first use (one dwarf_attr call,
 * which scans the DIE): only those its abbreviation declares (mask). */
typedef struct die_attrs {
    Dwarf_Die die;
    unsigned mask, fetched; /* bit k: declared, read */
    Dwarf_Attribute at[A_COUNT];
    bool low_read; /* low_r and low are set (read once: an error counts once) */
    int low_r;
    Dwarf_Addr low;
} die_attrs;

/* Which A_* attributes the DIEs of die's abbreviation have (bit k), cached by
 * the abbreviation's .debug_abbrev offset; every bit when it cannot be read. */
static unsigned attr_mask(dw_ctx *c, Dwarf_Die die)
{
    const unsigned all = (1u << A_COUNT) - 1;
    Dwarf_Off goff = 0, off;
    Dwarf_Unsigned len = 0, n = 0, num, form;
    Dwarf_Signed ic;
    Dwarf_Error err = NULL;
    Dwarf_Abbrev ab = NULL;
    uint32_t m = 0;
    if (dwarf_die_abbrev_global_offset(die, &goff, &n, &err) != DW_DLV_OK)
        return dw_drop_error(c, err), all;
    if (hp_dw_mask_get(&c->b, goff, c->cur == c->alt, &m))
        return m;
    if (dwarf_get_abbrev(c->cur, goff, &ab, &len, &n, &err) != DW_DLV_OK)
        return dw_drop_error(c, err), all;
    for (Dwarf_Unsigned i = 0; i < n && m != all; i++) {
        if (dwarf_get_abbrev_entry_b(ab, i, 1, &num, &form, &ic, &off, &err) != DW_DLV_OK) {
            dw_drop_error(c, err);
            m = all;
            break;
        }
        for (int k = 0; k < A_COUNT; k++)
            m |= num == attr_nums[k] ? 1u << k : 0;
    }
    dwarf_dealloc(c->cur, ab, DW_DLA_ABBREV);
    hp_dw_mask_put(&c->b, goff, c->cur == c->alt, m);
    return m;
}

/* Starts reading the attributes of die; release with attrs_release. */
static die_attrs attrs_of(dw_ctx *c, Dwarf_Die die)
{
    return (die_attrs){.die = die, .mask = attr_mask(c, die)};
}

/* Attribute k of the DIE, NULL when it has none. */
static Dwarf_Attribute get_attr(dw_ctx *c, die_attrs *a, int k)
{
    Dwarf_Error err = NULL;
    unsigned bit = 1u << k;
    if (!(a->mask & bit) || (a->fetched & bit))
        return a->at[k];
    a->fetched |= bit;
    if (dw_r(c, dwarf_attr(a->die, attr_nums[k], &a->at[k], &err), err, "attribute") != DW_DLV_OK)
        a->at[k] = NULL;
    return a->at[k];
}

static void attrs_release(dw_ctx *c, die_attrs *a)
{
    for (int k = 0; k < A_COUNT; k++)
        if (a->at[k])
            dwarf_dealloc(c->cur, a->at[k], DW_DLA_ATTR);
    *a = (die_attrs){0};
}

static const char *attr_str(dw_ctx *c, die_attrs *a, int k)
{
    char *s = NULL;
    Dwarf_Error err = NULL;
    Dwarf_Attribute at = get_attr(c, a, k);
    if (!at)
        return NULL;
    int r = dw_r(c, dwarf_formstring(at, &s, &err), err, "attribute string");
    /* libdwarf's stand-in for an alternate-file string it cannot read */
    if (r == DW_DLV_OK && s[0] == '<' && strstr(s, "-no-tied-file>"))
        return NULL;
    return r == DW_DLV_OK ? s : NULL;
}

static bool attr_udata(dw_ctx *c, die_attrs *a, int k, Dwarf_Unsigned *ret)
{
    Dwarf_Attribute at = get_attr(c, a, k);
    Dwarf_Error err = NULL;
    Dwarf_Half form = 0;
    if (!at || dw_r(c, dwarf_whatform(at, &form, &err), err, "attribute form") != DW_DLV_OK)
        return false;
    Dwarf_Signed sv = 0;
    if (form != DW_FORM_implicit_const)
        return dw_r(c, dwarf_formudata(at, ret, &err), err, "attribute value") == DW_DLV_OK;
    /* libdwarf 20210528's dwarf_formudata rejects implicit_const */
    if (dw_r(c, dwarf_formsdata(at, &sv, &err), err, "attribute value") != DW_DLV_OK)
        return false;
    *ret = (Dwarf_Unsigned)sv;
    return true;
}

/* DW_FORM_ref_sup4/8, which libdwarf 20210528 does not decode: the value
 * read from .debug_info at the attribute's offset. */
static int ref_sup(dw_ctx *c, Dwarf_Die die, Dwarf_Attribute attr, unsigned size, Dwarf_Off *ret,
                   Dwarf_Error *err)
{
    Dwarf_Off at = 0;
    uint64_t v = 0;
    hp_dwarf_info *o = c->b.out;
    int r = dwarf_attr_offset(die, attr, &at, err);
    if (r != DW_DLV_OK)
        return r;
    if (c->cur != c->dbg || !o->read || o->read(o->hook_arg, at, size, &v) < 0)
        return DW_DLV_NO_ENTRY;
    *ret = v;
    return DW_DLV_OK;
}

/* Global .debug_info offset referenced by attribute k, *alt set when it is
 * one of the dwz file (every reference of a DIE of that file is); false for
 * none or for an alternate-file reference without that file. */
static bool attr_ref(dw_ctx *c, die_attrs *a, int k, Dwarf_Off *ret, bool *alt)
{
    Dwarf_Attribute at = get_attr(c, a, k);
    Dwarf_Error err = NULL;
    Dwarf_Half form = 0;
    int r;
    if (!at || dw_r(c, dwarf_whatform(at, &form, &err), err, "reference form") != DW_DLV_OK)
        return false;
    *alt = c->cur == c->alt || form == DW_FORM_GNU_ref_alt || form == DW_FORM_ref_sup4 ||
           form == DW_FORM_ref_sup8;
    if (*alt && !c->alt)
        r = DW_DLV_NO_ENTRY;
    else if (form == DW_FORM_ref_sup4 || form == DW_FORM_ref_sup8)
        r = ref_sup(c, a->die, at, form == DW_FORM_ref_sup4 ? 4 : 8, ret, &err);
    else
        r = dwarf_global_formref(at, ret, &err);
    return dw_r(c, r, err, "reference value") == DW_DLV_OK;
}

/* low_pc: DW_DLV_OK with *ret, DW_DLV_NO_ENTRY, or DW_DLV_ERROR (noted). */
static int attr_lowpc(dw_ctx *c, die_attrs *a, Dwarf_Addr *ret)
{
    Dwarf_Error err = NULL;
    if (!a->low_read) {
        a->low_read = true;
        Dwarf_Attribute at = get_attr(c, a, A_LOW);
        a->low_r = at ? dw_r(c, dwarf_formaddr(at, &a->low, &err), err, "low_pc") : DW_DLV_NO_ENTRY;
    }
    if (a->low_r == DW_DLV_OK)
        *ret = a->low;
    return a->low_r;
}

/* high_pc as an address (a constant form is an offset from lo), as lowpc. */
static int attr_highpc(dw_ctx *c, die_attrs *a, Dwarf_Addr lo, Dwarf_Addr *ret)
{
    Dwarf_Attribute at = get_attr(c, a, A_HIGH);
    Dwarf_Error err = NULL;
    Dwarf_Half f = 0;
    Dwarf_Unsigned v = 0;
    if (!at)
        return DW_DLV_NO_ENTRY;
    if (dw_r(c, dwarf_whatform(at, &f, &err), err, "high_pc") != DW_DLV_OK)
        return DW_DLV_ERROR;
    if (f == DW_FORM_addr || f == DW_FORM_addrx || f == DW_FORM_GNU_addr_index ||
        (f >= DW_FORM_addrx1 && f <= DW_FORM_addrx4))
        return dw_r(c, dwarf_formaddr(at, ret, &err), err, "high_pc");
    if (!attr_udata(c, a, A_HIGH, &v))
        return DW_DLV_ERROR;
    *ret = lo + v;
    return DW_DLV_OK;
}

/* ---- ranges ------------------------------------------------------------- */

static bool rnglists(dw_ctx *c, Dwarf_Attribute attr, Dwarf_Half form, int32_t scope,
                     uint32_t depth)
{
    Dwarf_Unsigned val = 0, count = 0, goff = 0;
    Dwarf_Error err = NULL;
    if (form == DW_FORM_rnglistx) {
        if (dwarf_formudata(attr, &val, &err) != DW_DLV_OK)
            goto fail;
    } else {
        Dwarf_Off o;
        if (dwarf_global_formref(attr, &o, &err) != DW_DLV_OK)
            goto fail;
        val = o;
    }
    Dwarf_Rnglists_Head head = NULL;
    int r = dwarf_rnglists_get_rle_head(attr, form, val, &head, &count, &goff, &err);
    if (r != DW_DLV_OK)
        goto fail;
    bool any = false;
    for (Dwarf_Unsigned i = 0; i < count && i < 100000; i++) {
        unsigned len = 0, code = 0;
        Dwarf_Unsigned raw1, raw2, lo, hi;
        Dwarf_Bool unavail = 0;
        if (dw_r(c,
                 dwarf_get_rnglists_entry_fields_a(head, i, &len, &code, &raw1, &raw2, &unavail,
                                                   &lo, &hi, &err),
                 err, "rnglists entry") != DW_DLV_OK ||
            code == DW_RLE_end_of_list)
            break;
        if (code == DW_RLE_base_address || code == DW_RLE_base_addressx || unavail)
            continue;
        hp_dw_add_range(&c->b, lo, hi, scope, depth);
        any = true;
    }
    dwarf_dealloc_rnglists_head(head);
    return any;
fail:
    if (err)
        dw_note_error(c, err, "rnglists");
    return false;
}

static bool ranges_v4(dw_ctx *c, Dwarf_Die die, Dwarf_Attribute attr, int32_t scope, uint32_t depth)
{
    Dwarf_Off off = 0, real = 0;
    Dwarf_Error err = NULL;
    Dwarf_Unsigned u;
    if (dwarf_global_formref(attr, &off, &err) != DW_DLV_OK) {
        dw_drop_error(c, err);
        err = NULL;
        if (dw_r(c, dwarf_formudata(attr, &u, &err), err, "ranges offset") != DW_DLV_OK)
            return false;
        off = u;
    }
    Dwarf_Ranges *buf = NULL;
    Dwarf_Signed n = 0;
    Dwarf_Unsigned bytes = 0;
    if (dw_r(c, dwarf_get_ranges_b(c->dbg, off, die, &real, &buf, &n, &bytes, &err), err,
             "ranges") != DW_DLV_OK)
        return false;
    uint64_t base = c->cu_base;
    bool any = false;
    for (Dwarf_Signed i = 0; i < n; i++) {
        if (buf[i].dwr_type == DW_RANGES_END)
            break;
        if (buf[i].dwr_type == DW_RANGES_ADDRESS_SELECTION) {
            base = buf[i].dwr_addr2;
            continue;
        }
        hp_dw_add_range(&c->b, base + buf[i].dwr_addr1, base + buf[i].dwr_addr2, scope, depth);
        any = true;
    }
    dwarf_ranges_dealloc(c->dbg, buf, n);
    return any;
}

/* Adds the ranges of the DW_AT_ranges attribute; false when it has none. */
static bool ranges_attr(dw_ctx *c, die_attrs *a, int32_t scope, uint32_t depth)
{
    Dwarf_Attribute at = get_attr(c, a, A_RANGES);
    Dwarf_Error err = NULL;
    Dwarf_Half form = 0;
    if (!at || dw_r(c, dwarf_whatform(at, &form, &err), err, "ranges form") != DW_DLV_OK)
        return false;
    if (c->version >= 5 || form == DW_FORM_rnglistx)
        return rnglists(c, at, form, scope, depth);
    return ranges_v4(c, a->die, at, scope, depth);
}

/* Adds the pc ranges of a DIE: low/high pc, else DW_AT_ranges (for a CU
 * DIE also when high_pc is missing); false when it has none. */
static bool die_ranges(dw_ctx *c, die_attrs *a, int32_t scope, uint32_t depth, bool cu)
{
    Dwarf_Addr lo = 0, hi = 0;
    if (attr_lowpc(c, a, &lo) == DW_DLV_OK) {
        if (attr_highpc(c, a, lo, &hi) == DW_DLV_OK) {
            if (!cu && (lo == 0 || hi <= lo))
                return false;
            hp_dw_add_range(&c->b, lo, hi, scope, depth);
            return true;
        }
        if (!cu)
            return false;
    }
    return ranges_attr(c, a, scope, depth);
}

/* ---- names -------------------------------------------------------------- */

static const char *name_from_attrs(dw_ctx *c, die_attrs *a, int hops, int *ret_linkage);

/* Name of the DIE at a global offset (of the dwz file when alt), cached. */
static const char *name_from_off(dw_ctx *c, Dwarf_Off off, bool alt, int hops, int *ret_linkage)
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
    c->cur = alt ? c->alt : c->dbg;
    if (dw_r(c, dwarf_offdie_b(c->cur, off, 1, &die, &err), err,
             alt ? "bad DIE reference into the dwz file" : "bad DIE reference") == DW_DLV_OK) {
        die_attrs a = attrs_of(c, die);
        name = name_from_attrs(c, &a, hops + 1, &linkage);
        attrs_release(c, &a);
        dwarf_dealloc_die(die);
    }
    c->cur = save;
    hp_dw_name_put(&c->b, off, alt, name, linkage);
    *ret_linkage = linkage;
    return name;
}

static const char *name_from_attrs(dw_ctx *c, die_attrs *a, int hops, int *ret_linkage)
{
    const char *s = attr_str(c, a, A_LINKAGE);
    if (!s)
        s = attr_str(c, a, A_MIPS_LINKAGE);
    if (s) { /* demangled on the scope's first lookup (hp_dw_scope_name) */
        *ret_linkage = NAME_LINKAGE;
        return s;
    }
    const char *plain = attr_str(c, a, A_NAME);
    *ret_linkage = NAME_PLAIN;
    if (hops < HP_DW_MAX_REF_HOPS) {
        Dwarf_Off off;
        bool alt = false;
        int linkage = NAME_PLAIN;
        const char *via = NULL;
        if (attr_ref(c, a, A_ORIGIN, &off, &alt) || attr_ref(c, a, A_SPEC, &off, &alt))
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
static const char *scope_name(dw_ctx *c, die_attrs *a, const char *ns, int *ret_linkage)
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
static void note_qualified(dw_ctx *c, die_attrs *a, const char *ns)
{
    if (attr_str(c, a, A_LINKAGE) || attr_str(c, a, A_MIPS_LINKAGE))
        return;
    const char *n = attr_str(c, a, A_NAME);
    Dwarf_Off off = 0;
    Dwarf_Error err = NULL;
    if (!n || dw_r(c, dwarf_dieoffset(a->die, &off, &err), err, "DIE offset") != DW_DLV_OK ||
        hp_dw_name_get(&c->b, off, false))
        return;
    const char *q = hp_dw_concat(&c->b, ns, n, NULL);
    if (q) /* final: not to be qualified again */
        hp_dw_name_put(&c->b, off, false, q, NAME_QUALIFIED);
}

/* ---- DIE tree ----------------------------------------------------------- */

static void walk(dw_ctx *c, Dwarf_Die parent, int32_t scope, uint32_t depth, unsigned level,
                 const char *ns);

/* A subprogram or inlined_subroutine: a scope when it has code, which its
 * children (inlined calls, lexical blocks) nest in. */
static void visit_scope(dw_ctx *c, Dwarf_Die die, bool sub, int32_t scope, uint32_t depth,
                        unsigned level, const char *ns)
{
    bool inl = !sub && scope >= 0;
    size_t mark = c->b.nranges;
    uint32_t d = scope >= 0 ? depth + 1 : 0;
    int32_t s = hp_dw_new_scope(&c->b, inl ? scope : -1);
    if (s < 0)
        return;
    die_attrs a = attrs_of(c, die);
    if (!die_ranges(c, &a, s, d, false) || c->b.nranges == mark) {
        /* no code (declaration, abstract instance): drop the scope */
        hp_dw_drop_scope(&c->b, mark);
        if (ns && sub)
            note_qualified(c, &a, ns);
        attrs_release(c, &a);
        return;
    }
    int linkage = NAME_PLAIN;
    hp_dw_scope *sc = &c->b.cu->scopes[s];
    sc->name = scope_name(c, &a, sub ? ns : NULL, &linkage);
    sc->mangled = sc->name && linkage == NAME_LINKAGE;
    sc->entry = c->b.ranges[mark].lo;
    sc->plain = !inl && linkage != NAME_LINKAGE && c->lang_mangles;
    Dwarf_Unsigned v;
    if (inl && attr_udata(c, &a, A_CALL_FILE, &v))
        sc->call_file = hp_dw_file(&c->b, v);
    if (inl && attr_udata(c, &a, A_CALL_LINE, &v) && v <= UINT32_MAX)
        sc->call_line = (uint32_t)v;
    attrs_release(c, &a);
    walk(c, die, s, d, level + 1, NULL);
}

static void visit(dw_ctx *c, Dwarf_Die die, int32_t scope, uint32_t depth, unsigned level,
                  const char *ns)
{
    Dwarf_Half tag = 0;
    Dwarf_Error err = NULL;
    if (dw_r(c, dwarf_tag(die, &tag, &err), err, "tag") != DW_DLV_OK)
        return;
    switch (tag) {
    case DW_TAG_subprogram:
    case DW_TAG_inlined_subroutine:
        visit_scope(c, die, tag == DW_TAG_subprogram, scope, depth, level, ns);
        return;
    case DW_TAG_lexical_block:
    case DW_TAG_try_block:
    case DW_TAG_catch_block:
        if (scope >= 0)
            walk(c, die, scope, depth, level + 1, NULL);
        return;
    case DW_TAG_namespace:
        if (scope < 0) {
            die_attrs a = attrs_of(c, die);
            const char *n = attr_str(c, &a, A_NAME);
            const char *p = hp_dw_concat(&c->b, ns, n ? n : "(anonymous namespace)", "::");
            attrs_release(c, &a);
            walk(c, die, scope, depth, level + 1, p);
        }
        return;
    default:
        return;
    }
}

static void walk(dw_ctx *c, Dwarf_Die parent, int32_t scope, uint32_t depth, unsigned level,
                 const char *ns)
{
    if (level > HP_DW_MAX_DEPTH || c->b.oom)
        return;
    Dwarf_Die die = NULL;
    Dwarf_Error err = NULL;
    int r = dw_r(c, dwarf_child(parent, &die, &err), err, "DIE child");
    while (r == DW_DLV_OK && !c->b.oom && c->b.nerrors < HP_DW_MAX_ERRORS) {
        visit(c, die, scope, depth, level, ns);
        Dwarf_Die next = NULL;
        r = dw_r(c, dwarf_siblingof_b(c->dbg, die, 1, &next, &err), err, "DIE sibling");
        dwarf_dealloc_die(die);
        die = next;
    }
}

/* ---- line tables -------------------------------------------------------- */

static void cu_files(dw_ctx *c, Dwarf_Line_Context lctx, Dwarf_Unsigned lversion)
{
    Dwarf_Signed base = 0, count = 0, end = 0;
    Dwarf_Error err = NULL;
    if (dw_r(c, dwarf_srclines_files_indexes(lctx, &base, &count, &end, &err), err,
             "line table files") != DW_DLV_OK ||
        end - base != count || !hp_dw_files_begin(&c->b, base, end))
        return;
    for (Dwarf_Signed i = base; i < end; i++) {
        const char *name = NULL, *dir = NULL;
        Dwarf_Unsigned diridx = 0, mtime, flen;
        Dwarf_Form_Data16 *md5 = NULL;
        if (dw_r(c, dwarf_srclines_files_data_b(lctx, i, &name, &diridx, &mtime, &flen, &md5, &err),
                 err, "line table file entry") != DW_DLV_OK) {
            name = NULL;
        } else if ((lversion >= 5 || diridx > 0) && /* DWARF 5 directory 0 is the first
                                                     * entry; before 5 it means "the
                                                     * compilation directory", not in the table */
                   dwarf_srclines_include_dir_data(lctx, (Dwarf_Signed)diridx, &dir, &err) ==
                       DW_DLV_ERROR) {
            dw_drop_error(c, err);
            err = NULL;
            dir = NULL;
        }
        hp_dw_add_file(&c->b, name, dir);
    }
}

static void cu_lines(dw_ctx *c, Dwarf_Die cu_die)
{
    Dwarf_Unsigned lversion = 0;
    Dwarf_Small tcount = 0;
    Dwarf_Line_Context lctx = NULL;
    Dwarf_Error err = NULL;
    if (dw_r(c, dwarf_srclines_b(cu_die, &lversion, &tcount, &lctx, &err), err, "line table") !=
        DW_DLV_OK)
        return;
    cu_files(c, lctx, lversion);
    Dwarf_Line *lines = NULL;
    Dwarf_Signed n = 0;
    if (tcount == 1 && dwarf_srclines_from_linecontext(lctx, &lines, &n, &err) == DW_DLV_OK) {
        for (Dwarf_Signed i = 0; i < n && !c->b.oom; i++) {
            Dwarf_Addr addr = 0;
            Dwarf_Unsigned lineno = 0, fileno = 0;
            Dwarf_Bool endseq = 0;
            if (dwarf_lineaddr(lines[i], &addr, &err) != DW_DLV_OK ||
                dwarf_lineendsequence(lines[i], &endseq, &err) != DW_DLV_OK ||
                dwarf_lineno(lines[i], &lineno, &err) != DW_DLV_OK ||
                dwarf_line_srcfileno(lines[i], &fileno, &err) != DW_DLV_OK) {
                dw_note_error(c, err, "line table row");
                break;
            }
            hp_dw_add_line(&c->b, addr, fileno, lineno, endseq);
        }
        hp_dw_lines_end(&c->b);
    } else if (err) {
        dw_note_error(c, err, "line rows");
    }
    dwarf_srclines_dealloc_b(lctx);
}

/* ---- per CU --------------------------------------------------------------- */

/* Sets the CU-wide state (version, language, base address, and comp_dir
 * when decoding) from the attributes of its DIE. */
static void cu_setup(dw_ctx *c, die_attrs *a, Dwarf_Half version, bool decoding)
{
    c->version = version;
    if (decoding) {
        const char *cd = attr_str(c, a, A_COMP_DIR);
        c->b.comp_dir = cd ? hp_dw_intern(&c->b, cd, SIZE_MAX) : NULL;
    }
    Dwarf_Unsigned l = 0;
    Dwarf_Addr base = 0;
    c->lang_mangles =
        attr_udata(c, a, A_LANG, &l) &&
        (l == DW_LANG_C_plus_plus || l == DW_LANG_C_plus_plus_03 || l == DW_LANG_C_plus_plus_11 ||
         l == DW_LANG_C_plus_plus_14 || l == DW_LANG_D || l == DW_LANG_Rust);
    c->cu_base = attr_lowpc(c, a, &base) == DW_DLV_OK ? base : 0;
}

/* Decodes the line table and scope tree of CU number i from its DIE. */
static void decode_cu(dw_ctx *c, size_t i, Dwarf_Die cu_die, die_attrs *a)
{
    hp_dw_cu_begin(&c->b, i);
    cu_setup(c, a, c->b.cu->version, true);
    cu_lines(c, cu_die);
    walk(c, cu_die, -1, 0, 0, NULL);
    hp_dw_cu_end(&c->b);
}

void hp_dwarf_decode_cu(hp_dwarf_info *d, size_t i)
{
    dw_ctx *c = d->ctx;
    if (i >= d->ncus || d->cus[i].state != HP_DW_CU_PENDING)
        return;
    d->cus[i].state = HP_DW_CU_FAILED;
    if (!c || c->b.oom || c->b.nerrors >= HP_DW_MAX_ERRORS)
        return;
    Dwarf_Die die = NULL;
    Dwarf_Error err = NULL;
    if (dw_r(c, dwarf_offdie_b(c->dbg, d->cus[i].die_off, 1, &die, &err), err, "CU DIE") ==
        DW_DLV_OK) {
        die_attrs a = attrs_of(c, die);
        d->cus[i].state = HP_DW_CU_PENDING;
        decode_cu(c, i, die, &a);
        attrs_release(c, &a);
        dwarf_dealloc_die(die);
    }
    hp_dw_set_warning(&c->b);
}

/* Registers the CU whose DIE is cu_die: its address ranges from the CU DIE
 * (low/high pc, else DW_AT_ranges); decoded at once when it has none. */
static void index_cu(dw_ctx *c, Dwarf_Die cu_die, Dwarf_Half version)
{
    Dwarf_Half tag = 0;
    Dwarf_Error err = NULL;
    Dwarf_Off off = 0;
    if (dw_r(c, dwarf_tag(cu_die, &tag, &err), err, "CU tag") != DW_DLV_OK ||
        (tag != DW_TAG_compile_unit && tag != DW_TAG_skeleton_unit) || /* partial (dwz) and type
                                                                        * units hold no code */
        dw_r(c, dwarf_dieoffset(cu_die, &off, &err), err, "CU offset") != DW_DLV_OK)
        return;
    int32_t i = hp_dw_add_cu(&c->b, off, version);
    if (i < 0)
        return;
    die_attrs a = attrs_of(c, cu_die);
    if (get_attr(c, &a, A_STMT_LIST))
        c->b.out->has_lines = true;
    cu_setup(c, &a, version, false);
    die_ranges(c, &a, i, 0, true);
    /* no CU ranges (or none usable): decode it now and index what it holds */
    if (!hp_dw_take_cu_ranges(&c->b) && !c->b.oom) {
        decode_cu(c, (size_t)i, cu_die, &a);
        hp_dw_index_decoded(&c->b, (size_t)i);
    }
    attrs_release(c, &a);
}

/* Registers the CUs from the unit headers and .debug_aranges (dwarf_units.c):
 * a CU it gives ranges is indexed by them without reading its DIE, one it
 * lists without ranges holds no code; libdwarf reads the DIEs of the other
 * units (index_cu). */
static void index_units(dw_ctx *c, const hp_dw_units *u)
{
    for (size_t k = 0; k < u->nunits && !c->b.oom && c->b.nerrors < HP_DW_MAX_ERRORS; k++) {
        const hp_dw_unit *un = &u->units[k];
        if (un->listed && (un->version < 5 || un->type == DW_UT_compile)) {
            int32_t i = hp_dw_add_cu(&c->b, un->die_off, un->version);
            for (size_t j = 0; i >= 0 && j < un->n; j++)
                hp_dw_add_range(&c->b, u->ranges[un->first + j].lo, u->ranges[un->first + j].hi, i,
                                0);
            c->b.out->has_lines |= i >= 0 && u->has_lines;
            hp_dw_take_cu_ranges(&c->b);
            continue;
        }
        Dwarf_Die die = NULL;
        Dwarf_Error err = NULL;
        if (dw_r(c, dwarf_offdie_b(c->dbg, un->die_off, 1, &die, &err), err, "CU DIE") !=
            DW_DLV_OK)
            continue;
        index_cu(c, die, un->version);
        dwarf_dealloc_die(die);
    }
}

/* Registers every CU from its DIE, walking the CU headers with libdwarf. */
static void index_all(dw_ctx *c)
{
    while (!c->b.oom && c->b.nerrors < HP_DW_MAX_ERRORS) {
        Dwarf_Unsigned hdrlen = 0, typeoff = 0, next = 0;
        Dwarf_Half version = 0, asize = 0, osize = 0, esize = 0, cutype = 0;
        Dwarf_Off abbrev = 0;
        Dwarf_Sig8 sig;
        Dwarf_Error err = NULL;
        int r = dwarf_next_cu_header_d(c->dbg, 1, &hdrlen, &version, &abbrev, &asize, &osize,
                                       &esize, &sig, &typeoff, &next, &cutype, &err);
        if (dw_r(c, r, err, "CU header") != DW_DLV_OK)
            break;
        Dwarf_Die cu_die = NULL;
        r = dw_r(c, dwarf_siblingof_b(c->dbg, NULL, 1, &cu_die, &err), err, "CU DIE");
        if (r == DW_DLV_ERROR)
            break;
        if (r != DW_DLV_OK)
            continue;
        index_cu(c, cu_die, version);
        dwarf_dealloc_die(cu_die);
    }
}

/* ---- entry points --------------------------------------------------------- */

static void ctx_free(dw_ctx *c)
{
    if (!c)
        return;
    if (c->dbg)
        hp_dwarf_finish(c->dbg);
    if (c->alt)
        hp_dwarf_finish(c->alt);
    hp_dw_elf_end(&c->elf);
    hp_dw_elf_end(&c->alt_elf);
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
static void open_alt(dw_ctx *c, const char *path)
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
    dw_ctx *c = hp_new0(dw_ctx, 1);
    if (!c) {
        hp_dw_sections_free(secs);
        return hp_error_set(reterr, -ENOMEM, "out of memory decoding DWARF");
    }
    *c = (dw_ctx){.b = {.strs = strs, .out = ret, .tmp = HP_BUF_INIT}, .alt_fd = -1};
    c->elf.secs = secs;
    ret->ctx = c;
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
    hp_dw_units units;
    if (hp_dw_units_scan(c->elf.secs, &units) == 0) {
        index_units(c, &units);
        hp_dw_units_release(&units);
    } else {
        index_all(c);
    }
    if (hp_dw_finish_index(&c->b) < 0) {
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
