/*
 * dwarf.c - libdwarf side of the symbolizer (the only file that includes
 * libdwarf.h). Indexes the CUs of one ELF file by address from their CU DIEs
 * (hp_dwarf_load), keeps the libdwarf session open, and decodes one CU when a
 * lookup first falls in it (hp_dwarf_decode_cu): subprogram and
 * inlined_subroutine ranges (low/high pc, DWARF 4 .debug_ranges, DWARF 5
 * rnglists) flattened into disjoint "innermost scope" segments, scope names
 * (linkage name demangled with parameters, following abstract_origin and
 * specification), call_file/call_line, and the line tables (DWARF 2-5) with
 * file names joined the way binutils' addr2line joins them. A dwz
 * supplementary file is opened as a second session, tied to the first so
 * that DW_FORM_GNU_strp_alt / strp_sup strings resolve; DW_FORM_GNU_ref_alt /
 * ref_sup4/8 references are followed into it by name_from_off.
 */
#include "hp_common.h"

#include <fcntl.h>
#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>
#include <unistd.h>

#include "dwarf_compat.h"
#include "hp_buf.h"
#include "hp_demangle.h"
#include "symbolizer-internal.h"

#define HP_DW_MAX_ERRORS 64
#define HP_DW_ALT_OFF    (1ull << 62) /* names cache: offset in the dwz file */

enum { NAME_PLAIN, NAME_LINKAGE, NAME_QUALIFIED };

typedef struct hp_dw_ctx {
    Dwarf_Debug dbg;
    Dwarf_Debug alt; /* dwz supplementary file, NULL if none */
    Dwarf_Debug cur; /* the session of the DIE being read (dbg or alt) */
    int alt_fd;
    hp_strtab *strs;
    hp_dwarf_info *out;
    hp_dw_cu *cu; /* the CU being decoded */
    size_t scopes_alloc, rows_alloc;
    hp_dw_range *ranges;
    size_t nranges, ranges_alloc;
    hp_dw_range *cuext; /* CU index ranges, scope = CU number */
    size_t ncuext, cuext_alloc;
    size_t cus_alloc;
    /* current CU */
    const char *comp_dir;
    Dwarf_Half version;
    Dwarf_Unsigned lang;
    bool lang_mangles; /* C++, D, Rust: DW_AT_name is not the symbol name */
    uint64_t cu_base;
    size_t file_base; /* index in out->files of the CU's file number file_lo */
    Dwarf_Signed file_lo, file_hi;
    /* abstract-origin name cache */
    hp_dw_names names;
    hp_buf tmp;
    int nerrors;
    bool oom;
    char first_error[200];
} dw_ctx;

static void dw_note_error(dw_ctx *c, Dwarf_Error err, const char *what)
{
    if (c->nerrors++ == 0)
        snprintf(c->first_error, sizeof(c->first_error), "%s: %s", what,
                 err ? dwarf_errmsg(err) : "unknown error");
    if (err)
        hp_dwarf_dealloc_error(c->cur, err);
}

/* Error handler for calls made without an error pointer: record, never abort. */
static void dw_errhand(Dwarf_Error err, Dwarf_Ptr arg)
{
    (void)err;
    (void)arg;
}

/* ---- small helpers ------------------------------------------------------ */

static const char *die_str(dw_ctx *c, Dwarf_Die die, Dwarf_Half attr)
{
    char *s = NULL;
    Dwarf_Error err = NULL;
    int r = dwarf_die_text(die, attr, &s, &err);
    if (r == DW_DLV_ERROR) {
        dw_note_error(c, err, "attribute string");
        return NULL;
    }
    /* libdwarf's stand-in for an alternate-file string it cannot read */
    if (r == DW_DLV_OK && s[0] == '<' && strstr(s, "-no-tied-file>"))
        return NULL;
    return r == DW_DLV_OK ? s : NULL;
}

static bool die_udata(dw_ctx *c, Dwarf_Die die, Dwarf_Half attrnum, Dwarf_Unsigned *ret)
{
    Dwarf_Attribute attr = NULL;
    Dwarf_Error err = NULL;
    int r = dwarf_attr(die, attrnum, &attr, &err);
    if (r != DW_DLV_OK) {
        if (r == DW_DLV_ERROR)
            dw_note_error(c, err, "attribute");
        return false;
    }
    Dwarf_Half form = 0;
    if (dwarf_whatform(attr, &form, &err) != DW_DLV_OK) {
        dw_note_error(c, err, "attribute form");
        r = DW_DLV_ERROR;
    } else if (form == DW_FORM_implicit_const) {
        /* libdwarf 20210528's dwarf_formudata rejects implicit_const */
        Dwarf_Signed sv = 0;
        r = dwarf_formsdata(attr, &sv, &err);
        if (r == DW_DLV_ERROR)
            dw_note_error(c, err, "attribute value");
        else if (r == DW_DLV_OK)
            *ret = (Dwarf_Unsigned)sv;
    } else {
        r = dwarf_formudata(attr, ret, &err);
        if (r == DW_DLV_ERROR)
            dw_note_error(c, err, "attribute value");
    }
    dwarf_dealloc(c->cur, attr, DW_DLA_ATTR);
    return r == DW_DLV_OK;
}

