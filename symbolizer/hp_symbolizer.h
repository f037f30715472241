/*
 * hp_symbolizer.h - native symbolization: (object file, address) -> frames.
 *
 * The symbolizer knows nothing about profiles. A session (hp_symbolizer) finds
 * object files (recorded path, explicit override, a search path matched by
 * basename and build-id, separate debug files by build-id and .gnu_debuglink,
 * dwz supplementary files; optionally, by build-id, from debuginfod servers),
 * opens each at most once, decodes its ELF symbol
 * table and DWARF (functions, inline chains, line tables) once into sorted
 * arrays, and answers lookups by binary search.
 *
 * Invariants:
 *  - every string returned (names, files, messages) is owned by the session
 *    and stays valid until hp_symbolizer_free;
 *  - lookups never fail hard: an address that cannot be resolved yields a
 *    result with nframes == 0 and symbol == NULL;
 *  - corrupt or truncated ELF/DWARF never crashes: the object is opened with a
 *    warning (see hp_symobj_warning) and falls back to ELF symbols.
 */
#ifndef HP_SYMBOLIZER_H
#define HP_SYMBOLIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hp_error.h"

typedef struct hp_symbolizer hp_symbolizer;
typedef struct hp_symobj hp_symobj;

typedef struct hp_symbolizer_config {
    /* ':'-separated directories searched by basename and by build-id when the
     * recorded path does not exist (PPROF_BINARY_PATH and --binary_path,
     * joined by the caller). May be NULL. */
    const char *search_path;
    /* Perl pprof's --lib_prefix: ','-separated prefixes tried before the
     * recorded path of every object but the program argument, for /a/b/lib.so:
     * PREFIX/a/b/lib.so, PREFIX/b/lib.so, PREFIX/lib.so (each prefix in turn
     * at each step); the first file that exists is the object. May be NULL. */
    const char *lib_prefix;
    /* root of separate debug files; NULL means "/usr/lib/debug". */
    const char *debug_root;
    /* false (default): an address past the end of a sized function symbol has
     * no symbol; true: the nearest preceding function symbol whatever its size,
     * as Perl pprof's `nm` tables and addr2line answer. */
    bool nearest_symbol;
    /* true: ask the debuginfod servers of DEBUGINFOD_URLS (libdebuginfod,
     * with its cache) by build-id for what is not found locally: the debug
     * file of an object without DWARF, a dwz file, an object opened by
     * build-id. The caller decides; pprof: --debuginfod and DEBUGINFOD_URLS.
     * Each object's warning says what debuginfod answered. */
    bool debuginfod;
    /* the symbol cache directory (hp_symbolizer_cache_dir()); NULL: no cache */
    const char *cache_dir;
} hp_symbolizer_config;

/**
 * hp_symbolizer_cache_dir - where the symbol cache lives: $XDG_CACHE_HOME/cpprof,
 * else $HOME/.cache/cpprof; NULL when CPPROF_SYMBOL_CACHE=off or no home.
 * Returns: a malloc()ed path or NULL.
 */
char *hp_symbolizer_cache_dir(void);

/* One level of a (possibly inlined) call chain. */
typedef struct hp_sym_frame {
    const char *function; /* demangled full name with parameters, e.g.
                             "std::vector<int, std::allocator<int> >::push_back(int const&)";
                             plain DW_AT_name for C; NULL when DWARF has no function here */
    const char *file;     /* source file as addr2line prints it, NULL when unknown */
    uint32_t line;        /* 0 when unknown */
} hp_sym_frame;

#define HP_SYM_MAX_FRAMES 64

