/*
 * dwarf_lines.c - the line-number program of one CU (DWARF 2-5, section 6.2
 * of the standard), decoded from the raw .debug_line bytes without libdwarf:
 * the header (32- and 64-bit DWARF; the DWARF 5 directory and file entry
 * formats, strings resolved in .debug_str / .debug_line_str), then the
 * program (standard, special and extended opcodes) into the file table and
 * the rows dwarf.c hands to dwarf_build.c (hp_dw_add_file, hp_dw_add_line).
 *
 * It gives what libdwarf 20210528's dwarf_srclines_b gave dwarf.c (tests/
 * symbolizer/hp-lines-check.c compares the two table by table): files
 * numbered from 1 before DWARF 5 and from 0 in DWARF 5, define_file entries
 * appended, the file register starting at 0 in DWARF 5 (1 in the
 * standard); a file's directory is entry diridx - 1 of the include
 * directories before DWARF 5 (0: the compilation directory, NULL here),
 * entry diridx in DWARF 5; the program starts where the header's entries
 * end (as libdwarf, which trusts that over a header_length pointing further);
 * a table with any error yields nothing. Where libdwarf rejects valid DWARF
 * this reader decodes it: unknown DWARF 5 content types and standard opcodes
 * above DW_LNS_set_isa are skipped by their form / standard_opcode_lengths.
 * VLIW tables (maximum_operations_per_instruction > 1) follow the standard's
 * op_index rules for every address advance. Every read is bounds-checked,
 * every loop consumes input or stops.
 *
 * libdwarf-free and section-free: dwarf.c hands it the bytes; the fuzz
 * target tests/fuzz/fuzz-dwarf-lines.c calls it directly.
 */
#include "hp_common.h"

#include "dwarf_reader.h"
#include "symbolizer-internal.h"

/* DWARF constants (dwarf.h is libdwarf's) */
enum {
    LNS_copy = 1,
    LNS_advance_pc,
    LNS_advance_line,
    LNS_set_file,
    LNS_set_column,
    LNS_negate_stmt,
    LNS_set_basic_block,
    LNS_const_add_pc,
    LNS_fixed_advance_pc,
    LNS_set_prologue_end,
    LNS_set_epilogue_begin,
    LNS_set_isa,
};
enum { LNE_end_sequence = 1, LNE_set_address, LNE_define_file, LNE_set_discriminator };
enum { LNCT_path = 1, LNCT_directory_index = 2 };

#define EXPERIMENTAL_VERSION 0xf006
#define MAX_FORMATS          64 /* entry formats of a DWARF 5 table kept (more: corrupt) */

/* The header fields the program needs. */
typedef struct header {
    uint16_t version;
    unsigned osize; /* 4 or 8 */
    uint8_t min_inst, max_ops, opcode_base, line_range;
    int8_t line_base;
    const unsigned char *std_lengths; /* opcode_base - 1 bytes */
} header;

typedef struct ctx {
    hp_dw_line_table *t;
    hp_dw_line_strs *strs;
    hp_dw_reader r;
    header h;
} ctx;

static int fail(ctx *c, const char *what)
{
    if (!c->t->error[0])
        snprintf(c->t->error, sizeof(c->t->error), "%s", what);
    return -EBADMSG;
}

/* The string at off of a string section, NULL when it is not one. */
static const char *str_at(const unsigned char *sec, size_t n, uint64_t off)
{
    if (!sec || off >= n || !memchr(sec + off, 0, n - (size_t)off))
        return NULL;
    return (const char *)sec + off;
}

/* One value of a DWARF 5 entry in form: its string (*s, when a string form
 * resolves) or number (*u). False when the form is unknown or a string
 * offset is bad (the reader is marked bad). */
