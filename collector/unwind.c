/*
 * unwind.c - the fast stack walk of libheapprof (x86-64): the return-address chain is
 * followed with the DWARF call-frame information of .eh_frame, as libunwind does, but each
 * code address's rule (CFA = rsp or rbp + offset, where rbp was saved) is interpreted once
 * and kept in a lock-free direct-mapped cache of self-describing 64-bit words, so a frame
 * costs a hash probe and two loads. Frames whose rule is anything else (signal trampolines,
 * DWARF expressions, realigned stacks, huge frames) make the whole walk fall back to
 * libunwind's unw_backtrace (or glibc's backtrace without libunwind), so -O2 code without
 * frame pointers is unwound exactly as before.
 *
 * FDE lookup: dl_iterate_phdr finds the object holding the address, its PT_GNU_EH_FRAME
 * binary-search table gives the FDE. No allocation; only on a cache miss.
 */
#include <execinfo.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#ifdef HPC_USE_LIBUNWIND
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#endif

#include "hpc.h"

#define OWN_FRAMES 12 /* upper bound on collector frames above the caller of malloc */

/* The careful unwinder (libunwind, else glibc's backtrace), from `from` on as
 * hpc_fast_backtrace. */
int hpc_backtrace_from(void **buf, int size, const void *from)
{
    void *all[HPC_MAX_DEPTH + OWN_FRAMES];
    int cap = size + OWN_FRAMES;
    if (cap > (int)(sizeof(all) / sizeof(*all)))
        cap = (int)(sizeof(all) / sizeof(*all));
#ifdef HPC_USE_LIBUNWIND
    int n = unw_backtrace(all, cap);
#else
    int n = backtrace(all, cap);
#endif
    int i = 0;
    if (from) {
        while (i < n && i < OWN_FRAMES && all[i] != from)
            i++;
        if (i >= n || i >= OWN_FRAMES)
            return -1;
    }
    n -= i;
    if (n > size)
        n = size;
    if (n > 0)
        memcpy(buf, all + i, (size_t)n * sizeof(*buf));
    return n;
}

#if defined(__x86_64__)

/* Cache word: bits 0..46 the code address, 47 CFA is rbp-based, 48 rbp saved, 49..53 rbp's
 * slot below the CFA in words, 54..63 the CFA offset in words. Offset 0 marks the end of
 * the stack (return address undefined) when rsp-based, an unsupported rule when rbp-based. */
#define PC_BITS     47
#define CACHE_BITS  16
#define F_CFA_RBP   (1ULL << 47)
#define F_RBP_SAVED (1ULL << 48)
#define RBP_SHIFT   49
#define OFF_SHIFT   54
#define W_END       0
#define W_UNSUP     F_CFA_RBP

static _Atomic uint64_t *rule_cache;

enum { DW_RBP = 6, DW_RSP = 7, DW_RA = 16 };

struct rule {
    int cfa_reg;
    int64_t cfa_off;
    int rbp_how; /* 0 same value, 1 saved at CFA + rbp_off, 2 anything else */
    int64_t rbp_off;
    int ra_how; /* 0 at CFA - 8, 1 undefined (outermost frame), 2 anything else */
    bool bad;   /* an expression or another register defines the CFA */
};

