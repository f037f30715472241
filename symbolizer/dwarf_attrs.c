/*
 * dwarf_attrs.c - reading one DIE with libdwarf for dwarf.c: its attributes,
 * each read on first use and only when its abbreviation declares it (the set
 * cached per abbreviation, as dwarf_attr scans the DIE), the forms libdwarf
 * 20210528 does not decode (implicit_const, ref_sup4/8), and its pc ranges
 * (low/high pc, DWARF 4 .debug_ranges, DWARF 5 rnglists); and the tally of
 * libdwarf errors. Called by dwarf.c; calls dwarf_build.c (what is kept).
 */
#include "hp_common.h"

#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>

#include "dwarf_die.h"
#include "dwarf_reader.h"

void hp_dwa_note_error(hp_dwa_ctx *c, Dwarf_Error err, const char *what)
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
int hp_dwa_r(hp_dwa_ctx *c, int r, Dwarf_Error err, const char *what)
{
    if (r == DW_DLV_ERROR)
        hp_dwa_note_error(c, err, what);
    return r;
}

/* Frees an error that is not worth a warning. */
void hp_dwa_drop_error(hp_dwa_ctx *c, Dwarf_Error err)
{
    if (err)
        hp_dwarf_dealloc_error(c->cur, err);
}

/* ---- attributes ------------------------------------------------------------ */

/* The libdwarf numbers of the A_* attributes. */
/* clang-format off */
static const Dwarf_Half attr_nums[A_COUNT] = {
    DW_AT_low_pc, DW_AT_high_pc, DW_AT_ranges, DW_AT_linkage_name, DW_AT_MIPS_linkage_name,
    DW_AT_name, DW_AT_abstract_origin, DW_AT_specification, DW_AT_call_file, DW_AT_call_line,
    DW_AT_comp_dir, DW_AT_stmt_list, DW_AT_language};
/* clang-format on */

/* Which A_* attributes the DIEs of die's abbreviation have (bit k), cached by
 * the abbreviation's .debug_abbrev offset; every bit when it cannot be read. */
