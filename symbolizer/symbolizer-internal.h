/*
 * symbolizer-internal.h - types shared by the files of the symbolizer module
 * (elf.c, search.c, dwarf*.c, symbolizer.c) and by
 * its tests. Not a public header.
 *
 * Layout of the decoded tables (all sorted by address, searched by bisection):
 *  - hp_elfsym: one function symbol per start address;
 *  - hp_dw_extent: address ranges of the compilation units (the CU index);
 *  - per decoded CU, hp_dw_seg: disjoint address segments, each naming the
 *    innermost DWARF scope (subprogram or inlined_subroutine) covering it,
 *    and hp_dw_row: its line-table rows, end-of-sequence rows included.
 */
#ifndef HP_SYMBOLIZER_INTERNAL_H
#define HP_SYMBOLIZER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hp_buf.h"
#include "hp_error.h"
#include "hp_strtab.h"
#include "hp_symbolizer.h"
#include "addr_index.h"

/* Caps on counts read from input files (untrusted). */
#define HP_SYM_MAX_SYMBOLS (16u << 20)
#define HP_SYM_MAX_PHDRS   4096u
#define HP_DW_MAX_DEPTH    256
#define HP_DW_MAX_REF_HOPS 8

/* ---- strings ----------------------------------------------------------- */

/* Intern n bytes (or a NUL-terminated string with n == SIZE_MAX) in the table;
 * NULL on allocation failure. */
const char *hp_sym_intern(hp_strtab *t, const char *s, size_t n);
/* The same for a message formatted from fmt (at most 1023 bytes). */
const char *hp_sym_internf(hp_strtab *t, const char *fmt, ...) HP_PRINTF(2, 3);

/* ---- elf.c ------------------------------------------------------------- */

typedef struct hp_elfsym {
    uint64_t start;
    uint64_t size;    /* st_size, 0 when the symbol table gives none */
    const char *raw;  /* interned, version suffix kept for .dynsym */
    const char *name; /* demangled (interned), NULL until first needed */
} hp_elfsym;

typedef struct hp_phdr {
    uint64_t offset, vaddr, filesz, memsz;
    uint32_t flags;
} hp_phdr;

typedef struct hp_elf_file {
    const char *path; /* interned */
    int fd;
    void *elf; /* Elf * (kept opaque so dwarf.c need not include libelf) */
    uint16_t type;
    hp_phdr *phdrs;
    size_t nphdrs;
    const char *build_id;  /* hex, interned, NULL if none */
    uint16_t machine;      /* e_machine */
    const char *debuglink; /* .gnu_debuglink file name, interned */
    uint32_t debuglink_crc;
    const char *altlink; /* .gnu_debugaltlink or .debug_sup file name, interned */
    const char *altlink_build_id; /* hex, the build-id (checksum) it must have */
    const char *sup_checksum;     /* .debug_sup checksum of a supplementary file */
    bool has_debug_info; /* .debug_info and .debug_line present */
    bool has_symtab, has_dynsym;
} hp_elf_file;

/**
 * hp_elf_open - open path and read its headers, notes and links.
 * Returns: 0 and *ret (free with hp_elf_close); -ENOENT (cannot open),
 *          -ENOEXEC (not an ELF file); reterr names the file.
 */
int hp_elf_open(const char *path, hp_strtab *strs, hp_elf_file **ret, hp_error *reterr);
/** hp_elf_close - accepts NULL; returns NULL. */
hp_elf_file *hp_elf_close(hp_elf_file *f);

/* The symbol versions of a .dynsym (.gnu.version + .gnu.version_d), as nm -D
 * and objdump print them: "name@@VER" (default), "name@VER" (hidden). */
typedef struct hp_elf_versions {
    void *versym;       /* Elf_Data * of .gnu.version, NULL if none */
    const char **names; /* by version index; malloc()ed */
    size_t nnames;
} hp_elf_versions;
/** hp_elf_versions_open - read them from elf (an Elf *); all NULL when absent. */
void hp_elf_versions_open(void *elf, hp_elf_versions *ret);
/** hp_elf_version_of - the version name of dynsym entry symndx, NULL for none (local, base). */
const char *hp_elf_version_of(const hp_elf_versions *v, size_t symndx, bool *ret_hidden);
/** hp_elf_versions_close - free; zeroes v. */
void hp_elf_versions_close(hp_elf_versions *v);

/**
 * hp_elf_symbols - function symbols of .symtab (dynsym false) or .dynsym,
 * sorted by address, one per address (preferred: global over weak over local,
 * default version "@@" over hidden "@", fewer leading '_', then the first
 * in the table).
 * Returns: 0 and *ret_syms (malloc()ed, caller frees) / *ret_n; -ENOMEM.
 */
int hp_elf_symbols(hp_elf_file *f, hp_strtab *strs, bool dynsym, hp_elfsym **ret_syms,
                   size_t *ret_n);

/**
 * hp_elf_read_uint - the size-byte (1..8) unsigned value at offset off of
 * section name of f, in the file's byte order (decompressed if needed).
 * Returns: 0, or -ENOENT (no such section) / -ERANGE (out of bounds).
 */
