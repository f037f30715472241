/*
 * sym_cache.h - the symbol cache's calls (cache.c reads and checks a file,
 * cache_write.c writes one) for the objects (symbolizer.c, symobj_lookup.c)
 * and the fuzz target. Private to symbolizer/; the file layout is
 * cache_format.h's.
 */
#ifndef HP_SYM_CACHE_H
#define HP_SYM_CACHE_H

#include "symbolizer-internal.h"

#define HP_SYM_CACHE_MAX_BYTES (512ull << 20) /* the cache directory is trimmed to this */

typedef struct hp_sym_cache hp_sym_cache; /* one valid cache file, mapped */

/**
 * hp_sym_cache_open - map dir/name and check it (cache.c's rules) for this
 * identity string. Returns: 0 and *ret (hp_sym_cache_close(c, true)),
 * -ENOENT (absent or unreadable), -EBADMSG (fails a check), -ENOMEM.
 */
int hp_sym_cache_open(const char *dir, const char *name, const char *ident, hp_sym_cache **ret);
/** hp_sym_cache_from_memory - the same checks for size bytes at data (fuzzing); not copied,
 * used in place: data must be 8-byte aligned (else -EINVAL). */
int hp_sym_cache_from_memory(const void *data, size_t size, const char *ident,
                             hp_sym_cache **ret);
/** hp_sym_cache_close - unmap when mapped; accepts NULL; returns NULL. */
hp_sym_cache *hp_sym_cache_close(hp_sym_cache *c, bool mapped);
/** hp_sym_cache_symbols - the cached symbol tables (malloc()ed; *nm == *syms when the same). */
int hp_sym_cache_symbols(const hp_sym_cache *c, hp_elfsym **syms, size_t *nsyms,
                         hp_elfsym **nm, size_t *nnm);
/** hp_sym_cache_has_dwarf - whether c holds DWARF tables. */
bool hp_sym_cache_has_dwarf(const hp_sym_cache *c);
/** hp_sym_cache_dwarf - d's CUs (all pending) and CU index from c. Returns: 0 or -ENOMEM. */
int hp_sym_cache_dwarf(const hp_sym_cache *c, hp_dwarf_info *d);
/** hp_sym_cache_has_cu - whether c holds the tables of the CU at this DIE offset. */
bool hp_sym_cache_has_cu(const hp_sym_cache *c, uint64_t die_off);
/** hp_sym_cache_load_cu - CU i of d (pending) from c. Returns: 0, -ENOENT (not cached), -ENOMEM. */
int hp_sym_cache_load_cu(const hp_sym_cache *c, hp_dwarf_info *d, size_t i);
/** hp_sym_cache_ensure - load the pending ones of CUs cus[0..n) (hp_dw_covering_cus)
 * from c. Returns: 0, -ENOENT (one is not cached: libdwarf must decode it), -ENOMEM. */
int hp_sym_cache_ensure(const hp_sym_cache *c, hp_dwarf_info *d, const uint32_t *cus, size_t n);
/** hp_sym_cache_cached_cus - how many CUs c holds tables for. */
size_t hp_sym_cache_cached_cus(const hp_sym_cache *c);
/**
 * hp_sym_cache_bytes - the file holding ident, the symbol tables and the
 * decoded CUs of d (NULL: none; not stored when d has a warning), in out.
 * Returns: 0 or -ENOMEM / -E2BIG.
 */
int hp_sym_cache_bytes(const char *ident, const hp_elfsym *syms, size_t nsyms,
                       const hp_elfsym *nm, size_t nnm, const hp_dwarf_info *d, hp_buf *out);
/** hp_sym_cache_write - hp_sym_cache_bytes written to dir/name (made if needed) by rename,
 * then the directory trimmed. Returns: 0 or a negative errno (nothing else happens). */
int hp_sym_cache_write(const char *dir, const char *name, const char *ident,
                       const hp_elfsym *syms, size_t nsyms, const hp_elfsym *nm, size_t nnm,
                       const hp_dwarf_info *d);
/** hp_sym_cache_trim - remove the least recently used files of dir until it holds at most max bytes. */
void hp_sym_cache_trim(const char *dir, uint64_t max);

#endif