typedef struct hp_sym_result {
    uint64_t obj_addr; /* the object-relative (link-time) address that was looked up */
    size_t nframes;    /* 0 when no DWARF covers the address */
    hp_sym_frame frames[HP_SYM_MAX_FRAMES]; /* innermost (inlined) first, outermost
                                               (the real function) last */
    /* Nearest preceding function symbol from .symtab, else .dynsym, honouring
     * sizes (an address past a sized symbol's end does not match it). */
    const char *symbol;     /* demangled full name, NULL if none */
    const char *symbol_raw; /* mangled name as in the symbol table (version suffix
                               such as "@@GLIBC_2.2.5" kept for .dynsym), NULL if none */
    uint64_t symbol_start;  /* object-relative start address of the symbol */
    uint64_t symbol_size;
    /* The same answer from what `nm` sees: the object's own .symtab, else its
     * .dynsym (never a separate debug file). Perl pprof's naming rules use it. */
    const char *nm_symbol_raw;
    uint64_t nm_symbol_start;
    /* Every inline level is reported: true when that table has _fini (Perl
     * pprof then runs addr2line -i) or when the DWARF comes from a separate
     * debug file (a stripped object with its debug file: Perl's addr2line,
     * run without -i, drops the callers; cpprof keeps them). False only for
     * an object whose own DWARF Perl would read without -i. */
    bool all_inline_levels;
} hp_sym_result;

/**
 * hp_symbolizer_new - new session.
 * Returns: 0 and *ret (free with hp_symbolizer_free) or -ENOMEM; *ret untouched on failure.
 * Ownership: cfg strings are copied.
 */
int hp_symbolizer_new(const hp_symbolizer_config *cfg, hp_symbolizer **ret, hp_error *reterr);

/** hp_symbolizer_free - close every object and free every string. Accepts NULL; returns NULL. */
hp_symbolizer *hp_symbolizer_free(hp_symbolizer *s);

/**
 * hp_symbolizer_open - find and open the object recorded as recorded_path in
 * a memory map. override_path, when not NULL, is used instead (the program
 * named on the command line); otherwise the recorded path, then the search
 * path (basename; build-id subdirectories). A path ending in " (deleted)" is
 * tried with and without the suffix. Opening the same recorded path twice
 * returns the same object.
 * Returns: 0 and *ret (borrowed, valid until hp_symbolizer_free);
 *          -ENOENT when no file was found, -ENOEXEC when it is not a usable ELF
 *          file; reterr says why in one line naming the file.
 */
int hp_symbolizer_open(hp_symbolizer *s, const char *recorded_path, const char *override_path,
                       hp_symobj **ret, hp_error *reterr);

/**
 * hp_symbolizer_open_build_id - hp_symbolizer_open for an object whose
 * build-id is known (hex; NULL: unknown, as hp_symbolizer_open). A local file
 * of another build is not used; when no local file fits, the object is
 * fetched from debuginfod (when on). A file without a build-id is taken on
 * trust.
 * Returns: as hp_symbolizer_open; -EINVAL when build_id is not hex.
 */
int hp_symbolizer_open_build_id(hp_symbolizer *s, const char *recorded_path,
                                const char *override_path, const char *build_id, hp_symobj **ret,
                                hp_error *reterr);

/**
 * hp_symbolizer_open_search_path - the object recorded as recorded_path,
 * looked for in the search path only (DIR/basename, DIR/<recorded path>,
 * DIR/<build-id>/basename): for a recorded file that is not the build that
 * ran. Returns as hp_symbolizer_open.
 */
int hp_symbolizer_open_search_path(hp_symbolizer *s, const char *recorded_path, hp_symobj **ret,
                                   hp_error *reterr);

/**
 * hp_symbolizer_debuginfod_supported - false when built without libdebuginfod
 * support (then the debuginfod option only adds a note). The library itself
 * is loaded on first use and may still be missing then.
 */
bool hp_symbolizer_debuginfod_supported(void);

/**
 * hp_symobj_lookup - resolve one runtime address of a mapping of this object.
 * map_start and map_offset are the mapping's start address and file offset
 * (from /proc/self/maps); the object-relative address is computed from the
 * ELF program header (PT_LOAD) that contains map_offset:
 *   obj_addr = pc - map_start + map_offset - p_offset + p_vaddr.
 * pc is looked up as given: callers pass return address - 1.
 * Returns: 0 (result filled, possibly with no frames); negative errno only for
 *          API misuse.
 */
int hp_symobj_lookup(hp_symobj *o, uint64_t map_start, uint64_t map_offset, uint64_t pc,
                     hp_sym_result *ret);