int hp_elf_read_uint(hp_elf_file *f, const char *name, uint64_t off, unsigned size,
                     uint64_t *ret);

/** hp_crc32 - the CRC-32 used by .gnu_debuglink, of the whole file at fd; -EIO on failure. */
int hp_file_crc32(int fd, uint32_t *ret_crc);

/* ---- callsite.c ---------------------------------------------------------- */

/**
 * hp_sym_count_call_sites - how many of the file offsets offsets[0..n), taken
 * as return addresses, follow a call instruction in the file at path (an
 * offset outside the executable segments of phdrs does not).
 * Returns: 0 and *ret_ok; -ENOTSUP for a machine it does not know, -errno
 *          when the file cannot be opened.
 */
int hp_sym_count_call_sites(const char *path, uint16_t machine, const hp_phdr *phdrs,
                            size_t nphdrs, const uint64_t *offsets, size_t n, size_t *ret_ok);

/* ---- debuginfod.c -------------------------------------------------------- */

typedef struct hp_sym_dbgd hp_sym_dbgd;

typedef enum hp_dbgd_kind {
    HP_DBGD_DEBUGINFO,  /* separate debug file, or a dwz file by its own build-id */
    HP_DBGD_EXECUTABLE, /* the object itself */
} hp_dbgd_kind;

/** hp_sym_dbgd_supported - false when built without libdebuginfod's header. */
bool hp_sym_dbgd_supported(void);

/**
 * hp_sym_dbgd_new - a debuginfod session; nothing is loaded or asked until
 * the first hp_sym_dbgd_fetch. Messages are interned in strs.
 * Returns: the session (hp_sym_dbgd_free), NULL when out of memory.
 */
hp_sym_dbgd *hp_sym_dbgd_new(hp_strtab *strs);
/** hp_sym_dbgd_free - ends the client. Accepts NULL; returns NULL. */
hp_sym_dbgd *hp_sym_dbgd_free(hp_sym_dbgd *d);

/**
 * hp_sym_dbgd_fetch - the file of this kind for build_id (lowercase hex),
 * from the library's cache or the servers of DEBUGINFOD_URLS.
 * Returns: 0 and *ret_path (interned, a file in the cache); a negative errno
 *          (-ENOENT: no server has it; -ECANCELED: not asked, the servers were
 *          found unreachable or the library is missing) with *ret_why an
 *          interned one-line reason, or NULL when that reason was given before.
 */
int hp_sym_dbgd_fetch(hp_sym_dbgd *d, hp_dbgd_kind kind, const char *build_id,
                      const char **ret_path, const char **ret_why);

/* ---- search.c ------------------------------------------------------------ */

typedef struct hp_sym_search {
    hp_strtab *strs;
    const char *search_path; /* ':'-separated, may be NULL */
    const char *lib_prefix;  /* ','-separated (Perl's --lib_prefix), may be NULL */
    const char *debug_root;
    hp_sym_dbgd *dbgd; /* asked last, by build-id; NULL: debuginfod off */
} hp_sym_search;

/**
 * hp_sym_find_object - find and open the object recorded as recorded (or the
 * override), by the rules at the top of search.c.
 * Returns: 0 and *ret (hp_elf_close), *ret_note an interned one-line note or
 *          NULL; -ENOENT, -ENOEXEC or -ENOMEM with reterr set.
 */
int hp_sym_find_object(const hp_sym_search *ss, const char *recorded, const char *override,
                       hp_elf_file **ret, const char **ret_note, hp_error *reterr);

/**
 * hp_sym_find_in_search_path - as hp_sym_find_object without override, but
 * only the search path is looked at, never the recorded file itself (which
 * is known not to be the build that ran).
 */
int hp_sym_find_in_search_path(const hp_sym_search *ss, const char *recorded, hp_elf_file **ret,
                               const char **ret_note, hp_error *reterr);

/**
 * hp_sym_find_object_by_id - the object with this build-id (hex) from
 * debuginfod, for a recorded path that has no usable local file; local, when
 * not NULL, says why the local file was not used (both go into the messages).
 * Returns: 0 and *ret (hp_elf_close), *ret_note saying where it came from;
 *          -ENOENT with reterr saying why (debuginfod off, not found, another
 *          build served), -ENOMEM.
 */
int hp_sym_find_object_by_id(const hp_sym_search *ss, const char *recorded, const char *build_id,
                             const char *local, hp_elf_file **ret, const char **ret_note,
                             hp_error *reterr);

/**
 * hp_sym_find_debug - the separate debug file of obj, or NULL; then
 * *ret_note says why a candidate found was not used (build-id or CRC
 * mismatch, debuginfod's answer), else NULL. One fetched from debuginfod
 * comes with a note saying so. *ret_rejected: no debug file was used and
 * one was rejected as another build (the note names it).
 */
hp_elf_file *hp_sym_find_debug(const hp_sym_search *ss, const hp_elf_file *obj,
                               const char **ret_note, bool *ret_rejected);

/**
 * hp_sym_find_alt - path (interned) of the dwz supplementary file f names,
 * checked against its build-id; NULL with *ret_note saying why when f names
 * one that cannot be used.
 */
