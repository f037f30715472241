/*
 * dwarf_skim.c - the DIE tree of one compilation unit, skimmed from the raw
 * .debug_info and .debug_abbrev bytes without libdwarf: the offsets and tags
 * of the DIEs dwarf.c's tree walk visits (subprograms, inlined subroutines,
 * lexical / try / catch blocks, namespaces, nested only in one another), in
 * tree order, each with the end of its subtree. dwarf.c then asks libdwarf
 * only for these DIEs (dwarf_offdie_b) instead of creating every DIE of the
 * unit on its way there (dwarf_child / dwarf_siblingof_b: a tracked
 * allocation and a walk of the attributes per DIE).
 *
 * It skims only what it fully accepts, so that libdwarf would walk the same
 * tree: the unit's abbreviation table (codes once each, attributes up to
 * DW_AT_hi_user, the forms of DWARF 2-5 and the GNU extensions whose sizes
 * libdwarf 20210528 knows), every DIE inside the unit, every sibling list
 * terminated, and every DW_AT_sibling pointing where the next sibling is
 * (libdwarf jumps there). Anything else is -EBADMSG and dwarf.c walks the
 * unit with libdwarf as before, which reports what it finds wrong.
 *
 * libdwarf-free and section-free: dwarf.c hands it the bytes.
 */
#include "hp_common.h"

#include "dwarf_reader.h"
#include "dwarf_skim.h"

/* The DWARF numbers used here (dwarf.h is libdwarf's). */
enum {
    AT_SIBLING = 0x01,
    AT_LOW_PC = 0x11,
    AT_RANGES = 0x55,
    AT_HI_USER = 0x3fff,
    TAG_LEXICAL_BLOCK = 0x0b,
    TAG_INLINED = 0x1d,
    TAG_CATCH_BLOCK = 0x25,
    TAG_SUBPROGRAM = 0x2e,
    TAG_TRY_BLOCK = 0x32,
    TAG_NAMESPACE = 0x39,
};

/* Largest abbreviation code looked up by index (compilers number them from 1). */
#define MAX_CODE 65536
/* Deepest nesting of DIEs skimmed. */
#define MAX_LEVELS 4096

/* One attribute specification of an abbreviation. */
struct hp_dw_skim_spec {
    uint16_t attr, form;
    int32_t size; /* of the value when fixed by the form, else -1 */
    int32_t want; /* index of attr in s->want, -1 if not there */
    int64_t implicit; /* the value of a DW_FORM_implicit_const */
};

/* One abbreviation: its attribute specifications specs[first, first + n)
 * (several fixed-size ones not read merged into one, plain_fixed). */
struct hp_dw_skim_abbrev {
    uint32_t first, n;
    int32_t fixed; /* the size of its attributes when every form has a fixed size, else -1 */
    uint16_t tag;
    bool children, has_pc, sibling;
};

/* An open sibling list: its parent's node (or -1) and where it must end. */
struct hp_dw_skim_level {
    int64_t node;     /* index of the parent's node; -1: parent not kept */
    uint64_t sibling; /* offset the parent's DW_AT_sibling gives, UINT64_MAX if none */
    bool keep;        /* the DIEs of this list may be kept */
};

typedef struct hp_dw_skim_spec hp_dw_skim_spec;
typedef struct hp_dw_skim_abbrev hp_dw_skim_abbrev;
typedef struct hp_dw_skim_level hp_dw_skim_level;

/* The size of a form's value at r (advanced past it); with r NULL, the
 * size when the form fixes it, else -1; -2 for a form not known or a value
 * past the end. */