static uint64_t uleb(const uint8_t **p, const uint8_t *end)
{
    uint64_t v = 0;
    for (int shift = 0; *p < end && shift < 64; shift += 7) {
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    return v;
}

static int64_t sleb(const uint8_t **p, const uint8_t *end)
{
    int64_t v = 0;
    int shift = 0;
    uint8_t b = 0x80;
    while (*p < end && (b & 0x80) && shift < 64) {
        b = *(*p)++;
        v |= (int64_t)(b & 0x7f) << shift;
        shift += 7;
    }
    if (shift < 64 && (b & 0x40))
        v |= -((int64_t)1 << shift);
    return v;
}

/* A DW_EH_PE-encoded pointer; false for encodings not seen in .eh_frame on x86-64. */
static bool read_enc(const uint8_t **p, const uint8_t *end, uint8_t enc, uintptr_t data,
                     uintptr_t *out)
{
    const uint8_t *at = *p;
    uintptr_t v;
    if (enc == 0xff) {
        *out = 0;
        return true;
    }
    switch (enc & 0x0f) {
    case 0x00: memcpy(&v, at, 8); *p += 8; break;
    case 0x01: v = uleb(p, end); break;
    case 0x02: { uint16_t x; memcpy(&x, at, 2); v = x; *p += 2; break; }
    case 0x03: { uint32_t x; memcpy(&x, at, 4); v = x; *p += 4; break; }
    case 0x04: memcpy(&v, at, 8); *p += 8; break;
    case 0x09: v = (uintptr_t)sleb(p, end); break;
    case 0x0a: { int16_t x; memcpy(&x, at, 2); v = (uintptr_t)(intptr_t)x; *p += 2; break; }
    case 0x0b: { int32_t x; memcpy(&x, at, 4); v = (uintptr_t)(intptr_t)x; *p += 4; break; }
    case 0x0c: memcpy(&v, at, 8); *p += 8; break;
    default: return false;
    }
    switch (enc & 0x70) {
    case 0x00: break;
    case 0x10: v += (uintptr_t)at; break;
    case 0x30: v += data; break;
    default: return false;
    }
    if (enc & 0x80)
        v = *(const uintptr_t *)v;
    *out = v;
    return *p <= end;
}

/* Runs CFA instructions [p, end) while the location is <= pc. */
static void run_cfa(const uint8_t *p, const uint8_t *end, uintptr_t *loc, uintptr_t pc,
                    uint64_t code_align, int64_t data_align, struct rule *r,
                    const struct rule *init, struct rule *stack, int *sp)
{
    while (p < end && *loc <= pc && !r->bad) {
        uint8_t op = *p++, hi = op & 0xc0, low = op & 0x3f;
        uint64_t reg;
        int64_t off;
        if (hi == 0x40) { /* advance_loc */
            *loc += low * code_align;
            continue;
        }
        if (hi == 0x80 || hi == 0xc0) {
            reg = low;
            if (hi == 0x80) {
                off = (int64_t)uleb(&p, end) * data_align;
                goto set_offset;
            }
            goto restore;
        }
        switch (op) {
        case 0x00: break; /* nop */
        case 0x02: *loc += *p++ * code_align; break;
        case 0x03: { uint16_t x; memcpy(&x, p, 2); p += 2; *loc += x * code_align; break; }
        case 0x04: { uint32_t x; memcpy(&x, p, 4); p += 4; *loc += x * code_align; break; }
        case 0x05: /* offset_extended */
            reg = uleb(&p, end);
            off = (int64_t)uleb(&p, end) * data_align;
            goto set_offset;
        case 0x11: /* offset_extended_sf */
            reg = uleb(&p, end);
            off = sleb(&p, end) * data_align;
            goto set_offset;
        case 0x06: /* restore_extended */
            reg = uleb(&p, end);
            goto restore;
        case 0x07: /* undefined */
        case 0x08: /* same_value */
            reg = uleb(&p, end);
            if (reg == DW_RBP)
                r->rbp_how = op == 0x08 ? 0 : 2;
            else if (reg == DW_RA)
                r->ra_how = op == 0x07 ? 1 : 2;
            break;
        case 0x09: /* register */
            reg = uleb(&p, end);
            uleb(&p, end);
            if (reg == DW_RBP)
                r->rbp_how = 2;
            else if (reg == DW_RA)
                r->ra_how = 2;
            break;
        case 0x0a: /* remember_state */
            if (*sp >= 8)
                r->bad = true;
            else
                stack[(*sp)++] = *r;
            break;
        case 0x0b: /* restore_state */
            if (*sp <= 0)
                r->bad = true;
            else
                *r = stack[--*sp];
            break;
        case 0x0c: /* def_cfa */
            r->cfa_reg = (int)uleb(&p, end);
            r->cfa_off = (int64_t)uleb(&p, end);
            break;
        case 0x12: /* def_cfa_sf */
            r->cfa_reg = (int)uleb(&p, end);
            r->cfa_off = sleb(&p, end) * data_align;
            break;
        case 0x0d: r->cfa_reg = (int)uleb(&p, end); break;
        case 0x0e: r->cfa_off = (int64_t)uleb(&p, end); break;
        case 0x13: r->cfa_off = sleb(&p, end) * data_align; break;
        case 0x2e: uleb(&p, end); break; /* GNU_args_size */
        case 0x0f: /* def_cfa_expression */
            r->bad = true;
            break;
        case 0x10: /* expression */
        case 0x16: /* val_expression */
            reg = uleb(&p, end);
            p += uleb(&p, end);
            if (reg == DW_RBP)
                r->rbp_how = 2;
            else if (reg == DW_RA)
                r->ra_how = 2;
            break;
        case 0x14: /* val_offset */
        case 0x15: /* val_offset_sf */
            reg = uleb(&p, end);
            op == 0x14 ? (void)uleb(&p, end) : (void)sleb(&p, end);
            if (reg == DW_RBP)
                r->rbp_how = 2;
            else if (reg == DW_RA)
                r->ra_how = 2;
            break;
        default:
            r->bad = true;
            break;
        }
        continue;
    set_offset:
        if (reg == DW_RBP) {
            r->rbp_how = 1;
            r->rbp_off = off;
        } else if (reg == DW_RA) {
            r->ra_how = off == -8 ? 0 : 2;
        }
        continue;
    restore:
        if (reg == DW_RBP) {
            r->rbp_how = init->rbp_how;
            r->rbp_off = init->rbp_off;
        } else if (reg == DW_RA) {
            r->ra_how = init->ra_how;
        }
    }
}

/* The rule at pc given its FDE (in .eh_frame); false if the entry cannot be parsed. */
static bool fde_rule(const uint8_t *fde, uintptr_t pc, struct rule *r)
{
    uint32_t len;
    memcpy(&len, fde, 4);
    if (len == 0 || len == 0xffffffff)
        return false;
    const uint8_t *fend = fde + 4 + len, *p = fde + 4;
    int32_t cie_off;
    memcpy(&cie_off, p, 4);
    const uint8_t *cie = p - cie_off;
    p += 4;
    memcpy(&len, cie, 4);
    if (len == 0 || len == 0xffffffff)
        return false;
    const uint8_t *cend = cie + 4 + len, *c = cie + 8;
    uint8_t version = *c++;
    const char *aug = (const char *)c;
    c += strlen(aug) + 1;
    if (aug[0] == 'e' && aug[1] == 'h')
        return false;
    uint64_t code_align = uleb(&c, cend);
    int64_t data_align = sleb(&c, cend);
    uint64_t ra_reg = version == 1 ? *c++ : uleb(&c, cend);
    uint8_t fde_enc = 0;
    bool signal = false;
    if (aug[0] == 'z') {
        uint64_t alen = uleb(&c, cend);
        const uint8_t *aend = c + alen;
        for (const char *a = aug + 1; *a; a++) {
            uintptr_t ignored;
            if (*a == 'R')
                fde_enc = *c++;
            else if (*a == 'L')
                c++;
            else if (*a == 'P') {
                uint8_t penc = *c++;
                if (!read_enc(&c, aend, penc & 0x7f, 0, &ignored))
                    return false;
            } else if (*a == 'S')
                signal = true;
            else if (*a != 'B')
                return false;
        }
        c = aend;
    } else if (aug[0]) {
        return false;
    }
    if (signal || ra_reg != DW_RA)
        return false;
    uintptr_t start, range;
    if (!read_enc(&p, fend, fde_enc, 0, &start) || !read_enc(&p, fend, fde_enc & 0x0f, 0, &range))
        return false;
    if (pc < start || pc - start >= range)
        return false;
    if (aug[0] == 'z')
        p += uleb(&p, fend);
    struct rule init = {.cfa_reg = DW_RSP, .cfa_off = 8, .ra_how = 0}, stack[8];
    int sp = 0;
    uintptr_t loc = 0; /* the CIE's instructions apply from the start */
    *r = init;
    run_cfa(c, cend, &loc, UINTPTR_MAX, code_align, data_align, r, &init, stack, &sp);
    init = *r;
    loc = start;
    run_cfa(p, fend, &loc, pc, code_align, data_align, r, &init, stack, &sp);
    return !r->bad;
}

struct fde_query {
    uintptr_t pc;
    const uint8_t *fde;
};

static int find_fde_cb(struct dl_phdr_info *info, size_t sz, void *ctx)
{
    (void)sz;
    struct fde_query *q = ctx;
    const ElfW(Phdr) *eh = NULL;
    bool inside = false;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && q->pc >= lo && q->pc - lo < ph->p_memsz)
            inside = true;
        else if (ph->p_type == PT_GNU_EH_FRAME)
            eh = ph;
    }
    if (!inside)
        return 0;
    if (!eh)
        return 1;
    const uint8_t *hdr = (const uint8_t *)(info->dlpi_addr + eh->p_vaddr), *p = hdr + 4;
    const uint8_t *end = hdr + eh->p_memsz;
    uintptr_t ehp, count;
    if (hdr[0] != 1 || hdr[3] != 0x3b || !read_enc(&p, end, hdr[1], (uintptr_t)hdr, &ehp) ||
        !read_enc(&p, end, hdr[2], (uintptr_t)hdr, &count))
        return 1;
    const int32_t *tab = (const int32_t *)p; /* (initial location, FDE) pairs, sorted */
    size_t lo = 0, hi = count;
    while (lo < hi) { /* first entry starting after pc */
        size_t mid = lo + (hi - lo) / 2;
        if ((uintptr_t)hdr + (uintptr_t)(intptr_t)tab[2 * mid] <= q->pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > 0)
        q->fde = hdr + tab[2 * (lo - 1) + 1];
    return 1;
}