/* DW_FORM_ref_sup4/8, which libdwarf 20210528 does not decode: the value
 * read from .debug_info at the attribute's offset. */
static int ref_sup(dw_ctx *c, Dwarf_Die die, Dwarf_Attribute attr, unsigned size, Dwarf_Off *ret,
                   Dwarf_Error *err)
{
    Dwarf_Off at = 0;
    uint64_t v = 0;
    int r = dwarf_attr_offset(die, attr, &at, err);
    if (r != DW_DLV_OK)
        return r;
    if (c->cur != c->dbg || !c->out->read || c->out->read(c->out->hook_arg, at, size, &v) < 0)
        return DW_DLV_NO_ENTRY;
    *ret = v;
    return DW_DLV_OK;
}

/* Global .debug_info offset referenced by attrnum, *alt set when it is one of
 * the dwz file (every reference of a DIE of that file is); false for none or
 * for an alternate-file reference without that file. */
static bool die_ref(dw_ctx *c, Dwarf_Die die, Dwarf_Half attrnum, Dwarf_Off *ret, bool *alt)
{
    Dwarf_Attribute attr = NULL;
    Dwarf_Error err = NULL;
    int r = dwarf_attr(die, attrnum, &attr, &err);
    if (r != DW_DLV_OK) {
        if (r == DW_DLV_ERROR)
            dw_note_error(c, err, "reference");
        return false;
    }
    Dwarf_Half form = 0;
    bool ok = false;
    if (dwarf_whatform(attr, &form, &err) != DW_DLV_OK) {
        dw_note_error(c, err, "reference form");
    } else {
        *alt = c->cur == c->alt || form == DW_FORM_GNU_ref_alt || form == DW_FORM_ref_sup4 ||
               form == DW_FORM_ref_sup8;
        if (*alt && !c->alt)
            r = DW_DLV_NO_ENTRY;
        else if (form == DW_FORM_ref_sup4 || form == DW_FORM_ref_sup8)
            r = ref_sup(c, die, attr, form == DW_FORM_ref_sup4 ? 4 : 8, ret, &err);
        else
            r = dwarf_global_formref(attr, ret, &err);
        if (r == DW_DLV_ERROR)
            dw_note_error(c, err, "reference value");
        ok = r == DW_DLV_OK;
    }
    dwarf_dealloc(c->cur, attr, DW_DLA_ATTR);
    return ok;
}

static const char *intern(dw_ctx *c, const char *s, size_t n)
{
    const char *r = hp_sym_intern(c->strs, s, n);
    if (!r)
        c->oom = true;
    return r;
}

static const char *demangled_intern(dw_ctx *c, const char *linkage)
{
    char *d = hp_demangle(linkage, HP_DEMANGLE_FULL);
    const char *r = intern(c, d ? d : linkage, SIZE_MAX);
    free(d);
    return r;
}

/* ---- names -------------------------------------------------------------- */

static hp_dw_name *name_find(dw_ctx *c, Dwarf_Off off, bool *found)
{
    hp_dw_name *slot = hp_dw_name_find(&c->names, off, found);
    if (!slot)
        c->oom = true;
    return slot;
}

static const char *name_from_die(dw_ctx *c, Dwarf_Die die, int hops, int *ret_linkage);

/* Name of the DIE at a global offset (of the dwz file when alt), cached. */
static const char *name_from_off(dw_ctx *c, Dwarf_Off off, bool alt, int hops, int *ret_linkage)
{
    bool found;
    if (off >= HP_DW_ALT_OFF)
        return NULL;
    off |= alt ? HP_DW_ALT_OFF : 0; /* cache key */
    hp_dw_name *slot = name_find(c, off, &found);
    if (!slot)
        return NULL;
    if (found) {
        *ret_linkage = slot->linkage;
        return slot->name;
    }
    Dwarf_Die die = NULL;
    Dwarf_Error err = NULL;
    const char *name = NULL;
    int linkage = NAME_PLAIN;
    Dwarf_Debug save = c->cur;
    c->cur = alt ? c->alt : c->dbg;
    int r = dwarf_offdie_b(c->cur, off & ~HP_DW_ALT_OFF, 1, &die, &err);
    if (r == DW_DLV_OK) {
        name = name_from_die(c, die, hops + 1, &linkage);
        dwarf_dealloc_die(die);
    } else if (r == DW_DLV_ERROR) {
        dw_note_error(c, err, alt ? "bad DIE reference into the dwz file" : "bad DIE reference");
    }
    c->cur = save;
    /* the table may have grown meanwhile: look the slot up again */
    slot = name_find(c, off, &found);
    if (slot && !found) {
        slot->off = off + 1;
        slot->name = name;
        slot->linkage = linkage;
        c->names.n++;
    }
    *ret_linkage = linkage;
    return name;
}

