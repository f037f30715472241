/*
 * fuzz-symbol-cache.c - fuzz target for the symbol cache reader (cache.c):
 * the input is an identity string, a NUL, then a cache file. The file's
 * checksum is recomputed first (else almost every input would stop there),
 * then it is checked; a file that passes has its symbols, CU index and every
 * cached CU loaded, and a few addresses looked up in its tables. Seeds:
 * testdata/fuzz/fuzz-symbol-cache (scripts/make-cache-fuzz.sh).
 */
#include "hp_common.h"

#include "cache_format.h"
#include "sym_cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void use_tables(const hp_sym_cache *c)
{
    hp_elfsym *syms = NULL, *nm = NULL;
    size_t nsyms = 0, nnm = 0;
    if (hp_sym_cache_symbols(c, &syms, &nsyms, &nm, &nnm) == 0) {
        for (size_t i = 0; i < nsyms; i++)
            (void)strlen(syms[i].raw);
        if (nm != syms)
            free(nm);
        free(syms);
    }
    if (!hp_sym_cache_has_dwarf(c))
        return;
    hp_dwarf_info d = {.strs = hp_strtab_new()};
    if (d.strs && hp_sym_cache_dwarf(c, &d) == 0) {
        for (size_t i = 0; i < d.nindex && i < 64; i++) {
            uint64_t addrs[3] = {d.index[i].lo, d.index[i].hi - 1, d.index[i].lo / 2 + d.index[i].hi / 2};
            for (int k = 0; k < 3; k++) {
                hp_sym_frame frames[HP_SYM_MAX_FRAMES];
                uint32_t cus[HP_DW_MAX_COVERING];
                bool gap;
                size_t n = hp_dw_covering_cus(&d, addrs[k], cus, HP_DW_MAX_COVERING, &gap);
                if (hp_sym_cache_ensure(c, &d, cus, n) == 0)
                    (void)hp_dwarf_lookup_in(&d, addrs[k], cus, n, gap, frames,
                                             HP_SYM_MAX_FRAMES);
            }
        }
    }
    hp_strtab_free(d.strs);
    hp_dw_info_release(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size < 4096 ? size : 4096);
    if (!nul || size > (16u << 20))
        return 0;
    size_t skip = (size_t)(nul - data) + 1, n = size - skip;
    uint8_t *file = hp_malloc(n ? n : 1); /* aligned, writable: the checksum is patched */
    if (!file)
        return 0;
    memcpy(file, data + skip, n);
    size_t after = offsetof(hp_cache_header, strings_off);
    if (n >= sizeof(hp_cache_header)) {
        uint64_t sum = hp_cache_checksum(file + after, n - after);
        memcpy(file + offsetof(hp_cache_header, checksum), &sum, sizeof(sum));
    }
    hp_sym_cache *c = NULL;
    if (hp_sym_cache_from_memory(file, n, (const char *)data, &c) == 0) {
        use_tables(c);
        hp_sym_cache_close(c, false);
    }
    free(file);
    return 0;
}