static int64_t form_size(hp_dw_reader *r, unsigned form, const hp_dw_skim_input *u)
{
    switch (form) {
    case HP_DW_FORM_flag:
    case HP_DW_FORM_data1:
    case HP_DW_FORM_ref1:
    case HP_DW_FORM_strx1:
    case HP_DW_FORM_addrx1:
        return 1;
    case HP_DW_FORM_data2:
    case HP_DW_FORM_ref2:
    case HP_DW_FORM_strx2:
    case HP_DW_FORM_addrx2:
        return 2;
    case HP_DW_FORM_data4:
    case HP_DW_FORM_ref4:
    case HP_DW_FORM_ref_sup4:
    case HP_DW_FORM_strx4:
    case HP_DW_FORM_addrx4:
        return 4;
    case HP_DW_FORM_data8:
    case HP_DW_FORM_ref8:
    case HP_DW_FORM_ref_sig8:
    case HP_DW_FORM_ref_sup8:
        return 8;
    case HP_DW_FORM_data16:
        return 16;
    case HP_DW_FORM_flag_present:
    case HP_DW_FORM_implicit_const:
        return 0;
    case HP_DW_FORM_addr:
        return u->addr_size;
    case HP_DW_FORM_ref_addr:
        return u->version == 2 ? u->addr_size : u->offset_size;
    case HP_DW_FORM_strp:
    case HP_DW_FORM_sec_offset:
    case HP_DW_FORM_strp_sup:
    case HP_DW_FORM_line_strp:
    case HP_DW_FORM_GNU_ref_alt:
    case HP_DW_FORM_GNU_strp_alt:
        return u->offset_size;
    default:
        break;
    }
    const unsigned char *start = r ? r->p : NULL;
    switch (form) {
    case HP_DW_FORM_sdata:
    case HP_DW_FORM_udata:
    case HP_DW_FORM_ref_udata:
    case HP_DW_FORM_strx:
    case HP_DW_FORM_addrx:
    case HP_DW_FORM_loclistx:
    case HP_DW_FORM_rnglistx:
    case HP_DW_FORM_GNU_addr_index:
    case HP_DW_FORM_GNU_str_index:
        if (r)
            hp_dwr_uleb(r);
        break;
    case HP_DW_FORM_string:
        if (r)
            hp_dwr_str(r);
        break;
    case HP_DW_FORM_block1:
    case HP_DW_FORM_block2:
    case HP_DW_FORM_block4:
        if (r)
            hp_dwr_skip(r, hp_dwr_u(r, form == HP_DW_FORM_block1 ? 1 : form == HP_DW_FORM_block2 ? 2 : 4));
        break;
    case HP_DW_FORM_block:
    case HP_DW_FORM_exprloc:
        if (r)
            hp_dwr_skip(r, hp_dwr_uleb(r));
        break;
    default:
        return -2;
    }
    if (!r)
        return -1;
    return r->bad ? -2 : r->p - start;
}

/* Whether form is one the skim reads (sizes known to it and to libdwarf). */
static bool form_known(unsigned form, const hp_dw_skim_input *u)
{
    return form == HP_DW_FORM_indirect || form_size(NULL, form, u) >= -1;
}

/* Whether sp only takes room: a fixed size, not DW_AT_sibling, not wanted. */
static bool plain_fixed(const hp_dw_skim_spec *sp)
{
    return sp->size >= 0 && sp->attr != AT_SIBLING && sp->want < 0;
}

/* Reads the abbreviation table at u->abbrev_off into s (kept while the next
 * unit uses the same table). */
