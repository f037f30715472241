/*
 * hp-lines-check.c - checks the line-table reader (symbolizer/dwarf_lines.c)
 * against libdwarf: for every compilation or partial unit of each ELF file
 * named, the line table at its DW_AT_stmt_list is decoded by libdwarf
 * (dwarf_srclines_b and friends, read the way dwarf.c read them before the
 * reader existed: file numbers from dwarf_srclines_files_indexes, a file's
 * directory from dwarf_srclines_include_dir_data when DWARF 5 or diridx > 0)
 * and by hp_dw_lines_read, from the same section bytes (dwarf_sections.c).
 * The two must agree on success, the file numbering, every (name, dir) and
 * every row (address, file, line, end of sequence) in order. The first
 * difference of a file is printed and the program exits 1.
 *
 * One libdwarf quirk is taken out of the comparison: a row made by a special
 * opcode after DW_LNS_set_epilogue_begin comes out of libdwarf with its
 * end_sequence flag set to the epilogue flag (read_line_table_program); such
 * rows (end_sequence and epilogue_begin both set, not followed by a reset
 * of the state) are compared as ordinary rows and counted.
 *
 *   hp-lines-check [-q] FILE...   (-q: no per-file summary)
 * A FILE without DWARF line tables is reported and passes; one that cannot
 * be opened fails, and so does a run that compares no table at all.
 */
#include "hp_common.h"

#include <fcntl.h>
#include <inttypes.h>
#include <libdwarf/dwarf.h>
#include <libdwarf/libdwarf.h>
#include <unistd.h>

#include "dwarf_compat.h"

static bool quiet;
static size_t compared; /* tables compared in all files */

static void errhand(Dwarf_Error err, Dwarf_Ptr arg)
{
    (void)err;
    (void)arg;
}

