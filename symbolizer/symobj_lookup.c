/*
 * symobj_lookup.c - lookups in one object: the CUs covering an address
 * (from the symbol cache when it holds them), the DWARF answer
 * (dwarf_lookup.c), the ELF symbols (nearest, sized, what nm sees) and
 * their demangled names; prefetching for batches (parallel.c).
 */
#include "hp_common.h"

#include <elf.h>

#include "hp_buf.h"
#include "hp_demangle.h"
#include "symobj.h"

static hp_elfsym *find_symbol_in(hp_symobj *o, hp_elfsym *syms, size_t nsyms,
                                 hp_addr_index *ix, uint64_t addr);
#define find_symbol(o, addr) find_symbol_in((o), (o)->syms, (o)->nsyms, &(o)->syms_ix, (addr))

/* C++ functions known to DWARF by DW_AT_name only (static functions, main):
 * take the name of the ELF symbol at their entry, as addr2line does. Called
 * on the first lookup of such a scope. */
void hp_symobj_name_plain_scope(void *arg, hp_dw_scope *sc)
{
    hp_symobj *o = arg;
    hp_elfsym *sym = find_symbol(o, sc->entry);
    if (sym && sym->start == sc->entry && !strchr(sym->raw, '@'))
        sc->name = hp_symobj_sym_name(o, sym);
}

/* Before a lookup: the CUs covering addr (into cus, their number), from
 * the cache when the tables come from it; when one is not there, libdwarf
 * takes over (with the cached CUs). The CUs are remembered in cur (when
 * not NULL) with the addresses they cover from addr on. */
static size_t covering_cus(hp_symobj *o, uint64_t addr, uint32_t *cus, bool *gap,
                           hp_sym_cursor *cur)
{
    uint64_t until;
    size_t n = hp_dw_covering_cus_until(&o->dw, addr, cus, HP_DW_MAX_COVERING, gap, &until);
    bool pending = false; /* once the CUs are loaded: no call */
    for (size_t k = 0; k < n; k++)
        pending |= cus[k] < o->dw.ncus && o->dw.cus[cus[k]].state == HP_DW_CU_PENDING;
    if (!o->dw_from_cache || !pending || hp_sym_cache_ensure(o->cache, &o->dw, cus, n) == 0) {
        if (cur && !*gap) {
            *cur = (hp_sym_cursor){.lo = addr, .hi = until, .index = o->dw.index,
                                   .nindex = o->dw.nindex, .ncus = (uint32_t)n};
            memcpy(cur->cus, cus, n * sizeof(*cus));
        }
        return n;
    }
    if (cur)
        *cur = (hp_sym_cursor){0};
    hp_dw_info_release(&o->dw);
    o->dw_from_cache = false;
    o->has_dwarf = true;
    hp_symobj_load_dwarf_file(o);
    return o->has_dwarf ? hp_dw_covering_cus(&o->dw, addr, cus, HP_DW_MAX_COVERING, gap) : 0;
}

const char *hp_symobj_sym_name(hp_symobj *o, hp_elfsym *sym)
{
    if (sym->name)
        return sym->name;
    if (!hp_demangle_candidate(sym->raw)) /* most names: as they are */
        return sym->name = sym->raw;
    const char *at = strchr(sym->raw, '@');
    size_t n = at ? (size_t)(at - sym->raw) : strlen(sym->raw);
    char *base = hp_malloc(n + 1);
    char *d = NULL;
    if (base) {
        memcpy(base, sym->raw, n);
        base[n] = '\0';
        d = hp_demangle(base, HP_DEMANGLE_FULL);
        free(base);
    }
    if (!d) {
        sym->name = sym->raw;
        return sym->name;
    }
    hp_buf b = HP_BUF_INIT;
    hp_buf_adds(&b, d);
    if (at)
        hp_buf_adds(&b, at);
    free(d);
    sym->name = hp_buf_ok(&b) ? hp_sym_intern(o->strs, b.buf, b.len) : NULL;
    hp_buf_release(&b);
    return sym->name ? sym->name : sym->raw;
}

_Static_assert(offsetof(hp_elfsym, start) == 0, "the bucket index reads the key at the start");

/* The symbol of syms (indexed by ix) holding addr, NULL for none. */
static hp_elfsym *find_symbol_in(hp_symobj *o, hp_elfsym *syms, size_t nsyms,
                                 hp_addr_index *ix, uint64_t addr)
{
    size_t lo = hp_addr_index_count(ix, syms, nsyms, sizeof(*syms), addr);
    if (!lo)
        return NULL;
    hp_elfsym *best = &syms[lo - 1];
    if (o->s->nearest_symbol)
        return best;
    if (!best->size) {
        /* unsized: extends to the next symbol, within its executable segment */
        for (size_t i = 0; i < o->nphdrs; i++) {
            const hp_phdr *p = &o->phdrs[i];
            if ((p->flags & PF_X) && best->start - p->vaddr < p->memsz)
                return addr - p->vaddr < p->memsz ? best : NULL;
        }
        return o->nphdrs ? NULL : best;
    }
    /* sized and past its end: a few earlier sized symbols may still enclose it */
    for (size_t i = lo, k = 0; i-- > 0 && k < 8; k++) {
        hp_elfsym *c = &syms[i];
        if (c->size && addr - c->start < c->size)
            return c;
    }
    return NULL;
}