static int read_abbrevs(hp_dw_skim *s, const hp_dw_skim_input *u)
{
    if (s->abbrevs_ok && s->abbrev_off == u->abbrev_off && s->abbrev_unit.addr_size == u->addr_size &&
        s->abbrev_unit.offset_size == u->offset_size && s->abbrev_unit.version == u->version)
        return 0;
    s->abbrevs_ok = false;
    s->nabbrevs = s->nspecs = 0;
    if (u->abbrev_off >= u->abbrev_n)
        return -EBADMSG;
    hp_dw_reader r = {.p = u->abbrev + u->abbrev_off, .end = u->abbrev + u->abbrev_n,
                      .big_endian = u->big_endian};
    size_t ncodes = 0;
    for (;;) {
        uint64_t code = hp_dwr_uleb(&r);
        if (r.bad)
            return -EBADMSG;
        if (!code)
            break;
        uint64_t tag = hp_dwr_uleb(&r);
        uint64_t children = hp_dwr_u(&r, 1);
        if (r.bad || code >= MAX_CODE || !tag || tag > 0xffff || children > 1)
            return -EBADMSG;
        if (code >= ncodes) {
            size_t want = (size_t)code + 1;
            if (HP_GROW(s->by_code, s->by_code_alloc, want) < 0)
                return -ENOMEM;
            memset(s->by_code + ncodes, 0xff, (want - ncodes) * sizeof(*s->by_code));
            ncodes = want;
        }
        if (s->by_code[code] != UINT32_MAX ||
            HP_GROW(s->abbrevs, s->abbrevs_alloc, s->nabbrevs + 1) < 0)
            return s->by_code[code] != UINT32_MAX ? -EBADMSG : -ENOMEM;
        hp_dw_skim_abbrev *a = &s->abbrevs[s->nabbrevs];
        *a = (hp_dw_skim_abbrev){.first = (uint32_t)s->nspecs, .tag = (uint16_t)tag,
                                 .children = children != 0};
        int64_t fixed = 0;
        for (;;) {
            uint64_t at = hp_dwr_uleb(&r), form = hp_dwr_uleb(&r);
            if (r.bad)
                return -EBADMSG;
            if (!at && !form)
                break;
            if (!at || at > AT_HI_USER || form > 0xffff || !form_known((unsigned)form, u))
                return -EBADMSG;
            int64_t implicit = form == HP_DW_FORM_implicit_const ? hp_dwr_sleb(&r) : 0;
            if (s->nspecs >= UINT32_MAX || HP_GROW(s->specs, s->specs_alloc, s->nspecs + 1) < 0)
                return s->nspecs >= UINT32_MAX ? -EBADMSG : -ENOMEM;
            int64_t n = form == HP_DW_FORM_indirect ? -1 : form_size(NULL, (unsigned)form, u);
            int32_t k = 0;
            while ((size_t)k < s->nwant && s->want[k] != at)
                k++;
            hp_dw_skim_spec sp = {(uint16_t)at, (uint16_t)form, (int32_t)n,
                                  (size_t)k < s->nwant ? k : -1, implicit};
            a->has_pc |= at == AT_LOW_PC || at == AT_RANGES;
            a->sibling |= at == AT_SIBLING;
            fixed = fixed < 0 || n < 0 ? -1 : fixed + n;
            /* a run of fixed-size values nobody reads is skipped in one step */
            hp_dw_skim_spec *prev = s->nspecs > a->first ? &s->specs[s->nspecs - 1] : NULL;
            if (plain_fixed(&sp) && prev && plain_fixed(prev) && prev->size + n <= INT32_MAX)
                prev->size += (int32_t)n;
            else
                s->specs[s->nspecs++] = sp;
        }
        if (r.bad)
            return -EBADMSG;
        a->n = (uint32_t)(s->nspecs - a->first);
        a->fixed = a->sibling || fixed > INT32_MAX ? -1 : (int32_t)fixed;
        s->by_code[code] = (uint32_t)s->nabbrevs++;
    }
    s->ncodes = ncodes;
    s->abbrev_off = u->abbrev_off;
    s->abbrev_unit = *u;
    s->abbrevs_ok = true;
    return 0;
}

/* Skips the attributes of a DIE of abbreviation a at r; *sibling set to the
 * .debug_info offset its DW_AT_sibling gives (UINT64_MAX if none). */