static const char *name_from_die(dw_ctx *c, Dwarf_Die die, int hops, int *ret_linkage)
{
    const char *s = die_str(c, die, DW_AT_linkage_name);
    if (!s)
        s = die_str(c, die, DW_AT_MIPS_linkage_name);
    if (s) {
        *ret_linkage = NAME_LINKAGE;
        return demangled_intern(c, s);
    }
    const char *plain = die_str(c, die, DW_AT_name);
    *ret_linkage = NAME_PLAIN;
    if (hops < HP_DW_MAX_REF_HOPS) {
        Dwarf_Off off;
        bool alt = false;
        int linkage = NAME_PLAIN;
        const char *via = NULL;
        if (die_ref(c, die, DW_AT_abstract_origin, &off, &alt) ||
            die_ref(c, die, DW_AT_specification, &off, &alt))
            via = name_from_off(c, off, alt, hops, &linkage);
        if (via && (linkage || !plain)) {
            *ret_linkage = linkage;
            return via;
        }
    }
    return plain ? intern(c, plain, SIZE_MAX) : NULL;
}

/* Name of a subprogram or inlined_subroutine DIE; ns is the enclosing
 * namespace prefix ("a::b::") of a DIE found by the tree walk. */
static const char *scope_name(dw_ctx *c, Dwarf_Die die, const char *ns, int *ret_linkage)
{
    int linkage = NAME_PLAIN;
    const char *name = name_from_die(c, die, 0, &linkage);
    *ret_linkage = linkage;
    if (!name || linkage != NAME_PLAIN || !ns || !*ns)
        return name;
    hp_buf_reset(&c->tmp);
    hp_buf_addf(&c->tmp, "%s%s", ns, name);
    if (!hp_buf_ok(&c->tmp)) {
        c->oom = true;
        return name;
    }
    return intern(c, c->tmp.buf, c->tmp.len);
}

/* ---- ranges ------------------------------------------------------------- */

static void add_range(dw_ctx *c, uint64_t lo, uint64_t hi, int32_t scope, uint32_t depth)
{
    /* lo == 0: code removed by the linker (--gc-sections) keeps address 0. */
    if (lo == 0 || hi <= lo || hi - lo > (1ull << 40))
        return;
    if (HP_GROW(c->ranges, c->ranges_alloc, c->nranges + 1) < 0) {
        c->oom = true;
        return;
    }
    c->ranges[c->nranges++] = (hp_dw_range){.lo = lo, .hi = hi, .scope = scope, .depth = depth};
}

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
        if (dwarf_get_rnglists_entry_fields_a(head, i, &len, &code, &raw1, &raw2, &unavail, &lo,
                                              &hi, &err) != DW_DLV_OK) {
            dw_note_error(c, err, "rnglists entry");
            break;
        }
        if (code == DW_RLE_end_of_list)
            break;
        if (code == DW_RLE_base_address || code == DW_RLE_base_addressx || unavail)
            continue;
        add_range(c, lo, hi, scope, depth);
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
        if (err)
            hp_dwarf_dealloc_error(c->dbg, err);
        err = NULL;
        if (dwarf_formudata(attr, &u, &err) != DW_DLV_OK) {
            dw_note_error(c, err, "ranges offset");
            return false;
        }
        off = u;
    }
    Dwarf_Ranges *buf = NULL;
    Dwarf_Signed n = 0;
    Dwarf_Unsigned bytes = 0;
    if (dwarf_get_ranges_b(c->dbg, off, die, &real, &buf, &n, &bytes, &err) != DW_DLV_OK) {
        if (err)
            dw_note_error(c, err, "ranges");
        return false;
    }
    uint64_t base = c->cu_base;
    bool any = false;
    for (Dwarf_Signed i = 0; i < n; i++) {
        if (buf[i].dwr_type == DW_RANGES_END)
            break;
        if (buf[i].dwr_type == DW_RANGES_ADDRESS_SELECTION) {
            base = buf[i].dwr_addr2;
            continue;
        }
        add_range(c, base + buf[i].dwr_addr1, base + buf[i].dwr_addr2, scope, depth);
        any = true;
    }
    dwarf_ranges_dealloc(c->dbg, buf, n);
    return any;
}

