/*
 * disasm.c - decodes an object's code for --disasm with Capstone (x86-64,
 * AT&T syntax) and spells each instruction as objdump does, which is what
 * Perl pprof prints: no operand-size suffix where a register gives the size
 * (and none on call/ret/jmp/push/pop), "," between operands, immediates and
 * displacements in hex ("$0x3", "0x0(%rax,%rax,1)"), branch targets as
 * "10c8 <function+0x28>" (the nearest preceding symbol of the target's
 * section, or objdump's synthetic "name@plt" for PLT entries), rip-relative
 * operands followed by "# <address> <symbol+0xoff>".
 * Each instruction also gets its innermost source line (objdump -l).
 */
#include "hp_common.h"

#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>
#include <inttypes.h>

#include "hp_buf.h"
#include "dl_capstone.h"
#include "hp_demangle.h"
#include "symbolizer-internal.h"

#define MAX_RANGE (1u << 20) /* Perl's routines are bounded by the next symbol; so are ours */

/* objdump's synthetic "name@plt" symbols: PLT entries jumping through a GOT
 * slot that a JUMP_SLOT or GLOB_DAT relocation names. */
typedef struct plt_entry {
    uint64_t addr, size;
    char *name;
} plt_entry;

/* A symbol as objdump names addresses with it: any defined function, object
 * or untyped symbol, the nearest preceding one in the same section. */
typedef struct any_sym {
    uint64_t addr;
    size_t shndx;
    int rank; /* among symbols at one address: higher wins */
    char *name; /* demangled */
} any_sym;

typedef struct section_span {
    uint64_t addr, size;
    size_t index;
} section_span;

typedef struct code_ctx {
    hp_symobj *o;
    plt_entry *plt;
    size_t nplt;
    any_sym *syms;
    size_t nsyms;
    section_span *secs;
    size_t nsecs;
} code_ctx;

static int sym_cmp(const void *a, const void *b)
{
    const any_sym *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return y->rank - x->rank; /* the preferred one first */
}

/* .symtab, else .dynsym, and the allocated sections. */
static void read_symbols(code_ctx *c, Elf *e)
{
    size_t syms_alloc = 0, secs_alloc = 0;
    hp_elf_versions vers = {0};
    for (int want = SHT_SYMTAB; want && !c->nsyms; want = want == SHT_SYMTAB ? SHT_DYNSYM : 0) {
        if (want == SHT_DYNSYM) /* objdump names .dynsym symbols with their version */
            hp_elf_versions_open(e, &vers);
        for (Elf_Scn *scn = elf_nextscn(e, NULL); scn; scn = elf_nextscn(e, scn)) {
            GElf_Shdr sh;
            Elf_Data *d;
            if (!gelf_getshdr(scn, &sh) || sh.sh_type != (unsigned)want || !sh.sh_entsize ||
                !(d = elf_getdata(scn, NULL)))
                continue;
            for (size_t i = 1; i < sh.sh_size / sh.sh_entsize && i < HP_SYM_MAX_SYMBOLS; i++) {
                GElf_Sym sym;
                if (!gelf_getsym(d, (int)i, &sym) || sym.st_shndx == SHN_UNDEF ||
                    sym.st_shndx >= SHN_LORESERVE)
                    continue;
                int type = GELF_ST_TYPE(sym.st_info), bind = GELF_ST_BIND(sym.st_info);
                if (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE &&
                    type != STT_GNU_IFUNC)
                    continue;
                const char *name = elf_strptr(e, sh.sh_link, sym.st_name);
                if (!name || !*name || HP_GROW(c->syms, syms_alloc, c->nsyms + 1) < 0)
                    continue;
                char *dem = hp_demangle(name, HP_DEMANGLE_FULL);
                char *copy = dem ? dem : hp_strdup(name);
                bool hidden;
                const char *ver = hp_elf_version_of(&vers, i, &hidden);
                if (copy && ver) {
                    char *full = NULL;
                    if (asprintf(&full, "%s%s%s", copy, hidden ? "@" : "@@", ver) < 0)
                        full = NULL;
                    free(copy);
                    copy = full;
                }
                if (!copy)
                    continue;
                c->syms[c->nsyms++] = (any_sym){
                    .addr = sym.st_value, .shndx = sym.st_shndx, .name = copy,
                    .rank = (bind != STB_LOCAL) * 4 + (type != STT_NOTYPE) * 2 + (name[0] != '.')};
            }
        }
    }
    hp_elf_versions_close(&vers);
    if (c->nsyms)
        qsort(c->syms, c->nsyms, sizeof(*c->syms), sym_cmp);
    for (Elf_Scn *scn = elf_nextscn(e, NULL); scn; scn = elf_nextscn(e, scn)) {
        GElf_Shdr sh;
        if (gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_ALLOC) &&
            HP_GROW(c->secs, secs_alloc, c->nsecs + 1) == 0)
            c->secs[c->nsecs++] = (section_span){sh.sh_addr, sh.sh_size, elf_ndxscn(scn)};
    }
}

