/*
 * mmaphook.c - HEAP_PROFILE_MMAP / HEAP_PROFILE_ONLY_MMAP of libheapprof: interposed mmap,
 * mmap64, munmap and mremap record the program's memory mappings in a recorder of their
 * own (one "allocation" per mapping, charged to the caller's stack); the heap profile lists
 * their buckets before the malloc buckets, outside the header totals (SPEC 1.2, 2.5.3).
 * The hooks report to the recorder (recorder.h); the calls go to the kernel directly
 * (base.c), so the collector's own mappings (hpc_mmap) never recurse. Mappings made inside
 * glibc (malloc's large blocks, the loader, stdio) use its internal entry points and are
 * not seen; a munmap that covers only part of a recorded
 * mapping leaves it recorded in full.
 */
#undef _FILE_OFFSET_BITS /* mmap and mmap64 are two symbols here, not one renamed */
#include <errno.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "recorder.h"

HPC_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    void *p = hpc_sys_mmap(addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED && hpc_recording_mmap())
        hpc_on_mmap(p, len, HPC_FRAME());
    return p;
}

HPC_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
    void *p = hpc_sys_mmap(addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED && hpc_recording_mmap())
        hpc_on_mmap(p, len, HPC_FRAME());
    return p;
}

HPC_EXPORT int munmap(void *addr, size_t len)
{
    if (hpc_recording_mmap())
        hpc_on_munmap(addr);
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
    if (p != MAP_FAILED && hpc_recording_mmap()) {
        hpc_on_munmap(old);
        hpc_on_mmap(p, new_len, HPC_FRAME());
    }
    return p;
}