static bool skip_attrs(hp_dw_skim *s, const hp_dw_skim_abbrev *a, hp_dw_reader *r,
                       const hp_dw_skim_input *u, uint64_t *sibling)
{
    *sibling = UINT64_MAX;
    if (a->fixed >= 0) {
        hp_dwr_skip(r, (uint64_t)a->fixed);
        return !r->bad;
    }
    for (uint32_t i = 0; i < a->n; i++) {
        const hp_dw_skim_spec *sp = &s->specs[a->first + i];
        if (sp->size >= 0 && sp->attr != AT_SIBLING) {
            hp_dwr_skip(r, (uint64_t)sp->size);
            continue;
        }
        unsigned form = sp->form;
        if (form == HP_DW_FORM_indirect) {
            uint64_t f = hp_dwr_uleb(r);
            if (r->bad || f == HP_DW_FORM_indirect || f == HP_DW_FORM_implicit_const || f > 0xffff ||
                !form_known((unsigned)f, u) || sp->attr == AT_SIBLING)
                return false;
            form = (unsigned)f;
        }
        if (sp->attr == AT_SIBLING && form != HP_DW_FORM_ref_addr) { /* libdwarf ignores a ref_addr one */
            static const unsigned sizes[] = {1, 2, 4, 8}; /* ref1, ref2, ref4, ref8 */
            uint64_t v;
            if (form >= HP_DW_FORM_ref1 && form <= HP_DW_FORM_ref8)
                v = hp_dwr_u(r, sizes[form - HP_DW_FORM_ref1]);
            else if (form == HP_DW_FORM_ref_udata)
                v = hp_dwr_uleb(r);
            else
                return false; /* libdwarf: DW_DLE_NEXT_DIE_WRONG_FORM */
            if (r->bad || v > u->end - u->hdr_off)
                return false;
            *sibling = u->hdr_off + v;
            continue;
        }
        int64_t n = form_size(NULL, form, u);
        if (n >= 0)
            hp_dwr_skip(r, (uint64_t)n);
        else if (form_size(r, form, u) < 0)
            return false;
    }
    return !r->bad;
}

static bool kept_tag(unsigned tag)
{
    return tag == TAG_SUBPROGRAM || tag == TAG_INLINED || tag == TAG_LEXICAL_BLOCK ||
           tag == TAG_TRY_BLOCK || tag == TAG_CATCH_BLOCK || tag == TAG_NAMESPACE;
}

/* The abbreviation of the DIE at r, NULL (bad) when its code has none; *code 0 for a null entry. */
static const hp_dw_skim_abbrev *die_abbrev(const hp_dw_skim *s, hp_dw_reader *r, uint64_t *code)
{
    *code = hp_dwr_uleb(r);
    if (r->bad || !*code || *code >= s->ncodes || s->by_code[*code] == UINT32_MAX)
        return NULL;
    return &s->abbrevs[s->by_code[*code]];
}

static int skim(hp_dw_skim *s, const hp_dw_skim_input *u);

int hp_dw_skim_unit(hp_dw_skim *s, const hp_dw_skim_input *u)
{
    int r = skim(s, u);
    s->unit_ok = r == 0;
    s->unit = *u;
    return r;
}