const char *hp_sym_find_alt(const hp_sym_search *ss, const hp_elf_file *f, const char **ret_note);

/* ---- dwarf.c ------------------------------------------------------------ */

/* A scope's name is completed on its first lookup (hp_dw_scope_name): most
 * scopes of a decoded CU are never looked up, and demangling is most of what
 * naming them costs. */
typedef struct hp_dw_scope {
    const char *name;      /* NULL if DWARF has none; final (interned) once resolved */
    const char *call_file; /* for inlined scopes: where the parent calls it */
    uint32_t call_line;
    int32_t parent; /* index of the enclosing scope (same CU), -1 for a subprogram */
    bool mangled;   /* name is a linkage name still to demangle (libdwarf's string,
                     * valid while the session is open, i.e. until hp_dwarf_release) */
    bool plain;     /* C++ subprogram named by DW_AT_name only (no linkage name),
                     * not yet given to the name hook */
    uint64_t entry; /* low_pc, or the first range's start */
} hp_dw_scope;

typedef struct hp_dw_seg {
    uint64_t lo;   /* segment is [lo, next segment's lo) */
    int32_t scope; /* innermost scope, -1 for a gap */
} hp_dw_seg;

typedef struct hp_dw_row {
    uint64_t addr;
    uint32_t file; /* index into hp_dwarf_info.files, UINT32_MAX for an end of sequence */
    uint32_t line;
} hp_dw_row;

enum { HP_DW_CU_PENDING, HP_DW_CU_DONE, HP_DW_CU_FAILED };

/* One compilation unit: its tables are decoded on the first lookup in it. */
typedef struct hp_dw_cu {
    uint64_t die_off; /* .debug_info offset of the CU DIE (of its unit header
                       * while version is 0: indexed from .debug_aranges,
                       * header not read yet) */
    uint16_t version;
    int state; /* HP_DW_CU_* */
    hp_dw_scope *scopes;
    size_t nscopes;
    hp_dw_seg *segs; /* sorted, disjoint */
    size_t nsegs;
    hp_dw_row *rows; /* sorted */
    size_t nrows;
    size_t file_base; /* rows[].file + file_base indexes hp_dwarf_info.files
                       * (0 when decoded: the rows hold global numbers) */
    bool mapped;      /* segs and rows point into the symbol cache's mapping */
    hp_addr_index segs_ix, rows_ix; /* of segs and rows (addr_index.c) */
} hp_dw_cu;

/* Address range [lo, hi) of the code of CU cu; maxhi is the largest hi of
 * this and every earlier extent in the sorted index (overlap search). */
typedef struct hp_dw_extent {
    uint64_t lo, hi, maxhi;
    uint32_t cu;
} hp_dw_extent;

#define HP_DW_MAX_COVERING 8 /* CUs a lookup looks at, at most */

struct hp_dw_ctx; /* libdwarf session of dwarf.c, open while CUs are pending */

/* Called on the first lookup of a "plain" scope (symbolizer.c may rename it
 * after the ELF symbol at its entry). */
typedef void hp_dw_name_hook(void *arg, hp_dw_scope *sc);
/* Reads a size-byte unsigned value at offset off of .debug_info of the DWARF
 * source (for forms libdwarf cannot decode); 0 or negative errno. */
typedef int hp_dw_read_hook(void *arg, uint64_t off, unsigned size, uint64_t *ret);

typedef struct hp_dwarf_info {
    hp_dw_cu *cus;
    size_t ncus;
    hp_dw_extent *index; /* sorted by lo */
    size_t nindex;
    hp_addr_index index_ix; /* of index (addr_index.c); freed when index changes */
    const char **files; /* file names of every decoded CU */
    size_t nfiles, files_alloc;
    bool has_lines;      /* some CU has a line table */
    const char *warning; /* interned, NULL if the DWARF decoded cleanly so far */
    hp_strtab *strs;     /* where resolved names are interned */
    hp_dw_name_hook *hook;
    hp_dw_read_hook *read;
    void *hook_arg;
    struct hp_dw_ctx *ctx;
} hp_dwarf_info;

/**
 * hp_dwarf_load - index the CUs of the DWARF in the ELF file open at fd (the
 * object itself or its separate debug file) by address, reading only CU
 * headers and CU DIEs; CUs without address ranges are decoded at once. fd must
 * stay open until hp_dwarf_release. alt_path, when not NULL, is the dwz
 * supplementary file named by .gnu_debugaltlink or .debug_sup. hook (may be
 * NULL) is called for each plain scope on its first lookup, read (may be NULL)
 * reads .debug_info; both get hook_arg.
 * Returns: 0 and *ret filled (release with hp_dwarf_release), possibly with a
 *          warning for partly corrupt DWARF; -EBADMSG when nothing could be
 *          decoded; -ENOMEM.
 */
int hp_dwarf_load(int fd, const char *alt_path, hp_strtab *strs, hp_dw_name_hook *hook,
                  hp_dw_read_hook *read, void *hook_arg, hp_dwarf_info *ret, hp_error *reterr);
