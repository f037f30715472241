/*
 * symbolizer-internal.h - types shared by the files of the symbolizer module
 * (elf.c, dwarf.c, symbolizer.c) and by its tests. Not a public header.
 *
 * Layout of the decoded tables (all sorted by address, searched by bisection):
 *  - hp_elfsym: one function symbol per start address;
 *  - hp_dw_seg: disjoint address segments, each naming the innermost DWARF
 *    scope (subprogram or inlined_subroutine) covering it;
 *  - hp_dw_row: line-table rows of every CU, end-of-sequence rows included.
 */
#ifndef HP_SYMBOLIZER_INTERNAL_H
#define HP_SYMBOLIZER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hp_error.h"
#include "hp_strtab.h"
#include "hp_symbolizer.h"

/* Caps on counts read from input files (untrusted). */
#define HP_SYM_MAX_SYMBOLS (16u << 20)
#define HP_SYM_MAX_PHDRS   4096u
#define HP_DW_MAX_DEPTH    256
#define HP_DW_MAX_REF_HOPS 8

/* ---- strings ----------------------------------------------------------- */

/* Intern n bytes (or a NUL-terminated string with n == SIZE_MAX) in the table;
 * NULL on allocation failure. */
const char *hp_sym_intern(hp_strtab *t, const char *s, size_t n);

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
    const char *debuglink; /* .gnu_debuglink file name, interned */
    uint32_t debuglink_crc;
    const char *altlink; /* .gnu_debugaltlink file name, interned */
    const char *altlink_build_id;
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

/**
 * hp_elf_symbols - function symbols of .symtab (dynsym false) or .dynsym,
 * sorted by address, one per address (preferred: global over weak over local,
 * default version "@@" over hidden "@", fewer leading '_', then the first
 * in the table).
 * Returns: 0 and *ret_syms (malloc()ed, caller frees) / *ret_n; -ENOMEM.
 */
int hp_elf_symbols(hp_elf_file *f, hp_strtab *strs, bool dynsym, hp_elfsym **ret_syms,
                   size_t *ret_n);

/** hp_crc32 - the CRC-32 used by .gnu_debuglink, of the whole file at fd; -EIO on failure. */
int hp_file_crc32(int fd, uint32_t *ret_crc);

/* ---- dwarf.c ------------------------------------------------------------ */

typedef struct hp_dw_scope {
    const char *name;      /* demangled, interned; NULL if DWARF has none */
    const char *call_file; /* for inlined scopes: where the parent calls it */
    uint32_t call_line;
    int32_t parent; /* index of the enclosing scope, -1 for a subprogram */
    bool plain;     /* C++ subprogram named by DW_AT_name only (no linkage name) */
    uint64_t entry; /* low_pc, or the first range's start */
} hp_dw_scope;

typedef struct hp_dw_seg {
    uint64_t lo;   /* segment is [lo, next segment's lo) */
    int32_t scope; /* innermost scope, -1 for a gap */
} hp_dw_seg;

typedef struct hp_dw_row {
    uint64_t addr;
    uint32_t file; /* index into files[], UINT32_MAX for an end of sequence */
    uint32_t line;
} hp_dw_row;

typedef struct hp_dwarf_info {
    hp_dw_scope *scopes;
    size_t nscopes;
    hp_dw_seg *segs;
    size_t nsegs;
    hp_dw_row *rows;
    size_t nrows;
    const char **files;
    size_t nfiles;
    const char *warning; /* interned, NULL if the DWARF decoded cleanly */
} hp_dwarf_info;

/**
 * hp_dwarf_load - decode every CU of the DWARF in the ELF file open at fd
 * (the object itself or its separate debug file). alt_path, when not NULL, is
 * the dwz supplementary file named by .gnu_debugaltlink.
 * Returns: 0 and *ret filled (release with hp_dwarf_release), possibly with a
 *          warning for partly corrupt DWARF; -EBADMSG when nothing could be
 *          decoded; -ENOMEM.
 */
int hp_dwarf_load(int fd, const char *alt_path, hp_strtab *strs, hp_dwarf_info *ret,
                  hp_error *reterr);
void hp_dwarf_release(hp_dwarf_info *d);

/* ---- dwarf_tables.c ------------------------------------------------------- */

/* One pc range of a scope, depth = nesting level (0 for a subprogram). */
typedef struct hp_dw_range {
    uint64_t lo, hi;
    int32_t scope;
    uint32_t depth;
} hp_dw_range;

/**
 * hp_dw_build_tables - sort ranges (reordered in place) and flatten them into
 * info->segs; sort info->rows. Returns: 0 or -ENOMEM.
 */
int hp_dw_build_tables(hp_dwarf_info *info, hp_dw_range *ranges, size_t nranges);

/**
 * hp_dw_precheck - sanity checks libdwarf 20210528 needs before it is given
 * the ELF file at fd (it double-frees on bad .debug_rnglists headers).
 * Returns: NULL when safe, else a static one-line reason.
 */
const char *hp_dw_precheck(int fd);

/**
 * hp_dwarf_lookup - fill frames (innermost first) for addr.
 * Returns: number of frames written (0 when no DWARF covers addr).
 */
size_t hp_dwarf_lookup(const hp_dwarf_info *d, uint64_t addr, hp_sym_frame *frames, size_t max);

#endif