/**
 * hp_symobj_lookup_obj - resolve an object-relative (link-time) address, the
 * kind `nm` prints and `addr2line -e OBJ` takes, without mapping translation.
 * Returns: 0 (result filled, possibly with no frames); -EINVAL for API misuse.
 */
int hp_symobj_lookup_obj(hp_symobj *o, uint64_t obj_addr, hp_sym_result *ret);

/**
 * hp_symobj_count_call_sites - evidence that o's file is the build that ran:
 * how many of the return addresses pcs[0..n) (run-time addresses in a
 * mapping of o at map_start, file offset map_offset) follow a call
 * instruction in the file (callsite.c). An unchanged file passes for all.
 * Returns: 0 and *ret_ok; -ENOTSUP (machine not understood: no evidence),
 *          -ENOMEM, -errno (file unreadable).
 */
int hp_symobj_count_call_sites(const hp_symobj *o, uint64_t map_start, uint64_t map_offset,
                               const uint64_t *pcs, size_t n, size_t *ret_ok);

/** hp_symobj_path - the file actually opened (borrowed). */
const char *hp_symobj_path(const hp_symobj *o);
/** hp_symobj_debug_path - the separate debug file used, or NULL (borrowed). */
const char *hp_symobj_debug_path(const hp_symobj *o);
/** hp_symobj_build_id - hex build-id or NULL (borrowed). */
const char *hp_symobj_build_id(const hp_symobj *o);
/** hp_symobj_is_pie - true for ET_DYN objects. */
bool hp_symobj_is_dyn(const hp_symobj *o);
/** hp_symobj_has_dwarf - true when line tables were found (in the file or its debug file). */
bool hp_symobj_has_dwarf(const hp_symobj *o);
/** hp_symobj_has_symbols - true when .symtab or .dynsym has function symbols. */
bool hp_symobj_has_symbols(const hp_symobj *o);
/**
 * hp_symobj_warning - one line saying why symbolization of this object is
 * degraded ("no debug info, using .dynsym", "corrupt DWARF: ...", ...), or NULL.
 */
const char *hp_symobj_warning(const hp_symobj *o);

/**
 * hp_symobj_functions - every function symbol of the object (for --list and
 * for disambiguating same-named functions), sorted by start address.
 * Returns: number of entries; *ret_starts and *ret_names borrowed.
 */
size_t hp_symobj_functions(const hp_symobj *o, const uint64_t **ret_starts,
                           const char *const **ret_names);

/**
 * hp_symobj_cache_save - write what o decoded (symbols, DWARF tables of the
 * CUs looked up) to the symbol cache when the cache file lacks some of it
 * (hp_sym_lookup_batch calls it after each object). Failures are ignored.
 */
void hp_symobj_cache_save(hp_symobj *o);

/* ---- many lookups at once (parallel.c) ------------------------------------ */

#define HP_SYM_DEFAULT_MAX_THREADS 4  /* default: online CPUs, at most this many */
#define HP_SYM_MAX_THREADS         64 /* --threads is capped at this */

/* One lookup for hp_sym_lookup_batch: as hp_symobj_lookup's arguments, or
 * with in_object as hp_symobj_lookup_obj's (pc is then the object-relative
 * address and the map_* fields are unused). */
typedef struct hp_sym_query {
    hp_symobj *obj;
    uint64_t map_start, map_offset, pc;
    bool in_object;
} hp_sym_query;

typedef struct hp_sym_batch hp_sym_batch;

/** hp_sym_default_threads - the online CPUs, at most HP_SYM_DEFAULT_MAX_THREADS. */
unsigned hp_sym_default_threads(void);

/**
 * hp_sym_lookup_batch - hp_symobj_lookup for each of q[0..n), distinct
 * objects in parallel on up to threads threads (0: hp_sym_default_threads();
 * 1: all in the calling thread). The answers do not depend on threads. An
 * object's queries are looked up in address order (neighbouring addresses
 * share the table entries they read). No other call may use these objects
 * meanwhile.
 * Returns: 0 and *ret (hp_sym_batch_free), -ENOMEM, or -EOVERFLOW for
 * 2^32 - 1 queries or more.
 */