/** hp_dwarf_release - free the tables and end the libdwarf session. */
void hp_dwarf_release(hp_dwarf_info *d);

/**
 * hp_dwarf_decode_cu - decode the line table and scope tree of CU i (dwarf.c),
 * and call the hook. Sets its state to HP_DW_CU_DONE or HP_DW_CU_FAILED (out
 * of memory); updates d->warning on corrupt DWARF.
 */
void hp_dwarf_decode_cu(hp_dwarf_info *d, size_t i);

/* ---- symbolizer.c (for parallel.c) ----------------------------------------- */

/**
 * hp_symobj_lookup_to - hp_symobj_lookup_obj with the frames written to
 * frames[0..HP_SYM_MAX_FRAMES) instead of ret->frames (untouched).
 */
int hp_symobj_lookup_to(hp_symobj *o, uint64_t obj_addr, hp_sym_result *ret,
                        hp_sym_frame *frames);
/** hp_symobj_obj_addr - the object-relative address hp_symobj_lookup looks up. */
uint64_t hp_symobj_obj_addr(const hp_symobj *o, uint64_t map_start, uint64_t map_offset,
                            uint64_t pc);
/** hp_symobj_prefetch - prefetch what a lookup of obj_addr a few lookups
 * ahead will read from tables already loaded (hp_dwarf_prefetch, symbols);
 * reads only o, changes no answer; *last as hp_dwarf_prefetch's. */
void hp_symobj_prefetch(const hp_symobj *o, uint64_t obj_addr, bool near, hp_dw_extent *last);
/* An answer without its frames: their number and the symbols, named. */
typedef struct hp_sym_found {
    size_t nframes;
    const hp_elfsym *sym, *nm; /* hp_symobj_lookup_to's symbol and nm symbol */
} hp_sym_found;
/* What lookups of rising addresses in one object share (a batch keeps one
 * per run of them): the CUs covering [lo, hi), found in the CU index at
 * index (nindex extents) — a rebuilt index makes it stale. Zeroed: empty. */
typedef struct hp_sym_cursor {
    uint64_t lo, hi;
    const hp_dw_extent *index;
    size_t nindex;
    uint32_t ncus;
    uint32_t cus[HP_DW_MAX_COVERING];
} hp_sym_cursor;
/** hp_symobj_answer_to - hp_symobj_lookup_to's answer, the frames to frames
 * and the symbols named; cur (NULL: none) is read and updated, the CUs it
 * holds taken when they cover obj_addr. */
int hp_symobj_answer_to(hp_symobj *o, uint64_t obj_addr, hp_sym_frame *frames, hp_sym_cursor *cur,
                        hp_sym_found *ret);
/** hp_sym_result_symbols - ret's symbol fields from a found answer's. */
void hp_sym_result_symbols(const hp_elfsym *sym, const hp_elfsym *nm, bool all_inline_levels,
                           hp_sym_result *ret);
/** hp_symobj_all_inline_levels - hp_sym_result.all_inline_levels of o. */
bool hp_symobj_all_inline_levels(const hp_symobj *o);
/**
 * hp_symobj_decode_ahead - before looking up n object-relative addresses in
 * o (each the uint64_t starting a record of stride bytes at recs): decode the
 * CUs they need on two threads (hp_dw_decode_split) when there are several
 * and no cache holds them. Changes no answer.
 */
void hp_symobj_decode_ahead(hp_symobj *o, const void *recs, size_t n, size_t stride);
/** hp_symobj_decodes_ahead - whether hp_symobj_decode_ahead may decode
 * anything in o (its DWARF loaded first, as a lookup would). */
bool hp_symobj_decodes_ahead(hp_symobj *o);

/* ---- dwarf_split.c ---------------------------------------------------------- */

/**
 * hp_dw_decode_split - decode the pending CUs cus[0..n) (ascending) of d, the
 * DWARF of the file open at fd, on two threads, each half in a libdwarf
 * session of its own, and move their tables into d. All or nothing: when a
 * session sees anything wrong, d is left as it was (its own session decodes
 * those CUs on their first lookup, as it would have). Not for a d with a dwz
 * file or a warning already.
 * Returns: the number of CUs decoded; *ret_strs (two, NULL when unused) hold
 *          their names and must live as long as d.
 */
size_t hp_dw_decode_split(hp_dwarf_info *d, int fd, const uint32_t *cus, size_t n,
                          hp_strtab *ret_strs[2]);

/**
 * hp_dwarf_index_rest - when the CU index came from .debug_aranges: index
 * the units it does not describe too (their CU DIEs, read by libdwarf), for
 * an address no range of the index covers. Done once.
 * Returns: true when the index may have changed (look again).
 */
bool hp_dwarf_index_rest(hp_dwarf_info *d);

/* ---- dwarf_tables.c ------------------------------------------------------- */

/* One pc range of a scope, depth = nesting level (0 for a subprogram); for
 * the CU index, scope is the CU number. */
typedef struct hp_dw_range {
    uint64_t lo, hi;
    int32_t scope;
    uint32_t depth;
} hp_dw_range;