static bool read_form(ctx *c, uint64_t form, const char **s, uint64_t *u)
{
    hp_dw_reader *r = &c->r;
    *s = NULL;
    *u = 0;
    switch (form) {
    case HP_DW_FORM_string:
        *s = hp_dwr_str(r);
        return !r->bad;
    case HP_DW_FORM_line_strp:
    case HP_DW_FORM_strp: {
        uint64_t off = hp_dwr_u(r, c->h.osize);
        if (r->bad)
            return false;
        hp_dw_line_strs *ss = c->strs;
        bool line = form == HP_DW_FORM_line_strp;
        if (!(line ? ss->line_str : ss->str) && ss->load)
            ss->load(ss, line);
        *s = line ? str_at(ss->line_str, ss->line_str_n, off) : str_at(ss->str, ss->str_n, off);
        if (!*s)
            r->bad = true;
        return *s != NULL;
    }
    case HP_DW_FORM_strp_sup: /* in the supplementary (dwz) file: not resolved */
    case HP_DW_FORM_GNU_strp_alt:
    case HP_DW_FORM_sec_offset:
        *u = hp_dwr_u(r, c->h.osize);
        break;
    case HP_DW_FORM_strx: /* need a CU's str_offsets base: not resolved */
    case HP_DW_FORM_GNU_str_index:
    case HP_DW_FORM_udata:
        *u = hp_dwr_uleb(r);
        break;
    case HP_DW_FORM_sdata:
        *u = (uint64_t)hp_dwr_sleb(r);
        break;
    case HP_DW_FORM_strx1:
    case HP_DW_FORM_data1:
    case HP_DW_FORM_flag:
        *u = hp_dwr_u(r, 1);
        break;
    case HP_DW_FORM_strx2:
    case HP_DW_FORM_data2:
        *u = hp_dwr_u(r, 2);
        break;
    case HP_DW_FORM_strx3:
        *u = hp_dwr_u(r, 3);
        break;
    case HP_DW_FORM_strx4:
    case HP_DW_FORM_data4:
        *u = hp_dwr_u(r, 4);
        break;
    case HP_DW_FORM_data8:
        *u = hp_dwr_u(r, 8);
        break;
    case HP_DW_FORM_data16:
        hp_dwr_skip(r, 16);
        break;
    case HP_DW_FORM_flag_present:
        break;
    case HP_DW_FORM_block1:
        hp_dwr_skip(r, hp_dwr_u(r, 1));
        break;
    case HP_DW_FORM_block2:
        hp_dwr_skip(r, hp_dwr_u(r, 2));
        break;
    case HP_DW_FORM_block4:
        hp_dwr_skip(r, hp_dwr_u(r, 4));
        break;
    case HP_DW_FORM_block:
        hp_dwr_skip(r, hp_dwr_uleb(r));
        break;
    default:
        r->bad = true;
        return false;
    }
    return !r->bad;
}

static int add_file(ctx *c, const char *name, const char *dir)
{
    hp_dw_line_table *t = c->t;
    if (HP_GROW(t->files, t->files_alloc, t->nfiles + 1) < 0)
        return -ENOMEM;
    t->files[t->nfiles++] = (hp_dw_line_file){name, dir};
    return 0;
}

/* The directory of a file entry with directory index diridx. */
static const char *dir_of(const ctx *c, uint64_t diridx)
{
    const hp_dw_line_table *t = c->t;
    if (c->h.version >= 5)
        return diridx < t->ndirs ? t->dirs[diridx] : NULL;
    return diridx > 0 && diridx <= t->ndirs ? t->dirs[diridx - 1] : NULL;
}

/* A DWARF 5 entry-format list: *n (type, form) pairs into fmt. */
static int read_formats(ctx *c, uint64_t fmt[][2], unsigned *n)
{
    *n = (unsigned)hp_dwr_u(&c->r, 1);
    if (*n > MAX_FORMATS)
        return fail(c, "too many entry formats");
    for (unsigned i = 0; i < *n; i++) {
        fmt[i][0] = hp_dwr_uleb(&c->r);
        fmt[i][1] = hp_dwr_uleb(&c->r);
    }
    return c->r.bad ? fail(c, "truncated entry formats") : 0;
}

/* The directory (files false) or file entries of a DWARF 5 header. */
static int read_entries_v5(ctx *c, bool files)
{
    uint64_t fmt[MAX_FORMATS][2];
    unsigned nfmt;
    int res = read_formats(c, fmt, &nfmt);
    if (res < 0)
        return res;
    uint64_t count = hp_dwr_uleb(&c->r);
    /* each entry takes a byte at least (or none without formats) */
    if (c->r.bad || (count && !nfmt) || count > (uint64_t)(c->r.end - c->r.p))
        return fail(c, files ? "bad file count" : "bad directory count");
    hp_dw_line_table *t = c->t;
    for (uint64_t i = 0; i < count; i++) {
        const char *path = NULL;
        uint64_t diridx = 0;
        for (unsigned k = 0; k < nfmt; k++) {
            const char *s;
            uint64_t u;
            if (!read_form(c, fmt[k][1], &s, &u))
                return fail(c, files ? "bad file entry" : "bad directory entry");
            if (fmt[k][0] == LNCT_path)
                path = s;
            else if (fmt[k][0] == LNCT_directory_index)
                diridx = u;
        }
        if (files) { /* the directories are read by then */
            res = add_file(c, path, dir_of(c, diridx));
            if (res < 0)
                return res;
        } else {
            if (HP_GROW(t->dirs, t->dirs_alloc, t->ndirs + 1) < 0)
                return -ENOMEM;
            t->dirs[t->ndirs++] = path;
        }
    }
    return 0;
}