static bool die_ranges_attr(dw_ctx *c, Dwarf_Die die, int32_t scope, uint32_t depth);

/* Adds the pc ranges of die; false when it has none. */
static bool die_ranges(dw_ctx *c, Dwarf_Die die, int32_t scope, uint32_t depth)
{
    Dwarf_Addr lo = 0, hi = 0;
    Dwarf_Error err = NULL;
    int r = dwarf_lowpc(die, &lo, &err);
    if (r == DW_DLV_OK) {
        Dwarf_Half form = 0;
        enum Dwarf_Form_Class cls = DW_FORM_CLASS_UNKNOWN;
        r = dwarf_highpc_b(die, &hi, &form, &cls, &err);
        if (r != DW_DLV_OK) {
            if (r == DW_DLV_ERROR)
                dw_note_error(c, err, "high_pc");
            return false;
        }
        if (cls == DW_FORM_CLASS_CONSTANT)
            hi += lo;
        if (lo == 0 || hi <= lo)
            return false;
        add_range(c, lo, hi, scope, depth);
        return true;
    }
    if (r == DW_DLV_ERROR)
        dw_note_error(c, err, "low_pc");
    return die_ranges_attr(c, die, scope, depth);
}

/* Adds the ranges of the DW_AT_ranges attribute of die; false when it has none. */
static bool die_ranges_attr(dw_ctx *c, Dwarf_Die die, int32_t scope, uint32_t depth)
{
    Dwarf_Attribute attr = NULL;
    Dwarf_Error err = NULL;
    int r = dwarf_attr(die, DW_AT_ranges, &attr, &err);
    if (r != DW_DLV_OK) {
        if (r == DW_DLV_ERROR)
            dw_note_error(c, err, "ranges attribute");
        return false;
    }
    Dwarf_Half form = 0;
    bool any = false;
    if (dwarf_whatform(attr, &form, &err) != DW_DLV_OK)
        dw_note_error(c, err, "ranges form");
    else if (c->version >= 5 || form == DW_FORM_rnglistx)
        any = rnglists(c, attr, form, scope, depth);
    else
        any = ranges_v4(c, die, attr, scope, depth);
    dwarf_dealloc(c->dbg, attr, DW_DLA_ATTR);
    return any;
}

/* ---- DIE tree ----------------------------------------------------------- */

static int32_t new_scope(dw_ctx *c, const char *name, int32_t parent)
{
    hp_dw_cu *o = c->cu;
    if (o->nscopes >= INT32_MAX || HP_GROW(o->scopes, c->scopes_alloc, o->nscopes + 1) < 0) {
        c->oom = true;
        return -1;
    }
    o->scopes[o->nscopes] = (hp_dw_scope){.name = name, .parent = parent};
    return (int32_t)o->nscopes++;
}

static const char *cu_file(dw_ctx *c, Dwarf_Unsigned fileno)
{
    if ((Dwarf_Signed)fileno < c->file_lo || (Dwarf_Signed)fileno >= c->file_hi)
        return NULL;
    return c->out->files[c->file_base + (size_t)(fileno - (Dwarf_Unsigned)c->file_lo)];
}

static void walk(dw_ctx *c, Dwarf_Die parent, int32_t scope, uint32_t depth, unsigned level,
                 const char *ns);

/* A declaration inside a namespace without a linkage name (gcc omits it for
 * static functions): remember "ns::name" for the DIEs that refer to it, so
 * they print the qualified name, as addr2line does through the ELF symbol. */
static void note_qualified(dw_ctx *c, Dwarf_Die die, const char *ns)
{
    if (die_str(c, die, DW_AT_linkage_name) || die_str(c, die, DW_AT_MIPS_linkage_name))
        return;
    const char *n = die_str(c, die, DW_AT_name);
    Dwarf_Off off = 0;
    Dwarf_Error err = NULL;
    if (!n || dwarf_dieoffset(die, &off, &err) != DW_DLV_OK)
        return;
    bool found;
    hp_dw_name *slot = name_find(c, off, &found);
    if (!slot || found)
        return;
    hp_buf_reset(&c->tmp);
    hp_buf_addf(&c->tmp, "%s%s", ns, n);
    if (!hp_buf_ok(&c->tmp))
        return;
    slot->off = off + 1;
    slot->name = intern(c, c->tmp.buf, c->tmp.len);
    slot->linkage = NAME_QUALIFIED; /* final: not to be qualified again */
    c->names.n++;
}