/**
 * hp_dw_build_tables - sort ranges (reordered in place) and flatten them into
 * cu->segs; sort cu->rows. Returns: 0 or -ENOMEM.
 */
int hp_dw_build_tables(hp_dw_cu *cu, hp_dw_range *ranges, size_t nranges);

/**
 * hp_dw_build_index - d->index from the CU ranges (scope = CU number),
 * sorted, with maxhi filled. Returns: 0 or -ENOMEM.
 */
int hp_dw_build_index(hp_dwarf_info *d, const hp_dw_range *ranges, size_t nranges);

/**
 * hp_dw_cu_extents - append to *arr the address ranges a decoded CU covers
 * (runs of its scope segments, its line sequences), with scope = cu.
 * Returns: 0 or -ENOMEM.
 */
int hp_dw_cu_extents(const hp_dw_cu *cu, int32_t cu_no, hp_dw_range **arr, size_t *n,
                     size_t *alloc);

/**
 * hp_dw_add_row - append one line-table row (file UINT32_MAX: end of
 * sequence) to cu->rows as binutils keeps them: rows going backwards are
 * ignored, the last of several rows at one address wins, sequences starting
 * at 0 (removed code) or holding a single row are dropped. *seq_start and
 * *in_seq track the current sequence (start with *in_seq false).
 * Returns: 0 or -ENOMEM.
 */
int hp_dw_add_row(hp_dw_cu *cu, size_t *alloc, hp_dw_row row, size_t *seq_start, bool *in_seq);

/** hp_dw_cu_release - free the tables of one CU. */
void hp_dw_cu_release(hp_dw_cu *cu);

/** hp_dw_row_cmp - qsort order of rows: by address, an end of sequence first. */
int hp_dw_row_cmp(const void *a, const void *b);

/* ---- dwarf_sections.c ------------------------------------------------------ */

typedef struct hp_dw_sections hp_dw_sections;

/* What libdwarf is told of a section (its Dwarf_Obj_Access_Section). */
typedef struct hp_dw_section_info {
    const char *name; /* "" for a section libdwarf is not to see */
    uint64_t addr, type, size, link, info, entsize; /* size: inflated */
} hp_dw_section_info;

/**
 * hp_dw_sections_open - read the section headers of the ELF file at fd (which
 * must stay open until hp_dw_sections_free) and check what libdwarf 20210528
 * cannot survive: bad compression headers, bad .debug_rnglists table headers.
 * Returns: 0 and *ret; -ENOEXEC, -EBADMSG or -ENOMEM with *ret_why a static
 *          one-line reason.
 */
int hp_dw_sections_open(int fd, hp_dw_sections **ret, const char **ret_why);
/** hp_dw_sections_free - accepts NULL; returns NULL. */
hp_dw_sections *hp_dw_sections_free(hp_dw_sections *s);
size_t hp_dw_sections_count(const hp_dw_sections *s);
/** hp_dw_sections_find - index of the (not hidden) section called name, SIZE_MAX if none. */
size_t hp_dw_sections_find(const hp_dw_sections *s, const char *name);
/** hp_dw_sections_info - section i (0-based, as in the ELF file); false past the end. */
bool hp_dw_sections_info(const hp_dw_sections *s, size_t i, hp_dw_section_info *ret);
bool hp_dw_sections_big_endian(const hp_dw_sections *s);
bool hp_dw_sections_is64(const hp_dw_sections *s);
/**
 * hp_dw_sections_load - the bytes of section i, inflated on first use.
 * Returns: 0 and *ret / *ret_n (valid until hp_dw_sections_free); -ENOENT for
 *          a hidden section; -EBADMSG when it cannot be read or inflated
 *          (hp_dw_sections_error says why).
 */
int hp_dw_sections_load(hp_dw_sections *s, size_t i, const unsigned char **ret, size_t *ret_n);
/**
 * hp_dw_sections_prefix - as hp_dw_sections_load, but a streamed section is
 * inflated only until at least want bytes (or all) are valid: *ret points to
 * a buffer of the whole inflated size (zeroed past the part inflated),
 * *ret_n is the number of valid bytes (>= want unless the section is shorter).
 */
int hp_dw_sections_prefix(hp_dw_sections *s, size_t i, size_t want, const unsigned char **ret,
                          size_t *ret_n);
/**
 * hp_dw_sections_map - for libdwarf's load_section: the buffer of section i,
 * inflated whole unless streamed; a streamed section is valid only as far as
 * hp_dw_sections_prefix was asked, the caller inflates before reading.
 */
int hp_dw_sections_map(hp_dw_sections *s, size_t i, const unsigned char **ret);
/**
 * hp_dw_sections_stream - inflate the compressed section i (not yet loaded)
 * on demand (zlib / zstd streaming) instead of whole at its first load.
 */
void hp_dw_sections_stream(hp_dw_sections *s, size_t i);
/** hp_dw_sections_error - why the first section failed to load ("cannot inflate (zlib)
 * .debug_info"), NULL if none did; accepts NULL. */
const char *hp_dw_sections_error(const hp_dw_sections *s);

/* ---- dwarf_units.c --------------------------------------------------------- */