/* The include directories and file names of a DWARF 2-4 header. */
static int read_entries_v4(ctx *c)
{
    hp_dw_line_table *t = c->t;
    hp_dw_reader *r = &c->r;
    while (!r->bad && r->p < r->end && *r->p) {
        const char *d = hp_dwr_str(r);
        if (d && HP_GROW(t->dirs, t->dirs_alloc, t->ndirs + 1) < 0)
            return -ENOMEM;
        if (d)
            t->dirs[t->ndirs++] = d;
    }
    hp_dwr_skip(r, 1);
    while (!r->bad && r->p < r->end && *r->p) {
        const char *name = hp_dwr_str(r);
        uint64_t diridx = hp_dwr_uleb(r);
        hp_dwr_uleb(r); /* modification time */
        hp_dwr_uleb(r); /* length */
        if (r->bad)
            break;
        if (diridx > t->ndirs)
            return fail(c, "bad directory index");
        int res = add_file(c, name, dir_of(c, diridx));
        if (res < 0)
            return res;
    }
    hp_dwr_skip(r, 1);
    return r->bad ? fail(c, "truncated file names") : 0;
}

/* The header from c->r (at the unit length) to the first opcode. */
static int read_header(ctx *c, const unsigned char *sec_end)
{
    hp_dw_reader *r = &c->r;
    header *h = &c->h;
    uint64_t len = hp_dwr_length(r, &h->osize);
    if (r->bad || len > (uint64_t)(sec_end - r->p))
        return fail(c, "table length past the section");
    r->end = r->p + len;
    h->version = (uint16_t)hp_dwr_u(r, 2);
    c->t->version = h->version;
    if (!r->bad && h->version == EXPERIMENTAL_VERSION)
        return -ENOTSUP;
    if (r->bad || h->version < 2 || h->version > 5)
        return fail(c, "unknown version");
    if (h->version >= 5)
        hp_dwr_skip(r, 2); /* address_size, segment_selector_size */
    uint64_t hlen = hp_dwr_u(r, h->osize);
    if (r->bad || hlen > (uint64_t)(r->end - r->p))
        return fail(c, "header length past the table");
    const unsigned char *program = r->p + hlen;
    h->min_inst = (uint8_t)hp_dwr_u(r, 1);
    h->max_ops = h->version >= 4 ? (uint8_t)hp_dwr_u(r, 1) : 1;
    hp_dwr_u(r, 1); /* default_is_stmt */
    h->line_base = (int8_t)hp_dwr_u(r, 1);
    h->line_range = (uint8_t)hp_dwr_u(r, 1);
    h->opcode_base = (uint8_t)hp_dwr_u(r, 1);
    h->std_lengths = r->p;
    hp_dwr_skip(r, h->opcode_base ? h->opcode_base - 1u : 0);
    if (r->bad)
        return fail(c, "truncated header");
    if (!h->line_range || !h->opcode_base)
        return fail(c, !h->line_range ? "line_range 0" : "opcode_base 0");
    int res = h->version >= 5 ? read_entries_v5(c, false) : read_entries_v4(c);
    if (res == 0 && h->version >= 5)
        res = read_entries_v5(c, true);
    if (res < 0)
        return res;
    if (r->p > program)
        return fail(c, "header entries past header_length");
    return 0;
}

/* Advances the address by op_advance operations (6.2.5.1). */
static void advance(const header *h, uint64_t *addr, uint64_t *op_index, uint64_t op_advance)
{
    if (h->max_ops <= 1) {
        *addr += h->min_inst * op_advance;
        return;
    }
    uint64_t ops = *op_index + op_advance % h->max_ops; /* < 2 * max_ops: no overflow */
    *addr += h->min_inst * (op_advance / h->max_ops + ops / h->max_ops);
    *op_index = ops % h->max_ops;
}

static int add_row(ctx *c, uint64_t addr, uint64_t file, uint64_t line, bool endseq)
{
    hp_dw_line_table *t = c->t;
    if (HP_GROW(t->rows, t->rows_alloc, t->nrows + 1) < 0)
        return -ENOMEM;
    t->rows[t->nrows++] = (hp_dw_line_row){addr, file, line, endseq};
    return 0;
}