bool hp_dw_skim_die(const hp_dw_skim *s, uint64_t off, hp_dw_skim_attr *ret)
{
    memset(ret, 0, s->nwant * sizeof(*ret));
    size_t lo = 0, hi = s->unit_ok ? s->nnodes : 0;
    while (lo < hi) { /* the nodes are in offset order */
        size_t mid = lo + (hi - lo) / 2;
        if (s->nodes[mid].off < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == (s->unit_ok ? s->nnodes : 0) || s->nodes[lo].off != off)
        return false;
    const hp_dw_skim_input *u = &s->unit;
    hp_dw_reader r = {.p = u->info + off, .end = u->info + u->end, .big_endian = u->big_endian};
    uint64_t code;
    const hp_dw_skim_abbrev *a = die_abbrev(s, &r, &code);
    if (!a)
        return false;
    for (uint32_t i = 0; i < a->n && !r.bad; i++) {
        const hp_dw_skim_spec *sp = &s->specs[a->first + i];
        unsigned form = sp->form;
        if (form == HP_DW_FORM_indirect)
            form = (unsigned)hp_dwr_uleb(&r); /* checked by the skim */
        if (sp->want >= 0 && !ret[sp->want].form)
            ret[sp->want] =
                (hp_dw_skim_attr){.val = r.p, .form = (uint16_t)form, .implicit = sp->implicit};
        int64_t size = sp->size >= 0 ? sp->size : form_size(NULL, form, u);
        if (size >= 0)
            hp_dwr_skip(&r, (uint64_t)size);
        else
            form_size(&r, form, u);
    }
    return !r.bad;
}

static int skim(hp_dw_skim *s, const hp_dw_skim_input *u)
{
    s->nnodes = 0;
    if (u->version < 2 || u->version > 5 || (u->offset_size != 4 && u->offset_size != 8) ||
        u->addr_size < 2 || u->addr_size > 8 || u->end > u->info_n || u->die_off >= u->end ||
        u->hdr_off > u->die_off)
        return -EBADMSG;
    int err = read_abbrevs(s, u);
    if (err < 0)
        return err;
    const unsigned char *base = u->info;
    hp_dw_reader r = {.p = base + u->die_off, .end = base + u->end, .big_endian = u->big_endian};
    uint64_t code, sibling;
    const hp_dw_skim_abbrev *a = die_abbrev(s, &r, &code);
    if (!a || !skip_attrs(s, a, &r, u, &sibling)) /* the CU DIE: dwarf_child ignores its sibling */
        return -EBADMSG;
    if (!a->children)
        return 0;
    size_t nlevels = 0;
    if (HP_GROW(s->levels, s->levels_alloc, 1) < 0)
        return -ENOMEM;
    s->levels[nlevels++] = (hp_dw_skim_level){.node = -1, .sibling = UINT64_MAX, .keep = true};
    while (nlevels) {
        uint64_t off = (uint64_t)(r.p - base);
        a = die_abbrev(s, &r, &code);
        if (r.bad)
            return -EBADMSG; /* past the unit: a list without its terminator */
        if (!code) { /* end of the list: the parent's subtree ends here */
            hp_dw_skim_level *l = &s->levels[--nlevels];
            uint64_t next = (uint64_t)(r.p - base);
            if (l->sibling != UINT64_MAX && l->sibling != next)
                return -EBADMSG;
            if (l->node >= 0)
                s->nodes[l->node].end = (uint32_t)s->nnodes;
            continue;
        }
        if (!a || !skip_attrs(s, a, &r, u, &sibling))
            return -EBADMSG;
        const hp_dw_skim_level *l = &s->levels[nlevels - 1];
        bool keep = l->keep && kept_tag(a->tag);
        int64_t node = -1;
        if (keep) {
            if (s->nnodes >= UINT32_MAX - 1 || HP_GROW(s->nodes, s->nodes_alloc, s->nnodes + 1) < 0)
                return s->nnodes >= UINT32_MAX - 1 ? -EBADMSG : -ENOMEM;
            node = (int64_t)s->nnodes++;
            s->nodes[node] = (hp_dw_skim_node){.off = off, .end = (uint32_t)s->nnodes,
                                               .tag = a->tag, .has_pc = a->has_pc};
        }
        uint64_t next = (uint64_t)(r.p - base);
        if (a->children && r.p < r.end && *r.p == 0) { /* an empty list */
            r.p++;
            next++;
        } else if (a->children) {
            if (nlevels >= MAX_LEVELS || HP_GROW(s->levels, s->levels_alloc, nlevels + 1) < 0)
                return nlevels >= MAX_LEVELS ? -EBADMSG : -ENOMEM;
            s->levels[nlevels++] =
                (hp_dw_skim_level){.node = node, .sibling = sibling, .keep = keep};
            continue;
        }
        if (sibling != UINT64_MAX && sibling != next)
            return -EBADMSG;
    }
    return 0;
}

void hp_dw_skim_release(hp_dw_skim *s)
{
    free(s->nodes);
    free(s->abbrevs);
    free(s->specs);
    free(s->by_code);
    free(s->levels);
    *s = (hp_dw_skim){0};
}