int hp_sym_lookup_batch(const hp_sym_query *q, size_t n, unsigned threads, hp_sym_batch **ret);
/**
 * hp_sym_lookup_batch_in - the same for n object-relative addresses in one
 * object (queries with in_object set, 8 bytes each instead of a query's 40).
 */
int hp_sym_lookup_batch_in(hp_symobj *o, const uint64_t *obj_addrs, size_t n, unsigned threads,
                           hp_sym_batch **ret);
/**
 * hp_sym_lookup_batch_in_async - the same, returning at once: the lookups
 * go on in threads of the batch's own while the caller reads the answers
 * (hp_sym_batch_answer waits for one not made yet; they are made a window of
 * 32768 queries at a time, in order, so printing overlaps looking up). o
 * may not be used otherwise until hp_sym_batch_wait or hp_sym_batch_free.
 * An answer that could not be made (out of memory) is empty;
 * hp_sym_batch_wait then says so.
 */
int hp_sym_lookup_batch_in_async(hp_symobj *o, const uint64_t *obj_addrs, size_t n,
                                 unsigned threads, hp_sym_batch **ret);
/** hp_sym_batch_wait - wait until b's lookups are done.
 * Returns: 0, or -ENOMEM when some answers could not be made. */
int hp_sym_batch_wait(hp_sym_batch *b);
/**
 * hp_sym_batch_answer - the answer to query i, as hp_symobj_lookup gives it,
 * but for its frames: they are returned instead (ret->nframes of them, valid
 * until hp_sym_batch_free; ret->frames is not touched).
 */
const hp_sym_frame *hp_sym_batch_answer(const hp_sym_batch *b, size_t i, hp_sym_result *ret);
/** hp_sym_batch_free - accepts NULL; returns NULL. */
hp_sym_batch *hp_sym_batch_free(hp_sym_batch *b);

/**
 * hp_symobj_read_code - up to len bytes of the executable segment at
 * object-relative address obj_addr, read from the object's file (fewer
 * where the segment's file data ends).
 * Returns: 0 and *ret_got; -ERANGE (not in an executable segment), -errno.
 */
int hp_symobj_read_code(const hp_symobj *o, uint64_t obj_addr, uint8_t *buf, size_t len,
                        size_t *ret_got);
/** hp_symobj_machine - the ELF e_machine of the object. */
uint16_t hp_symobj_machine(const hp_symobj *o);

/**
 * hp_symbolizer_text_section - address, size and file offset of the .text
 * section of the ELF file at path (Perl pprof's --add_lib maps it there).
 * Returns: 0; -ENOENT (no .text), -ENOEXEC (not ELF), -errno.
 */
int hp_symbolizer_text_section(const char *path, uint64_t *ret_addr, uint64_t *ret_size,
                               uint64_t *ret_offset);

/* One decoded instruction (disasm.c). */
typedef struct hp_sym_insn {
    uint64_t addr;    /* object-relative */
    uint32_t size;
    const char *file; /* innermost source location, as `objdump -l` prints it; NULL if none */
    uint32_t line;
    char text[1024];  /* objdump's AT&T spelling: "mov    %rsp,%rbp"; branch targets and
                         rip-relative operands named by the nearest symbol of their
                         section or PLT entry: "call   1050 <malloc@plt>",
                         "lea    0x2ec0(%rip),%rax        # 4060 <g_sink>" */
} hp_sym_insn;

/**
 * hp_symobj_disassemble - decode the instructions of [start, end) (object-relative)
 * with Capstone. Bytes that decode to nothing become "(bad)", one byte each, as
 * objdump prints them; the range stops where the file's code ends.
 * Returns: 0 and *ret / *ret_n (malloc()ed, caller frees); -ENOTSUP (machine not
 *          x86-64 or Capstone unavailable), -ERANGE (not code), -ENOMEM, -errno.
 */
int hp_symobj_disassemble(hp_symobj *o, uint64_t start, uint64_t end, hp_sym_insn **ret,
                          size_t *ret_n);

/**
 * hp_symbolizer_disasm_load - load Capstone, which is dlopen()ed on first use.
 * Returns: 0, or < 0 with err "--disasm: cannot load libcapstone.so.N: why".
 */
int hp_symbolizer_disasm_load(hp_error *err);

#endif