static int plt_cmp(const void *a, const void *b)
{
    uint64_t x = ((const plt_entry *)a)->addr, y = ((const plt_entry *)b)->addr;
    return x < y ? -1 : x > y;
}

typedef struct got_name {
    uint64_t got;
    const char *name; /* in the ELF string table */
} got_name;

static void read_plt(code_ctx *c)
{
    int fd = open(hp_symobj_path(c->o), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    elf_version(EV_CURRENT);
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    size_t shstrndx;
    got_name *gots = NULL;
    size_t ngots = 0, gots_alloc = 0, plt_alloc = 0;
    if (!e || elf_getshdrstrndx(e, &shstrndx) != 0)
        goto out;
    read_symbols(c, e);
    /* GOT slot -> symbol, from the relocations against .dynsym */
    for (Elf_Scn *scn = elf_nextscn(e, NULL); scn; scn = elf_nextscn(e, scn)) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA)
            continue;
        Elf_Scn *symscn = elf_getscn(e, sh.sh_link);
        GElf_Shdr symsh;
        Elf_Data *rd = elf_getdata(scn, NULL), *sd = symscn ? elf_getdata(symscn, NULL) : NULL;
        if (!rd || !sd || !gelf_getshdr(symscn, &symsh) || !sh.sh_entsize)
            continue;
        for (size_t i = 0; i < sh.sh_size / sh.sh_entsize && i < (1u << 20); i++) {
            GElf_Rela rela;
            GElf_Sym sym;
            unsigned type = gelf_getrela(rd, (int)i, &rela) ? GELF_R_TYPE(rela.r_info) : 0;
            if ((type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) ||
                !gelf_getsym(sd, (int)GELF_R_SYM(rela.r_info), &sym))
                continue;
            const char *name = elf_strptr(e, symsh.sh_link, sym.st_name);
            if (!name || !*name || HP_GROW(gots, gots_alloc, ngots + 1) < 0)
                continue;
            gots[ngots++] = (got_name){.got = rela.r_offset, .name = name};
        }
    }
    /* PLT entries: "jmp *disp(%rip)" (ff 25, maybe after endbr64 or bnd) to a named slot */
    for (Elf_Scn *scn = ngots ? elf_nextscn(e, NULL) : NULL; scn; scn = elf_nextscn(e, scn)) {
        GElf_Shdr sh;
        const char *n = gelf_getshdr(scn, &sh) ? elf_strptr(e, shstrndx, sh.sh_name) : NULL;
        if (!n || strncmp(n, ".plt", 4) || sh.sh_type != SHT_PROGBITS)
            continue;
        Elf_Data *d = elf_getdata(scn, NULL);
        uint64_t step = !strcmp(n, ".plt.got") ? 8 : 16;
        for (uint64_t at = 0; d && d->d_buf && at + step <= d->d_size && at + step <= sh.sh_size;
             at += step) {
            const uint8_t *b = (const uint8_t *)d->d_buf + at;
            for (uint64_t k = 0; k + 6 <= step; k++) {
                if (b[k] != 0xff || b[k + 1] != 0x25)
                    continue;
                int32_t disp = (int32_t)((uint32_t)b[k + 2] | (uint32_t)b[k + 3] << 8 |
                                         (uint32_t)b[k + 4] << 16 | (uint32_t)b[k + 5] << 24);
                uint64_t got = sh.sh_addr + at + k + 6 + (uint64_t)(int64_t)disp;
                for (size_t g = 0; g < ngots; g++) {
                    if (gots[g].got != got || HP_GROW(c->plt, plt_alloc, c->nplt + 1) < 0)
                        continue;
                    char *dem = hp_demangle(gots[g].name, HP_DEMANGLE_FULL);
                    hp_buf nm = HP_BUF_INIT;
                    hp_buf_addf(&nm, "%s@plt", dem ? dem : gots[g].name);
                    free(dem);
                    char *copy = hp_buf_detach(&nm, NULL);
                    if (copy)
                        c->plt[c->nplt++] = (plt_entry){.addr = sh.sh_addr + at, .size = step, .name = copy};
                    break;
                }
                break;
            }
        }
    }
    if (c->nplt)
        qsort(c->plt, c->nplt, sizeof(*c->plt), plt_cmp);