typedef struct hp_dw_unit_range {
    uint64_t lo, hi;
} hp_dw_unit_range;

/* One unit of .debug_info (its header). */
typedef struct hp_dw_unit {
    uint64_t hdr_off, die_off, end; /* .debug_info offsets of its header, DIE and end */
    uint64_t abbrev_off;            /* .debug_abbrev offset of its table */
    uint16_t version;
    uint8_t addr_size, offset_size;
    uint8_t type; /* DW_UT_* for DWARF 5, 0 before */
} hp_dw_unit;

/* One set of .debug_aranges: the unit (header offset) and its ranges. */
typedef struct hp_dw_unit_set {
    uint64_t hdr_off;
    size_t first, n; /* its ranges in hp_dw_units.ranges */
} hp_dw_unit_set;

typedef struct hp_dw_units {
    hp_dw_unit *units; /* the headers read so far, in .debug_info order */
    size_t nunits, units_alloc;
    uint64_t next_off;   /* header offset of the next unit to read */
    bool all_read, bad;  /* every header read; a bad header stopped the reading */
    bool abbrev_unordered; /* abbrev_off does not increase from unit to unit */
    size_t abbrev;         /* section index of .debug_abbrev (streamed), SIZE_MAX if none */
    size_t info;         /* section index of .debug_info */
    uint64_t info_size;
    hp_dw_unit_set *sets; /* sorted by hdr_off, one per unit at most */
    size_t nsets;
    hp_dw_unit_range *ranges;
    size_t nranges;
    bool has_lines; /* .debug_line is present */
    size_t line;    /* its section index (streamed), SIZE_MAX if none */
    uint64_t line_size;
} hp_dw_units;

/**
 * hp_dw_units_scan - the sets of .debug_aranges and the first unit header of
 * .debug_info, from the raw sections of s; a compressed .debug_info is from
 * then on streamed (hp_dw_sections_stream).
 * Returns: 0 and *ret (hp_dw_units_release); -ENOENT without .debug_aranges,
 *          -EBADMSG when either section is not as expected, -ENOMEM; then
 *          *ret is empty, .debug_info is loaded whole and the CUs are to be
 *          indexed from their DIEs.
 */
int hp_dw_units_scan(hp_dw_sections *s, hp_dw_units *ret);
/**
 * hp_dw_units_reach - the unit holding .debug_info offset off, its headers
 * read and the section inflated up to its end, .debug_abbrev as far as the
 * tables of these units (so libdwarf may read it and every unit before it); NULL when no unit holds off, a header is bad or the
 * section cannot be inflated that far.
 */
const hp_dw_unit *hp_dw_units_reach(hp_dw_sections *s, hp_dw_units *u, uint64_t off);
/** hp_dw_units_read_all - every unit header read, .debug_info and .debug_abbrev whole.
 * Returns: 0 or -EBADMSG (the headers up to the bad one are read). */
int hp_dw_units_read_all(hp_dw_sections *s, hp_dw_units *u);
/**
 * hp_dw_units_reach_lines - .debug_line inflated as far as the end of the
 * line table at offset off (whole when off or the table's length is not
 * believable: libdwarf then says what is wrong). Returns: 0 or -EBADMSG.
 */
int hp_dw_units_reach_lines(hp_dw_sections *s, hp_dw_units *u, uint64_t off);
/** hp_dw_units_listed - whether .debug_aranges has a set for the unit at hdr_off. */
bool hp_dw_units_listed(const hp_dw_units *u, uint64_t hdr_off);
void hp_dw_units_release(hp_dw_units *u);

/* ---- dwarf_lines.c ----------------------------------------------------------- */

/* One file of a line table: its name and directory as dwarf.c joins them
 * (hp_dw_add_file); either may be NULL. Both point into the sections. */
typedef struct hp_dw_line_file {
    const char *name, *dir;
} hp_dw_line_file;

/* One row of the line-number matrix (what hp_dw_add_line takes). */
typedef struct hp_dw_line_row {
    uint64_t addr, file, line;
    bool endseq;
} hp_dw_line_row;

/* The string sections DWARF 5 file and directory entries may point into
 * (NULL / 0 when absent); load, when set, is called (with line_str true for
 * .debug_line_str) the first time one is needed and still NULL. */
typedef struct hp_dw_line_strs {
    const unsigned char *str, *line_str;
    size_t str_n, line_str_n;
    void (*load)(struct hp_dw_line_strs *s, bool line_str);
    void *arg;
} hp_dw_line_strs;

/* One decoded line table. Zero it before the first hp_dw_lines_read; the
 * buffers are reused by the next read; hp_dw_lines_release frees them. */
typedef struct hp_dw_line_table {
    uint16_t version;
    int64_t file_base, file_end; /* file numbers: base..end-1 (files[0] is number base) */
    hp_dw_line_file *files;
    size_t nfiles, files_alloc;
    hp_dw_line_row *rows;
    size_t nrows, rows_alloc;
    const char **dirs; /* the directory table while reading */
    size_t ndirs, dirs_alloc;
    char error[120]; /* what is wrong, after -EBADMSG */
} hp_dw_line_table;

