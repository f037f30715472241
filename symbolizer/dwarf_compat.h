/*
 * dwarf_compat.h - shims over the libdwarf API differences between Debian's
 * libdwarf 20210528 (dwarf_init_b with an access argument, dwarf_finish with
 * an error pointer, no dwarf_dealloc_error, dwarf_elf_init_b) and libdwarf
 * 0.x. Included by dwarf.c only, after libdwarf.h.
 *
 * hp_dwarf_init_fd opens a session on the ELF file at fd. With 20210528 it
 * goes through libelf (ELF_C_READ_MMAP, dwarf_elf_init_b): libdwarf then
 * reads its sections in place from the mapping instead of read()ing a copy
 * of each; e->elf must outlive the session (hp_dw_elf_end after
 * hp_dwarf_finish). libdwarf 0.x has no libelf path: plain dwarf_init_b.
 */
#ifndef HP_DWARF_COMPAT_H
#define HP_DWARF_COMPAT_H

#include <libelf.h>

typedef struct hp_dw_elf {
    Elf *elf; /* NULL when the session does not use libelf */
} hp_dw_elf;

static inline void hp_dw_elf_end(hp_dw_elf *e)
{
    if (e->elf)
        elf_end(e->elf);
    e->elf = NULL;
}

/* libdwarf 0.x defines DW_LIBDWARF_VERSION_MAJOR; 20210528 does not. */
#ifdef DW_LIBDWARF_VERSION_MAJOR
#define hp_dwarf_init_fd(fd, e, errhand, errarg, dbg, err)                                         \
    ((void)(e), dwarf_init_b((fd), DW_GROUPNUMBER_ANY, (errhand), (errarg), (dbg), (err)))
#define hp_dwarf_finish(dbg)             dwarf_finish(dbg)
#define hp_dwarf_dealloc_error(dbg, err) dwarf_dealloc_error((dbg), (err))
#else
static inline int hp_dwarf_init_fd(int fd, hp_dw_elf *e, Dwarf_Handler errhand, Dwarf_Ptr errarg,
                                   Dwarf_Debug *dbg, Dwarf_Error *err)
{
    e->elf = elf_version(EV_CURRENT) != EV_NONE ? elf_begin(fd, ELF_C_READ_MMAP, NULL) : NULL;
    if (!e->elf)
        return dwarf_init_b(fd, DW_DLC_READ, DW_GROUPNUMBER_ANY, errhand, errarg, dbg, err);
    int r = dwarf_elf_init_b(e->elf, DW_DLC_READ, DW_GROUPNUMBER_ANY, errhand, errarg, dbg, err);
    if (r != DW_DLV_OK)
        hp_dw_elf_end(e);
    return r;
}
static inline int hp_dwarf_finish(Dwarf_Debug dbg)
{
    Dwarf_Error e = NULL;
    return dwarf_finish(dbg, &e);
}
#define hp_dwarf_dealloc_error(dbg, err) dwarf_dealloc((dbg), (err), DW_DLA_ERROR)
#endif

#endif