/* The cache word for code address pc (a return address - 1, or the walk's first pc). */
static uint64_t describe(uintptr_t pc)
{
    struct fde_query q = {pc, NULL};
    struct rule r;
    dl_iterate_phdr(find_fde_cb, &q);
    if (!q.fde || !fde_rule(q.fde, pc, &r))
        return pc | W_UNSUP;
    if (r.ra_how == 1)
        return pc | W_END;
    if (r.ra_how != 0 || r.rbp_how == 2 || (r.cfa_reg != DW_RSP && r.cfa_reg != DW_RBP) ||
        r.cfa_off < 8 || (r.cfa_off & 7) || r.cfa_off >= (1024 << 3))
        return pc | W_UNSUP;
    uint64_t w = pc | (r.cfa_reg == DW_RBP ? F_CFA_RBP : 0) | (uint64_t)(r.cfa_off >> 3)
                                                                   << OFF_SHIFT;
    if (r.rbp_how == 1) {
        if (r.rbp_off >= 0 || (r.rbp_off & 7) || r.rbp_off < -(31 << 3))
            return pc | W_UNSUP;
        w |= F_RBP_SAVED | (uint64_t)(-r.rbp_off >> 3) << RBP_SHIFT;
    }
    return w;
}

static inline uint64_t rule_of(uintptr_t pc)
{
    _Atomic uint64_t *slot = &rule_cache[((pc * 0x9E3779B97F4A7C15ULL) >> (64 - CACHE_BITS))];
    uint64_t w = atomic_load_explicit(slot, memory_order_relaxed);
    if (HPC_LIKELY((w & ((1ULL << PC_BITS) - 1)) == pc))
        return w;
    w = describe(pc);
    atomic_store_explicit(slot, w, memory_order_relaxed);
    return w;
}