/**
 * hp_dw_lines_read - decode the line table at offset off of the .debug_line
 * bytes sec[0..size) (DWARF 2 to 5, 32- or 64-bit) into t: the file table
 * (with the files DW_LNE_define_file adds) and every row, in table order.
 * Returns: 0; -EBADMSG (t->error says why; t holds nothing usable) when the
 *          table is truncated or corrupt; -ENOTSUP for a version this reader
 *          does not decode (GNU's experimental two-level tables, 0xf006);
 *          -ENOMEM.
 */
int hp_dw_lines_read(const unsigned char *sec, size_t size, uint64_t off, bool big_endian,
                     hp_dw_line_strs *strs, hp_dw_line_table *t);
/** hp_dw_lines_release - free the buffers of t and zero it. */
void hp_dw_lines_release(hp_dw_line_table *t);
/** hp_dw_sections_line_strs - hp_dw_line_strs.load for the sections
 * (hp_dw_sections *) in ls->arg: loads .debug_str or .debug_line_str whole
 * (dwarf_sections.c); a section absent or not loadable stays NULL. */
void hp_dw_sections_line_strs(hp_dw_line_strs *ls, bool line_str);

/* ---- dwarf_build.c ------------------------------------------------------------ */

#define HP_DW_ALT_OFF    (1ull << 62) /* cache keys: an offset in the dwz file */
#define HP_DW_MAX_ERRORS 64           /* DWARF errors after which decoding stops */

/* How a cached name was found: DW_AT_name, a linkage name (not demangled:
 * libdwarf's string), or DW_AT_name qualified by its namespaces (final). */
enum { NAME_PLAIN, NAME_LINKAGE, NAME_QUALIFIED };

/* Names cache: DIE offset -> name, open addressing. */
typedef struct hp_dw_name {
    uint64_t off; /* key + 1 (key: DIE offset, bit 62 set in the dwz file); 0 = empty */
    const char *name;
    int linkage; /* NAME_* */
} hp_dw_name;

typedef struct hp_dw_names {
    hp_dw_name *slots;
    size_t n, cap;
} hp_dw_names;

/* Which attributes (a bit mask of dwarf.c) an abbreviation declares. */
typedef struct hp_dw_mask {
    uint64_t key; /* .debug_abbrev offset + 1 (bit 62 set in the dwz file); 0 = empty */
    uint32_t mask;
} hp_dw_mask;

/* What dwarf.c keeps while it decodes, without libdwarf types. Embedded in
 * its session; zero it, set strs, out and tmp = HP_BUF_INIT, and release
 * with hp_dw_state_release. Every function below sets oom on allocation
 * failure instead of returning an error. */
typedef struct hp_dw_state {
    hp_strtab *strs;
    hp_dwarf_info *out;
    hp_dw_cu *cu; /* the CU being decoded, between hp_dw_cu_begin and _end */
    size_t cus_alloc, scopes_alloc, rows_alloc;
    hp_dw_range *ranges; /* of the CU being indexed or decoded */
    size_t nranges, ranges_alloc;
    hp_dw_range *cuext; /* CU index ranges, scope = CU number */
    size_t ncuext, cuext_alloc;
    const char *comp_dir; /* of the CU being decoded, interned */
    size_t file_base;     /* index in out->files of the CU's file number file_lo */
    int64_t file_lo, file_hi;
    size_t seq_start; /* line sequence being added (hp_dw_add_row) */
    bool in_seq;
    hp_dw_names names;
    hp_dw_mask *masks; /* open addressing */
    size_t nmasks, masks_cap;
    hp_buf tmp;
    int nerrors;
    bool oom;
    char first_error[200];
} hp_dw_state;

/** hp_dw_error - count a DWARF error; the first is kept as "what: msg". */
void hp_dw_error(hp_dw_state *b, const char *what, const char *msg);
/** hp_dw_set_warning - out->warning from the first error, once, if any. */
void hp_dw_set_warning(hp_dw_state *b);
/** hp_dw_intern - hp_sym_intern, setting oom on failure. */
const char *hp_dw_intern(hp_dw_state *b, const char *s, size_t n);
/** hp_dw_concat - x y z (NULL for ""), interned; NULL on allocation failure. */
const char *hp_dw_concat(hp_dw_state *b, const char *x, const char *y, const char *z);

/** hp_dw_name_get - the cached name of the DIE at off (of the dwz file when alt), or NULL. */
const hp_dw_name *hp_dw_name_get(hp_dw_state *b, uint64_t off, bool alt);
/** hp_dw_name_put - cache a name for that DIE unless one is cached already. */
void hp_dw_name_put(hp_dw_state *b, uint64_t off, bool alt, const char *name, int linkage);

/** hp_dw_mask_get - the cached mask of the abbreviation at off; false when none. */
bool hp_dw_mask_get(hp_dw_state *b, uint64_t off, bool alt, uint32_t *ret);
/** hp_dw_mask_put - cache the mask of that abbreviation. */
void hp_dw_mask_put(hp_dw_state *b, uint64_t off, bool alt, uint32_t mask);

