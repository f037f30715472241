/*
 * symobj.h - what symbolizer.c (the session, opening objects, DWARF loading,
 * the symbol cache) and symobj_lookup.c (lookups in one object) share: the
 * session and object structures and the calls between the two files.
 * Private to symbolizer/.
 */
#ifndef HP_SYMOBJ_H
#define HP_SYMOBJ_H

#include "hp_strtab.h"
#include "symbolizer-internal.h"
#include "sym_cache.h"

#define HP_PAGE_MASK (~(uint64_t)4095)

struct hp_symobj {
    hp_symbolizer *s;
    /* what lookups intern (names, warnings, DWARF tables): the object's own,
     * so that distinct objects can be looked up in parallel (parallel.c) */
    hp_strtab *strs;
    const char *key;
    const char *path, *debug_path, *alt_path, *build_id, *warning;
    const char *note;    /* from the file search, kept in front of every warning */
    const char *dw_warn; /* the DWARF warning the current warning was made from */
    bool is_dyn, is_exec;
    uint16_t machine;
    hp_phdr *phdrs;
    size_t nphdrs;
    hp_elfsym *syms;
    size_t nsyms;
    hp_elfsym *nm_syms; /* what nm sees: the object's .symtab, else its .dynsym */
    size_t nm_nsyms;
    hp_addr_index syms_ix, nm_ix; /* of syms and nm_syms (addr_index.c) */
    bool all_inline_levels; /* hp_sym_result.all_inline_levels */
    uint64_t *fstarts;
    const char **fnames;
    hp_elf_file *dwarf_src; /* DWARF source, open while the session lives */
    bool has_dwarf, dwarf_done;
    hp_dwarf_info dw;
    /* symbol cache (cache.c): the file's name and identity (NULL: not
     * cached), the valid file mapped (NULL: none); dw_from_cache: dw's CUs
     * come from it, libdwarf not opened yet; cache_cus: CUs the file holds */
    char *cache_name, *cache_ident;
    hp_sym_cache *cache;
    bool dw_from_cache;
    bool cache_saved; /* the file holds the symbols and cache_cus CUs */
    size_t cache_cus;
    hp_strtab **split_strs; /* names of CUs decoded on two threads (dwarf_split.c) */
    size_t nsplit_strs, nsplit_strs_alloc;
};

struct hp_symbolizer {
    hp_strtab *strs;
    char *cache_dir; /* NULL: no symbol cache */
    hp_sym_search search;
    char *search_path;
    char *lib_prefix;
    char *debug_root;
    bool nearest_symbol;
    hp_sym_dbgd *dbgd; /* NULL: debuginfod off */
    hp_symobj **objs;
    size_t nobjs, objs_alloc;
};

/* o->warning = note, "; ", msg (either may be NULL). */
void hp_symobj_set_warning(hp_symobj *o, const char *msg);
/* On the first lookup: the CU index from the cache when it has one, else
 * from the DWARF (hp_symobj_load_dwarf_file). */
void hp_symobj_load_dwarf(hp_symobj *o);
/* Indexes the DWARF CUs with libdwarf (CUs the cache holds are taken from
 * it); the CUs are decoded as lookups fall in them. */
void hp_symobj_load_dwarf_file(hp_symobj *o);
/* The hp_dw_name_hook of o's DWARF (arg: o). */
void hp_symobj_name_plain_scope(void *arg, hp_dw_scope *sc);
/* sym's demangled name (version suffix kept), made on first use. */
const char *hp_symobj_sym_name(hp_symobj *o, hp_elfsym *sym);

#endif