/* The last complete walk of this thread (CFA and return address per frame) lets the next one stop early: once a frame has the same CFA and return address
 * as frame j of the last walk, and every frame after j had an rsp-based CFA rule, each
 * following CFA is the previous one plus the offset of a rule chosen by the previous return
 * address; so if the return addresses still stored at the cached CFAs - 8 are the cached
 * ones, the rest of the walk would repeat the cached frames exactly (frame 0 is
 * hpc_fast_backtrace's own). */
#define WC_MAX 64
struct walk_cache {
    uint32_t n;
    uint64_t rbp_mask; /* bit f: frame f's CFA came from an rbp-based rule */
    uintptr_t cfa[WC_MAX], ret[WC_MAX];
};
static HPC_TLS struct walk_cache wcache[2];
static HPC_TLS unsigned wcur;      /* wcache[wcur] holds the last complete walk */
static HPC_TLS uintptr_t stack_hi; /* outermost CFA of this thread's first complete walk */

/* Frames j+1.. of c still on the stack with the same return addresses? */
static inline bool suffix_holds(const struct walk_cache *c, uint32_t j)
{
    if (j + 1 < 64 && (c->rbp_mask >> (j + 1)))
        return false;
    bool same = true;
    for (uint32_t i = j + 1; i < c->n; i++)
        same &= *(const uintptr_t *)(c->cfa[i] - 8) == c->ret[i];
    return same;
}

__attribute__((noinline)) static int slow_backtrace(void **buf, int size, const void *from)
{
    return hpc_backtrace_from(buf, size, from);
}