int hp_symobj_lookup_obj(hp_symobj *o, uint64_t obj_addr, hp_sym_result *ret)
{
    hp_return_if_fail(o && ret, -EINVAL);
    return hp_symobj_lookup_to(o, obj_addr, ret, ret->frames);
}

int hp_symobj_lookup_to(hp_symobj *o, uint64_t obj_addr, hp_sym_result *ret,
                        hp_sym_frame *frames)
{
    hp_sym_found f;
    hp_symobj_answer_to(o, obj_addr, frames, NULL, &f);
    ret->obj_addr = obj_addr;
    ret->nframes = f.nframes;
    hp_sym_result_symbols(f.sym, f.nm, o->all_inline_levels, ret);
    return 0;
}

/* The DWARF frames of a full lookup of obj_addr (decoding, loading as
 * needed); the covering CUs from cur when it has them. */
static size_t look_up_frames(hp_symobj *o, uint64_t obj_addr, hp_sym_frame *frames,
                             hp_sym_cursor *cur)
{
    hp_symobj_load_dwarf(o);
    uint32_t cus[HP_DW_MAX_COVERING];
    const uint32_t *covering = cus;
    bool gap = false;
    size_t ncus;
    if (cur && obj_addr >= cur->lo && obj_addr < cur->hi && cur->index == o->dw.index &&
        cur->nindex == o->dw.nindex) /* the CUs of the lookup before, loaded */
        ncus = cur->ncus, covering = cur->cus;
    else
        ncus = o->has_dwarf ? covering_cus(o, obj_addr, cus, &gap, cur) : 0;
    if (!o->has_dwarf)
        return 0;
    size_t n = hp_dwarf_lookup_in(&o->dw, obj_addr, covering, ncus, gap, frames, HP_SYM_MAX_FRAMES);
    if (o->dw.warning != o->dw_warn) {
        o->dw_warn = o->dw.warning;
        hp_symobj_set_warning(o, o->dw_warn);
    }
    return n;
}

void hp_sym_result_symbols(const hp_elfsym *sym, const hp_elfsym *nm, bool all_inline_levels,
                           hp_sym_result *ret)
{
    ret->nm_symbol_raw = nm ? nm->raw : NULL;
    ret->nm_symbol_start = nm ? nm->start : 0;
    ret->all_inline_levels = all_inline_levels;
    ret->symbol = sym ? (sym->name ? sym->name : sym->raw) : NULL;
    ret->symbol_raw = sym ? sym->raw : NULL;
    ret->symbol_start = sym ? sym->start : 0;
    ret->symbol_size = sym ? sym->size : 0;
}

void hp_symobj_prefetch(const hp_symobj *o, uint64_t obj_addr, bool near, hp_dw_extent *last)
{
    if (o->dwarf_done && o->has_dwarf)
        hp_dwarf_prefetch(&o->dw, obj_addr, near, last);
    if (o->syms_ix.of == o->syms)
        hp_addr_index_prefetch(&o->syms_ix, o->syms, sizeof(*o->syms), obj_addr, near);
}

uint64_t hp_symobj_obj_addr(const hp_symobj *o, uint64_t map_start, uint64_t map_offset,
                            uint64_t pc)
{
    for (size_t i = 0; i < o->nphdrs; i++) {
        const hp_phdr *p = &o->phdrs[i];
        if ((p->offset & HP_PAGE_MASK) <= map_offset && map_offset < p->offset + p->filesz)
            return pc - map_start + map_offset - p->offset + p->vaddr;
    }
    if (o->is_exec)
        return pc; /* non-PIE executables run at their link addresses */
    return pc - map_start + map_offset;
}

int hp_symobj_lookup(hp_symobj *o, uint64_t map_start, uint64_t map_offset, uint64_t pc,
                     hp_sym_result *ret)
{
    hp_return_if_fail(o && ret, -EINVAL);
    return hp_symobj_lookup_obj(o, hp_symobj_obj_addr(o, map_start, map_offset, pc), ret);
}

int hp_symobj_answer_to(hp_symobj *o, uint64_t obj_addr, hp_sym_frame *frames, hp_sym_cursor *cur,
                        hp_sym_found *ret)
{
    ret->nframes = look_up_frames(o, obj_addr, frames, cur);
    hp_elfsym *sym = find_symbol(o, obj_addr);
    if (sym && !sym->name)
        hp_symobj_sym_name(o, sym); /* sym->name from now on */
    ret->sym = sym;
    ret->nm = o->nm_syms == o->syms
                  ? sym
                  : find_symbol_in(o, o->nm_syms, o->nm_nsyms, &o->nm_ix, obj_addr);
    return 0;
}

bool hp_symobj_all_inline_levels(const hp_symobj *o)
{
    return o->all_inline_levels;
}