static unsigned attr_mask(hp_dwa_ctx *c, Dwarf_Die die)
{
    const unsigned all = (1u << A_COUNT) - 1;
    Dwarf_Off goff = 0, off;
    Dwarf_Unsigned len = 0, n = 0, num, form;
    Dwarf_Signed ic;
    Dwarf_Error err = NULL;
    Dwarf_Abbrev ab = NULL;
    uint32_t m = 0;
    if (dwarf_die_abbrev_global_offset(die, &goff, &n, &err) != DW_DLV_OK)
        return hp_dwa_drop_error(c, err), all;
    if (hp_dw_mask_get(&c->b, goff, c->cur == c->alt, &m))
        return m;
    if (dwarf_get_abbrev(c->cur, goff, &ab, &len, &n, &err) != DW_DLV_OK)
        return hp_dwa_drop_error(c, err), all;
    for (Dwarf_Unsigned i = 0; i < n && m != all; i++) {
        if (dwarf_get_abbrev_entry_b(ab, i, 1, &num, &form, &ic, &off, &err) != DW_DLV_OK) {
            hp_dwa_drop_error(c, err);
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

/* Starts reading the attributes of die; release with hp_dwa_release. */
hp_dwa_attrs hp_dwa_of(hp_dwa_ctx *c, Dwarf_Die die)
{
    return (hp_dwa_attrs){.die = die, .mask = attr_mask(c, die)};
}

void hp_dwa_skim_init(hp_dw_skim *s)
{
    s->want = attr_nums;
    s->nwant = A_COUNT;
}

bool hp_dwa_of_node(hp_dwa_ctx *c, Dwarf_Off off, hp_dwa_attrs *ret)
{
    *ret = (hp_dwa_attrs){.raw = true, .off = off};
    if (!c->skimmed || c->cur != c->dbg || !hp_dw_skim_die(&c->skim, off, ret->raw_at))
        return false;
    for (int k = 0; k < A_COUNT; k++)
        ret->mask |= ret->raw_at[k].form ? 1u << k : 0;
    return true;
}

/* The libdwarf DIE of a, read on first need for a raw one; NULL (noted) if unreadable. */
static Dwarf_Die die_of(hp_dwa_ctx *c, hp_dwa_attrs *a)
{
    Dwarf_Error err = NULL;
    if (!a->die && a->raw && !a->own_die) {
        a->own_die = true;
        if (hp_dwa_r(c, dwarf_offdie_b(c->dbg, a->off, 1, &a->die, &err), err, "DIE sibling") !=
            DW_DLV_OK)
            a->die = NULL;
    }
    return a->die;
}

bool hp_dwa_offset(hp_dwa_ctx *c, hp_dwa_attrs *a, Dwarf_Off *ret)
{
    Dwarf_Error err = NULL;
    if (a->raw) {
        *ret = a->off;
        return true;
    }
    return hp_dwa_r(c, dwarf_dieoffset(a->die, ret, &err), err, "DIE offset") == DW_DLV_OK;
}

/* Attribute k of the DIE, NULL when it has none. */
Dwarf_Attribute hp_dwa_get(hp_dwa_ctx *c, hp_dwa_attrs *a, int k)
{
    Dwarf_Error err = NULL;
    unsigned bit = 1u << k;
    if (!(a->mask & bit) || (a->fetched & bit))
        return a->at[k];
    a->fetched |= bit;
    if (!die_of(c, a) ||
        hp_dwa_r(c, dwarf_attr(a->die, attr_nums[k], &a->at[k], &err), err, "attribute") !=
            DW_DLV_OK)
        a->at[k] = NULL;
    return a->at[k];
}

void hp_dwa_release(hp_dwa_ctx *c, hp_dwa_attrs *a)
{
    for (unsigned m = a->fetched; m; m &= m - 1) { /* only a fetched one is set */
        int k = __builtin_ctz(m);
        if (a->at[k])
            dwarf_dealloc(c->cur, a->at[k], DW_DLA_ATTR);
        a->at[k] = NULL;
    }
    if (a->own_die && a->die)
        dwarf_dealloc_die(a->die);
    /* as hp_dwa_attrs{0} reads (raw_at unread once raw is false) */
    a->die = NULL;
    a->mask = a->fetched = 0;
    a->raw = a->own_die = a->low_read = false;
}

/* ---- raw values: the forms read without libdwarf (what it would read) ---- */

/* A reader of raw attribute k's value, bounded by its unit. */
static hp_dw_reader raw_reader(const hp_dwa_ctx *c, const hp_dwa_attrs *a, int k)
{
    const hp_dw_skim_input *u = &c->skim.unit;
    return (hp_dw_reader){.p = a->raw_at[k].val, .end = u->info + u->end,
                          .big_endian = u->big_endian};
}

/* The unsigned value of a constant form (data1/2/4/8, udata, implicit_const
 * as libdwarf's dwarf_formsdata gives it); false for another form. */
static bool raw_udata(const hp_dwa_ctx *c, const hp_dwa_attrs *a, int k, Dwarf_Unsigned *ret)
{
    static const unsigned char sizes[] = {[0x0b] = 1, [0x05] = 2, [0x06] = 4, [0x07] = 8};
    unsigned form = a->raw ? a->raw_at[k].form : 0;
    hp_dw_reader r = raw_reader(c, a, k);
    if (form == DW_FORM_implicit_const)
        *ret = (Dwarf_Unsigned)a->raw_at[k].implicit;
    else if (form == 0x0f) /* udata */
        *ret = hp_dwr_uleb(&r);
    else if (form < sizeof(sizes) && sizes[form])
        *ret = hp_dwr_u(&r, sizes[form]);
    else
        return false;
    return !r.bad;
}

/* A DW_FORM_addr value; false for another form. */
static bool raw_addr(const hp_dwa_ctx *c, const hp_dwa_attrs *a, int k, Dwarf_Addr *ret)
{
    if (!a->raw || a->raw_at[k].form != 0x01)
        return false;
    hp_dw_reader r = raw_reader(c, a, k);
    *ret = hp_dwr_u(&r, c->skim.unit.addr_size);
    return !r.bad;
}

/* A string of form string (in the unit) or strp (in .debug_str, whole); NULL
 * for another form or one libdwarf would not read either. */
static const char *raw_str(hp_dwa_ctx *c, const hp_dwa_attrs *a, int k)
{
    unsigned form = a->raw ? a->raw_at[k].form : 0;
    hp_dw_reader r = raw_reader(c, a, k);
    if (form == 0x08) /* string */
        return hp_dwr_str(&r);
    if (form != 0x0e) /* strp */
        return NULL;
    uint64_t off = hp_dwr_u(&r, c->skim.unit.offset_size);
    if (!c->str_state) {
        size_t i = hp_dw_sections_find(c->elf.secs, ".debug_str");
        c->str_state = i != SIZE_MAX && hp_dw_sections_load(c->elf.secs, i, &c->str, &c->str_n) == 0
                           ? 1
                           : -1;
    }
    if (r.bad || c->str_state < 0 || off >= c->str_n)
        return NULL;
    hp_dw_reader sr = {.p = c->str + off, .end = c->str + c->str_n};
    return hp_dwr_str(&sr);
}

/* A reference of form ref1/2/4/8/ref_udata inside the unit, as a .debug_info
 * offset; false for another form or one pointing outside its DIEs. */
static bool raw_ref(const hp_dwa_ctx *c, const hp_dwa_attrs *a, int k, Dwarf_Off *ret)
{
    unsigned form = a->raw ? a->raw_at[k].form : 0;
    hp_dw_reader r = raw_reader(c, a, k);
    const hp_dw_skim_input *u = &c->skim.unit;
    uint64_t v;
    if (form >= 0x11 && form <= 0x14) /* ref1, ref2, ref4, ref8 */
        v = hp_dwr_u(&r, 1u << (form - 0x11));
    else if (form == 0x15)
        v = hp_dwr_uleb(&r);
    else
        return false;
    if (r.bad || v < u->die_off - u->hdr_off || v >= u->end - u->hdr_off)
        return false;
    *ret = u->hdr_off + v;
    return true;
}

const char *hp_dwa_str(hp_dwa_ctx *c, hp_dwa_attrs *a, int k)
{
    char *s = NULL;
    Dwarf_Error err = NULL;
    const char *raw = raw_str(c, a, k);
    if (raw)
        return raw;
    Dwarf_Attribute at = hp_dwa_get(c, a, k);
    if (!at)
        return NULL;
    int r = hp_dwa_r(c, dwarf_formstring(at, &s, &err), err, "attribute string");
    /* libdwarf's stand-in for an alternate-file string it cannot read */
    if (r == DW_DLV_OK && s[0] == '<' && strstr(s, "-no-tied-file>"))
        return NULL;
    return r == DW_DLV_OK ? s : NULL;
}

bool hp_dwa_udata(hp_dwa_ctx *c, hp_dwa_attrs *a, int k, Dwarf_Unsigned *ret)
{
    Dwarf_Unsigned v;
    if (raw_udata(c, a, k, &v)) {
        *ret = v;
        return true;
    }
    Dwarf_Attribute at = hp_dwa_get(c, a, k);
    Dwarf_Error err = NULL;
    Dwarf_Half form = 0;
    if (!at || hp_dwa_r(c, dwarf_whatform(at, &form, &err), err, "attribute form") != DW_DLV_OK)
        return false;
    Dwarf_Signed sv = 0;
    if (form != DW_FORM_implicit_const)
        return hp_dwa_r(c, dwarf_formudata(at, ret, &err), err, "attribute value") == DW_DLV_OK;
    /* libdwarf 20210528's dwarf_formudata rejects implicit_const */
    if (hp_dwa_r(c, dwarf_formsdata(at, &sv, &err), err, "attribute value") != DW_DLV_OK)
        return false;
    *ret = (Dwarf_Unsigned)sv;
    return true;
}

/* DW_FORM_ref_sup4/8, which libdwarf 20210528 does not decode: the value
 * read from .debug_info at the attribute's offset. */
static int ref_sup(hp_dwa_ctx *c, Dwarf_Die die, Dwarf_Attribute attr, unsigned size,
                   Dwarf_Off *ret, Dwarf_Error *err)
{
    Dwarf_Off at = 0;
    uint64_t v = 0;
    hp_dwarf_info *o = c->b.out;
    int r = die ? dwarf_attr_offset(die, attr, &at, err) : DW_DLV_NO_ENTRY;
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
bool hp_dwa_ref(hp_dwa_ctx *c, hp_dwa_attrs *a, int k, Dwarf_Off *ret, bool *alt)
{
    Dwarf_Off v;
    if (raw_ref(c, a, k, &v)) {
        *ret = v;
        *alt = false;
        return true;
    }
    Dwarf_Attribute at = hp_dwa_get(c, a, k);
    Dwarf_Error err = NULL;
    Dwarf_Half form = 0;
    int r;
    if (!at || hp_dwa_r(c, dwarf_whatform(at, &form, &err), err, "reference form") != DW_DLV_OK)
        return false;
    *alt = c->cur == c->alt || form == DW_FORM_GNU_ref_alt || form == DW_FORM_ref_sup4 ||
           form == DW_FORM_ref_sup8;
    if (*alt && !c->alt)
        r = DW_DLV_NO_ENTRY;
    else if (form == DW_FORM_ref_sup4 || form == DW_FORM_ref_sup8)
        r = ref_sup(c, a->die, at, form == DW_FORM_ref_sup4 ? 4 : 8, ret, &err);
    else
        r = dwarf_global_formref(at, ret, &err);
    return hp_dwa_r(c, r, err, "reference value") == DW_DLV_OK;
}

/* low_pc: DW_DLV_OK with *ret, DW_DLV_NO_ENTRY, or DW_DLV_ERROR (noted). */
int hp_dwa_lowpc(hp_dwa_ctx *c, hp_dwa_attrs *a, Dwarf_Addr *ret)
{
    Dwarf_Error err = NULL;
    if (!a->low_read && raw_addr(c, a, A_LOW, &a->low)) {
        a->low_read = true;
        a->low_r = DW_DLV_OK;
    }
    if (!a->low_read) {
        a->low_read = true;
        /* dwarf_lowpc allocates no attribute record (a tracked libdwarf
         * allocation costs more than the read); anything but a value is read
         * again the general way, for the same error */
        if ((a->mask & (1u << A_LOW)) && die_of(c, a) &&
            dwarf_lowpc(a->die, &a->low, &err) == DW_DLV_OK) {
            a->low_r = DW_DLV_OK;
            *ret = a->low;
            return DW_DLV_OK;
        }
        hp_dwa_drop_error(c, err);
        err = NULL;
        Dwarf_Attribute at = hp_dwa_get(c, a, A_LOW);
        a->low_r =
            at ? hp_dwa_r(c, dwarf_formaddr(at, &a->low, &err), err, "low_pc") : DW_DLV_NO_ENTRY;
    }
    if (a->low_r == DW_DLV_OK)
        *ret = a->low;
    return a->low_r;
}

/* high_pc as an address (a constant form is an offset from lo), as lowpc. */
static int attr_highpc(hp_dwa_ctx *c, hp_dwa_attrs *a, Dwarf_Addr lo, Dwarf_Addr *ret)
{
    Dwarf_Error err = NULL;
    Dwarf_Half f = 0;
    Dwarf_Unsigned v = 0;
    if (raw_addr(c, a, A_HIGH, ret))
        return DW_DLV_OK;
    if (raw_udata(c, a, A_HIGH, &v)) {
        *ret = lo + v;
        return DW_DLV_OK;
    }
    Dwarf_Attribute at = hp_dwa_get(c, a, A_HIGH);
    if (!at)
        return DW_DLV_NO_ENTRY;
    if (hp_dwa_r(c, dwarf_whatform(at, &f, &err), err, "high_pc") != DW_DLV_OK)
        return DW_DLV_ERROR;
    if (f == DW_FORM_addr || f == DW_FORM_addrx || f == DW_FORM_GNU_addr_index ||
        (f >= DW_FORM_addrx1 && f <= DW_FORM_addrx4))
        return hp_dwa_r(c, dwarf_formaddr(at, ret, &err), err, "high_pc");
    if (!hp_dwa_udata(c, a, A_HIGH, &v))
        return DW_DLV_ERROR;
    *ret = lo + v;
    return DW_DLV_OK;
}

/* ---- ranges ------------------------------------------------------------- */

static bool rnglists(hp_dwa_ctx *c, Dwarf_Attribute attr, Dwarf_Half form, int32_t scope,
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
        if (hp_dwa_r(c,
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
        hp_dwa_note_error(c, err, "rnglists");
    return false;
}

static bool ranges_v4(hp_dwa_ctx *c, Dwarf_Die die, Dwarf_Attribute attr, int32_t scope,
                      uint32_t depth)
{
    Dwarf_Off off = 0, real = 0;
    Dwarf_Error err = NULL;
    Dwarf_Unsigned u;
    if (dwarf_global_formref(attr, &off, &err) != DW_DLV_OK) {
        hp_dwa_drop_error(c, err);
        err = NULL;
        if (hp_dwa_r(c, dwarf_formudata(attr, &u, &err), err, "ranges offset") != DW_DLV_OK)
            return false;
        off = u;
    }
    Dwarf_Ranges *buf = NULL;
    Dwarf_Signed n = 0;
    Dwarf_Unsigned bytes = 0;
    if (hp_dwa_r(c, dwarf_get_ranges_b(c->dbg, off, die, &real, &buf, &n, &bytes, &err), err,
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
static bool ranges_attr(hp_dwa_ctx *c, hp_dwa_attrs *a, int32_t scope, uint32_t depth)
{
    Dwarf_Attribute at = hp_dwa_get(c, a, A_RANGES);
    Dwarf_Error err = NULL;
    Dwarf_Half form = 0;
    if (!at || hp_dwa_r(c, dwarf_whatform(at, &form, &err), err, "ranges form") != DW_DLV_OK)
        return false;
    if (c->version >= 5 || form == DW_FORM_rnglistx)
        return rnglists(c, at, form, scope, depth);
    return ranges_v4(c, a->die, at, scope, depth); /* a->die read by hp_dwa_get */
}

/* Adds the pc ranges of a DIE: low/high pc, else DW_AT_ranges (for a CU
 * DIE also when high_pc is missing); false when it has none. */
bool hp_dwa_ranges(hp_dwa_ctx *c, hp_dwa_attrs *a, int32_t scope, uint32_t depth, bool cu)
{
    Dwarf_Addr lo = 0, hi = 0;
    if (hp_dwa_lowpc(c, a, &lo) == DW_DLV_OK) {
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