static void visit(dw_ctx *c, Dwarf_Die die, int32_t scope, uint32_t depth, unsigned level,
                  const char *ns)
{
    Dwarf_Half tag = 0;
    Dwarf_Error err = NULL;
    if (dwarf_tag(die, &tag, &err) != DW_DLV_OK) {
        dw_note_error(c, err, "tag");
        return;
    }
    switch (tag) {
    case DW_TAG_subprogram:
    case DW_TAG_inlined_subroutine: {
        bool inl = tag == DW_TAG_inlined_subroutine && scope >= 0;
        size_t mark = c->nranges;
        uint32_t d = scope >= 0 ? depth + 1 : 0;
        int32_t s = new_scope(c, NULL, inl ? scope : -1);
        if (s < 0)
            return;
        if (!die_ranges(c, die, s, d) || c->nranges == mark) {
            /* no code (declaration, abstract instance): drop the scope */
            c->nranges = mark;
            c->cu->nscopes--;
            if (ns && tag == DW_TAG_subprogram)
                note_qualified(c, die, ns);
            return;
        }
        int linkage = NAME_PLAIN;
        hp_dw_scope *sc = &c->cu->scopes[s];
        sc->name = scope_name(c, die, tag == DW_TAG_subprogram ? ns : NULL, &linkage);
        sc->entry = c->ranges[mark].lo;
        sc->plain = !inl && linkage != NAME_LINKAGE && c->lang_mangles;
        if (inl) {
            Dwarf_Unsigned v;
            if (die_udata(c, die, DW_AT_call_file, &v))
                c->cu->scopes[s].call_file = cu_file(c, v);
            if (die_udata(c, die, DW_AT_call_line, &v) && v <= UINT32_MAX)
                c->cu->scopes[s].call_line = (uint32_t)v;
        }
        walk(c, die, s, d, level + 1, NULL);
        return;
    }
    case DW_TAG_lexical_block:
    case DW_TAG_try_block:
    case DW_TAG_catch_block:
        if (scope >= 0)
            walk(c, die, scope, depth, level + 1, NULL);
        return;
    case DW_TAG_namespace:
        if (scope < 0) {
            const char *n = die_str(c, die, DW_AT_name);
            hp_buf b = HP_BUF_INIT;
            hp_buf_addf(&b, "%s%s::", ns ? ns : "", n ? n : "(anonymous namespace)");
            const char *p = hp_buf_ok(&b) ? intern(c, b.buf, b.len) : NULL;
            hp_buf_release(&b);
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
    if (level > HP_DW_MAX_DEPTH || c->oom)
        return;
    Dwarf_Die die = NULL;
    Dwarf_Error err = NULL;
    int r = dwarf_child(parent, &die, &err);
    if (r == DW_DLV_ERROR)
        dw_note_error(c, err, "DIE child");
    while (r == DW_DLV_OK && !c->oom && c->nerrors < HP_DW_MAX_ERRORS) {
        visit(c, die, scope, depth, level, ns);
        Dwarf_Die next = NULL;
        r = dwarf_siblingof_b(c->dbg, die, 1, &next, &err);
        if (r == DW_DLV_ERROR)
            dw_note_error(c, err, "DIE sibling");
        dwarf_dealloc_die(die);
        die = next;
    }
}

/* ---- line tables -------------------------------------------------------- */

static const char *join_file(dw_ctx *c, const char *name, const char *subdir)
{
    bool oom = false;
    const char *r = hp_dw_join_file(c->strs, &c->tmp, c->comp_dir, name, subdir, &oom);
    if (oom)
        c->oom = true;
    return r;
}

static void cu_files(dw_ctx *c, Dwarf_Line_Context lctx, Dwarf_Unsigned lversion)
{
    Dwarf_Signed base = 0, count = 0, end = 0;
    Dwarf_Error err = NULL;
    hp_dwarf_info *o = c->out;
    c->file_base = o->nfiles;
    c->file_lo = c->file_hi = 0;
    if (dwarf_srclines_files_indexes(lctx, &base, &count, &end, &err) != DW_DLV_OK) {
        dw_note_error(c, err, "line table files");
        return;
    }
    if (count < 0 || count > 1000000 || end - base != count)
        return;
    if (HP_GROW(o->files, o->files_alloc, o->nfiles + (size_t)count) < 0) {
        c->oom = true;
        return;
    }
    for (Dwarf_Signed i = base; i < end; i++) {
        const char *name = NULL, *dir = NULL;
        Dwarf_Unsigned diridx = 0, mtime, flen;
        Dwarf_Form_Data16 *md5 = NULL;
        if (dwarf_srclines_files_data_b(lctx, i, &name, &diridx, &mtime, &flen, &md5, &err) !=
            DW_DLV_OK) {
            dw_note_error(c, err, "line table file entry");
            name = NULL;
        } else if (lversion >= 5 || diridx > 0) {
            /* DWARF 5 directory 0 is the first entry; before 5 it means
             * "the compilation directory" and is not in the table. */
            if (dwarf_srclines_include_dir_data(lctx, (Dwarf_Signed)diridx, &dir, &err) ==
                DW_DLV_ERROR) {
                hp_dwarf_dealloc_error(c->dbg, err);
                err = NULL;
                dir = NULL;
            }
        }
        o->files[o->nfiles++] = join_file(c, name, dir);
    }
    c->file_lo = base;
    c->file_hi = end;
}

static void cu_lines(dw_ctx *c, Dwarf_Die cu_die)
{
    Dwarf_Unsigned lversion = 0;
    Dwarf_Small tcount = 0;
    Dwarf_Line_Context lctx = NULL;
    Dwarf_Error err = NULL;
    int r = dwarf_srclines_b(cu_die, &lversion, &tcount, &lctx, &err);
    if (r != DW_DLV_OK) {
        if (r == DW_DLV_ERROR)
            dw_note_error(c, err, "line table");
        return;
    }
    cu_files(c, lctx, lversion);
    Dwarf_Line *lines = NULL;
    Dwarf_Signed n = 0;
    hp_dw_cu *o = c->cu;
    if (tcount == 1 && dwarf_srclines_from_linecontext(lctx, &lines, &n, &err) == DW_DLV_OK) {
        size_t seq_start = o->nrows;
        bool in_seq = false;
        for (Dwarf_Signed i = 0; i < n && !c->oom; i++) {
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
            uint32_t file = UINT32_MAX - 1;
            if ((Dwarf_Signed)fileno >= c->file_lo && (Dwarf_Signed)fileno < c->file_hi)
                file = (uint32_t)(c->file_base + (size_t)(fileno - (Dwarf_Unsigned)c->file_lo));
            if (endseq)
                file = UINT32_MAX;
            hp_dw_row row = {
                .addr = addr, .file = file, .line = lineno > UINT32_MAX ? 0 : (uint32_t)lineno};
            if (hp_dw_add_row(o, &c->rows_alloc, row, &seq_start, &in_seq) < 0)
                c->oom = true;
        }
        if (in_seq)
            o->nrows = seq_start; /* unterminated sequence */
    } else if (err) {
        dw_note_error(c, err, "line rows");
    }
    dwarf_srclines_dealloc_b(lctx);
}

/* ---- per CU --------------------------------------------------------------- */

/* Sets the CU-wide state (version, comp_dir, language, base address). */
static void cu_setup(dw_ctx *c, Dwarf_Die cu_die, Dwarf_Half version)
{
    Dwarf_Error err = NULL;
    c->version = version;
    c->comp_dir = NULL;
    const char *cd = die_str(c, cu_die, DW_AT_comp_dir);
    if (cd)
        c->comp_dir = intern(c, cd, SIZE_MAX);
    c->lang = 0;
    if (dwarf_srclang(cu_die, &c->lang, &err) == DW_DLV_ERROR)
        dw_note_error(c, err, "language");
    c->lang_mangles = c->lang == DW_LANG_C_plus_plus || c->lang == DW_LANG_C_plus_plus_03 ||
                      c->lang == DW_LANG_C_plus_plus_11 || c->lang == DW_LANG_C_plus_plus_14 ||
                      c->lang == DW_LANG_D || c->lang == DW_LANG_Rust;
    Dwarf_Addr base = 0;
    err = NULL;
    if (dwarf_lowpc(cu_die, &base, &err) == DW_DLV_ERROR)
        dw_note_error(c, err, "CU low_pc");
    c->cu_base = base;
}

/* Decodes the line table and scope tree of CU number i from its DIE. */
static void decode_cu(dw_ctx *c, size_t i, Dwarf_Die cu_die)
{
    hp_dw_cu *cu = &c->out->cus[i];
    c->cu = cu;
    c->nranges = 0;
    c->scopes_alloc = c->rows_alloc = 0;
    cu_setup(c, cu_die, cu->version);
    cu_lines(c, cu_die);
    walk(c, cu_die, -1, 0, 0, NULL);
    if (!c->oom && hp_dw_build_tables(cu, c->ranges, c->nranges) < 0)
        c->oom = true;
    c->nranges = 0;
    c->cu = NULL;
    if (c->oom) {
        hp_dw_cu_release(cu);
        cu->state = HP_DW_CU_FAILED;
        return;
    }
    cu->state = HP_DW_CU_DONE;
    if (c->out->hook)
        c->out->hook(c->out->hook_arg, cu);
}

static void set_warning(dw_ctx *c)
{
    if (!c->nerrors || c->out->warning)
        return;
    char msg[256];
    snprintf(msg, sizeof(msg), "corrupt DWARF: %s%s", c->first_error,
             c->nerrors > 1 ? " (and more errors)" : "");
    c->out->warning = hp_sym_intern(c->strs, msg, SIZE_MAX);
}

void hp_dwarf_decode_cu(hp_dwarf_info *d, size_t i)
{
    dw_ctx *c = d->ctx;
    if (i >= d->ncus || d->cus[i].state != HP_DW_CU_PENDING)
        return;
    d->cus[i].state = HP_DW_CU_FAILED;
    if (!c || c->oom || c->nerrors >= HP_DW_MAX_ERRORS)
        return;
    Dwarf_Die die = NULL;
    Dwarf_Error err = NULL;
    int r = dwarf_offdie_b(c->dbg, d->cus[i].die_off, 1, &die, &err);
    if (r != DW_DLV_OK) {
        if (r == DW_DLV_ERROR)
            dw_note_error(c, err, "CU DIE");
    } else {
        d->cus[i].state = HP_DW_CU_PENDING;
        decode_cu(c, i, die);
        dwarf_dealloc_die(die);
    }
    set_warning(c);
}

/* Registers the CU whose DIE is cu_die: its address ranges from the CU DIE
 * (low/high pc, else DW_AT_ranges); decoded at once when it has none. */
static void index_cu(dw_ctx *c, Dwarf_Die cu_die, Dwarf_Half version)
{
    Dwarf_Half tag = 0;
    Dwarf_Error err = NULL;
    if (dwarf_tag(cu_die, &tag, &err) != DW_DLV_OK) {
        dw_note_error(c, err, "CU tag");
        return;
    }
    if (tag != DW_TAG_compile_unit && tag != DW_TAG_skeleton_unit)
        return; /* partial (dwz) and type units hold no code ranges */
    Dwarf_Off off = 0;
    if (dwarf_dieoffset(cu_die, &off, &err) != DW_DLV_OK) {
        dw_note_error(c, err, "CU offset");
        return;
    }
    hp_dwarf_info *d = c->out;
    if (d->ncus >= INT32_MAX || HP_GROW(d->cus, c->cus_alloc, d->ncus + 1) < 0) {
        c->oom = true;
        return;
    }
    size_t i = d->ncus++;
    d->cus[i] = (hp_dw_cu){.die_off = off, .version = version, .state = HP_DW_CU_PENDING};
    Dwarf_Attribute attr = NULL;
    int r = dwarf_attr(cu_die, DW_AT_stmt_list, &attr, &err);
    if (r == DW_DLV_OK) {
        d->has_lines = true;
        dwarf_dealloc(c->dbg, attr, DW_DLA_ATTR);
    } else if (r == DW_DLV_ERROR) {
        hp_dwarf_dealloc_error(c->dbg, err);
    }
    /* the CU's ranges, gathered in c->ranges, then moved to c->cuext */
    c->version = version;
    Dwarf_Addr lo = 0, hi = 0;
    err = NULL;
    c->nranges = 0;
    r = dwarf_lowpc(cu_die, &lo, &err);
    if (r == DW_DLV_ERROR)
        dw_note_error(c, err, "CU low_pc");
    c->cu_base = r == DW_DLV_OK ? lo : 0;
    Dwarf_Half form = 0;
    enum Dwarf_Form_Class cls = DW_FORM_CLASS_UNKNOWN;
    err = NULL;
    if (r == DW_DLV_OK && (r = dwarf_highpc_b(cu_die, &hi, &form, &cls, &err)) == DW_DLV_OK) {
        if (cls == DW_FORM_CLASS_CONSTANT)
            hi += lo;
        add_range(c, lo, hi, (int32_t)i, 0);
    } else {
        if (r == DW_DLV_ERROR)
            dw_note_error(c, err, "CU high_pc");
        die_ranges_attr(c, cu_die, (int32_t)i, 0);
    }
    if (c->nranges && !c->oom) {
        if (HP_GROW(c->cuext, c->cuext_alloc, c->ncuext + c->nranges) < 0) {
            c->oom = true;
            return;
        }
        memcpy(c->cuext + c->ncuext, c->ranges, c->nranges * sizeof(*c->ranges));
        c->ncuext += c->nranges;
        c->nranges = 0;
        return;
    }
    c->nranges = 0;
    /* no CU ranges (or none usable): decode it now and index what it holds */
    decode_cu(c, i, cu_die);
    if (d->cus[i].state == HP_DW_CU_DONE &&
        hp_dw_cu_extents(&d->cus[i], (int32_t)i, &c->cuext, &c->ncuext, &c->cuext_alloc) < 0)
        c->oom = true;
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
    if (c->alt_fd >= 0)
        close(c->alt_fd);
    free(c->ranges);
    free(c->cuext);
    free(c->names.slots);
    hp_buf_release(&c->tmp);
    free(c);
}

void hp_dwarf_release(hp_dwarf_info *d)
{
    if (!d)
        return;
    ctx_free(d->ctx);
    for (size_t i = 0; i < d->ncus; i++)
        hp_dw_cu_release(&d->cus[i]);
    free(d->cus);
    free(d->index);
    free(d->files);
    *d = (hp_dwarf_info){0};
}

/* Opens the dwz file as c->alt, tied to c->dbg; a failure is a DWARF warning. */
static void open_alt(dw_ctx *c, const char *path)
{
    Dwarf_Error err = NULL;
    const char *why = NULL;
    c->alt_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (c->alt_fd < 0)
        why = strerror(errno);
    else
        why = hp_dw_precheck(c->alt_fd);
    Dwarf_Debug errdbg = NULL;
    if (!why && hp_dwarf_init_fd(c->alt_fd, dw_errhand, NULL, &c->alt, &err) != DW_DLV_OK) {
        c->alt = NULL;
        why = err ? dwarf_errmsg(err) : "no DWARF";
    } else if (!why && dwarf_set_tied_dbg(c->dbg, c->alt, &err) != DW_DLV_OK) {
        why = err ? dwarf_errmsg(err) : "cannot tie";
        errdbg = c->dbg;
    }
    if (why && c->nerrors++ == 0)
        snprintf(c->first_error, sizeof(c->first_error), "dwz file '%s': %s", path, why);
    if (err)
        hp_dwarf_dealloc_error(errdbg, err);
    if (why && c->alt) {
        hp_dwarf_finish(c->alt);
        c->alt = NULL;
    }
}

int hp_dwarf_load(int fd, const char *alt_path, hp_strtab *strs, hp_dw_cu_hook *hook,
                  hp_dw_read_hook *read, void *hook_arg, hp_dwarf_info *ret, hp_error *reterr)
{
    *ret = (hp_dwarf_info){.hook = hook, .read = read, .hook_arg = hook_arg};
    const char *why = hp_dw_precheck(fd);
    if (why)
        return hp_error_set(reterr, -EBADMSG, "corrupt DWARF: %s", why);
    dw_ctx *c = hp_new0(dw_ctx, 1);
    if (!c)
        return hp_error_set(reterr, -ENOMEM, "out of memory decoding DWARF");
    *c = (dw_ctx){.strs = strs, .out = ret, .tmp = HP_BUF_INIT, .alt_fd = -1};
    ret->ctx = c;
    Dwarf_Error err = NULL;
    int r = hp_dwarf_init_fd(fd, dw_errhand, NULL, &c->dbg, &err);
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
    for (unsigned ncu = 0; !c->oom && c->nerrors < HP_DW_MAX_ERRORS; ncu++) {
        Dwarf_Unsigned hdrlen = 0, typeoff = 0, next = 0;
        Dwarf_Half version = 0, asize = 0, osize = 0, esize = 0, cutype = 0;
        Dwarf_Off abbrev = 0;
        Dwarf_Sig8 sig;
        err = NULL;
        r = dwarf_next_cu_header_d(c->dbg, 1, &hdrlen, &version, &abbrev, &asize, &osize, &esize,
                                   &sig, &typeoff, &next, &cutype, &err);
        if (r == DW_DLV_NO_ENTRY)
            break;
        if (r == DW_DLV_ERROR) {
            dw_note_error(c, err, "CU header");
            break;
        }
        Dwarf_Die cu_die = NULL;
        r = dwarf_siblingof_b(c->dbg, NULL, 1, &cu_die, &err);
        if (r == DW_DLV_ERROR) {
            dw_note_error(c, err, "CU DIE");
            break;
        }
        if (r != DW_DLV_OK)
            continue;
        index_cu(c, cu_die, version);
        dwarf_dealloc_die(cu_die);
    }
    if (!c->oom && hp_dw_build_index(ret, c->cuext, c->ncuext) < 0)
        c->oom = true;
    if (c->oom) {
        hp_dwarf_release(ret);
        return hp_error_set(reterr, -ENOMEM, "out of memory decoding DWARF");
    }
    set_warning(c);
    if (c->nerrors && !ret->nindex) {
        const char *msg = ret->warning;
        hp_dwarf_release(ret);
        return hp_error_set(reterr, -EBADMSG, "%s", msg ? msg : "corrupt DWARF");
    }
    free(c->cuext);
    c->cuext = NULL;
    c->ncuext = c->cuext_alloc = 0;
    return 0;
}