static bool same(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

static const char *str_or_null(const char *s)
{
    return s ? s : "(null)";
}

/* What libdwarf gives for one table. */
typedef struct ref_table {
    bool ok;
    int64_t base, end;
    hp_dw_line_file *files;
    hp_dw_line_row *rows;
    size_t nfiles, nrows, quirks;
} ref_table;

static void ref_free(ref_table *r)
{
    free(r->files);
    free(r->rows);
    *r = (ref_table){0};
}

/* The table of cu_die as dwarf.c decoded it with libdwarf. */
static void ref_read(Dwarf_Debug dbg, Dwarf_Die cu_die, ref_table *ref, char *why, size_t whyn)
{
    Dwarf_Unsigned version = 0;
    Dwarf_Small tcount = 0;
    Dwarf_Line_Context lctx = NULL;
    Dwarf_Error err = NULL;
    *ref = (ref_table){0};
    if (dwarf_srclines_b(cu_die, &version, &tcount, &lctx, &err) != DW_DLV_OK) {
        snprintf(why, whyn, "%s", err ? dwarf_errmsg(err) : "no entry");
        if (err)
            hp_dwarf_dealloc_error(dbg, err);
        return;
    }
    Dwarf_Signed base = 0, count = 0, end = 0;
    if (dwarf_srclines_files_indexes(lctx, &base, &count, &end, &err) != DW_DLV_OK ||
        end - base != count || count < 0) {
        snprintf(why, whyn, "files_indexes");
        dwarf_srclines_dealloc_b(lctx);
        return;
    }
    ref->ok = true;
    ref->base = base;
    ref->end = end;
    ref->files = calloc((size_t)count + 1, sizeof(*ref->files));
    for (Dwarf_Signed i = base; i < end; i++) {
        const char *name = NULL, *dir = NULL;
        Dwarf_Unsigned diridx = 0, mtime, flen;
        Dwarf_Form_Data16 *md5 = NULL;
        if (dwarf_srclines_files_data_b(lctx, i, &name, &diridx, &mtime, &flen, &md5, &err) !=
            DW_DLV_OK) {
            name = NULL;
        } else if ((version >= 5 || diridx > 0) &&
                   dwarf_srclines_include_dir_data(lctx, (Dwarf_Signed)diridx, &dir, &err) ==
                       DW_DLV_ERROR) {
            dir = NULL;
        }
        if (err)
            hp_dwarf_dealloc_error(dbg, err);
        err = NULL;
        ref->files[ref->nfiles++] = (hp_dw_line_file){name, dir};
    }
    Dwarf_Line *lines = NULL;
    Dwarf_Signed n = 0;
    if (tcount == 1 && dwarf_srclines_from_linecontext(lctx, &lines, &n, &err) == DW_DLV_OK) {
        ref->rows = calloc((size_t)n + 1, sizeof(*ref->rows));
        for (Dwarf_Signed i = 0; i < n; i++) {
            Dwarf_Addr addr = 0;
            Dwarf_Unsigned lineno = 0, fileno = 0, isa = 0, disc = 0;
            Dwarf_Bool endseq = 0, prologue = 0, epilogue = 0;
            dwarf_lineaddr(lines[i], &addr, &err);
            dwarf_lineendsequence(lines[i], &endseq, &err);
            dwarf_lineno(lines[i], &lineno, &err);
            dwarf_line_srcfileno(lines[i], &fileno, &err);
            dwarf_prologue_end_etc(lines[i], &prologue, &epilogue, &isa, &disc, &err);
            /* the quirk: a special-opcode row with the epilogue flag; a real
             * end of sequence resets the state (file 1, line 1) after it */
            if (endseq && epilogue && i + 1 < n) {
                endseq = 0;
                ref->quirks++;
            }
            ref->rows[ref->nrows++] = (hp_dw_line_row){addr, fileno, lineno, endseq != 0};
        }
    }
    dwarf_srclines_dealloc_b(lctx);
}

/* The CU's DW_AT_stmt_list offset, as dwarf.c reads it. */
static bool stmt_list(Dwarf_Debug dbg, Dwarf_Die die, uint64_t *ret)
{
    Dwarf_Attribute at = NULL;
    Dwarf_Error err = NULL;
    if (dwarf_attr(die, DW_AT_stmt_list, &at, &err) != DW_DLV_OK)
        return false;
    Dwarf_Unsigned off = 0;
    Dwarf_Off goff = 0;
    bool ok = true;
    if (dwarf_formudata(at, &off, &err) == DW_DLV_OK) {
        *ret = off;
    } else {
        if (err)
            hp_dwarf_dealloc_error(dbg, err);
        err = NULL;
        ok = dwarf_global_formref(at, &goff, &err) == DW_DLV_OK;
        *ret = goff;
    }
    if (err)
        hp_dwarf_dealloc_error(dbg, err);
    dwarf_dealloc(dbg, at, DW_DLA_ATTR);
    return ok;
}

/* Compares the table of one CU; prints the first difference. */
static bool compare(const char *path, uint64_t off, const ref_table *ref, const char *why, int res,
                    const hp_dw_line_table *t)
{
    if (ref->ok != (res == 0)) {
        printf("%s: table 0x%" PRIx64 ": libdwarf %s (%s), reader %s (%s)\n", path, off,
               ref->ok ? "decodes it" : "fails", ref->ok ? "" : why,
               res == 0 ? "decodes it" : "fails", res == 0 ? "" : t->error);
        return false;
    }
    if (!ref->ok)
        return true;
    if (ref->base != t->file_base || ref->end != t->file_end) {
        printf("%s: table 0x%" PRIx64 ": files numbered %" PRId64 "..%" PRId64
               " by libdwarf, %" PRId64 "..%" PRId64 " by the reader\n",
               path, off, ref->base, ref->end, t->file_base, t->file_end);
        return false;
    }
    for (size_t i = 0; i < ref->nfiles; i++) {
        if (!same(ref->files[i].name, t->files[i].name) || !same(ref->files[i].dir, t->files[i].dir)) {
            printf("%s: table 0x%" PRIx64 ": file %" PRId64 ": libdwarf (%s, %s), reader (%s, %s)\n",
                   path, off, ref->base + (int64_t)i, str_or_null(ref->files[i].name),
                   str_or_null(ref->files[i].dir), str_or_null(t->files[i].name),
                   str_or_null(t->files[i].dir));
            return false;
        }
    }
    for (size_t i = 0; i < ref->nrows || i < t->nrows; i++) {
        const hp_dw_line_row *a = i < ref->nrows ? &ref->rows[i] : NULL;
        const hp_dw_line_row *b = i < t->nrows ? &t->rows[i] : NULL;
        if (a && b && a->addr == b->addr && a->file == b->file && a->line == b->line &&
            a->endseq == b->endseq)
            continue;
        printf("%s: table 0x%" PRIx64 ": row %zu: ", path, off, i);
        if (a)
            printf("libdwarf 0x%" PRIx64 " file %" PRIu64 " line %" PRIu64 "%s, ", a->addr, a->file,
                   a->line, a->endseq ? " end" : "");
        else
            printf("libdwarf none, ");
        if (b)
            printf("reader 0x%" PRIx64 " file %" PRIu64 " line %" PRIu64 "%s\n", b->addr, b->file,
                   b->line, b->endseq ? " end" : "");
        else
            printf("reader none\n");
        return false;
    }
    return true;
}

/* Checks every unit of path. Returns: 0 same, 1 a difference, 2 cannot open. */
static int check_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    hp_dw_elf e = {0};
    const char *why = NULL;
    if (fd < 0 || hp_dw_sections_open(fd, &e.secs, &why) < 0) {
        printf("%s: cannot open: %s\n", path, fd < 0 ? strerror(errno) : why);
        if (fd >= 0)
            close(fd);
        return 2;
    }
    Dwarf_Debug dbg = NULL;
    Dwarf_Error err = NULL;
    if (hp_dwarf_init_fd(fd, &e, errhand, NULL, &dbg, &err) != DW_DLV_OK) {
        if (!quiet)
            printf("%s: no DWARF, skipped\n", path);
        if (err)
            hp_dwarf_dealloc_error(NULL, err);
        hp_dw_elf_end(&e);
        close(fd);
        return 0;
    }
    const unsigned char *line = NULL;
    size_t nline = 0;
    (void)hp_dw_sections_load(e.secs, hp_dw_sections_find(e.secs, ".debug_line"), &line, &nline);
    hp_dw_line_strs strs = {.load = hp_dw_sections_line_strs, .arg = e.secs};
    hp_dw_line_table t = {0};
    size_t tables = 0, rows = 0, quirks = 0, failed = 0;
    int status = 0;
    for (;;) {
        Dwarf_Unsigned hdrlen = 0, typeoff = 0, next = 0;
        Dwarf_Half version = 0, asize = 0, osize = 0, esize = 0, cutype = 0;
        Dwarf_Off abbrev = 0;
        Dwarf_Sig8 sig;
        int r = dwarf_next_cu_header_d(dbg, 1, &hdrlen, &version, &abbrev, &asize, &osize, &esize,
                                       &sig, &typeoff, &next, &cutype, &err);
        if (r != DW_DLV_OK)
            break;
        Dwarf_Die die = NULL;
        if (dwarf_siblingof_b(dbg, NULL, 1, &die, &err) != DW_DLV_OK)
            break;
        uint64_t off = 0;
        if (stmt_list(dbg, die, &off) && line) {
            ref_table ref;
            char rwhy[200] = "";
            ref_read(dbg, die, &ref, rwhy, sizeof(rwhy));
            int res = hp_dw_lines_read(line, nline, off, hp_dw_sections_big_endian(e.secs), &strs, &t);
            tables++;
            compared++;
            rows += ref.nrows;
            quirks += ref.quirks;
            failed += !ref.ok;
            bool ok = res != -ENOTSUP && compare(path, off, &ref, rwhy, res, &t);
            if (res == -ENOTSUP)
                printf("%s: table 0x%" PRIx64 ": version %u not decoded by the reader\n", path, off,
                       t.version);
            ref_free(&ref);
            if (!ok) {
                status = 1;
                dwarf_dealloc_die(die);
                break;
            }
        }
        dwarf_dealloc_die(die);
    }
    if (err)
        hp_dwarf_dealloc_error(dbg, err);
    if (status == 0 && !quiet)
        printf("%s: %zu tables (%zu libdwarf rejects too), %zu rows, %zu epilogue rows: same\n",
               path, tables, failed, rows, quirks);
    hp_dw_lines_release(&t);
    hp_dwarf_finish(dbg);
    hp_dw_elf_end(&e);
    close(fd);
    if (!compared) {
        printf("no line table compared\n");
        status = 1;
    }
    return status;
}

int main(int argc, char **argv)
{
    int status = 0, first = 1;
    if (argc > 1 && !strcmp(argv[1], "-q")) {
        quiet = true;
        first = 2;
    }
    if (argc <= first) {
        fprintf(stderr, "usage: hp-lines-check [-q] FILE...\n");
        return 2;
    }
    for (int i = first; i < argc; i++) {
        int r = check_file(argv[i]);
        if (r)
            status = 1;
    }
    if (!compared) {
        printf("no line table compared\n");
        status = 1;
    }
    return status;
}