out:
    free(gots);
    if (e)
        elf_end(e);
    close(fd);
}

static void free_plt(code_ctx *c)
{
    for (size_t i = 0; i < c->nplt; i++)
        free(c->plt[i].name);
    free(c->plt);
    for (size_t i = 0; i < c->nsyms; i++)
        free(c->syms[i].name);
    free(c->syms);
    free(c->secs);
}

/* " <name+0xoff>" when a PLT entry or a sized function symbol covers addr. */
static void annotate(const code_ctx *c, uint64_t addr, hp_buf *b)
{
    for (size_t lo = 0, hi = c->nplt; lo < hi;) {
        size_t mid = lo + (hi - lo) / 2;
        const plt_entry *p = &c->plt[mid];
        if (addr < p->addr) {
            hi = mid;
        } else if (addr - p->addr >= p->size) {
            lo = mid + 1;
        } else {
            if (addr == p->addr)
                hp_buf_addf(b, " <%s>", p->name);
            else
                hp_buf_addf(b, " <%s+0x%" PRIx64 ">", p->name, addr - p->addr);
            return;
        }
    }
    const section_span *sec = NULL;
    for (size_t i = 0; i < c->nsecs && !sec; i++)
        if (addr >= c->secs[i].addr && addr - c->secs[i].addr < c->secs[i].size)
            sec = &c->secs[i];
    if (!sec)
        return;
    size_t lo = 0, hi = c->nsyms; /* first symbol above addr */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->syms[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    const any_sym *best = NULL;
    for (size_t i = lo; i-- > 0;) {
        if (c->syms[i].shndx != sec->index)
            continue;
        best = &c->syms[i];
        while (i > 0 && c->syms[i - 1].addr == best->addr) /* the preferred one of that address */
            if (c->syms[--i].shndx == sec->index)
                best = &c->syms[i];
        break;
    }
    if (!best)
        return;
    if (addr == best->addr)
        hp_buf_addf(b, " <%s>", best->name);
    else
        hp_buf_addf(b, " <%s+0x%" PRIx64 ">", best->name, addr - best->addr);
}

static bool has_suffix(const char *mn, const char *base)
{
    size_t n = strlen(base);
    return strlen(mn) == n + 1 && !strncmp(mn, base, n) && strchr("bwlq", mn[n]);
}

static uint64_t mask(uint64_t v, unsigned size)
{
    return size && size < 8 ? v & ((1ull << (8 * size)) - 1) : v;
}

/* One memory operand "seg:disp(base, index, scale)" in objdump's spelling. */
static void memory(const char *s, size_t n, const cs_x86 *x, hp_buf *b, bool drop_seg)
{
    const char *open = memchr(s, '(', n);
    const char *colon = memchr(s, ':', open ? (size_t)(open - s) : n);
    if (colon && drop_seg) {
        n -= (size_t)(colon + 1 - s);
        s = colon + 1;
    }
    open = memchr(s, '(', n);
    if (!open) {
        hp_buf_add(b, s, n);
        return;
    }
    size_t pre = (size_t)(open - s);
    const char *seg_end = memchr(s, ':', pre);
    size_t disp_at = seg_end ? (size_t)(seg_end + 1 - s) : 0;
    hp_buf_add(b, s, disp_at);
    if (pre > disp_at || x->encoding.disp_size) { /* objdump: signed hex, "0x0" kept */
        if (x->disp < 0)
            hp_buf_addf(b, "-0x%" PRIx64, -(uint64_t)x->disp);
        else
            hp_buf_addf(b, "0x%" PRIx64, (uint64_t)x->disp);
    }
    const char *in = open + 1, *end = s + n;
    int parts = 1;
    hp_buf_addc(b, '(');
    for (const char *p = in; p < end; p++) {
        if (*p == ',') {
            parts++;
            hp_buf_addc(b, ',');
            while (p + 1 < end && p[1] == ' ')
                p++;
        } else if (*p == ')') {
            if (parts == 2)
                hp_buf_adds(b, ",1");
            hp_buf_add(b, p, (size_t)(end - p));
            break;
        } else {
            hp_buf_addc(b, *p);
        }
    }
}

static void spell(csh h, const code_ctx *c, const cs_insn *in, hp_sym_insn *out)
{
    const cs_x86 *x = &in->detail->x86;
    bool any_reg = false;
    for (int i = 0; i < x->op_count; i++)
        any_reg |= x->operands[i].type == X86_OP_REG;
    const char *base = sym_cs_insn_name(h, in->id);
    char mn[64];
    snprintf(mn, sizeof(mn), "%s", in->mnemonic);
    bool stack_op = base && (!strcmp(base, "call") || !strcmp(base, "ret") ||
                             !strcmp(base, "jmp") || !strcmp(base, "push") ||
                             !strcmp(base, "pop") || !strcmp(base, "leave"));
    if (base && has_suffix(mn, base) && (any_reg || stack_op))
        mn[strlen(base)] = '\0';
    bool branch = sym_cs_insn_group(h, in, CS_GRP_JUMP) || sym_cs_insn_group(h, in, CS_GRP_CALL);
    /* segment override on a nop: objdump prints it (and extra 0x66) as prefixes */
    hp_buf pfx = HP_BUF_INIT, ops = HP_BUF_INIT, tail = HP_BUF_INIT;
    bool nop_seg = !strncmp(mn, "nop", 3) && strchr(in->op_str, ':');
    if (nop_seg) {
        int n66 = 0;
        while (n66 < in->size && in->bytes[n66] == 0x66)
            n66++;
        for (int i = 1; i < n66; i++)
            hp_buf_adds(&pfx, "data16 ");
        hp_buf_adds(&pfx, "cs ");
    }
    bool shift1 = (x->opcode[0] == 0xd0 || x->opcode[0] == 0xd1);
    int imm_i = 0;
    const char *s = in->op_str;
    bool first = true;
    while (*s) {
        /* one top-level operand */
        int depth = 0;
        const char *e = s;
        while (*e && !(depth == 0 && e[0] == ',' && e[1] == ' ')) {
            depth += *e == '(' ? 1 : *e == ')' ? -1 : 0;
            e++;
        }
        size_t n = (size_t)(e - s);
        hp_buf one = HP_BUF_INIT;
        if (s[0] == '$') {
            const cs_x86_op *op = NULL;
            for (int i = 0, k = 0; i < x->op_count; i++)
                if (x->operands[i].type == X86_OP_IMM && k++ == imm_i)
                    op = &x->operands[i];
            imm_i++;
            if (op && !(shift1 && op->imm == 1))
                hp_buf_addf(&one, "$0x%" PRIx64, mask((uint64_t)op->imm, op->size));
            else if (!op)
                hp_buf_add(&one, s, n);
        } else if (branch && s[0] == '0' && s[1] == 'x' && !memchr(s, '(', n)) {
            uint64_t t = strtoull(s, NULL, 16);
            hp_buf_addf(&one, "%" PRIx64, t);
            annotate(c, t, &one);
        } else if (memchr(s, '(', n)) {
            size_t star = s[0] == '*';
            if (star)
                hp_buf_addc(&one, '*');
            memory(s + star, n - star, x, &one, nop_seg);
            for (int i = 0; i < x->op_count; i++) {
                const cs_x86_op *op = &x->operands[i];
                if (op->type == X86_OP_MEM && op->mem.base == X86_REG_RIP && !tail.len) {
                    uint64_t t = in->address + in->size + (uint64_t)op->mem.disp;
                    hp_buf_addf(&tail, "        # %" PRIx64, t);
                    annotate(c, t, &tail);
                }
            }
        } else {
            hp_buf_add(&one, s, n);
        }
        if (one.len) {
            if (!first)
                hp_buf_addc(&ops, ',');
            hp_buf_add(&ops, one.buf, one.len);
            first = false;
        }
        hp_buf_release(&one);
        s = *e ? e + 2 : e;
    }
    if (in->size == 2 && in->bytes[0] == 0x66 && in->bytes[1] == 0x90) { /* objdump's 2-byte nop */
        hp_buf_reset(&ops);
        hp_buf_adds(&ops, "%ax,%ax");
        snprintf(mn, sizeof(mn), "xchg");
    }
    if (in->id == X86_INS_STOSB || in->id == X86_INS_STOSW || in->id == X86_INS_STOSD ||
        in->id == X86_INS_STOSQ) { /* objdump: "rep stos %rax,%es:(%rdi)" */
        size_t l = strlen(mn);
        if (ops.len && l && strchr("bwlq", mn[l - 1]))
            mn[l - 1] = '\0';
        char *d = strstr(ops.buf, "(%rdi)");
        if (d && (d == ops.buf || d[-1] == ',')) {
            hp_buf t = HP_BUF_INIT;
            hp_buf_add(&t, ops.buf, (size_t)(d - ops.buf));
            hp_buf_addf(&t, "%%es:%s", d);
            hp_buf_reset(&ops);
            hp_buf_adds(&ops, t.buf);
            hp_buf_release(&t);
        }
    }
    hp_buf_adds(&pfx, mn);
    if (ops.len)
        snprintf(out->text, sizeof(out->text), "%-6s %s%s", pfx.buf,
                 ops.buf, tail.buf);
    else
        snprintf(out->text, sizeof(out->text), "%s", pfx.buf);
    hp_buf_release(&pfx);
    hp_buf_release(&ops);
    hp_buf_release(&tail);
}

/* The allocated section with file data named name (or, name NULL, holding addr). */
static int find_section(const char *path, const char *name, uint64_t addr, GElf_Shdr *ret)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    elf_version(EV_CURRENT);
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    size_t shstrndx;
    int r = -ENOENT;
    if (!e || elf_getshdrstrndx(e, &shstrndx) != 0)
        r = -ENOEXEC;
    for (Elf_Scn *scn = r == -ENOENT ? elf_nextscn(e, NULL) : NULL; scn; scn = elf_nextscn(e, scn)) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) || sh.sh_type == SHT_NOBITS)
            continue;
        const char *n = elf_strptr(e, shstrndx, sh.sh_name);
        if (name ? n && !strcmp(n, name) : addr >= sh.sh_addr && addr - sh.sh_addr < sh.sh_size) {
            *ret = sh;
            r = 0;
            break;
        }
    }
    if (e)
        elf_end(e);
    close(fd);
    return r;
}

