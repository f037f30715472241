/*
 * mmaphook.c - HEAP_PROFILE_MMAP / HEAP_PROFILE_ONLY_MMAP of libheapprof: interposed mmap,
 * mmap64, munmap and mremap record the program's memory mappings in a recorder of their
 * own (one "allocation" per mapping, charged to the caller's stack); the heap profile lists
 * their buckets before the malloc buckets, outside the header totals (SPEC 1.2, 2.5.3).
 * The calls go to the kernel directly, so the collector's own mappings (hpc_mmap) never
 * recurse. Mappings made inside glibc (malloc's large blocks, the loader, stdio) use its
 * internal entry points and are not seen; a munmap that covers only part of a recorded
 * mapping leaves it recorded in full.
 */
#undef _FILE_OFFSET_BITS /* mmap and mmap64 are two symbols here, not one renamed */
#include <errno.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hpc.h"

struct hpc_rec *_Atomic hpc_mmap_rec;

void *hpc_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    long r = syscall(SYS_mmap, addr, len, prot, flags, fd, off);
    return r == -1 ? MAP_FAILED : (void *)r;
}

int hpc_sys_munmap(void *addr, size_t len)
{
    return (int)syscall(SYS_munmap, addr, len);
}

void *hpc_sys_mremap(void *old, size_t old_len, size_t new_len, int flags, void *new_addr)
{
    long r = syscall(SYS_mremap, old, old_len, new_len, flags, new_addr);
    return r == -1 ? MAP_FAILED : (void *)r;
}

static void region_add(void *p, size_t len, void *const *frame)
{
    struct hpc_thread *t = &hpc_tls;
    struct hpc_rec *r = atomic_load_explicit(&hpc_mmap_rec, memory_order_acquire);
    if (!r || t->busy)
        return;
    t->busy = 1;
    uintptr_t pcs[HPC_MAX_DEPTH];
    int depth = hpc_capture(pcs, hpc_max_depth, frame);
    hpc_rec_alloc_region(r, (uintptr_t)p, len, pcs, depth);
    t->busy = 0;
}

static void region_drop(void *p)
{
    struct hpc_thread *t = &hpc_tls;
    struct hpc_rec *r = atomic_load_explicit(&hpc_mmap_rec, memory_order_acquire);
    if (!r || t->busy)
        return;
    t->busy = 1;
    hpc_rec_free_region(r, (uintptr_t)p);
    t->busy = 0;
}

HPC_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    void *p = hpc_sys_mmap(addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED && atomic_load_explicit(&hpc_mmap_rec, memory_order_relaxed))
        region_add(p, len, HPC_FRAME());
    return p;
}

HPC_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
    void *p = hpc_sys_mmap(addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED && atomic_load_explicit(&hpc_mmap_rec, memory_order_relaxed))
        region_add(p, len, HPC_FRAME());
    return p;
}

HPC_EXPORT int munmap(void *addr, size_t len)
{
    if (atomic_load_explicit(&hpc_mmap_rec, memory_order_relaxed))
        region_drop(addr);
    return hpc_sys_munmap(addr, len);
}

HPC_EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
    void *new_addr = NULL;
    if (flags & MREMAP_FIXED) {
        va_list ap;
        va_start(ap, flags);
        new_addr = va_arg(ap, void *);
        va_end(ap);
    }
    void *p = hpc_sys_mremap(old, old_len, new_len, flags, new_addr);
    if (p != MAP_FAILED && atomic_load_explicit(&hpc_mmap_rec, memory_order_relaxed)) {
        region_drop(old);
        region_add(p, new_len, HPC_FRAME());
    }
    return p;
}