/* One extended opcode (after its 0 byte). */
static int extended(ctx *c, uint64_t *addr, uint64_t *op_index, uint64_t *file, uint64_t *line,
                    uint64_t file0)
{
    hp_dw_reader *r = &c->r;
    uint64_t len = hp_dwr_uleb(r);
    if (r->bad || !len || len > (uint64_t)(r->end - r->p))
        return fail(c, "bad extended opcode length");
    hp_dw_reader op = {.p = r->p, .end = r->p + len, .big_endian = r->big_endian};
    r->p += len;
    int res = 0;
    switch (hp_dwr_u(&op, 1)) {
    case LNE_end_sequence:
        res = add_row(c, *addr, *file, *line, true);
        *addr = *op_index = 0;
        *file = file0;
        *line = 1;
        break;
    case LNE_set_address:
        if (len < 2 || len - 1 > 8)
            return fail(c, "bad DW_LNE_set_address length");
        *addr = hp_dwr_u(&op, (unsigned)(len - 1));
        *op_index = 0;
        break;
    case LNE_define_file: {
        const char *name = hp_dwr_str(&op);
        uint64_t diridx = hp_dwr_uleb(&op);
        hp_dwr_uleb(&op); /* modification time */
        hp_dwr_uleb(&op); /* length */
        if (op.bad)
            return fail(c, "bad DW_LNE_define_file");
        res = add_file(c, name, dir_of(c, diridx));
        break;
    }
    default: /* set_discriminator, vendor opcodes: nothing kept */
        break;
    }
    return res;
}

/* The line-number program, from c->r.p to the end of the table. */
static int run_program(ctx *c)
{
    const header *h = &c->h;
    hp_dw_reader *r = &c->r;
    /* the file register starts at 0 in DWARF 5 as libdwarf 20210528 has it
     * (the standard says 1; gcc's file 0 and 1 are the same file) */
    const uint64_t file0 = h->version >= 5 ? 0 : 1;
    uint64_t addr = 0, op_index = 0, file = file0, line = 1;
    /* DW_LNS_const_add_pc advances as special opcode 255 does */
    const uint64_t const_adv = (255u - h->opcode_base) / h->line_range;
    int res = 0;
    while (res == 0 && r->p < r->end) {
        unsigned op = *r->p++;
        if (op >= h->opcode_base) { /* special opcode */
            unsigned adj = op - h->opcode_base;
            advance(h, &addr, &op_index, adj / h->line_range);
            line += (uint64_t)(int64_t)(h->line_base + (int)(adj % h->line_range));
            if ((int64_t)line < 0)
                return fail(c, "negative line number");
            res = add_row(c, addr, file, line, false);
            continue;
        }
        switch (op) {
        case 0:
            res = extended(c, &addr, &op_index, &file, &line, file0);
            break;
        case LNS_copy:
            res = add_row(c, addr, file, line, false);
            break;
        case LNS_advance_pc:
            advance(h, &addr, &op_index, hp_dwr_uleb(r));
            break;
        case LNS_advance_line:
            line += (uint64_t)hp_dwr_sleb(r);
            if ((int64_t)line < 0 && !r->bad)
                return fail(c, "negative line number");
            break;
        case LNS_set_file:
            file = hp_dwr_uleb(r);
            if ((int64_t)file < 0)
                return fail(c, "bad file number");
            break;
        case LNS_set_column:
        case LNS_set_isa:
            hp_dwr_uleb(r);
            break;
        case LNS_negate_stmt:
        case LNS_set_basic_block:
        case LNS_set_prologue_end:
        case LNS_set_epilogue_begin:
            break;
        case LNS_const_add_pc:
            advance(h, &addr, &op_index, const_adv);
            break;
        case LNS_fixed_advance_pc: {
            uint64_t old = addr;
            addr += hp_dwr_u(r, 2);
            op_index = 0;
            if (addr < old)
                return fail(c, "DW_LNS_fixed_advance_pc overflows");
            break;
        }
        default: /* unknown standard opcode: skip its operands */
            for (unsigned k = 0; k < h->std_lengths[op - 1] && !r->bad; k++)
                hp_dwr_uleb(r);
            break;
        }
        if (r->bad)
            return fail(c, "truncated opcode");
    }
    return res;
}

int hp_dw_lines_read(const unsigned char *sec, size_t size, uint64_t off, bool big_endian,
                     hp_dw_line_strs *strs, hp_dw_line_table *t)
{
    t->nfiles = t->nrows = t->ndirs = 0;
    t->version = 0;
    t->error[0] = 0;
    ctx c = {.t = t, .strs = strs};
    if (off >= size)
        return fail(&c, "offset past .debug_line");
    c.r = (hp_dw_reader){.p = sec + off, .end = sec + size, .big_endian = big_endian};
    int res = read_header(&c, sec + size);
    if (res == 0) {
        t->file_base = c.h.version >= 5 ? 0 : 1;
        res = run_program(&c);
    }
    t->file_end = t->file_base + (int64_t)t->nfiles;
    if (res < 0)
        t->nfiles = t->nrows = 0;
    return res;
}

void hp_dw_lines_release(hp_dw_line_table *t)
{
    free(t->files);
    free(t->rows);
    free(t->dirs);
    *t = (hp_dw_line_table){0};
}