/* Return addresses from the one stored in `frame` (an interposed function's frame record,
 * HPC_FRAME(): the caller's rbp, then the return address into it) outwards, at most size;
 * -1 if the return address is not met. The walk starts in the caller, so the collector's
 * own frames above it cost nothing. */
__attribute__((noinline)) int hpc_fast_backtrace(void **buf, int size, void *const *frame)
{
    if (HPC_UNLIKELY(!rule_cache) || size <= 0)
        return slow_backtrace(buf, size, frame[1]);
    const struct walk_cache *old = &wcache[wcur];
    struct walk_cache *cur = &wcache[wcur ^ 1];
    const uintptr_t *ocfa = old->cfa, *oend = old->cfa + old->n;
    uint32_t f = 0, lim = (uint32_t)size; /* f: frames walked */
    uint64_t mask = 0, rbp_bit = 0;
    uintptr_t hi = stack_hi ? stack_hi : UINTPTR_MAX;
    /* the caller's frame: its CFA is the interposed function's, right above `frame` */
    uintptr_t cfa = (uintptr_t)(frame + 2), ret = (uintptr_t)frame[1];
    uintptr_t rbp = (uintptr_t)frame[0];
    bool complete = false;
    for (;;) {
        if (f < WC_MAX) {
            cur->cfa[f] = cfa;
            cur->ret[f] = ret;
            mask |= rbp_bit << f;
        }
        buf[f++] = (void *)ret;
        while (ocfa < oend && *ocfa < cfa)
            ocfa++;
        if (ocfa < oend && *ocfa == cfa) {
            uint32_t k = (uint32_t)(ocfa - old->cfa);
            if (old->ret[k] == ret && suffix_holds(old, k)) {
                uint32_t n = old->n - k - 1;
                if (n > lim - f)
                    n = lim - f;
                else
                    complete = true;
                memcpy(buf + f, old->ret + k + 1, n * sizeof(*buf));
                if (complete && f + n <= WC_MAX) {
                    memcpy(cur->cfa + f, old->cfa + k + 1, n * sizeof(uintptr_t));
                    memcpy(cur->ret + f, old->ret + k + 1, n * sizeof(uintptr_t));
                }
                f += n;
                cfa = old->cfa[old->n - 1];
                break;
            }
        }
        if (f >= lim)
            break;
        uintptr_t rsp = cfa, pc = ret - 1; /* the call instruction's rule */
        if (pc >> PC_BITS)
            return slow_backtrace(buf, size, frame[1]);
        uint64_t w = rule_of(pc);
        uint64_t off = (w >> OFF_SHIFT) << 3;
        if (off == 0) {
            if (w & F_CFA_RBP)
                return slow_backtrace(buf, size, frame[1]);
            complete = true; /* outermost frame */
            break;
        }
        rbp_bit = (w & F_CFA_RBP) != 0;
        cfa = (rbp_bit ? rbp : rsp) + off;
        /* not this thread's stack: let the careful unwinder decide */
        if (cfa - rsp - 1 >= ((uintptr_t)1 << 24) || cfa > hi)
            return slow_backtrace(buf, size, frame[1]);
        if (w & F_RBP_SAVED)
            rbp = *(const uintptr_t *)(cfa - (((w >> RBP_SHIFT) & 31) << 3));
        ret = *(const uintptr_t *)(cfa - 8);
        if (!ret) {
            complete = true;
            break;
        }
    }
    if (complete && f <= WC_MAX) {
        cur->n = f;
        cur->rbp_mask = mask;
        wcur ^= 1;
        if (!stack_hi)
            stack_hi = cfa;
    }
    return (int)f;
}

/* HEAP_PROFILE_UNWIND=libunwind (or backtrace) keeps the careful unwinder for every stack. */
void hpc_fast_backtrace_init(void)
{
    const char *how = hpc_getenv("HEAP_PROFILE_UNWIND");
    if (!how || strcmp(how, "fast") == 0 || !*how)
        rule_cache = hpc_mmap(sizeof(*rule_cache) << CACHE_BITS);
}


#else /* not x86-64 */

void hpc_fast_backtrace_init(void)
{
}

int hpc_fast_backtrace(void **buf, int size, void *const *frame)
{
    return hpc_backtrace_from(buf, size, frame[1]);
}

#endif