/** hp_dw_add_range - gather [lo, hi) of scope (or of CU scope when indexing);
 * empty, absurd and address-0 (removed code) ranges are skipped. */
void hp_dw_add_range(hp_dw_state *b, uint64_t lo, uint64_t hi, int32_t scope, uint32_t depth);
/** hp_dw_add_cu - register a pending CU; its number, -1 on allocation failure. */
int32_t hp_dw_add_cu(hp_dw_state *b, uint64_t die_off, uint16_t version);
/** hp_dw_take_cu_ranges - move the ranges gathered to the CU index; false when there were none. */
bool hp_dw_take_cu_ranges(hp_dw_state *b);
/** hp_dw_index_decoded - index CU i (decoded while indexing) by what it covers. */
void hp_dw_index_decoded(hp_dw_state *b, size_t i);
/** hp_dw_finish_index - build out->index from the CU ranges, kept for a
 * later rebuild when keep (more CUs to come). Returns: 0 or -ENOMEM. */
int hp_dw_finish_index(hp_dw_state *b, bool keep);

/** hp_dw_cu_begin - start decoding CU i (its scopes, ranges, files, rows). */
void hp_dw_cu_begin(hp_dw_state *b, size_t i);
/** hp_dw_cu_end - build its tables, mark it done or failed. */
void hp_dw_cu_end(hp_dw_state *b);
/** hp_dw_new_scope - append an unnamed scope to the CU; its index, -1 on failure. */
int32_t hp_dw_new_scope(hp_dw_state *b, int32_t parent);
/** hp_dw_drop_scope - remove the last scope and the ranges gathered since ranges_mark. */
void hp_dw_drop_scope(hp_dw_state *b, size_t ranges_mark);

/** hp_dw_files_begin - the line table numbers its files lo..hi-1; false when unusable. */
bool hp_dw_files_begin(hp_dw_state *b, int64_t lo, int64_t hi);
/** hp_dw_add_file - the next file (name in directory dir, either may be NULL),
 * joined with comp_dir like binutils' concat_filename. */
void hp_dw_add_file(hp_dw_state *b, const char *name, const char *dir);
/** hp_dw_file - the joined name of file number fileno of the CU, or NULL. */
const char *hp_dw_file(const hp_dw_state *b, uint64_t fileno);
/** hp_dw_add_line - append a line-table row (hp_dw_add_row rules). */
void hp_dw_add_line(hp_dw_state *b, uint64_t addr, uint64_t fileno, uint64_t line, bool endseq);
/** hp_dw_lines_end - end of the rows: drop an unterminated sequence. */
void hp_dw_lines_end(hp_dw_state *b);
/**
 * hp_dw_scope_name - the final name of scope sc of d, completed on first use:
 * a linkage name is demangled with parameters (kept as is if it is not
 * mangled) and interned; a plain scope is given to d->hook once.
 * Returns: the name (interned), NULL when DWARF has none or out of memory.
 */
const char *hp_dw_scope_name(hp_dwarf_info *d, hp_dw_scope *sc);
/** hp_dw_state_release - free what the state holds (not out). */
void hp_dw_state_release(hp_dw_state *b);
/** hp_dw_info_release - free the tables of d (not its session) and zero it. */
void hp_dw_info_release(hp_dwarf_info *d);

/* ---- dwarf_lookup.c ---------------------------------------------------------- */

/**
 * hp_dw_covering_cus - the CUs (up to max, into cus) hp_dwarf_lookup looks
 * at for addr: those whose extents cover it, else the CU ending last before
 * it (its line table may reach into the gap). Returns: how many.
 */
size_t hp_dw_covering_cus(hp_dwarf_info *d, uint64_t addr, uint32_t *cus, size_t max,
                          bool *gap);
/** hp_dw_covering_cus_until - the same, and *until: the answer holds for
 * every address from addr up to it (addr + 1 when it may not: a gap). */
size_t hp_dw_covering_cus_until(hp_dwarf_info *d, uint64_t addr, uint32_t *cus, size_t max,
                                bool *gap, uint64_t *until);

/**
 * hp_dwarf_lookup - fill frames (innermost first) for addr, decoding the CUs
 * whose ranges cover addr first if needed.
 * Returns: number of frames written (0 when no DWARF covers addr).
 */
size_t hp_dwarf_lookup(hp_dwarf_info *d, uint64_t addr, hp_sym_frame *frames, size_t max);
/** hp_dwarf_prefetch - hp_addr_index_prefetch for the scope segments and
 * rows a lookup of addr will read (a decoded CU's, in the usual case of one
 * CU covering addr); reads only d. *last: the CU extent the previous call
 * found (zeroed at first; only a hint: a stale one prefetches in vain). */
void hp_dwarf_prefetch(const hp_dwarf_info *d, uint64_t addr, bool near, hp_dw_extent *last);
/** hp_dwarf_lookup_in - the same with the CUs hp_dw_covering_cus gave for addr. */
size_t hp_dwarf_lookup_in(hp_dwarf_info *d, uint64_t addr, const uint32_t *cus, size_t ncus,
                          bool gap, hp_sym_frame *frames, size_t max);

#endif