int hp_symbolizer_text_section(const char *path, uint64_t *ret_addr, uint64_t *ret_size,
                               uint64_t *ret_offset)
{
    GElf_Shdr sh;
    int r = find_section(path, ".text", 0, &sh);
    if (r < 0)
        return r;
    *ret_addr = sh.sh_addr;
    *ret_size = sh.sh_size;
    *ret_offset = sh.sh_offset;
    return 0;
}

/* objdump disassembles section by section: end at the end of start's section. */
static uint64_t section_end(const hp_symobj *o, uint64_t start, uint64_t end)
{
    GElf_Shdr sh;
    if (find_section(hp_symobj_path(o), NULL, start, &sh) == 0 && end > sh.sh_addr + sh.sh_size)
        end = sh.sh_addr + sh.sh_size;
    return end;
}

int hp_symbolizer_disasm_load(hp_error *err)
{
    return hp_dl_capstone("--disasm", err);
}

int hp_symobj_disassemble(hp_symobj *o, uint64_t start, uint64_t end, hp_sym_insn **ret,
                          size_t *ret_n)
{
    hp_return_if_fail(o && ret && ret_n && end >= start, -EINVAL);
    if (hp_symobj_machine(o) != EM_X86_64)
        return -ENOTSUP;
    end = section_end(o, start, end);
    size_t len = end - start > MAX_RANGE ? MAX_RANGE : (size_t)(end - start);
    uint8_t *code = hp_malloc(len ? len : 1);
    if (!code)
        return -ENOMEM;
    size_t got = 0;
    int r = hp_symobj_read_code(o, start, code, len, &got);
    if (r < 0) {
        free(code);
        return r;
    }
    csh h;
    if (hp_dl_capstone(NULL, NULL) < 0 || sym_cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) {
        free(code);
        return -ENOTSUP;
    }
    sym_cs_option(h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
    sym_cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    cs_insn *in = sym_cs_malloc(h);
    code_ctx ctx = {.o = o};
    read_plt(&ctx);
    hp_sym_insn *v = NULL;
    size_t n = 0, alloc = 0;
    hp_sym_result *res = hp_malloc(sizeof(*res));
    const uint8_t *p = code;
    size_t left = got;
    uint64_t addr = start;
    r = in && res ? 0 : -ENOMEM;
    while (r == 0 && left) {
        if (HP_GROW(v, alloc, n + 1) < 0) {
            r = -ENOMEM;
            break;
        }
        hp_sym_insn *out = &v[n++];
        memset(out, 0, sizeof(*out));
        out->addr = addr;
        const uint8_t *q = p;
        uint64_t a = addr;
        if (sym_cs_disasm_iter(h, &q, &left, &a, in)) {
            out->size = in->size;
            spell(h, &ctx, in, out);
        } else {
            out->size = 1; /* objdump: "(bad)", and on with the next byte */
            snprintf(out->text, sizeof(out->text), "(bad)");
            left--;
        }
        p += out->size;
        addr += out->size;
        memset(res, 0, sizeof(*res));
        hp_symobj_lookup_obj(o, out->addr, res);
        if (res->nframes && res->frames[0].file) {
            out->file = res->frames[0].file;
            out->line = res->frames[0].line;
        } else if (n > 1) { /* objdump -l prints no location: the last one holds */
            out->file = v[n - 2].file;
            out->line = v[n - 2].line;
        }
    }
    if (in)
        sym_cs_free(in, 1);
    sym_cs_close(&h);
    free_plt(&ctx);
    free(res);
    free(code);
    if (r < 0) {
        free(v);
        return r;
    }
    *ret = v;
    *ret_n = n;
    return 0;
}
